// Seed 001 (../shared/seeds/001): a Deployment whose app dials the Cloud SQL
// Auth Proxy on 127.0.0.1:5432 the moment it starts. With the real proxy as a
// plain container that takes 3 s to listen (the slow-start image variant),
// the app sees "connection refused" and restarts. After `sidecarctl fix` (proxy
// as a native sidecar with --health-check --http-address=0.0.0.0 and a
// startupProbe on /startup) the app never starts before the proxy listens:
// checked on 20 consecutive pod restarts.
import { test } from 'node:test';
import { useCluster } from '../helpers/cluster';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { freshNamespace, sidecarctlFix, parseManifests, castWorkload, LogCollector, containerStatus, sleep, podTemplateOf, type Cast } from '../../src/harness/workloads';
import { offlineProxyArgs } from '../../src/harness/test-images';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'seed-001-app-deployment.yaml'), 'utf8');
const PROXY_START_DELAY_S = 3;
const RESTARTS = 20;

const env = useCluster();

function casts(): Record<string, Cast> {
  return {
    // dials 127.0.0.1:5432 once at start; exits 1 on "connection refused"
    app: { behaviour: { run: Number.POSITIVE_INFINITY, needs: [{ name: 'cloudsql-proxy', port: 5432 }], needsFailExitCode: 1 } },
    // the real proxy, listening only PROXY_START_DELAY_S after its container starts
    'cloudsql-proxy': { image: env.cluster.images.cloudSqlProxySlow, env: { PROXY_START_DELAY: String(PROXY_START_DELAY_S) }, extraArgs: offlineProxyArgs },
  };
}

const isLive = (p: Pod) => !p.metadata?.deletionTimestamp;

test('seed 001, proxy as a plain container: the app sees connection refused and restarts', async () => {
  const { ns, cleanup } = await freshNamespace(env.client, 'seed001-plain');
  const logs = new LogCollector(env.client, ns, 'app=web').start();
  try {
    await env.client.create(castWorkload(parseManifests(fixture)[0]!, env.cluster.images, casts()), ns);
    const deadline = Date.now() + 90_000;
    let pod: Pod | undefined;
    for (;;) {
      pod = (await env.client.list<Pod>('v1', 'Pod', ns, 'app=web')).find(isLive);
      const app = pod && containerStatus(pod, 'app');
      if (app && app.restartCount >= 1) break;
      assert.ok(Date.now() < deadline, `the app did not restart within 60 s (${JSON.stringify(app?.state)})`);
      await sleep(250);
    }
    await logs.poll();
    const app = containerStatus(pod!, 'app')!;
    assert.equal(app.lastState?.terminated?.exitCode, 1, 'the first app run failed');
    const uid = pod!.metadata!.uid!;
    const unmet = logs.events(uid, 'app').find((e) => e.type === 'NeedUnmet' && e.run === 1);
    assert.ok(unmet, 'run 1 of the app logged a refused connection to 127.0.0.1:5432');
    // The proxy itself is healthy: the refusal is the start-up race, and the
    // app "self-heals" on a later run (after the kubelet's restart back-off).
    for (;;) {
      await logs.poll();
      if (logs.events(uid, 'app').some((e) => e.type === 'Started')) break;
      assert.ok(Date.now() < deadline, 'a later app run connects once the proxy listens');
      await sleep(500);
    }
    const now = (await env.client.list<Pod>('v1', 'Pod', ns, 'app=web')).find((p) => p.metadata!.uid === uid)!;
    assert.equal(containerStatus(now, 'cloudsql-proxy')?.restartCount, 0, 'the proxy never crashed');
    const healed = logs.events(uid, 'app').find((e) => e.type === 'Started')!;
    console.log(`# seed 001 plain: app run 1 refused (NeedUnmet ${unmet.args.join(' ')}); run ${healed.run} connected after the restart back-off`);
  } finally {
    await logs.stop();
    await cleanup();
  }
});

test(`seed 001 after sidecarctl fix: the app never starts before the proxy listens, on ${RESTARTS} consecutive pod restarts`, async () => {
  const fixed = parseManifests(await sidecarctlFix(fixture))[0]!;
  const spec = podTemplateOf(fixed).spec!;
  const proxy = spec.initContainers?.find((c: Container) => c.name === 'cloudsql-proxy');
  assert.ok(proxy && proxy.restartPolicy === 'Always' && proxy.startupProbe, 'fix made the proxy a native sidecar with a startupProbe');
  assert.ok(proxy.args?.includes('--health-check'), 'fix enabled the proxy health check');

  const { ns, cleanup } = await freshNamespace(env.client, 'seed001-fixed');
  const logs = new LogCollector(env.client, ns, 'app=web').start();
  try {
    await env.client.create(castWorkload(fixed, env.cluster.images, casts()), ns);
    const seen = new Set<string>();
    const startOffsets: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      // the newest live pod not checked yet, once Ready
      const deadline = Date.now() + 60_000;
      let pod: Pod | undefined;
      for (;;) {
        pod = (await env.client.list<Pod>('v1', 'Pod', ns, 'app=web')).find((p) => isLive(p) && !seen.has(p.metadata!.uid!) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (pod) break;
        assert.ok(Date.now() < deadline, `pod ${i + 1} not Ready within 60 s`);
        await sleep(200);
      }
      const uid = pod.metadata!.uid!;
      seen.add(uid);
      await logs.poll();
      const ev = logs.events(uid, 'app');
      assert.ok(ev.some((e) => e.type === 'Started'), `pod ${i + 1}: the app started`);
      assert.ok(!ev.some((e) => e.type === 'NeedUnmet'), `pod ${i + 1}: the app never saw connection refused`);
      assert.equal(containerStatus(pod, 'app')?.restartCount, 0, `pod ${i + 1}: the app did not restart`);
      const appStart = ev.find((e) => e.type === 'Starting')!.t;
      startOffsets.push((appStart - Date.parse(pod.metadata!.creationTimestamp!)) / 1000);
      await env.client.delete('v1', 'Pod', pod.metadata!.name!, ns);
    }
    const avg = startOffsets.reduce((a, b) => a + b, 0) / startOffsets.length;
    console.log(`# seed 001 fixed: ${RESTARTS} pods, 0 refused connections; app started ${avg.toFixed(1)} s after pod creation on average (proxy listens ${PROXY_START_DELAY_S} s after its start)`);
  } finally {
    await logs.stop();
    await cleanup();
  }
});
