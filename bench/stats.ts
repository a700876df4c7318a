// Statistics for the benchmarks' printed figures (pure, unit-tested in test/unit/bench/stats.test.ts).

/** The p-th percentile of ascending `sorted`: the element at floor(p/100 · n), NaN when empty. */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  return n ? sorted[Math.min(n - 1, Math.floor((p / 100) * n))]! : Number.NaN;
}

/**
 * 95 % bootstrap interval of quantile(a) − quantile(b), where a[i] and b[i] were measured in the same
 * iteration: iterations are drawn with replacement, 1000 times, with a fixed seed (mulberry32) so a
 * run's figures can be reproduced from its samples.
 */
export function pairedQuantileDiffInterval(a: readonly number[], b: readonly number[], p: number, draws = 1000): [number, number] {
  let seed = 0x5eed;
  const random = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const n = Math.min(a.length, b.length);
  const ra = new Float64Array(n), rb = new Float64Array(n);
  const diffs: number[] = [];
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) { const k = Math.floor(random() * n); ra[i] = a[k]!; rb[i] = b[k]!; }
    ra.sort(); rb.sort();
    diffs.push(quantileOfSorted(ra, p) - quantileOfSorted(rb, p));
  }
  diffs.sort((x, y) => x - y);
  return [diffs[Math.floor(0.025 * draws)]!, diffs[Math.floor(0.975 * draws)]!];
}

