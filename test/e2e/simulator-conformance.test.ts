// Conformance of the kubelet model with a real kubelet: every scenario file (../shared/scenarios
// and scenarios/) is run on the harness's single-node cluster (src/harness) and simulated for the
// cluster's Kubernetes version; both must agree on each assertion's result and on the final
// phase, and the events they share must be within 2 s of each other. The closing summary prints
// N/M scenarios in agreement. The real kubelet is the reference: a disagreement is a bug in the
// model (or in the semantics notes it follows).
//
// Runs several scenarios at once (each in its own namespace); SIDECARCTL_CONFORMANCE_CONCURRENCY
// sets how many (default 6), SIDECARCTL_CONFORMANCE_FILTER a substring of the file names to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText, REAL_RUN_TOLERANCE_SECONDS } from '../../src/scenario/index';
import { compare } from './conformance-compare';
import { simulate, toResultJson } from '../../src/simulator/index';
import { clusterUp } from '../../src/harness/cluster';
import { runScenarioOnCluster } from '../../src/harness/scenario-runner';

const DIRS = ['../shared/scenarios', 'scenarios'];

function files(): string[] {
  const filter = process.env.SIDECARCTL_CONFORMANCE_FILTER ?? '';
  const out: string[] = [];
  for (const d of DIRS) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((n) => n.endsWith('.yaml')).sort()) if (f.includes(filter)) out.push(join(d, f));
  }
  return out;
}

async function pool<T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); }
  }));
  return out;
}

test('simulator conformance with a real kubelet', { timeout: 60 * 60_000 }, async (t) => {
  const cluster = await clusterUp();
  const version = cluster.kubernetesVersion.replace(/^v/, '');
  const list = files();
  assert.ok(list.length > 0, 'no scenario files');
  const concurrency = Number(process.env.SIDECARCTL_CONFORMANCE_CONCURRENCY ?? 6);
  const outDir = join('test-results', 'conformance');
  mkdirSync(outDir, { recursive: true });
  const results = await pool(list, concurrency, async (file) => {
    const { scenario } = parseScenarioText(readFileSync(file, 'utf8'), { source: file });
    // the real cluster runs one version: simulate that version, whatever the file models
    const sim = toResultJson(simulate(scenario, { kubernetesVersion: version }));
    try {
      const real = await runScenarioOnCluster(scenario, { cluster });
      const base = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
      writeFileSync(join(outDir, `${base}.json`), JSON.stringify({ sim, real }, null, 1));
      return { file, cmp: compare(file, sim, real), realHolds: real.assertions.every((a) => a.holds), fileVersion: scenario.kubernetesVersion };
    } catch (e) {
      return { file, cmp: { file, agree: false, problems: [`real run failed: ${(e as Error).message}`], maxDelta: 0 }, realHolds: false, fileVersion: scenario.kubernetesVersion };
    }
  });
  for (const r of results) {
    await t.test(r.file, () => {
      assert.ok(r.cmp.agree, `${r.file} (modelled as ${version}, file says ${r.fileVersion}):\n  ${r.cmp.problems.join('\n  ')}`);
    });
  }
  const agree = results.filter((r) => r.cmp.agree).length;
  const summary = `simulator vs real kubelet ${version}: ${agree}/${results.length} scenarios agree (assertions, phase, shared event times within ${REAL_RUN_TOLERANCE_SECONDS} s); ` +
    `${results.filter((r) => r.realHolds).length}/${results.length} pass their own expect block on the real kubelet`;
  t.diagnostic(summary);
  writeFileSync(join(outDir, 'summary.txt'), `${summary}\n${results.map((r) => `${r.cmp.agree ? 'agree   ' : 'DISAGREE'} ${r.file} (max Δt ${r.cmp.maxDelta.toFixed(2)} s)${r.cmp.agree ? '' : `\n    ${r.cmp.problems.join('\n    ')}`}`).join('\n')}\n`);
  console.log(summary);
});
