// Seed 003 (../shared/seeds/003): the slow-sidecar CronJob demo, reproduced on
// the real kubelet. slow-sidecar listens on 8081 only 5 s after it starts;
// sidecar-user connects once at start and exits 1 if that fails. The four
// manifests are the blog's own (shared/corpus/manifests/zwindler__*.yaml);
// only the images are replaced by the behaviour image acting out those two
// programs, and the CronJob is run at once as `kubectl create job --from`
// does. Then `sidecarctl fix` is applied to variants 1-3 and each must complete.
import { test } from 'node:test';
import { useCluster } from '../helpers/cluster';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureCluster, freshNamespace, sidecarctlFix, parseManifests, jobFromCronJob, castWorkload,
  waitJobFinished, podsOf, containerStatus, behaviourLog, LogCollector, sleep, type Cast,
} from '../../src/harness/workloads';

const corpus = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'manifests');
const manifest = (n: number) => {
  const f = ['1-cronjob-without-sidecar-container', '2-cronjob-with-init-container', '3-cronjob-with-sidecar-container', '4-cronjob-with-sidecar-container-and-startup-probe'][n - 1];
  return readFileSync(join(corpus, `zwindler__${f}.yaml`), 'utf8');
};

// The two programs of the demo, as the blog describes them.
const CASTS: Record<string, Cast> = {
  'slow-sidecar': { behaviour: { startDelay: 5000, run: Number.POSITIVE_INFINITY, exitCode: 0 } },
  'sidecar-user': { behaviour: { startDelay: 0, run: 0, exitCode: 0, needs: [{ name: 'slow-sidecar', port: 8081 }], needsFailExitCode: 1 } },
};

const env = useCluster();

async function runVariant(yaml: string, label: string) {
  const { ns, cleanup } = await freshNamespace(env.client, `seed003-${label}`);
  const cron = parseManifests(yaml).find((o) => o.kind === 'CronJob');
  assert.ok(cron, 'manifest has a CronJob');
  const job = castWorkload(jobFromCronJob(cron, 'sidecar-cronjob-manual'), env.cluster.images, CASTS);
  // The kubelet removes a finished pod's emptyDir: keep copies of the logs while the Job runs.
  const logs = new LogCollector(env.client, ns, 'job-name=sidecar-cronjob-manual').start();
  const t0 = Date.now();
  await env.client.create(job, ns);
  return {
    ns,
    t0,
    logs,
    jobName: 'sidecar-cronjob-manual',
    cleanup: async () => {
      await logs.stop();
      await cleanup();
    },
  };
}

async function firstPod(ns: string, jobName: string) {
  for (let i = 0; i < 100; i++) {
    const pods = await podsOf(env.client, ns, `job-name=${jobName}`);
    const p = pods.sort((a, b) => (a.metadata!.creationTimestamp! < b.metadata!.creationTimestamp! ? -1 : 1))[0];
    if (p) return p;
    await sleep(100);
  }
  throw new Error('no pod created for the Job');
}

/** Waits until sidecar-user of the first pod has terminated; returns its status and log. */
async function userOutcome(ns: string, jobName: string, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = (await env.client.get<import('kubernetes-types/core/v1').Pod>('v1', 'Pod', (await firstPod(ns, jobName)).metadata!.name!, ns));
    const st = containerStatus(pod, 'sidecar-user');
    const term = st?.state?.terminated ?? st?.lastState?.terminated;
    if (term) return { pod, term, log: behaviourLog(pod.metadata!.uid!, 'sidecar-user') };
    if (Date.now() > deadline) throw new Error(`sidecar-user did not terminate within ${timeoutMs} ms (pod phase ${pod.status?.phase})`);
    await sleep(250);
  }
}

test('variant 1, plain containers: the client fails and the pod never completes', async () => {
  const v = await runVariant(manifest(1), 'v1');
  try {
    const { term, log } = await userOutcome(v.ns, v.jobName);
    assert.equal(term.exitCode, 1, 'sidecar-user exits 1: slow-sidecar was not listening yet');
    assert.ok(log.some((e) => e.type === 'NeedUnmet'), 'sidecar-user logged a refused connection');
    const st = await waitJobFinished(env.client, v.ns, v.jobName, 15_000);
    assert.equal(st.complete, false, 'the Job does not complete: slow-sidecar keeps running');
    const pod = await firstPod(v.ns, v.jobName);
    assert.equal(pod.status?.phase, 'Running', 'the pod stays Running (1/2, as in the blog)');
  } finally {
    await v.cleanup();
  }
});

test('variant 2, plain init container: stuck in Init, the client never starts', async () => {
  const v = await runVariant(manifest(2), 'v2');
  try {
    await sleep(20_000);
    const pod = await env.client.get<import('kubernetes-types/core/v1').Pod>('v1', 'Pod', (await firstPod(v.ns, v.jobName)).metadata!.name!, v.ns);
    assert.equal(pod.status?.phase, 'Pending');
    const user = containerStatus(pod, 'sidecar-user');
    assert.ok(user?.state?.waiting, `sidecar-user is waiting (state ${JSON.stringify(user?.state)})`);
    assert.equal(behaviourLog(pod.metadata!.uid!, 'sidecar-user').length, 0, 'sidecar-user never started');
    assert.ok(behaviourLog(pod.metadata!.uid!, 'slow-sidecar').some((e) => e.type === 'Started'), 'slow-sidecar serves, and blocks the pod forever');
    const st = await waitJobFinished(env.client, v.ns, v.jobName, 1000);
    assert.equal(st.complete, false);
  } finally {
    await v.cleanup();
  }
});

test('variant 3, native sidecar without startupProbe: the client still fails', async () => {
  const v = await runVariant(manifest(3), 'v3');
  try {
    const { term, log, pod } = await userOutcome(v.ns, v.jobName);
    assert.equal(term.exitCode, 1, 'sidecar-user starts as soon as the sidecar process runs, before it listens');
    assert.ok(log.some((e) => e.type === 'NeedUnmet'));
    const side = behaviourLog(pod.metadata!.uid!, 'slow-sidecar');
    const userStart = log.find((e) => e.type === 'Starting')!.t;
    const sideStarted = side.find((e) => e.type === 'Started')?.t;
    assert.ok(sideStarted === undefined || sideStarted > userStart, 'the client started before the sidecar listened');
    const st = await waitJobFinished(env.client, v.ns, v.jobName, 5000);
    assert.equal(st.complete, false, 'the first attempt does not complete the Job');
  } finally {
    await v.cleanup();
  }
});

test('variant 4, native sidecar with startupProbe: the Job completes', async () => {
  const v = await runVariant(manifest(4), 'v4');
  try {
    const st = await waitJobFinished(env.client, v.ns, v.jobName, 60_000);
    assert.equal(st.complete, true, `Job complete (state ${JSON.stringify(st)})`);
    await v.logs.stop();
    const pod = v.logs.seenPods()[0]!;
    const log = v.logs.events(pod.metadata!.uid!, 'sidecar-user');
    assert.ok(log.some((e) => e.type === 'Exiting' && e.args[0] === '0'), 'sidecar-user ran and exited 0');
    assert.ok(!log.some((e) => e.type === 'NeedUnmet'), 'sidecar-user found slow-sidecar listening');
    console.log(`# seed 003 variant 4: Job complete ${((st.observedAt! - v.t0) / 1000).toFixed(1)} s after creation`);
  } finally {
    await v.cleanup();
  }
});

for (const n of [1, 2, 3]) {
  test(`variant ${n} after \`sidecarctl fix\`: the Job completes`, async () => {
    const fixed = await sidecarctlFix(manifest(n));
    const v = await runVariant(fixed, `v${n}fix`);
    try {
      const st = await waitJobFinished(env.client, v.ns, v.jobName, 60_000);
      assert.equal(st.complete, true, `Job complete after fix (state ${JSON.stringify(st)})`);
      await v.logs.stop();
      const pod = v.logs.seenPods()[0]!;
      const log = v.logs.events(pod.metadata!.uid!, 'sidecar-user');
      assert.ok(log.some((e) => e.type === 'Exiting' && e.args[0] === '0'), 'sidecar-user ran and exited 0');
      assert.ok(!log.some((e) => e.type === 'NeedUnmet'), 'no refused connection after fix');
      assert.equal(st.failedPods, 0, 'no failed attempt before completion');
      console.log(`# seed 003 variant ${n} fixed: Job complete ${((st.observedAt! - v.t0) / 1000).toFixed(1)} s after creation`);
    } finally {
      await v.cleanup();
    }
  });
}
