// The JSON Patch adapter against the reference semantics (applyChanges), for arbitrary valid
// Change sequences on arbitrary pod specs, and the RFC 6902 applier on the RFC's own cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PodSpec } from 'kubernetes-types/core/v1';
import { applyChanges, applyChange } from '../../../src/core/apply';
import type { Change } from '../../../src/core/types';
import { applyJsonPatch, changesToJsonPatch, JsonPatchError, toPointer } from '../../../src/adapters/jsonpatch/index';

const containerArb = (name: string) => fc.record({
  args: fc.option(fc.array(fc.constantFrom('a', 'b', '--x=1'), { maxLength: 3 }), { nil: undefined }),
  command: fc.option(fc.array(fc.constantFrom('sh', '-c', 'run'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  env: fc.option(fc.uniqueArray(fc.constantFrom('A', 'B', 'C'), { maxLength: 3 }), { nil: undefined }),
  ports: fc.option(fc.array(fc.integer({ min: 1, max: 9000 }), { maxLength: 2 }), { nil: undefined }),
}).map((r) => ({ name, image: 'img', ...(r.args ? { args: r.args } : {}), ...(r.command ? { command: r.command } : {}), ...(r.env ? { env: r.env.map((n) => ({ name: n, value: '1' })) } : {}), ...(r.ports ? { ports: r.ports.map((p) => ({ containerPort: p })) } : {}) }));

const specArb = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 })).chain(([ni, nc]) =>
  fc.tuple(fc.tuple(...Array.from({ length: ni }, (_, i) => containerArb(`i${i}`))), fc.tuple(...Array.from({ length: nc }, (_, i) => containerArb(`c${i}`)))).map(([inits, cs]) => ({ ...(ni ? { initContainers: inits } : {}), containers: cs }) as PodSpec));

/** Picks a valid Change for the spec as it is now (seeded choices), so sequences stay applicable. */
function changeFor(spec: PodSpec, pick: number[]): Change | undefined {
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const c = all[pick[0]! % all.length]!;
  const base = { container: c.name, rule: 'r', reason: 'x' };
  switch (pick[1]! % 7) {
    case 0: return spec.containers.length > 1 || !spec.containers.includes(c) ? { kind: 'move-to-init', index: pick[2]! % ((spec.initContainers?.length ?? 0) + 2), ...base } : undefined;
    case 1: return { kind: 'set-field', field: (['restartPolicy', 'startupProbe', 'livenessProbe'] as const)[pick[2]! % 3]!, value: pick[2]! % 3 ? { tcpSocket: { port: pick[3] } } : 'Always', ...base };
    case 2: return { kind: 'add-args', args: ['--h', String(pick[3])].slice(0, 1 + (pick[2]! % 2)), ...base };
    case 3: {
      const arr = pick[2]! % 2 ? c.command : c.args;
      return arr?.length ? { kind: 'replace-arg', index: pick[3]! % arr.length, value: 'new', inCommand: pick[2]! % 2 === 1, ...base } : undefined;
    }
    case 4: return { kind: 'set-env', env: { name: ['A', 'B', 'Z'][pick[2]! % 3]!, value: String(pick[3]) }, ...base };
    case 5: return { kind: 'add-port', port: { containerPort: pick[3]! + 1, name: 'h' }, ...base };
    default: return spec.containers.length > 1 || !spec.containers.includes(c) ? { kind: 'remove-container', ...base } : undefined;
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) { for (const x of Object.values(v)) deepFreeze(x); Object.freeze(v); }
  return v;
}

test('property: applyJsonPatch(changesToJsonPatch(spec, changes)) == applyChanges(spec, changes)', () => {
  fc.assert(fc.property(specArb, fc.array(fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }), { maxLength: 12 }), (spec, picks) => {
    const work = structuredClone(spec);
    const changes: Change[] = [];
    for (const p of picks) {
      const ch = changeFor(work, p);
      if (!ch) continue;
      applyChange(work, ch);
      changes.push(ch);
    }
    const doc = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec };
    const ops = changesToJsonPatch(spec, changes, { podPath: ['spec'] });
    assert.deepEqual((applyJsonPatch(doc, ops) as { spec: PodSpec }).spec, applyChanges(spec, changes));
    assert.deepEqual(doc.spec, spec, 'input untouched');
    // path copying: same result, the input still untouched (frozen: any write would throw)
    const frozen = deepFreeze(structuredClone(doc));
    assert.deepEqual((applyJsonPatch(frozen, ops, { copy: 'path' }) as { spec: PodSpec }).spec, applyChanges(spec, changes));
    for (const op of ops) assert.ok(!(op.op === 'replace' && /\/(containers|initContainers|args|env|ports)$/.test(op.path)), `no whole-array replace: ${op.path}`);
  }), { numRuns: 1000 });
});

test('a change that does not fit the spec is refused, like applyChanges', () => {
  const spec: PodSpec = { containers: [{ name: 'a', image: 'x' }] };
  assert.throws(() => changesToJsonPatch(spec, [{ kind: 'set-env', container: 'nope', env: { name: 'A' }, rule: 'r', reason: '' }], { podPath: ['spec'] }), /no container named "nope"/);
  assert.throws(() => changesToJsonPatch(spec, [{ kind: 'replace-arg', container: 'a', index: 0, value: 'v', inCommand: false, rule: 'r', reason: '' }], { podPath: ['spec'] }), /no args\[0\]/);
});

test('RFC 6901/6902: escaping, test failures and index errors', () => {
  assert.equal(toPointer(['metadata', 'annotations', 'sidecarctl.dev/x~y']), '/metadata/annotations/sidecarctl.dev~1x~0y');
  const doc = { a: [1, 2], 'k/~': 1 };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'move', from: '/a/0', path: '/a/-' }]), { a: [2, 3, 1], 'k/~': 1 });
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'remove', path: '/k~1~0' }]), { a: [1, 2] });
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/a/0', value: 2 }]), JsonPatchError);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'add', path: '/a/3', value: 0 }]), /out of range/);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/b', value: 0 }]), /does not exist/);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'move', from: '/a', path: '/a/0' }]), /into itself/);
});

test('property: any object keys (empty, "/", "~", "~01") survive toPointer and the applier\'s pointer reading', () => {
  const key = fc.string({ unit: fc.constantFrom('a', '/', '~', '0', '1', '') , maxLength: 6 });
  fc.assert(fc.property(key, key, key, (k1, k2, other) => {
    fc.pre(k2 !== other);
    const doc = { [k1]: { [k2]: 1, [other]: 2 } };
    const path = toPointer([k1, k2]);
    applyJsonPatch(doc, [{ op: 'test', path, value: 1 }]);
    // exactly that key goes, in both copy modes
    for (const copy of ['deep', 'path'] as const) assert.deepEqual(applyJsonPatch(doc, [{ op: 'remove', path }], { copy }), { [k1]: { [other]: 2 } });
    assert.deepEqual(doc, { [k1]: { [k2]: 1, [other]: 2 } }, 'the input is not changed');
  }), { numRuns: 2000 });
});
