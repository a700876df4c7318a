// SARIF 2.1.0 for GitHub code scanning: one run, rule metadata in tool.driver.rules, results
// with physicalLocation (1-based line/column, as SARIF requires) and a stable fingerprint.
import { createHash } from 'node:crypto';
import type { Rule } from '../../core/rules/rule';
import type { LintReport } from './json';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(r: LintReport, rules: readonly Rule[], toolVersion: string): string {
  const used = rules;
  const index = new Map(used.map((rule, i) => [rule.id, i]));
  const results = r.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule) ?? -1,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: f.file.replace(/\\/g, '/'), uriBaseId: '%SRCROOT%' },
        region: { startLine: f.line, startColumn: f.column },
      },
      logicalLocations: [{ fullyQualifiedName: `${f.object.kind ?? ''}/${f.object.name ?? ''}/${f.podPath}${f.container ? `/${f.container}` : ''}`, kind: 'object' }],
    }],
    partialFingerprints: { sidecarctlFinding: createHash('sha256').update(`${f.rule}|${f.file}|${f.document}|${f.podPath}|${f.container ?? ''}`).digest('hex').slice(0, 32) },
    properties: { category: f.category, fix: f.fix, document: f.document },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'sidecarctl',
          version: toolVersion,
          informationUri: 'https://github.com/sidecarctl/sidecarctl',
          rules: used.map((rule) => ({
            id: rule.id,
            name: rule.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
            shortDescription: { text: rule.summary },
            fullDescription: { text: rule.explain.replace(/\s*\n\s*/g, ' ') },
            helpUri: rule.links[0],
            help: { text: `${rule.explain}\n\n${rule.links.join('\n')}` },
            defaultConfiguration: { level: LEVEL[rule.severity] },
            properties: { category: rule.category, tags: ['kubernetes', 'sidecar', rule.category] },
          })),
        },
      },
      results,
      invocations: [{ executionSuccessful: r.errors.length === 0, toolExecutionNotifications: r.errors.map((e) => ({ level: 'error', message: { text: e.message }, locations: [{ physicalLocation: { artifactLocation: { uri: e.file }, region: { startLine: e.line, startColumn: e.column } } }] })) }],
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
