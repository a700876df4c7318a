// ONE fixture suite through every adapter of Change[]: for every manifest the CLI's fix tests
// use (the shared corpus, examples/, the e2e fixtures), at two target versions,
//   - the YAML text editor (`sidecarctl fix`, src/adapters/yaml),
//   - the JSON Patch of the admission webhook (src/adapters/jsonpatch via src/webhook/admit),
//   - the in-memory reference (applyChanges, src/core/apply),
// must produce the same pod spec. The webhook sees each pod template as the Pod the
// controllers would create from it (template metadata and spec, kind Pod).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, REPO, corpusFiles, docsOf, fix, opts } from '../../helpers/manifests';
import { findPodSites, getAt } from '../../../src/core/workloads';
import { analyzeSite } from '../../../src/core/analyze';
import { applyChanges } from '../../../src/core/apply';
import { applyJsonPatch, type JsonPatchOp } from '../../../src/adapters/jsonpatch/index';
import { admitReview, MAX_WARNINGS, warningText, type AdmitOptions } from '../../../src/webhook/admit';
import { parseKubeVersion } from '../../../src/core/kube-version';
import { defaultCatalog } from '../../../src/catalog/index';

const FIXTURES: { name: string; text: string }[] = [
  ...corpusFiles().map((f) => ({ name: `corpus/${f}`, text: readFileSync(join(CORPUS, f), 'utf8') })),
  ...readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => ({ name: `examples/${f}`, text: readFileSync(join(REPO, 'examples', f), 'utf8') })),
  ...readdirSync(join(REPO, 'test/e2e/fixtures')).filter((f) => f.endsWith('.yaml')).map((f) => ({ name: `e2e/${f}`, text: readFileSync(join(REPO, 'test/e2e/fixtures', f), 'utf8') })),
];

/** The Pod a controller creates from a pod site (what the webhook receives). */
export function podOf(doc: unknown, site: ReturnType<typeof findPodSites>['sites'][number]): Record<string, unknown> {
  const md = (getAt(doc, site.metadataPath) ?? {}) as Record<string, unknown>;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // The CLI reads the owning object's annotations too (suppressions, sidecar lists written on
    // a Job): give the webhook the same view so the two adapters get the same input.
    metadata: { ...structuredClone(md), ...(Object.keys(site.annotations).length ? { annotations: { ...site.annotations } } : {}) },
    spec: structuredClone(site.spec),
  };
}

export function review(pod: unknown, namespace = 'apps'): unknown {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'CREATE', namespace, object: pod } };
}

function admitOpts(version: string): AdmitOptions {
  return { catalog: defaultCatalog, version: parseKubeVersion(version)!, mode: 'fix', excludedNamespaces: new Set(['kube-system']), reaperFallback: false, annotate: false };
}

function patchOf(body: string): JsonPatchOp[] {
  const r = JSON.parse(body).response;
  return r.patch ? JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) : [];
}

/** Good practice: never overwrite a whole array another webhook may have changed. */
function assertNoArrayOverwrite(pod: unknown, ops: readonly JsonPatchOp[], where: string) {
  let doc: unknown = structuredClone(pod);
  for (const op of ops) {
    if (op.op === 'replace' || op.op === 'remove') {
      const target = getAt(doc, op.path.split('/').slice(1).map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~'))));
      assert.ok(!(op.op === 'replace' && Array.isArray(target)), `${where}: ${op.op} ${op.path} overwrites an array`);
      assert.ok(!/\/(containers|initContainers)$/.test(op.path) || (Array.isArray(target) && target.length === 0), `${where}: ${op.op} ${op.path} drops a container list`);
    }
    if (op.op === 'add') {
      const parentPath = op.path.split('/').slice(1, -1).map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~')));
      const last = op.path.split('/').pop()!;
      const existing = getAt(getAt(doc, parentPath), [last]);
      assert.ok(!Array.isArray(existing), `${where}: add ${op.path} replaces an existing array`);
    }
    doc = applyJsonPatch(doc, [op]);
  }
}

let compared = 0;
let changedPods = 0;
/** Pods whose warnings name something only the fixed pod has (e.g. a native sidecar with no startupProbe). */
let newAfterFix = 0;
for (const version of ['1.33', '1.36']) {
  for (const fx of FIXTURES) {
    test(`all adapters agree (${version}): ${fx.name}`, () => {
      const yamlFixed = fix(fx.text, version, fx.name);
      if (yamlFixed.parsed.errors.length) {
        // Unrendered Helm templates are refused by the CLI; the apiserver never sends them.
        assert.match(yamlFixed.parsed.errors[0]!.message, /template/i, `${fx.name}: ${JSON.stringify(yamlFixed.errors)}`);
        return;
      }
      assert.equal(yamlFixed.errors.length, 0, `${fx.name}: ${JSON.stringify(yamlFixed.errors)}`);
      const before = docsOf(fx.text);
      const after = docsOf(yamlFixed.output);
      assert.equal(after.length, before.length);
      before.forEach((doc, d) => {
        const sites = findPodSites(doc).sites;
        sites.forEach((site, s) => {
          const where = `${fx.name} doc ${d} ${site.podPath.join('.')}`;
          const cliSpec = getAt(after[d], site.podPath);
          // in-memory reference
          const a = analyzeSite(site, opts(version));
          assert.deepEqual(applyChanges(site.spec, a.changes), cliSpec, `${where}: YAML edit == applyChanges`);
          // webhook: AdmissionReview → JSON Patch → patched Pod
          const pod = podOf(doc, site);
          const res = admitReview(review(pod), admitOpts(version));
          assert.equal(res.status, 200, where);
          const ops = patchOf(res.body);
          assertNoArrayOverwrite(pod, ops, where);
          const patched = applyJsonPatch(pod, ops) as { spec: unknown };
          assert.deepEqual(patched.spec, cliSpec, `${where}: webhook JSON Patch == CLI fix`);
          // reinvocation on our own output: nothing more to do
          const again = admitReview(review(patched), admitOpts(version));
          assert.deepEqual(patchOf(again.body), [], `${where}: second review of the patched pod patches nothing`);
          // warnings: what a whole analysis of the fixed Pod finds (its spec is the CLI's, asserted
          // above; the webhook gets there without one: it plans the pod as sent and only checks the
          // patched pod)
          const fixedSite = findPodSites(patched).sites[0]!;
          const left = analyzeSite(fixedSite, opts(version)).findings;
          const expected = [...new Set(left.filter((f) => f.severity !== 'info').map(warningText))].slice(0, MAX_WARNINGS);
          assert.deepEqual(res.warnings, expected, `${where}: warnings == findings of the fixed pod`);
          assert.deepEqual(again.warnings, expected, `${where}: the reinvocation warns the same`);
          const sentFindings = analyzeSite(findPodSites(pod).sites[0]!, opts(version)).findings;
          if (expected.some((w) => !sentFindings.some((f) => warningText(f) === w))) newAfterFix++;
          compared++;
          if (ops.length) changedPods++;
          void s;
        });
      });
    });
  }
}

test('the suite compared real fixes, not only no-ops', () => {
  console.log(`# all-adapters: ${compared} pod sites compared, ${changedPods} changed by the webhook, ${newAfterFix} warned about what only the fixed pod has`);
  assert.ok(compared >= 100, `pod sites compared: ${compared}`);
  assert.ok(changedPods >= 30, `pods the webhook changed: ${changedPods}`);
  assert.ok(newAfterFix >= 2, `pods warned about what only the fixed pod has: ${newAfterFix}`);
});
