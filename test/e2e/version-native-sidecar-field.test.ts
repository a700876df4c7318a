// Version rules of lint/fix, grounded in real apiservers: a native sidecar is
// an init container with `restartPolicy: Always`. kube-apiserver 1.27 does not
// know the field and silently drops it (the pod is stored as a plain init
// container, which would block the pod forever); 1.28 drops it unless the
// alpha SidecarContainers feature gate is on; 1.36 keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { KubeClient } from '../../src/harness/kube';
import { startApiserverOnly } from '../../src/harness/apiserver-only';
import { stderrLogger } from '../../src/harness/log';

const sidecarPod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    restartPolicy: 'Never',
    initContainers: [{ name: 'proxy', image: 'example.com/proxy:1', restartPolicy: 'Always' }],
    containers: [{ name: 'app', image: 'example.com/app:1' }],
  },
});

async function storedInitRestartPolicy(version: '1.27' | '1.28' | '1.36', gates?: Record<string, boolean>) {
  const api = await startApiserverOnly({ version, log: stderrLogger(), ...(gates ? { featureGates: gates } : {}) });
  const client = KubeClient.fromKubeconfig(api.kubeconfig);
  try {
    const info = JSON.parse(await client.getText('/version')) as { gitVersion: string; minor: string };
    assert.equal(info.minor.replace(/\+$/, ''), version.split('.')[1], `the apiserver reports ${version} (${info.gitVersion})`);
    const created = await client.create(sidecarPod('sidecar') as never, 'default');
    const stored = await client.get<Pod>('v1', 'Pod', 'sidecar', 'default');
    return { gitVersion: info.gitVersion, created: (created as unknown as Pod).spec?.initContainers?.[0]?.restartPolicy, stored: stored.spec?.initContainers?.[0]?.restartPolicy };
  } finally {
    client.close();
    await api.stop();
  }
}

test('kube-apiserver 1.27 silently drops restartPolicy: Always on an init container', async () => {
  const r = await storedInitRestartPolicy('1.27');
  console.log(`# ${r.gitVersion}: stored initContainers[0].restartPolicy = ${r.stored ?? '(absent)'}`);
  assert.equal(r.created, undefined, 'the create response already lacks the field (no error, no warning)');
  assert.equal(r.stored, undefined);
});

test('kube-apiserver 1.28 drops it with the alpha gate off (default) and keeps it with SidecarContainers=true', async () => {
  const off = await storedInitRestartPolicy('1.28');
  console.log(`# ${off.gitVersion} (default gates): stored restartPolicy = ${off.stored ?? '(absent)'}`);
  assert.equal(off.stored, undefined);
  const on = await storedInitRestartPolicy('1.28', { SidecarContainers: true });
  console.log(`# ${on.gitVersion} (SidecarContainers=true): stored restartPolicy = ${on.stored ?? '(absent)'}`);
  assert.equal(on.stored, 'Always');
});

test('kube-apiserver 1.36 keeps it', async () => {
  const r = await storedInitRestartPolicy('1.36');
  console.log(`# ${r.gitVersion}: stored restartPolicy = ${r.stored ?? '(absent)'}`);
  assert.equal(r.stored, 'Always');
});
