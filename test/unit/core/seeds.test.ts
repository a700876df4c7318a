// The seed stories as tests: the manifests people actually wrote, and what sidecarctl must say
// and do about them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCorpus, readRepo, lint, fix, rulesOf, docsOf, podSpecOf } from '../../helpers/manifests';

const names = (list: any[] | undefined) => (list ?? []).map((c) => c.name);

test('seed 003 variant 1 (plain containers): Job never completes and races; fixable', () => {
  const text = readCorpus('zwindler__1-cronjob-without-sidecar-container.yaml');
  const r = lint(text);
  const rules = r.findings.map((f) => f.rule);
  assert.ok(rules.includes('sidecar-blocks-job-completion'));
  assert.ok(rules.includes('sidecar-startup-race'));
  const f = r.findings.find((x) => x.rule === 'sidecar-blocks-job-completion')!;
  assert.equal(f.category, 'job-never-completes');
  assert.equal(f.severity, 'error');
  assert.equal(f.fix, 'auto');
  assert.equal(f.container, 'slow-sidecar');
  assert.equal(f.podPath, 'spec.jobTemplate.spec.template.spec');
  assert.equal(f.line, 14); // the `- name: slow-sidecar` item
});

test('seed 003 variant 2 (plain init container): stuck in Init', () => {
  const r = lint(readCorpus('zwindler__2-cronjob-with-init-container.yaml'));
  assert.deepEqual(r.findings.map((f) => [f.rule, f.category, f.severity, f.fix]), [['init-container-never-exits', 'job-never-completes', 'error', 'auto']]);
});

test('seed 003 variant 3 (native, no startupProbe): missing startup probe', () => {
  assert.deepEqual(rulesOf(readCorpus('zwindler__3-cronjob-with-sidecar-container.yaml')), ['native-sidecar-missing-startup-probe']);
});

test('seed 003 variant 4 (native with startupProbe): clean', () => {
  const text = readCorpus('zwindler__4-cronjob-with-sidecar-container-and-startup-probe.yaml');
  assert.deepEqual(lint(text).findings, []);
  const f = fix(text);
  assert.equal(f.changed, false);
  assert.equal(f.output, text, 'byte-identical when nothing to fix');
});

test('seed 003: fix turns variants 1-3 into variant 4\'s shape', () => {
  const target = podSpecOf(docsOf(readCorpus('zwindler__4-cronjob-with-sidecar-container-and-startup-probe.yaml'))[0]);
  for (const v of ['1-cronjob-without-sidecar-container', '2-cronjob-with-init-container', '3-cronjob-with-sidecar-container']) {
    const out = fix(readCorpus(`zwindler__${v}.yaml`));
    assert.equal(out.changed, true, v);
    const spec = podSpecOf(docsOf(out.output)[0]);
    assert.deepEqual(names(spec.containers), names(target.containers), v);
    assert.deepEqual(names(spec.initContainers), names(target.initContainers), v);
    const side = spec.initContainers[0];
    assert.equal(side.restartPolicy, 'Always', v);
    assert.ok(side.startupProbe, `${v}: startupProbe added`);
    const port = side.startupProbe.tcpSocket?.port ?? side.startupProbe.httpGet?.port;
    assert.equal(port, 8081, `${v}: probe targets the port the sidecar declares`);
    assert.deepEqual(lint(out.output).findings, [], `${v}: clean after fix`);
    assert.equal(fix(out.output).changed, false, `${v}: idempotent`);
  }
});

test('seed 000: proxy Job with sleep-then-quitquitquit helper becomes a native sidecar Job; helper reported and removed', () => {
  const text = readRepo('examples/migrate-job.yaml');
  const r = lint(text);
  const helper = r.findings.find((f) => f.rule === 'quitquitquit-caller');
  assert.ok(helper, 'helper reported');
  assert.equal(helper!.container, 'stop-proxy');
  assert.equal(helper!.category, 'removable-workaround');
  assert.equal(helper!.fix, 'auto');
  const job = r.findings.find((f) => f.rule === 'sidecar-blocks-job-completion')!;
  assert.equal(job.container, 'cloud-sql-proxy');
  assert.equal(job.severity, 'warning', 'completion rests on a stop hack: a hazard, not a hang');
  const out = fix(text);
  const spec = podSpecOf(docsOf(out.output)[0]);
  assert.deepEqual(names(spec.containers), ['migrate']);
  assert.deepEqual(names(spec.initContainers), ['cloud-sql-proxy']);
  const proxy = spec.initContainers[0];
  assert.equal(proxy.restartPolicy, 'Always');
  assert.equal(proxy.startupProbe.httpGet.path, '/startup');
  assert.ok(proxy.args.includes('--health-check'));
  assert.ok(proxy.args.includes('--http-address=0.0.0.0'));
  assert.ok(out.output.includes('# A database migration Job'), 'comments kept');
});

test('seed 001: Deployment with the proxy in containers becomes PR #347\'s shape', () => {
  const text = readRepo('examples/web-deployment.yaml');
  const r = lint(text);
  const race = r.findings.find((f) => f.rule === 'sidecar-startup-race')!;
  assert.equal(race.severity, 'error', 'the app visibly dials 127.0.0.1:5432');
  assert.ok(r.findings.some((f) => f.rule === 'sidecar-shutdown-order'));
  const out = fix(text);
  const spec = podSpecOf(docsOf(out.output)[0]);
  assert.deepEqual(names(spec.containers), ['web']);
  const proxy = spec.initContainers[0];
  assert.equal(proxy.name, 'cloud-sql-proxy');
  assert.equal(proxy.restartPolicy, 'Always');
  assert.ok(proxy.args.includes('--health-check'));
  assert.ok(proxy.args.includes('--http-address=0.0.0.0'));
  assert.equal(proxy.startupProbe.httpGet.path, '/startup');
  assert.equal(proxy.livenessProbe.httpGet.path, '/liveness');
  assert.equal(proxy.readinessProbe, undefined, 'no readiness probe: DB blips must not make the Pod NotReady');
  const portRef = proxy.startupProbe.httpGet.port;
  const healthPort = typeof portRef === 'number' ? portRef : proxy.ports.find((p: any) => p.name === portRef)?.containerPort;
  assert.equal(healthPort, 9090);
  assert.deepEqual(lint(out.output).findings.filter((f) => f.severity !== 'info'), []);
  // untouched lines stay byte-identical
  for (const line of ['  replicas: 3', '        - name: web', '              value: "5432"', '        # The proxy starts in parallel with the app: a startup race on every pod restart.']) assert.ok(out.output.includes(line + '\n'), line);
});

test('below 1.29 fix produces no native sidecars and says why', () => {
  const text = readRepo('examples/migrate-job.yaml');
  for (const v of ['1.27', '1.28']) {
    const out = fix(text, v);
    assert.equal(out.changed, false, v);
    const f = lint(text, v).findings.find((x) => x.rule === 'sidecar-blocks-job-completion')!;
    assert.equal(f.fix, 'manual');
    assert.match(f.message, /1\.29/);
  }
});
