// Every rule, in report order. `sidecarctl explain <id>` and the SARIF driver read this list.
import { lifecycleRules } from './lifecycle';
import { orderingRules } from './ordering';
import { probeRules } from './probes';
import type { Rule } from './rule';
import { versionRules } from './versions';
import { workaroundRules } from './workarounds';

export type { Rule, RuleContext, RuleHit } from './rule';

export const ALL_RULES: readonly Rule[] = [...lifecycleRules, ...probeRules, ...workaroundRules, ...versionRules, ...orderingRules];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
