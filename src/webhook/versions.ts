// The cluster's versions, for the native-sidecar decision: the apiserver's (GET /version) and
// every node's kubelet (Node.status.nodeInfo.kubeletVersion). Native sidecars need both ≥ 1.29:
// an old apiserver drops the field (KEP-753), and an old kubelet ignores it, so the sidecar
// would run as a blocking init container. Istio gates its native sidecars on every node's
// kubelet for the same reason (pilot/pkg/features, ../shared/research/prior-art.md §5).
// Polled, not watched: a node joining shows up within one interval; pods admitted meanwhile are
// judged by the versions last seen.
import { parseKubeVersion } from '../core/kube-version';
import type { KubeVersion } from '../core/types';
import type { ClusterVersions } from './policy';
import type { Logger } from './server';

export interface VersionSource {
  current(): ClusterVersions | undefined;
  stop(): void;
}

/** A fixed version (`--kube-version`): for clusters where the webhook may not read nodes. */
export function fixedVersions(v: KubeVersion): VersionSource {
  return { current: () => ({ apiserver: v, oldestKubelet: v }), stop() {} };
}

export function oldest(versions: readonly KubeVersion[]): KubeVersion | undefined {
  let o: KubeVersion | undefined;
  for (const v of versions) if (!o || v.major < o.major || (v.major === o.major && (v.minor < o.minor || (v.minor === o.minor && (v.patch ?? 0) < (o.patch ?? 0))))) o = v;
  return o;
}

/** Reads versions through @kubernetes/client-node (imported here, lazily: lint/fix never load it). */
export async function pollClusterVersions(o: { kubeconfig?: string; intervalMs: number; logger: Logger }): Promise<VersionSource> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
  else kc.loadFromDefault(); // in a pod: the service account (loadFromCluster)
  const versionApi = kc.makeApiClient(k8s.VersionApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let last: ClusterVersions | undefined;
  let stopped = false;
  const refresh = async () => {
    try {
      const info = await versionApi.getCode();
      const apiserver = parseKubeVersion(info.gitVersion);
      if (!apiserver) throw new Error(`unparsable apiserver version ${info.gitVersion}`);
      const nodes = await core.listNode();
      const kubelets = nodes.items.map((n) => parseKubeVersion(n.status?.nodeInfo?.kubeletVersion ?? '')).filter((v): v is KubeVersion => !!v);
      const oldestKubelet = oldest(kubelets);
      const next: ClusterVersions = { apiserver, ...(oldestKubelet ? { oldestKubelet } : {}) };
      if (JSON.stringify(next) !== JSON.stringify(last)) o.logger.info({ apiserver: info.gitVersion, nodes: nodes.items.length, oldestKubelet }, 'cluster versions');
      last = next;
    } catch (e) {
      o.logger.warn({ err: (e as Error)?.message ?? String(e) }, 'could not read cluster versions; keeping the last ones seen');
    }
  };
  await refresh();
  const loop = async () => {
    while (!stopped) {
      await new Promise((r) => { const t = setTimeout(r, o.intervalMs); t.unref(); });
      if (!stopped) await refresh();
    }
  };
  void loop();
  return { current: () => last, stop: () => { stopped = true; } };
}
