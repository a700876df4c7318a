// Building and caching the Go binaries (Kubernetes, cloud-sql-proxy) and the
// static pause binary. The heavy lifting is in harness/build/*.sh so CI
// (.ci/cluster-setup.sh) and the TypeScript harness build the same way.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec';
import { HarnessError, type HarnessLogger } from './log';
import { VERSIONS, goToolPath, type HarnessPaths } from './paths';

export const K8S_SERVER_COMMANDS = ['kube-apiserver', 'kubelet', 'kube-controller-manager', 'kube-scheduler'] as const;

async function buildScript(paths: HarnessPaths, log: HarnessLogger, component: string, script: string, args: string[]): Promise<void> {
  const logs = join(paths.cache, 'logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `build-${component}.log`);
  log.info(`building ${component} (cold builds take minutes on 2 cores; log: ${logFile})`);
  const r = await run('bash', ['-c', `"$0" "$@" >>"${logFile}" 2>&1`, join(paths.repo, 'harness', 'build', script), ...args], {
    allowFail: true,
    env: { ...process.env, SIDECARCTL_CACHE: paths.cache },
  });
  if (r.code !== 0) throw new HarnessError(`build ${component}`, `exit ${r.code}`, logFile);
}

/** Kubernetes binaries for `version` (all four server commands, or just the apiserver). */
export async function ensureK8sBinaries(
  paths: HarnessPaths,
  log: HarnessLogger,
  version: string,
  commands: readonly string[] = K8S_SERVER_COMMANDS,
): Promise<string> {
  const dir = paths.bin('k8s', version);
  if (commands.every((c) => existsSync(join(dir, c)))) return dir;
  await buildScript(paths, log, `k8s-${version.replace(/^v/, '')}`, 'build-k8s.sh', [version, ...commands]);
  return dir;
}

export async function ensureCloudSqlProxy(paths: HarnessPaths, log: HarnessLogger, version: string = VERSIONS.cloudSqlProxy): Promise<string> {
  const bin = join(paths.bin('cloud-sql-proxy', version), 'cloud-sql-proxy');
  if (existsSync(bin)) return bin;
  await buildScript(paths, log, `cloud-sql-proxy-${version}`, 'build-cloud-sql-proxy.sh', [version]);
  return bin;
}

/** The pod sandbox ("pause") binary, compiled statically from Kubernetes' own pause.c. */
export async function ensurePause(paths: HarnessPaths, log: HarnessLogger): Promise<string> {
  const bin = join(paths.bin('pause', VERSIONS.kubernetes), 'pause');
  if (existsSync(bin)) return bin;
  await buildScript(paths, log, 'pause', 'build-pause.sh', [VERSIONS.kubernetes]);
  return bin;
}

/** helm (chart tests), built from the Go module proxy at the pinned version when missing. */
export async function ensureHelm(paths: HarnessPaths, log: HarnessLogger): Promise<string> {
  const bin = goToolPath(paths.cache, 'helm');
  if (existsSync(bin)) return bin;
  await buildScript(paths, log, `helm-${VERSIONS.helm}`, 'build-go-tool.sh', ['helm', 'helm.sh/helm/v4/cmd/helm', VERSIONS.helm]);
  return bin;
}
