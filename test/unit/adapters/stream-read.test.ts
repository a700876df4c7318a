// lint reads documents one at a time (streamManifestText); fix reads the whole file first
// (parseManifestText). Both must see the same documents: same findings at the same positions,
// same errors — including files that send the stream back to the composer half-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFiles, readCorpus, readRepo, REPO, lint, fix } from '../../helpers/manifests';
import { streamManifestText, parseManifestText, type ParsedDocument } from '../../../src/adapters/yaml/read';

function same(text: string, where: string): void {
  const streamed = lint(text, '1.33', where);
  const whole = fix(text, '1.33', where);
  assert.deepEqual(streamed.findings, whole.findings, `${where}: findings`);
  assert.deepEqual(streamed.errors, whole.errors, `${where}: errors`);
  assert.deepEqual(streamed.skipped, whole.skipped, `${where}: skipped`);
  assert.deepEqual(streamed.changes, whole.changes, `${where}: changes`);
}

test('streamed and whole-file reading agree on every corpus file and example', () => {
  for (const f of corpusFiles()) same(readCorpus(f), f);
  for (const f of readdirSync(join(REPO, 'examples'))) same(readRepo(join('examples', f)), f);
});

const job = (name: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: app
          image: app:1
        - name: cloud-sql-proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
          args: ["--port=5432", "p:r:db"]
`;

test('a token only the composer reads, after documents were visited, restarts the visitor on the composed path', () => {
  // `...` (document end) after the second document: the first two were already visited from the CST.
  const text = `${job('a')}---\n${job('b')}...\n---\n${job('c')}`;
  const seen: number[][] = [[]];
  let restarts = 0;
  const r = streamManifestText('x.yaml', text, {
    document: (d: ParsedDocument) => seen[seen.length - 1]!.push(d.index),
    restart: () => { restarts++; seen.push([]); },
  });
  assert.equal(restarts, 1);
  assert.deepEqual(seen, [[0, 1], [0, 1, 2]]);
  assert.deepEqual(r.errors, parseManifestText('x.yaml', text).errors);
  same(text, 'restart.yaml');
  const names = lint(text).findings.map((f) => f.object.name);
  assert.deepEqual([...new Set(names)].sort(), ['a', 'b', 'c'], 'findings of the documents visited before the restart are not counted twice');
});

test('documents outside the fast subset (anchors) and invalid ones stream in order with the same errors', () => {
  const anchored = job('d').replace('image: app:1', 'image: &img app:1\n          env: [{name: IMG, value: *img}]');
  const bad = 'apiVersion: v1\nkind: Pod\nmetadata: {name: e\nspec: {}\n';
  const text = `${job('a')}---\n${anchored}---\n${bad}---\n${job('f')}`;
  same(text, 'mixed.yaml');
  assert.ok(lint(text).errors.length > 0, 'the invalid document is reported');
});
