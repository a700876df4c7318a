// consul-template (`hashicorp/consul-template`, formerly `sethvargo/consul-template`).
// Sources: hashicorp/consul-template docs (configuration.md, cli): `-once` renders the templates
// once and exits (a run-to-completion helper); `kill_signal` (config) / `-kill-signal` (flag)
// names the graceful-stop signal and defaults to SIGINT. Other signals are forwarded to an exec
// child; with the default config SIGTERM therefore does not stop it (inferred from cli.go; the
// kubelet's SIGKILL after the grace period does).
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { parseFlags, readEnv, type ProgramArgs } from '../flags';
import { recognized } from '../support';

function program(c: Container, v: ContainerView = containerView(c)): ProgramArgs | undefined {
  return v.program(['consul-template'], { entrypoint: v.imageName === 'consul-template' });
}

function settings(c: Container, prog: ProgramArgs | undefined) {
  const flags = parseFlags(prog?.tokens ?? [], { style: 'go', valueFlags: ['config', 'template', 'kill-signal', 'reload-signal', 'log-level', 'vault-addr', 'consul-addr', 'exec', 'wait', 'max-stale'] });
  const local = readEnv(c, 'CT_LOCAL_CONFIG');
  const inline = local?.kind === 'literal' ? local.value : '';
  const killSignal = flags.str('kill-signal') ?? /kill_signal\s*=\s*"([A-Z0-9]+)"/.exec(inline)?.[1] ?? 'SIGINT';
  return { once: flags.bool('once') === true, killSignal };
}

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const prog = program(c, v);
  const byImage = v.imageName === 'consul-template';
  if (!prog && !byImage) return undefined;
  const s = settings(c, prog);
  return recognized(c, byImage ? `image ${String(c.image)}` : 'runs consul-template', s.once ? { runsToCompletion: true } : {}, v);
}

const SIGTERM_ADVICE = 'consul-template stops on SIGINT by default, not on SIGTERM; set kill_signal = "SIGTERM" (or -kill-signal=SIGTERM) so Pod termination does not wait for the grace period.';

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const s = settings(c, program(c));
  const term = s.killSignal === 'SIGTERM' || s.killSignal === 'TERM';
  return { servingPorts: [], shutdown: term ? { exitsOnSigterm: true, sigtermExitCode: 0 } : { exitsOnSigterm: false, sigtermAdvice: SIGTERM_ADVICE } };
}

function nativeSidecarEdits(c: Container, r: Recognition, facts: SidecarFacts): NativeSidecarEdits {
  if (r.runsToCompletion) return { notes: ['consul-template runs with -once: it renders and exits, so it belongs in a plain init container.'] };
  const notes = ['consul-template has no health endpoint; a startupProbe must test for a rendered file (exec `test -s <destination>`).'];
  if (facts.shutdown.sigtermAdvice) notes.push(facts.shutdown.sigtermAdvice);
  void c;
  return { notes };
}

export const consulTemplate: SidecarProfile = {
  id: 'consul-template',
  displayName: 'consul-template',
  role: 'secrets-agent',
  docs: [
    'https://github.com/hashicorp/consul-template/blob/main/docs/configuration.md',
    'https://github.com/hashicorp/consul-template#command-line-flags',
  ],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: 'ignore' },
};
