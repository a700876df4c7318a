#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts in its own process (so one benchmark's heap and
// JIT state do not colour the next) and lets each print its own figures.
// `npm run bench -- lint` runs only files whose name contains "lint".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filter = process.argv[2];
const files = readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let failed = false;
for (const f of files) {
  console.log(`\n### bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) { failed = true; console.error(`bench/${f} exited ${r.status}`); }
}
process.exit(failed ? 1 : 0);
