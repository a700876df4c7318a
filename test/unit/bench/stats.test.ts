// The bootstrap interval the webhook bench prints beside each difference of two p99s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedQuantileDiffInterval, quantileOfSorted } from '../../../bench/stats';

const sample = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
// a fixed, irregular sample (no PRNG needed): a heavy tail every 37th value
const base = sample(2000, (i) => 2 + ((i * 7919) % 1000) / 1000 + (i % 37 === 0 ? 10 + (i % 5) : 0));

test('the same samples on both sides: the interval is exactly 0', () => {
  assert.deepEqual(pairedQuantileDiffInterval(base, base, 99), [0, 0]);
});

test('every sample 3 ms slower: the interval is exactly 3 ms at any quantile', () => {
  for (const p of [50, 90, 99]) {
    const [lo, hi] = pairedQuantileDiffInterval(base.map((x) => x + 3), base, p);
    assert.ok(Math.abs(lo - 3) < 1e-9 && Math.abs(hi - 3) < 1e-9, `p${p}: ${lo} … ${hi}`);
  }
});

test('noise around a shift: the interval contains the shift, widens with the noise and narrows with more samples', () => {
  const shifted = (n: number, noise: number) => sample(n, (i) => base[i % base.length]! + 1 + noise * (((i * 104729) % 1001) / 1000 - 0.5));
  const width = ([lo, hi]: [number, number]) => hi - lo;
  const small = pairedQuantileDiffInterval(shifted(2000, 0.5), base, 50);
  const large = pairedQuantileDiffInterval(shifted(2000, 4), base, 50);
  assert.ok(small[0] <= 1 && 1 <= small[1], `${small}`);
  assert.ok(width(large) > width(small), `${large} vs ${small}`);
  const few = pairedQuantileDiffInterval(shifted(200, 4), base.slice(0, 200), 50);
  assert.ok(width(few) > width(large), `${few} vs ${large}`);
});

test('deterministic: the same samples give the same interval', () => {
  const a = base.map((x, i) => x + (i % 11) / 10);
  assert.deepEqual(pairedQuantileDiffInterval(a, base, 99), pairedQuantileDiffInterval(a, base, 99));
});

test('quantileOfSorted: the element at floor(p/100 · n), clamped; NaN for no samples', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantileOfSorted(xs, 50), 6);
  assert.equal(quantileOfSorted(xs, 99), 10);
  assert.equal(quantileOfSorted(xs, 100), 10);
  assert.equal(quantileOfSorted(xs, 0), 1);
  assert.ok(Number.isNaN(quantileOfSorted([], 99)));
});
