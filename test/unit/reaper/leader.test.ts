import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { leaseStep, microTime, type Lease } from '../../../src/kube/leader';

const lease = (holder: string, transitions = 0, durationS = 15): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'n', resourceVersion: '5' }, spec: { holderIdentity: holder, leaseDurationSeconds: durationS, renewTime: microTime(0), leaseTransitions: transitions } });
const o = { identity: 'me', now: 100_000, leaseDurationMs: 15_000 };

test('lease: create when missing, renew our own, take a released or expired one, follow a live one', () => {
  assert.equal(leaseStep(undefined, undefined, o).kind, 'create');
  const renew = leaseStep(lease('me', 3), { record: 'x', at: 0 }, o);
  assert.ok(renew.kind === 'update' && !renew.transition && renew.spec.leaseTransitions === 3);
  const released = leaseStep(lease('', 3), { record: 'x', at: o.now }, o);
  assert.ok(released.kind === 'update' && released.transition && released.spec.leaseTransitions === 4 && released.spec.holderIdentity === 'me');
  assert.deepEqual(leaseStep(lease('other'), { record: 'x', at: o.now - 14_999 }, o), { kind: 'follow', holder: 'other', expiresAt: o.now + 1 });
  assert.equal(leaseStep(lease('other'), { record: 'x', at: o.now - 15_000 }, o).kind, 'update');
  assert.match(microTime(1_700_000_000_123), /^2023-11-14T22:13:20\.123000Z$/);
});

test('property: a live lease held by someone else is never taken, whatever its renewTime says (clock skew)', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 14_999 }), fc.integer({ min: -1e9, max: 1e9 }), (age, skew) => {
    const l = lease('other');
    l.spec.renewTime = microTime(Math.max(0, o.now + skew));
    assert.equal(leaseStep(l, { record: 'x', at: o.now - age }, o).kind, 'follow');
  }));
});
