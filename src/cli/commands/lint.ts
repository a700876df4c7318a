// `sidecarctl lint`: report sidecar lifecycle hazards. Exit 0 clean, 1 findings at or above
// --fail-on, 2 usage/input errors.
import type { Command } from 'commander';
import { toJsonReport, type LintReport } from '../../adapters/report/json';
import { toSarif } from '../../adapters/report/sarif';
import { toTextReport } from '../../adapters/report/text';
import { processText, type FindingEvidence, type ReportedFinding, type Skipped } from '../../adapters/yaml/process';
import { applyChanges } from '../../core/apply';
import type { PodSite } from '../../core/workloads';
import type { PodModel } from '../../core/pod-model';
import type { Analysis } from '../../core/analyze';
import { simulateForEvidence } from '../../simulator/evidence';
import type { InputError } from '../../adapters/yaml/read';
import { formatKubeVersion } from '../../core/kube-version';
import { ALL_RULES } from '../../core/rules/index';
import { SEVERITY_RANK, type Severity } from '../../core/types';
import { CliError, ExitCode, type CliContext } from '../context';
import { gatherInputs } from '../inputs';
import { addCommonOptions, resolveSettings, type CommonFlags } from '../settings';
import { VERSION } from '../version';

interface LintFlags extends CommonFlags { format: string; failOn?: string; explain?: boolean }

/** `--explain`: simulate each pod with lifecycle findings as written and as `fix` would leave it. */
function simulatedEvidence(kubeVersion: string) {
  return (site: PodSite, { model, changes }: Analysis): FindingEvidence => {
    const helpers = stopHelperBehaviors(model);
    const run = (spec: PodSite['spec']) => {
      try {
        const present = new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name));
        const behaviors = Object.fromEntries(Object.entries(helpers).filter(([n]) => present.has(n)));
        return simulateForEvidence({ pod: spec, kubernetesVersion: kubeVersion, lifetime: site.lifetime, behaviors }).summary;
      } catch (e) {
        return `not simulated: ${(e as Error).message}`;
      }
    };
    const before = run(site.spec);
    return changes.length ? { before, after: run(applyChanges(site.spec, changes)) } : { before };
  };
}

/**
 * A stop helper (`sleep 25; curl -X POST localhost:9091/quitquitquit`, sleep-then-kill) ends
 * the sidecars in `containers` after its sleeps: the model has no HTTP or signals between
 * containers, so the helper and those sidecars are given that run time.
 */
function stopHelperBehaviors(model: PodModel): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const h of model.containers) {
    if (h.role !== 'stop-helper' || !h.script || !(h.script.quitCalls.length || h.script.kills)) continue;
    const seconds = h.script.commands
      .filter((c) => c[0]?.replace(/^.*\//, '') === 'sleep')
      .reduce((sum, c) => sum + (Number.parseFloat(c[1] ?? '') || 0), 0);
    out[h.ref.name] = { run: `${seconds}s`, exitCode: 0 };
    for (const s of model.containers) if (s.role === 'sidecar' && !s.native) out[s.ref.name] = { ...(out[s.ref.name] ?? {}), run: `${seconds}s`, exitCode: 0 };
  }
  return out;
}

export function register(program: Command, ctx: CliContext): void {
  addCommonOptions(program.command('lint').description('find sidecar lifecycle hazards in manifests (files, directories, globs, - for stdin)'))
    .argument('[paths...]', 'manifest files, directories or globs; - reads stdin')
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: error, warning, info or none')
    .option('--explain', 'simulate pods with lifecycle findings (as written and after fix) and show what happens')
    .action(async (paths: string[], flags: LintFlags) => {
      if (!['text', 'json', 'sarif'].includes(flags.format)) throw new CliError(`--format: "${flags.format}" is not one of text, json, sarif`);
      const s = await resolveSettings(flags, ctx);
      const failOn = (flags.failOn ?? s.failOn ?? 'error') as Severity | 'none';
      if (!['error', 'warning', 'info', 'none'].includes(failOn)) throw new CliError(`--fail-on: "${failOn}" is not one of error, warning, info, none`);
      const { inputs, errors: readErrors } = await gatherInputs(paths, { cwd: ctx.cwd, stdin: ctx.io.stdin, maxBytes: s.maxBytes });
      const findings: ReportedFinding[] = [];
      const skipped: Skipped[] = [];
      const errors: InputError[] = [...readErrors];
      const evidence = flags.explain ? simulatedEvidence(formatKubeVersion(s.kubeVersion)) : undefined;
      for (const input of inputs) {
        const r = processText(input.file, input.text, { kubeVersion: s.kubeVersion, catalog: s.catalog, disabledRules: s.disabledRules, ...(evidence ? { evidence } : {}) });
        findings.push(...r.findings);
        skipped.push(...r.skipped);
        errors.push(...r.errors);
      }
      const report: LintReport = { version: 1, kubernetesVersion: formatKubeVersion(s.kubeVersion), findings, skipped, errors };
      const out = flags.format === 'json' ? toJsonReport(report) : flags.format === 'sarif' ? toSarif(report, ALL_RULES, VERSION) : toTextReport(report, { color: ctx.color, explainHint: true });
      ctx.io.stdout.write(out);
      if (errors.length) ctx.setExitCode(ExitCode.usage);
      else if (failOn !== 'none' && findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) ctx.setExitCode(ExitCode.findings);
    });
}
