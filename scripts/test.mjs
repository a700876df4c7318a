#!/usr/bin/env node
// The one test entry point (`npm test`). Runs every tier with node's own test runner:
//   unit  – pure core, catalog, adapters, CLI (no cluster)
//   e2e   – real kube-apiserver + kubelet from the harness (src/harness); never silently skipped
// `--tier unit|e2e` narrows it. Files are listed explicitly because node 20's --test takes no globs.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const tierIdx = args.indexOf('--tier');
const tiers = tierIdx >= 0 ? [args[tierIdx + 1]] : ['unit', 'e2e'];

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
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
  console.log(`=== tier ${tier} took ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${r.status}`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
