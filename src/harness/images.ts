// Test images assembled without a Docker engine or registry: each image is one
// uncompressed tar layer, written as an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) and tarred, then imported into containerd's
// k8s.io namespace (the one the CRI plugin reads) with `ctr images import`.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, copyFileSync, symlinkSync, chmodSync, rmSync, existsSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { run } from './exec';

export interface ImageFile {
  /** absolute path inside the image */
  readonly path: string;
  readonly from?: string;
  readonly content?: string;
  readonly mode?: number;
}

export interface ImageSpec {
  /** full reference, e.g. sidecarctl.dev/behaviour:1 */
  readonly ref: string;
  readonly files: readonly ImageFile[];
  readonly symlinks?: readonly { path: string; target: string }[];
  readonly dirs?: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly workingDir?: string;
}

export interface BuiltImage {
  readonly ref: string;
  readonly tarball: string;
  /** digest of the image manifest (what containerd lists as the image's digest) */
  readonly manifestDigest: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Writes the OCI layout tarball for `spec` into `outDir` (reused when its content is unchanged). */
export async function buildOciImage(spec: ImageSpec, outDir: string): Promise<BuiltImage> {
  const stage = mkdtempSync(join(tmpdir(), 'sc-image-'));
  try {
    const root = join(stage, 'rootfs');
    mkdirSync(root, { recursive: true });
    for (const d of spec.dirs ?? []) mkdirSync(join(root, d), { recursive: true });
    for (const f of spec.files) {
      const dst = join(root, f.path);
      mkdirSync(dirname(dst), { recursive: true });
      if (f.from) copyFileSync(f.from, dst);
      else writeFileSync(dst, f.content ?? '');
      chmodSync(dst, f.mode ?? 0o755);
    }
    for (const s of spec.symlinks ?? []) {
      const dst = join(root, s.path);
      mkdirSync(dirname(dst), { recursive: true });
      if (!existsSync(dst)) symlinkSync(s.target, dst);
    }
    // Deterministic tar: same inputs give the same layer digest, so a cached
    // tarball and an already imported image are recognised by digest.
    const layerTar = join(stage, 'layer.tar');
    await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=posix', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-cf', layerTar, '-C', root, '.'], { component: `image ${spec.ref}` });
    const layer = readFileSync(layerTar);
    const layerDigest = `sha256:${sha256(layer)}`;
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {
          Entrypoint: spec.entrypoint,
          ...(spec.cmd ? { Cmd: spec.cmd } : {}),
          Env: spec.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin:/sc'],
          WorkingDir: spec.workingDir ?? '/',
        },
        rootfs: { type: 'layers', diff_ids: [layerDigest] },
        history: [{ created_by: 'sidecarctl harness' }],
      }),
    );
    const configDigest = `sha256:${sha256(config)}`;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
      }),
    );
    const manifestDigest = `sha256:${sha256(manifest)}`;
    const tag = spec.ref.slice(spec.ref.lastIndexOf(':') + 1);
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': spec.ref, 'org.opencontainers.image.ref.name': tag },
        },
      ],
    };
    mkdirSync(outDir, { recursive: true });
    const tarball = join(outDir, `${spec.ref.replace(/[/:]/g, '_')}-${manifestDigest.slice(7, 19)}.oci.tar`);
    if (!existsSync(tarball)) {
      const layout = join(stage, 'layout');
      const blobs = join(layout, 'blobs', 'sha256');
      mkdirSync(blobs, { recursive: true });
      copyFileSync(layerTar, join(blobs, layerDigest.slice(7)));
      writeFileSync(join(blobs, configDigest.slice(7)), config);
      writeFileSync(join(blobs, manifestDigest.slice(7)), manifest);
      writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
      writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', `${tarball}.tmp`, '-C', layout, '.'], { component: `image ${spec.ref}` });
      await run('mv', [`${tarball}.tmp`, tarball]);
    }
    return { ref: spec.ref, tarball, manifestDigest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Imports into containerd's CRI namespace unless an image with that ref and digest is already there. */
export async function importImage(img: BuiltImage, containerdSock: string): Promise<'imported' | 'present'> {
  const ls = await run('ctr', ['-a', containerdSock, '-n', 'k8s.io', 'images', 'ls'], { component: 'containerd (ctr images ls)' });
  const present = ls.stdout.split('\n').some((l) => {
    const cols = l.trim().split(/\s+/);
    return cols[0] === img.ref && cols.includes(img.manifestDigest);
  });
  if (present) return 'present';
  await run('ctr', ['-a', containerdSock, '-n', 'k8s.io', 'images', 'import', img.tarball], { component: `containerd (ctr images import ${img.ref})` });
  return 'imported';
}

/** Adds every applet of a static busybox as a symlink in /bin. */
export async function busyboxFiles(busybox = '/bin/busybox'): Promise<{ files: ImageFile[]; symlinks: { path: string; target: string }[] }> {
  const list = await run(busybox, ['--list'], { component: 'busybox-static' });
  const applets = list.stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox');
  return {
    files: [{ path: '/bin/busybox', from: busybox }],
    symlinks: applets.map((a) => ({ path: `/bin/${a}`, target: 'busybox' })),
  };
}

export function sha256File(file: string): string {
  return sha256(readFileSync(file));
}
