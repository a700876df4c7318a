// `npm run bench:lifecycle`: lifecycle figures measured on the real kubelet of
// the harness cluster (not part of `npm run bench`, which needs no cluster).
//
// 1. Job completion delay after the main container exits:
//    a) plain containers + a quitquitquit helper (seed 000, the real proxy),
//    b) the same Job after `sidecarctl fix` (native sidecar, the real proxy),
//    c) a native sidecar played by the behaviour image, whose logs give the
//       steps in between (sidecar SIGTERM, sidecar exit, pod terminal).
// 2. Delay between the sidecar serving and the app starting, with the probe
//    `sidecarctl fix` generates (seed 003 variant 1 after fix: the sidecar
//    listens 3 s after it starts).
// Targets (issue 3): native completion delay <= 1 s; app start <= 1 probe
// period after the sidecar serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Probe } from 'kubernetes-types/core/v1';
import { KubeClient, type KubeObject } from '../src/harness/kube';
import {
  ensureCluster, freshNamespace, sidecarctlFix, parseManifests, castWorkload, jobFromCronJob,
  waitJobFinished, LogCollector, podTemplateOf, sleep, type Cast,
} from '../src/harness/workloads';
import { offlineProxyArgs } from '../src/harness/test-images';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const repo = join(import.meta.dirname, '..');
const cluster = await ensureCluster();
const client = KubeClient.fromKubeconfig(cluster.kubeconfig);

interface JobRun { mainExit: number; sidecarSigterm?: number; sidecarExit?: number; podTerminal?: number; jobComplete: number; created: number }

async function runJob(job: KubeObject, casts: Record<string, Cast>, main: string, sidecar?: string): Promise<JobRun> {
  const { ns, cleanup } = await freshNamespace(client, 'bench-lifecycle');
  const name = job.metadata.name!;
  const logs = new LogCollector(client, ns, `job-name=${name}`).start(50);
  let podTerminal: number | undefined;
  const watch = setInterval(() => {
    void client.list<Pod>('v1', 'Pod', ns, `job-name=${name}`).then((ps) => {
      if (podTerminal === undefined && ps.some((p) => p.status?.phase === 'Succeeded')) podTerminal = Date.now();
    }, () => undefined);
  }, 50);
  try {
    const created = Date.now();
    await client.create(castWorkload(job, cluster.images, casts), ns);
    const st = await waitJobFinished(client, ns, name, 120_000, 50);
    clearInterval(watch);
    await logs.stop();
    if (!st.complete) throw new Error(`Job ${name} did not complete: ${JSON.stringify(st)}`);
    const uid = logs.seenPods()[0]!.metadata!.uid!;
    const mainExit = logs.events(uid, main).find((e) => e.type === 'Exiting')!.t;
    const side = sidecar ? logs.events(uid, sidecar) : [];
    return {
      created,
      mainExit,
      jobComplete: st.observedAt!,
      ...(podTerminal ? { podTerminal } : {}),
      ...(side.find((e) => e.type === 'Signal') ? { sidecarSigterm: side.find((e) => e.type === 'Signal')!.t } : {}),
      ...(side.find((e) => e.type === 'Exiting') ? { sidecarExit: side.find((e) => e.type === 'Exiting')!.t } : {}),
    };
  } finally {
    clearInterval(watch);
    await logs.stop();
    await cleanup();
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const stats = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return `median ${s(v[Math.floor(v.length / 2)]!)} s, min ${s(v[0]!)} s, max ${s(v[v.length - 1]!)} s (n=${v.length})`;
};

// 1a/1b: seed 000 with the real proxy.
const seed000 = readFileSync(join(repo, 'test', 'e2e', 'fixtures', 'seed-000-bootloader-job.yaml'), 'utf8');
const proxyCasts = (): Record<string, Cast> => ({
  'airbyte-bootloader': { behaviour: { run: 3000, exitCode: 0 } },
  'cloud-sql-proxy': { image: cluster.images.cloudSqlProxy, extraArgs: offlineProxyArgs },
  'stop-cloud-sql-proxy': { image: cluster.images.behaviour },
});
const plain = await runJob(parseManifests(seed000)[0]!, proxyCasts(), 'airbyte-bootloader');
console.log(`1a plain proxy + quitquitquit helper (sleep 25): Job complete ${s(plain.jobComplete - plain.mainExit)} s after the main container exited`);
const fixed000 = parseManifests(await sidecarctlFix(seed000))[0]!;
const native: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await runJob(fixed000, proxyCasts(), 'airbyte-bootloader');
  native.push(r.jobComplete - r.mainExit);
}
console.log(`1b after sidecarctl fix (native sidecar, real proxy): completion delay ${stats(native)}`);

// 1c: the steps, with a behaviour-image sidecar.
const stepJob: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'steps' },
  spec: {
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: 'Never',
        initContainers: [{ name: 'sidecar', image: 'sidecar', restartPolicy: 'Always' }],
        containers: [{ name: 'main', image: 'main' }],
      },
    },
  },
};
const steps: JobRun[] = [];
for (let i = 0; i < RUNS; i++) steps.push(await runJob(stepJob, { sidecar: { behaviour: {} }, main: { behaviour: { run: 2000 } } }, 'main', 'sidecar'));
const step = (f: (r: JobRun) => number | undefined) => stats(steps.map(f).filter((x): x is number => x !== undefined));
console.log('1c native sidecar, steps after the main container exits:');
const after = (t: number | undefined, r: JobRun) => (t === undefined ? undefined : t - r.mainExit);
console.log(`   sidecar gets SIGTERM   ${step((r) => after(r.sidecarSigterm, r))}`);
console.log(`   sidecar exited         ${step((r) => after(r.sidecarExit, r))}`);
console.log(`   pod phase Succeeded    ${step((r) => after(r.podTerminal, r))}`);
console.log(`   Job Complete           ${step((r) => r.jobComplete - r.mainExit)}`);

// 2: sidecar serving -> app starting, with the generated startup probe.
const seed003 = readFileSync(join(repo, '..', 'shared', 'corpus', 'manifests', 'zwindler__1-cronjob-without-sidecar-container.yaml'), 'utf8');
const fixed003 = parseManifests(await sidecarctlFix(seed003)).find((o) => o.kind === 'CronJob')!;
const probe = podTemplateOf(fixed003).spec!.initContainers!.find((c) => c.name === 'slow-sidecar')!.startupProbe as Probe;
const gaps: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const job = jobFromCronJob(fixed003, 'serve-to-start');
  const { ns, cleanup } = await freshNamespace(client, 'bench-serve');
  const logs = new LogCollector(client, ns, 'job-name=serve-to-start').start(50);
  try {
    await client.create(castWorkload(job, cluster.images, {
      'slow-sidecar': { behaviour: { startDelay: 3000 } },
      'sidecar-user': { behaviour: { run: 0, needs: [{ name: 'slow-sidecar', port: 8081 }] } },
    }), ns);
    const st = await waitJobFinished(client, ns, 'serve-to-start', 60_000, 100);
    await logs.stop();
    if (!st.complete) throw new Error('serve-to-start Job did not complete');
    const uid = logs.seenPods()[0]!.metadata!.uid!;
    const served = logs.events(uid, 'slow-sidecar').find((e) => e.type === 'Started')!.t;
    const appStart = logs.events(uid, 'sidecar-user').find((e) => e.type === 'Starting')!.t;
    gaps.push(appStart - served);
  } finally {
    await logs.stop();
    await cleanup();
  }
  await sleep(100);
}
console.log(`2  sidecar serving -> app starting (generated probe ${JSON.stringify(probe)}): ${stats(gaps)}; probe period ${probe.periodSeconds ?? 10} s`);
client.close();
