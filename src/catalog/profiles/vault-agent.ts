// Vault Agent: `vault agent -config=...` from `hashicorp/vault` (or the old official `vault` image),
// including the containers the Vault Agent Injector (hashicorp/vault-k8s) adds:
//  - `vault-agent-init`: `/bin/sh -ec "echo ${VAULT_CONFIG?} | base64 -d > ... && vault agent ..."`
//    whose base64 JSON config has `exit_after_auth: true` (or `-config=.../config-init.hcl` with a
//    config map): a pre-populate init container that exits after rendering once;
//  - `vault-agent`: the same with `exit_after_auth: false`, the long-running sidecar.
// Sources: hashicorp/vault-k8s agent-inject/agent/container_init_sidecar.go, container_sidecar.go,
// container_env.go, config.go (ExitAfterAuth = init); hashicorp/vault command/agent.go
// (`-exit-after-auth`). Vault Agent has no health endpoint a probe could use; vault-k8s has no
// native-sidecar mode yet (vault-k8s #620, PoC PR #659 uses an exec probe on a marker file).
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { parseFlags, readEnv, type ProgramArgs } from '../flags';
import { recognized } from '../support';

function agentProgram(c: Container, v: ContainerView = containerView(c)): ProgramArgs | undefined {
  // The vault image's entrypoint runs `vault` with the container args (`agent -config=...`).
  const img = v.imageName;
  const prog = v.program(['vault'], { entrypoint: img === 'vault' || img === 'vault-enterprise' });
  return prog && prog.tokens[0]?.value === 'agent' ? prog : undefined;
}

function decodeBase64(s: string): string | undefined {
  try {
    return typeof atob === 'function' ? atob(s.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the agent exits after one successful auth/render, and why we think so. */
function exitsAfterAuth(c: Container, prog: ProgramArgs): string | undefined {
  const flags = parseFlags(prog.tokens.slice(1), { style: 'go', valueFlags: ['config', 'log-level', 'log-file'] });
  if (flags.bool('exit-after-auth') === true) return '-exit-after-auth';
  if ((flags.str('config') ?? '').endsWith('config-init.hcl')) return 'vault-k8s init config (config-init.hcl)';
  const cfg = readEnv(c, 'VAULT_CONFIG');
  if (cfg?.kind === 'literal') {
    const json = decodeBase64(cfg.value);
    if (json && /"exit_after_auth"\s*:\s*true/.test(json)) return 'VAULT_CONFIG has exit_after_auth: true';
  }
  return undefined;
}

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const prog = agentProgram(c, v);
  if (!prog) return undefined;
  const exits = exitsAfterAuth(c, prog);
  const base = `runs \`vault agent\` (image ${String(c.image)})`;
  return recognized(c, exits ? `${base}; exits after auth: ${exits}` : base, exits ? { runsToCompletion: true } : {}, v);
}

function inspect(_c: Container, _r: Recognition): SidecarFacts {
  // SIGTERM: the agent stops its auth/template runners and exits 0.
  return { servingPorts: [], shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 } };
}

function nativeSidecarEdits(_c: Container, r: Recognition, _facts: SidecarFacts): NativeSidecarEdits {
  if (r.runsToCompletion) return { notes: ['This Vault Agent exits after the first auth/render (pre-populate); keep it a plain init container.'] };
  return {
    notes: [
      'Vault Agent has no endpoint that says "templates rendered"; a startupProbe must test for a rendered file, e.g. exec `test -s /vault/secrets/<name>`.',
      'Whether it exits depends on exit_after_auth in its config, which is not visible here when the config comes from a file.',
    ],
  };
}

export const vaultAgent: SidecarProfile = {
  id: 'vault-agent',
  displayName: 'Vault Agent',
  role: 'secrets-agent',
  docs: [
    'https://developer.hashicorp.com/vault/docs/agent-and-proxy/agent',
    'https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations',
    'https://github.com/hashicorp/vault-k8s/issues/620',
  ],
  versions: [
    { version: '1.4.0', note: 'exit_after_auth settable without a second config file (per vault-k8s container_init_sidecar.go); the injector still renders a separate init config' },
  ],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '2s', onSigterm: { after: '0s', exitCode: 0 } },
};
