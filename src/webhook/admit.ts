// AdmissionReview in, AdmissionReview out: the webhook's whole decision, pure (no I/O, no
// clock). The HTTP server (server.ts) only moves bytes and records metrics around it.
//
// Contract (admission.k8s.io/v1, kubernetes/website "Dynamic Admission Control"): the response
// echoes request.uid, carries `allowed`, and a mutation is a base64 JSONPatch with
// `patchType: JSONPatch`; `warnings` are shown by kubectl as "Warning: …". This webhook never
// denies: it is an optimisation of the pod, and refusing pods is a validating policy's job.
//
// Reinvocation (`reinvocationPolicy: IfNeeded`): when a later webhook (a mesh injector) adds a
// container, the apiserver calls us again with the pod as it is now — our earlier patch applied.
// The plan is idempotent (fix(fix(x)) == fix(x), test/unit/core/properties.test.ts), so already
// native sidecars produce no change and only what the other webhook added is planned; the
// `webhook-applied` annotation is extended, not rewritten. A second call on an unchanged pod
// returns no patch at all, so reinvocation cannot loop.
import { checkModel, planOf, type AnalyzeContext } from '../core/analyze';
import { DEFAULT_KUBE_VERSION } from '../core/kube-version';
import { buildPodModel, legacySidecarsOf, SIDECAR_LIST_ANNOTATIONS, type PodModel } from '../core/pod-model';
import type { Change, Finding, KubeVersion } from '../core/types';
import { findPodSites, type PodSite } from '../core/workloads';
import type { Catalog } from '../catalog/types';
import { applyJsonPatch, changesToJsonPatch, escapePointerToken, type JsonPatchOp } from '../adapters/jsonpatch/index';
import { withRecognitionCache } from './recognition-cache';
import { APPLIED_ANNOTATION, decide, REAPER_ANNOTATION, type Decision, type PolicySettings } from './policy';

export interface AdmitOptions extends PolicySettings {
  readonly catalog: Catalog;
  /** The version the fix targets (policy.effectiveVersion of the live cluster), undefined while unknown. */
  readonly version: KubeVersion | undefined;
  readonly disabledRules?: ReadonlySet<string>;
  /** Record what was done in the `sidecarctl.dev/webhook-applied` annotation (default true). */
  readonly annotate?: boolean;
}

export type Outcome = 'patched' | 'reaper' | 'warned' | 'unchanged' | 'skipped' | 'error' | 'bad-request';

export interface AdmitResult {
  readonly status: 200 | 400;
  /** The HTTP body: an AdmissionReview (200) or a one-line error (400). */
  readonly body: string;
  readonly outcome: Outcome;
  readonly uid?: string;
  readonly changes: readonly Change[];
  readonly patch: readonly JsonPatchOp[];
  readonly warnings: readonly string[];
  /** Why (skips, warn-only decisions, errors), for the log. */
  readonly detail?: string;
}

/** The apiserver truncates longer warnings (k8s.io/apiserver/pkg/warning: 256 runes per item, 4 KiB in all). */
export const MAX_WARNING_CHARS = 256;
export const MAX_WARNINGS = 12;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function badRequest(message: string): AdmitResult {
  return { status: 400, body: message, outcome: 'bad-request', changes: [], patch: [], warnings: [], detail: message };
}

function respond(uid: string, outcome: Outcome, patch: readonly JsonPatchOp[], warnings: readonly string[], changes: readonly Change[], detail?: string): AdmitResult {
  const response: Record<string, unknown> = { uid, allowed: true };
  if (patch.length) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  if (warnings.length) response.warnings = warnings;
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  return { status: 200, body, outcome, uid, changes, patch, warnings, ...(detail ? { detail } : {}) };
}

export function warningText(f: Finding): string {
  return clip(`sidecarctl ${f.rule}: ${f.message}`.replace(/[\r\n\t]+/g, ' '));
}

function warningsOf(findings: readonly Finding[], prefix = ''): string[] {
  const out: string[] = [];
  for (const f of findings) {
    if (f.severity === 'info') continue;
    const w = warningText(prefix ? Object.assign({}, f, { message: prefix + f.message }) : f);
    if (!out.includes(w)) out.push(w);
    if (out.length === MAX_WARNINGS) break;
  }
  return out;
}

function annotationOps(metadata: Record<string, unknown> | undefined, key: string, value: string): JsonPatchOp[] {
  if (!metadata) return [{ op: 'add', path: '/metadata', value: { annotations: { [key]: value } } }];
  if (!isRecord(metadata.annotations)) return [{ op: 'add', path: '/metadata/annotations', value: { [key]: value } }];
  return [{ op: 'add', path: `/metadata/annotations/${escapePointerToken(key)}`, value }];
}

/** `rule:container` pairs, the earlier value's first, without duplicates. */
export function appliedValue(previous: string | undefined, changes: readonly Change[]): string {
  const items = (previous ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of changes) {
    const item = `${c.rule}:${c.container}`;
    if (!items.includes(item)) items.push(item);
  }
  return items.join(',');
}

/** The analysis context of one review (a fresh recognition memo each time). */
function contextOf(opts: AdmitOptions): AnalyzeContext {
  return { kubeVersion: opts.version ?? DEFAULT_KUBE_VERSION, catalog: withRecognitionCache(opts.catalog), ...(opts.disabledRules ? { disabledRules: opts.disabledRules } : {}) };
}

// The webhook needs the plan of the pod as sent, and the findings of the pod as it will be stored
// (our patch applied: warnings cover what the fix leaves). So it runs the two halves of
// `analyzeSite` (`planOf`, `checkModel`) where each is needed — the rules on the pod as sent
// only when nothing is patched, the plan of the patched pod never — instead of two whole analyses.
const findingsOf = (model: PodModel, ctx: AnalyzeContext): readonly Finding[] => checkModel(model, [], ctx).findings;

/** The findings left once `patch` (ops under /spec/) is applied; untouched containers are shared, not copied. */
function findingsAfter(site: PodSite, patch: readonly JsonPatchOp[], ctx: AnalyzeContext): readonly Finding[] {
  const fixed: PodSite = Object.assign({}, site, { spec: applyJsonPatch({ spec: site.spec }, patch.filter((op) => op.path.startsWith('/spec/')), { copy: 'path' }).spec });
  return findingsOf(buildPodModel(fixed, ctx.catalog), ctx);
}

/** The decision for one pod (its JSON as the apiserver sent it). */
export function reviewPod(pod: Record<string, unknown>, namespace: string, opts: AdmitOptions): { outcome: Outcome; patch: JsonPatchOp[]; warnings: string[]; changes: readonly Change[]; detail?: string } {
  const metadata = isRecord(pod.metadata) ? pod.metadata : undefined;
  const site: PodSite | undefined = findPodSites(Object.assign({}, pod, { apiVersion: 'v1', kind: 'Pod' })).sites[0];
  if (!site || !Array.isArray(site.spec.containers)) return { outcome: 'skipped', patch: [], warnings: [], changes: [], detail: 'no pod spec with containers' };
  const decision: Decision = decide({ namespace, podAnnotations: site.annotations, settings: opts, version: opts.version });
  if (decision.action === 'skip') return { outcome: 'skipped', patch: [], warnings: [], changes: [], detail: decision.reason };
  const ctx = contextOf(opts);
  const model = buildPodModel(site, ctx.catalog);
  if (decision.action === 'warn') {
    const w = warningsOf(findingsOf(model, ctx));
    return { outcome: w.length ? 'warned' : 'unchanged', patch: [], warnings: w, changes: [], detail: decision.reason };
  }
  if (decision.action === 'reaper') {
    const warnings = warningsOf(findingsOf(model, ctx));
    const legacy = legacySidecarsOf(model).map((c) => c.ref.name);
    const listed = SIDECAR_LIST_ANNOTATIONS.some((k) => site.annotations[k] !== undefined);
    if (site.lifetime !== 'run-to-completion' || legacy.length === 0 || listed) return { outcome: warnings.length ? 'warned' : 'unchanged', patch: [], warnings, changes: [], detail: decision.reason };
    return { outcome: 'reaper', patch: annotationOps(metadata, REAPER_ANNOTATION, legacy.join(',')), warnings: [`sidecarctl: ${decision.reason}; annotated ${REAPER_ANNOTATION}=${legacy.join(',')} so the terminator stops them when the main containers end`, ...warnings].slice(0, MAX_WARNINGS), changes: [], detail: decision.reason };
  }
  const changes = planOf(model, ctx);
  if (changes.length === 0) {
    const w = warningsOf(findingsOf(model, ctx));
    return { outcome: w.length ? 'warned' : 'unchanged', patch: [], warnings: w, changes: [] };
  }
  const patch = changesToJsonPatch(site.spec, changes, { podPath: ['spec'] });
  if (opts.annotate ?? true) patch.push(...annotationOps(metadata, APPLIED_ANNOTATION, appliedValue(site.annotations[APPLIED_ANNOTATION], changes)));
  // Warn about what is left after the fix, not about what the fix just solved: the pod the
  // apiserver will store.
  return { outcome: 'patched', patch, warnings: warningsOf(findingsAfter(site, patch, ctx)), changes };
}

/** Parses and answers one AdmissionReview request body. Never throws. */
export function admitReviewText(text: string, opts: AdmitOptions, rc: ReviewContext = {}): AdmitResult {
  let review: unknown;
  try {
    review = JSON.parse(text);
  } catch (e) {
    return badRequest(`malformed JSON: ${(e as Error).message}`);
  }
  return admitReview(review, opts, rc);
}

/**
 * Warnings for a workload (Deployment, Job, CronJob, …) as it is created or its pod template
 * changes: its pods will be fixed at admission (said once, with what changes), and what cannot be
 * fixed. Never a patch: rewriting templates would fight whoever owns the manifest (GitOps,
 * Helm); pods are fixed where they are created, and `sidecarctl fix` fixes the source.
 * This is how people who create Jobs see the hazards: warnings on the Job's pods go to the controller.
 */
export function reviewWorkload(obj: Record<string, unknown>, old: Record<string, unknown> | undefined, namespace: string, opts: AdmitOptions): { outcome: Outcome; warnings: string[]; detail?: string } {
  // Pods are reviewed (and fixed) by reviewPod; only objects with pod templates come here.
  const sites = obj.kind === 'Pod' ? [] : findPodSites(obj).sites;
  if (!sites.length) return { outcome: 'skipped', warnings: [], detail: 'no pod template' };
  const oldSpecs = old ? findPodSites(old).sites.map((x) => JSON.stringify(x.spec)) : [];
  const ctx = contextOf(opts);
  const warnings: string[] = [];
  const what = `${String(obj.kind)}/${String(getName(obj))}`;
  for (const site of sites) {
    // An update that leaves the template alone (labels, replicas) is not worth repeating warnings.
    if (old && oldSpecs.includes(JSON.stringify(site.spec))) continue;
    const decision = decide({ namespace, podAnnotations: site.annotations, settings: opts, version: opts.version });
    if (decision.action === 'skip') continue;
    const model = buildPodModel(site, ctx.catalog);
    const changes = decision.action === 'fix' ? planOf(model, ctx) : [];
    if (changes.length) {
      const native = [...new Set(changes.filter((c) => c.kind === 'move-to-init' || (c.kind === 'set-field' && c.field === 'restartPolicy')).map((c) => c.container))];
      const removed = changes.filter((c) => c.kind === 'remove-container').map((c) => c.container);
      const probed = [...new Set(changes.filter((c) => c.kind === 'set-field' && c.field === 'startupProbe').map((c) => c.container))].filter((n) => !native.includes(n));
      const parts = [...(native.length ? [`native sidecar ${native.join(', ')}`] : []), ...(removed.length ? [`${removed.join(', ')} removed`] : []), ...(probed.length ? [`startupProbe for ${probed.join(', ')}`] : [])];
      warnings.push(clip(`sidecarctl: pods of ${what} are fixed as they are created (${parts.join('; ') || `${changes.length} change(s)`}); \`sidecarctl fix\` makes the manifest say so`));
      warnings.push(...warningsOf(findingsAfter(site, changesToJsonPatch(site.spec, changes, { podPath: ['spec'] }), ctx)));
    } else {
      warnings.push(...warningsOf(findingsOf(model, ctx)));
    }
  }
  const unique = [...new Set(warnings)].slice(0, MAX_WARNINGS);
  return { outcome: unique.length ? 'warned' : 'unchanged', warnings: unique };
}

function getName(obj: Record<string, unknown>): string {
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  return typeof md.name === 'string' ? md.name : typeof md.generateName === 'string' ? `${md.generateName}*` : '?';
}

/** A warning cut to what the apiserver keeps (MAX_WARNING_CHARS), marked with an ellipsis. */
function clip(text: string): string {
  return text.length <= MAX_WARNING_CHARS ? text : text.slice(0, MAX_WARNING_CHARS - 1) + '…';
}

export interface ReviewContext {
  /** A validating call (workload warnings): never return a patch. */
  readonly validating?: boolean;
}

export function admitReview(review: unknown, opts: AdmitOptions, rc: ReviewContext = {}): AdmitResult {
  if (!isRecord(review)) return badRequest('body is not a JSON object');
  if (review.kind !== 'AdmissionReview' || review.apiVersion !== 'admission.k8s.io/v1') {
    return badRequest(`expected an admission.k8s.io/v1 AdmissionReview, got ${String(review.apiVersion)} ${String(review.kind)}`);
  }
  const req = review.request;
  if (!isRecord(req)) return badRequest('AdmissionReview has no request');
  if (typeof req.uid !== 'string' || req.uid === '') return badRequest('AdmissionReview request has no uid');
  const uid = req.uid;
  const kind = isRecord(req.kind) ? req.kind : {};
  const sub = req.subResource !== undefined && req.subResource !== '';
  const describe = `${String(kind.kind)} ${String(req.operation)}${sub ? '/' + String(req.subResource) : ''}`;
  if (sub || !isRecord(req.object)) return respond(uid, 'skipped', [], [], [], `nothing to review (${describe})`);
  const ns = typeof req.namespace === 'string' ? req.namespace : isRecord(req.object.metadata) && typeof req.object.metadata.namespace === 'string' ? req.object.metadata.namespace : '';
  const isPod = kind.group === '' && kind.kind === 'Pod';
  try {
    if (isPod && req.operation === 'CREATE' && !rc.validating) {
      const r = reviewPod(req.object, ns, opts);
      return respond(uid, r.outcome, r.patch, r.warnings, r.changes, r.detail);
    }
    if (!isPod && (req.operation === 'CREATE' || req.operation === 'UPDATE')) {
      const r = reviewWorkload(req.object, req.operation === 'UPDATE' && isRecord(req.oldObject) ? req.oldObject : undefined, ns, opts);
      return respond(uid, r.outcome, [], r.warnings, [], r.detail);
    }
    return respond(uid, 'skipped', [], [], [], `nothing to review (${describe})`);
  } catch (e) {
    // Fail open, visibly: the object is admitted unchanged and the user is told why.
    return respond(uid, 'error', [], ['sidecarctl: could not review this object; it was admitted unchanged'], [], `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
}
