// The images the harness puts on the node:
// - pause: the pod sandbox, compiled from Kubernetes' pause.c;
// - behaviour: busybox-static + harness/images/behaviour/{behave,hook,probe},
//   acting out scenario containers;
// - cloud-sql-proxy: the real Cloud SQL Auth Proxy v2 binary alone, as in the
//   upstream distroless image (no shell);
// - cloud-sql-proxy-slow: the same binary plus busybox and a wrapper that
//   sleeps $PROXY_START_DELAY seconds before exec'ing the proxy — a slow
//   start the upstream image cannot be told to do (seed 001);
// - sidecarctl: node + our CLI bundle (dist/sidecarctl.mjs), when it is built, and the
//   packages the bundle leaves external (pino, prom-client, @kubernetes/client-node: see
//   scripts/build.mjs) with their dependencies, so `sidecarctl webhook serve` runs in a pod.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildOciImage, importImage, busyboxFiles, type ImageFile, type ImageSpec } from './images';
import { ensureCloudSqlProxy, ensurePause } from './build';
import { run } from './exec';
import type { HarnessLogger } from './log';
import { VERSIONS, type HarnessPaths } from './paths';

export interface HarnessImages {
  readonly pause: string;
  readonly behaviour: string;
  /** the same image under a second name, for `updateImage` actions (an image change restarts the container) */
  readonly behaviourAlt: string;
  readonly cloudSqlProxy: string;
  readonly cloudSqlProxySlow: string;
  /** absent when dist/sidecarctl.mjs was not built */
  readonly sidecarctl?: string;
}

export const IMAGE_REFS = {
  behaviour: 'sidecarctl.dev/behaviour:1',
  behaviourAlt: 'sidecarctl.dev/behaviour:1-alt',
  cloudSqlProxy: `sidecarctl.dev/cloud-sql-proxy:${VERSIONS.cloudSqlProxy}`,
  cloudSqlProxySlow: `sidecarctl.dev/cloud-sql-proxy-slow:${VERSIONS.cloudSqlProxy}`,
  sidecarctl: 'sidecarctl.dev/sidecarctl:dev',
} as const;

/**
 * Flags that let the real Cloud SQL Auth Proxy start with no Google account
 * and no network: a static OAuth2 token and IAM login token instead of
 * credentials, lazy refresh so nothing is fetched at start, and the SQL Admin
 * API pointed at a closed loopback port, so a client connection fails its
 * instance lookup locally instead of leaving the machine. Its listener,
 * health-check server, admin server (/quitquitquit) and signal handling are
 * the real ones.
 */
export function offlineProxyArgs(existing: readonly string[] = []): string[] {
  const iam = existing.some((a) => a === '--auto-iam-authn' || a.startsWith('--auto-iam-authn='));
  // --login-token is required with --auto-iam-authn and refused without it.
  return ['--token=dummy', ...(iam ? ['--login-token=dummy'] : []), '--lazy-refresh', '--sqladmin-api-endpoint=http://127.0.0.1:1'];
}

async function nodeRuntimeFiles(): Promise<ImageFile[]> {
  const node = process.execPath;
  const ldd = await run('ldd', [node], { component: 'image sidecarctl (ldd node)' });
  const libs = ldd.stdout
    .split('\n')
    .map((l) => l.match(/(\/\S+)\s+\(0x/)?.[1])
    .filter((p): p is string => Boolean(p));
  return [{ path: '/usr/bin/node', from: node }, ...libs.map((l) => ({ path: l, from: l }))];
}

/** Packages scripts/build.mjs leaves out of the bundle and the webhook imports at run time. */
export const BUNDLE_EXTERNALS = ['@kubernetes/client-node'] as const;

/** The bundle (scripts/build.mjs): the entry and its lazily loaded chunks, under /app/dist. */
function bundleFiles(dist: string): ImageFile[] {
  return readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => ({ path: `/app/dist/${f}`, content: readFileSync(join(dist, f), 'utf8'), mode: 0o644 }));
}

/**
 * The installed node_modules trees of `roots` and everything they depend on (dependencies and
 * installed optionalDependencies), resolved the way Node does (nearest node_modules upwards),
 * as image files under /app/node_modules. Type declarations, source maps and docs are left out.
 */
export function nodeModulesFiles(repo: string, roots: readonly string[]): ImageFile[] {
  const resolvePkg = (name: string, fromDir: string): string | undefined => {
    for (let d = fromDir; ; d = dirname(d)) {
      const p = join(d, 'node_modules', name);
      if (existsSync(join(p, 'package.json'))) return p;
      if (d === repo || d === dirname(d)) return undefined;
    }
  };
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const r of roots) {
    const d = resolvePkg(r, repo);
    if (!d) throw new Error(`image sidecarctl: package ${r} is not installed (run npm ci)`);
    stack.push(d);
  }
  while (stack.length) {
    const d = stack.pop()!;
    if (seen.has(d)) continue;
    seen.add(d);
    const pj = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
      const r = resolvePkg(dep, d);
      if (r) stack.push(r);
      else if (!pj.optionalDependencies?.[dep]) throw new Error(`image sidecarctl: ${dep} (needed by ${relative(repo, d)}) is not installed`);
    }
  }
  const files: ImageFile[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p); }
      else if (e.isFile() && !/\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(e.name)) files.push({ path: `/app/${relative(repo, p)}`, from: p, mode: 0o644 });
    }
  };
  for (const d of [...seen].sort()) walk(d);
  return files;
}

export async function imageSpecs(paths: HarnessPaths, log: HarnessLogger): Promise<ImageSpec[]> {
  const pause = await ensurePause(paths, log);
  const proxy = await ensureCloudSqlProxy(paths, log);
  const bb = await busyboxFiles();
  const scripts = join(paths.repo, 'harness', 'images', 'behaviour');
  const behaviour = (ref: string): ImageSpec => ({
    ref,
    files: [
      ...bb.files,
      { path: '/sc/behave', from: join(scripts, 'behave') },
      { path: '/sc/hook', from: join(scripts, 'hook') },
      { path: '/sc/probe', from: join(scripts, 'probe') },
      { path: '/bin/curl', from: join(scripts, 'curl') },
    ],
    symlinks: [...bb.symlinks, { path: '/bin/sh', target: 'busybox' }],
    dirs: ['/work', '/tmp', '/www', '/sc-log', '/etc'],
    entrypoint: ['/sc/behave'],
    env: ['PATH=/bin:/sc'],
    workingDir: '/work',
  });
  const specs: ImageSpec[] = [
    { ref: VERSIONS.pauseImage, files: [{ path: '/pause', from: pause }], entrypoint: ['/pause'] },
    behaviour(IMAGE_REFS.behaviour),
    behaviour(IMAGE_REFS.behaviourAlt),
    {
      ref: IMAGE_REFS.cloudSqlProxy,
      files: [{ path: '/cloud-sql-proxy', from: proxy }],
      dirs: ['/tmp'],
      entrypoint: ['/cloud-sql-proxy'],
    },
    {
      ref: IMAGE_REFS.cloudSqlProxySlow,
      files: [
        { path: '/cloud-sql-proxy', from: proxy },
        ...bb.files,
        { path: '/sc/slow-start', content: '#!/bin/sh\n# Sleeps PROXY_START_DELAY seconds, then becomes the proxy.\nsleep "${PROXY_START_DELAY:-0}"\nexec /cloud-sql-proxy "$@"\n' },
      ],
      symlinks: bb.symlinks,
      dirs: ['/tmp'],
      entrypoint: ['/sc/slow-start'],
      env: ['PATH=/bin:/sc'],
    },
  ];
  const bundle = join(paths.repo, 'dist', 'sidecarctl.mjs');
  if (existsSync(bundle)) {
    specs.push({
      ref: IMAGE_REFS.sidecarctl,
      files: [...(await nodeRuntimeFiles()), ...bundleFiles(join(paths.repo, 'dist')), ...nodeModulesFiles(paths.repo, BUNDLE_EXTERNALS)],
      dirs: ['/tmp'],
      entrypoint: ['/usr/bin/node', '/app/dist/sidecarctl.mjs'],
      workingDir: '/app',
    });
  }
  return specs;
}

export async function ensureImages(o: { paths: HarnessPaths; log: HarnessLogger; containerdSock: string }): Promise<HarnessImages> {
  const specs = await imageSpecs(o.paths, o.log);
  for (const spec of specs) {
    const built = await buildOciImage(spec, o.paths.images);
    const r = await importImage(built, o.containerdSock);
    o.log.info(`image ${spec.ref}: ${r}`);
  }
  const has = (ref: string) => specs.some((s) => s.ref === ref);
  return {
    pause: VERSIONS.pauseImage,
    behaviour: IMAGE_REFS.behaviour,
    behaviourAlt: IMAGE_REFS.behaviourAlt,
    cloudSqlProxy: IMAGE_REFS.cloudSqlProxy,
    cloudSqlProxySlow: IMAGE_REFS.cloudSqlProxySlow,
    ...(has(IMAGE_REFS.sidecarctl) ? { sidecarctl: IMAGE_REFS.sidecarctl } : {}),
  };
}
