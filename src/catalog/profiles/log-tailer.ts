// Generic log tailers: any container whose program, directly or inside `sh -c`, is
// `tail -f`/`-F`/`--follow` on a file (the Kubernetes "streaming sidecar" and logshipper examples).
// No port and no health endpoint. Shutdown: neither tail nor a shell installs a SIGTERM handler,
// and the kernel does not apply a default-action signal to a PID namespace's init process, so as
// PID 1 (the usual case) SIGTERM is ignored and the container dies only by SIGKILL when the grace
// period ends. With `shareProcessNamespace: true` the pause process is PID 1 and tail dies at once.
// Source: Linux pid_namespaces(7) ("the only signals that can be sent to the init process are
// those for which it has established a handler"); kubernetes.io examples deployment-sidecar.yaml,
// two-files-counter-pod-streaming-sidecar.yaml.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { argv, basename, shellCommands, shellWrapper } from '../flags';

/** The followed files of a `tail` command line, when it follows. */
function followedFiles(words: readonly string[]): string[] | undefined {
  if (basename(words[0] ?? '') !== 'tail') return undefined;
  let follow = false;
  const files: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--follow' || w.startsWith('--follow=') || w === '--retry') { follow ||= w !== '--retry'; continue; }
    if (w === '-n' || w === '-c' || w === '-s' || w === '--lines' || w === '--bytes' || w === '--pid' || w === '--sleep-interval') { i++; continue; }
    if (w.startsWith('--')) continue;
    if (/^-[a-zA-Z0-9+]/.test(w)) {
      // Short clusters like -F, -f, -fn100, -n+1 (the value of -n/-c is glued on).
      const letters = w.slice(1).replace(/[nc][+-]?\d.*$/, '');
      if (/[fF]/.test(letters)) follow = true;
      continue;
    }
    files.push(w);
  }
  return follow ? files : undefined;
}

function tailCommand(v: ContainerView): readonly string[] | undefined {
  const commands = v.shell ? v.shellCommands : [v.argv.map((t) => t.value)];
  for (const cmd of commands) {
    const start = cmd[0] === 'exec' ? 1 : 0;
    const words = cmd.slice(start);
    const files = followedFiles(words);
    // `tail -f /dev/null` is a keep-alive idiom, not a log shipper.
    if (files && files.length && !files.every((f) => f === '/dev/null')) return words;
  }
  return undefined;
}

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const words = tailCommand(v);
  // The image (busybox, alpine, ...) is incidental: its tag is not the tailer's version.
  return words ? { evidence: `runs \`${words.join(' ')}\`` } : undefined;
}

const SIGTERM_ADVICE = 'tail (or its shell) runs as PID 1 and ignores SIGTERM, so Pod shutdown waits for the grace period; `shareProcessNamespace: true` or a shell `trap \'exit 0\' TERM` around a backgrounded tail makes it exit promptly.';

function inspect(c: Container, _r: Recognition): SidecarFacts {
  // A shell that traps TERM (`trap 'exit 0' TERM; tail -F f & wait`) has a handler, so even as
  // PID 1 it exits on SIGTERM.
  const sh = shellWrapper(c);
  const traps = sh !== undefined && shellCommands(sh.script).some((cmd) => cmd[0] === 'trap' && cmd.slice(2).some((sig) => /^(SIG)?TERM$|^15$/.test(sig)));
  return { servingPorts: [], shutdown: traps ? { exitsOnSigterm: true, sigtermExitCode: 0 } : { exitsOnSigterm: false, sigtermAdvice: SIGTERM_ADVICE } };
}

function nativeSidecarEdits(_c: Container, _r: Recognition, f: SidecarFacts): NativeSidecarEdits {
  return { notes: ['A log tailer serves nothing, so it needs no startupProbe.', ...(f.shutdown.sigtermAdvice ? [f.shutdown.sigtermAdvice] : [])] };
}

export const logTailer: SidecarProfile = {
  id: 'log-tailer',
  displayName: 'Log tailer (tail -f)',
  role: 'log-shipper',
  docs: [
    'https://kubernetes.io/docs/concepts/cluster-administration/logging/#streaming-sidecar-container',
    'https://man7.org/linux/man-pages/man7/pid_namespaces.7.html',
  ],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '0s', onSigterm: 'ignore' },
};
