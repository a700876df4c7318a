// Catalog recognition remembered per container object. The webhook analyses each pod twice
// (as sent, and as it will be stored after our patch, to warn only about what is left); the
// patched pod is built by path copying (applyJsonPatch copy: 'path'), so every container the
// patch does not touch is the very same object and its recognition — a walk over every profile,
// the costliest part of building the pod model — is not redone. Keys are objects of one request;
// the WeakMap lets them go with the request, and a container changed by the patch is a new object.
import type { Container } from 'kubernetes-types/core/v1';
import type { Catalog } from '../catalog/types';

export function withRecognitionCache(catalog: Catalog): Catalog {
  const seen = new WeakMap<object, ReturnType<Catalog['recognize']> | null>();
  return {
    profiles: catalog.profiles,
    byId: (id) => catalog.byId(id),
    recognize(c: Container) {
      if (!c || typeof c !== 'object') return catalog.recognize(c);
      const hit = seen.get(c);
      if (hit !== undefined) return hit ?? undefined;
      const r = catalog.recognize(c);
      seen.set(c, r ?? null);
      return r;
    },
  };
}
