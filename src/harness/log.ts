// Progress output of the harness. Injected so tests and library callers can
// silence it or capture it; the CLI prints it to stderr with elapsed seconds.

export interface HarnessLogger {
  info(message: string): void;
}

export const silentLogger: HarnessLogger = { info: () => {} };

export function stderrLogger(now: () => number = Date.now): HarnessLogger {
  const t0 = now();
  return {
    info(message) {
      process.stderr.write(`[harness +${((now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
    },
  };
}

/** An error that names the component that failed and the log file to read. */
export class HarnessError extends Error {
  constructor(
    readonly component: string,
    message: string,
    readonly logFile?: string,
  ) {
    super(`${component}: ${message}${logFile ? ` (log: ${logFile})` : ''}`);
    this.name = 'HarnessError';
  }
}
