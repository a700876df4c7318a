// The reaper on the real kubelet: one `sidecarctl reaper` process (leader-elected on a Lease in
// the test namespace) and five Jobs whose sidecars sit in `containers`, run side by side:
//  - a busybox metrics sidecar listed in nrmitchi's annotation → stopped by `kill -s TERM 1`;
//  - the real distroless Cloud SQL Auth Proxy 2.27.0 (no shell) with --quitquitquit → stopped by
//    exec of its own `cloud-sql-proxy shutdown`, exits 0, the Job completes;
//  - a main container OOM-killed under its memory limit (restartPolicy Never) → the sidecar is
//    still stopped and the pod ends (prior art waits for Completed/Error only);
//  - a sidecar that never becomes Ready → stopped all the same;
//  - a sidecar that ignores SIGTERM → after the stop timeout, the last resort deletes the pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { waitFor } from '../../src/harness/kube';
import { freshNamespace, castWorkload, waitJobFinished, podsOf, containerStatus, type Cast } from '../../src/harness/workloads';
import { offlineProxyArgs } from '../../src/harness/test-images';
import type { KubeObject } from '../../src/harness/kube';
import { startReaper, reaperEvents, metricsText, type ReaperProcess } from './fixtures/reaper/support';
import { useCluster } from '../helpers/cluster';

let ns: string;
let cleanup: () => Promise<void>;
let reaper: ReaperProcess;

const env = useCluster({
  setup: async () => {
    ({ ns, cleanup } = await freshNamespace(env.client, 'reaper-jobs'));
    reaper = startReaper({ kubeconfig: env.cluster.kubeconfig, identity: 'reaper-e2e', args: ['-n', ns, '--lease-namespace', ns, '--stop-timeout', '5s', '--last-resort', 'delete-pod'] });
    await reaper.waitLog('leadership', (l) => l.msg === 'leader election: became the leader', 20_000);
  },
  teardown: async () => {
    await reaper?.kill('SIGTERM');
    await cleanup?.();
  },
});


function job(name: string, annotations: Record<string, string>, containers: object[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: { metadata: { annotations, labels: { app: name } }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers, ...extra } },
    },
  };
}

const forever = { run: Number.POSITIVE_INFINITY };

async function podOf(name: string): Promise<Pod> {
  return waitFor(`a pod of ${name}`, async () => (await podsOf(env.client, ns, `job-name=${name}`))[0], { timeoutMs: 30_000 });
}

test('reaper: five Jobs with sidecars in containers end on the real kubelet', async () => {
  const behaviour = (name: string, cast: Cast, extra: object = {}) => ({ name, cast, extra });
  const specs: { name: string; annotations: Record<string, string>; containers: { name: string; cast: Cast; extra: object }[]; podExtra?: Record<string, unknown> }[] = [
    {
      name: 'metrics-job',
      annotations: { 'nrmitchi.com/sidecars': 'metrics' },
      containers: [behaviour('report', { behaviour: { run: 2000, exitCode: 0 } }), behaviour('metrics', { behaviour: { ...forever, onSigterm: { after: 0, exitCode: 0 } }, servePorts: [9102] }, { ports: [{ containerPort: 9102 }] })],
    },
    {
      name: 'csql-job',
      annotations: { 'sidecarctl.dev/sidecars': 'cloud-sql-proxy' },
      containers: [
        behaviour('migrate', { behaviour: { run: 2000, exitCode: 0 } }),
        { name: 'cloud-sql-proxy', cast: { image: env.cluster.images.cloudSqlProxy }, extra: { args: ['--quitquitquit', '--port=5432', 'proj:region:db', ...offlineProxyArgs()] } },
      ],
    },
    {
      name: 'oom-job',
      annotations: { 'lemonade.com/sidecars': 'metrics' },
      containers: [
        // The main allocates ~200 MiB under a 24 MiB limit: the kernel OOM-kills it (reason OOMKilled, exit 137).
        { name: 'hog', cast: { image: env.cluster.images.behaviour }, extra: { command: ['/bin/sh', '-c', 'sleep 1; x=$(dd if=/dev/zero bs=1048576 count=200 2>/dev/null | tr "\\000" a); echo ${#x}'], resources: { limits: { memory: '24Mi' }, requests: { memory: '24Mi' } } } },
        behaviour('metrics', { behaviour: { ...forever, onSigterm: { after: 0, exitCode: 0 } } }),
      ],
    },
    {
      name: 'notready-job',
      annotations: { 'pod.kubernetes.io/sidecars': 'agent' },
      containers: [
        behaviour('work', { behaviour: { run: 3000, exitCode: 0 } }),
        behaviour('agent', { behaviour: { ...forever, onSigterm: { after: 0, exitCode: 0 } } }, { readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } }),
      ],
    },
    {
      name: 'stubborn-job',
      annotations: { 'sidecarctl.dev/sidecars': 'stubborn' },
      containers: [behaviour('work', { behaviour: { run: 2000, exitCode: 0 } }), behaviour('stubborn', { behaviour: { ...forever, onSigterm: 'ignore' } })],
    },
  ];
  for (const s of specs) {
    const raw = job(s.name, s.annotations, s.containers.map((c) => ({ name: c.name, image: 'placeholder', ...c.extra })), s.podExtra);
    const casts = Object.fromEntries(s.containers.map((c) => [c.name, c.cast]));
    await env.client.create(castWorkload(raw, env.cluster.images, casts), ns);
  }

  const [metrics, csql, notready] = await Promise.all(['metrics-job', 'csql-job', 'notready-job'].map((n) => waitJobFinished(env.client, ns, n, 90_000)));
  assert.equal(metrics!.complete, true, `metrics-job completes: ${JSON.stringify(metrics)}`);
  assert.equal(csql!.complete, true, `csql-job completes through the proxy's shutdown subcommand: ${JSON.stringify(csql)}`);
  assert.equal(notready!.complete, true, `notready-job completes: ${JSON.stringify(notready)}`);

  // OOM: the pod ends (Failed, since its main failed) instead of running forever.
  const oom = await podOf('oom-job');
  const oomEnd = await waitFor('oom-job pod terminal', async () => {
    const p = await env.client.getOrUndefined<Pod>('v1', 'Pod', oom.metadata!.name!, ns);
    return p && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') ? p : undefined;
  }, { timeoutMs: 60_000 });
  assert.equal(containerStatus(oomEnd, 'hog')?.state?.terminated?.reason, 'OOMKilled', 'the main was OOM-killed');
  assert.ok(containerStatus(oomEnd, 'metrics')?.state?.terminated, 'the sidecar was stopped');

  // A sidecar that ignores SIGTERM: the pod is deleted after the stop timeout, not left Running.
  const stubborn = await podOf('stubborn-job');
  await waitFor('stubborn pod deleted', async () => {
    const p = await env.client.getOrUndefined<Pod>('v1', 'Pod', stubborn.metadata!.name!, ns);
    return !p || p.metadata?.uid !== stubborn.metadata!.uid || p.metadata?.deletionTimestamp ? true : undefined;
  }, { timeoutMs: 60_000 });

  const events = await reaperEvents(env.client, ns);
  const byPod = (job: string, reason: string) => events.filter((e) => e.regarding.name.startsWith(`${job}-`) && e.reason === reason);
  for (const j of ['metrics-job', 'csql-job', 'oom-job', 'notready-job']) assert.equal(byPod(j, 'SidecarStopRequested').length, 1, `${j}: exactly one stop request`);
  assert.match(byPod('csql-job', 'SidecarStopRequested')[0]!.note, /cloud-sql-proxy shutdown/);
  assert.match(byPod('metrics-job', 'SidecarStopRequested')[0]!.note, /kill -s TERM 1/);
  assert.equal(byPod('stubborn-job', 'SidecarStopRequested').length, 1, 'stubborn: the kill was sent once');
  assert.equal(byPod('stubborn-job', 'PodDeletedToStopSidecar').length, 1, 'stubborn: then the pod was deleted, once');

  const m = await metricsText(await reaper.port());
  assert.match(m, /sidecarctl_reaper_actions_total\{strategy="exec",outcome="sent"\} 1/);
  assert.match(m, /sidecarctl_reaper_actions_total\{strategy="signal",outcome="sent"\} 4/);
  assert.match(m, /sidecarctl_reaper_reaction_seconds_count 5/);
  const health = await fetch(`http://127.0.0.1:${await reaper.port()}/healthz`);
  assert.equal(health.status, 200);
  for (const e of events) console.log(`# ${e.type} ${e.reason} ${e.regarding.name}: ${e.note}`);
});
