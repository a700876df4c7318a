// The code every admission review runs (core, catalog, JSON Patch, webhook) has no object literal
// that starts with a spread (`{ ...x, … }`). On Node 20 (V8 11.3) such a literal keeps its copies,
// and everything they point to, alive past the next young-generation GC: each review's pod was
// promoted to the old generation, which doubled scavenge pauses and brought a mark-compact every
// 2–4 s under load. docs/adr/0012-no-leading-spread-on-the-admission-path.md has the measurements;
// `npm run bench -- webhook` prints the bytes promoted per review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { REPO } from '../../helpers/manifests';

const ADMISSION_PATH = ['src/core', 'src/catalog', 'src/adapters/jsonpatch', 'src/webhook'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** `file:line: text` of each object literal whose first member is a spread. */
export function leadingSpreads(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n) && n.properties[0] && ts.isSpreadAssignment(n.properties[0])) {
      out.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.getText().slice(0, 60).replace(/\s+/g, ' ')}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

test('the checker finds leading spreads and only those', () => {
  const found = leadingSpreads('x.ts', [
    'const a = { ...b, c: 1 };', // found
    'const d = { ...(e ? { f } : {}), g };', // found
    'const h = { i: 1, ...j };', // a spread later in the literal is not a CloneObjectIC
    'const { k, ...rest } = l;', // destructuring, not a literal
    'const m = [...n];',
    'f({\n  ...o,\n});', // found, across lines
  ].join('\n'));
  assert.deepEqual(found.map((s) => s.split(':')[1]), ['1', '2', '6']);
});

test('no object literal on the admission path starts with a spread', () => {
  const hits = ADMISSION_PATH.flatMap((d) => tsFiles(join(REPO, d))).flatMap((f) => leadingSpreads(relative(REPO, f), readFileSync(f, 'utf8')));
  assert.deepEqual(hits, [], `use Object.assign({}, x, { … }) or name the fields (docs/adr/0012):\n${hits.join('\n')}`);
});
