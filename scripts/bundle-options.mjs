// The esbuild options of the shipped bundle (scripts/build.mjs), shared with the bench runner
// (scripts/bench.mjs) so that benchmarks run the code as it ships. In particular no `keepNames`:
// tsx transforms with it, and its `__name(fn, "…")` call on every closure the hot paths create cost
// the webhook's handler about 12 % of its CPU time in process (76–79 µs against 67 µs per review).
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  // @kubernetes/client-node stays external: only a few of its modules are imported, lazily.
  external: ['@kubernetes/client-node', 'playwright-core'],
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __scCreateRequire } from 'node:module'; const require = __scCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
