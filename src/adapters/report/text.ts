// The human report: grouped by file and object, coloured only when allowed (NO_COLOR, non-TTY).
import type { LintReport } from './json';
import type { ReportedFinding } from '../yaml/process';

export interface Paint {
  red(s: string): string; yellow(s: string): string; blue(s: string): string; dim(s: string): string; bold(s: string): string; green(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), yellow: wrap(33, 39), blue: wrap(34, 39), dim: wrap(2, 22), bold: wrap(1, 22), green: wrap(32, 39) };
}

export function toTextReport(r: LintReport, opts: { color: boolean; explainHint?: boolean }): string {
  const p = paint(opts.color);
  const sev = (s: ReportedFinding['severity']) => (s === 'error' ? p.red('error  ') : s === 'warning' ? p.yellow('warning') : p.blue('info   '));
  const lines: string[] = [];
  const byFile = new Map<string, ReportedFinding[]>();
  for (const f of r.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, fs] of byFile) {
    lines.push(p.bold(file));
    let lastObj = '';
    let lastEvidence: ReportedFinding['evidence'];
    for (const f of fs.sort((a, b) => a.document - b.document || a.line - b.line || a.column - b.column)) {
      const obj = `${f.object.kind ?? '?'}/${f.object.name ?? '?'}${f.document ? ` (document ${f.document})` : ''}`;
      if (obj !== lastObj) { lines.push(`  ${p.dim(obj)}`); lastObj = obj; }
      const fix = f.fix === 'auto' ? p.green(' [fixable]') : f.fix === 'manual' ? p.dim(' [manual]') : '';
      lines.push(`    ${p.dim(`${f.line}:${f.column}`.padEnd(7))} ${sev(f.severity)} ${f.message} ${p.dim(f.rule)}${fix}`);
      if (f.evidence && f.evidence !== lastEvidence) {
        lines.push(`            ${p.dim('simulated as written:')} ${f.evidence.before}`);
        if (f.evidence.after) lines.push(`            ${p.dim('simulated after fix: ')} ${f.evidence.after}`);
      }
      lastEvidence = f.evidence;
    }
    lines.push('');
  }
  for (const e of r.errors) lines.push(`${p.red('error')} ${e.file}:${e.line}:${e.column}: ${e.message}`);
  for (const s of r.skipped) lines.push(`${p.dim('skipped')} ${s.file} (document ${s.document}): ${s.reason}`);
  const count = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const fixable = r.findings.filter((f) => f.fix === 'auto').length;
  const summary = r.findings.length === 0 && r.errors.length === 0
    ? p.green('no sidecar lifecycle hazards found')
    : `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info; ${fixable} fixable with \`sidecarctl fix\`${r.errors.length ? `; ${r.errors.length} input error(s)` : ''}`;
  lines.push(`${summary} ${p.dim(`(target Kubernetes ${r.kubernetesVersion})`)}`);
  if (opts.explainHint && r.findings.length) lines.push(p.dim('run `sidecarctl explain <rule>` for why a rule matters and what fix does'));
  return lines.join('\n') + '\n';
}
