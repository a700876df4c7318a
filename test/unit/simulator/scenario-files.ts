// The scenario files every simulator test runs over: the shared ones (../shared/scenarios,
// re-encodings of Kubernetes' node e2e tests) and the project's own (scenarios/).
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const SCENARIO_DIRS = ['../shared/scenarios', 'scenarios'];

export function scenarioFiles(): string[] {
  const out: string[] = [];
  for (const dir of SCENARIO_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) out.push(join(dir, f));
  }
  return out;
}
