// The CLI run in-process with captured streams: contracts (JSON, SARIF), exit codes, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/main';
import { CATEGORIES } from '../../../src/core/types';
import { REPO, CORPUS } from '../../helpers/manifests';

async function cli(args: string[], opts: { stdin?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}) {
  const out = new PassThrough(); const err = new PassThrough();
  let stdout = ''; let stderr = '';
  out.on('data', (d) => (stdout += d)); err.on('data', (d) => (stderr += d));
  const code = await run(args, { io: { stdout: out, stderr: err, stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]) }, env: opts.env ?? {}, cwd: opts.cwd ?? REPO, now: () => 0, color: false });
  return { code, stdout, stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'sidecarctl-'));

test('lint examples: human report, exit 1 on errors', async () => {
  const r = await cli(['lint', 'examples/']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /examples\/migrate-job.yaml/);
  assert.match(r.stdout, /sidecar-blocks-job-completion/);
  assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when not allowed');
});

test('lint --format json follows the findings contract', async () => {
  const r = await cli(['lint', '--format', 'json', '--kube-version', '1.31', 'examples/migrate-job.yaml']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.kubernetesVersion, '1.31');
  assert.ok(Array.isArray(j.skipped) && Array.isArray(j.errors));
  assert.ok(j.findings.length >= 3);
  for (const f of j.findings) {
    assert.deepEqual(Object.keys(f).filter((k) => k !== 'evidence'), ['file', 'document', 'line', 'column', 'object', 'podPath', 'container', 'rule', 'category', 'severity', 'message', 'fix']);
    assert.ok((CATEGORIES as readonly string[]).includes(f.category));
    assert.ok(['error', 'warning', 'info'].includes(f.severity));
    assert.ok(['auto', 'manual', 'none'].includes(f.fix));
    assert.deepEqual(Object.keys(f.object), ['apiVersion', 'kind', 'namespace', 'name']);
    assert.equal(f.podPath, 'spec.template.spec');
  }
});

test('lint --format sarif is SARIF 2.1.0 with rules and regions', async () => {
  const r = await cli(['lint', '-f', 'sarif', 'examples/']);
  const s = JSON.parse(r.stdout);
  assert.equal(s.version, '2.1.0');
  const run0 = s.runs[0];
  assert.equal(run0.tool.driver.name, 'sidecarctl');
  const ids = run0.tool.driver.rules.map((x: any) => x.id);
  for (const res of run0.results) {
    assert.ok(ids.includes(res.ruleId));
    assert.equal(run0.tool.driver.rules[res.ruleIndex].id, res.ruleId);
    assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
  }
});

test('kind: List items are addressed by podPath', async () => {
  const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: j}\n  spec:\n    template:\n      spec:\n        restartPolicy: Never\n        containers:\n        - {name: app, image: app:1}\n        - {name: logs, image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9"}\n';
  const r = await cli(['lint', '-f', 'json', '-'], { stdin: list });
  const j = JSON.parse(r.stdout);
  assert.equal(j.findings[0].podPath, 'items[1].spec.template.spec');
  assert.equal(j.findings[0].line, 16);
});

test('stdin → stdout fix (Helm post-renderer path); idempotent through the CLI', async () => {
  const input = readFileSync(join(REPO, 'examples/web-deployment.yaml'));
  const r = await cli(['fix', '-'], { stdin: input });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /initContainers:/);
  const again = await cli(['fix', '-'], { stdin: r.stdout });
  assert.equal(again.stdout, r.stdout);
});

test('fix --diff prints a unified diff and changes nothing', async () => {
  const dir = tmp(); cpSync(join(REPO, 'examples'), dir, { recursive: true });
  const before = readFileSync(join(dir, 'migrate-job.yaml'), 'utf8');
  const r = await cli(['fix', '--diff', '.'], { cwd: dir });
  assert.match(r.stdout, /^--- a\/migrate-job.yaml/m);
  assert.match(r.stdout, /^\+\s+initContainers:/m);
  assert.equal(readFileSync(join(dir, 'migrate-job.yaml'), 'utf8'), before);
});

test('fix -i rewrites files atomically and leaves no temp files', async () => {
  const dir = tmp(); cpSync(join(REPO, 'examples'), dir, { recursive: true });
  const r = await cli(['fix', '-i', '.'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'migrate-job.yaml'), 'utf8'), /restartPolicy: Always/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  const clean = await cli(['lint', '--fail-on', 'warning', '.'], { cwd: dir });
  assert.equal(clean.code, 0, clean.stdout);
});

test('fix -i with one bad input writes nothing and exits 2', async () => {
  const dir = tmp(); cpSync(join(REPO, 'examples'), dir, { recursive: true });
  writeFileSync(join(dir, 'broken.yaml'), 'kind: Pod\nspec:\n  containers: [\n');
  const before = readFileSync(join(dir, 'migrate-job.yaml'), 'utf8');
  const r = await cli(['fix', '-i', '.'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken.yaml:\d+:\d+: invalid YAML/);
  assert.equal(readFileSync(join(dir, 'migrate-job.yaml'), 'utf8'), before);
});

test('bad input: clear errors with file:line:col, exit 2, never a crash', async () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['invalid YAML', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n   image: b\n', /<stdin>:\d+:\d+: invalid YAML/],
    ['alias bomb', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n', /alias/],
    ['binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), /binary/],
    ['unrendered template', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n', /<stdin>:4:9: unrendered template/],
    ['invalid UTF-8', Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), /UTF-8/],
  ];
  for (const [name, input, re] of cases) {
    const r = await cli(['lint', '-'], { stdin: input });
    assert.equal(r.code, 2, name);
    assert.match(r.stdout + r.stderr, re, name);
    assert.doesNotMatch(r.stderr, /internal error/, name);
  }
  const big = await cli(['lint', '--max-bytes', '100', '-'], { stdin: 'a: b\n'.repeat(100) });
  assert.equal(big.code, 2);
  assert.match(big.stdout, /over the 100-byte limit/);
  const missing = await cli(['lint', 'no/such/file.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stdout, /no such file/);
});

test('usage errors exit 2 with a clear message', async () => {
  assert.equal((await cli(['lint', '--kube-version', 'banana', 'examples/'])).code, 2);
  const r = await cli(['lint', '--format', 'xml', 'examples/']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format: "xml"/);
  assert.equal((await cli(['explain', 'no-such-rule'])).code, 2);
  assert.equal((await cli(['frobnicate'])).code, 2);
});

test('explain prints why a rule matters, with links', async () => {
  const r = await cli(['explain', 'native-sidecar-missing-startup-probe']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /startupProbe/);
  assert.match(r.stdout, /https:\/\//);
  const list = await cli(['explain', '--list']);
  assert.ok(list.stdout.split('\n').length > 15);
});

test('suppression annotations and config disable rules', async () => {
  const dir = tmp();
  const text = readFileSync(join(REPO, 'examples/web-deployment.yaml'), 'utf8').replace('  labels: {app: storefront}\nspec:', '  labels: {app: storefront}\n  annotations:\n    ignore-check.sidecarctl.dev/sidecar-shutdown-order: "drained by the load balancer"\nspec:');
  writeFileSync(join(dir, 'd.yaml'), text);
  const j = JSON.parse((await cli(['lint', '-f', 'json', 'd.yaml'], { cwd: dir })).stdout);
  assert.ok(!j.findings.some((f: any) => f.rule === 'sidecar-shutdown-order'));
  assert.ok(j.findings.some((f: any) => f.rule === 'sidecar-startup-race'));
  writeFileSync(join(dir, '.sidecarctl.yaml'), 'rules:\n  disable: [sidecar-startup-race]\n');
  const j2 = JSON.parse((await cli(['lint', '-f', 'json', 'd.yaml'], { cwd: dir })).stdout);
  assert.deepEqual(j2.findings.map((f: any) => f.rule), []);
  writeFileSync(join(dir, '.sidecarctl.yaml'), 'rules:\n  disable: [no-such-rule]\n');
  assert.equal((await cli(['lint', 'd.yaml'], { cwd: dir })).code, 2);
});

test('target version changes the advice', async () => {
  const j = JSON.parse((await cli(['lint', '-f', 'json', '--kube-version', '1.27', join(CORPUS, 'zwindler__4-cronjob-with-sidecar-container-and-startup-probe.yaml')])).stdout);
  assert.deepEqual(j.findings.map((f: any) => [f.rule, f.category, f.severity]), [['native-sidecar-unsupported', 'version', 'error']]);
  const j28 = JSON.parse((await cli(['lint', '-f', 'json', '--kube-version', '1.28', join(CORPUS, 'zwindler__4-cronjob-with-sidecar-container-and-startup-probe.yaml')])).stdout);
  assert.equal(j28.findings[0].severity, 'warning');
});

test('lint --explain shows simulated evidence as written and after fix', async () => {
  const r = await cli(['lint', '--explain', '--format', 'json', '--fail-on', 'none', 'examples/log-shipper-cronjob.yaml', 'examples/web-deployment.yaml']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout) as { findings: { rule: string; category: string; evidence?: { before: string; after?: string } }[] };
  const job = j.findings.find((f) => f.rule === 'sidecar-blocks-job-completion');
  assert.ok(job?.evidence, 'a job-never-completes finding carries evidence');
  assert.match(job.evidence.before, /never completes: fluent-bit still running/);
  assert.match(job.evidence.after ?? '', /pod Succeeded at/);
  const race = j.findings.find((f) => f.rule === 'sidecar-startup-race');
  assert.ok(race?.evidence);
  // as written the app starts before the proxy serves; after fix it starts after
  const times = (s: string) => { const m = /web started at ([\d.]+) s, cloud-sql-proxy serves at ([\d.]+) s/.exec(s); assert.ok(m, s); return [Number(m[1]), Number(m[2])] as const; };
  const [b0, b1] = times(race.evidence.before);
  const [a0, a1] = times(race.evidence.after ?? '');
  assert.ok(b0 < b1, `as written: app before proxy (${race.evidence.before})`);
  assert.ok(a0 >= a1, `after fix: app after proxy (${race.evidence.after})`);
  // categories that are not about timing carry none
  for (const f of j.findings) if (['version', 'invalid', 'removable-workaround', 'broken-probe'].includes(f.category)) assert.equal(f.evidence, undefined);
  const plain = await cli(['lint', '--format', 'json', '--fail-on', 'none', 'examples/log-shipper-cronjob.yaml']);
  assert.ok((JSON.parse(plain.stdout) as { findings: { evidence?: unknown }[] }).findings.every((f) => f.evidence === undefined), 'no evidence without --explain');
});
