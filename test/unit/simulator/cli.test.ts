// `sidecarctl simulate` run in-process: formats, exit codes (0 holds, 1 an expectation fails,
// 2 malformed input), manifests with --behavior, atomic -o.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/main';

async function cli(args: string[], opts: { stdin?: string; cwd?: string; color?: boolean } = {}) {
  const out = new PassThrough(); const err = new PassThrough();
  let stdout = ''; let stderr = '';
  out.on('data', (d) => (stdout += d)); err.on('data', (d) => (stderr += d));
  const code = await run(args, { io: { stdout: out, stderr: err, stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]) }, env: {}, cwd: opts.cwd ?? process.cwd(), now: () => 0, color: opts.color ?? false });
  return { code, stdout, stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'sidecarctl-sim-'));
const S4 = '../shared/scenarios/S4-cronjob-native-sidecar-startup-probe.yaml';

test('simulate a scenario: text timeline, exit 0 when the expectations hold', async () => {
  const r = await cli(['simulate', S4]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /s4-cronjob-native-sidecar-startup-probe/);
  assert.match(r.stdout, /slow-sidecar/);
  assert.match(r.stdout, /expect: all 7 assertions hold/);
  assert.doesNotMatch(r.stdout, /\u001b\[/);
  const c = await cli(['simulate', S4], { color: true });
  assert.match(c.stdout, /\u001b\[32m/);
});

test('--format json prints the result format of the spec', async () => {
  const r = await cli(['simulate', '--format', 'json', S4]);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.phase, 'Succeeded');
  assert.equal(j.scenario, 's4-cronjob-native-sidecar-startup-probe');
  assert.ok(j.assertions.every((a: { holds: boolean }) => a.holds));
});

test('an expectation that fails gives exit 1; --kube-version overrides the scenario', async () => {
  const r = await cli(['simulate', '--format', 'json', '--kube-version', '1.31', 'scenarios/V03-125880-unfixed-1.30.3.yaml']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kubernetesVersion, '1.31');
  // 1.31 has the fix for #125880: proxy-1 is stopped at once and exits 0, so the 1.30.3 expectation fails
  assert.deepEqual(j.assertions.filter((a: { holds: boolean }) => !a.holds).map((a: { assertion: unknown }) => a.assertion),
    [{ exitCode: { container: 'proxy-1', code: 137, reason: 'Error' } }]);
});

test('malformed scenarios: exit 2 and the field named', async () => {
  const dir = tmp();
  const cases: [string, RegExp][] = [
    ['kind: Scenario\npod: {spec: {initContainers: [{name: proxy, image: p, restartPolicy: Always}], containers: [{name: app, image: a}]}}\nbehavior: {prxy: {run: 1s}}\n', /behavior\.prxy: no container named "prxy" in the pod \(known: proxy, app\)/],
    ['kind: Scenario\npod: {spec: {containers: [{name: proxy, image: p}]}}\nbehavior: {proxy: {startDelay: 5x}}\n', /behavior\.proxy\.startDelay: "5x" is not a duration \(use 500ms, 5s, 2m or forever\)/],
    ['kind: Scenario\nbehavior: {}\n', /pod: missing/],
    ['kind: Scenario\npod: [\n', /YAML/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    writeFileSync(join(dir, `bad${i}.yaml`), text);
    const r = await cli(['simulate', join(dir, `bad${i}.yaml`)]);
    assert.equal(r.code, 2, `case ${i}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
  const r = await cli(['simulate', '--format', 'svgz', S4]);
  assert.equal(r.code, 2);
  const nf = await cli(['simulate', join(dir, 'missing.yaml')]);
  assert.equal(nf.code, 2);
});

test('a plain manifest with --behavior flags (stdin), catalog defaults for known sidecars', async () => {
  const job = `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - name: cloud-sql-proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
          restartPolicy: Always
          args: ["--port=5432", "my-project:region:db"]
      containers:
        - {name: app, image: migrate}
`;
  const r = await cli(['simulate', '--format', 'json', '-', '--behavior', 'app=run:3s,needs:cloud-sql-proxy'], { stdin: job });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.scenario, 'Job/migrate');
  assert.ok(j.events.some((e: { type: string; container: string }) => e.type === 'NeedUnmet' && e.container === 'app'), 'no startupProbe: the app starts before the proxy serves');
  const bad = await cli(['simulate', '-', '--behavior', 'ap=run:3s'], { stdin: job });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /behavior\.ap: no container named "ap"/);
  const badKey = await cli(['simulate', '-', '--behavior', 'app=speed:3'], { stdin: job });
  assert.equal(badKey.code, 2);
});

test('several pod templates: choose with --pod-index or --container', async () => {
  const two = `apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: one, image: x}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {template: {spec: {containers: [{name: two, image: y}]}}}\n`;
  const r = await cli(['simulate', '-'], { stdin: two });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /2 pod templates.*--pod-index/s);
  const byIdx = await cli(['simulate', '--format', 'json', '--pod-index', '1', '--observe-for', '10s', '-'], { stdin: two });
  assert.equal(byIdx.code, 0, byIdx.stderr);
  assert.equal(JSON.parse(byIdx.stdout).scenario, 'Deployment/b');
  const byName = await cli(['simulate', '--format', 'json', '--container', 'one', '--observe-for', '10s', '-'], { stdin: two });
  assert.equal(JSON.parse(byName.stdout).scenario, 'Pod/a');
});

test('--format html -o writes a self-contained page atomically', async () => {
  const dir = tmp();
  const out = join(dir, 'timeline.html');
  const r = await cli(['simulate', '--format', 'html', '-o', out, '../shared/scenarios/S3-cronjob-native-sidecar-no-probe.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<svg /);
  assert.match(html, /class="need-unmet"/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  assert.deepEqual(readdirSync(dir), ['timeline.html'], 'no temp file left behind');
});
