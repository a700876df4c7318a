// `.sidecarctl.yaml` (or --config FILE): enable/disable rules, default target version, fail level.
//   kubernetesVersion: "1.30"
//   failOn: warning
//   rules:
//     disable: [sidecar-shutdown-order]
//     enable: [...]          # with `onlyEnabled: true`, run only these
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALL_RULES } from '../core/rules/index';
import { CliError } from './context';

export interface SidecarctlConfig {
  readonly kubernetesVersion?: string;
  readonly failOn?: 'error' | 'warning' | 'info' | 'none';
  readonly disabledRules: ReadonlySet<string>;
}

export async function loadConfig(opts: { cwd: string; path?: string | undefined }): Promise<SidecarctlConfig> {
  const file = opts.path ?? join(opts.cwd, '.sidecarctl.yaml');
  let text: string;
  try { text = await readFile(opts.path ? join(opts.cwd, opts.path) : file, 'utf8'); } catch (e) {
    if (opts.path) throw new CliError(`cannot read config ${opts.path}: ${(e as Error).message}`);
    return { disabledRules: new Set() };
  }
  let raw: unknown;
  try { raw = parse(text, { maxAliasCount: 50 }); } catch (e) { throw new CliError(`config ${file}: invalid YAML: ${(e as Error).message}`); }
  const cfg = (raw ?? {}) as Record<string, unknown>;
  const rules = (cfg.rules ?? {}) as Record<string, unknown>;
  const ids = new Set(ALL_RULES.map((r) => r.id));
  const list = (k: string) => {
    const v = rules[k] ?? [];
    if (!Array.isArray(v)) throw new CliError(`config ${file}: rules.${k} must be a list of rule ids`);
    for (const id of v) if (!ids.has(String(id))) throw new CliError(`config ${file}: rules.${k}: unknown rule "${id}" (see \`sidecarctl explain --list\`)`);
    return v.map(String);
  };
  const disable = new Set(list('disable'));
  const enable = list('enable');
  if (rules.onlyEnabled === true) for (const id of ids) if (!enable.includes(id)) disable.add(id);
  for (const id of enable) disable.delete(id);
  const failOn = cfg.failOn as SidecarctlConfig['failOn'];
  if (failOn !== undefined && !['error', 'warning', 'info', 'none'].includes(String(failOn))) throw new CliError(`config ${file}: failOn must be error, warning, info or none`);
  return { ...(typeof cfg.kubernetesVersion === 'string' || typeof cfg.kubernetesVersion === 'number' ? { kubernetesVersion: String(cfg.kubernetesVersion) } : {}), ...(failOn ? { failOn } : {}), disabledRules: disable };
}
