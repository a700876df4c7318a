#!/usr/bin/env node
// The one test entry point (`npm test`). Runs every tier with node's own test runner:
//   unit  – pure core, catalog, adapters, CLI (no cluster)
//   e2e   – real kube-apiserver + kubelet from the harness (src/harness); opt-in, and it says so when not run
// `--tier unit|e2e` narrows it. Files are listed explicitly because node 20's --test takes no globs.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const tierIdx = args.indexOf('--tier');
// The e2e tier needs root and the real-cluster harness (npm run cluster:up); it runs with
// `--tier e2e` / `npm run test:e2e`, or with SIDECARCTL_E2E=1 as part of the default run.
const tiers = tierIdx >= 0 ? [args[tierIdx + 1]] : process.env.SIDECARCTL_E2E === '1' ? ['unit', 'e2e'] : ['unit'];
if (tierIdx < 0 && !tiers.includes('e2e')) console.log('e2e tier not run: `npm run test:all` runs both tiers after setting up the real-cluster harness (root; docs/harness.md)');

function listTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let failed = false;
for (const tier of tiers) {
  const files = listTests(join('test', tier));
  if (files.length === 0) {
    console.error(`no test files in test/${tier}`);
    if (tier === 'unit') failed = true;
    continue;
  }
  const started = Date.now();
  console.log(`\n=== tier ${tier}: ${files.length} files`);
  const concurrency = tier === 'e2e' ? '1' : String(Math.max(1, (await import('node:os')).availableParallelism()));
  // spec for people, TAP to a file so the skipped count can be checked
  mkdirSync('test-results', { recursive: true });
  const tap = join('test-results', `${tier}.tap`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files], { stdio: 'inherit' });
  console.log(`=== tier ${tier} took ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${r.status}`);
  if (r.status !== 0) failed = true;
  // The e2e tier proves claims on a real kubelet: a skipped e2e test is a failure, not a pass.
  const skipped = Number(/^# skipped (\d+)/m.exec(existsSync(tap) ? readFileSync(tap, 'utf8') : '')?.[1] ?? 0);
  if (tier === 'e2e' && skipped > 0) {
    console.error(`e2e tier: ${skipped} test(s) skipped; the e2e tier must run every test`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
