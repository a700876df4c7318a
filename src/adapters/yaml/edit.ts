// Applies Change[] to YAML *text* so that everything the changes do not touch stays
// byte-identical: other documents, other containers, comments, key order, quoting. Container
// blocks are cut and pasted as text (re-indented when their list is indented differently);
// new keys are appended as text at the container's key column. The result is parsed again and
// compared with applyChanges() on plain data; if the text splice cannot express a change
// (flow-style containers, odd layouts) the document is edited through the yaml AST instead,
// and verified the same way. Nothing half-edited is ever returned.
import { isMap, isScalar, isSeq, parseDocument, stringify, Document, Scalar, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { applyChanges } from '../../core/apply';
import type { Change, Path } from '../../core/types';
import type { PodSpec } from 'kubernetes-types/core/v1';
import { nodeAt } from './read';
import { isDeepStrictEqual } from 'node:util';

export class EditError extends Error {
  constructor(message: string) { super(message); this.name = 'EditError'; }
}

interface Block {
  readonly name: string;
  /** offset of the first line of the block (leading comments/blank lines included) */
  readonly start: number;
  /** offset just past the block's last line (newline included) */
  readonly end: number;
  readonly dashCol: number;
  readonly keyCol: number;
  readonly map: YAMLMap;
}

const lineStart = (text: string, off: number) => text.lastIndexOf('\n', off - 1) + 1;
const lineEnd = (text: string, off: number) => { const i = text.indexOf('\n', off); return i < 0 ? text.length : i + 1; };

function indentUnitOf(text: string): number {
  const m = /\n( +)\S/.exec(text);
  return m && m[1]!.length <= 4 ? m[1]!.length : 2;
}

/** Container blocks of a block sequence, or undefined when the layout is not one we splice. */
function blocksOf(text: string, seq: YAMLSeq): Block[] | undefined {
  if (seq.flow) return undefined;
  const blocks: Block[] = [];
  for (const item of seq.items) {
    if (!isMap(item) || item.flow || !item.range) return undefined;
    const keyOff = item.range[0];
    const ls = lineStart(text, keyOff);
    const before = text.slice(ls, keyOff);
    const m = /^( *)- +$/.exec(before);
    if (!m) return undefined;
    const dashCol = m[1]!.length;
    // leading comment/blank lines directly above the item belong to it
    let start = ls;
    while (start > 0) {
      const prevStart = lineStart(text, start - 1);
      const prev = text.slice(prevStart, start);
      if (/^\s*$/.test(prev) || new RegExp(`^ {${dashCol}}#`).test(prev)) start = prevStart;
      else break;
    }
    // but never take lines that belong to the previous item or the parent key
    const prevBlock = blocks[blocks.length - 1];
    if (prevBlock && start < prevBlock.end) start = prevBlock.end;
    let end = lineEnd(text, Math.max(keyOff, item.range[1] - 1));
    // trailing comment lines indented deeper than the dash are the item's own
    for (;;) {
      const nextEnd = lineEnd(text, end);
      if (nextEnd === end) break;
      const next = text.slice(end, nextEnd);
      const ind = /^( *)#/.exec(next);
      if (ind && ind[1]!.length > dashCol) end = nextEnd;
      else break;
    }
    const name = isScalar(item.get('name', true)) ? String((item.get('name', true) as Scalar).value) : '';
    blocks.push({ name, start, end, dashCol, keyCol: keyOff - ls, map: item });
  }
  // leading lines of the first block must not swallow the parent key line
  return blocks;
}

function reindent(block: string, delta: number): string {
  if (delta === 0) return block;
  return block.split('\n').map((l) => {
    if (l.trim() === '') return l;
    if (delta > 0) return ' '.repeat(delta) + l;
    const lead = /^ */.exec(l)![0].length;
    return l.slice(Math.min(lead, -delta));
  }).join('\n');
}

function yamlLines(value: unknown, col: number, unit: number, eol: string): string {
  const s = stringify(value, { indent: unit, lineWidth: 0, indentSeq: true });
  return s.replace(/\n$/, '').split('\n').map((l) => ' '.repeat(col) + l).join(eol) + eol;
}

function formatScalarLike(value: string, like: Node | undefined): string {
  const type = isScalar(like) ? like.type : undefined;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plain = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  return plain;
}

interface Splice { at: number; del: number; text: string }

/** Edits inside one container block; offsets relative to the file. */
function containerSplices(text: string, b: Block, changes: readonly Change[], unit: number, eol: string): Splice[] | undefined {
  const out: Splice[] = [];
  const appendKeys: string[] = [];
  const map = b.map;
  const child = (k: string) => map.get(k, true) as Node | undefined;
  for (const ch of changes) {
    switch (ch.kind) {
      case 'set-field': {
        const existing = child(ch.field);
        if (existing === undefined) appendKeys.push(yamlLines({ [ch.field]: ch.value }, b.keyCol, unit, eol));
        else if (isScalar(existing) && typeof ch.value === 'string' && existing.range) out.push({ at: existing.range[0], del: existing.range[1] - existing.range[0], text: formatScalarLike(ch.value, existing) });
        else return undefined;
        break;
      }
      case 'add-args': case 'add-port': case 'set-env': {
        const key = ch.kind === 'add-args' ? 'args' : ch.kind === 'add-port' ? 'ports' : 'env';
        const items: unknown[] = ch.kind === 'add-args' ? [...ch.args] : ch.kind === 'add-port' ? [ch.port] : [ch.env];
        const seq = child(key);
        if (seq === undefined) { appendKeys.push(yamlLines({ [key]: items }, b.keyCol, unit, eol)); break; }
        if (!isSeq(seq) || !seq.range) return undefined;
        if (ch.kind === 'set-env') {
          const idx = seq.items.findIndex((e) => isMap(e) && (e.get('name') as unknown) === ch.env.name);
          if (idx >= 0) {
            const item = seq.items[idx] as YAMLMap;
            const val = item.get('value', true) as Node | undefined;
            if (!isScalar(val) || !val.range || ch.env.value === undefined || item.has('valueFrom')) return undefined;
            out.push({ at: val.range[0], del: val.range[1] - val.range[0], text: formatScalarLike(ch.env.value, val) });
            break;
          }
        }
        const last = seq.items[seq.items.length - 1] as Node | undefined;
        if (seq.flow) {
          const close = text.lastIndexOf(']', seq.range[1]);
          if (close < 0 || typeof items[0] !== 'string') return undefined;
          const sep = seq.items.length ? ', ' : '';
          out.push({ at: close, del: 0, text: sep + (items as string[]).map((a) => formatScalarLike(a, last)).join(', ') });
          break;
        }
        if (!last?.range) return undefined;
        const lastLineStart = lineStart(text, last.range[0]);
        const dm = /^( *)- /.exec(text.slice(lastLineStart, last.range[0] + 1));
        if (!dm) return undefined;
        const dash = dm[1]!.length;
        const after = lineEnd(text, Math.max(last.range[0], last.range[1] - 1));
        const lines = items.map((it) => {
          if (typeof it === 'string') return `${' '.repeat(dash)}- ${formatScalarLike(it, last)}${eol}`;
          const body = yamlLines(it, dash + 2, unit, eol);
          return ' '.repeat(dash) + '- ' + body.slice(dash + 2);
        }).join('');
        out.push({ at: after, del: 0, text: lines });
        break;
      }
      case 'replace-arg': {
        const seq = child(ch.inCommand ? 'command' : 'args');
        const item = isSeq(seq) ? (seq.items[ch.index] as Node | undefined) : undefined;
        if (!isScalar(item) || !item.range) return undefined;
        out.push({ at: item.range[0], del: item.range[1] - item.range[0], text: formatScalarLike(ch.value, item) });
        break;
      }
      default:
        break;
    }
  }
  if (appendKeys.length) out.push({ at: b.end, del: 0, text: appendKeys.join('') });
  return out;
}

function applySplices(text: string, splices: Splice[]): string {
  // later offsets first; at equal offsets keep the given order by applying in reverse
  const sorted = splices.map((s, i) => ({ ...s, i })).sort((a, b) => b.at - a.at || b.i - a.i);
  let out = text;
  for (const s of sorted) out = out.slice(0, s.at) + s.text + out.slice(s.at + s.del);
  return out;
}

/** Text splice of one document; returns undefined when the layout needs the AST fallback. */
function spliceDocument(text: string, doc: Document.Parsed, podPath: Path, changes: readonly Change[], finalSpec: PodSpec): string | undefined {
  const spec = nodeAt(doc, podPath);
  if (!isMap(spec) || spec.flow) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (eol !== '\n') return undefined;
  const unit = indentUnitOf(text);
  const seqNode = (k: string) => spec.get(k, true) as Node | undefined;
  const containersSeq = seqNode('containers');
  const initSeq = seqNode('initContainers');
  if (!isSeq(containersSeq)) return undefined;
  if (initSeq !== undefined && (!isSeq(initSeq) || (initSeq.items.length === 0))) return undefined;
  const cBlocks = blocksOf(text, containersSeq);
  const iBlocks = initSeq ? blocksOf(text, initSeq as YAMLSeq) : [];
  if (!cBlocks || !iBlocks) return undefined;
  const all = new Map<string, Block & { list: 'containers' | 'initContainers' }>();
  for (const b of cBlocks) all.set(b.name, { ...b, list: 'containers' });
  for (const b of iBlocks) all.set(b.name, { ...b, list: 'initContainers' });

  // new text of each container block
  const blockText = new Map<string, string>();
  for (const [name, b] of all) {
    const mine = changes.filter((c) => c.container === name);
    const splices = containerSplices(text, b, mine, unit, eol);
    if (!splices) return undefined;
    const rel = splices.map((s) => ({ ...s, at: s.at - b.start }));
    blockText.set(name, applySplices(text.slice(b.start, b.end), rel));
  }
  const finalInit = (finalSpec.initContainers ?? []).map((c) => String(c.name));
  const finalMain = (finalSpec.containers ?? []).map((c) => String(c.name));
  const touched = (list: 'containers' | 'initContainers', names: string[]) => {
    const orig = (list === 'containers' ? cBlocks : iBlocks).map((b) => b.name);
    return !isDeepStrictEqual(orig, names) || names.some((n) => changes.some((c) => c.container === n));
  };
  const render = (names: string[], dashCol: number) => names.map((n) => {
    const b = all.get(n);
    if (!b) throw new EditError(`container "${n}" has no source block`);
    let t = blockText.get(n)!;
    if (!t.endsWith('\n')) t += '\n';
    return reindent(t, dashCol - b.dashCol);
  }).join('');

  const splices: Splice[] = [];
  if (touched('containers', finalMain)) {
    const first = cBlocks[0]!, last = cBlocks[cBlocks.length - 1]!;
    splices.push({ at: first.start, del: last.end - first.start, text: render(finalMain, first.dashCol) });
  }
  if (finalInit.length && touched('initContainers', finalInit)) {
    if (iBlocks.length) {
      const first = iBlocks[0]!, last = iBlocks[iBlocks.length - 1]!;
      splices.push({ at: first.start, del: last.end - first.start, text: render(finalInit, first.dashCol) });
    } else {
      // new `initContainers:` key right before `containers:`, laid out like `containers`
      const pair = spec.items.find((p) => (p.key as Scalar | null)?.value === 'containers');
      const keyNode = pair?.key as Scalar | undefined;
      if (!keyNode?.range) return undefined;
      const ls = lineStart(text, keyNode.range[0]);
      const keyCol = keyNode.range[0] - ls;
      splices.push({ at: ls, del: 0, text: `${' '.repeat(keyCol)}initContainers:\n${render(finalInit, cBlocks[0]!.dashCol)}` });
    }
  }
  let out = applySplices(text, splices);
  if (!out.endsWith('\n') && text.endsWith('\n')) out += '\n';
  return out;
}

/** AST fallback: edit the document tree and re-serialise just this document. */
function astDocument(docText: string, podPath: Path, finalSpec: PodSpec): string {
  const doc = parseDocument(docText, { keepSourceTokens: false });
  doc.setIn([...podPath], doc.createNode(finalSpec));
  // Keep the file's flow-collection style (`{name: x}` vs `{ name: x }`) for the lines that are
  // re-serialised without being changed.
  const padded = (docText.match(/[{[] [^\s}\]]/g) ?? []).length;
  const tight = (docText.match(/[{[][^\s}\]]/g) ?? []).length;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: padded >= tight });
}

function podSpecOf(text: string, podPath: Path): unknown {
  const d = parseDocument(text);
  if (d.errors.length) throw new EditError(`edited document does not parse: ${d.errors[0]!.message}`);
  let cur: unknown = d.toJS({ maxAliasCount: 100 });
  for (const seg of podPath) cur = (cur as Record<string | number, unknown> | undefined)?.[seg as string];
  return cur;
}

/**
 * Returns the new text of one YAML document (its source slice) with `changes` applied to the
 * pod spec at `podPath`. `docText` must be exactly one document's source.
 */
export function editDocumentText(docText: string, podPath: Path, spec: PodSpec, changes: readonly Change[]): string {
  if (!changes.length) return docText;
  const finalSpec = applyChanges(spec, changes);
  const doc = parseDocument(docText, { keepSourceTokens: false });
  const spliced = spliceDocument(docText, doc as Document.Parsed, podPath, changes, finalSpec);
  if (spliced !== undefined && isDeepStrictEqual(podSpecOf(spliced, podPath), finalSpec) && sameOutside(docText, spliced, podPath)) return spliced;
  const viaAst = astDocument(docText, podPath, finalSpec);
  if (isDeepStrictEqual(podSpecOf(viaAst, podPath), finalSpec)) return viaAst;
  throw new EditError('could not apply the changes without altering other content');
}

/** Everything outside the pod spec must be unchanged as data. */
function sameOutside(before: string, after: string, podPath: Path): boolean {
  const strip = (t: string) => {
    const d = parseDocument(t).toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    let cur: Record<string | number, unknown> | undefined = d;
    for (let i = 0; i < podPath.length - 1; i++) cur = cur?.[podPath[i] as string] as Record<string | number, unknown> | undefined;
    if (cur) delete cur[podPath[podPath.length - 1] as string];
    return d;
  };
  return podPath.length === 0 || isDeepStrictEqual(strip(before), strip(after));
}

export { Document };
