// Everything the CLI needs from the outside world, created once in main.ts and passed down.
// Commands never touch process.*, the wall clock or the file system directly, so tests can
// run them in-process with captured streams and a fake clock (see test/unit/cli/).
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin: Readable & { isTTY?: boolean };
}

export interface CliContext {
  readonly io: CliIo;
  /** Environment read once at start-up (NO_COLOR, FORCE_COLOR, SIDECARCTL_CONFIG, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Milliseconds since the epoch; injected so timings in output are testable. */
  readonly now: () => number;
  /** Whether ANSI colour may be written to stdout (NO_COLOR / FORCE_COLOR / TTY resolved once). */
  readonly color: boolean;
  /** Records the process exit code (the highest one set wins); main.ts exits with it. */
  readonly setExitCode: (code: number) => void;
  /** Sets V8 flags of this process (node:v8 setFlagsFromString), for long-running commands that
   *  tune the runtime; absent in tests, which run commands inside the test process. */
  readonly setV8Flags?: (flags: string) => void;
}

/**
 * Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program: Command, ctx: CliContext): void`, which adds its sub-command to the
 * commander program. main.ts wires them all; nothing else is shared between commands.
 */

/** Exit codes shared by every command (documented in README). */
export const ExitCode = {
  ok: 0,
  /** findings at or above --fail-on, or a simulated expectation that does not hold */
  findings: 1,
  /** usage or input error: bad flags, unreadable or invalid input */
  usage: 2,
} as const;

/** Thrown by commands for a clear, user-facing error; main prints `message` and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.usage) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
