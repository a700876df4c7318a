// Restarting the API server while the reaper runs loses nothing: on our own apiserver-only
// instance (never the shared cluster's), 200 synthetic pods with an Envoy sidecar (admin listener
// on the pod network, so the stop step is its POST /quitquitquit). Mains of 60 pods finish before
// the restart, 60 while the API server is down or coming back; the other 80 keep running. Every
// finished pod gets exactly one stop request, the running ones none, and the reaper's watch
// reconnects by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiserverOnly, type ApiserverOnly } from '../../src/harness/apiserver-only';
import { KubeClient, waitFor } from '../../src/harness/kube';
import { startReaper, type ReaperProcess } from './fixtures/reaper/support';
import { syntheticPod, runningStatus, mainDoneStatus, patchStatus, pool, quitRecorder, ipFor } from './fixtures/reaper/synthetic';

let apiserver: ApiserverOnly;
let client: KubeClient;
let reaper: ReaperProcess | undefined;
let rec: Awaited<ReturnType<typeof quitRecorder>>;
const NS = 'default';
const N = 200;

before(async () => {
  apiserver = await startApiserverOnly({ version: '1.36' });
  client = KubeClient.fromKubeconfig(apiserver.kubeconfig);
  rec = await quitRecorder();
});
after(async () => {
  await reaper?.kill('SIGTERM');
  await rec?.close();
  client?.close();
  await apiserver?.stop();
});

test('reaper: an API server restart mid-run loses no action and duplicates none', async () => {
  const idx = Array.from({ length: N }, (_, i) => i);
  await pool(idx, 16, async (i) => {
    await client.create(syntheticPod(i, rec.port) as never, NS);
    await patchStatus(client, NS, `job-${i}`, runningStatus(i, Date.now()));
  });
  reaper = startReaper({ kubeconfig: apiserver.kubeconfig, identity: 'restart-e2e', args: ['-n', NS, '--lease-namespace', NS, '--stop-timeout', '60s'] });
  await reaper.waitLog('listed', (l) => l.msg === 'pods listed' && l.pods === N, 30_000);

  const before = idx.slice(0, 60);
  const during = idx.slice(60, 120);
  await pool(before, 8, (i) => patchStatus(client, NS, `job-${i}`, mainDoneStatus(i, Date.now())));
  // Restart while the first batch may still be in flight; the second batch lands right after.
  await apiserver.restartApiserver();
  await pool(during, 8, (i) => patchStatus(client, NS, `job-${i}`, mainDoneStatus(i, Date.now())));

  const done = [...before, ...during];
  await waitFor('every finished pod stopped', async () => (done.every((i) => rec.hits.has(ipFor(i))) ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 }).catch((e: Error) => {
    if (process.env.REAPER_DEBUG) console.log(reaper!.logs().filter((l) => l.msg !== 'sidecar stop').map((l) => JSON.stringify(l)).join('\n'));
    throw new Error(`${e.message}; missing: ${done.filter((i) => !rec.hits.has(ipFor(i))).slice(0, 10).join(', ')}`);
  });
  // Give duplicates a chance to show up before counting.
  await new Promise((r) => setTimeout(r, 3000));
  for (const i of done) assert.equal(rec.hits.get(ipFor(i))?.length, 1, `pod job-${i}: exactly one stop request`);
  for (const i of idx.slice(120)) assert.equal(rec.hits.has(ipFor(i)), false, `pod job-${i} (main running): never stopped`);
  const restarts = reaper.logs().filter((l) => l.msg === 'watch failed, retrying' || l.msg === 'pods listed');
  assert.ok(restarts.length >= 1, 'the watch noticed the restart');
  // Records on the pods say what was done.
  const pod = await client.get<{ metadata: { annotations: Record<string, string> } }>('v1', 'Pod', 'job-61', NS);
  assert.match(pod.metadata.annotations['sidecarctl.dev/reaper']!, /"status":"sent"/);
  console.log(`# ${done.length} pods stopped once each across an API server restart; ${N - done.length} running pods untouched; watch log lines: ${restarts.map((l) => l.msg).join(' | ')}`);
});
