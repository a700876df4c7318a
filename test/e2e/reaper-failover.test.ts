// Two `sidecarctl reaper` replicas on one Lease (client-go timings 15/10/2 s): one leads, the
// other follows. Jobs run before the leader is SIGKILLed and while no one leads; the follower takes
// over once the lease expires and stops the waiting sidecars. Every sidecar run gets exactly one
// stop request (no duplicate, none missed), recorded as one Event by the replica that acted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshNamespace, castWorkload, waitJobFinished } from '../../src/harness/workloads';
import type { KubeObject } from '../../src/harness/kube';
import { startReaper, reaperEvents, type ReaperProcess } from './fixtures/reaper/support';
import { useCluster } from '../helpers/cluster';

let ns: string;
let cleanup: () => Promise<void>;
const replicas: ReaperProcess[] = [];

const env = useCluster({
  setup: async () => {
    ({ ns, cleanup } = await freshNamespace(env.client, 'reaper-failover'));
  },
  teardown: async () => {
    for (const r of replicas) await r.kill('SIGTERM');
    await cleanup?.();
  },
});


function job(name: string): KubeObject {
  const raw: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'sidecarctl.dev/sidecars': 'metrics' } },
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: [{ name: 'work', image: 'x' }, { name: 'metrics', image: 'x' }] },
      },
    },
  };
  return castWorkload(raw, env.cluster.images, { work: { behaviour: { run: 2000, exitCode: 0 } }, metrics: { behaviour: { run: Number.POSITIVE_INFINITY, onSigterm: { after: 0, exitCode: 0 } } } });
}

test('reaper: leader failover on a real kill — one leader, the follower takes over, one action per sidecar run', async () => {
  const args = ['-n', ns, '--lease-namespace', ns, '--lease-name', 'reaper'];
  const a = startReaper({ kubeconfig: env.cluster.kubeconfig, identity: 'replica-a', args });
  replicas.push(a);
  await a.waitLog('leadership', (l) => l.msg === 'leader election: became the leader', 20_000);
  const b = startReaper({ kubeconfig: env.cluster.kubeconfig, identity: 'replica-b', args });
  replicas.push(b);
  await b.waitLog('sees the leader', (l) => l.msg === 'leader election: current leader' && l.leader === 'replica-a', 20_000);

  for (const n of ['before-1', 'before-2']) await env.client.create(job(n), ns);
  for (const n of ['before-1', 'before-2']) assert.equal((await waitJobFinished(env.client, ns, n, 60_000)).complete, true, `${n} completes under replica-a`);
  assert.ok(!b.logs().some((l) => l.msg === 'leader election: became the leader'), 'replica-b never led while replica-a held the lease');

  const killedAt = Date.now();
  await a.kill('SIGKILL');
  for (const n of ['during-1', 'during-2']) await env.client.create(job(n), ns);
  const took = await b.waitLog('takes over', (l) => l.msg === 'leader election: became the leader', 30_000);
  const takeover = (Date.parse(String(took.time)) - killedAt) / 1000;
  for (const n of ['after-1']) await env.client.create(job(n), ns);
  for (const n of ['during-1', 'during-2', 'after-1']) assert.equal((await waitJobFinished(env.client, ns, n, 60_000)).complete, true, `${n} completes under replica-b`);

  const events = (await reaperEvents(env.client, ns)).filter((e) => e.reason === 'SidecarStopRequested');
  const per = (prefix: string) => events.filter((e) => e.regarding.name.startsWith(`${prefix}-`));
  for (const n of ['before-1', 'before-2', 'during-1', 'during-2', 'after-1']) assert.equal(per(n).length, 1, `${n}: exactly one stop request (${JSON.stringify(per(n).map((e) => e.reportingInstance))})`);
  for (const n of ['before-1', 'before-2']) assert.equal(per(n)[0]!.reportingInstance, 'replica-a');
  for (const n of ['during-1', 'during-2', 'after-1']) assert.equal(per(n)[0]!.reportingInstance, 'replica-b');
  console.log(`# replica-b became the leader ${takeover.toFixed(1)} s after replica-a was killed (lease duration 15 s)`);
  assert.ok(takeover <= 15 + 2 + 3, `takeover within lease duration + retry period (+ slack): ${takeover} s`);
});
