import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1';
import { cloudSqlProxy } from '../../../src/catalog/profiles/cloud-sql-proxy';
import { alloydbAuthProxy } from '../../../src/catalog/profiles/alloydb-auth-proxy';
import { cloudSqlProxyV1 } from '../../../src/catalog/profiles/cloud-sql-proxy-v1';
import { defaultCatalog } from '../../../src/catalog/index';
import { corpusContainer } from './corpus';

const v2 = (c: Partial<Container>): Container => ({ name: 'proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', ...c });
function run(p = cloudSqlProxy, c: Container) {
  const r = p.recognize(c);
  assert.ok(r, `${p.id} should recognise ${JSON.stringify(c)}`);
  const facts = p.inspect(c, r);
  return { r, facts, edits: p.nativeSidecarEdits(c, r, facts) };
}

test('cloud-sql-proxy: recognition by image (any registry) or binary, never by name', () => {
  assert.equal(cloudSqlProxy.recognize(v2({}))?.version?.raw, '2.14.1');
  assert.equal(cloudSqlProxy.recognize(v2({ image: 'myregistry.example/cloud-sql-connectors/cloud-sql-proxy:2.1.0' }))?.version?.minor, 1);
  assert.equal(cloudSqlProxy.recognize(v2({ image: 'us.gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.3.0-alpine' }))?.version?.patch, 0);
  assert.equal(cloudSqlProxy.recognize(v2({ image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:latest' }))?.version, undefined);
  assert.equal(cloudSqlProxy.recognize(v2({ image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:' + 'a'.repeat(64) }))?.version, undefined);
  assert.equal(cloudSqlProxy.recognize(v2({ image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.1@sha256:' + 'a'.repeat(64) }))?.version?.raw, '2.8.1');
  assert.ok(cloudSqlProxy.recognize({ name: 'x', image: 'corp/base:1', command: ['/cloud-sql-proxy', 'p:r:i'] }));
  assert.equal(cloudSqlProxy.recognize({ name: 'cloud-sql-proxy', image: 'postgres:16' }), undefined);
  assert.equal(cloudSqlProxy.recognize({ name: 'cloud-sql-proxy', image: 'busybox', command: ['sh', '-c', 'echo cloud-sql-proxy'] }), undefined);
  assert.equal(cloudSqlProxy.recognize(v2({ args: ['wait', '--max', '30s'] }))?.runsToCompletion, true);
});

test('cloud-sql-proxy: seed 001 — plain flags get --health-check, --http-address=0.0.0.0, named port, /startup and /liveness', () => {
  const c = v2({ args: ['--address', '0.0.0.0', '--structured-logs', '--credentials-file=/secrets/key.json', 'p:r:i'] });
  const { facts, edits } = run(cloudSqlProxy, c);
  assert.deepEqual(facts.servingPorts, []); // engine default port unknown without --port
  assert.deepEqual(facts.health, { enabled: false, port: 9090, bind: 'localhost', scheme: 'HTTP', startupPath: '/startup', readinessPath: '/readiness', livenessPath: '/liveness' });
  assert.deepEqual(facts.shutdown, { exitsOnSigterm: true, sigtermExitCode: 143 });
  assert.deepEqual(edits, {
    addArgs: ['--health-check', '--http-address=0.0.0.0'],
    addPorts: [{ name: 'csql-health', containerPort: 9090, protocol: 'TCP' }],
    startupProbe: { httpGet: { path: '/startup', port: 'csql-health' }, periodSeconds: 1, failureThreshold: 60, timeoutSeconds: 10 },
    livenessProbe: { httpGet: { path: '/liveness', port: 'csql-health' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 10 },
  });
  assert.equal((edits as { readinessProbe?: unknown }).readinessProbe, undefined);
});

test('cloud-sql-proxy: ports, binds and the localhost http address replaced in place', () => {
  const c = v2({ args: ['--port=5432', '--health-check', '--http-address', '127.0.0.1', '--http-port=9801', 'p:r:a', 'p:r:b?port=7000&address=0.0.0.0', 'p:r:c', '--quitquitquit', '--admin-port=9092', '--exit-zero-on-sigterm'] });
  const { facts, edits } = run(cloudSqlProxy, c);
  assert.deepEqual(facts.servingPorts, [
    { port: 5432, bind: 'localhost', purpose: 'data', source: '--port' },
    { port: 7000, bind: 'all', purpose: 'data', source: 'instance ?port=' },
    { port: 5433, bind: 'localhost', purpose: 'data', source: '--port' },
    { port: 9801, bind: 'localhost', purpose: 'health', source: '--http-address' },
    { port: 9092, bind: 'localhost', purpose: 'admin', source: '--quitquitquit' },
  ]);
  assert.deepEqual(facts.shutdown, {
    exitsOnSigterm: true, sigtermExitCode: 0,
    httpShutdown: { enabled: true, port: 9092, path: '/quitquitquit', method: 'POST', localhostOnly: true },
  });
  assert.deepEqual(edits.replaceArgs, [{ index: 3, value: '0.0.0.0' }]);
  assert.equal(edits.addArgs, undefined);
  assert.deepEqual(edits.addPorts, [{ name: 'csql-health', containerPort: 9801, protocol: 'TCP' }]);
  assert.equal((edits.startupProbe?.httpGet as { port: unknown }).port, 'csql-health');
});

test('cloud-sql-proxy: --http-address=localhost and --health-check=false rewritten in place; command-only containers', () => {
  const c = v2({ command: ['/cloud-sql-proxy', '--health-check=false', '--http-address=localhost', 'p:r:i'] });
  const { edits } = run(cloudSqlProxy, c);
  assert.deepEqual(edits.replaceArgs, [
    { index: 1, value: '--health-check', inCommand: true },
    { index: 2, value: '--http-address=0.0.0.0', inCommand: true },
  ]);
});

test('cloud-sql-proxy: the shutdown subcommand needs 2.20.0 and --quitquitquit', () => {
  const at = (tag: string) => run(cloudSqlProxy, v2({ image: `gcr.io/cloud-sql-connectors/cloud-sql-proxy:${tag}`, args: ['--quitquitquit', 'p:r:i'] })).facts.shutdown;
  assert.deepEqual(at('2.20.0').shutdownCommand, ['/cloud-sql-proxy', 'shutdown']);
  assert.equal(at('2.19.1').shutdownCommand, undefined);
  assert.equal(at('2.0.0').httpShutdown, undefined);
  assert.equal(at('2.5.0').sigtermExitCode, 143);
  assert.equal(run(cloudSqlProxy, v2({ args: ['p:r:i'] })).facts.shutdown.shutdownCommand, undefined);
});

test('cloud-sql-proxy: env-configured containers are edited through CSQL_PROXY_* env', () => {
  const c = v2({ args: ['p:r:i'], env: [{ name: 'CSQL_PROXY_PORT', value: '5432' }, { name: 'CSQL_PROXY_HTTP_ADDRESS', value: 'localhost' }] });
  const { facts, edits } = run(cloudSqlProxy, c);
  assert.deepEqual(facts.servingPorts, [{ port: 5432, bind: 'localhost', purpose: 'data', source: 'CSQL_PROXY_PORT' }]);
  assert.deepEqual(edits.setEnv, [{ name: 'CSQL_PROXY_HEALTH_CHECK', value: 'true' }, { name: 'CSQL_PROXY_HTTP_ADDRESS', value: '0.0.0.0' }]);
  assert.equal(edits.addArgs, undefined);
});

test('cloud-sql-proxy: a shell-wrapped proxy gets a note, not argument edits', () => {
  const c = v2({ command: ['sh', '-c'], args: ['/cloud-sql-proxy p:r:i & sleep 3600; kill -9 $!'] });
  const { edits } = run(cloudSqlProxy, c);
  assert.equal(edits.addArgs, undefined);
  assert.equal(edits.startupProbe, undefined);
  assert.match(edits.notes?.[0] ?? '', /shell script/);
});

test('corpus: upstream native health-check example (env-configured, probes present) needs nothing', () => {
  const c = corpusContainer('csqlproxy__k8s-health-check_proxy_with_http_health_check_native.yaml', 'cloud-sql-proxy');
  const { r, facts, edits } = run(cloudSqlProxy, c);
  assert.equal(r.version?.raw, '2.11.4');
  assert.deepEqual(facts.health, { enabled: true, port: 9801, bind: 'all', scheme: 'HTTP', startupPath: '/startup', readinessPath: '/readiness', livenessPath: '/liveness' });
  assert.deepEqual(facts.shutdown, {
    exitsOnSigterm: true, sigtermExitCode: 0,
    httpShutdown: { enabled: true, port: 9092, path: '/quitquitquit', method: 'POST', localhostOnly: true },
  });
  assert.ok(facts.servingPorts.some((p) => p.purpose === 'admin' && p.port === 9092 && p.bind === 'localhost'));
  assert.deepEqual(edits, {});
});

test('corpus: upstream native Job example (no health) and the airflow Deployment', () => {
  const job = run(cloudSqlProxy, corpusContainer('csqlproxy__k8s-sidecar_job_with_sidecar_native.yaml', 'cloud-sql-proxy'));
  assert.equal(job.facts.shutdown.sigtermExitCode, 0);
  assert.equal(job.facts.shutdown.httpShutdown, undefined); // --admin-port without --quitquitquit
  assert.deepEqual(job.edits.addArgs, ['--health-check', '--http-address=0.0.0.0']);
  assert.equal((job.edits.startupProbe?.httpGet as { path: string }).path, '/startup');

  const airflow = run(cloudSqlProxy, corpusContainer('gke-samples__batch_airflow_cloud-sql-proxy.yaml', 'cloud-sql-proxy'));
  assert.equal(airflow.r.version?.raw, '2.3.0-alpine');
  assert.deepEqual(airflow.facts.servingPorts, [{ port: 5432, bind: 'all', purpose: 'data', source: '--port' }]);

  const akvo = run(cloudSqlProxy, corpusContainer('akvo-rtmis__ci_k8s_cronjobs.template.yaml', 'cloud-sql-proxy'));
  assert.deepEqual(akvo.facts.servingPorts.map((p) => [p.port, p.purpose]), [[9091, 'admin']]);
  assert.ok(akvo.facts.shutdown.shutdownCommand === undefined); // 2.11.0 < 2.20.0
});

test('alloydb-auth-proxy: own env prefix, default port 5432 and --exit-zero-sigterm', () => {
  const c: Container = { name: 'a', image: 'gcr.io/alloydb-connectors/alloydb-auth-proxy:1.10.0', args: ['projects/p/locations/r/clusters/c/instances/i', '--exit-zero-sigterm'], env: [{ name: 'ALLOYDB_PROXY_HEALTH_CHECK', value: 'true' }] };
  assert.equal(cloudSqlProxy.recognize(c), undefined);
  const { facts, edits } = run(alloydbAuthProxy, c);
  assert.deepEqual(facts.servingPorts[0], { port: 5432, bind: 'localhost', purpose: 'data', source: 'default port' });
  assert.equal(facts.health?.enabled, true);
  assert.equal(facts.shutdown.sigtermExitCode, 143); // flag only since 1.11.0
  assert.deepEqual(edits.setEnv, [{ name: 'ALLOYDB_PROXY_HTTP_ADDRESS', value: '0.0.0.0' }]);
  assert.deepEqual(edits.addPorts, [{ name: 'alloydb-health', containerPort: 9090, protocol: 'TCP' }]);
});

test('cloud-sql-proxy v1: gce-proxy, -instances binds, -use_http_health_check on 8090', () => {
  const real = corpusContainer('akvo-rtmis__ci_k8s_deployment.template.yaml', 'cloud-sql-proxy');
  assert.equal(cloudSqlProxy.recognize(real), undefined);
  const { r, facts, edits } = run(cloudSqlProxyV1, real);
  assert.equal(r.version?.raw, '1.30.1');
  assert.deepEqual(facts.servingPorts, [{ port: 5432, bind: 'localhost', purpose: 'data', source: '-instances' }]);
  assert.equal(facts.health?.enabled, false);
  assert.deepEqual(facts.shutdown, { exitsOnSigterm: true, sigtermExitCode: 0 });
  assert.deepEqual(edits.addArgs, ['-use_http_health_check']);
  assert.deepEqual(edits.addPorts, [{ name: 'csql-health', containerPort: 8090, protocol: 'TCP' }]);
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/startup', port: 'csql-health' }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 20 });

  const all = run(cloudSqlProxyV1, { name: 'p', image: 'gcr.io/cloudsql-docker/gce-proxy:1.33.2', command: ['/cloud_sql_proxy', '-instances=p:r:i=tcp:0.0.0.0:5432', '-use_http_health_check', '-term_timeout=30s'] });
  assert.deepEqual(all.facts.servingPorts, [{ port: 5432, bind: 'all', purpose: 'data', source: '-instances' }, { port: 8090, bind: 'all', purpose: 'health', source: '-use_http_health_check' }]);
  assert.equal(all.edits.addArgs, undefined);

  const old = run(cloudSqlProxyV1, corpusContainer('csqlproxy__kubernetes_proxy_with_sa_key_v1.yaml', 'cloud-sql-proxy'));
  assert.equal(old.r.version?.raw, '1.17');
  assert.equal(old.edits.addArgs, undefined);
  assert.match(old.edits.notes?.[0] ?? '', /1\.25\.0/);

  const placeholder = run(cloudSqlProxyV1, corpusContainer('csqlproxy__k8s-health-check_proxy_with_http_health_check_v1.yaml', 'cloud-sql-proxy'));
  assert.equal(placeholder.facts.health, undefined); // -health_check_port=<YOUR-HEALTH-CHECK-PORT>

  const kubexit = corpusContainer('kubexit__cloudsql-proxy-job_job.yaml', 'cloudsql-proxy');
  assert.equal(defaultCatalog.recognize(kubexit)?.profile.id, 'cloud-sql-proxy-v1');

  const script = run(cloudSqlProxyV1, corpusContainer('looker-hosting__gcm_key_rotation_looker_key_rotation_job.yaml', 'cloud-sql-proxy-rotate'));
  assert.deepEqual(script.facts.servingPorts.map((p) => p.port), [3306]);
  assert.equal(script.edits.addArgs, undefined);
  assert.match(script.edits.notes?.[0] ?? '', /1\.25\.0/); // 1.17-buster, and shell-wrapped too
  const wrapped = run(cloudSqlProxyV1, { name: 'p', image: 'gcr.io/cloudsql-docker/gce-proxy:1.33.2', command: ['bash', '-c', '/cloud_sql_proxy -instances=p:r:i=tcp:3306 & wait'] });
  assert.equal(wrapped.edits.addArgs, undefined);
  assert.match(wrapped.edits.notes?.[0] ?? '', /shell script/);
});

test('cloud-sql-proxy: inspect and edits reuse the recognition’s reading only for the container it was made from', () => {
  const plain = v2({ args: ['--port=5432', 'p:r:i'] });
  const healthy = v2({ args: ['--port=6000', '--health-check', '--http-address=0.0.0.0', 'p:r:i'] });
  const r = cloudSqlProxy.recognize(plain)!;
  // the same recognition handed over with another container: that container's flags count
  const facts = cloudSqlProxy.inspect(healthy, r);
  assert.deepEqual(facts.servingPorts.map((p) => p.port), [6000, 9090]);
  assert.equal(facts.health?.enabled, true);
  assert.deepEqual(cloudSqlProxy.nativeSidecarEdits(healthy, r, facts).addArgs, undefined);
  // and with its own container, the reading it carries
  const own = cloudSqlProxy.inspect(plain, r);
  assert.deepEqual(own.servingPorts.map((p) => p.port), [5432]);
  assert.deepEqual(cloudSqlProxy.nativeSidecarEdits(plain, r, own).addArgs, ['--health-check', '--http-address=0.0.0.0']);
});
