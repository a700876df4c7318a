// A kube-apiserver of another Kubernetes version, with its own etcd, and
// nothing else: enough to see what that version's API does to a manifest
// (1.27 drops `restartPolicy` on init containers; 1.28 drops it unless the
// alpha SidecarContainers gate is on). Processes are children of the caller
// and end with stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { ensureK8sBinaries } from './build';
import { apiserverArgs } from './cluster';
import { DEFAULT_NET } from './config';
import { KubeClient, waitFor } from './kube';
import { HarnessError, silentLogger, type HarnessLogger } from './log';
import { harnessPaths, VERSIONS, type ApiserverOnlyVersion, type HarnessPaths } from './paths';
import { ensurePki, writeKubeconfig } from './pki';

export interface ApiserverOnly {
  readonly version: string;
  readonly url: string;
  readonly kubeconfig: string;
  readonly logs: { etcd: string; apiserver: string };
  /** Stops kube-apiserver (SIGTERM) and starts it again on the same port and etcd: state survives, watches break. */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export interface ApiserverOnlyOptions {
  readonly version: ApiserverOnlyVersion | '1.36';
  readonly featureGates?: Readonly<Record<string, boolean>>;
  readonly paths?: HarnessPaths;
  readonly log?: HarnessLogger;
  readonly timeoutMs?: number;
  /** Extra kube-apiserver flags (e.g. `--max-requests-inflight=1000` for load tests). */
  readonly extraArgs?: readonly string[];
}

// Free loopback ports picked by the kernel, so any number of instances (and
// the cluster) run side by side. The tiny window between close and reuse is
// acceptable for a test harness.
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startApiserverOnly(o: ApiserverOnlyOptions): Promise<ApiserverOnly> {
  const paths = o.paths ?? harnessPaths();
  const log = o.log ?? silentLogger;
  const version = o.version === '1.36' ? VERSIONS.kubernetes : VERSIONS.apiserverOnly[o.version];
  const bin = await ensureK8sBinaries(paths, log, version, ['kube-apiserver']);
  const pki = await ensurePki(paths.pki, { nodeName: DEFAULT_NET.nodeName, nodeIp: DEFAULT_NET.nodeIp });
  const ports = { etcd: await freePort(), peer: await freePort(), api: await freePort() };
  const dir = mkdtempSync(join(tmpdir(), `sc-apiserver-${o.version}-`));
  const tag = `${o.version}-${ports.api}`;
  const logsDir = join(paths.cluster, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logs = { etcd: join(logsDir, `etcd-${tag}.log`), apiserver: join(logsDir, `kube-apiserver-${tag}.log`) };
  const children: ChildProcess[] = [];
  const launch = (cmd: string, args: string[], logFile: string) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    children.push(child);
    return child;
  };
  const terminate = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        c.kill('SIGKILL');
        r();
      }, 10_000);
      c.once('exit', () => {
        clearTimeout(t);
        r();
      });
      c.kill('SIGTERM');
    });
  };
  const stop = async () => {
    for (const c of [...children].reverse()) await terminate(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    launch(
      'etcd',
      [
        `--name=sc-${o.version}`,
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.peer}`,
        `--initial-cluster=sc-${o.version}=http://127.0.0.1:${ports.peer}`,
      ],
      logs.etcd,
    );
    const gates = Object.entries(o.featureGates ?? {}).map(([k, v]) => `${k}=${v}`);
    const launchApiserver = () =>
      launch(
        join(bin, 'kube-apiserver'),
        apiserverArgs({
          pki,
          etcd: etcdUrl,
          port: ports.api,
          advertise: DEFAULT_NET.nodeIp,
          serviceCidr: DEFAULT_NET.serviceCidr,
          extra: [...(gates.length ? [`--feature-gates=${gates.join(',')}`] : []), ...(o.extraArgs ?? [])],
        }),
        logs.apiserver,
      );
    let api = launchApiserver();
    const url = `https://127.0.0.1:${ports.api}`;
    const kubeconfig = join(dir, 'admin.kubeconfig');
    writeKubeconfig(kubeconfig, url, pki.caCert, pki.admin, 'admin');
    const waitReady = async () => {
      const probe = KubeClient.fromKubeconfig(kubeconfig);
      try {
        await waitFor(
          `kube-apiserver ${version} /readyz`,
          async () => {
            if (api.exitCode !== null) throw new HarnessError(`kube-apiserver ${version}`, `exited with ${api.exitCode}`, logs.apiserver);
            return (await probe.getText('/readyz').catch(() => '')).trim() === 'ok' ? true : undefined;
          },
          { timeoutMs: o.timeoutMs ?? 90_000, intervalMs: 300 },
        );
      } finally {
        probe.close();
      }
    };
    const restartApiserver = async () => {
      await terminate(api);
      children.splice(children.indexOf(api), 1);
      api = launchApiserver();
      await waitReady();
      log.info(`kube-apiserver ${version} restarted at ${url}`);
    };
    const client = KubeClient.fromKubeconfig(kubeconfig);
    try {
      await waitReady();
      await waitFor('default namespace', () => client.getOrUndefined('v1', 'Namespace', 'default'), { timeoutMs: 30_000 });
      // No controller-manager runs here to create the default service account,
      // and the ServiceAccount admission plugin rejects pods without it.
      await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
    } catch (e) {
      throw e instanceof HarnessError ? e : new HarnessError(`kube-apiserver ${version}`, String(e), logs.apiserver);
    } finally {
      client.close();
    }
    log.info(`kube-apiserver ${version} (apiserver only) ready at ${url}`);
    return { version, url, kubeconfig, logs, restartApiserver, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
