import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1';
import type { SidecarProfile } from '../../../src/catalog/types';
import { istioProxy } from '../../../src/catalog/profiles/istio-proxy';
import { linkerdProxy } from '../../../src/catalog/profiles/linkerd-proxy';
import { envoy } from '../../../src/catalog/profiles/envoy';
import { vaultAgent } from '../../../src/catalog/profiles/vault-agent';
import { consulTemplate } from '../../../src/catalog/profiles/consul-template';
import { fluentBit } from '../../../src/catalog/profiles/fluent-bit';
import { fluentd } from '../../../src/catalog/profiles/fluentd';
import { vector } from '../../../src/catalog/profiles/vector';
import { otelCollector } from '../../../src/catalog/profiles/otel-collector';
import { oauth2Proxy } from '../../../src/catalog/profiles/oauth2-proxy';
import { openshiftOauthProxy } from '../../../src/catalog/profiles/oauth-proxy';
import { logTailer } from '../../../src/catalog/profiles/log-tailer';
import { corpusContainer } from './corpus';

function run(p: SidecarProfile, c: Container) {
  const r = p.recognize(c);
  assert.ok(r, `${p.id} should recognise ${c.name}`);
  const facts = p.inspect(c, r);
  return { r, facts, edits: p.nativeSidecarEdits(c, r, facts) };
}

test('istio-proxy: proxyv2 running `proxy sidecar`; istio-init is not the proxy', () => {
  const cron = corpusContainer('istio__pkg_kube_inject_testdata_inject_cronjob.yaml.injected.yaml', 'istio-proxy');
  const { r, facts, edits } = run(istioProxy, cron);
  assert.equal(r.version, undefined); // :latest
  assert.deepEqual(facts.health, { enabled: true, port: 15021, bind: 'all', scheme: 'HTTP', startupPath: '/healthz/ready', readinessPath: '/healthz/ready' });
  assert.deepEqual(facts.shutdown.httpShutdown, { enabled: true, port: 15020, path: '/quitquitquit', method: 'POST', localhostOnly: true });
  assert.ok(facts.servingPorts.some((p) => p.port === 15000 && p.bind === 'localhost' && p.purpose === 'admin'));
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 600 });
  assert.match(edits.notes?.[0] ?? '', /sidecar\.istio\.io\/nativeSidecar/);

  const held = run(istioProxy, corpusContainer('istio__pkg_kube_inject_testdata_inject_hello-probes.proxyHoldsApplication.yaml.injected.yaml', 'istio-proxy'));
  assert.equal(held.edits.startupProbe, undefined); // istiod already added one
  assert.ok(held.edits.notes?.some((n) => /pilot-agent wait/.test(n)));

  assert.equal(istioProxy.recognize(corpusContainer('istio__pkg_kube_inject_testdata_inject_cronjob.yaml.injected.yaml', 'istio-init')), undefined);
  assert.equal(istioProxy.recognize({ name: 'istio-proxy', image: 'nginx' }), undefined);
  assert.equal(istioProxy.recognize({ name: 'p', image: 'docker.io/istio/proxyv2:1.22.3-distroless', args: ['proxy', 'sidecar'] })?.version?.raw, '1.22.3-distroless');
});

test('linkerd-proxy: admin 4191 from env, /ready /live, localhost-only POST /shutdown when enabled', () => {
  const c: Container = {
    name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:stable-2.14.10',
    env: [{ name: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', value: '0.0.0.0:4191' }, { name: 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', value: 'true' }],
    lifecycle: { postStart: { exec: { command: ['/usr/lib/linkerd/linkerd-await', '--timeout=2m'] } } },
  };
  const { r, facts, edits } = run(linkerdProxy, c);
  assert.equal(r.version?.minor, 14);
  assert.deepEqual(facts.health, { enabled: true, port: 4191, bind: 'all', scheme: 'HTTP', startupPath: '/ready', readinessPath: '/ready', livenessPath: '/live' });
  assert.deepEqual(facts.shutdown.httpShutdown, { enabled: true, port: 4191, path: '/shutdown', method: 'POST', localhostOnly: true });
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/ready', port: 4191 }, periodSeconds: 1, failureThreshold: 120 });
  assert.ok(edits.notes?.some((n) => /linkerd-await/.test(n)));
  const off = run(linkerdProxy, { name: 'p', image: 'ghcr.io/linkerd/proxy:edge-24.5.1' });
  assert.equal(off.r.version, undefined);
  assert.equal(off.facts.shutdown.httpShutdown?.enabled, false);
  assert.equal(off.edits.startupProbe, undefined); // admin on loopback by default
  assert.equal(linkerdProxy.recognize({ name: 'linkerd-proxy', image: 'example/proxy:1' }), undefined);
  assert.equal(linkerdProxy.recognize(corpusContainer('linkerd-proxy-terminator__examples_simple-job_job.yaml', 'linkerd-proxy-terminator')), undefined);
});

test('envoy: admin address only from an inline bootstrap', () => {
  const inline: Container = { name: 'e', image: 'envoyproxy/envoy:v1.31.0', args: ['--config-yaml', 'admin:\n  address:\n    socket_address: { address: 0.0.0.0, port_value: 9901 }\nstatic_resources: {}'] };
  const { r, facts, edits } = run(envoy, inline);
  assert.equal(r.version?.raw, 'v1.31.0');
  assert.deepEqual(facts.shutdown.httpShutdown, { enabled: true, port: 9901, path: '/quitquitquit', method: 'POST', localhostOnly: false });
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/ready', port: 9901 }, periodSeconds: 1, failureThreshold: 60 });
  const file = run(envoy, { name: 'e', image: 'envoyproxy/envoy-distroless:v1.31.0', args: ['-c', '/etc/envoy/envoy.yaml'] });
  assert.equal(file.facts.health, undefined);
  assert.equal(file.edits.startupProbe, undefined);
  // The kiada SSL proxy is Envoy inside a custom image: its name is no evidence.
  assert.equal(envoy.recognize(corpusContainer('kubernetes-in-action-2e__Chapter05_pod.kiada-ssl.yaml', 'envoy')), undefined);
});

test('vault-agent: injected init vs sidecar, CLI -exit-after-auth, plain `vault agent`', () => {
  const cfg = (exit: boolean) => btoa(JSON.stringify({ auto_auth: {}, exit_after_auth: exit, template: [] }));
  const injected = (name: string, exit: boolean): Container => ({
    name, image: 'hashicorp/vault:1.17.2', command: ['/bin/sh', '-ec'],
    args: ['echo ${VAULT_CONFIG?} | base64 -d > /home/vault/config.json && vault agent -config=/home/vault/config.json'],
    env: [{ name: 'VAULT_CONFIG', value: cfg(exit) }],
  });
  assert.equal(vaultAgent.recognize(injected('vault-agent-init', true))?.runsToCompletion, true);
  assert.equal(vaultAgent.recognize(injected('vault-agent', false))?.runsToCompletion, undefined);
  // The name says init, the config says long-running: the config wins.
  assert.equal(vaultAgent.recognize(injected('vault-agent-init', false))?.runsToCompletion, undefined);
  const init = run(vaultAgent, injected('vault-agent-init', true));
  assert.match(init.edits.notes?.[0] ?? '', /plain init container/);
  assert.equal(vaultAgent.recognize({ name: 'v', image: 'hashicorp/vault:1.17.2', args: ['agent', '-config=/etc/vault/config-init.hcl'] })?.runsToCompletion, true);
  assert.equal(vaultAgent.recognize({ name: 'v', image: 'hashicorp/vault:1.17.2', args: ['agent', '-exit-after-auth', '-config=/c.hcl'] })?.runsToCompletion, true);
  assert.equal(vaultAgent.recognize({ name: 'vault-agent', image: 'hashicorp/vault:1.17.2', args: ['server', '-dev'] }), undefined);
  const guide = run(vaultAgent, corpusContainer('vault-guides__vault-agent-k8s-demo_example-k8s-spec_init-only.yaml', 'vault-agent'));
  assert.equal(guide.r.runsToCompletion, undefined); // exit_after_auth lives in a config map we cannot see
  assert.deepEqual(guide.facts, { servingPorts: [], shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 } });
});

test('consul-template: -once runs to completion; SIGTERM needs kill_signal', () => {
  assert.equal(consulTemplate.recognize({ name: 'c', image: 'hashicorp/consul-template:0.39.1', args: ['-once', '-template=a:b'] })?.runsToCompletion, true);
  const cm = run(consulTemplate, corpusContainer('vault-guides__vault-agent-k8s-demo_example-k8s-spec_consul-template.yaml', 'consul-template'));
  assert.equal(cm.r.runsToCompletion, undefined);
  assert.deepEqual(cm.facts.shutdown, { exitsOnSigterm: false, sigtermAdvice: cm.facts.shutdown.sigtermAdvice });
  assert.match(cm.facts.shutdown.sigtermAdvice ?? '', /kill_signal = "SIGTERM"/);
  assert.ok(cm.edits.notes?.some((n) => /SIGTERM/.test(n)));
  const demo = run(consulTemplate, corpusContainer('gke-vault-demo__k8s-manifests_sidecar.yaml', 'consul-template'));
  assert.equal(demo.r.version?.raw, '0.19.5.dev-alpine');
  const term = run(consulTemplate, { name: 'c', image: 'hashicorp/consul-template:0.39.1', args: ['-kill-signal=SIGTERM', '-config=/c.hcl'] });
  assert.deepEqual(term.facts.shutdown, { exitsOnSigterm: true, sigtermExitCode: 0 });
});

test('log shippers and telemetry: recognised, no invented probes', () => {
  const fb = run(fluentBit, corpusContainer('kuberay__ray-operator_config_samples_ray-cluster.fluentbit.yaml', 'fluentbit'));
  assert.equal(fb.r.version?.raw, '3.2.2');
  assert.equal(fb.facts.health?.enabled, false);
  assert.equal(fb.edits.startupProbe, undefined);
  const fbHttp = run(fluentBit, { name: 'f', image: 'cr.fluentbit.io/fluent/fluent-bit:3.1', args: ['-c', '/c.conf', '-H', '-P', '2021'] });
  assert.deepEqual(fbHttp.facts.servingPorts, [{ port: 2021, bind: 'all', purpose: 'metrics', source: '-H/--http_server' }]);
  assert.equal(run(fluentd, corpusContainer('k8s-website__admin_logging_two-files-counter-pod-agent-sidecar.yaml', 'count-agent')).r.evidence, 'image registry.k8s.io/fluentd-gcp:1.30');
  assert.ok(vector.recognize({ name: 'v', image: 'timberio/vector:0.40.0-distroless-libc' }));
  assert.equal(vector.recognize({ name: 'vector', image: 'pgvector/pgvector:pg16' }), undefined);
  assert.equal(vector.inspect({ name: 'v' }, { evidence: '' }).health?.port, 8686);
  for (const image of ['otel/opentelemetry-collector-contrib:0.110.0', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.110.0', 'otel/opentelemetry-collector:latest']) {
    assert.ok(otelCollector.recognize({ name: 'o', image }), image);
  }
  assert.equal(otelCollector.inspect({ name: 'o' }, { evidence: '' }).health?.port, 13133);
  assert.equal(otelCollector.recognize({ name: 'otel-collector', image: 'busybox' }), undefined);
});

test('oauth2-proxy: loopback default rebound, /ready since 7.5.0', () => {
  const { facts, edits } = run(oauth2Proxy, { name: 'o', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0', args: ['--provider=github', '--upstream=http://127.0.0.1:8080'] });
  assert.deepEqual(facts.health, { enabled: true, port: 4180, bind: 'localhost', scheme: 'HTTP', startupPath: '/ready', readinessPath: '/ready', livenessPath: '/ping' });
  assert.deepEqual(edits.addArgs, ['--http-address=0.0.0.0:4180']);
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/ready', port: 'oauth2-http' }, periodSeconds: 1, failureThreshold: 30 });
  const old = run(oauth2Proxy, { name: 'o', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.4.0', args: ['--http-address', '0.0.0.0:4180'], ports: [{ containerPort: 4180, name: 'http' }] });
  assert.equal(old.edits.addArgs, undefined);
  assert.deepEqual(old.edits.startupProbe, { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 1, failureThreshold: 30 });
  const env = run(oauth2Proxy, { name: 'o', image: 'bitnami/oauth2-proxy:7', env: [{ name: 'OAUTH2_PROXY_HTTP_ADDRESS', value: '127.0.0.1:4180' }] });
  assert.deepEqual(env.edits.setEnv, [{ name: 'OAUTH2_PROXY_HTTP_ADDRESS', value: '0.0.0.0:4180' }]);
});

test('openshift oauth-proxy: HTTPS /oauth/healthz on the https address (corpus sidecar)', () => {
  const { facts, edits } = run(openshiftOauthProxy, corpusContainer('openshift-oauth-proxy__contrib_sidecar.yaml', 'oauth-proxy'));
  assert.deepEqual(facts.health, { enabled: true, port: 8443, bind: 'all', scheme: 'HTTPS', startupPath: '/oauth/healthz', readinessPath: '/oauth/healthz', livenessPath: '/oauth/healthz' });
  assert.deepEqual(edits.startupProbe, { httpGet: { path: '/oauth/healthz', port: 'public', scheme: 'HTTPS' }, periodSeconds: 1, failureThreshold: 30 });
  assert.equal(edits.addPorts, undefined);
  assert.equal(openshiftOauthProxy.recognize({ name: 'o', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0' }), undefined);
  assert.ok(openshiftOauthProxy.recognize({ name: 'o', image: 'registry.redhat.io/openshift4/ose-oauth-proxy-rhel9:v4.14' }));
});

test('log-tailer: tail -f/-F/--follow on a file, inside a shell or not', () => {
  for (const [file, name] of [
    ['k8s-website__admin_logging_two-files-counter-pod-streaming-sidecar.yaml', 'count-log-1'],
    ['k8s-website__application_deployment-sidecar.yaml', 'logshipper'],
    ['k8s-website__application_job_job-sidecar-legacy.yaml', 'logshipper'],
  ] as const) {
    const { r, facts, edits } = run(logTailer, corpusContainer(file, name));
    assert.equal(r.version, undefined);
    assert.deepEqual(facts, { servingPorts: [], shutdown: { exitsOnSigterm: false, sigtermAdvice: facts.shutdown.sigtermAdvice } });
    assert.match(facts.shutdown.sigtermAdvice ?? '', /trap 'exit 0' TERM/);
    assert.equal(edits.startupProbe, undefined);
  }
  assert.match(logTailer.recognize({ name: 't', image: 'debian', command: ['tail', '--follow=name', '/var/log/app.log'] })?.evidence ?? '', /--follow=name/);
  assert.ok(logTailer.recognize({ name: 't', image: 'busybox', args: ['tail', '-fn100', '/x.log'] }));
  assert.equal(logTailer.recognize({ name: 't', image: 'busybox', command: ['tail', '-f', '/dev/null'] }), undefined);
  assert.equal(logTailer.recognize({ name: 't', image: 'busybox', command: ['tail', '-n', '10', '/x.log'] }), undefined);
  assert.equal(logTailer.recognize({ name: 'log-tailer', image: 'busybox', command: ['sleep', '3600'] }), undefined);
  assert.equal(logTailer.recognize(corpusContainer('k8s-website__application_deployment-sidecar.yaml', 'myapp')), undefined);
});
