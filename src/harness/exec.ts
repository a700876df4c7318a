// Small wrappers around child processes: run-to-completion commands and
// long-running daemons that outlive the `cluster:up` process.
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { HarnessError } from './log';

export interface RunResult { stdout: string; stderr: string; code: number }

/** Runs a command to completion; rejects with a HarnessError naming `component` on failure. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { component?: string; input?: string; env?: NodeJS.ProcessEnv; cwd?: string; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args as string[],
      { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        // a command that outlived its time is never a result, whatever allowFail says
        if (err && (err as { killed?: boolean }).killed && opts.timeoutMs) {
          reject(new HarnessError(opts.component ?? cmd, `${cmd} ${args.join(' ')}: no exit within ${opts.timeoutMs} ms: ${String(stderr).trim().slice(-2000)}`));
          return;
        }
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        if (err && !opts.allowFail) {
          reject(new HarnessError(opts.component ?? cmd, `${cmd} ${args.join(' ')} failed (${code}): ${String(stderr).trim().slice(-2000)}`));
          return;
        }
        resolvePromise({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/**
 * Starts a daemon detached from this process (its own process group, output
 * appended to `logFile`, pid written to `pidFile`) so the cluster keeps
 * running after `npm run cluster:up` exits.
 */
export function startDaemon(cmd: string, args: readonly string[], logFile: string, pidFile: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args as string[], { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) throw new HarnessError(cmd, 'could not start', logFile);
  writeFileSync(pidFile, `${child.pid}\n`);
  child.unref();
  return child.pid;
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, for one daemon we started (by its pid file). */
export async function stopDaemon(pidFile: string, graceMs = 10_000, sleep = defaultSleep): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined) return false;
  if (isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return true;
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
