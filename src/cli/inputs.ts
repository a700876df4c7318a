// Turning command-line operands into manifest texts: files, directories (recursive), globs and
// stdin (`-`). Errors are collected per operand, never thrown past the command.
import { readdir, readFile, stat, open, rename, unlink, chmod } from 'node:fs/promises';
import { dirname, join, relative, basename, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decodeInput, type InputError } from '../adapters/yaml/read';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', '.terraform', 'vendor']);

export interface InputText { readonly file: string; readonly text: string; readonly fromStdin: boolean }

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(p, out); }
    else if (e.isFile() && MANIFEST_EXT.test(e.name)) out.push(p);
  }
}

/** `**` any depth, `*` and `?` within a segment, `[abc]` classes. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; if (glob[i + 1] === '/') i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') { const j = glob.indexOf(']', i); if (j > i) { re += glob.slice(i, j + 1); i = j; } else re += '\\['; }
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function readStdin(stdin: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    n += b.length;
    chunks.push(b);
    if (n > maxBytes) break; // enough to report "too large" without buffering the rest
  }
  return Buffer.concat(chunks);
}

export interface GatherOptions { readonly cwd: string; readonly stdin: Readable; readonly maxBytes: number }

export async function gatherInputs(operands: readonly string[], opts: GatherOptions): Promise<{ inputs: InputText[]; errors: InputError[] }> {
  const inputs: InputText[] = [];
  const errors: InputError[] = [];
  const files: string[] = [];
  for (const op of operands.length ? operands : ['-']) {
    if (op === '-') {
      const bytes = await readStdin(opts.stdin, opts.maxBytes);
      const d = decodeInput('<stdin>', bytes, { maxBytes: opts.maxBytes });
      if (d.error) errors.push(d.error); else inputs.push({ file: '<stdin>', text: d.text!, fromStdin: true });
      continue;
    }
    if (/[*?[]/.test(op)) {
      const firstMeta = op.search(/[*?[]/);
      const base = op.slice(0, firstMeta).replace(/[^/]*$/, '') || '.';
      const all: string[] = [];
      try { await walk(resolve(opts.cwd, base), all); } catch { /* no such dir: no matches */ }
      const re = globToRegExp(op.replace(/^\.\//, ''));
      const matched = all.map((p) => relative(opts.cwd, p)).filter((p) => re.test(p));
      if (!matched.length) errors.push({ file: op, line: 1, column: 1, message: 'no files match this pattern' });
      files.push(...matched);
      continue;
    }
    try {
      const st = await stat(resolve(opts.cwd, op));
      if (st.isDirectory()) {
        const found: string[] = [];
        await walk(resolve(opts.cwd, op), found);
        files.push(...found.map((p) => relative(opts.cwd, p) || basename(p)));
      } else files.push(op);
    } catch (e) {
      errors.push({ file: op, line: 1, column: 1, message: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String((e as Error).message) });
    }
  }
  for (const f of [...new Set(files)]) {
    try {
      const st = await stat(resolve(opts.cwd, f));
      if (st.size > opts.maxBytes) { errors.push({ file: f, line: 1, column: 1, message: `file is ${st.size} bytes, over the ${opts.maxBytes}-byte limit (--max-bytes)` }); continue; }
      const bytes = await readFile(resolve(opts.cwd, f));
      const d = decodeInput(f, bytes, { maxBytes: opts.maxBytes });
      if (d.error) errors.push(d.error); else inputs.push({ file: f, text: d.text!, fromStdin: false });
    } catch (e) {
      errors.push({ file: f, line: 1, column: 1, message: String((e as Error).message) });
    }
  }
  return { inputs, errors };
}

/** Write-then-rename in the same directory: readers see the old file or the new one, never half. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.sidecarctl-${randomUUID()}.tmp`);
  let mode: number | undefined;
  try { mode = (await stat(path)).mode & 0o7777; } catch { /* new file */ }
  const fh = await open(tmp, 'wx', mode ?? 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
