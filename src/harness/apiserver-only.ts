// A kube-apiserver of another Kubernetes version, with its own etcd, and
// nothing else: enough to see what that version's API does to a manifest
// (1.27 drops `restartPolicy` on init containers; 1.28 drops it unless the
// alpha SidecarContainers gate is on). Processes are children of the caller
// and end with stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
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
  stop(): Promise<void>;
}

export interface ApiserverOnlyOptions {
  readonly version: ApiserverOnlyVersion | '1.36';
  readonly featureGates?: Readonly<Record<string, boolean>>;
  readonly paths?: HarnessPaths;
  readonly log?: HarnessLogger;
  readonly timeoutMs?: number;
}

// Fixed, distinct loopback ports per version so two can run side by side with the cluster.
const PORTS: Record<string, { etcd: number; peer: number; api: number }> = {
  '1.27': { etcd: 23791, peer: 23801, api: 6444 },
  '1.28': { etcd: 23792, peer: 23802, api: 6445 },
  '1.36': { etcd: 23793, peer: 23803, api: 6446 },
};

export async function startApiserverOnly(o: ApiserverOnlyOptions): Promise<ApiserverOnly> {
  const paths = o.paths ?? harnessPaths();
  const log = o.log ?? silentLogger;
  const version = o.version === '1.36' ? VERSIONS.kubernetes : VERSIONS.apiserverOnly[o.version];
  const bin = await ensureK8sBinaries(paths, log, version, ['kube-apiserver']);
  const pki = await ensurePki(paths.pki, { nodeName: DEFAULT_NET.nodeName, nodeIp: DEFAULT_NET.nodeIp });
  const ports = PORTS[o.version]!;
  const dir = mkdtempSync(join(tmpdir(), `sc-apiserver-${o.version}-`));
  const logsDir = join(paths.cluster, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logs = { etcd: join(logsDir, `etcd-${o.version}.log`), apiserver: join(logsDir, `kube-apiserver-${o.version}.log`) };
  const children: ChildProcess[] = [];
  const launch = (cmd: string, args: string[], logFile: string) => {
    const fd = openSync(logFile, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            r();
          }, 10_000);
          c.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
    }
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
    const api = launch(
      join(bin, 'kube-apiserver'),
      apiserverArgs({
        pki,
        etcd: etcdUrl,
        port: ports.api,
        advertise: DEFAULT_NET.nodeIp,
        serviceCidr: DEFAULT_NET.serviceCidr,
        extra: gates.length ? [`--feature-gates=${gates.join(',')}`] : [],
      }),
      logs.apiserver,
    );
    const url = `https://127.0.0.1:${ports.api}`;
    const kubeconfig = join(dir, 'admin.kubeconfig');
    writeKubeconfig(kubeconfig, url, pki.caCert, pki.admin, 'admin');
    const client = KubeClient.fromKubeconfig(kubeconfig);
    try {
      await waitFor(
        `kube-apiserver ${version} /readyz`,
        async () => {
          if (api.exitCode !== null) throw new HarnessError(`kube-apiserver ${version}`, `exited with ${api.exitCode}`, logs.apiserver);
          return (await client.getText('/readyz')).trim() === 'ok' ? true : undefined;
        },
        { timeoutMs: o.timeoutMs ?? 90_000, intervalMs: 300 },
      );
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
    return { version, url, kubeconfig, logs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
