// Shared helpers for tests: run the real pipeline on text, read fixtures and corpus files.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { defaultCatalog } from '../../src/catalog/index';
import { fixText, processText } from '../../src/adapters/yaml/process';
import { parseKubeVersion } from '../../src/core/kube-version';

export const REPO = new URL('../../', import.meta.url).pathname;
export const SHARED = join(REPO, '..', 'shared');
export const CORPUS = join(SHARED, 'corpus', 'manifests');

export const corpusFiles = () => readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f)).sort();
export const readCorpus = (f: string) => readFileSync(join(CORPUS, f), 'utf8');
export const readRepo = (p: string) => readFileSync(join(REPO, p), 'utf8');

export function opts(version = '1.33') {
  return { kubeVersion: parseKubeVersion(version)!, catalog: defaultCatalog };
}
export const lint = (text: string, version?: string, file = 'input.yaml') => processText(file, text, opts(version));
export const fix = (text: string, version?: string, file = 'input.yaml') => fixText(file, text, opts(version));
export const rulesOf = (text: string, version?: string) => [...new Set(lint(text, version).findings.map((f) => f.rule))].sort();

/** Plain data of every document. */
export const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

/** The pod spec of the first workload in a document (Pod, Deployment, Job, CronJob). */
export function podSpecOf(doc: any): any {
  if (doc.kind === 'Pod') return doc.spec;
  if (doc.kind === 'CronJob') return doc.spec.jobTemplate.spec.template.spec;
  return doc.spec.template.spec;
}
