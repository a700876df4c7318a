// `sidecarctl explain <rule>`: why a rule matters, what fix does, where to read more.
import type { Command } from 'commander';
import { ALL_RULES, ruleById } from '../../core/rules/index';
import { paint } from '../../adapters/report/text';
import { CliError, type CliContext } from '../context';

export function register(program: Command, ctx: CliContext): void {
  program.command('explain')
    .description('explain a rule (or --list all rules)')
    .argument('[rule]', 'rule id, e.g. sidecar-blocks-job-completion')
    .option('--list', 'list every rule with its category and severity')
    .action((id: string | undefined, flags: { list?: boolean }) => {
      const p = paint(ctx.color);
      if (flags.list || !id) {
        const w = Math.max(...ALL_RULES.map((r) => r.id.length));
        for (const r of ALL_RULES) ctx.io.stdout.write(`${r.id.padEnd(w)}  ${r.category.padEnd(20)} ${r.severity.padEnd(7)} fix:${r.fix.padEnd(6)} ${p.dim(r.summary)}\n`);
        return;
      }
      const r = ruleById(id);
      if (!r) {
        const close = ALL_RULES.filter((x) => x.id.includes(id) || id.includes(x.id.split('-')[0]!)).map((x) => x.id);
        throw new CliError(`unknown rule "${id}"${close.length ? `; did you mean ${close.slice(0, 3).join(', ')}?` : ''} (see \`sidecarctl explain --list\`)`);
      }
      ctx.io.stdout.write(`${p.bold(r.id)}  ${p.dim(`category ${r.category}, severity ${r.severity}, fix ${r.fix}`)}\n\n${r.summary}\n\n${r.explain}\n\n${r.links.map((l) => `  ${l}`).join('\n')}\n`);
    });
}
