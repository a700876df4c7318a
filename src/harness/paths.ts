// Where the harness keeps things. Built binaries and images are cached by
// version under ~/.cache/sidecarctl (override: SIDECARCTL_CACHE) so a second
// `cluster:up` builds nothing; the running cluster's state (certs, etcd data,
// logs, pid files) lives in <cache>/cluster, and the runtime roots that need
// a real filesystem for overlay mounts live under /var/lib and /run.
import { homedir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions. Changing one rebuilds that component into a new cache dir. */
export const VERSIONS = {
  kubernetes: 'v1.36.3',
  /** apiserver-only builds for version-dependent behaviour (native sidecars absent / alpha). */
  apiserverOnly: { '1.27': 'v1.27.16', '1.28': 'v1.28.15' } as const,
  cloudSqlProxy: '2.27.0',
  /** name the CRI plugin is configured to use as its sandbox image (built locally from pause.c) */
  pauseImage: 'registry.k8s.io/pause:3.10.2',
  /** `helm template` renders deploy/ charts in tests (harness/build/build-go-tool.sh) */
  helm: 'v4.3.1',
  /** peer linter measured side by side in bench/lint.bench.ts (built from a source checkout, docs/harness.md) */
  kubeLinter: 'v0.8.3',
} as const;

/** A Go command built by harness/build/build-go-tool.sh (undefined-safe: callers check existence). */
export function goToolPath(cache: string, name: 'helm' | 'kube-linter'): string {
  const version = name === 'helm' ? VERSIONS.helm : VERSIONS.kubeLinter;
  return `${cache}/bin/${name}-${version}/${name}`;
}

export type ApiserverOnlyVersion = keyof typeof VERSIONS.apiserverOnly;

export interface HarnessPaths {
  readonly repo: string;
  readonly cache: string;
  readonly bin: (component: 'k8s' | 'cloud-sql-proxy' | 'pause', version: string) => string;
  readonly images: string;
  readonly cluster: string;
  readonly logs: string;
  readonly pki: string;
  readonly kubeconfig: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSock: string;
  readonly kubeletRoot: string;
  /** host directories the scenario runner's pods log to (one per run) */
  readonly scenarioLogs: string;
  readonly cniConf: string;
}

export function harnessPaths(env: NodeJS.ProcessEnv = process.env): HarnessPaths {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cache = env.SIDECARCTL_CACHE ?? join(homedir(), '.cache', 'sidecarctl');
  const cluster = join(cache, 'cluster');
  return {
    repo,
    cache,
    bin: (component, version) =>
      join(cache, 'bin', component === 'k8s' ? `k8s-${version.replace(/^v/, '')}` : `${component}-${version}`),
    images: join(cache, 'images'),
    cluster,
    logs: join(cluster, 'logs'),
    pki: join(cluster, 'pki'),
    kubeconfig: join(cluster, 'admin.kubeconfig'),
    containerdRoot: '/var/lib/sidecarctl/containerd',
    containerdState: '/run/sidecarctl/containerd',
    containerdSock: '/run/sidecarctl/containerd/containerd.sock',
    kubeletRoot: '/var/lib/sidecarctl/kubelet',
    scenarioLogs: '/var/lib/sidecarctl/scenario-logs',
    cniConf: join(cluster, 'cni'),
  };
}
