// Reading container entrypoints as shell: enough to find the stop/wait hacks people write
// around sidecars (quitquitquit callers, sleep-then-kill, kill files, wait-for loops). Not a
// shell parser: it splits a script into simple commands on `;`, `&&`, `||`, `|`, `&` and
// newlines (outside quotes), which is what the patterns need.
import type { Container } from 'kubernetes-types/core/v1';
import { isShellProgram } from '../catalog/flags';

export interface Entrypoint {
  /** The words as the kubelet passes them (command then args). */
  readonly argv: readonly string[];
  /** The script when argv is `<shell> [-flags]c <script> ...`, else undefined. */
  readonly script?: string;
}

export function entrypointOf(c: Container): Entrypoint {
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
  const shellIdx = argv.findIndex((w) => isShellProgram(w));
  if (shellIdx >= 0 && shellIdx <= 1) {
    const flagIdx = argv.findIndex((w, i) => i > shellIdx && /^-[a-z]*c[a-z]*$/.test(w));
    if (flagIdx > 0 && argv[flagIdx + 1] !== undefined) return { argv, script: argv[flagIdx + 1] };
  }
  return { argv };
}

/** Whether the character at `j` ends a run of ordinary word characters (see `simpleCommands`). */
function isWordBreak(script: string, j: number): boolean {
  switch (script[j]) {
    case '"': case "'": case ';': case '\n': case '|': case '&': case '(': case ')': case '{': case '}': case ' ': case '\t':
      return true;
    case '\\':
      return script[j + 1] === '\n';
    default:
      return false;
  }
}

/** Split a script into simple commands (words), ignoring separators inside quotes. */
export function simpleCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let quote: '"' | "'" | null = null;
  const endWord = () => { if (word) { words.push(word); word = ''; } };
  const endCommand = () => { endWord(); if (words.length) commands.push(words); words = []; };
  const n = script.length;
  for (let i = 0; i < n; i++) {
    const ch = script[i]!;
    if (quote) {
      // the quoted text up to the closing quote, in one piece (not a string per character)
      const close = script.indexOf(quote, i);
      word += close < 0 ? script.slice(i) : script.slice(i, close);
      if (close < 0) i = n;
      else { quote = null; i = close; }
      continue;
    }
    if (ch === '"' || ch === "'") { quote = ch; continue; }
    if (ch === '\\' && script[i + 1] === '\n') { i++; continue; } // line continuation
    if (ch === '#' && word === '' ) { // comment to end of line
      while (i < script.length && script[i] !== '\n') i++;
      endCommand();
      continue;
    }
    if (ch === ';' || ch === '\n' || ch === '|' || ch === '&' || ch === '(' || ch === ')' || ch === '{' || ch === '}') { endCommand(); continue; }
    if (ch === ' ' || ch === '\t') { endWord(); continue; }
    // a run of ordinary characters, in one piece; `#` inside a word is ordinary
    let j = i + 1;
    while (j < n && !isWordBreak(script, j)) j++;
    word += script.slice(i, j);
    i = j - 1;
  }
  endCommand();
  // Keywords that start a compound command are not the command itself.
  return commands.map((w) => {
    let k = 0;
    while (k < w.length && /^(then|do|else|elif|if|while|until|!|time|exec|env)$/.test(w[k]!)) k++;
    return w.slice(k);
  }).filter((w) => w.length > 0);
}

const QQQ = /quitquitquit|\/shutdown\b|\/quitquitquit/;
const HTTP_TOOLS = /^(curl|wget|\/\S*\/curl|\/\S*\/wget|http|nc)$/;

export interface QuitCall {
  /** The command as written. */
  readonly text: string;
  /** False when the URL is an argument of another command (e.g. lines joined by a folded `>` scalar). */
  readonly runs: boolean;
  /** The command whose argument it became, when it does not run. */
  readonly swallowedBy?: string;
}

/** Finds calls to a sidecar's stop endpoint (`/quitquitquit`, linkerd `/shutdown`) in a script. */
export function findQuitCalls(script: string, commands: readonly (readonly string[])[] = simpleCommands(script)): QuitCall[] {
  const out: QuitCall[] = [];
  for (const cmd of commands) {
    const urlIdx = cmd.findIndex((w) => QQQ.test(w) && /(localhost|127\.0\.0\.1|\[::1\]|:\d+\/)/.test(w));
    if (urlIdx < 0) continue;
    const head = cmd[0]!;
    const toolIdx = cmd.findIndex((w) => HTTP_TOOLS.test(w));
    const runs = HTTP_TOOLS.test(head) || (toolIdx >= 0 && toolIdx === 0);
    const from = toolIdx >= 0 ? toolIdx : urlIdx;
    const text = cmd.slice(from).join(' ');
    out.push(runs ? { text, runs } : { text, runs, swallowedBy: head });
  }
  return out;
}

export interface ScriptFacts {
  readonly sleeps: boolean;
  readonly kills: boolean;
  readonly quitCalls: readonly QuitCall[];
  /** Waits in a loop for a file to appear (kill-file / tombstone pattern). */
  readonly waitsForFile: boolean;
  /** Waits in a loop for a port/URL to answer before going on (wait-for pattern). */
  readonly waitsForPort: boolean;
  /** Every command is one of: sleep, echo, true, exit, curl/wget to a stop endpoint, kill/pkill, a wait loop test. */
  readonly onlyStopHack: boolean;
  readonly commands: readonly string[][];
}

const TRIVIAL = /^(sleep|echo|true|exit|printf|set|:|date|trap|wait)$/;

export function scriptFacts(script: string): ScriptFacts {
  const commands = simpleCommands(script);
  const heads = commands.map((c) => c[0]!.replace(/^.*\//, ''));
  const quitCalls = findQuitCalls(script, commands);
  const sleeps = heads.includes('sleep');
  const kills = heads.some((h) => h === 'kill' || h === 'pkill' || h === 'killall');
  const waitsForFile = /\b(while|until)\b[^;\n]*(\[\s*!?\s*-[fe]\s|test\s+!?\s*-[fe]\s|-f\s)/.test(script) || /inotifywait/.test(script);
  const waitsForPort = /\b(while|until)\b[^\n]*(nc\s+-z|curl\s|wget\s|pg_isready|mysqladmin\s+ping|\/dev\/tcp\/)/.test(script) || /\bwait-for(-it)?(\.sh)?\b|\bdockerize\b[^\n]*-wait|cloud-sql-proxy\s+wait/.test(script);
  const onlyStopHack = commands.length > 0 && commands.every((c) => {
    const h = c[0]!.replace(/^.*\//, '');
    if (TRIVIAL.test(h) || h === 'kill' || h === 'pkill' || h === 'killall' || h === 'test' || h === '[') return true;
    if (HTTP_TOOLS.test(h)) return c.some((w) => QQQ.test(w));
    return false;
  }) && (quitCalls.some((q) => q.runs) || kills);
  return { sleeps, kills, quitCalls, waitsForFile, waitsForPort, onlyStopHack, commands };
}
