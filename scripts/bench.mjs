#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts in its own process (so one benchmark's heap and
// JIT state do not colour the next) and lets each print its own figures.
// `npm run bench -- lint` runs only files whose name contains "lint".
//
// Each bench is first bundled with the shipped bundle's esbuild options (scripts/bundle-options.mjs)
// into .cache/bench/, so what is measured in process is the code as it ships, not tsx's
// transform of it (which keeps function names at a cost in the hot paths). The bundles sit two
// levels below the repository, as src/harness/paths.ts does, so it finds the repository the same way.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

const filter = process.argv[2];
const files = readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
const outdir = join('.cache', 'bench');
let failed = false;
for (const f of files) {
  console.log(`\n### bench/${f}`);
  const outfile = join(outdir, f.replace(/\.ts$/, '.mjs'));
  await build({ ...bundleOptions, entryPoints: [join('bench', f)], outfile });
  const r = spawnSync(process.execPath, [outfile], { stdio: 'inherit' });
  if (r.status !== 0) { failed = true; console.error(`bench/${f} exited ${r.status}`); }
}
process.exit(failed ? 1 : 0);
