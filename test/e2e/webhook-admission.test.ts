// The admission webhook against the real kube-apiserver of the harness: `sidecarctl webhook
// serve` runs on the host (https://127.0.0.1:<port>), `sidecarctl webhook config --apply`
// registers it, and objects are created with kubectl. Pods that need not run carry a
// scheduling gate, so they are stored and validated but never started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { waitFor } from '../../src/harness/kube';
import { kubectl, makeCerts, sidecarctl, startWebhook, type WebhookProcess } from './fixtures/webhook/run';
import { useCluster } from '../helpers/cluster';

const FIX = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const SUFFIX = Math.random().toString(36).slice(2, 7);
const CONFIG = `sidecarctl-webhook-e2e-${SUFFIX}`;
const INJECTOR = `zz-injector-e2e-${SUFFIX}`;
const GATE = [{ name: 'sidecarctl.dev/e2e-hold' }];

let certs: Awaited<ReturnType<typeof makeCerts>>;
let wh: WebhookProcess;
let injector: Server | undefined;
let injectorCalls = 0;
const ns = { on: `wh-on-${SUFFIX}`, warn: `wh-warn-${SUFFIX}`, off: `wh-off-${SUFFIX}`, plain: `wh-plain-${SUFFIX}`, inject: `wh-inject-${SUFFIX}` };

/** Seed 000's Job (test/e2e/fixtures/seed-000-bootloader-job.yaml) and the Pod its controller would create, held by a scheduling gate. */
function seedJob(name = 'airbyte-bootloader') {
  const job = parse(FIX('seed-000-bootloader-job.yaml'));
  job.metadata.name = name;
  job.spec.template.spec.schedulingGates = GATE;
  return job;
}
function seedPod(name: string, annotations?: Record<string, string>) {
  const job = seedJob();
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: job.spec.template.spec };
}

async function create(namespace: string, obj: unknown): Promise<{ stored: any; stderr: string; ms: number }> {
  const t0 = Date.now();
  const r = await kubectl(env.cluster.kubeconfig, ['create', '-n', namespace, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(obj) });
  assert.equal(r.code, 0, `kubectl create failed: ${r.stderr}`);
  return { stored: JSON.parse(r.stdout), stderr: r.stderr, ms: Date.now() - t0 };
}
const names = (l?: { name: string }[]) => (l ?? []).map((c) => c.name);

async function metric(outcome: string): Promise<number> {
  const r = await fetchText(`${wh.url}/metrics`);
  const m = new RegExp(`sidecarctl_webhook_requests_total\\{outcome="${outcome}"\\} (\\d+)`).exec(r);
  return m ? Number(m[1]) : 0;
}
async function fetchText(url: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { ca: certs.caPem }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); }).on('error', reject).end();
  });
}

const env = useCluster({
  setup: async () => {
    certs = await makeCerts();
    wh = await startWebhook(['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--kubeconfig', env.cluster.kubeconfig, '--namespace', 'sidecarctl-system', '--log-level', 'debug']);
    const labels: Record<string, Record<string, string>> = { [ns.on]: { 'sidecarctl.dev/webhook': 'enabled' }, [ns.warn]: { 'sidecarctl.dev/webhook': 'warn' }, [ns.off]: { 'sidecarctl.dev/webhook': 'disabled' }, [ns.plain]: {}, [ns.inject]: { 'sidecarctl.dev/webhook': 'enabled' } };
    for (const [name, l] of Object.entries(labels)) {
      await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: l } });
      await waitFor(`service account in ${name}`, () => env.client.getOrUndefined('v1', 'ServiceAccount', 'default', name), { timeoutMs: 30_000 });
    }
    const applied = await sidecarctl(['webhook', 'config', '--apply', '--kubeconfig', env.cluster.kubeconfig, '--name', CONFIG, '--url', wh.url, '--ca-file', certs.ca]);
    assert.equal(applied.code, 0, applied.stderr);
    // The apiserver picks up webhook configurations through an informer: wait until a
    // server-side dry run comes back patched (dry runs call webhooks with sideEffects None).
    await waitFor('webhook configuration in effect', async () => {
      const r = await kubectl(env.cluster.kubeconfig, ['create', '--dry-run=server', '-n', ns.on, '-o', 'json', '-f', '-'], { stdin: stringify(seedPod('probe')) });
      return r.code === 0 && JSON.parse(r.stdout).spec.initContainers ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    await waitFor('workload warnings in effect', async () => {
      const r = await kubectl(env.cluster.kubeconfig, ['create', '--dry-run=server', '-n', ns.on, '-f', '-'], { stdin: JSON.stringify(seedJob('probe')) });
      return r.code === 0 && r.stderr.includes('Warning: sidecarctl') ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
  },
  teardown: async () => {
    await kubectl(env.cluster.kubeconfig, ['delete', 'mutatingwebhookconfiguration', CONFIG, INJECTOR, '--ignore-not-found']);
    await kubectl(env.cluster.kubeconfig, ['delete', 'validatingwebhookconfiguration', `${CONFIG}-workloads`, '--ignore-not-found']);
    for (const n of Object.values(ns)) await env.client.delete('v1', 'Namespace', n).catch(() => {});
    await wh?.stop();
    injector?.close();
  },
});



test('kubectl create Pod in an opted-in namespace: stored as a native sidecar pod, accepted by the apiserver, equal to `sidecarctl fix`', async () => {
  const { stored, stderr } = await create(ns.on, seedPod('seed000'));
  assert.deepEqual(stored.spec.initContainers.map((c: any) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always']]);
  assert.ok(stored.spec.initContainers[0].startupProbe?.httpGet, 'startupProbe on the proxy health server');
  assert.ok(stored.spec.initContainers[0].args.includes('--health-check'));
  assert.deepEqual(names(stored.spec.containers), ['airbyte-bootloader'], 'the quitquitquit helper is gone');
  assert.match(stored.metadata.annotations['sidecarctl.dev/webhook-applied'], /sidecar-blocks-job-completion:cloud-sql-proxy/);
  assert.doesNotMatch(stderr, /Warning/, 'nothing left to warn about');
  // The CLI's fix of the same Pod, created where the webhook does not act: the apiserver
  // defaults both the same way, so the stored container lists must be equal.
  const fixed = await sidecarctl(['fix', '-'], { stdin: stringify(seedPod('seed000-cli')) });
  assert.equal(fixed.code, 0, fixed.stderr);
  const cli = await create(ns.off, parse(fixed.stdout));
  // (the service-account token volume gets a random name per pod)
  const norm = (l: any[]) => JSON.parse(JSON.stringify(l).replace(/kube-api-access-[a-z0-9]+/g, 'kube-api-access'));
  assert.deepEqual(norm(stored.spec.initContainers), norm(cli.stored.spec.initContainers));
  assert.deepEqual(norm(stored.spec.containers), norm(cli.stored.spec.containers));
});

test('kubectl create Job: kubectl shows what will happen to its pods; the Job controller\'s pod is fixed at admission', async () => {
  const { stderr } = await create(ns.on, seedJob('bootloader-job'));
  assert.match(stderr, /Warning: sidecarctl: pods of Job\/bootloader-job are fixed as they are created \(native sidecar cloud-sql-proxy; stop-cloud-sql-proxy removed\)/);
  const pod = await waitFor('the Job\'s pod', async () => (await env.client.list<Pod>('v1', 'Pod', ns.on, 'job-name=bootloader-job'))[0], { timeoutMs: 30_000 });
  assert.deepEqual(pod.spec!.initContainers!.map((c) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always']]);
  assert.deepEqual(names(pod.spec!.containers), ['airbyte-bootloader']);
  const job = await env.client.get<any>('batch/v1', 'Job', 'bootloader-job', ns.on);
  assert.equal(job.spec.template.spec.initContainers, undefined, 'the Job itself is as the user wrote it');
});

test('kubectl shows the warnings for what cannot be fixed; warn namespaces only warn', async () => {
  const kubexit = parse(readFileSync(join(import.meta.dirname, '../../../shared/corpus/manifests/kubexit__cloudsql-proxy-job_job.yaml'), 'utf8'));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kubexit' }, spec: { ...kubexit.spec.template.spec, schedulingGates: GATE } };
  const r = await create(ns.on, pod);
  assert.match(r.stderr, /Warning: sidecarctl sidecar-blocks-job-completion: "cloudsql-proxy"/);
  assert.match(r.stderr, /Warning: sidecarctl probe-on-localhost-port/);
  assert.equal(r.stored.spec.initContainers?.length ?? 0, kubexit.spec.template.spec.initContainers?.length ?? 0, 'kubexit pods are left to a person');
  const w = await create(ns.warn, seedPod('warn-only'));
  assert.match(w.stderr, /Warning: sidecarctl sidecar-blocks-job-completion/);
  assert.deepEqual(names(w.stored.spec.containers), ['airbyte-bootloader', 'cloud-sql-proxy', 'stop-cloud-sql-proxy']);
  assert.equal(w.stored.spec.initContainers, undefined);
});

test('opt-out and opt-in: labelled-off namespaces, opted-out pods and unlabelled namespaces are untouched; a pod annotation opts in', async () => {
  for (const [namespace, pod] of [[ns.off, seedPod('off')], [ns.on, seedPod('pod-off', { 'sidecarctl.dev/webhook': 'disabled' })], [ns.plain, seedPod('plain')]] as const) {
    const r = await create(namespace, pod);
    assert.deepEqual(names(r.stored.spec.containers), ['airbyte-bootloader', 'cloud-sql-proxy', 'stop-cloud-sql-proxy'], `${namespace}/${pod.metadata.name}`);
    assert.equal(r.stored.spec.initContainers, undefined);
    assert.equal(r.stored.metadata.annotations?.['sidecarctl.dev/webhook-applied'], undefined);
    assert.doesNotMatch(r.stderr, /Warning/);
  }
  const optIn = await create(ns.plain, seedPod('pod-on', { 'sidecarctl.dev/webhook': 'enabled' }));
  assert.deepEqual(names(optIn.stored.spec.initContainers), ['cloud-sql-proxy']);
});

test('reinvocation: a later mutating webhook appends a proxy container; ours runs again and makes it native too', async () => {
  const injected = { name: 'injected-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--port=6543', 'p:r:other'] };
  injector = createServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      injectorCalls++;
      const review = JSON.parse(body);
      const pod = review.request.object;
      const has = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c: any) => c.name === injected.name);
      const patch = has ? [] : [{ op: 'add', path: '/spec/containers/-', value: injected }];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...(patch.length ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}) } }));
    });
  });
  await new Promise<void>((r) => injector!.listen(0, '127.0.0.1', () => r()));
  const port = (injector.address() as { port: number }).port;
  // Named after ours, so the apiserver calls it after ours (configurations run in name order).
  const cfg = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: INJECTOR }, webhooks: [{
    name: 'inject.e2e.sidecarctl.dev', clientConfig: { url: `https://127.0.0.1:${port}/inject`, caBundle: Buffer.from(certs.caPem).toString('base64') },
    admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', timeoutSeconds: 3, reinvocationPolicy: 'Never',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.inject } } }] };
  const applied = await kubectl(env.cluster.kubeconfig, ['apply', '-f', '-'], { stdin: stringify(cfg) });
  assert.equal(applied.code, 0, applied.stderr);
  await waitFor('injector in effect', async () => {
    const r = await kubectl(env.cluster.kubeconfig, ['create', '--dry-run=server', '-n', ns.inject, '-o', 'json', '-f', '-'], { stdin: stringify(seedPod('probe')) });
    return r.code === 0 && JSON.stringify(JSON.parse(r.stdout).spec).includes(injected.name) ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 300 });
  const before = await metric('patched');
  const callsBefore = injectorCalls;
  const { stored } = await create(ns.inject, seedPod('reinvoked'));
  assert.equal(injectorCalls - callsBefore, 1, 'the injector ran once');
  assert.equal(await metric('patched') - before, 2, 'ours ran twice: first call and reinvocation, both patched');
  assert.deepEqual(stored.spec.initContainers.map((c: any) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always'], ['injected-proxy', 'Always']]);
  assert.ok(stored.spec.initContainers[1].startupProbe, 'the injected proxy got its startupProbe');
  assert.deepEqual(names(stored.spec.containers), ['airbyte-bootloader']);
  assert.match(stored.metadata.annotations['sidecarctl.dev/webhook-applied'], /:cloud-sql-proxy.*:injected-proxy/, 'the annotation was extended on reinvocation');
});

test('/healthz, /readyz and /metrics', async () => {
  assert.equal((await fetchText(`${wh.url}/healthz`)).trim(), 'ok');
  assert.equal((await fetchText(`${wh.url}/readyz`)).trim(), 'ok');
  const m = await fetchText(`${wh.url}/metrics`);
  assert.match(m, /sidecarctl_webhook_request_duration_seconds_bucket\{le="0.005",outcome="patched"\} \d+/);
  assert.ok(await metric('patched') >= 5);
});

test('fail-open: a hung webhook (SIGSTOP) costs one timeout; a stopped one nothing; pods are admitted unchanged', async () => {
  wh.child.kill('SIGSTOP');
  let hung;
  try {
    hung = await create(ns.on, seedPod('webhook-hung'));
  } finally {
    wh.child.kill('SIGCONT');
  }
  assert.equal(hung.stored.spec.initContainers, undefined);
  assert.ok(hung.ms >= 2500 && hung.ms < 3000 + 3000, `admitted after the 3 s timeout (took ${hung.ms} ms)`);
  console.log(`# pod create with the webhook hung (SIGSTOP, timeoutSeconds 3, failurePolicy Ignore): ${hung.ms} ms through kubectl`);
  assert.equal(await wh.stop(), 0, `graceful exit:\n${wh.logs().slice(-2000)}`);
  assert.match(wh.logs(), /"msg":"webhook stopped"/);
  const r = await create(ns.on, seedPod('webhook-down'));
  assert.deepEqual(names(r.stored.spec.containers), ['airbyte-bootloader', 'cloud-sql-proxy', 'stop-cloud-sql-proxy']);
  assert.equal(r.stored.spec.initContainers, undefined);
  assert.ok(r.ms < 3000 + 2000, `admitted within the 3 s timeout (took ${r.ms} ms)`);
  console.log(`# pod create with the webhook down (connection refused, failurePolicy Ignore): ${r.ms} ms through kubectl`);
});
