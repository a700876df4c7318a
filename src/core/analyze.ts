// analyze(site, context) → Finding[]: runs the rules on one pod spec. Pure.
import type { Catalog } from '../catalog/types';
import { planModel } from './plan';
import { buildPodModel, type PodModel } from './pod-model';
import { ALL_RULES, type Rule } from './rules/index';
import type { Change, Finding, KubeVersion } from './types';
import type { PodSite } from './workloads';

export interface AnalyzeContext {
  readonly kubeVersion: KubeVersion;
  readonly catalog: Catalog;
  readonly rules?: readonly Rule[];
  readonly disabledRules?: ReadonlySet<string>;
}

export interface Analysis {
  readonly model: PodModel;
  readonly findings: readonly Finding[];
  readonly changes: readonly Change[];
  /** Findings silenced by `ignore-check.sidecarctl.dev/<rule>` annotations, with the reason given. */
  readonly suppressed: readonly { readonly finding: Finding; readonly reason: string }[];
}

/** kube-linter's convention: `ignore-check.kube-linter.io/<check>: "<reason>"`. */
export const SUPPRESS_PREFIX = 'ignore-check.sidecarctl.dev/';

function containerPath(model: PodModel, name: string | undefined): (string | number)[] {
  if (!name) return [];
  const info = model.byName.get(name);
  return info ? [info.ref.list, info.ref.index] : [];
}

export function analyzeSite(site: PodSite, ctx: AnalyzeContext): Analysis {
  const model = buildPodModel(site, ctx.catalog);
  const changes = planOf(model, ctx);
  return { model, changes, ...checkModel(model, changes, ctx) };
}

/** The plan of a built model under this context (the other half of `analyzeSite`). */
export function planOf(model: PodModel, ctx: AnalyzeContext): Change[] {
  return planModel(model, { kubeVersion: ctx.kubeVersion, catalog: ctx.catalog, disabledRules: ctx.disabledRules ?? new Set<string>() });
}

/**
 * The rules on a built model: `analyzeSite` without the model and the plan, for callers that
 * need only one of the two (the webhook plans the pod as sent, and checks the pod as it will be
 * stored). `changes` decide each finding's fix status (`auto` only when the plan does it).
 */
export function checkModel(model: PodModel, changes: readonly Change[], ctx: AnalyzeContext): Pick<Analysis, 'findings' | 'suppressed'> {
  const site = model.site;
  const disabled = ctx.disabledRules ?? new Set<string>();
  const rules = (ctx.rules ?? ALL_RULES).filter((r) => !disabled.has(r.id));
  const findings: Finding[] = [];
  const suppressed: { finding: Finding; reason: string }[] = [];
  for (const rule of rules) {
    for (const hit of rule.check({ model, kubeVersion: ctx.kubeVersion })) {
      const wanted = hit.fix ?? rule.fix;
      // `auto` only when the plan really changes this container for this rule: the finding
      // promises what `fix` does, never more.
      const planned = changes.some((c) => c.container === hit.container && (c.rule === rule.id || (rule.category === 'job-never-completes' || rule.category === 'startup-race' || rule.category === 'shutdown-order') && c.kind === 'move-to-init'));
      const fix = wanted === 'auto' ? (planned ? 'auto' : 'manual') : wanted;
      const finding: Finding = {
        rule: rule.id,
        category: rule.category,
        severity: hit.severity ?? rule.severity,
        message: hit.message,
        fix,
        ...(hit.container ? { container: hit.container } : {}),
        path: [...site.podPath, ...containerPath(model, hit.container), ...(hit.subPath ?? [])],
      };
      const reason = site.annotations[SUPPRESS_PREFIX + rule.id] ?? site.objectAnnotations[SUPPRESS_PREFIX + rule.id] ?? site.annotations[SUPPRESS_PREFIX + 'all'];
      if (reason !== undefined) suppressed.push({ finding, reason });
      else findings.push(finding);
    }
  }
  return { findings, suppressed };
}

export function analyze(site: PodSite, ctx: AnalyzeContext): Finding[] {
  return [...analyzeSite(site, ctx).findings];
}
