// The CST reader (src/adapters/yaml/fast-read.ts) against the yaml composer it stands in for:
// for every document it accepts, the data (and every node's position) must equal what
// parseAllDocuments + toJS give; a document it cannot vouch for must be handed to the composer.
// Differential, over real manifests (the shared corpus, golden fixtures, examples, scenarios),
// generated data in every output style, and mutated texts full of YAML's hard cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Parser, parseAllDocuments, stringify, type Document } from 'yaml';
import { cstDocumentData, cstOffsetAt, NotSimple } from '../../../src/adapters/yaml/fast-read';
import { nodeAt, parseManifestText } from '../../../src/adapters/yaml/read';
import type { Path } from '../../../src/core/types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function yamlFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(yamlFiles(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

function paths(data: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(data)) data.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Checks one text; returns how many documents the CST reader accepted. */
function check(text: string, label: string): number {
  const composed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, strict: true }) as Document.Parsed[];
  const tokens = Array.from(new Parser().parse(text));
  // tabs, templates and stream-level tokens (directives, `...`, parser errors) are the composer's case in read.ts
  if (text.includes('\t') || text.includes('{{') || tokens.some((t) => !['document', 'comment', 'space', 'newline'].includes(t.type))) return 0;
  const docs = tokens.filter((t) => t.type === 'document');
  let accepted = 0;
  assert.equal(docs.length, composed.length, `${label}: one composed document per CST document`);
  docs.forEach((tok, i) => {
    let data: unknown;
    try {
      data = cstDocumentData(tok as never);
    } catch (e) {
      if (!(e instanceof NotSimple) && !(e instanceof RangeError)) throw e;
      return;
    }
    accepted++;
    const doc = composed[i]!;
    assert.deepEqual(doc.errors.map((e) => e.message), [], `${label} doc ${i}: accepted a document the composer rejects`);
    const expected = doc.toJS({ maxAliasCount: 100 });
    assert.deepStrictEqual(data, expected, `${label} doc ${i}: data differs`);
    for (const p of paths(expected).concat([[...paths(expected).at(-1)!, 'missing'], ['nope', 0]])) {
      const off = cstOffsetAt(tok as never, p);
      if (off === undefined) continue; // the caller composes for these
      const node = nodeAt(doc, p);
      assert.equal(off, node?.range?.[0] ?? doc.range[0], `${label} doc ${i}: offset of ${JSON.stringify(p)}`);
    }
  });
  return accepted;
}

test('CST reader = composer on every manifest in the repository and the shared corpus', () => {
  const files = [
    ...yamlFiles(path.join(root, 'test')), ...yamlFiles(path.join(root, 'examples')), ...yamlFiles(path.join(root, 'scenarios')),
    ...yamlFiles(path.join(root, 'deploy')).filter((f) => !readFileSync(f, 'utf8').includes('{{')),
    ...yamlFiles(path.resolve(root, '../shared/corpus')),
  ];
  assert.ok(files.length > 30, `found only ${files.length} YAML files`);
  let accepted = 0;
  for (const f of files) accepted += check(readFileSync(f, 'utf8'), path.relative(root, f));
  assert.ok(accepted > 30, `the CST reader accepted only ${accepted} documents`);
});

// JSON-like values with keys and strings that look like other types, quotes, escapes, newlines.
const scalarArb = fc.oneof(
  fc.constantFrom('', 'true', 'True', 'yes', 'no', 'null', '~', 'NULL', '0', '007', '0o17', '0x1F', '1e3', '.inf', '-.Inf', '.nan', '1.0', '+1', '-0',
    'a: b', '- x', '#c', 'x #c', "it's", 'say "hi"', '\\n', 'line1\nline2', 'trail ', ' lead', '{{ x }}', '[a]', '{a: 1}', '&a', '*a', '!tag', '@x', '`x', '%x', '?', ':', '-', '---', '...', '<<', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
  fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null),
);
const keyArb = fc.oneof(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.\/-]{0,10}$/), fc.constantFrom('true', '1', 'null', '<<', '__proto__', 'a b', 'x:y', '#k', "k'q", 'k"q', ''), fc.string({ maxLength: 6 }));
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(keyArb, tie('v'), { maxKeys: 4 })),
})).v;
const styleArb = fc.record({
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
  collectionStyle: fc.constantFrom('any', 'block', 'flow'),
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
});

test('CST reader = composer on generated data in every output style', () => {
  fc.assert(fc.property(fc.array(valueArb, { minLength: 1, maxLength: 3 }), styleArb, (values, style) => {
    const text = values.map((v) => stringify(v, { ...style, defaultKeyType: 'PLAIN' } as never)).join('---\n');
    check(text, 'generated');
  }), { numRuns: 400 });
});

// Texts near the edge: real-looking manifests with a character inserted, deleted or swapped,
// so indentation, comments, quotes and indicators break in every way the composer reports.
const BASE = `apiVersion: v1
kind: Pod
metadata:
  name: p # comment
  labels: {}
  annotations:
    a: "x: y"
    b: 'it''s'
spec:
  containers:
    - name: app
      image: busybox:1.36
      args: []
      command:
      - sh
      - -c
      - |
        echo hi
        sleep 1
    - name: proxy
      image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
      ports:
      - containerPort: 5432
`;
const NOISE = [' ', '  ', '\n', '#', ':', '- ', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '!!str ', '? ', '|', '>', '---\n', '...\n', '%YAML 1.1\n', '\t', '\r\n', 'x', 'name: dup\n'];

test('CST reader never accepts what the composer rejects, nor reads it differently (mutated manifests)', () => {
  fc.assert(fc.property(fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('insert', 'delete', 'replace'), what: fc.constantFrom(...NOISE), len: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }), (muts) => {
    let text = BASE;
    for (const m of muts) {
      const at = m.at % (text.length + 1);
      text = m.op === 'insert' ? text.slice(0, at) + m.what + text.slice(at) : m.op === 'delete' ? text.slice(0, at) + text.slice(at + m.len) : text.slice(0, at) + m.what + text.slice(at + m.len);
    }
    check(text, `mutated ${JSON.stringify(text)}`);
  }), { numRuns: 1500 });
});

test('parseManifestText: same documents, data and errors as the composer path, whichever reader answers', () => {
  const cases = [
    BASE, `${BASE}---\n${BASE}`, 'a: 1\na: 2\n', 'a: [1, 2]\n', 'x: {a: 1}\n', 'k: &x 1\nj: *x\n', 'key: "unterminated\n', '%YAML 1.2\n---\na: 1\n',
    'a: 1\n...\n---\nb: 2\n', '---\n', '', '# only a comment\n', 'a:\n  - b\n  c: d\n', 'a: b: c\n', '- a\n-b\n', 'a:\tb\n', 'ключ: значение\n', '"a": 1\n\'b\': 2\n',
  ];
  for (const text of cases) {
    const r = parseManifestText('t.yaml', text);
    const composed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, strict: true }) as Document.Parsed[];
    const want = composed.filter((d) => d.errors.length === 0).map((d) => d.toJS({ maxAliasCount: 100 }));
    assert.deepStrictEqual(r.documents.map((d) => d.data), want, JSON.stringify(text));
    assert.equal(r.errors.length > 0, composed.some((d) => d.errors.length > 0), `errors for ${JSON.stringify(text)}`);
    for (const e of r.errors) assert.ok(e.line >= 1 && e.column >= 1 && e.message.startsWith('invalid YAML'), JSON.stringify(e));
    for (const d of r.documents) assert.equal(d.doc.range[0], composed[d.index]!.range[0]); // the lazily composed AST is the composer's
  }
});
