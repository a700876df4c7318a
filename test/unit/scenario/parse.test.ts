import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, formatDuration, parseScenarioText, ScenarioError, behaviorForRun, parseBehaviorFlag, FOREVER } from '../../../src/scenario/index';

const POD = `pod:
  spec:
    initContainers: [{name: proxy, image: p, restartPolicy: Always}]
    containers: [{name: app, image: a}]
`;

function issuesOf(text: string): string[] {
  try {
    parseScenarioText(text);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ScenarioError');
}

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('forever'), FOREVER);
  for (const bad of ['5x', '', '5', 's', '-1s', '5 s']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(FOREVER), 'forever');
});

test('unknown container in behavior names the field and the known containers', () => {
  const issues = issuesOf(`kind: Scenario\n${POD}behavior:\n  prxy: {run: 1s}\n`);
  assert.deepEqual(issues, ['behavior.prxy: no container named "prxy" in the pod (known: proxy, app)']);
});

test('bad duration names the field', () => {
  const issues = issuesOf(`kind: Scenario\n${POD}behavior:\n  proxy: {startDelay: 5x}\n`);
  assert.deepEqual(issues, ['behavior.proxy.startDelay: "5x" is not a duration (use 500ms, 5s, 2m or forever)']);
});

test('missing pod', () => {
  assert.deepEqual(issuesOf('kind: Scenario\nbehavior: {}\n'), ['pod: missing (a v1 Pod manifest is required)']);
});

test('all problems are reported together, each with its path', () => {
  const issues = issuesOf(`kind: Scenario
kubernetesVersion: 1.30
${POD}behavior:
  app: {exitCode: 300, needs: [db], onSigterm: {after: soon}, startdelay: 1s}
probes:
  proxy: {startup: maybe}
actions:
  - {at: 10s}
  - {at: 5s, updateImage: {container: nope}}
expect:
  phase: Done
  assertions:
    - startsBefore: [proxy]
    - startsAfter: [proxy, app]
    - exitCode: {container: app, code: 0, reason: Fine}
`);
  const paths = issues.map((i) => i.split(':')[0]);
  assert.deepEqual(paths, [
    'kubernetesVersion', 'behavior.app.startdelay', 'behavior.app.exitCode', 'behavior.app.onSigterm.after', 'behavior.app.needs[0]',
    'probes.proxy.startup', 'actions[0]', 'actions[1].updateImage.container', 'expect.phase',
    'expect.assertions[0].startsBefore', 'expect.assertions[1].startsAfter', 'expect.assertions[2].exitCode.reason',
  ]);
});

test('pod problems are named under pod.*', () => {
  const issues = issuesOf(`kind: Scenario
pod: {spec: {restartPolicy: Sometimes, containers: [{name: App}, {name: b, livenessProbe: {periodSeconds: 0}}]}}
`);
  assert.deepEqual(issues.map((i) => i.split(':')[0]), ['pod.spec.restartPolicy', 'pod.spec.containers[0].name', 'pod.spec.containers[1].livenessProbe.periodSeconds']);
});

test('defaults: absent containers run forever and exit 0 on SIGTERM; onSigterm exit code follows exitCode', () => {
  const { scenario } = parseScenarioText(`kind: Scenario\n${POD}behavior:\n  app: {run: 3s, exitCode: 2, runs: [{exitCode: 1}, {run: forever}]}\n`);
  assert.equal(scenario.kubernetesVersion, '1.33');
  assert.equal(scenario.observeFor, 120_000);
  assert.deepEqual(behaviorForRun(scenario.behavior['proxy']!, 1), { startDelay: 0, run: FOREVER, exitCode: 0, onSigterm: { after: 0, exitCode: 0 } });
  assert.deepEqual(behaviorForRun(scenario.behavior['app']!, 1), { startDelay: 0, run: 3000, exitCode: 1, onSigterm: { after: 0, exitCode: 1 } });
  assert.deepEqual(behaviorForRun(scenario.behavior['app']!, 2), { startDelay: 0, run: FOREVER, exitCode: 2, onSigterm: { after: 0, exitCode: 2 } });
  assert.deepEqual(behaviorForRun(scenario.behavior['app']!, 7), behaviorForRun(scenario.behavior['app']!, 2));
});

test('actions are sorted by time', () => {
  const { scenario } = parseScenarioText(`kind: Scenario\n${POD}actions:\n  - {at: 20s, delete: {gracePeriodSeconds: 5}}\n  - {at: 10s, updateImage: {container: proxy}}\n`);
  assert.deepEqual(scenario.actions.map((a) => a.at), [10_000, 20_000]);
});

test('--behavior flags', () => {
  assert.deepEqual(parseBehaviorFlag('app=startDelay:3s,run:10s,exitCode:1,needs:a+b'), {
    name: 'app', raw: { startDelay: '3s', run: '10s', exitCode: 1, needs: ['a', 'b'] },
  });
  assert.deepEqual(parseBehaviorFlag('p=onSigterm:1s/0').raw, { onSigterm: { after: '1s', exitCode: 0 } });
  assert.throws(() => parseBehaviorFlag('app'), ScenarioError);
  assert.throws(() => parseBehaviorFlag('app=colour:red'), /unknown key/);
});

test('every shared and project scenario parses', () => {
  for (const dir of ['../shared/scenarios', 'scenarios']) {
    let files: string[] = [];
    try { files = readdirSync(dir).filter((f) => f.endsWith('.yaml')); } catch { continue; }
    for (const f of files) parseScenarioText(readFileSync(join(dir, f), 'utf8'), { source: f });
  }
});
