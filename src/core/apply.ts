// Applies Change[] to a plain pod spec object (a deep copy; the input is not touched). The
// reference semantics every other adapter must reproduce: the YAML editor's output is checked
// against it, and the webhook's JSON Patch is tested to give the same pod.
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import type { Change } from './types';

export class ChangeError extends Error {
  constructor(message: string) { super(message); this.name = 'ChangeError'; }
}

function find(spec: PodSpec, name: string): { list: 'containers' | 'initContainers'; index: number; c: Container } {
  for (const list of ['initContainers', 'containers'] as const) {
    const arr = spec[list] ?? [];
    const index = arr.findIndex((c) => c?.name === name);
    if (index >= 0) return { list, index, c: arr[index]! };
  }
  throw new ChangeError(`no container named "${name}" in the pod`);
}

export function applyChange(spec: PodSpec, ch: Change): void {
  const at = find(spec, ch.container);
  const c = at.c as Container & Record<string, unknown>;
  switch (ch.kind) {
    case 'move-to-init': {
      spec[at.list]!.splice(at.index, 1);
      const inits = (spec.initContainers ??= []);
      inits.splice(Math.min(ch.index, inits.length), 0, c);
      return;
    }
    case 'set-field':
      (c as Record<string, unknown>)[ch.field] = structuredClone(ch.value);
      return;
    case 'add-args':
      c.args = [...(c.args ?? []), ...ch.args];
      return;
    case 'replace-arg': {
      const arr = ch.inCommand ? c.command : c.args;
      if (!arr || ch.index >= arr.length) throw new ChangeError(`container "${ch.container}" has no ${ch.inCommand ? 'command' : 'args'}[${ch.index}]`);
      arr[ch.index] = ch.value;
      return;
    }
    case 'set-env': {
      const env = (c.env ??= []);
      const i = env.findIndex((e) => e?.name === ch.env.name);
      if (i >= 0) env[i] = structuredClone(ch.env);
      else env.push(structuredClone(ch.env));
      return;
    }
    case 'add-port':
      (c.ports ??= []).push(structuredClone(ch.port));
      return;
    case 'remove-container':
      spec[at.list]!.splice(at.index, 1);
      if (at.list === 'initContainers' && spec.initContainers!.length === 0) delete spec.initContainers;
      return;
  }
}

export function applyChanges(spec: PodSpec, changes: readonly Change[]): PodSpec {
  const out = structuredClone(spec);
  for (const ch of changes) applyChange(out, ch);
  return out;
}
