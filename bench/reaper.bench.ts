// Reaper at scale against a real kube-apiserver (our own apiserver-only instance, no kubelet):
// 10,000 synthetic pods with a sidecar listed in the annotation, statuses patched as a kubelet
// would. The reaper runs as a real process (`node bin/sidecarctl.mjs reaper`). Then the main
// containers of a sample of pods finish at a steady rate; for each, the time from the status patch
// (the kubelet reporting the last main's termination) to the sidecar's stop request arriving at its
// admin endpoint is the reaction latency. Also prints the reaper's memory (RSS) with 10k pods
// watched, run as the chart runs it (its NODE_OPTIONS) and, for comparison, with Node's defaults.
// Targets: p99 ≤ 1 s, RSS ≤ 64 MiB.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { defaultCatalog } from '../src/catalog/index';
import { viewPod, ViewCache } from '../src/reaper/view';
import { join } from 'node:path';
import { harnessPaths, VERSIONS } from '../src/harness/paths';
import { startApiserverOnly } from '../src/harness/apiserver-only';
import { KubeClient, waitFor } from '../src/harness/kube';
import { startReaper, chartNodeOptions } from '../test/e2e/fixtures/reaper/support';
import { syntheticPod, runningStatus, mainDoneStatus, patchStatus, pool, quitRecorder, ipFor, rssOf } from '../test/e2e/fixtures/reaper/synthetic';
import { quantileOfSorted as percentile } from './stats';

const PODS = Number(process.env.BENCH_REAPER_PODS ?? 10_000);
const SAMPLE = Number(process.env.BENCH_REAPER_SAMPLE ?? 1000);
const RATE = Number(process.env.BENCH_REAPER_RATE ?? 50); // main terminations per second
const NS = 'default';

const paths = harnessPaths();
const apiserverBin = join(paths.bin('k8s', VERSIONS.kubernetes), 'kube-apiserver');
if (!existsSync(apiserverBin)) {
  console.log(`skipped: kube-apiserver ${VERSIONS.kubernetes} is not built (${apiserverBin}); run bash .ci/cluster-setup.sh`);
  process.exit(0);
}
if (!existsSync(join(paths.repo, 'dist', 'sidecarctl.mjs'))) {
  console.log('skipped: dist/sidecarctl.mjs is not built; run npm run build');
  process.exit(0);
}
let etcdOk = true;
try {
  await import('node:child_process').then((cp) => cp.execFileSync('etcd', ['--version'], { stdio: 'ignore' }));
} catch {
  etcdOk = false;
}
if (!etcdOk) {
  console.log('skipped: etcd is not installed (Debian etcd-server); run bash .ci/cluster-setup.sh');
  process.exit(0);
}

// The views alone, in this process, after forced collections: what one pod with a stop pending
// costs (the controller holds a view only while an action is due now or later; ADR 0011)
// (views built by the controller's own code from API-shaped pods, recognition shared per template).
{
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const views = new ViewCache();
  const opts = { catalog: defaultCatalog, catalogSidecars: false, defaultSignal: 'TERM' as const };
  const raw = (i: number) => {
    const p = syntheticPod(i, 9901) as { metadata: Record<string, unknown> };
    p.metadata = { ...p.metadata, namespace: NS, uid: randomUUID(), resourceVersion: String(100_000 + i), creationTimestamp: new Date().toISOString() };
    return JSON.parse(JSON.stringify({ ...p, ...runningStatus(i, Date.now()) })) as unknown;
  };
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  const cache = new Map<string, unknown>();
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const r = viewPod(raw(i), opts, views);
    if (r.kind === 'view') cache.set(`${NS}/job-${i}`, r.view);
  }
  const ms = performance.now() - t0;
  gc(); gc();
  const per = (process.memoryUsage().heapUsed - before) / cache.size;
  console.log(`views alone: ${cache.size} views, ${(per / 1024).toFixed(2)} KiB per pod of heap after GC (${((per * cache.size) / 1048576).toFixed(1)} MiB), ${views.size} template(s), ${((ms * 1000) / PODS).toFixed(1)} µs per pod to view (incl. building the raw object)`);
}

const apiserver = await startApiserverOnly({ version: '1.36', extraArgs: ['--max-requests-inflight=1000', '--max-mutating-requests-inflight=500'] });
const client = KubeClient.fromKubeconfig(apiserver.kubeconfig);
const rec = await quitRecorder();
let reaper: ReturnType<typeof startReaper> | undefined;
try {
  const t0 = Date.now();
  const idx = Array.from({ length: PODS }, (_, i) => i);
  await pool(idx, 24, async (i) => {
    await client.create(syntheticPod(i, rec.port) as never, NS);
    await patchStatus(client, NS, `job-${i}`, runningStatus(i, Date.now()));
  });
  console.log(`created ${PODS} pods (Running, main and sidecar running) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Baseline: the same process watching a namespace with no pods (same modules, server, lease
  // code), so the per-pod figures below are what the cache costs, not the runtime.
  const base = startReaper({ kubeconfig: apiserver.kubeconfig, identity: 'bench-baseline', args: ['-n', 'bench-empty', '--no-leader-elect'] });
  let mem0: { rssMiB: number; peakMiB: number };
  let heap0: number;
  try {
    const bport = await base.port();
    await waitFor('baseline reaper listed', async () => ((await fetch(`http://127.0.0.1:${bport}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 2000));
    mem0 = rssOf(base.proc.pid!);
    heap0 = await heapUsed(bport);
  } finally {
    await base.kill('SIGTERM');
  }
  console.log(`baseline reaper (0 pods): RSS ${mem0.rssMiB.toFixed(1)} MiB, heap used ${(heap0 / 1048576).toFixed(1)} MiB`);

  // For comparison, the same process with Node's default heap sizing and V8's optimizing compiler
  // on (how it ran before ADR 0011): every main still runs, so it has nothing to do but list and watch.
  const plain = startReaper({ kubeconfig: apiserver.kubeconfig, identity: 'bench-node-defaults', nodeOptions: '', args: ['-n', NS, '--no-leader-elect', '--optimize'] });
  let memPlain: { rssMiB: number; peakMiB: number };
  let memPlainSettled: { rssMiB: number; peakMiB: number };
  try {
    await waitTracked(await plain.port());
    memPlain = rssOf(plain.proc.pid!);
    await new Promise((r) => setTimeout(r, 10_000));
    memPlainSettled = rssOf(plain.proc.pid!);
  } finally {
    await plain.kill('SIGTERM');
  }

  const tStart = Date.now();
  reaper = startReaper({ kubeconfig: apiserver.kubeconfig, identity: 'bench', args: ['-n', NS, '--lease-namespace', NS, '--stop-timeout', '120s'] });
  await waitTracked(await metricsPort());
  const synced = (Date.now() - tStart) / 1000;
  const memSynced = rssOf(reaper.proc.pid!);
  const heapSynced = await heapUsed(await metricsPort());
  console.log(`reaper started (NODE_OPTIONS="${chartNodeOptions()}" as the chart sets it), leader, ${PODS} pods listed and watched in ${synced.toFixed(1)} s; RSS ${memSynced.rssMiB.toFixed(1)} MiB, heap used ${(heapSynced / 1048576).toFixed(1)} MiB`);
  await new Promise((r) => setTimeout(r, 10_000));
  const memSettled = rssOf(reaper.proc.pid!);

  // Steady stream of main terminations over a sample of pods spread across the set.
  const step = Math.max(1, Math.floor(PODS / SAMPLE));
  const sample = Array.from({ length: Math.min(SAMPLE, PODS) }, (_, k) => k * step);
  const sentAt = new Map<number, number>();
  const interval = 1000 / RATE;
  const tRun = Date.now();
  await pool(sample.map((i, k) => ({ i, k })), 16, async ({ i, k }) => {
    const due = tRun + k * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(i, Date.now());
    await patchStatus(client, NS, `job-${i}`, mainDoneStatus(i, Date.now()));
  });
  await waitFor('every sampled sidecar stopped', async () => (sample.every((i) => rec.hits.has(ipFor(i))) ? true : undefined), { timeoutMs: 120_000, intervalMs: 200 });
  await new Promise((r) => setTimeout(r, 2000));
  const lat = sample.map((i) => rec.hits.get(ipFor(i))![0]! - sentAt.get(i)!).sort((a, b) => a - b);
  const dup = sample.filter((i) => (rec.hits.get(ipFor(i))?.length ?? 0) > 1).length;
  const stray = [...rec.hits.keys()].length - sample.length;
  const mem = rssOf(reaper.proc.pid!);
  await new Promise((r) => setTimeout(r, 10_000));
  const memQuiet = rssOf(reaper.proc.pid!);
  const heapEnd = await heapUsed(await metricsPort());
  const metrics = await (await fetch(`http://127.0.0.1:${await metricsPort()}/metrics`)).text();
  const actions = /sidecarctl_reaper_actions_total\{strategy="http",outcome="sent"\} (\d+)/.exec(metrics)?.[1];
  console.log('');
  console.log(`reaper, ${PODS} pods watched, ${sample.length} main terminations at ${RATE}/s (status patch → stop request at the sidecar):`);
  console.log(`  reaction latency  p50 ${percentile(lat, 50)} ms   p90 ${percentile(lat, 90)} ms   p99 ${percentile(lat, 99)} ms   max ${lat[lat.length - 1]} ms   (target p99 ≤ 1000 ms)`);
  const pending = /^sidecarctl_reaper_pending_pods (\d+)/m.exec(metrics)?.[1];
  console.log(`  reaper memory     RSS ${memSettled.rssMiB.toFixed(1)} MiB 10 s after the list (${memSynced.rssMiB.toFixed(1)} right after it); with ${pending ?? '?'} stops pending ${mem.rssMiB.toFixed(1)} MiB 2 s after the last action, ${memQuiet.rssMiB.toFixed(1)} MiB 10 s later; peak ${memQuiet.peakMiB.toFixed(1)} MiB   (target ≤ 64 MiB)`);
  console.log(`  node defaults     RSS ${memPlainSettled.rssMiB.toFixed(1)} MiB 10 s after the list, ${memPlain.rssMiB.toFixed(1)} MiB right after it, peak ${memPlainSettled.peakMiB.toFixed(1)} MiB   (same pods, no NODE_OPTIONS, --optimize)`);
  console.log(`  reaper heap       used ${(heapEnd / 1048576).toFixed(1)} MiB now, ${(heapSynced / 1048576).toFixed(1)} MiB after the list, ${(heap0 / 1048576).toFixed(1)} MiB with no pods`);
  const v8mem = await v8Memory(await metricsPort());
  console.log(`  where RSS goes    V8 heap committed ${(v8mem.total / 1048576).toFixed(1)} MiB (used ${(v8mem.used / 1048576).toFixed(1)}), external ${(v8mem.external / 1048576).toFixed(1)} MiB; the rest is code, the runtime and allocator slack`);
  console.log(`  per watched pod   ${(((heapSynced - heap0) / PODS) / 1024).toFixed(2)} KiB of heap right after the list, ${((((memSettled.rssMiB - mem0.rssMiB) * 1048576) / PODS) / 1024).toFixed(2)} KiB of RSS 10 s after it   (against the no-pod baseline)`);
  console.log(`  actions           ${actions ?? '?'} http stop requests; duplicates ${dup}; requests to pods whose main still ran ${stray}`);
  console.log(`  per action        GET pod, PATCH claim, POST /quitquitquit, POST Event, PATCH outcome`);
} finally {
  await reaper?.kill('SIGTERM');
  await rec.close();
  client.close();
  await apiserver.stop();
}

/** V8 heap in use, from prom-client's process metrics (not after a forced GC: what the process holds). */
async function heapUsed(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

async function v8Memory(port: number): Promise<{ total: number; used: number; external: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const n = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { total: n('nodejs_heap_size_total_bytes'), used: n('nodejs_heap_size_used_bytes'), external: n('nodejs_external_memory_bytes') };
}

/** Until the reaper has listed every pod (its tracked-pods gauge). */
async function waitTracked(port: number): Promise<void> {
  await waitFor('reaper listed every pod', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    const m = r ? /sidecarctl_reaper_tracked_pods (\d+)/.exec(await r.text()) : null;
    return m && Number(m[1]) >= PODS ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
}

async function metricsPort(): Promise<number> {
  return reaper!.port();
}
