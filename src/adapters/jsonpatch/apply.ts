// A strict RFC 6902 applier: the reference the patch generator is tested with (the real
// apiserver applies webhook patches with evanphx/json-patch; the e2e tier checks that too).
// Errors on every case the RFC calls an error: a missing target, an index out of range, a
// failed `test`, `move` into one's own child. Returns a new document; the input is not touched.
// With `{ copy: 'path' }` only the objects and arrays on the paths the operations touch are
// copied (persistent-structure path copying) and everything else is shared with the input: the
// webhook uses it to analyse the pod it is about to return without deep-copying a 20 KB pod.

export class JsonPatchError extends Error {
  constructor(message: string) { super(message); this.name = 'JsonPatchError'; }
}

type Op = { op: string; path: string; from?: string; value?: unknown };

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${p}"`);
  // One scan instead of slice + split + a search per token: a pointer is parsed for every
  // operation, and split was a third of applying a patch.
  const tokens: string[] = [];
  let start = 1;
  let escaped = false;
  for (let i = 1; i <= p.length; i++) {
    const ch = i < p.length ? p.charCodeAt(i) : 47;
    if (ch === 126) escaped = true; // '~'
    else if (ch === 47) { // '/'
      const t = p.slice(start, i);
      // RFC 6901 §4: `~1` first, then `~0`.
      tokens.push(escaped ? t.replace(/~1/g, '/').replace(/~0/g, '~') : t);
      start = i + 1;
      escaped = false;
    }
  }
  return tokens;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayIndex(token: string, len: number, forAdd: boolean): number {
  if (forAdd && token === '-') return len;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > len || (!forAdd && i === len)) throw new JsonPatchError(`index ${i} out of range (length ${len})`);
  return i;
}

/** Copies made by this apply (path-copy mode); undefined when the whole input was cloned up front.
 *  A Set, not a WeakSet: it lives for one apply call, and Set lookups are cheaper. */
type Owned = Set<object> | undefined;

function own(v: unknown, owned: Owned): unknown {
  if (!owned || typeof v !== 'object' || v === null || owned.has(v)) return v;
  // Object.assign, not `{ ...v }`: see docs/adr/0012 (a literal that starts with a spread keeps
  // its copies, and all they point to, alive past the next young-generation GC on Node 20).
  const copy = Array.isArray(v) ? v.slice() : Object.assign({}, v);
  owned.add(copy);
  return copy;
}

function parentOf(doc: unknown, tokens: string[], path: string, owned?: Owned): unknown {
  let cur = doc;
  for (let k = 0; k < tokens.length - 1; k++) {
    const t = tokens[k]!;
    let i: string | number;
    if (Array.isArray(cur)) i = arrayIndex(t, cur.length, false);
    else if (isObject(cur) && Object.hasOwn(cur, t)) i = t;
    else throw new JsonPatchError(`path "${path}" does not exist`);
    const next = own((cur as Record<string | number, unknown>)[i], owned);
    if (owned) (cur as Record<string | number, unknown>)[i] = next;
    cur = next;
  }
  return cur;
}

function get(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JsonPatchError(`path "${path}" does not exist`);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, owned?: Owned): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, path, owned);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new JsonPatchError(`path "${path}": parent is not a container`);
  return doc;
}

function remove(doc: unknown, path: string, owned?: Owned): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return { doc: undefined, removed: doc };
  const parent = parentOf(doc, tokens, path, owned);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(last, parent.length, false), 1);
    return { doc, removed };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const removed = parent[last];
    delete parent[last];
    return { doc, removed };
  }
  throw new JsonPatchError(`path "${path}" does not exist`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Deep copy of JSON data (faster than structuredClone for the small values patches carry). */
function cloneJson(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneJson);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out;
}

export function applyJsonPatch<T>(document: T, ops: readonly Op[], opts: { copy?: 'deep' | 'path' } = {}): T {
  const owned: Owned = opts.copy === 'path' ? new Set<object>() : undefined;
  let doc: unknown = owned ? own(document, owned) : cloneJson(document);
  // Values from the patch are copied on the way in, so later operations never write into the
  // patch itself (which is still to be sent).
  const value = cloneJson;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    try {
      switch (o.op) {
        case 'add': doc = add(doc, o.path, value(o.value), owned); break;
        case 'remove': doc = remove(doc, o.path, owned).doc; break;
        case 'replace': get(doc, o.path); doc = add(remove(doc, o.path, owned).doc, o.path, value(o.value), owned); break;
        case 'move': {
          if (o.from === undefined) throw new JsonPatchError('move without from');
          if (o.path.startsWith(o.from + '/')) throw new JsonPatchError('cannot move a value into itself');
          const r = remove(doc, o.from, owned);
          doc = add(r.doc, o.path, r.removed, owned);
          break;
        }
        case 'copy': {
          if (o.from === undefined) throw new JsonPatchError('copy without from');
          doc = add(doc, o.path, cloneJson(get(doc, o.from)), owned);
          break;
        }
        case 'test':
          if (!deepEqual(get(doc, o.path), o.value)) throw new JsonPatchError(`test failed: ${JSON.stringify(get(doc, o.path))} != ${JSON.stringify(o.value)}`);
          break;
        default: throw new JsonPatchError(`unknown op "${o.op}"`);
      }
    } catch (e) {
      if (e instanceof JsonPatchError) throw new JsonPatchError(`operation ${i} (${o.op} ${o.path}): ${e.message}`);
      throw e;
    }
  }
  return doc as T;
}
