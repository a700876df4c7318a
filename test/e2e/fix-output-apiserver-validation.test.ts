// "Never emit a spec the API server rejects for the target version", checked by the real API
// servers: every corpus manifest and golden fixture is fixed by the CLI (`sidecarctl fix -`), and
// each workload document is created with server-side dry run (validation and admission, nothing
// stored) — on the harness cluster's kube-apiserver 1.36 for the default target, and on an
// apiserver-only 1.28.15 for `--kube-version 1.28`. Whatever the server accepted as written, it
// must accept after fix. Documents the server rejects as written (a corpus snippet without
// required fields, a missing service account) are counted and printed, not compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCluster } from '../helpers/cluster';
import { CORPUS, REPO } from '../helpers/manifests';
import { KubeApiError, KubeClient, isKnownResource, resourcePath, type KubeObject } from '../../src/harness/kube';
import { freshNamespace, parseManifests, sidecarctlFix } from '../../src/harness/workloads';
import { startApiserverOnly } from '../../src/harness/apiserver-only';

const env = useCluster();

function inputs(): { name: string; text: string }[] {
  const golden = join(REPO, 'test', 'fixtures', 'golden');
  return [
    ...readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f)).map((f) => ({ name: f, text: readFileSync(join(CORPUS, f), 'utf8') })),
    ...readdirSync(golden).filter((f) => f.endsWith('.yaml') && !f.endsWith('.fixed.yaml')).map((f) => ({ name: `golden/${f}`, text: readFileSync(join(golden, f), 'utf8') })),
  ];
}

/** Server-side dry-run create: undefined when accepted, else the server's reason. */
async function dryRun(client: KubeClient, obj: KubeObject, ns: string): Promise<string | undefined> {
  const o = structuredClone(obj);
  o.metadata = { ...o.metadata, namespace: ns };
  try {
    await client.request('POST', `${resourcePath(o.apiVersion, o.kind, ns)}?dryRun=All`, o);
    return undefined;
  } catch (e) {
    if (e instanceof KubeApiError) return `HTTP ${e.status}: ${((JSON.parse(e.body) as { message?: string }).message ?? e.body).slice(0, 300)}`;
    throw e;
  }
}

async function check(client: KubeClient, ns: string, fixArgs: readonly string[]) {
  let compared = 0, changed = 0;
  const rejectedAsWritten: string[] = [];
  const problems: string[] = [];
  for (const { name, text } of inputs()) {
    let before: KubeObject[];
    try {
      before = parseManifests(text);
    } catch {
      continue; // not valid YAML (or an unrendered template): fix refuses it too
    }
    let fixedText: string;
    try {
      fixedText = await sidecarctlFix(text, { args: fixArgs });
    } catch {
      continue; // input errors: exit 2, nothing to validate
    }
    const after = parseManifests(fixedText);
    assert.equal(after.length, before.length, `${name}: fix keeps every document`);
    for (let i = 0; i < before.length; i++) {
      const b = before[i]!, a = after[i]!;
      if (!b?.kind || !isKnownResource(b.apiVersion, b.kind)) continue;
      const why = await dryRun(client, b, ns);
      if (why) { rejectedAsWritten.push(`${name}#${i} ${b.kind}: ${why}`); continue; }
      compared++;
      if (JSON.stringify(a) !== JSON.stringify(b)) changed++;
      const whyAfter = await dryRun(client, a, ns);
      if (whyAfter) problems.push(`${name}#${i} ${a.kind}: accepted as written, rejected after fix: ${whyAfter}`);
    }
  }
  return { compared, changed, rejectedAsWritten, problems };
}

test('fixed manifests pass the 1.36 apiserver\'s validation and admission', { timeout: 600_000 }, async () => {
  const { ns, cleanup } = await freshNamespace(env.client, 'fix-validate');
  try {
    const r = await check(env.client, ns, []);
    console.log(`# kube-apiserver 1.36: ${r.compared} workload documents accepted as written, ${r.changed} changed by fix, ${r.problems.length} rejected after fix; ${r.rejectedAsWritten.length} rejected as written (not compared)`);
    for (const x of r.rejectedAsWritten) console.log(`#   as written: ${x}`);
    assert.deepEqual(r.problems, []);
    assert.ok(r.changed >= 20, `fix changed a meaningful share of the corpus (${r.changed})`);
  } finally {
    await cleanup();
  }
});

test('fixed manifests for --kube-version 1.28 pass a 1.28 apiserver (and hold no native sidecar)', { timeout: 600_000 }, async () => {
  const api = await startApiserverOnly({ version: '1.28' });
  const client = KubeClient.fromKubeconfig(api.kubeconfig);
  try {
    const r = await check(client, 'default', ['--kube-version', '1.28']);
    console.log(`# kube-apiserver 1.28: ${r.compared} accepted as written, ${r.changed} changed by fix, ${r.problems.length} rejected after fix; ${r.rejectedAsWritten.length} rejected as written`);
    assert.deepEqual(r.problems, []);
    for (const { name, text } of inputs()) {
      let out: string;
      try { out = await sidecarctlFix(text, { args: ['--kube-version', '1.28'] }); } catch { continue; }
      const added = (out.match(/restartPolicy: Always/g) ?? []).length - (text.match(/restartPolicy: Always/g) ?? []).length;
      assert.ok(added <= 0, `${name}: fix for 1.28 added no native sidecar`);
    }
  } finally {
    client.close();
    await api.stop();
  }
});
