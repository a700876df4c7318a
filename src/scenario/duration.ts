// Durations in scenario files: `500ms`, `5s`, `2m`, `1h`, compounds such as `1m30s`, or `forever`.
// Internally every duration is an integer number of milliseconds; `forever` is `FOREVER`
// (Infinity), so `a + FOREVER === FOREVER` and comparisons just work.

/** Milliseconds; `FOREVER` (Infinity) for "never". */
export type DurationMs = number;

export const FOREVER: DurationMs = Number.POSITIVE_INFINITY;

export const DURATION_HINT = 'use 500ms, 5s, 2m or forever';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Parses a duration string; `undefined` when it is not one. Negative durations do not exist. */
export function parseDuration(text: string): DurationMs | undefined {
  const s = text.trim();
  if (s === 'forever') return FOREVER;
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
  }
  return Math.round(total);
}

/** Formats milliseconds the way a person would write them (`1.5s`, `2m`, `forever`). */
export function formatDuration(ms: DurationMs): string {
  if (ms === FOREVER) return 'forever';
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
}

/** Seconds with at most 3 decimals, as used for `t` in results. */
export function msToSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
