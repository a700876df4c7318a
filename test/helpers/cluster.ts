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

/**
 * `setup` runs once the cluster and the client are there: what the file needs before its tests
 * (a namespace, a webhook or reaper process). It belongs here, not in a `before` of the file's own:
 * top-level `before` hooks of one file start together under Node 20's test runner.
 * `teardown` runs after the file's tests and before the client is closed (node:test runs `after`
 * hooks in the order they were registered, so a file's own `after` would find the client closed):
 * stop what the file started, delete what it created. It runs even when a test failed.
 */
export function useCluster(o: { readonly setup?: () => Promise<void>; readonly teardown?: () => Promise<void> } = {}): ClusterEnv {
  const env = {} as { cluster: ClusterInfo; client: KubeClient };
  before(async () => {
    env.cluster = await ensureCluster();
    env.client = KubeClient.fromKubeconfig(env.cluster.kubeconfig);
    await o.setup?.();
  });
  after(async () => {
    try {
      await o.teardown?.();
    } finally {
      env.client?.close();
    }
  });
  return env;
}
