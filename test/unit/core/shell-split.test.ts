// simpleCommands reads ordinary runs and quoted text in pieces; it must split every script exactly
// as the character-by-character reading does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simpleCommands } from '../../../src/core/shell';

function reference(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let quote: '"' | "'" | null = null;
  const endWord = () => { if (word) { words.push(word); word = ''; } };
  const endCommand = () => { endWord(); if (words.length) commands.push(words); words = []; };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) { if (ch === quote) quote = null; else word += ch; continue; }
    if (ch === '"' || ch === "'") { quote = ch; continue; }
    if (ch === '\\' && script[i + 1] === '\n') { i++; continue; }
    if (ch === '#' && word === '') { while (i < script.length && script[i] !== '\n') i++; endCommand(); continue; }
    if (';\n|&(){}'.includes(ch)) { endCommand(); continue; }
    if (ch === ' ' || ch === '\t') { endWord(); continue; }
    word += ch;
  }
  endCommand();
  return commands.map((w) => {
    let k = 0;
    while (k < w.length && /^(then|do|else|elif|if|while|until|!|time|exec|env)$/.test(w[k]!)) k++;
    return w.slice(k);
  }).filter((w) => w.length > 0);
}

test('property: simpleCommands splits as the character-by-character reading', () => {
  const piece = fc.constantFrom('a', 'curl', 'sleep', '25', '-X', 'POST', 'localhost:9091/quitquitquit', '"', "'", '\\', '\n', '\\\n', '#', ' ', '\t', ';', '|', '&&', '(', ')', '{', '}', 'if', 'then', 'do', 'env', '=', 'x#y');
  fc.assert(fc.property(fc.array(piece, { maxLength: 30 }).map((a) => a.join('')), (script) => {
    assert.deepEqual(simpleCommands(script), reference(script), JSON.stringify(script));
  }), { numRuns: 5000 });
});

test('simpleCommands: quotes, comments, continuations, compound keywords', () => {
  assert.deepEqual(simpleCommands(`sleep 25 # wait\ncurl -X POST "localhost:9091/quit quit" && echo 'done;ok'`), [['sleep', '25'], ['curl', '-X', 'POST', 'localhost:9091/quit quit'], ['echo', 'done;ok']]);
  assert.deepEqual(simpleCommands('while true; do \\\n  sleep 1; done'), [['true'], ['sleep', '1'], ['done']]);
  assert.deepEqual(simpleCommands('a#b c'), [['a#b', 'c']]);
});
