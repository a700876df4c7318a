// The Helm chart installed for real: `helm install` (v4.3.1, built here) of deploy/sidecarctl-webhook
// into the harness cluster with the locally built image sidecarctl.dev/sidecarctl:dev (node, the
// bundle and its external packages). The webhook pod reads the cluster's versions through its
// service account (RBAC from the chart), turns ready, and the apiserver calls it behind its
// Service (aggregator routing to the endpoint, docs/harness.md "In-cluster clients").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { waitFor } from '../../src/harness/kube';
import { goToolPath, harnessPaths } from '../../src/harness/paths';
import { kubectl, run } from './fixtures/webhook/run';
import { ensureHelm } from '../../src/harness/build';
import { stderrLogger } from '../../src/harness/log';
import { useCluster } from '../helpers/cluster';

const HELM = goToolPath(harnessPaths().cache, 'helm');
const CHART = join(harnessPaths().repo, 'deploy', 'sidecarctl-webhook');
const SUFFIX = Math.random().toString(36).slice(2, 7);
const RELEASE = `sc-${SUFFIX}`;
const NS = `wh-chart-${SUFFIX}`;
const APPS = `wh-chart-apps-${SUFFIX}`;
// host network (no kube-proxy here, docs/harness.md): a port of its own on the node's bridge address
const PORT = 20000 + Math.floor(Math.random() * 10000);

const helm = (args: string[], timeoutMs = 180_000) => run(HELM, [...args, '--kubeconfig', env.cluster.kubeconfig], { timeoutMs });

const env = useCluster({
  setup: async () => {
    await ensureHelm(harnessPaths(), stderrLogger()); // builds the pinned helm when missing
    assert.ok(env.cluster.images.sidecarctl, 'the sidecarctl image is built from dist/ (run `npm run build` first)');
  },
  teardown: async () => {
    if (env.cluster) await helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '60s']).catch(() => {});
    for (const n of [APPS, NS]) await env.client?.delete('v1', 'Namespace', n).catch(() => {});
  },
});



test('helm install of the chart: the webhook pod turns ready and fixes pods in opted-in namespaces', async () => {
  const t0 = Date.now();
  const inst = await helm(['install', RELEASE, CHART, '-n', NS, '--create-namespace', '--wait', '--timeout', '120s',
    '--set', `image.pullPolicy=Never,replicaCount=1,hostNetwork=true,apiServerOverride.host=127.0.0.1,apiServerOverride.port=6443,webhook.port=${PORT},webhook.drain=0s`]);
  const logsNow = async () => (await kubectl(env.cluster.kubeconfig, ['logs', '-n', NS, '-l', 'app.kubernetes.io/name=sidecarctl-webhook', '--tail=50'])).stdout;
  assert.equal(inst.code, 0, `helm install failed: ${inst.stderr}\n${await logsNow()}`);
  console.log(`# helm install --wait: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [pod] = await env.client.list<Pod>('v1', 'Pod', NS, 'app.kubernetes.io/name=sidecarctl-webhook');
  assert.ok(pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 'webhook pod Ready (/readyz: cluster versions read)');
  const logs = await logsNow();
  assert.match(logs, /"msg":"cluster versions"/, logs);
  assert.match(logs, /"apiserver":"v1\.36\.3","nodes":1/, 'read the apiserver and the node through its service account');

  await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: APPS, labels: { 'sidecarctl.dev/webhook': 'enabled' } } });
  await waitFor('service account', () => env.client.getOrUndefined('v1', 'ServiceAccount', 'default', APPS), { timeoutMs: 30_000 });
  const job = parse(readFileSync(join(import.meta.dirname, 'fixtures', 'seed-000-bootloader-job.yaml'), 'utf8'));
  const podObj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'seed000' }, spec: { ...job.spec.template.spec, schedulingGates: [{ name: 'sidecarctl.dev/e2e-hold' }] } };
  const created = await kubectl(env.cluster.kubeconfig, ['create', '-n', APPS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(podObj) });
  assert.equal(created.code, 0, created.stderr);
  const stored = JSON.parse(created.stdout);
  assert.deepEqual(stored.spec.initContainers?.map((c: any) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always']], `patched by the in-cluster webhook\n${await logsNow()}`);
  assert.deepEqual(stored.spec.containers.map((c: any) => c.name), ['airbyte-bootloader']);
  assert.match(await logsNow(), /"outcome":"patched"/);
  // the chart's ValidatingWebhookConfiguration: people who create Jobs hear what happens to their pods
  const jobObj = { ...job, metadata: { name: 'bootloader' }, spec: { ...job.spec, template: { ...job.spec.template, spec: podObj.spec } } };
  // (the apiserver picks up new webhook configurations through an informer: wait for it with dry runs)
  await waitFor('workload warnings in effect', async () => {
    const r = await kubectl(env.cluster.kubeconfig, ['create', '--dry-run=server', '-n', APPS, '-f', '-'], { stdin: JSON.stringify(jobObj) });
    return r.stderr.includes('Warning: sidecarctl') ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 300 });
  const jobRun = await kubectl(env.cluster.kubeconfig, ['create', '-n', APPS, '-f', '-'], { stdin: JSON.stringify(jobObj) });
  assert.equal(jobRun.code, 0, jobRun.stderr);
  assert.match(jobRun.stderr, /Warning: sidecarctl: pods of Job\/bootloader are fixed as they are created/);
  // its own namespace is never mutated
  const own = await kubectl(env.cluster.kubeconfig, ['create', '-n', NS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify({ ...podObj, metadata: { name: 'own', annotations: { 'sidecarctl.dev/webhook': 'enabled' } } }) });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(JSON.parse(own.stdout).spec.initContainers, undefined);
});
