import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatImage, parseImage, repositoryEndsWith } from '../../../src/catalog/image';
import { atLeast, compareVersions, parseVersion } from '../../../src/catalog/version';
import { argv, expandVars, findProgram, parseFlags, readEnv, shellCommands, shellWrapper } from '../../../src/catalog/flags';
import { isLoopback, portForProbe, splitHostPort, isValidPortName } from '../../../src/catalog/support';

test('parseImage: registries, tags, digests', () => {
  assert.deepEqual(parseImage('gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1'), {
    raw: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', registry: 'gcr.io', repository: 'cloud-sql-connectors/cloud-sql-proxy', path: ['cloud-sql-connectors', 'cloud-sql-proxy'], tag: '2.14.1',
  });
  assert.deepEqual(parseImage('busybox'), { raw: 'busybox', repository: 'busybox', path: ['busybox'] });
  assert.equal(parseImage('localhost:5000/a/b:1')?.registry, 'localhost:5000');
  assert.equal(parseImage('localhost:5000/a/b:1')?.tag, '1');
  assert.equal(parseImage('fluent/fluent-bit:3.2.2')?.registry, undefined);
  const pinned = parseImage('mirror.gcr.io/ubuntu@sha256:0d39fcc8335d6d74d5502f6df2d30119ff4790ebbb60b364818d5112d9e3e932');
  assert.equal(pinned?.tag, undefined);
  assert.equal(pinned?.digest?.startsWith('sha256:'), true);
  assert.equal(parseImage('gcr.io/x/y:2.1.0@sha256:abc')?.tag, '2.1.0');
  assert.equal(parseImage(''), undefined);
  assert.equal(parseImage({}), undefined);
  assert.equal(parseImage('eu.gcr.io/akvo-lumen/rtmis/backend:${CI_COMMIT}')?.tag, '${CI_COMMIT}');
});

test('repositoryEndsWith is registry-agnostic and component-exact', () => {
  assert.ok(repositoryEndsWith(parseImage('myregistry.example/cloud-sql-connectors/cloud-sql-proxy:2.1.0'), 'cloud-sql-connectors', 'cloud-sql-proxy'));
  assert.ok(repositoryEndsWith(parseImage('cr.l5d.io/linkerd/proxy:stable-2.14.10'), 'linkerd', 'proxy'));
  assert.ok(!repositoryEndsWith(parseImage('example/proxy'), 'linkerd', 'proxy'));
  assert.ok(!repositoryEndsWith(parseImage('x/not-linkerd/proxy'), 'linkerd', 'proxy'));
});

test('parseImage never throws and round-trips canonical references', () => {
  fc.assert(fc.property(fc.string(), (s) => { parseImage(s); }));
  const comp = fc.stringMatching(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/);
  const ref = fc.record({
    registry: fc.option(fc.constantFrom('gcr.io', 'localhost:5000', 'registry.example.com'), { nil: undefined }),
    path: fc.array(comp, { minLength: 1, maxLength: 4 }),
    tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
    digest: fc.option(fc.stringMatching(/^sha256:[a-f0-9]{64}$/), { nil: undefined }),
  });
  fc.assert(fc.property(ref, (r) => {
    const s = formatImage({ ...(r.registry ? { registry: r.registry } : {}), repository: r.path.join('/'), ...(r.tag ? { tag: r.tag } : {}), ...(r.digest ? { digest: r.digest } : {}) });
    const p = parseImage(s)!;
    assert.equal(formatImage(p), s);
    assert.deepEqual(p.path, r.path.length > 1 || r.registry ? r.path : r.path);
    assert.equal(p.tag, r.tag);
  }));
});

test('parseVersion reads leading versions only', () => {
  assert.deepEqual(parseVersion('2.14.1'), { major: 2, minor: 14, patch: 1, raw: '2.14.1' });
  assert.deepEqual(parseVersion('v1.33.0'), { major: 1, minor: 33, patch: 0, raw: 'v1.33.0' });
  assert.equal(parseVersion('1.33.2-alpine')?.patch, 2);
  assert.equal(parseVersion('1.17-buster')?.minor, 17);
  assert.equal(parseVersion('0.19.5.dev-alpine')?.patch, 5);
  assert.equal(parseVersion('1.30')?.minor, 30);
  for (const t of ['latest', 'alpine', 'canary', '${CI_COMMIT}', '', undefined, 'v', 'x1.2']) assert.equal(parseVersion(t), undefined, String(t));
  assert.ok(compareVersions(parseVersion('2.10.0')!, parseVersion('2.9.9')!) > 0);
  assert.equal(atLeast(parseVersion('2.20.0'), '2.20.0'), true);
  assert.equal(atLeast(parseVersion('2.19.9'), '2.20.0'), false);
  assert.equal(atLeast(undefined, '2.20.0'), undefined);
  fc.assert(fc.property(fc.string(), (s) => { parseVersion(s); }));
  fc.assert(fc.property(fc.nat(999), fc.nat(999), fc.nat(999), (a, b, c) => {
    const v = parseVersion(`v${a}.${b}.${c}-x`)!;
    assert.deepEqual([v.major, v.minor, v.patch], [a, b, c]);
  }));
});

const tok = (values: string[]) => values.map((value, index) => ({ value, index, inCommand: false }));

test('parseFlags posix (pflag) forms, last one wins', () => {
  const f = parseFlags(tok(['inst', '--port', '5432', '--health-check', '-a', '0.0.0.0', '--http-port=9801', '--port=6000', '-p7000', '--quitquitquit=false']), {
    style: 'posix', valueFlags: ['port', 'address', 'http-port'], shorthands: { p: 'port', a: 'address' },
  });
  assert.deepEqual(f.positionals.map((t) => t.value), ['inst']);
  assert.equal(f.str('port'), '7000');
  assert.equal(f.all('port').length, 3);
  assert.equal(f.last('port')?.form, 'inline');
  assert.equal(f.str('address'), '0.0.0.0');
  assert.equal(f.last('address')?.form, 'separate');
  assert.equal(f.last('address')?.valueToken?.index, 5);
  assert.equal(f.bool('health-check'), true);
  assert.equal(f.bool('quitquitquit'), false);
  assert.equal(f.bool('absent'), undefined);
  const dd = parseFlags(tok(['--', '--port=1']), { style: 'posix' });
  assert.deepEqual(dd.positionals.map((t) => t.value), ['--port=1']);
});

test('parseFlags go (flag package): single dash, bools never eat a word, stops at first positional', () => {
  const f = parseFlags(tok(['-instances=p:r:i=tcp:5432', '-use_http_health_check', '-health_check_port', '8091', '--term_timeout=10s', 'pos', '-verbose']), {
    style: 'go', valueFlags: ['instances', 'health_check_port', 'term_timeout'], boolFlags: ['use_http_health_check'],
  });
  assert.equal(f.str('instances'), 'p:r:i=tcp:5432');
  assert.equal(f.bool('use_http_health_check'), true);
  assert.equal(f.str('health_check_port'), '8091');
  assert.equal(f.str('term_timeout'), '10s');
  assert.deepEqual(f.positionals.map((t) => t.value), ['pos', '-verbose']);
});

test('parseFlags never throws on arbitrary argv', () => {
  fc.assert(fc.property(fc.array(fc.string()), fc.constantFrom('posix', 'go') as fc.Arbitrary<'posix' | 'go'>, (words, style) => {
    const f = parseFlags(tok(words), { style, valueFlags: ['port', 'p'], shorthands: { p: 'port' } });
    // Every word is accounted for exactly once (flag, flag value, positional, or `--`).
    const used = f.hits.length + f.hits.filter((h) => h.valueToken).length + f.positionals.length;
    assert.ok(used <= words.length);
  }));
  fc.assert(fc.property(fc.string(), (s) => { shellCommands(s); }));
});

test('shell wrappers and scripts', () => {
  assert.equal(shellWrapper({ name: 'x', command: ['sh', '-c', 'tail -F /opt/logs.txt'] })?.script, 'tail -F /opt/logs.txt');
  assert.equal(shellWrapper({ name: 'x', args: ['/bin/sh', '-c', 'tail -n+1 -f /var/log/1.log'] })?.shell, 'sh');
  assert.equal(shellWrapper({ name: 'x', command: ['/bin/bash', '-ec'], args: ['echo hi'] })?.script, 'echo hi');
  assert.equal(shellWrapper({ name: 'x', command: ['bash', '-o', 'pipefail', '-c', 'x'] })?.script, 'x');
  assert.equal(shellWrapper({ name: 'x', command: ['/cloud-sql-proxy', '-c', 'file'] }), undefined);
  assert.deepEqual(shellCommands("a 'b c' \"d $e\"; f && g | h\n# comment\ni\\\n j"), [['a', 'b c', 'd $e'], ['f'], ['g'], ['h'], ['i', 'j']]);
  const p = findProgram({ name: 'x', command: ['bin/bash', '-c'], args: ['/cloud_sql_proxy -instances=a=tcp:3306 &\nPID=$!'] }, ['cloud_sql_proxy']);
  assert.equal(p?.editable, false);
  assert.deepEqual(p?.tokens.map((t) => t.value), ['-instances=a=tcp:3306']);
  assert.equal(findProgram({ name: 'x', command: ['kubexit', 'cloud_sql_proxy', '-term_timeout=10s'] }, ['cloud_sql_proxy'])?.tokens[0]?.value, '-term_timeout=10s');
  // A binary name as an argument of something else is not the program.
  assert.equal(findProgram({ name: 'x', command: ['echo', 'cloud_sql_proxy'] }, ['cloud_sql_proxy']), undefined);
  assert.equal(argv({ name: 'x', command: ['a'], args: ['b'] }).map((t) => `${t.inCommand}:${t.index}`).join(), 'true:0,false:0');
});

test('env: last entry wins, valueFrom is unknown, $(VAR) expansion', () => {
  const c = { name: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'A', value: '2' }, { name: 'C', value: '$(A)-$(B)-$$(A)' }] };
  assert.deepEqual(readEnv(c, 'A'), { kind: 'literal', name: 'A', value: '2', index: 2 });
  assert.equal(readEnv(c, 'B')?.kind, 'ref');
  assert.equal(readEnv(c, 'Z'), undefined);
  assert.equal(readEnv(c, 'C')?.kind === 'literal' && readEnv(c, 'C')?.kind === 'literal' ? (readEnv(c, 'C') as { value: string }).value : '', '2-$(B)-$(A)');
  assert.equal(expandVars('--port=$(A)', c), '--port=2');
});

test('addresses and port names', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '', '::', '[::]', '10.0.0.1', '$(POD_IP)']) assert.ok(!isLoopback(h), h);
  assert.deepEqual(splitHostPort('0.0.0.0:4191'), { host: '0.0.0.0', port: 4191 });
  assert.deepEqual(splitHostPort('[::]:4191'), { host: '[::]', port: 4191 });
  assert.deepEqual(splitHostPort(':8443'), { host: '', port: 8443 });
  assert.deepEqual(splitHostPort('http://127.0.0.1:4180'), { host: '127.0.0.1', port: 4180 });
  assert.ok(isValidPortName('csql-health') && isValidPortName('alloydb-health') && !isValidPortName('a-very-long-port-name') && !isValidPortName('9090') && !isValidPortName('Csql'));
  assert.deepEqual(portForProbe({ name: 'x' }, 9090, 'csql-health'), { ref: 'csql-health', add: { name: 'csql-health', containerPort: 9090, protocol: 'TCP' } });
  assert.deepEqual(portForProbe({ name: 'x', ports: [{ containerPort: 9801 }] }, 9801, 'csql-health'), { ref: 9801 });
  assert.deepEqual(portForProbe({ name: 'x', ports: [{ containerPort: 9801, name: 'hc' }] }, 9801, 'csql-health'), { ref: 'hc' });
  assert.deepEqual(portForProbe({ name: 'x', ports: [{ containerPort: 1, name: 'csql-health' }] }, 9090, 'csql-health'), { ref: 9090, add: { containerPort: 9090, protocol: 'TCP' } });
});
