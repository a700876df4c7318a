// Lifecycle of the single-node test cluster: every component is a real
// process on this host (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, containerd + runc, kubelet), started detached so the cluster
// outlives `npm run cluster:up`. Idempotent: a component whose pid is alive and
// healthy is left alone. Every wait is bounded; a failure names the component
// and its log file.
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { run, startDaemon, stopDaemon, readPid, isAlive, defaultSleep } from './exec';
import { HarnessError, silentLogger, type HarnessLogger } from './log';
import { harnessPaths, VERSIONS, type HarnessPaths } from './paths';
import { ensurePki, writeKubeconfig, type ClusterPki } from './pki';
import { DEFAULT_NET, PORTS, CNI_IPAM_DIR, cniConflist, containerdConfig, kubeletConfig, type NodeNet } from './config';
import { ensureK8sBinaries, ensurePause } from './build';
import { ensureImages, type HarnessImages } from './test-images';
import { KubeClient, waitFor } from './kube';

export type Component = 'containerd' | 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubelet';
export const COMPONENTS: readonly Component[] = ['containerd', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'];

export interface ClusterOptions {
  readonly paths?: HarnessPaths;
  readonly log?: HarnessLogger;
  readonly net?: NodeNet;
  /** upper bound for the whole start once binaries and images exist */
  readonly bootTimeoutMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ClusterInfo {
  readonly kubeconfig: string;
  readonly server: string;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly kubernetesVersion: string;
  readonly images: HarnessImages;
  readonly logs: string;
  /** seconds the last `up` took (0 when everything was already running) */
  readonly bootSeconds: number;
}

interface Ctx {
  paths: HarnessPaths;
  log: HarnessLogger;
  net: NodeNet;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

function ctxOf(o: ClusterOptions): Ctx {
  return { paths: o.paths ?? harnessPaths(), log: o.log ?? silentLogger, net: o.net ?? DEFAULT_NET, now: o.now ?? Date.now, sleep: o.sleep ?? defaultSleep };
}

const logFile = (c: Ctx, comp: string) => join(c.paths.logs, `${comp}.log`);
const pidFile = (c: Ctx, comp: string) => join(c.paths.cluster, 'run', `${comp}.pid`);

function running(c: Ctx, comp: string): boolean {
  const pid = readPid(pidFile(c, comp));
  return pid !== undefined && isAlive(pid);
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolvePromise((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => resolvePromise(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts `comp` unless it already runs; then waits for `healthy`, failing with its log file if it dies or times out. */
async function ensureComponent(
  c: Ctx,
  comp: Component,
  start: () => void,
  healthy: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  if (running(c, comp) && (await healthy())) {
    c.log.info(`${comp}: already running`);
    return;
  }
  let started = false;
  const launch = () => {
    c.log.info(`${comp}: starting (log: ${logFile(c, comp)})`);
    start();
    started = true;
  };
  if (!running(c, comp)) launch();
  const t0 = c.now();
  for (;;) {
    if (await healthy()) break;
    if (!running(c, comp)) {
      // A process we did not start (e.g. one still shutting down) went away: start ours.
      if (!started) {
        launch();
        continue;
      }
      throw new HarnessError(comp, 'exited during start-up', logFile(c, comp));
    }
    if (c.now() - t0 > timeoutMs) throw new HarnessError(comp, `not healthy after ${timeoutMs / 1000} s`, logFile(c, comp));
    await c.sleep(250);
  }
  c.log.info(`${comp}: healthy after ${((c.now() - t0) / 1000).toFixed(1)} s`);
}

async function ensureBridge(c: Ctx): Promise<void> {
  const show = await run('ip', ['-o', 'addr', 'show', 'dev', c.net.bridge], { allowFail: true });
  if (show.code !== 0) await run('ip', ['link', 'add', c.net.bridge, 'type', 'bridge'], { component: 'network (bridge)' });
  if (!show.stdout.includes(`inet ${c.net.nodeIp}/`)) {
    const prefix = c.net.podSubnet.split('/')[1];
    await run('ip', ['addr', 'add', `${c.net.nodeIp}/${prefix}`, 'dev', c.net.bridge], { component: 'network (bridge)' });
  }
  await run('ip', ['link', 'set', c.net.bridge, 'up'], { component: 'network (bridge)' });
  // There is no kube-proxy: Service IPs (e.g. the `kubernetes` Service that
  // KUBERNETES_SERVICE_HOST names) are not served. A blackhole route makes a
  // host-network pod's connection to one fail here instead of following the
  // host's default route off the machine.
  await run('ip', ['route', 'replace', 'blackhole', c.net.serviceCidr], { component: 'network (service CIDR route)' });
}

function kubeconfigs(c: Ctx, pki: ClusterPki) {
  const server = `https://127.0.0.1:${PORTS.apiserver}`;
  const dir = c.paths.cluster;
  const files = {
    admin: c.paths.kubeconfig,
    kubelet: join(dir, 'kubelet.kubeconfig'),
    controllerManager: join(dir, 'controller-manager.kubeconfig'),
    scheduler: join(dir, 'scheduler.kubeconfig'),
  };
  writeKubeconfig(files.admin, server, pki.caCert, pki.admin, 'admin');
  writeKubeconfig(files.kubelet, server, pki.caCert, pki.kubelet, 'kubelet');
  writeKubeconfig(files.controllerManager, server, pki.caCert, pki.controllerManager, 'kube-controller-manager');
  writeKubeconfig(files.scheduler, server, pki.caCert, pki.scheduler, 'kube-scheduler');
  return { server, files };
}

export function apiserverArgs(o: {
  pki: ClusterPki;
  etcd: string;
  etcdPrefix?: string;
  port: number;
  advertise: string;
  serviceCidr: string;
  extra?: readonly string[];
}): string[] {
  return [
    `--etcd-servers=${o.etcd}`,
    ...(o.etcdPrefix ? [`--etcd-prefix=${o.etcdPrefix}`] : []),
    '--bind-address=127.0.0.1',
    `--secure-port=${o.port}`,
    // Only written into the `kubernetes` Service's endpoints (which must not be
    // a loopback address); the server itself listens on 127.0.0.1 only.
    `--advertise-address=${o.advertise}`,
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${o.pki.apiserver.cert}`,
    `--tls-private-key-file=${o.pki.apiserver.key}`,
    `--client-ca-file=${o.pki.caCert}`,
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${o.pki.saPub}`,
    `--service-account-signing-key-file=${o.pki.saKey}`,
    `--service-cluster-ip-range=${o.serviceCidr}`,
    '--authorization-mode=Node,RBAC',
    // Reach kubelets by their InternalIP (the harness bridge), never by
    // resolving the node name through the host's DNS servers.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${o.pki.apiserverKubeletClient.cert}`,
    `--kubelet-client-key=${o.pki.apiserverKubeletClient.key}`,
    '--allow-privileged=true',
    '--profiling=false',
    ...(o.extra ?? []),
  ];
}

/** Brings the cluster up (building what is missing). */
export async function clusterUp(opts: ClusterOptions = {}): Promise<ClusterInfo> {
  const c = ctxOf(opts);
  const t0 = c.now();
  const version = VERSIONS.kubernetes;
  const minor = Number(version.split('.')[1]);
  for (const d of [c.paths.cluster, c.paths.logs, join(c.paths.cluster, 'run'), c.paths.cniConf, c.paths.containerdRoot, c.paths.containerdState, c.paths.kubeletRoot]) {
    mkdirSync(d, { recursive: true });
  }
  if (COMPONENTS.every((comp) => !running(c, comp))) await coldStartCleanup(c);
  const bin = await ensureK8sBinaries(c.paths, c.log, version);
  await ensurePause(c.paths, c.log);
  const tBoot = c.now();
  await ensureBridge(c);
  const pki = await ensurePki(c.paths.pki, { nodeName: c.net.nodeName, nodeIp: c.net.nodeIp });
  const { server, files } = kubeconfigs(c, pki);
  const bootTimeout = opts.bootTimeoutMs ?? 180_000;

  // containerd
  const cdConf = join(c.paths.cluster, 'containerd.toml');
  writeFileSync(join(c.paths.cniConf, '10-sidecarctl.conflist'), cniConflist(c.net));
  writeFileSync(cdConf, containerdConfig({ root: c.paths.containerdRoot, state: c.paths.containerdState, sock: c.paths.containerdSock, cniConfDir: c.paths.cniConf, pauseImage: VERSIONS.pauseImage }));
  await ensureComponent(
    c,
    'containerd',
    () => startDaemon('containerd', ['--config', cdConf], logFile(c, 'containerd'), pidFile(c, 'containerd')),
    async () => (await run('ctr', ['-a', c.paths.containerdSock, 'version'], { allowFail: true, timeoutMs: 5000 })).code === 0,
    30_000,
  );
  const images = await ensureImages({ paths: c.paths, log: c.log, containerdSock: c.paths.containerdSock });

  // etcd
  const etcdUrl = `http://127.0.0.1:${PORTS.etcdClient}`;
  await ensureComponent(
    c,
    'etcd',
    () =>
      startDaemon(
        'etcd',
        [
          '--name=sidecarctl',
          `--data-dir=${join(c.paths.cluster, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=http://127.0.0.1:${PORTS.etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${PORTS.etcdPeer}`,
          `--initial-cluster=sidecarctl=http://127.0.0.1:${PORTS.etcdPeer}`,
          '--listen-metrics-urls=',
        ],
        logFile(c, 'etcd'),
        pidFile(c, 'etcd'),
      ),
    () => httpOk(`${etcdUrl}/health`),
    30_000,
  );

  // kube-apiserver
  const admin = KubeClient.fromKubeconfig(files.admin);
  try {
    const apiHealthy = async () => {
      try {
        return (await admin.getText('/readyz')).trim() === 'ok';
      } catch {
        return false;
      }
    };
    await ensureComponent(
      c,
      'kube-apiserver',
      () =>
        startDaemon(
          join(bin, 'kube-apiserver'),
          apiserverArgs({
            pki,
            etcd: etcdUrl,
            port: PORTS.apiserver,
            advertise: c.net.nodeIp,
            serviceCidr: c.net.serviceCidr,
            // No kube-proxy serves Service IPs here: let the apiserver call
            // admission webhooks (and aggregated APIs) at their endpoints' pod IPs.
            extra: ['--enable-aggregator-routing=true'],
          }),
          logFile(c, 'kube-apiserver'),
          pidFile(c, 'kube-apiserver'),
        ),
      apiHealthy,
      90_000,
    );

    await ensureComponent(
      c,
      'kube-controller-manager',
      () =>
        startDaemon(
          join(bin, 'kube-controller-manager'),
          [
            `--kubeconfig=${files.controllerManager}`,
            `--authentication-kubeconfig=${files.controllerManager}`,
            `--authorization-kubeconfig=${files.controllerManager}`,
            '--bind-address=127.0.0.1',
            `--secure-port=${PORTS.controllerManager}`,
            '--leader-elect=false',
            `--service-account-private-key-file=${pki.saKey}`,
            `--root-ca-file=${pki.caCert}`,
            // One service account per controller, as kubeadm does: the bootstrap RBAC
            // policy grants each controller only its own role.
            '--use-service-account-credentials=true',
            `--cluster-signing-cert-file=${pki.caCert}`,
            `--cluster-signing-key-file=${pki.caKey}`,
            // The Job controller's status sync is what "Job complete" means in
            // the seed stories; keep its own batching small.
            '--concurrent-job-syncs=5',
          ],
          logFile(c, 'kube-controller-manager'),
          pidFile(c, 'kube-controller-manager'),
        ),
      async () => running(c, 'kube-controller-manager') && (await tcpHealthz(PORTS.controllerManager)),
      60_000,
    );
    await ensureComponent(
      c,
      'kube-scheduler',
      () =>
        startDaemon(
          join(bin, 'kube-scheduler'),
          [
            `--kubeconfig=${files.scheduler}`,
            `--authentication-kubeconfig=${files.scheduler}`,
            `--authorization-kubeconfig=${files.scheduler}`,
            '--bind-address=127.0.0.1',
            `--secure-port=${PORTS.scheduler}`,
            '--leader-elect=false',
          ],
          logFile(c, 'kube-scheduler'),
          pidFile(c, 'kube-scheduler'),
        ),
      async () => running(c, 'kube-scheduler') && (await tcpHealthz(PORTS.scheduler)),
      60_000,
    );

    // kubelet
    const kcfg = join(c.paths.cluster, 'kubelet-config.yaml');
    writeFileSync(kcfg, kubeletConfig({ net: c.net, caCert: pki.caCert, runtimeSock: c.paths.containerdSock, minor }));
    await ensureComponent(
      c,
      'kubelet',
      () =>
        startDaemon(
          join(bin, 'kubelet'),
          [
            `--config=${kcfg}`,
            `--kubeconfig=${files.kubelet}`,
            `--root-dir=${c.paths.kubeletRoot}`,
            `--cert-dir=${join(c.paths.cluster, 'kubelet-pki')}`,
            `--hostname-override=${c.net.nodeName}`,
            `--node-ip=${c.net.nodeIp}`,
            '--v=2',
          ],
          logFile(c, 'kubelet'),
          pidFile(c, 'kubelet'),
        ),
      () => httpOk(`http://127.0.0.1:${PORTS.kubeletHealthz}/healthz`),
      60_000,
    );

    // The node must be Ready (runtime and CNI up) and the default service
    // account must exist (the ServiceAccount admission plugin rejects pods
    // until the controller-manager created it).
    const left = () => Math.max(5_000, bootTimeout - (c.now() - tBoot));
    await waitFor(
      `node ${c.net.nodeName} Ready and untainted`,
      async () => {
        const node = await admin.getOrUndefined<{ spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } }>('v1', 'Node', c.net.nodeName);
        const ready = node?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
        // The node lifecycle controller removes the not-ready taint only after
        // it saw the node Ready; until then the scheduler places nothing.
        const tainted = node?.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'));
        return ready && !tainted ? true : undefined;
      },
      { timeoutMs: left(), intervalMs: 500, sleep: c.sleep, now: c.now },
    ).catch((e: unknown) => {
      throw new HarnessError('kubelet', `node not Ready: ${String(e)}`, logFile(c, 'kubelet'));
    });
    await waitFor('default service account', () => admin.getOrUndefined('v1', 'ServiceAccount', 'default', 'default'), { timeoutMs: left(), sleep: c.sleep, now: c.now }).catch((e: unknown) => {
      throw new HarnessError('kube-controller-manager', String(e), logFile(c, 'kube-controller-manager'));
    });
    const bootSeconds = (c.now() - tBoot) / 1000;
    c.log.info(`cluster up: node ${c.net.nodeName} Ready, ${version} (boot ${bootSeconds.toFixed(1)} s, total ${((c.now() - t0) / 1000).toFixed(1)} s); kubeconfig ${files.admin}`);
    writeFileSync(join(c.paths.cluster, 'images.json'), JSON.stringify(images, null, 2));
    return { kubeconfig: files.admin, server, nodeName: c.net.nodeName, nodeIp: c.net.nodeIp, kubernetesVersion: version, images, logs: c.paths.logs, bootSeconds };
  } finally {
    admin.close();
  }
}

/** TCP connect to a loopback port (the components' secure ports have self-signed certs). */
function tcpHealthz(port: number): Promise<boolean> {
  return new Promise<boolean>((resolvePromise) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.on('connect', () => {
      s.destroy();
      resolvePromise(true);
    });
    s.on('error', () => resolvePromise(false));
    s.on('timeout', () => {
      s.destroy();
      resolvePromise(false);
    });
  });
}

export interface ComponentStatus {
  readonly component: string;
  readonly running: boolean;
  readonly pid?: number;
  readonly log: string;
}

export function clusterStatus(opts: ClusterOptions = {}): ComponentStatus[] {
  const c = ctxOf(opts);
  return COMPONENTS.map((comp) => {
    const pid = readPid(pidFile(c, comp));
    return { component: comp, running: pid !== undefined && isAlive(pid), ...(pid !== undefined ? { pid } : {}), log: logFile(c, comp) };
  });
}

/**
 * Stops everything `up` started, in reverse order. Pod containers are killed
 * through containerd (each task we own, by id) before containerd stops, and
 * the mounts left under the harness' own directories are unmounted.
 * `purge` also removes cluster state (etcd data, PKI, kubelet root); caches stay.
 */
export async function clusterDown(opts: ClusterOptions & { purge?: boolean } = {}): Promise<void> {
  const c = ctxOf(opts);
  for (const comp of ['kubelet', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'] as const) {
    if (await stopDaemon(pidFile(c, comp), 15_000, c.sleep)) c.log.info(`${comp}: stopped`);
  }
  if (running(c, 'containerd')) {
    const ctr = (...a: string[]) => run('ctr', ['-a', c.paths.containerdSock, '-n', 'k8s.io', ...a], { allowFail: true, timeoutMs: 30_000 });
    const tasks = (await ctr('tasks', 'ls', '-q')).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    for (const id of tasks) await ctr('tasks', 'kill', '-s', 'SIGKILL', id);
    for (const id of tasks) {
      for (let i = 0; i < 20; i++) {
        if ((await ctr('tasks', 'delete', id)).code === 0) break;
        await c.sleep(250);
      }
    }
    const containers = (await ctr('containers', 'ls', '-q')).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    for (const id of containers) await ctr('containers', 'rm', id);
    c.log.info(`containerd: removed ${tasks.length} tasks, ${containers.length} containers`);
  }
  if (await stopDaemon(pidFile(c, 'containerd'), 15_000, c.sleep)) c.log.info('containerd: stopped');
  await unmountUnder(c, [c.paths.kubeletRoot, c.paths.containerdState, c.paths.containerdRoot]);
  if (opts.purge) {
    for (const d of [join(c.paths.cluster, 'etcd'), c.paths.pki, c.paths.kubeletRoot, join(c.paths.cluster, 'kubelet-pki')]) rmSync(d, { recursive: true, force: true });
    c.log.info('cluster state purged');
  }
}

/**
 * Nothing of ours runs (first start, or the machine kept our directories but
 * not our processes): start from empty runtime state so every run sees the
 * same cluster — no pods of an earlier run, no stale sandboxes or mounts.
 * Built binaries, images and the PKI are kept.
 */
async function coldStartCleanup(c: Ctx): Promise<void> {
  await unmountUnder(c, [c.paths.kubeletRoot, c.paths.containerdState, c.paths.containerdRoot]);
  // Pod network namespaces of a previous run may still hold veths on our
  // bridge with addresses the fresh IPAM store will hand out again: recreate
  // the bridge so nothing stale is attached to it.
  await run('ip', ['link', 'del', c.net.bridge], { allowFail: true });
  for (const d of [join(c.paths.cluster, 'etcd'), c.paths.kubeletRoot, c.paths.containerdRoot, c.paths.containerdState, join(c.paths.cluster, 'kubelet-pki'), join(c.paths.cluster, 'run'), CNI_IPAM_DIR, c.paths.scenarioLogs]) {
    rmSync(d, { recursive: true, force: true });
  }
  for (const d of [join(c.paths.cluster, 'run'), c.paths.containerdRoot, c.paths.containerdState, c.paths.kubeletRoot]) mkdirSync(d, { recursive: true });
  c.log.info('no component running: starting from empty cluster state');
}

async function unmountUnder(c: Ctx, prefixes: readonly string[]): Promise<void> {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m], { allowFail: true });
  if (mounts.length) c.log.info(`unmounted ${mounts.length} leftover mounts`);
}

export function readClusterImages(paths: HarnessPaths = harnessPaths()): HarnessImages | undefined {
  const f = join(paths.cluster, 'images.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as HarnessImages) : undefined;
}

