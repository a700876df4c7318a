// Versions read from image tags. Tags are free text, so only a leading `[v]MAJOR[.MINOR[.PATCH]]`
// followed by the end of the tag or a separator (`-alpine`, `.dev-alpine`, `+build`, `_x`) counts:
// `2.14.1`, `v1.33.0`, `1.33.2-alpine`, `1.17-buster`, `0.19.5.dev-alpine`.
// `latest`, `alpine`, `canary`, `${CI_COMMIT}` and bare digests give no version.
import type { Version } from './types';

const VERSION_RE = /^[vV]?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?=$|[-+._~])/;

export function parseVersion(tag: string | undefined): Version | undefined {
  if (typeof tag !== 'string' || tag === '') return undefined;
  const m = VERSION_RE.exec(tag);
  if (!m) return undefined;
  // A bare number with a dot-suffix that is not a version (`1.dev`) is still major 1; fine.
  return {
    major: Number(m[1]),
    minor: m[2] !== undefined ? Number(m[2]) : 0,
    patch: m[3] !== undefined ? Number(m[3]) : 0,
    raw: tag,
  };
}

/** Negative when a < b, 0 when equal (ignoring suffixes), positive when a > b. */
export function compareVersions(a: Pick<Version, 'major' | 'minor' | 'patch'>, b: Pick<Version, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Whether `v` is at least `min` (`'2.20.0'`). `undefined` when the version is unknown
 * (no tag, `latest`, digest only): callers decide what an unknown version means.
 */
export function atLeast(v: Version | undefined, min: string): boolean | undefined {
  if (!v) return undefined;
  const m = parseVersion(min);
  if (!m) throw new Error(`invalid minimum version ${min}`);
  return compareVersions(v, m) >= 0;
}

export function formatVersion(v: Pick<Version, 'major' | 'minor' | 'patch'>): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
