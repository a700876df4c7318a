import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf } from '../../../src/kube/client';

test('errorOf: the websocket ErrorEvent of a refused exec keeps its message (RBAC 403 is recognised, not "[object Object]")', () => {
  const ev = { type: 'error', message: 'Unexpected server response: 403', error: new Error('Unexpected server response: 403') };
  assert.equal(errorOf(ev).message, 'Unexpected server response: 403');
  assert.equal(errorOf({ message: 'Unexpected server response: 403' }).message, 'Unexpected server response: 403');
  const e = new Error('x');
  assert.equal(errorOf(e), e);
  assert.equal(errorOf('plain').message, 'plain');
  assert.equal(errorOf({}).message, '[object Object]');
});
