// Plain data straight from the yaml library's CST, for the documents every manifest is made of
// (block maps and sequences of string-keyed scalars), without composing a yaml Document.
//
// Why: composing (Node/Pair/Scalar objects, comments, ranges) and then `toJS` cost about as much
// as lexing and parsing together, and lint needs only the data plus the position of the few nodes
// a finding points at. See docs/adr/0009-lint-reads-data-from-the-cst.md.
//
// Contract: `cstDocumentData` returns exactly what `Composer` + `toJS` would give for the
// document, or throws `NotSimple` when the document uses anything outside the subset below (or
// anything the composer could report as an error). The caller then composes that document with
// the yaml library as before, so errors, messages and positions never depend on this module.
// A differential property test (test/unit/adapters/fast-read.test.ts) holds it to that.
//
// The subset: block maps whose keys are plain or quoted single-line scalars that resolve to
// strings (no duplicates, no `<<`), block sequences, empty flow collections (`{}`, `[]`), plain,
// quoted and block scalars, comments. No anchors, aliases, tags, explicit keys, directives,
// flow collections with items, or tabs (the caller checks tabs on the whole text).
import { CST, Schema, isScalar } from 'yaml';
import type { Path } from '../../core/types';

type Token = CST.Token;
type SourceToken = CST.SourceToken;

/** Thrown when a document is outside the subset; the caller composes it instead. */
export class NotSimple extends Error {
  constructor(why: string) { super(why); this.name = 'NotSimple'; }
}

interface PlainTag {
  readonly default?: boolean | 'key';
  readonly test?: RegExp;
  resolve(value: string, onError: (msg: string) => void, options: object): unknown;
}

/**
 * Tags of the YAML 1.2 core schema that a plain scalar can resolve to (null, bool, int, float),
 * in the order the composer tries them (compose-scalar.js `findScalarTagByTest`). Read once from
 * the library so the resolution cannot drift from it; never mutated.
 */
const PLAIN_TAGS: readonly PlainTag[] = Object.freeze(
  (new Schema({ schema: 'core' }).tags as unknown as (PlainTag & { collection?: string })[]).filter((t) => !t.collection && t.default && t.test),
);
/** The composer's defaults for what the core tags read from options (`intAsBigInt`). */
const TAG_OPTIONS = Object.freeze({ intAsBigInt: false });

function fail(why: string): never {
  throw new NotSimple(why);
}

const onScalarError = (_offset: number, code: string, message: string): void => fail(`${code}: ${message}`);

/**
 * Space, newline and comment tokens, plus at most one `indicator`. A comment must follow white
 * space (resolve-props.js reports `MISSING_CHAR` otherwise); `startOnNewline` counts the line
 * start as white space, as the composer does for item starts.
 */
function trivia(tokens: readonly SourceToken[] | undefined, indicator: string | undefined, startOnNewline: boolean): { found: SourceToken | undefined; newlineAfterFound: boolean } {
  let found: SourceToken | undefined;
  let newlineAfterFound = false;
  let spaced = startOnNewline;
  if (tokens) for (const t of tokens) {
    switch (t.type) {
      case 'space': spaced = true; break;
      case 'newline': spaced = true; if (found) newlineAfterFound = true; break;
      case 'comment': if (!spaced) fail('comment not separated by white space'); break;
      default:
        if (t.type !== indicator || found) fail(`${t.type} token`);
        found = t;
        spaced = false;
    }
  }
  return { found, newlineAfterFound };
}

function plainValue(source: string): unknown {
  for (const tag of PLAIN_TAGS) {
    if (tag.default === true && tag.test!.test(source)) {
      const r = tag.resolve(source, (msg) => fail(`TAG_RESOLVE_FAILED: ${msg}`), TAG_OPTIONS);
      return isScalar(r) ? r.value : r;
    }
  }
  return source;
}

/** A map key as a string, or NotSimple when it would not be one (or spans lines). */
function keyString(key: Token | null | undefined, indent: number): string {
  if (!key) fail('empty key');
  if (key.type !== 'scalar' && key.type !== 'single-quoted-scalar' && key.type !== 'double-quoted-scalar') fail(`${key.type} as key`);
  if (key.indent !== indent) fail('key indentation');
  if (key.source.includes('\n') || key.source.includes('\r')) fail('multi-line key');
  if (key.end) for (const t of key.end) if (t.type !== 'space') fail('key followed by more than space');
  const r = CST.resolveAsScalar(key, true, onScalarError)!;
  if (key.type === 'scalar') {
    // `1:`, `true:`, `null:` are not string keys in the core schema (and `<<` is a merge key
    // in YAML 1.1 mode): leave those to the composer.
    for (const tag of PLAIN_TAGS) if (tag.test!.test(r.value)) fail('non-string key');
    if (r.value === '<<') fail('merge key');
  }
  return r.value;
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  // as addPairToJSMap.js: inherited names (`__proto__`, `constructor`) become own properties
  if (key in obj) Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function nodeData(tok: Token): unknown {
  switch (tok.type) {
    case 'scalar': {
      const r = CST.resolveAsScalar(tok, true, onScalarError)!;
      return plainValue(r.value);
    }
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
      return CST.resolveAsScalar(tok, true, onScalarError)!.value;
    case 'block-scalar':
      return CST.resolveAsScalar(tok, true, onScalarError)!.value;
    case 'block-map': {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const item of tok.items) {
        if (item.explicitKey) fail('explicit key');
        trivia(item.start, undefined, true);
        if (!item.sep) {
          if (item.key) fail('key without separator');
          continue; // comment lines after the last pair
        }
        const key = keyString(item.key, tok.indent);
        if (seen.has(key)) fail('duplicate key');
        seen.add(key);
        const sep = trivia(item.sep, 'map-value-ind', false);
        if (!sep.found) fail('implicit key without value');
        if (sep.found.offset - item.key!.offset > 1000) fail('long implicit key');
        if (item.value?.type === 'block-map' && !sep.newlineAfterFound) fail('compact nested mapping');
        setKey(out, key, item.value ? nodeData(item.value) : null);
      }
      return out;
    }
    case 'block-seq': {
      const out: unknown[] = [];
      for (const item of tok.items) {
        const t = trivia(item.start, 'seq-item-ind', true);
        if (!t.found) {
          if (item.value) fail('sequence item without -');
          continue;
        }
        out.push(item.value ? nodeData(item.value) : null);
      }
      return out;
    }
    case 'flow-collection': {
      const close = tok.start.source === '{' ? 'flow-map-end' : tok.start.source === '[' ? 'flow-seq-end' : undefined;
      if (!close || tok.items.length !== 0 || tok.end[0]?.type !== close) fail('flow collection with content');
      // after the bracket: white space and comments (resolve-flow-collection.js → resolveEnd)
      trivia(tok.end.slice(1), undefined, false);
      return close === 'flow-map-end' ? {} : [];
    }
    default:
      return fail(`${tok.type} token`);
  }
}

/** Data of one CST document, as Composer + toJS would give it; throws NotSimple otherwise. */
export function cstDocumentData(doc: CST.Document): unknown {
  const start = trivia(doc.start, 'doc-start', true);
  if (start.found && doc.value && (doc.value.type === 'block-map' || doc.value.type === 'block-seq') && !start.newlineAfterFound) fail('collection on the --- line');
  if (doc.end) for (const t of doc.end) if (t.type !== 'space' && t.type !== 'newline' && t.type !== 'comment') fail(`${t.type} at document end`);
  return doc.value ? nodeData(doc.value) : null;
}

/**
 * Offset of the node at `path` in a document that `cstDocumentData` accepted (or of its deepest
 * existing ancestor, as `nodeAt` in read.ts), or undefined when the answer needs the composed
 * document (an empty value, a block scalar: their composed ranges start elsewhere).
 */
export function cstOffsetAt(doc: CST.Document, path: Path): number | undefined {
  let cur: Token | undefined = doc.value;
  if (!cur) return undefined;
  for (const seg of path) {
    let next: Token | undefined;
    let missingValue = false;
    if (cur.type === 'block-map' && typeof seg === 'string') {
      for (const item of cur.items) {
        if (!item.sep || !item.key) continue;
        if (keyString(item.key, cur.indent) === seg) { next = item.value; missingValue = !item.value; break; }
      }
    } else if (cur.type === 'block-seq' && typeof seg === 'number') {
      let i = 0;
      for (const item of cur.items) {
        if (!item.start.some((t) => t.type === 'seq-item-ind')) continue;
        if (i++ === seg) { next = item.value; missingValue = !item.value; break; }
      }
    }
    if (missingValue) return undefined;
    if (!next) break;
    cur = next;
  }
  switch (cur.type) {
    case 'block-map': case 'block-seq': case 'flow-collection': case 'scalar': case 'single-quoted-scalar': case 'double-quoted-scalar':
      return cur.offset;
    default:
      return undefined;
  }
}
