// The harness cluster itself: the versions other tests read (node and
// apiserver), and the sidecarctl image running our bundle in a pod.
import { test } from 'node:test';
import { useCluster } from '../helpers/cluster';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { waitFor } from '../../src/harness/kube';
import { freshNamespace } from '../../src/harness/workloads';
import { VERSIONS } from '../../src/harness/paths';

const env = useCluster();

test('the apiserver and the node report the pinned Kubernetes version and runtime', async () => {
  const v = JSON.parse(await env.client.getText('/version')) as { gitVersion: string; major: string; minor: string };
  assert.equal(v.gitVersion, VERSIONS.kubernetes);
  assert.equal(`${v.major}.${v.minor}`, VERSIONS.kubernetes.replace(/^v(\d+\.\d+).*/, '$1'));
  const node = await env.client.get<Node>('v1', 'Node', env.cluster.nodeName);
  assert.equal(node.status?.nodeInfo?.kubeletVersion, VERSIONS.kubernetes);
  assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
  assert.ok(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
});

test('the sidecarctl image runs the CLI bundle in a pod', async () => {
  assert.ok(env.cluster.images.sidecarctl, 'the image exists (dist/sidecarctl.mjs was built before cluster:up)');
  const { ns, cleanup } = await freshNamespace(env.client, 'harness-cli');
  try {
    await env.client.create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cli' },
      spec: { restartPolicy: 'Never', automountServiceAccountToken: false, containers: [{ name: 'cli', image: env.cluster.images.sidecarctl, imagePullPolicy: 'Never', args: ['--version'] }] },
    }, ns);
    const pod = await waitFor('cli pod finished', async () => {
      const p = await env.client.get<Pod>('v1', 'Pod', 'cli', ns);
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(pod.status?.phase, 'Succeeded');
    const out = await env.client.getText(`/api/v1/namespaces/${ns}/pods/cli/log`);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(out.trim(), pkg.version);
  } finally {
    await cleanup();
  }
});
