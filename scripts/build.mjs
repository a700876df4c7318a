#!/usr/bin/env node
// Bundles the CLI into one ESM entry so start-up reads one module instead of hundreds
// (cold start is a benchmarked target, see bench/). Code only the long-running servers use
// (pino, prom-client) is bundled too, but split into chunks under dist/chunks/ that the entry
// imports lazily: `lint` never reads them, and `webhook`/`reaper` load two files instead of
// ≈100 node_modules files, which costs ≈7 MiB less RSS (ADR 0011).
import { build } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { bundleOptions } from './bundle-options.mjs';

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
await build({
  ...bundleOptions,
  entryPoints: { sidecarctl: 'src/cli/main.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
});
