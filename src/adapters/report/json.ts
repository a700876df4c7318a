// `lint --format json`: exactly the contract of ../shared/spec/findings-format.md (version 1).
import type { InputError } from '../yaml/read';
import type { ReportedFinding, Skipped } from '../yaml/process';

export interface LintReport {
  readonly version: 1;
  readonly kubernetesVersion: string;
  readonly findings: readonly ReportedFinding[];
  readonly skipped: readonly Skipped[];
  readonly errors: readonly InputError[];
}

export function toJsonReport(r: LintReport): string {
  const findings = r.findings.map((f) => ({
    file: f.file,
    document: f.document,
    line: f.line,
    column: f.column,
    object: f.object,
    podPath: f.podPath,
    container: f.container ?? null,
    rule: f.rule,
    category: f.category,
    severity: f.severity,
    message: f.message,
    fix: f.fix,
    ...(f.evidence ? { evidence: f.evidence } : {}),
  }));
  const errors = r.errors.map((e) => ({ file: e.file, ...(e.document !== undefined ? { document: e.document } : {}), line: e.line, column: e.column, message: e.message }));
  return JSON.stringify({ version: 1, kubernetesVersion: r.kubernetesVersion, findings, skipped: r.skipped, errors }, null, 2) + '\n';
}
