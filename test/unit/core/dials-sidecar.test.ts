// dialsSidecar reads every word of a container once, with one regex for all ports. It must say
// exactly what the plain reading says: for each served port in order, does any text of the main
// (command, args, `NAME=value` of each env var) contain `localhost:<port>` and its variants, or
// `--port=<port>`, as a whole number; else is there a loopback HOST env var and a PORT env var
// with that port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Container } from 'kubernetes-types/core/v1';
import { dialsSidecar, servedPorts, type ContainerInfo } from '../../../src/core/pod-model';

function reference(main: Container, sidecar: ContainerInfo): number | undefined {
  const ports = servedPorts(sidecar, { dataOnly: true }).map((p) => p.port);
  const texts = [...(main.command ?? []), ...(main.args ?? []), ...(main.env ?? []).map((e) => `${e?.name}=${e?.value ?? ''}`)].map(String);
  const envPorts = new Set((main.env ?? []).filter((e) => /PORT$/i.test(String(e?.name)) && /^\d+$/.test(String(e?.value ?? ''))).map((e) => Number(e!.value)));
  const envHostLocal = (main.env ?? []).some((e) => /HOST$/i.test(String(e?.name)) && /^(localhost|127\.0\.0\.1|::1)$/.test(String(e?.value ?? '')));
  for (const port of ports) {
    const re = new RegExp(`(localhost|127\\.0\\.0\\.1|\\[::1\\])(:|\\s+-?-?p(ort)?[ =]?)${port}\\b|--port[= ]${port}\\b`);
    if (texts.some((t) => re.test(t))) return port;
    if (envHostLocal && envPorts.has(port)) return port;
  }
  return undefined;
}

const piece = fc.constantFrom('localhost', '127.0.0.1', '[::1]', '::1', ':', '=', ' ', ' -p ', ' --port ', '--port', '-port=', 'p', 'ort', '5432', '54321', '543', '9090', '8080', '/db', 'a', 'x-', 'HOST', 'PORT', 'DB_');
const text = fc.array(piece, { maxLength: 7 }).map((a) => a.join(''));
const container = fc.record({
  command: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
  args: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
  env: fc.option(fc.array(fc.record({ name: text, value: fc.option(text, { nil: undefined }) }), { maxLength: 5 }), { nil: undefined }),
});
const portsOf = fc.uniqueArray(fc.constantFrom(5432, 543, 9090, 8080, 54321), { minLength: 1, maxLength: 3 });

test('property: dialsSidecar answers as the per-port regex reading does', () => {
  fc.assert(fc.property(container, portsOf, (c, ports) => {
    const main = { name: 'app', ...c } as Container;
    const sidecar = { ref: { name: 's', list: 'containers', index: 1 }, container: { name: 's', ports: ports.map((p) => ({ containerPort: p })) }, role: 'sidecar', native: false } as unknown as ContainerInfo;
    assert.equal(dialsSidecar(main, sidecar), reference(main, sidecar), JSON.stringify({ main, ports }));
  }), { numRuns: 3000 });
});

test('dialsSidecar: the usual ways of dialing, and near misses', () => {
  const sidecar = { ref: { name: 's', list: 'containers', index: 1 }, container: { name: 's', ports: [{ containerPort: 5432 }, { containerPort: 9090 }] }, role: 'sidecar', native: false } as unknown as ContainerInfo;
  const d = (c: Partial<Container>) => dialsSidecar({ name: 'app', ...c }, sidecar);
  assert.equal(d({ env: [{ name: 'DATABASE_URL', value: 'postgres://u@127.0.0.1:5432/db' }] }), 5432);
  assert.equal(d({ args: ['psql', '-h', 'localhost -p 5432'] }), 5432);
  assert.equal(d({ env: [{ name: 'DB_HOST', value: 'localhost' }, { name: 'DB_PORT', value: '9090' }] }), 9090);
  assert.equal(d({ env: [{ name: 'X--port', value: '5432' }] }), 5432, '`NAME=value` read as one text');
  // found by the property test: a name ending in a dial prefix other than `--port`
  assert.equal(d({ env: [{ name: 'localhost p', value: '9090' }] }), 9090, '`localhost p=9090` spans the `=` too');
  assert.equal(d({ env: [{ name: 'DATABASE_URL', value: 'postgres://127.0.0.1:54321/db' }] }), undefined);
  assert.equal(d({ env: [{ name: 'DB_HOST', value: 'db.internal' }, { name: 'DB_PORT', value: '5432' }] }), undefined);
  assert.equal(d({ args: ['--port=9090', 'localhost:5432'] }), 5432, 'the first served port dialed, in the sidecar\'s order');
});
