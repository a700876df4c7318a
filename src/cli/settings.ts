// Options shared by lint and fix, resolved once per invocation: flags over config over defaults.
import type { Command } from 'commander';
import { defaultCatalog } from '../catalog/index';
import type { Catalog } from '../catalog/types';
import { DEFAULT_KUBE_VERSION, formatKubeVersion, parseKubeVersion } from '../core/kube-version';
import { ALL_RULES } from '../core/rules/index';
import type { KubeVersion } from '../core/types';
import { DEFAULT_MAX_BYTES } from '../adapters/yaml/read';
import { loadConfig } from './config';
import { CliError, type CliContext } from './context';

export interface CommonFlags { kubeVersion?: string; config?: string; disable?: string[]; maxBytes?: string }

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--kube-version <version>', `target Kubernetes version (e.g. 1.28, 1.30.2); default ${formatKubeVersion(DEFAULT_KUBE_VERSION)} or the config file's`)
    .option('--config <file>', 'config file (default: .sidecarctl.yaml in the current directory, if present)')
    .option('--disable <rule>', 'disable a rule (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--max-bytes <n>', `largest input accepted, in bytes (default ${DEFAULT_MAX_BYTES})`);
}

export interface Settings {
  readonly kubeVersion: KubeVersion;
  readonly catalog: Catalog;
  readonly disabledRules: ReadonlySet<string>;
  readonly maxBytes: number;
  readonly failOn?: 'error' | 'warning' | 'info' | 'none';
}

export async function resolveSettings(flags: CommonFlags, ctx: CliContext): Promise<Settings> {
  const cfg = await loadConfig({ cwd: ctx.cwd, path: flags.config ?? ctx.env.SIDECARCTL_CONFIG });
  const vText = flags.kubeVersion ?? cfg.kubernetesVersion;
  const kubeVersion = vText === undefined ? DEFAULT_KUBE_VERSION : parseKubeVersion(vText);
  if (!kubeVersion) throw new CliError(`--kube-version: "${vText}" is not a Kubernetes version (use e.g. 1.29 or v1.30.4)`);
  const ids = new Set(ALL_RULES.map((r) => r.id));
  const disabled = new Set(cfg.disabledRules);
  for (const d of flags.disable ?? []) {
    if (!ids.has(d)) throw new CliError(`--disable: unknown rule "${d}" (see \`sidecarctl explain --list\`)`);
    disabled.add(d);
  }
  const maxBytes = flags.maxBytes === undefined ? DEFAULT_MAX_BYTES : Number(flags.maxBytes);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new CliError(`--max-bytes: "${flags.maxBytes}" is not a positive integer`);
  return { kubeVersion, catalog: defaultCatalog, disabledRules: disabled, maxBytes, ...(cfg.failOn ? { failOn: cfg.failOn } : {}) };
}
