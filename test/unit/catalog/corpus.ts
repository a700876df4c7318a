// Containers of the shared real-world corpus, read with the `yaml` package.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Container } from 'kubernetes-types/core/v1';

export const corpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus/manifests');

export interface CorpusContainer {
  readonly file: string;
  readonly list: 'containers' | 'initContainers' | 'sidecars';
  readonly container: Container;
}

function* walk(node: unknown): Generator<{ list: CorpusContainer['list']; container: Container }> {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) { for (const x of node) yield* walk(x); return; }
  const obj = node as Record<string, unknown>;
  for (const list of ['containers', 'initContainers', 'sidecars'] as const) {
    const items = obj[list];
    if (Array.isArray(items)) for (const c of items) if (c && typeof c === 'object' && 'image' in c) yield { list, container: c as Container };
  }
  for (const v of Object.values(obj)) yield* walk(v);
}

export function corpusContainers(): CorpusContainer[] {
  const out: CorpusContainer[] = [];
  for (const file of fs.readdirSync(corpusDir).sort()) {
    const text = fs.readFileSync(path.join(corpusDir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if ('errors' in doc && doc.errors.length) continue;
      let js: unknown;
      try { js = doc.toJS({ maxAliasCount: 100 }); } catch { continue; }
      for (const { list, container } of walk(js)) out.push({ file, list, container });
    }
  }
  return out;
}

export function corpusContainer(file: string, name: string): Container {
  const found = corpusContainers().find((c) => c.file === file && c.container.name === name);
  if (!found) throw new Error(`no container ${name} in ${file}`);
  return found.container;
}
