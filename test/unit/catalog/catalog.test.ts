import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Container } from 'kubernetes-types/core/v1';
import { createCatalog, defaultCatalog } from '../../../src/catalog/index';
import { corpusContainers } from './corpus';

// What the catalog recognises in every corpus container; everything not listed is recognised as
// nothing (apps, plain init containers, CSI/DNS helpers, Argo/Tekton sidecars, kubexit itself).
const EXPECTED: Record<string, string> = {
  'akvo-rtmis__ci_k8s_cronjobs.template.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'akvo-rtmis__ci_k8s_deployment.template.yaml/cloud-sql-proxy': 'cloud-sql-proxy-v1',
  'csqlproxy__k8s-health-check_proxy_with_http_health_check_native.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-health-check_proxy_with_http_health_check_v1.yaml/cloud-sql-proxy': 'cloud-sql-proxy-v1',
  'csqlproxy__k8s-health-check_proxy_with_http_health_check_v2-legacy.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-service_pgbouncer_deployment_v2-legacy.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-sidecar_job_with_shutdown_hook.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-sidecar_job_with_sidecar_native.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-sidecar_proxy_with_workload_identity_native.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__k8s-sidecar_proxy_with_workload_identity_v2-legacy.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'csqlproxy__kubernetes_proxy_with_sa_key_v1.yaml/cloud-sql-proxy': 'cloud-sql-proxy-v1',
  'csqlproxy__multi-container_ruby_multicontainer_cloudrun.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'gke-samples__batch_airflow_cloud-sql-proxy.yaml/cloud-sql-proxy': 'cloud-sql-proxy',
  'gke-samples__k8s-cost-estimator-github_wordpress_deployment.yaml/cloudsql-proxy': 'cloud-sql-proxy-v1',
  'gke-stockprice__k8s_base_cronjob.yaml/cloudsql-proxy': 'cloud-sql-proxy-v1',
  'gke-vault-demo__k8s-manifests_sidecar.yaml/consul-template': 'consul-template',
  'istio__pkg_kube_inject_testdata_inject_cronjob.yaml.injected.yaml/istio-proxy': 'istio-proxy',
  'istio__pkg_kube_inject_testdata_inject_hello-probes.proxyHoldsApplication.yaml.injected.yaml/istio-proxy': 'istio-proxy',
  'k8s-website__admin_logging_two-files-counter-pod-agent-sidecar.yaml/count-agent': 'fluentd',
  'k8s-website__admin_logging_two-files-counter-pod-streaming-sidecar.yaml/count-log-1': 'log-tailer',
  'k8s-website__admin_logging_two-files-counter-pod-streaming-sidecar.yaml/count-log-2': 'log-tailer',
  'k8s-website__application_deployment-sidecar-legacy.yaml/sidecar-container': 'log-tailer',
  'k8s-website__application_deployment-sidecar.yaml/logshipper': 'log-tailer',
  'k8s-website__application_job_job-sidecar-legacy.yaml/logshipper': 'log-tailer',
  'k8s-website__application_job_job-sidecar.yaml/logshipper': 'log-tailer',
  'kuberay__ray-operator_config_samples_ray-cluster.fluentbit.yaml/fluentbit': 'fluent-bit',
  'kubexit__cloudsql-proxy-job_job.yaml/cloudsql-proxy': 'cloud-sql-proxy-v1',
  'looker-hosting__gcm_key_rotation_looker_key_rotation_job.yaml/cloud-sql-proxy-rotate': 'cloud-sql-proxy-v1',
  'openshift-oauth-proxy__contrib_sidecar.yaml/oauth-proxy': 'oauth-proxy',
  'vault-guides__vault-agent-k8s-demo_example-k8s-spec_consul-template.yaml/consul-template': 'consul-template',
  'vault-guides__vault-agent-k8s-demo_example-k8s-spec_consul-template.yaml/vault-agent-auth': 'vault-agent',
  'vault-guides__vault-agent-k8s-demo_example-k8s-spec_init-only.yaml/vault-agent': 'vault-agent',
};

test('every corpus container: recognised as expected, and inspect/edits never throw', () => {
  const seen = new Set<string>();
  for (const { file, container } of corpusContainers()) {
    const key = `${file}/${container.name}`;
    const m = defaultCatalog.recognize(container);
    assert.equal(m?.profile.id, EXPECTED[key], key);
    if (m) {
      seen.add(key);
      const facts = m.profile.inspect(container, m.recognition);
      const edits = m.profile.nativeSidecarEdits(container, m.recognition, facts);
      assert.equal((edits as { readinessProbe?: unknown }).readinessProbe, undefined, key);
      for (const p of edits.addPorts ?? []) assert.ok(!p.name || p.name.length <= 15, key);
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(EXPECTED).sort());
});

test('catalog: order, ids, byId, duplicates rejected', () => {
  const ids = defaultCatalog.profiles.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(ids[ids.length - 1], 'log-tailer');
  assert.ok(ids.indexOf('istio-proxy') < ids.indexOf('envoy'));
  assert.equal(defaultCatalog.byId('cloud-sql-proxy')?.role, 'database-proxy');
  assert.equal(defaultCatalog.byId('nope'), undefined);
  assert.throws(() => createCatalog([defaultCatalog.profiles[0]!, defaultCatalog.profiles[0]!]), /duplicate/);
  for (const p of defaultCatalog.profiles) {
    assert.ok(p.docs.length > 0, p.id);
    assert.ok(/^\d+(ms|s|m)$/.test(p.simulation.startDelay), p.id);
  }
});

test('names alone never count', () => {
  for (const id of defaultCatalog.profiles.map((p) => p.id)) {
    for (const image of ['postgres:16', 'nginx', 'busybox:1.36']) {
      assert.equal(defaultCatalog.recognize({ name: id, image }), undefined, `${id} on ${image}`);
    }
  }
});

test('recognize/inspect/edits never throw on arbitrary containers', () => {
  const word = fc.oneof(fc.string(), fc.constantFrom('--health-check', '--http-address', '-instances=a=tcp:1', 'proxy', 'sidecar', 'agent', 'tail', '-F', 'sh', '-c', '/cloud-sql-proxy', 'cloud_sql_proxy', '--', '-p'));
  const container = fc.record({
    name: fc.string(),
    image: fc.oneof(fc.string(), fc.constantFrom('gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', 'gcr.io/cloudsql-docker/gce-proxy:1.33.2', 'istio/proxyv2:1.22.0', 'cr.l5d.io/linkerd/proxy:stable-2.14.1', 'hashicorp/vault:1.17', 'fluent/fluent-bit:3', 'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0', 'openshift/oauth-proxy:latest', 'envoyproxy/envoy:v1.31.0')),
    command: fc.option(fc.array(word, { maxLength: 5 }), { nil: undefined }),
    args: fc.option(fc.array(word, { maxLength: 8 }), { nil: undefined }),
    env: fc.option(fc.array(fc.record({ name: fc.constantFrom('CSQL_PROXY_HEALTH_CHECK', 'CSQL_PROXY_HTTP_ADDRESS', 'CSQL_PROXY_HTTP_PORT', 'VAULT_CONFIG', 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', 'X'), value: fc.string() }), { maxLength: 4 }), { nil: undefined }),
  }, { requiredKeys: ['name'] });
  fc.assert(fc.property(container, (c) => {
    const m = defaultCatalog.recognize(c as Container);
    if (m) {
      const facts = m.profile.inspect(c as Container, m.recognition);
      m.profile.nativeSidecarEdits(c as Container, m.recognition, facts);
    }
  }), { numRuns: 500 });
});
