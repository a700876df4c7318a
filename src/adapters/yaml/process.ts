// One manifest file in, findings / fixed text out. Pure (text in, data out): the CLI, the Helm
// post-renderer path (stdin → stdout) and tests share it.
import type { Catalog } from '../../catalog/types';
import { analyzeSite, type Analysis } from '../../core/analyze';
import type { Change, Finding, KubeVersion, Path } from '../../core/types';
import { findPodSites, type ObjectRef, type PodSite, type WorkloadRegistry, defaultWorkloadRegistry } from '../../core/workloads';
import { editDocumentText, EditError } from './edit';
import type { LineCounter } from 'yaml';
import { parseManifestText, positionOf, streamManifestText, type InputError, type ParsedDocument, type ParsedFile } from './read';

/**
 * `lint --explain`: what the kubelet model says happens to the pod as written, and after
 * `sidecarctl fix` (an extension of the findings contract: an optional field).
 */
export type FindingEvidence = NonNullable<Finding['evidence']>;

export interface ReportedFinding extends Finding {
  readonly file: string;
  readonly document: number;
  readonly line: number;
  readonly column: number;
  readonly object: ObjectRef;
  readonly podPath: string;
}

export interface Skipped {
  readonly file: string;
  readonly document: number;
  readonly reason: string;
}

export interface ProcessOptions {
  readonly kubeVersion: KubeVersion;
  readonly catalog: Catalog;
  readonly disabledRules?: ReadonlySet<string>;
  readonly workloads?: WorkloadRegistry;
  /**
   * Simulated evidence for lifecycle findings (`lint --explain`). Injected so this module stays
   * free of the simulator: (the site and its analysis: pod model, changes) → one-line summaries.
   */
  readonly evidence?: (site: PodSite, analysis: Analysis) => FindingEvidence;
}

/** Categories whose claim is about timing, so a simulation can show it. */
const EVIDENCE_CATEGORIES = new Set(['startup-race', 'job-never-completes', 'shutdown-order', 'missing-startup-probe']);

export interface FileResult {
  readonly file: string;
  readonly findings: readonly ReportedFinding[];
  readonly skipped: readonly Skipped[];
  readonly errors: readonly InputError[];
  /** Changes per document index and pod path. */
  readonly changes: readonly { readonly document: number; readonly podPath: Path; readonly changes: readonly Change[] }[];
}

/** `['spec','template','spec']` → `spec.template.spec`; `['items',2,'spec']` → `items[2].spec`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

interface Collected {
  findings: ReportedFinding[];
  skipped: Skipped[];
  changes: { document: number; podPath: Path; changes: Change[] }[];
}

const collected = (): Collected => ({ findings: [], skipped: [], changes: [] });

/** Findings (with positions), skips and changes of one document, added to `out`. */
function analyzeDocument(file: string, d: ParsedDocument, lineCounter: LineCounter, opts: ProcessOptions, out: Collected): void {
  if (d.data === null || d.data === undefined) return;
  const { sites, skipped: sk } = findPodSites(d.data, opts.workloads ?? defaultWorkloadRegistry);
  for (const s of sk) out.skipped.push({ file, document: d.index, reason: `${s.object.kind ?? 'object'} ${s.object.name ?? ''}: ${s.reason}`.replace('  ', ' ') });
  for (const site of sites) {
    const a = analyzeSite(site, { kubeVersion: opts.kubeVersion, catalog: opts.catalog, ...(opts.disabledRules ? { disabledRules: opts.disabledRules } : {}) });
    let evidence: FindingEvidence | undefined;
    if (opts.evidence && a.findings.some((f) => EVIDENCE_CATEGORIES.has(f.category))) evidence = opts.evidence(site, a);
    for (const f of a.findings) {
      const pos = positionOf(lineCounter, d, f.path);
      const ev = evidence && EVIDENCE_CATEGORIES.has(f.category) ? { evidence } : {};
      out.findings.push({ ...f, ...ev, file, document: d.index, line: pos.line, column: pos.column, object: site.object, podPath: formatPath(site.podPath) });
    }
    if (a.changes.length) out.changes.push({ document: d.index, podPath: site.podPath, changes: [...a.changes] });
  }
}

/** Lint one file: documents are read and analysed one at a time (streamManifestText). */
export function processText(file: string, text: string, opts: ProcessOptions): FileResult {
  let out = collected();
  const { errors } = streamManifestText(file, text, {
    document: (d, lineCounter) => analyzeDocument(file, d, lineCounter, opts, out),
    restart: () => (out = collected()),
  });
  return { file, ...out, errors };
}

export interface FixResult extends FileResult {
  /** The documents read, which the edits are made against. */
  readonly parsed: ParsedFile;
  /** The fixed text (equal to the input when nothing changed or input errors prevent a fix). */
  readonly output: string;
  readonly changed: boolean;
}

/**
 * Fixes a whole file. Documents are edited independently from the last to the first so offsets
 * stay valid; a file with input errors is returned unchanged (never half-fixed).
 */
export function fixText(file: string, text: string, opts: ProcessOptions): FixResult {
  const parsed = parseManifestText(file, text);
  const out = collected();
  for (const d of parsed.documents) analyzeDocument(file, d, parsed.lineCounter, opts, out);
  const r = { file, ...out, errors: parsed.errors, parsed };
  if (r.errors.length || r.changes.length === 0) return { ...r, output: text, changed: false };
  const byDoc = new Map<number, { podPath: Path; changes: readonly Change[] }[]>();
  for (const c of r.changes) byDoc.set(c.document, [...(byDoc.get(c.document) ?? []), c]);
  let output = text;
  const docs = [...r.parsed.documents].sort((a, b) => b.index - a.index);
  const errors: InputError[] = [];
  for (const d of docs) {
    const edits = byDoc.get(d.index);
    if (!edits) continue;
    const [start, , end] = d.doc.range;
    let slice = output.slice(start, end);
    try {
      // several pod templates in one document (KubeRay): apply each against fresh data
      for (const e of edits) {
        const data = parseManifestText(file, slice).documents[0]?.data;
        let spec: unknown = data;
        for (const seg of e.podPath) spec = (spec as Record<string | number, unknown> | undefined)?.[seg as string];
        slice = editDocumentText(slice, e.podPath, spec as never, e.changes);
      }
      output = output.slice(0, start) + slice + output.slice(end);
    } catch (err) {
      if (!(err instanceof EditError)) throw err;
      const pos = r.parsed.lineCounter.linePos(start);
      errors.push({ file, document: d.index, line: pos.line, column: pos.col, message: `cannot fix: ${err.message}` });
    }
  }
  if (errors.length) return { ...r, errors: [...r.errors, ...errors], output: text, changed: false };
  return { ...r, output, changed: output !== text };
}
