// Reading a container's command line and environment the way the sidecar's own flag parser would.
//
// Two flag dialects matter for the sidecars we know:
//  - `posix`: spf13/pflag (cloud-sql-proxy v2, alloydb-auth-proxy, oauth2-proxy) and GNU getopt_long
//    (fluent-bit): `--name=value`, `--name value`, `-n value`, `-nvalue`, `-n=value`, bare booleans,
//    `--` ends flags, flags and positionals may interleave.
//  - `go`: the standard library `flag` package (cloud_sql_proxy v1, consul-template, vault, envoy's
//    own parser is close enough): `-name` or `--name`, `-name=value`, `-name value` for non-booleans,
//    booleans never take the next word; parsing stops at the first positional argument.
// In both, the last occurrence of a flag wins.
//
// Kubernetes expands `$(VAR)` in command/args from the container's env (earlier entries, literal
// values only); `expandVars` does the same so `--port=$(DB_PORT)` can still be read.
import type { Container, EnvVar } from 'kubernetes-types/core/v1';

/** One word of the container's argv, with where it lives for in-place edits. */
export interface ArgToken {
  readonly value: string;
  /** Index into `args` (or `command` when `inCommand`); -1 for words read out of a shell script. */
  readonly index: number;
  readonly inCommand: boolean;
}

export function argv(c: Container): ArgToken[] {
  const out: ArgToken[] = [];
  const cmd = Array.isArray(c.command) ? c.command : [];
  const args = Array.isArray(c.args) ? c.args : [];
  cmd.forEach((v, i) => out.push({ value: String(v ?? ''), index: i, inCommand: true }));
  args.forEach((v, i) => out.push({ value: String(v ?? ''), index: i, inCommand: false }));
  return out;
}

export function basename(word: string): string {
  const i = word.lastIndexOf('/');
  return i >= 0 ? word.slice(i + 1) : word;
}

/** `-c`, `-ec`, `-exc`: the option that takes the script. */
const SCRIPT_OPTION = /^-[a-zA-Z]*c[a-zA-Z]*$/;
const SHELL_OPTION = /^[-+][a-zA-Z]+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'busybox']);

/** Whether a word runs a POSIX-ish shell (`sh`, `/bin/bash`, `/usr/bin/dash`…): the one list every
 *  reader of commands uses (entrypoints, exec probes and hooks). `busybox` alone is not a shell. */
export function isShellProgram(word: string): boolean {
  const b = basename(word);
  return b !== 'busybox' && SHELLS.has(b);
}

export interface ShellWrapper {
  /** The shell's basename (`sh`, `bash`). */
  readonly shell: string;
  /** The script passed to `-c`. */
  readonly script: string;
  readonly scriptToken: ArgToken;
}

/**
 * `sh -c "<script>"` (also `/bin/bash -ec`, `busybox sh -c`, and `command: [sh, -c]` with the
 * script in `args`). When the sidecar runs inside such a script its arguments cannot be edited
 * safely: a fixer must report instead of rewriting.
 */
export function shellWrapper(c: Container, words: readonly ArgToken[] = argv(c)): ShellWrapper | undefined {
  let i = 0;
  const first = words[0];
  if (!first) return undefined;
  let shell = basename(first.value);
  if (shell === 'busybox' && words[1] && SHELLS.has(basename(words[1].value))) {
    shell = basename(words[1].value);
    i = 1;
  }
  if (!SHELLS.has(shell) || shell === 'busybox') return undefined;
  // Options before the script: -c, -ec, -ce, -exc, -e -c, -o pipefail -c ...
  for (let j = i + 1; j < words.length; j++) {
    const w = words[j]!.value;
    if (SCRIPT_OPTION.test(w)) {
      const scriptToken = words[j + 1];
      if (!scriptToken) return undefined;
      return { shell, script: scriptToken.value, scriptToken };
    }
    if (w === '-o' || w === '+o') { j++; continue; }
    if (!SHELL_OPTION.test(w)) return undefined;
  }
  return undefined;
}

/**
 * Split a shell script into simple commands (on newlines, `;`, `&&`, `||`, `|`, `&`) and each into
 * words, honouring single and double quotes and backslashes. An approximation good enough to find
 * `tail -F /var/log/app.log` or `/cloud_sql_proxy -instances=...` inside a wrapper; it never throws.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => { if (inWord) { words.push(word); word = ''; inWord = false; } };
  const endCommand = () => { endWord(); if (words.length) commands.push(words); words = []; };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word += end < 0 ? script.slice(i + 1) : script.slice(i + 1, end);
      inWord = true;
      i = end < 0 ? script.length : end;
    } else if (ch === '"') {
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '\\' && i + 1 < script.length) i++;
        word += script[i];
        i++;
      }
      inWord = true;
    } else if (ch === '\\') {
      if (script[i + 1] === '\n') { i++; continue; }
      if (i + 1 < script.length) { word += script[i + 1]; i++; inWord = true; }
    } else if (ch === '#' && !inWord) {
      const nl = script.indexOf('\n', i);
      i = nl < 0 ? script.length : nl - 1;
    } else if (ch === '\n' || ch === ';' || ch === '&' || ch === '|') {
      endCommand();
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
    } else {
      word += ch;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** Wrapper words that run the next word as the program (`exec cmd`, `kubexit cmd`, `dumb-init -- cmd`). */
const PASS_THROUGH = new Set(['exec', 'kubexit', 'dumb-init', 'tini', '--', 'nohup', 'env']);

/**
 * Where a program's own arguments start: `{ tokens, editable }` for the first occurrence of one of
 * `binaries` (matched by basename) as the program of the container or of a command inside a shell
 * script. `entrypoint: true` means the container has no `command` and the image entrypoint is
 * assumed to be the program (all of `args` are its arguments).
 */
export interface ProgramArgs {
  readonly tokens: readonly ArgToken[];
  /** false when read out of a shell script: arguments must not be rewritten. */
  readonly editable: boolean;
  readonly via: 'entrypoint' | 'command' | 'shell';
  /** The matched binary as written, when found. */
  readonly binary?: string;
  readonly shell?: ShellWrapper;
}

export function findProgram(c: Container, binaries: readonly string[], opts: { entrypoint?: boolean } = {}): ProgramArgs | undefined {
  const words = argv(c);
  const shell = shellWrapper(c, words);
  return programIn({ container: c, words, shell, commands: shell ? shellCommands(shell.script) : [], binaries, entrypoint: !!opts.entrypoint });
}

/** `findProgram` on a container's argv, shell wrapper and shell commands computed beforehand (view.ts). */
export function programIn(a: {
  readonly container: Container;
  readonly words: readonly ArgToken[];
  /** `basename` of each word, when the caller has them already. */
  readonly names?: readonly string[];
  readonly shell: ShellWrapper | undefined;
  /** `shellCommands(shell.script)` ([] without a shell wrapper). */
  readonly commands: readonly (readonly string[])[];
  /** `commandPrograms(commands)`, when the caller has them already. */
  readonly programs?: readonly CommandProgram[];
  readonly binaries: readonly string[];
  readonly entrypoint: boolean;
}): ProgramArgs | undefined {
  const { words, binaries } = a;
  const sh = a.shell;
  if (!sh) {
    const names = a.names ?? words.map((w) => basename(w.value));
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (binaries.includes(names[i]!)) {
        // Only the program position counts: the first word, or after pass-through wrappers.
        let atProgram = true;
        for (let j = 0; j < i && atProgram; j++) { const b = names[j]!; atProgram = PASS_THROUGH.has(b) || b.startsWith('-'); }
        if (atProgram) return { tokens: words.slice(i + 1), editable: true, via: 'command', binary: w.value };
      }
    }
    const hasCommand = Array.isArray(a.container.command) && a.container.command.length > 0;
    if (!hasCommand && a.entrypoint) return { tokens: words.slice(), editable: true, via: 'entrypoint' };
    return undefined;
  }
  const programs = a.programs ?? commandPrograms(a.commands);
  for (let i = 0; i < programs.length; i++) {
    const p = programs[i]!;
    if (p.name !== undefined && binaries.includes(p.name)) {
      const cmd = a.commands[i]!;
      return {
        tokens: cmd.slice(p.index + 1).map((value) => ({ value, index: -1, inCommand: false })),
        editable: false,
        via: 'shell',
        binary: cmd[p.index]!,
        shell: sh,
      };
    }
  }
  return undefined;
}

/** Where the program of a shell command is (after `exec`, `env`, `VAR=value`…) and its basename;
 *  `name` is undefined when the command has no program word. */
export interface CommandProgram {
  readonly index: number;
  readonly name: string | undefined;
}

export function commandPrograms(commands: readonly (readonly string[])[]): CommandProgram[] {
  return commands.map((cmd) => {
    let k = 0;
    while (k < cmd.length && (PASS_THROUGH.has(basename(cmd[k]!)) || ASSIGNMENT.test(cmd[k]!))) k++;
    return { index: k, name: k < cmd.length ? basename(cmd[k]!) : undefined };
  });
}

export interface FlagSpec {
  readonly style: 'posix' | 'go';
  /** Long names of flags that take a value (`port`, `http-address`). */
  readonly valueFlags?: readonly string[];
  /** Long names of boolean flags; unknown flags are treated as boolean (they never eat a word). */
  readonly boolFlags?: readonly string[];
  /** posix shorthands: `{ p: 'port', a: 'address' }`. */
  readonly shorthands?: Readonly<Record<string, string>>;
}

export interface FlagHit {
  /** Long name, shorthands resolved. */
  readonly name: string;
  /** The value as written; undefined for a bare boolean. */
  readonly value: string | undefined;
  readonly form: 'inline' | 'separate' | 'bare';
  /** The word holding the flag name (and the value when `inline`). */
  readonly token: ArgToken;
  /** The word holding the value when `separate`. */
  readonly valueToken?: ArgToken;
}

export interface ParsedFlags {
  readonly hits: readonly FlagHit[];
  readonly positionals: readonly ArgToken[];
  /** Last occurrence (the one that wins). */
  last(name: string): FlagHit | undefined;
  all(name: string): FlagHit[];
  /** Boolean value of the last occurrence: bare → true, `=false` → false, absent → undefined. */
  bool(name: string): boolean | undefined;
  str(name: string): string | undefined;
}

export function parseBoolValue(v: string | undefined): boolean | undefined {
  // strconv.ParseBool, which pflag, flag and viper all use.
  switch ((v ?? '').trim()) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True': return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False': return false;
    default: return undefined;
  }
}

export function parseFlags(tokens: readonly ArgToken[], spec: FlagSpec): ParsedFlags {
  // Arrays, not Sets: a lookup happens only for a flag written without `=`, and building two
  // Sets on every call (three calls per proxy container per analysis) cost more than it saved.
  const valueFlags = spec.valueFlags ?? [];
  const boolFlags = spec.boolFlags ?? [];
  const short = spec.shorthands ?? {};
  const hits: FlagHit[] = [];
  const positionals: ArgToken[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w = t.value;
    if (onlyPositionals || w === '-' || !w.startsWith('-')) {
      positionals.push(t);
      if (spec.style === 'go') onlyPositionals = true;
      continue;
    }
    if (w === '--') { onlyPositionals = true; continue; }
    const isLong = w.startsWith('--');
    if (spec.style === 'posix' && !isLong) {
      // -p 5432 | -p5432 | -p=5432 | -h (bool). Clusters of booleans (-abc) are rare in sidecars; the
      // first letter decides.
      const letter = w[1]!;
      const name = short[letter] ?? letter;
      const restOfWord = w.slice(2);
      if (restOfWord !== '') {
        hits.push({ name, value: restOfWord.startsWith('=') ? restOfWord.slice(1) : restOfWord, form: 'inline', token: t });
      } else if (valueFlags.includes(name) && i + 1 < tokens.length) {
        hits.push({ name, value: tokens[i + 1]!.value, form: 'separate', token: t, valueToken: tokens[i + 1]! });
        i++;
      } else {
        hits.push({ name, value: undefined, form: 'bare', token: t });
      }
      continue;
    }
    const body = w.slice(isLong ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === '') { positionals.push(t); continue; }
    if (eq >= 0) {
      hits.push({ name, value: body.slice(eq + 1), form: 'inline', token: t });
    } else if (valueFlags.includes(name) && !boolFlags.includes(name) && i + 1 < tokens.length) {
      hits.push({ name, value: tokens[i + 1]!.value, form: 'separate', token: t, valueToken: tokens[i + 1]! });
      i++;
    } else {
      hits.push({ name, value: undefined, form: 'bare', token: t });
    }
  }
  const all = (name: string) => hits.filter((h) => h.name === name);
  const last = (name: string) => {
    for (let i = hits.length - 1; i >= 0; i--) if (hits[i]!.name === name) return hits[i];
    return undefined;
  };
  return {
    hits,
    positionals,
    all,
    last,
    bool(name) {
      const h = last(name);
      if (!h) return undefined;
      return h.value === undefined ? true : parseBoolValue(h.value);
    },
    str(name) { return last(name)?.value; },
  };
}

export type EnvValue =
  | { readonly kind: 'literal'; readonly name: string; readonly value: string; readonly index: number }
  /** `valueFrom` (secret, configMap, fieldRef, ...): set, but its value is unknown here. */
  | { readonly kind: 'ref'; readonly name: string; readonly index: number };

function envList(c: Container): EnvVar[] {
  return Array.isArray(c.env) ? c.env.filter((e): e is EnvVar => !!e && typeof e === 'object' && typeof e.name === 'string') : [];
}

/** The effective entry for `name` (the last one wins, as the kubelet builds the environment in order). */
export function readEnv(c: Container, name: string): EnvValue | undefined {
  const list = envList(c);
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if (e.name !== name) continue;
    if (e.valueFrom !== undefined && e.valueFrom !== null) return { kind: 'ref', name, index: i };
    return { kind: 'literal', name, value: expandVars(e.value == null ? '' : String(e.value), c, i), index: i };
  }
  return undefined;
}

/** Names of env entries that start with `prefix`. */
export function envNamesWithPrefix(c: Container, prefix: string): string[] {
  return [...new Set(envList(c).map((e) => e.name).filter((n) => n.startsWith(prefix)))];
}

/** `envFrom` can set any variable (so any `CSQL_PROXY_*`): such settings are unknown here. */
export function hasEnvFrom(c: Container): boolean {
  return Array.isArray(c.envFrom) && c.envFrom.length > 0;
}

/**
 * Kubernetes `$(VAR)` expansion: references to literal env entries defined before `before`
 * (all entries when omitted) are replaced; `$$(VAR)` is an escaped literal; unknown references stay
 * as written (the kubelet leaves them unexpanded too).
 */
export function expandVars(value: string, c: Container, before?: number): string {
  if (!value.includes('$(')) return value;
  const list = envList(c).slice(0, before ?? undefined);
  const known = new Map<string, string>();
  for (const e of list) {
    if (e.valueFrom == null) known.set(e.name, e.value == null ? '' : String(e.value));
    else known.delete(e.name);
  }
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && known.has(name) ? known.get(name)! : m;
  });
}
