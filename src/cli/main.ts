// Composition root: reads the environment once, builds the CliContext, registers commands,
// and turns errors into exit codes. Nothing below this file touches process.*.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, type CliContext } from './context';
import { VERSION } from './version';
import { register as registerLint } from './commands/lint';
import { register as registerFix } from './commands/fix';
import { register as registerExplain } from './commands/explain';
import { register as registerSimulate } from './commands/simulate';
import { register as registerReaper } from './commands/reaper';
import { register as registerWebhook } from './commands/webhook';

const COMMANDS = [registerLint, registerFix, registerExplain, registerSimulate, registerReaper, registerWebhook];

export function colorAllowed(env: Readonly<Record<string, string | undefined>>, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false; // https://no-color.org
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return !!isTTY && env.TERM !== 'dumb';
}

export async function run(argv: readonly string[], base: Omit<CliContext, 'setExitCode'>): Promise<number> {
  let exitCode = 0;
  const ctx: CliContext = { ...base, setExitCode: (c) => { exitCode = Math.max(exitCode, c); } };
  const program = new Command('sidecarctl')
    .description('Lint, fix and simulate Kubernetes sidecar lifecycles (native sidecars, startup probes, Job completion).')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  for (const reg of COMMANDS) reg(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return ExitCode.usage;
    }
    if (e instanceof CliError) {
      ctx.io.stderr.write(`sidecarctl: ${e.message}\n`);
      return e.exitCode;
    }
    ctx.io.stderr.write(`sidecarctl: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  }
  return exitCode;
}

// Run only when executed as the CLI entry (the bundle), not when imported by tests.
const isEntry = typeof process !== 'undefined' && process.argv[1] !== undefined && /sidecarctl(\.mjs)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  const env = { ...process.env };
  run(process.argv.slice(2), {
    io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
    env,
    cwd: process.cwd(),
    now: () => Date.now(),
    color: colorAllowed(env, process.stdout.isTTY),
    setV8Flags: setFlagsFromString,
  }).then((code) => { process.exitCode = code; });
}
