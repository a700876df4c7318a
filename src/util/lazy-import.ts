// Lazily imported CommonJS packages (pino, prom-client) reach us in two shapes: Node's own ESM
// loader gives a namespace with the CommonJS named exports (found by cjs-module-lexer) and
// `default` = module.exports; the bundle (scripts/build.mjs, where they live in split chunks)
// gives only `default`. `module.exports` is the one value both have.
export function commonJsExports<T extends object>(ns: T): T {
  const d = (ns as { default?: unknown }).default;
  return (typeof d === 'object' || typeof d === 'function') && d !== null ? (d as T) : ns;
}
