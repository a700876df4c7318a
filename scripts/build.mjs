#!/usr/bin/env node
// Bundles the CLI into one ESM file so start-up reads one module instead of hundreds
// (cold start is a benchmarked target, see bench/). Heavy optional modules
// (@kubernetes/client-node, pino, prom-client) stay external and are imported lazily.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';

await mkdir('dist', { recursive: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/sidecarctl.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  external: ['@kubernetes/client-node', 'pino', 'prom-client', 'playwright-core'],
  banner: { js: "import { createRequire as __scCreateRequire } from 'node:module'; const require = __scCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
