// Seed 000 end to end on the real kubelet, through the webhook: the user creates the Job exactly
// as written (plain Cloud SQL Auth Proxy container + a helper that sleeps 25 s, then POSTs
// /quitquitquit) in a namespace labelled sidecarctl.dev/webhook=enabled. The webhook makes the
// proxy a native sidecar and drops the helper at pod admission, so the Job completes right
// after the main container exits instead of after the helper's sleep
// (test/e2e/seed-000-quitquitquit-job.test.ts measures the unfixed Job: ~25 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/harness/kube';
import { parseManifests, castWorkload, waitJobFinished, LogCollector, type Cast } from '../../src/harness/workloads';
import { offlineProxyArgs } from '../../src/harness/test-images';
import { kubectl, makeCerts, sidecarctl, startWebhook, type WebhookProcess } from './fixtures/webhook/run';
import { useCluster } from '../helpers/cluster';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'seed-000-bootloader-job.yaml'), 'utf8');
const SUFFIX = Math.random().toString(36).slice(2, 7);
const CONFIG = `sidecarctl-webhook-seed000-${SUFFIX}`;
const NS = `wh-seed000-${SUFFIX}`;
const MAIN_RUN_MS = 3000;

let wh: WebhookProcess;

const env = useCluster({
  setup: async () => {
    const certs = await makeCerts();
    wh = await startWebhook(['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--kubeconfig', env.cluster.kubeconfig]);
    await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'sidecarctl.dev/webhook': 'enabled' } } });
    await waitFor('default service account', () => env.client.getOrUndefined('v1', 'ServiceAccount', 'default', NS), { timeoutMs: 30_000 });
    const applied = await sidecarctl(['webhook', 'config', '--apply', '--kubeconfig', env.cluster.kubeconfig, '--name', CONFIG, '--url', wh.url, '--ca-file', certs.ca]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('webhook configuration in effect', async () => {
      const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe' }, spec: (parseManifests(fixture)[0]!.spec as any).template.spec };
      const r = await kubectl(env.cluster.kubeconfig, ['create', '--dry-run=server', '-n', NS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(probe) });
      return r.code === 0 && JSON.parse(r.stdout).spec.initContainers ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
  },
  teardown: async () => {
    await kubectl(env.cluster.kubeconfig, ['delete', 'mutatingwebhookconfiguration', CONFIG, '--ignore-not-found']);
    await kubectl(env.cluster.kubeconfig, ['delete', 'validatingwebhookconfiguration', `${CONFIG}-workloads`, '--ignore-not-found']);
    await env.client?.delete('v1', 'Namespace', NS).catch(() => {});
    await wh?.stop();
  },
});



test('seed 000 Job created unchanged by a user completes right after its main container, because the webhook fixed its pod', async () => {
  const casts: Record<string, Cast> = {
    'airbyte-bootloader': { behaviour: { run: MAIN_RUN_MS, exitCode: 0 } },
    'cloud-sql-proxy': { image: env.cluster.images.cloudSqlProxy, extraArgs: offlineProxyArgs },
    'stop-cloud-sql-proxy': { image: env.cluster.images.behaviour },
  };
  // Only images are swapped for the ones built here (and the offline proxy flags added); the
  // containers' layout is the user's: the proxy in `containers`, the quitquitquit helper beside it.
  const job = castWorkload(parseManifests(fixture).find((o) => o.kind === 'Job')!, env.cluster.images, casts);
  assert.deepEqual((job.spec as any).template.spec.initContainers, undefined);
  const logs = new LogCollector(env.client, NS, 'job-name=airbyte-bootloader').start();
  const t0 = Date.now();
  const created = await kubectl(env.cluster.kubeconfig, ['create', '-n', NS, '-f', '-'], { stdin: JSON.stringify(job) });
  assert.equal(created.code, 0, created.stderr);
  const st = await waitJobFinished(env.client, NS, 'airbyte-bootloader', 90_000);
  await logs.stop();
  assert.equal(st.complete, true, `Job completes within 90 s (${JSON.stringify(st)})`);
  const pod = logs.seenPods()[0]!;
  assert.deepEqual(pod.spec!.initContainers!.map((c) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always']], 'the stored pod has the proxy as a native sidecar');
  assert.deepEqual(pod.spec!.containers.map((c) => c.name), ['airbyte-bootloader'], 'and no quitquitquit helper');
  const exit = logs.events(pod.metadata!.uid!, 'airbyte-bootloader').find((e) => e.type === 'Exiting');
  assert.ok(exit, 'the main container ran and exited');
  assert.equal(exit.args[0], '0');
  const delay = (st.observedAt! - exit.t) / 1000;
  console.log(`# seed 000 through the webhook: Job complete ${((st.observedAt! - t0) / 1000).toFixed(1)} s after kubectl create, ${delay.toFixed(1)} s after the main container exited (helper sleep was 25 s)`);
  // Same bound as the CLI-fixed run of seed-000-quitquitquit-job.test.ts (two 1 s PLEG relists + Job controller).
  assert.ok(delay <= 5, `completes right after the main container (delay ${delay} s)`);
});
