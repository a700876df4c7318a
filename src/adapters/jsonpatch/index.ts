// Change[] → RFC 6902 JSON Patch, for the admission webhook. The same Change[] the YAML editor
// applies to text (src/adapters/yaml/edit.ts) becomes operations on the JSON object the
// apiserver sent; applyChanges (src/core/apply.ts) is the reference semantics both are tested
// against (test/unit/adapters/all-adapters.test.ts).
//
// Why these operations and no others (Kubernetes "Admission webhook good practices",
// kubernetes/website content/en/docs/concepts/cluster-administration/admission-webhooks-good-practices.md:
// "Don't overwrite array values … use the add JSONPatch operation instead of replace"):
// - a container is moved with one `move` (RFC 6902 §4.4: remove + add of the same value), guarded
//   by a `test` of its name at the index we computed, so the patch fails loudly instead of
//   moving the wrong container if the object differs from the one we read;
// - list entries are appended with `add …/-` (args, env, ports) or inserted at an index
//   (initContainers); a list is created with `add` only when it does not exist;
// - `replace` is used only for one element we address by index after checking what is there
//   (an arg rewritten in place, an env var of the same name), never for a whole array, so
//   containers another mutating webhook added before us are carried over untouched.
// Indices are tracked while operations are generated: each operation applies to the document
// as the previous operations left it (RFC 6902 §3), exactly like applyChange's sequential splices.
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import { ChangeError } from '../../core/apply';
import type { Change, ContainerList, Path } from '../../core/types';

export type JsonPatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: unknown };

/** RFC 6901 reference token escaping: `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string | number): string {
  const s = String(token);
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
}

export function toPointer(path: Path): string {
  let out = '';
  for (const seg of path) out += '/' + escapePointerToken(seg);
  return out;
}

interface Tracked {
  /** Lengths and names as the patch has left them so far; containers are never copied. */
  readonly c: Container;
  argsLen: number | undefined;
  envNames: string[] | undefined;
  portsLen: number | undefined;
}

export interface JsonPatchOptions {
  /** Path from the patched document's root to the pod spec: `['spec']` for a Pod. */
  readonly podPath: Path;
}

/**
 * The operations that turn `spec` (as found at `podPath` in the document) into
 * `applyChanges(spec, changes)`. Throws ChangeError when a change does not fit the spec
 * (the same cases applyChange rejects), so nothing partial is ever returned.
 */
export function changesToJsonPatch(spec: PodSpec, changes: readonly Change[], opts: JsonPatchOptions): JsonPatchOp[] {
  const base = toPointer(opts.podPath);
  const lists: Record<ContainerList, Tracked[] | undefined> = {
    initContainers: Array.isArray(spec.initContainers) ? spec.initContainers.map(track) : undefined,
    containers: Array.isArray(spec.containers) ? spec.containers.map(track) : undefined,
  };
  const ops: JsonPatchOp[] = [];
  const locate = (name: string): { list: ContainerList; index: number; t: Tracked } => {
    for (const list of ['initContainers', 'containers'] as const) {
      const arr = lists[list];
      const index = arr ? arr.findIndex((t) => t.c?.name === name) : -1;
      if (index >= 0) return { list, index, t: arr![index]! };
    }
    throw new ChangeError(`no container named "${name}" in the pod`);
  };
  const at = (list: ContainerList, index: number) => `${base}/${list}/${index}`;
  for (const ch of changes) {
    const { list, index, t } = locate(ch.container);
    const cp = at(list, index);
    switch (ch.kind) {
      case 'move-to-init': {
        ops.push({ op: 'test', path: `${cp}/name`, value: ch.container });
        lists[list]!.splice(index, 1);
        let inits = lists.initContainers;
        if (!inits) {
          ops.push({ op: 'add', path: `${base}/initContainers`, value: [] });
          inits = lists.initContainers = [];
        }
        const to = Math.min(ch.index, inits.length);
        ops.push({ op: 'move', from: cp, path: `${base}/initContainers/${to === inits.length ? '-' : to}` });
        inits.splice(to, 0, t);
        break;
      }
      case 'set-field':
        // `add` on an object member sets it whether or not it exists (RFC 6902 §4.1).
        ops.push({ op: 'add', path: `${cp}/${ch.field}`, value: ch.value });
        break;
      case 'add-args':
        if (t.argsLen === undefined) {
          ops.push({ op: 'add', path: `${cp}/args`, value: [...ch.args] });
          t.argsLen = ch.args.length;
        } else {
          for (const a of ch.args) ops.push({ op: 'add', path: `${cp}/args/-`, value: a });
          t.argsLen += ch.args.length;
        }
        break;
      case 'replace-arg': {
        const field = ch.inCommand ? 'command' : 'args';
        const len = ch.inCommand ? (Array.isArray(t.c.command) ? t.c.command.length : undefined) : t.argsLen;
        if (len === undefined || ch.index >= len) throw new ChangeError(`container "${ch.container}" has no ${field}[${ch.index}]`);
        ops.push({ op: 'replace', path: `${cp}/${field}/${ch.index}`, value: ch.value });
        break;
      }
      case 'set-env': {
        if (t.envNames === undefined) {
          ops.push({ op: 'add', path: `${cp}/env`, value: [ch.env] });
          t.envNames = [ch.env.name];
          break;
        }
        const i = t.envNames.indexOf(ch.env.name);
        if (i >= 0) {
          ops.push({ op: 'test', path: `${cp}/env/${i}/name`, value: ch.env.name });
          ops.push({ op: 'replace', path: `${cp}/env/${i}`, value: ch.env });
        } else {
          ops.push({ op: 'add', path: `${cp}/env/-`, value: ch.env });
          t.envNames.push(ch.env.name);
        }
        break;
      }
      case 'add-port':
        if (t.portsLen === undefined) {
          ops.push({ op: 'add', path: `${cp}/ports`, value: [ch.port] });
          t.portsLen = 1;
        } else {
          ops.push({ op: 'add', path: `${cp}/ports/-`, value: ch.port });
          t.portsLen++;
        }
        break;
      case 'remove-container': {
        ops.push({ op: 'test', path: `${cp}/name`, value: ch.container });
        ops.push({ op: 'remove', path: cp });
        const arr = lists[list]!;
        arr.splice(index, 1);
        // applyChange drops an emptied initContainers list; so do we.
        if (list === 'initContainers' && arr.length === 0) {
          ops.push({ op: 'remove', path: `${base}/initContainers` });
          lists.initContainers = undefined;
        }
        break;
      }
    }
  }
  return ops;
}

function track(c: Container): Tracked {
  return {
    c,
    argsLen: Array.isArray(c?.args) ? c.args.length : undefined,
    envNames: Array.isArray(c?.env) ? c.env.map((e) => String(e?.name)) : undefined,
    portsLen: Array.isArray(c?.ports) ? c.ports.length : undefined,
  };
}

export { applyJsonPatch, JsonPatchError } from './apply';
