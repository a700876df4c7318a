// The MutatingWebhookConfiguration, as data (pure). Settings follow Kubernetes' "Admission
// webhook good practices" (kubernetes/website content/en/docs/concepts/cluster-administration/
// admission-webhooks-good-practices.md) and ../shared/research/performance-and-ecosystem.md §A5:
// - failurePolicy Ignore (fail open: the fix is an improvement, never a gate) and a small
//   timeoutSeconds, so a slow or absent webhook costs a pod create at most that long;
// - only Pod CREATE, sideEffects None, admissionReviewVersions [v1];
// - never kube-system or our own namespace (namespaceSelector on kubernetes.io/metadata.name,
//   the label the apiserver sets on every namespace since 1.22);
// - matchConditions (CEL, GA in 1.30) skip pods that opted out and pods with a single
//   container and no init containers, which have no sidecar to fix, before any call is made;
// - reinvocationPolicy IfNeeded: a mesh injector that appends containers after us gets its
//   containers fixed too (admit.ts explains why that is idempotent).
// Opt-in: a namespace label `sidecarctl.dev/webhook: enabled|warn` (entries `namespaces.` and
// `warn-namespaces.`), or, in unlabelled namespaces, a pod annotation
// `sidecarctl.dev/webhook: enabled|warn` (entry `pods.`). `disabled` on either opts out.
import { OPT_KEY } from './policy';

export interface WebhookConfigOptions {
  readonly name: string;
  /** The webhook's own namespace (never mutated). */
  readonly namespace: string;
  /** Either a URL (a webhook outside the cluster) or a Service. */
  readonly url?: string;
  readonly service?: { readonly name: string; readonly namespace: string; readonly port: number };
  /** PEM of the CA that signed the serving certificate; omitted with certManager. */
  readonly caBundlePem?: string;
  /** `<namespace>/<certificate>`: cert-manager's cainjector fills caBundle from that Certificate. */
  readonly certManagerCertificate?: string;
  readonly timeoutSeconds?: number;
  readonly failurePolicy?: 'Ignore' | 'Fail';
  readonly excludedNamespaces?: readonly string[];
  /**
   * matchConditions on the two namespace entries (default true). With false, every pod create in
   * an opted-in namespace is sent to the webhook, which applies the same two rules itself
   * (policy.ts: an opt-out annotation wins; a pod with nothing to fix comes back unchanged).
   * For any matchCondition the apiserver first converts the whole pod to unstructured
   * (k8s.io/apiserver pkg/admission/plugin/cel/activation.go, newActivation): 0.35–0.45 ms at
   * the median for a pod it calls us for anyway (docs/webhook.md, Speed). A saving where nearly
   * every pod has several containers (a mesh), a loss where many have one. The pod-annotation
   * entry keeps its conditions, which are its opt-in.
   */
  readonly namespaceMatchConditions?: boolean;
}

const OPTED_OUT_VALUES = "['disabled', 'false', 'off']";
const OPTED_IN_VALUES = "['enabled', 'true', 'on', 'warn']";
const ann = `object.metadata.annotations['${OPT_KEY}']`;
const hasAnn = `has(object.metadata.annotations) && '${OPT_KEY}' in object.metadata.annotations`;

export const MATCH_CONDITIONS = {
  notOptedOut: { name: 'not-opted-out', expression: `!(${hasAnn}) || !(${ann}.lowerAscii() in ${OPTED_OUT_VALUES})` },
  hasCandidates: { name: 'has-sidecar-candidates', expression: 'object.spec.containers.size() > 1 || (has(object.spec.initContainers) && object.spec.initContainers.size() > 0)' },
  podOptedIn: { name: 'pod-opted-in', expression: `${hasAnn} && ${ann}.lowerAscii() in ${OPTED_IN_VALUES}` },
  workloadNotOptedOut: { name: 'not-opted-out', expression: `!(${hasAnn}) || !(${ann}.lowerAscii() in ${OPTED_OUT_VALUES})` },
} as const;

function checked(o: WebhookConfigOptions) {
  if (!o.url === !o.service) throw new Error('give either a URL or a Service for the webhook');
  if (o.timeoutSeconds !== undefined && !(Number.isInteger(o.timeoutSeconds) && o.timeoutSeconds >= 1 && o.timeoutSeconds <= 30)) {
    throw new Error(`timeoutSeconds must be an integer from 1 to 30 (admissionregistration.k8s.io/v1 validation), got ${o.timeoutSeconds}`);
  }
  const excluded = [...new Set(['kube-system', o.namespace, ...(o.excludedNamespaces ?? [])])];
  const clientConfig = (path: string) => Object.assign(
    o.url ? { url: o.url.replace(/\/+$/, '') + path } : { service: { name: o.service!.name, namespace: o.service!.namespace, port: o.service!.port, path } },
    o.caBundlePem && !o.certManagerCertificate ? { caBundle: Buffer.from(o.caBundlePem).toString('base64') } : {},
  );
  const metadata = (name: string) => ({
    name,
    labels: { 'app.kubernetes.io/name': 'sidecarctl-webhook' },
    ...(o.certManagerCertificate ? { annotations: { 'cert-manager.io/inject-ca-from': o.certManagerCertificate } } : {}),
  });
  const notExcluded = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded };
  return { excluded, clientConfig, metadata, notExcluded };
}

/** Workload kinds whose templates are reviewed for warnings (src/core/workloads.ts BUILTIN_WORKLOADS). */
export const WORKLOAD_RULES = [
  { operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], scope: 'Namespaced' },
  { operations: ['CREATE', 'UPDATE'], apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
];

/**
 * Warnings for people who create workloads (a Job's pod is created by the Job controller, so
 * warnings about it never reach the person who wrote the Job). A *validating* configuration:
 * validating webhooks run in parallel, so this adds no serial latency, and it never patches.
 * Opt-in by namespace label only (the same label as the pods).
 */
export function workloadWarningsConfiguration(o: WebhookConfigOptions): Record<string, unknown> {
  const { clientConfig, metadata, notExcluded } = checked(o);
  const common = {
    admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: o.failurePolicy ?? 'Ignore', timeoutSeconds: o.timeoutSeconds ?? 3,
    matchPolicy: 'Equivalent', rules: WORKLOAD_RULES, matchConditions: [MATCH_CONDITIONS.workloadNotOptedOut],
  };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: metadata(`${o.name}-workloads`),
    webhooks: [
      { name: 'workloads.webhook.sidecarctl.dev', clientConfig: clientConfig('/validate'), ...common,
        namespaceSelector: { matchExpressions: [{ key: OPT_KEY, operator: 'In', values: ['enabled'] }, notExcluded] } },
      { name: 'warn-workloads.webhook.sidecarctl.dev', clientConfig: clientConfig('/validate/warn'), ...common,
        namespaceSelector: { matchExpressions: [{ key: OPT_KEY, operator: 'In', values: ['warn'] }, notExcluded] } },
    ],
  };
}

export function webhookConfiguration(o: WebhookConfigOptions): Record<string, unknown> {
  const { clientConfig, metadata, notExcluded } = checked(o);
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: o.failurePolicy ?? 'Ignore',
    timeoutSeconds: o.timeoutSeconds ?? 3,
    reinvocationPolicy: 'IfNeeded',
    matchPolicy: 'Equivalent',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
  };
  const nsConditions = o.namespaceMatchConditions === false ? {} : { matchConditions: [MATCH_CONDITIONS.notOptedOut, MATCH_CONDITIONS.hasCandidates] };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: metadata(o.name),
    webhooks: [
      { name: 'namespaces.webhook.sidecarctl.dev', clientConfig: clientConfig('/mutate'), ...common,
        namespaceSelector: { matchExpressions: [{ key: OPT_KEY, operator: 'In', values: ['enabled'] }, notExcluded] },
        ...nsConditions },
      { name: 'warn-namespaces.webhook.sidecarctl.dev', clientConfig: clientConfig('/mutate/warn'), ...common,
        namespaceSelector: { matchExpressions: [{ key: OPT_KEY, operator: 'In', values: ['warn'] }, notExcluded] },
        ...nsConditions },
      { name: 'pods.webhook.sidecarctl.dev', clientConfig: clientConfig('/mutate'), ...common,
        namespaceSelector: { matchExpressions: [{ key: OPT_KEY, operator: 'DoesNotExist' }, notExcluded] },
        matchConditions: [MATCH_CONDITIONS.podOptedIn, MATCH_CONDITIONS.hasCandidates] },
    ],
  };
}
