// The shared setup of e2e files: the harness cluster (brought up or reused) and a client for
// it, closed after the file's tests. Read `env.cluster` / `env.client` inside tests.
import { before, after } from 'node:test';
import { KubeClient } from '../../src/harness/kube';
import { ensureCluster } from '../../src/harness/workloads';
import type { ClusterInfo } from '../../src/harness/cluster';

export interface ClusterEnv {
  readonly cluster: ClusterInfo;
  readonly client: KubeClient;
}

export function useCluster(): ClusterEnv {
  const env = {} as { cluster: ClusterInfo; client: KubeClient };
  before(async () => {
    env.cluster = await ensureCluster();
    env.client = KubeClient.fromKubeconfig(env.cluster.kubeconfig);
  });
  after(() => env.client?.close());
  return env;
}
