// The chart's least-rights RBAC, exercised for real: deploy/sidecarctl-reaper rendered by the real
// helm (v4.3.1), its ServiceAccount, Roles and Bindings applied to the harness cluster, a token
// for that ServiceAccount from the TokenRequest API, and `sidecarctl reaper` run with a kubeconfig
// holding only that token — no admin credentials anywhere on the reaper's side.
//  - namespaced mode (`namespaces={jobs}`, exec on, last resort `event`): a Job whose busybox
//    sidecar is listed in the annotation (stopped by `kill -s TERM 1` through exec) and a Job with
//    the real distroless Cloud SQL Auth Proxy (exec of its own `cloud-sql-proxy shutdown`) both
//    complete. What it must not do is asked of the API server as the ServiceAccount
//    (SelfSubjectAccessReview, what `kubectl auth can-i` sends) and tried for real (a 403).
//  - cluster mode (no namespaces: a ClusterRole; `exec=false`, `lastResort=delete-pod`): the exec
//    step is refused by the API server (403 → SidecarStopUnavailable) and the last resort deletes the pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { readKubeconfig, waitFor, type KubeObject } from '../../src/harness/kube';
import { freshNamespace, castWorkload, waitJobFinished, podsOf } from '../../src/harness/workloads';
import { offlineProxyArgs } from '../../src/harness/test-images';
import { goToolPath, harnessPaths } from '../../src/harness/paths';
import { ensureHelm } from '../../src/harness/build';
import { stderrLogger } from '../../src/harness/log';
import { run } from './fixtures/webhook/run';
import { startReaper, reaperEvents, chartNodeOptions, type ReaperProcess } from './fixtures/reaper/support';
import { useCluster } from '../helpers/cluster';

const HELM = goToolPath(harnessPaths().cache, 'helm');
const CHART = join(harnessPaths().repo, 'deploy', 'sidecarctl-reaper');
const SUFFIX = Math.random().toString(36).slice(2, 7);
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

const cleanups: (() => Promise<void>)[] = [];
const reapers: ReaperProcess[] = [];

const env = useCluster({
  setup: async () => {
    await ensureHelm(harnessPaths(), stderrLogger());
  },
  teardown: async () => {
    for (const r of reapers) await r.kill('SIGTERM');
    for (const c of cleanups.reverse()) await c().catch(() => {});
  },
});


async function namespace(prefix: string): Promise<string> {
  const { ns, cleanup } = await freshNamespace(env.client, prefix);
  cleanups.push(cleanup);
  return ns;
}

/** `helm template` of the chart; applies only its RBAC objects and the ServiceAccount. */
async function applyChartRbac(release: string, ns: string, sets: string[]): Promise<{ sa: string; objects: KubeObject[] }> {
  const r = await run(HELM, ['template', release, CHART, '-n', ns, ...sets.flatMap((s) => ['--set', s])], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `helm template failed: ${r.stderr}`);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject | null).filter((d): d is KubeObject => !!d?.kind);
  const deployment = docs.find((d) => d.kind === 'Deployment') as (KubeObject & { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }) | undefined;
  assert.ok(deployment, 'the chart renders its Deployment (not applied: the reaper runs here as a host process)');
  // The host process runs with the container's NODE_OPTIONS (startReaper), so what is tested is what the chart deploys.
  const nodeOptions = deployment.spec.template.spec.containers[0]!.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
  assert.equal(nodeOptions, chartNodeOptions(), 'the Deployment sets the NODE_OPTIONS the reaper processes of this test run with');
  const objects = docs.filter((d) => RBAC_KINDS.has(d.kind));
  for (const o of objects) {
    const path = collectionPath(o);
    await env.client.request('POST', path, o);
    if (!o.metadata.namespace) cleanups.push(() => env.client.request('DELETE', `${path}/${o.metadata.name}`).then(() => undefined));
  }
  const sa = objects.find((o) => o.kind === 'ServiceAccount')!.metadata.name!;
  return { sa, objects };
}

/** The REST collection of one of the chart's RBAC objects (the harness client knows workload kinds only). */
function collectionPath(o: KubeObject): string {
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  if (o.kind === 'ServiceAccount') return `/api/v1${ns}/serviceaccounts`;
  return `/apis/${o.apiVersion}${ns}/${o.kind.toLowerCase()}s`;
}

/** A kubeconfig with nothing but a TokenRequest token for the ServiceAccount (and the cluster CA). */
async function tokenKubeconfig(ns: string, sa: string): Promise<{ file: string; token: string }> {
  const tr = await env.client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 },
  });
  const token = tr.status.token;
  assert.ok(token, 'TokenRequest returned a token');
  const access = readKubeconfig(env.cluster.kubeconfig);
  const file = join(mkdtempSync(join(tmpdir(), 'sc-reaper-rbac-')), 'kubeconfig');
  writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'c', cluster: { server: access.server, 'certificate-authority': access.ca } }],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'c', user: sa } }],
  }), { mode: 0o600 });
  return { file, token };
}

/** A request as the ServiceAccount (bearer token only). */
function asToken<T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const access = readKubeconfig(env.cluster.kubeconfig);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, access.server), {
      method, ca: readFileSync(access.ca), timeout: 15_000,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

interface Check { verb: string; resource: string; subresource?: string; group?: string; namespace?: string; allowed: boolean }

/** `kubectl auth can-i` for each check, as the ServiceAccount; returns the mismatches. */
async function canI(token: string, checks: readonly Check[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const c of checks) {
    const r = await asToken<{ status: { allowed: boolean } }>(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: c.verb, resource: c.resource, ...(c.subresource ? { subresource: c.subresource } : {}), group: c.group ?? '', ...(c.namespace ? { namespace: c.namespace } : {}) } },
    });
    assert.equal(r.status, 201, `SelfSubjectAccessReview: HTTP ${r.status}`);
    const what = `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.subresource ? `/${c.subresource}` : ''} in ${c.namespace ?? 'all namespaces'}`;
    if (r.body.status.allowed !== c.allowed) wrong.push(`${what}: allowed=${r.body.status.allowed}, expected ${c.allowed}`);
  }
  return wrong;
}

function job(name: string, labels: Record<string, string>, annotations: Record<string, string>, containers: object[]): KubeObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { backoffLimit: 0, template: { metadata: { labels, annotations }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers } } },
  };
}

// busybox's shell: a sidecar that runs until SIGTERM, then exits 0.
const busyboxSidecar = (image: string) => ({ name: 'metrics', image, command: ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] });
const work = (image: string) => ({ name: 'work', image, command: ['/bin/sh', '-c', 'sleep 2'] });

test('namespaced mode: only the chart\'s Role rights, two Jobs complete (busybox kill, distroless cloud-sql-proxy shutdown)', async () => {
  const ops = await namespace('reaper-rbac-ops');
  const jobs = await namespace('reaper-rbac-jobs');
  const other = await namespace('reaper-rbac-other');
  const { sa, objects } = await applyChartRbac(`rb-${SUFFIX}`, ops, [`namespaces={${jobs}}`, 'exec=true', 'lastResort=event']);
  assert.deepEqual(objects.filter((o) => o.kind.startsWith('Cluster')), [], 'namespaced mode grants nothing cluster-wide');
  const { file, token } = await tokenKubeconfig(ops, sa);

  const wrong = await canI(token, [
    { verb: 'list', resource: 'pods', namespace: jobs, allowed: true },
    { verb: 'watch', resource: 'pods', namespace: jobs, allowed: true },
    { verb: 'patch', resource: 'pods', namespace: jobs, allowed: true },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: jobs, allowed: true },
    { verb: 'create', resource: 'events', group: 'events.k8s.io', namespace: jobs, allowed: true },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: ops, allowed: true },
    { verb: 'delete', resource: 'pods', namespace: jobs, allowed: false },
    { verb: 'update', resource: 'pods', namespace: jobs, allowed: false },
    { verb: 'create', resource: 'pods', namespace: jobs, allowed: false },
    { verb: 'get', resource: 'secrets', namespace: jobs, allowed: false },
    { verb: 'list', resource: 'secrets', namespace: ops, allowed: false },
    { verb: 'list', resource: 'secrets', allowed: false },
    { verb: 'list', resource: 'pods', allowed: false },
    { verb: 'list', resource: 'pods', namespace: other, allowed: false },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: other, allowed: false },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: ops, allowed: false },
    { verb: 'create', resource: 'pods', subresource: 'ephemeralcontainers', namespace: jobs, allowed: false },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: jobs, allowed: false },
    { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: ops, allowed: false },
  ]);
  assert.deepEqual(wrong, [], 'the ServiceAccount has exactly the documented rights');
  // And for real, not only as a review: reading pods of another namespace is refused.
  assert.equal((await asToken(token, 'GET', `/api/v1/namespaces/${other}/pods`)).status, 403);
  assert.equal((await asToken(token, 'GET', `/api/v1/namespaces/${jobs}/secrets`)).status, 403);

  const reaper = startReaper({ kubeconfig: file, identity: 'reaper-rbac', args: ['-n', jobs, '--lease-namespace', ops, '--stop-timeout', '10s'] });
  reapers.push(reaper);
  await reaper.waitLog('leadership with the ServiceAccount token', (l) => l.msg === 'leader election: became the leader', 30_000);
  await reaper.waitLog('pods listed', (l) => l.msg === 'pods listed', 15_000);

  const img = env.cluster.images.behaviour;
  await env.client.create(job('busybox-job', {}, { 'nrmitchi.com/sidecars': 'metrics' }, [work(img), busyboxSidecar(img)]), jobs);
  await env.client.create(castWorkload(job('csql-job', {}, { 'sidecarctl.dev/sidecars': 'cloud-sql-proxy' }, [
    work(img),
    { name: 'cloud-sql-proxy', image: 'placeholder', args: ['--quitquitquit', '--port=5432', 'proj:region:db', ...offlineProxyArgs()] },
  ]), env.cluster.images, { 'cloud-sql-proxy': { image: env.cluster.images.cloudSqlProxy } }), jobs);

  const [bb, csql] = await Promise.all(['busybox-job', 'csql-job'].map((n) => waitJobFinished(env.client, jobs, n, 90_000)));
  const tail = () => JSON.stringify(reaper.logs().slice(-8));
  assert.equal(bb!.complete, true, `busybox-job completes with the ServiceAccount's rights: ${JSON.stringify(bb)} ${tail()}`);
  assert.equal(csql!.complete, true, `csql-job completes with the ServiceAccount's rights: ${JSON.stringify(csql)} ${tail()}`);
  const events = await reaperEvents(env.client, jobs);
  const stops = (j: string) => events.filter((e) => e.regarding.name.startsWith(`${j}-`) && e.reason === 'SidecarStopRequested');
  assert.equal(stops('busybox-job').length, 1);
  assert.match(stops('busybox-job')[0]!.note, /kill -s TERM 1/);
  assert.equal(stops('csql-job').length, 1);
  assert.match(stops('csql-job')[0]!.note, /cloud-sql-proxy shutdown/);
  // A refusal reads `HTTP 403 Forbidden` (KubeHttpError); the timestamp is left out, whose
  // milliseconds can read 403 too.
  const refused = reaper.logs().filter(({ time: _time, ...l }) => /forbidden|HTTP 403\b|"status":403\b/i.test(JSON.stringify(l)));
  assert.equal(refused.length, 0, `no request of the reaper was refused: ${JSON.stringify(refused)}`);
});

test('cluster mode without exec, last resort delete-pod: exec is refused by the API server, the pod is deleted', async () => {
  const ops = await namespace('reaper-rbac-cops');
  const jobs = await namespace('reaper-rbac-cjobs');
  const release = `rc-${SUFFIX}`;
  const { sa, objects } = await applyChartRbac(release, ops, ['exec=false', 'lastResort=delete-pod']);
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
  const { file, token } = await tokenKubeconfig(ops, sa);
  const wrong = await canI(token, [
    { verb: 'list', resource: 'pods', allowed: true },
    { verb: 'watch', resource: 'pods', allowed: true },
    { verb: 'delete', resource: 'pods', namespace: jobs, allowed: true },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: jobs, allowed: false },
    { verb: 'get', resource: 'pods', subresource: 'exec', namespace: jobs, allowed: false },
    { verb: 'list', resource: 'secrets', allowed: false },
    { verb: 'get', resource: 'secrets', namespace: jobs, allowed: false },
    { verb: 'create', resource: 'pods', namespace: jobs, allowed: false },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: jobs, allowed: false },
  ]);
  assert.deepEqual(wrong, [], 'the ServiceAccount has exactly the documented rights');

  // Cluster-wide watch, scoped to this test's pods by a label selector (the cluster is shared).
  const label = `reaper-rbac-${SUFFIX}`;
  const reaper = startReaper({ kubeconfig: file, identity: 'reaper-rbac-cluster', args: ['-l', `test=${label}`, '--lease-namespace', ops, '--last-resort', 'delete-pod', '--stop-timeout', '5s'] });
  reapers.push(reaper);
  await reaper.waitLog('leadership with the ServiceAccount token', (l) => l.msg === 'leader election: became the leader', 30_000);
  const img = env.cluster.images.behaviour;
  await env.client.create(job('noexec-job', { test: label }, { 'sidecarctl.dev/sidecars': 'metrics' }, [work(img), busyboxSidecar(img)]), jobs);
  const pod = await waitFor('a pod of noexec-job', async () => (await podsOf(env.client, jobs, 'job-name=noexec-job'))[0], { timeoutMs: 30_000 });
  await waitFor('the pod deleted by the last resort', async () => {
    const p = await env.client.getOrUndefined<Pod>('v1', 'Pod', pod.metadata!.name!, jobs);
    return !p || p.metadata?.uid !== pod.metadata!.uid || p.metadata?.deletionTimestamp ? true : undefined;
  }, { timeoutMs: 60_000 });
  const events = (await reaperEvents(env.client, jobs)).filter((e) => e.regarding.uid === pod.metadata!.uid);
  const unavailable = events.filter((e) => e.reason === 'SidecarStopUnavailable');
  assert.equal(unavailable.length, 1, JSON.stringify(events));
  assert.match(unavailable[0]!.note, /forbidden|403/i, 'the exec step was refused by RBAC');
  assert.equal(events.filter((e) => e.reason === 'PodDeletedToStopSidecar').length, 1, JSON.stringify(events));
});
