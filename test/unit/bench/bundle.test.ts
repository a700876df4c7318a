// `npm run bench` bundles each bench with the shipped bundle's esbuild options before running it
// (docs/adr/0013-benchmarks-run-the-shipped-bundle.md). These tests hold the two things that relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { harnessPaths } from '../../../src/harness/paths';
// @ts-expect-error: a plain .mjs module without types
import { bundleOptions } from '../../../scripts/bundle-options.mjs';

const repo = harnessPaths().repo;

test('every bench bundles with the shipped options, and without keepNames (no __name calls)', async () => {
  const benches = readdirSync(join(repo, 'bench')).filter((f) => f.endsWith('.bench.ts'));
  assert.ok(benches.length >= 4, `benches found: ${benches.join(', ')}`);
  for (const f of benches) {
    const r = await build({ ...bundleOptions, entryPoints: [join(repo, 'bench', f)], outfile: join(repo, '.cache', 'bench', 'unused.mjs'), write: false, sourcemap: false, logLevel: 'silent' });
    assert.deepEqual(r.errors, [], f);
    const js = r.outputFiles!.find((o) => o.path.endsWith('.mjs'))!.text;
    assert.ok(js.length > 1000, `${f}: bundle has code`);
    assert.ok(!/\b__name\(/.test(js), `${f}: the bundle keeps function names (keepNames), which the shipped CLI does not`);
  }
});

test('a bundle two levels below the repository finds the repository as src/harness/paths.ts does', async () => {
  mkdirSync(join(repo, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(repo, '.cache', 'bench-test-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `import { harnessPaths } from ${JSON.stringify(join(repo, 'src', 'harness', 'paths'))};\nconsole.log(harnessPaths().repo);\n`);
    const outfile = join(dir, 'entry.mjs');
    await build({ ...bundleOptions, entryPoints: [entry], outfile, logLevel: 'silent' });
    assert.equal(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim(), repo);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
