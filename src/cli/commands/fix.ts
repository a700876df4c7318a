// `sidecarctl fix`: rewrite manifests to correct native sidecars. stdin → stdout (Helm
// post-renderer), `--diff` for a unified diff, `-i` to rewrite files in place atomically.
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { fixText, type FixResult } from '../../adapters/yaml/process';
import { paint } from '../../adapters/report/text';
import { ExitCode, type CliContext } from '../context';
import { gatherInputs, writeFileAtomic } from '../inputs';
import { addCommonOptions, resolveSettings, type CommonFlags } from '../settings';
import { resolve } from 'node:path';

interface FixFlags extends CommonFlags { diff?: boolean; inPlace?: boolean; quiet?: boolean }

export function register(program: Command, ctx: CliContext): void {
  addCommonOptions(program.command('fix').description('rewrite manifests to correct native sidecars (comments and formatting kept)'))
    .argument('[paths...]', 'manifest files, directories or globs; - reads stdin and writes the result to stdout')
    .option('--diff', 'print a unified diff instead of the fixed manifests')
    .option('-i, --in-place', 'rewrite the files (atomically: write a temp file, then rename)')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (paths: string[], flags: FixFlags) => {
      const s = await resolveSettings(flags, ctx);
      const { inputs, errors } = await gatherInputs(paths, { cwd: ctx.cwd, stdin: ctx.io.stdin, maxBytes: s.maxBytes });
      const p = paint(ctx.color);
      const results: { file: string; fromStdin: boolean; text: string; r: FixResult }[] = [];
      for (const input of inputs) {
        results.push({ file: input.file, fromStdin: input.fromStdin, text: input.text, r: fixText(input.file, input.text, { kubeVersion: s.kubeVersion, catalog: s.catalog, disabledRules: s.disabledRules }) });
      }
      const allErrors = [...errors, ...results.flatMap((x) => x.r.errors)];
      for (const e of allErrors) ctx.io.stderr.write(`${p.red('error')} ${e.file}:${e.line}:${e.column}: ${e.message}\n`);
      // With -i, one bad input means no file is written: a run either applies fully or not at all.
      const writeAllowed = !(flags.inPlace && allErrors.length);
      if (!writeAllowed) ctx.io.stderr.write(`${p.red('sidecarctl fix:')} no file written because of the input errors above\n`);
      let changedFiles = 0;
      let changeCount = 0;
      for (const { file, fromStdin, text, r } of results) {
        if (r.changed) { changedFiles++; changeCount += r.changes.reduce((n, c) => n + c.changes.length, 0); }
        if (flags.diff) {
          if (r.changed) ctx.io.stdout.write(createTwoFilesPatch(`a/${file}`, `b/${file}`, text, r.output, '', '', { context: 3 }).replace(/^=+\n/, ''));
        } else if (flags.inPlace && !fromStdin) {
          if (r.changed && writeAllowed) await writeFileAtomic(resolve(ctx.cwd, file), r.output);
        } else {
          ctx.io.stdout.write(r.output);
        }
      }
      const manual = results.flatMap((x) => x.r.findings).filter((f) => f.fix === 'manual' && f.severity !== 'info');
      if (!flags.quiet) {
        ctx.io.stderr.write(`${p.dim('sidecarctl fix:')} ${changeCount} change(s) in ${changedFiles} file(s)${flags.inPlace ? ' written' : ''}${manual.length ? `; ${manual.length} finding(s) need a person (run \`sidecarctl lint\`)` : ''}\n`);
      }
      if (allErrors.length) ctx.setExitCode(ExitCode.usage);
    });
}
