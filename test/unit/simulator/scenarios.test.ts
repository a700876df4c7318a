// Every scenario file, shared (../shared/scenarios: re-encodings of Kubernetes' node e2e tests)
// and the project's own (scenarios/), must pass its `expect` block through simulate().
// Files are discovered by listing the directories; there are no per-file special cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { parseScenarioText } from '../../../src/scenario/index';
import { simulate } from '../../../src/simulator/index';
import { scenarioFiles } from './scenario-files';

test('the scenario directories are there', () => {
  assert.ok(existsSync('scenarios'), 'run the tests from the repository root');
  assert.ok(scenarioFiles().length >= 20);
});

for (const file of scenarioFiles()) {
  test(`scenario ${file}`, () => {
    const { scenario } = parseScenarioText(readFileSync(file, 'utf8'), { source: file });
    assert.ok(scenario.expect, `${file} has no expect block`);
    const r = simulate(scenario);
    const failed = r.assertions.filter((a) => !a.holds);
    assert.deepEqual(failed, [], `${file}: ${failed.map((a) => `${JSON.stringify(a.assertion)} (${a.detail ?? ''})`).join('; ')}`);
    assert.equal(r.assertions.length, scenario.expect!.assertions.length + (scenario.expect!.phase ? 1 : 0) + (scenario.expect!.completesWithin !== undefined ? 1 : 0));
  });
}
