// `sidecarctl simulate <scenario.yaml|manifest.yaml|->`: run a pod through the kubelet model
// (src/simulator) and show its timeline. Exit 0 when every `expect` assertion holds (or there is
// none), 1 when one fails, 2 for malformed input.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import {
  ScenarioError, looksLikeScenario, parseBehaviorFlag, validateScenario, parseDuration,
  DEFAULT_SCENARIO_KUBERNETES_VERSION, type ParsedScenario,
} from '../../scenario/index';
import { simulate, toResultJson, parseVersion } from '../../simulator/index';
import { choosePod, podChoices, scenarioFromPodSpec } from '../../simulator/from-manifest';
import { renderTerminal } from '../../simulator/render/terminal';
import { renderHtml } from '../../simulator/render/html';
import { DEFAULT_KUBE_VERSION, formatKubeVersion } from '../../core/kube-version';
import { CliError, ExitCode, type CliContext } from '../context';
import { gatherInputs, writeFileAtomic } from '../inputs';

interface SimulateFlags {
  format: string;
  output?: string;
  kubeVersion?: string;
  behavior: string[];
  container?: string;
  podIndex?: string;
  observeFor?: string;
}

const MAX_BYTES = 4 * 1024 * 1024;

export function register(program: Command, ctx: CliContext): void {
  program.command('simulate')
    .description('simulate how the kubelet starts, probes, restarts and stops a pod (scenario file, manifest, or - for stdin)')
    .argument('<input>', 'a scenario file (kind: Scenario), a manifest with a pod template, or - for stdin')
    .option('-f, --format <format>', 'text, json or html', 'text')
    .option('-o, --output <file>', 'write the output to this file (atomically) instead of stdout')
    .option('--kube-version <version>', `kubelet version to model, e.g. 1.28, 1.30.3 (default: a scenario's own, ${DEFAULT_SCENARIO_KUBERNETES_VERSION} for scenarios without one, ${formatKubeVersion(DEFAULT_KUBE_VERSION)} for manifests like lint)`)
    .option('--behavior <name=key:value,...>', 'behaviour of a container, e.g. app=startDelay:1s,run:10s,exitCode:1,needs:proxy+db (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--container <name>', 'with several pod templates: the one that has this container')
    .option('--pod-index <n>', 'with several pod templates: the n-th (0-based)')
    .option('--observe-for <duration>', 'how long to watch a pod that never ends (default 2m)')
    .action(async (input: string, flags: SimulateFlags) => {
      if (!['text', 'json', 'html'].includes(flags.format)) throw new CliError(`--format: "${flags.format}" is not one of text, json, html`);
      if (flags.kubeVersion !== undefined && !parseVersion(flags.kubeVersion)) throw new CliError(`--kube-version: "${flags.kubeVersion}" is not a Kubernetes version (e.g. 1.33 or 1.30.3)`);
      if (flags.observeFor !== undefined) {
        const d = parseDuration(flags.observeFor);
        if (d === undefined || !Number.isFinite(d)) throw new CliError(`--observe-for: "${flags.observeFor}" is not a duration (use 30s, 2m, 10m)`);
      }
      let podIndex: number | undefined;
      if (flags.podIndex !== undefined) {
        if (!/^\d+$/.test(flags.podIndex)) throw new CliError(`--pod-index: "${flags.podIndex}" is not a number`);
        podIndex = Number(flags.podIndex);
      }
      const { inputs, errors } = await gatherInputs([input], { cwd: ctx.cwd, stdin: ctx.io.stdin, maxBytes: MAX_BYTES });
      if (errors.length) throw new CliError(errors.map((e) => `${e.file}: ${e.message}`).join('\n'));
      if (inputs.length !== 1) throw new CliError(`${input}: expected one file`);
      const { file, text } = inputs[0]!;

      let parsed: ParsedScenario;
      let notes: string[] = [];
      try {
        const r = load(file, text, flags, podIndex);
        parsed = r.parsed;
        notes = r.notes;
      } catch (e) {
        if (e instanceof ScenarioError) throw new CliError(e.message.startsWith(file) ? e.message : `${file}: ${e.message}`, ExitCode.usage);
        throw e;
      }
      for (const w of [...parsed.warnings, ...notes]) ctx.io.stderr.write(`sidecarctl: ${w}\n`);

      const result = simulate(parsed.scenario, flags.kubeVersion ? { kubernetesVersion: flags.kubeVersion } : {});
      let out: string;
      if (flags.format === 'json') out = `${JSON.stringify(toResultJson(result), null, 2)}\n`;
      else if (flags.format === 'html') out = renderHtml(result);
      else out = renderTerminal(result, { color: flags.output ? false : ctx.color });
      if (flags.output) await writeFileAtomic(resolve(ctx.cwd, flags.output), out);
      else ctx.io.stdout.write(out);
      if (result.assertions.some((a) => !a.holds)) ctx.setExitCode(ExitCode.findings);
    });
}

/** A scenario file as is, or a manifest's pod template turned into a scenario; `--behavior` flags override. */
function load(file: string, text: string, flags: SimulateFlags, podIndex: number | undefined): { parsed: ParsedScenario; notes: string[] } {
  const docs = parseAllDocuments(text);
  const list = (Array.isArray(docs) ? docs : [docs]).filter((d) => d.contents !== null);
  for (const d of list) {
    if (d.errors.length) throw new ScenarioError(d.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}` })), file);
  }
  const data = list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const f of flags.behavior) {
    const { name, raw } = parseBehaviorFlag(f);
    overrides[name] = { ...(overrides[name] ?? {}), ...raw };
  }
  if (data.length === 1 && looksLikeScenario(data[0])) {
    const raw = { ...(data[0] as Record<string, unknown>) };
    if (Object.keys(overrides).length) {
      const b = (raw['behavior'] && typeof raw['behavior'] === 'object' ? raw['behavior'] : {}) as Record<string, Record<string, unknown>>;
      const merged: Record<string, unknown> = { ...b };
      for (const [n, o] of Object.entries(overrides)) merged[n] = { ...(b[n] ?? {}), ...o };
      raw['behavior'] = merged;
    }
    if (flags.observeFor) raw['observeFor'] = flags.observeFor;
    return { parsed: validateScenario(raw, { source: file }), notes: [] };
  }
  if (data.some((d) => looksLikeScenario(d))) throw new ScenarioError([{ path: '', message: 'a scenario file holds exactly one Scenario document' }], file);
  const choice = choosePod(podChoices(data), { ...(podIndex !== undefined ? { podIndex } : {}), ...(flags.container !== undefined ? { container: flags.container } : {}) });
  const r = scenarioFromPodSpec(choice.site.spec, { name: choice.site.object.name ?? 'pod' }, {
    kubernetesVersion: flags.kubeVersion ?? formatKubeVersion(DEFAULT_KUBE_VERSION),
    behaviors: overrides,
    name: choice.label,
    lifetime: choice.site.lifetime,
    ...(flags.observeFor ? { observeFor: flags.observeFor } : {}),
  });
  return { parsed: r, notes: r.notes.map((n) => `assumed for ${n.container}: ${n.note}`) };
}
