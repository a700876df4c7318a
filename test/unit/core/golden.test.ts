// Golden tests, one manifest per catalog profile (test/fixtures/golden/<name>.yaml): the findings
// (`<name>.findings.txt`: rule:container severity fix) and the fixed YAML (`<name>.fixed.yaml`,
// byte for byte). The expected files were reviewed by hand; after an intended change regenerate
// them with `SIDECARCTL_UPDATE_GOLDEN=1 node --import tsx --test test/unit/core/golden.test.ts`
// and review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCatalog } from '../../../src/catalog/index';
import { REPO, lint, fix, docsOf, podSpecOf } from '../../helpers/manifests';

const DIR = join(REPO, 'test', 'fixtures', 'golden');
const UPDATE = process.env.SIDECARCTL_UPDATE_GOLDEN === '1';
const VERSION = '1.36';
const inputs = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.endsWith('.fixed.yaml')).sort();

const findingLines = (text: string) =>
  lint(text, VERSION).findings.map((f) => `${f.rule}:${f.container ?? ''} ${f.severity} fix:${f.fix}`).sort().join('\n') + '\n';

for (const name of inputs) {
  const base = name.replace(/\.yaml$/, '');
  test(`golden ${base}: findings and fixed YAML`, () => {
    const input = readFileSync(join(DIR, name), 'utf8');
    const findings = findingLines(input);
    const fixed = fix(input, VERSION);
    assert.deepEqual(fixed.errors, []);
    if (UPDATE) {
      writeFileSync(join(DIR, `${base}.findings.txt`), findings);
      writeFileSync(join(DIR, `${base}.fixed.yaml`), fixed.output);
    }
    assert.equal(findings, readFileSync(join(DIR, `${base}.findings.txt`), 'utf8'), 'findings');
    assert.equal(fixed.output, readFileSync(join(DIR, `${base}.fixed.yaml`), 'utf8'), 'fixed YAML');
    // the fixed manifest is a fixed point with no auto-fixable finding left, and keeps every container
    assert.equal(fix(fixed.output, VERSION).changed, false, 'fix is idempotent');
    assert.deepEqual(lint(fixed.output, VERSION).findings.filter((f) => f.fix === 'auto').map((f) => f.rule), []);
    const names = (t: string) => {
      const s = podSpecOf(docsOf(t)[0]);
      return [...(s.initContainers ?? []), ...s.containers].map((c: { name: string }) => c.name).sort();
    };
    assert.deepEqual(names(fixed.output), names(input), 'no container lost or added');
  });
}

test('every catalog profile has a golden manifest', () => {
  const covered = new Set<string>();
  for (const name of inputs) {
    const s = podSpecOf(docsOf(readFileSync(join(DIR, name), 'utf8'))[0]);
    for (const c of [...(s.initContainers ?? []), ...s.containers]) {
      const r = defaultCatalog.recognize(c);
      if (r) covered.add(r.profile.id);
    }
  }
  assert.deepEqual(defaultCatalog.profiles.map((p) => p.id).filter((id) => !covered.has(id)), []);
});
