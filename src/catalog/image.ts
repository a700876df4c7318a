// Image references as written in a pod spec: `[registry/]path[:tag][@digest]`.
// Follows the grammar of github.com/distribution/reference (the parser the kubelet and
// container runtimes use): the first path component is a registry only when it contains
// `.` or `:` or is `localhost`; a `:` after the last `/` starts the tag; `@` starts the digest.
// Manifests in the wild also carry unrendered placeholders (`${CI_COMMIT}`, `<YOUR_IMAGE>`,
// `{{ .Values.image }}`), so parsing is lenient and never throws: anything left over is kept
// as written and simply does not produce a version.

export interface ImageRef {
  /** The reference as written. */
  readonly raw: string;
  /** `gcr.io`, `localhost:5000`; undefined for Docker Hub short names. */
  readonly registry?: string;
  /** Repository path without registry, e.g. `cloud-sql-connectors/cloud-sql-proxy`. */
  readonly repository: string;
  /** Path components of `repository`, e.g. `['cloud-sql-connectors', 'cloud-sql-proxy']`. */
  readonly path: readonly string[];
  readonly tag?: string;
  /** `sha256:...` when the reference is pinned by digest. */
  readonly digest?: string;
}

/** Parse an image reference. Returns undefined only for an empty/blank or non-string value. */
export function parseImage(ref: unknown): ImageRef | undefined {
  if (typeof ref !== 'string') return undefined;
  const raw = ref;
  let rest = ref.trim();
  if (rest === '') return undefined;

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || undefined;
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }

  let registry: string | undefined;
  const parts = rest.split('/');
  if (parts.length > 1) {
    const first = parts[0] ?? '';
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      parts.shift();
    }
  }
  const path = parts.filter((p) => p !== '');
  const repository = path.join('/');
  // Recognition parses every container's image once per profile: build the object directly
  // (no spreads), absent parts left out rather than set to undefined.
  const result: { -readonly [K in keyof ImageRef]: ImageRef[K] } = { raw, repository, path };
  if (registry !== undefined) result.registry = registry;
  if (tag !== undefined) result.tag = tag;
  if (digest !== undefined) result.digest = digest;
  return result;
}

/** Format a parsed reference back into its canonical string form. */
export function formatImage(img: Pick<ImageRef, 'registry' | 'repository' | 'tag' | 'digest'>): string {
  return (
    (img.registry !== undefined ? `${img.registry}/` : '') +
    img.repository +
    (img.tag !== undefined ? `:${img.tag}` : '') +
    (img.digest !== undefined ? `@${img.digest}` : '')
  );
}

/**
 * Registry-agnostic match on the last components of the repository path, case-insensitive:
 * `repositoryEndsWith(img, 'linkerd', 'proxy')` matches `cr.l5d.io/linkerd/proxy` and a mirror
 * `registry.example/mirror/linkerd/proxy`, not `example/proxy`.
 */
export function repositoryEndsWith(img: ImageRef | undefined, ...components: string[]): boolean {
  if (!img || components.length === 0 || img.path.length < components.length) return false;
  const offset = img.path.length - components.length;
  return components.every((c, i) => (img.path[offset + i] ?? '').toLowerCase() === c.toLowerCase());
}

/** The last path component (`cloud-sql-proxy`), lower-cased; '' when there is none. */
export function imageName(img: ImageRef | undefined): string {
  return (img?.path[img.path.length - 1] ?? '').toLowerCase();
}
