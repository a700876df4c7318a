// Entry point of the harness npm scripts:
//   npm run cluster:up | cluster:down [-- --purge] | cluster:status
//   npm run scenario:real -- <scenario.yaml> [--keep]
// Progress goes to stderr; `up` prints the kubeconfig path and `scenario`
// prints the result JSON on stdout.
import { readFileSync } from 'node:fs';
import { clusterUp, clusterDown, clusterStatus } from './cluster';
import { stderrLogger, HarnessError } from './log';
import { runScenarioFile } from './scenario-runner';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const log = stderrLogger();
  switch (cmd) {
    case 'up': {
      const info = await clusterUp({ log });
      process.stdout.write(`${info.kubeconfig}\n`);
      return 0;
    }
    case 'down':
      await clusterDown({ log, purge: rest.includes('--purge') });
      return 0;
    case 'status': {
      const st = clusterStatus();
      for (const s of st) process.stdout.write(`${s.component.padEnd(24)} ${s.running ? `running (pid ${s.pid})` : 'stopped'}  log: ${s.log}\n`);
      return st.every((s) => s.running) ? 0 : 3;
    }
    case 'scenario': {
      const file = rest.find((a) => !a.startsWith('--'));
      if (!file) throw new Error('usage: scenario <file.yaml> [--keep]');
      const result = await runScenarioFile(file, readFileSync(file, 'utf8'), { log, keep: rest.includes('--keep') });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.assertions.every((a) => a.holds) ? 0 : 1;
    }
    default:
      process.stderr.write('usage: cli.ts up | down [--purge] | status | scenario <file>\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof HarnessError) process.stderr.write(`FAILED: ${err.message}\n`);
    else process.stderr.write(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
