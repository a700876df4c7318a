// Simulations per second of the kubelet model for a 4-container Job pod (a regular init
// container, two native sidecars — one with a startupProbe — and the main container; the Job
// completes and the sidecars are stopped in order). Target: >= 10k simulations/s on one core.
// Also: a long-running pod watched for 2 minutes with a crash-looping sidecar.
import { performance } from 'node:perf_hooks';
import { validateScenario, type Scenario } from '../src/scenario/index';
import { simulate } from '../src/simulator/index';

const job: Scenario = validateScenario({
  kind: 'Scenario',
  metadata: { name: 'bench-job' },
  kubernetesVersion: '1.33',
  pod: {
    spec: {
      restartPolicy: 'Never',
      initContainers: [
        { name: 'migrate', image: 'm' },
        { name: 'cloud-sql-proxy', image: 'p', restartPolicy: 'Always', startupProbe: { httpGet: { path: '/startup', port: 9090 }, periodSeconds: 1, failureThreshold: 30 } },
        { name: 'fluent-bit', image: 'f', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'app', image: 'a' }],
    },
  },
  behavior: {
    migrate: { run: '2s' },
    'cloud-sql-proxy': { startDelay: '2s', onSigterm: { after: '1s', exitCode: 0 } },
    'fluent-bit': { startDelay: '1s', onSigterm: { after: '2s', exitCode: 0 } },
    app: { run: '10s', needs: ['cloud-sql-proxy'] },
  },
  expect: { phase: 'Succeeded', assertions: [{ noNeedUnmet: 'app' }, { exitsBefore: ['app', 'cloud-sql-proxy'] }] },
}).scenario;

const service: Scenario = validateScenario({
  kind: 'Scenario',
  metadata: { name: 'bench-service' },
  kubernetesVersion: '1.33',
  pod: {
    spec: {
      restartPolicy: 'Always',
      initContainers: [
        { name: 'istio-proxy', image: 'i', restartPolicy: 'Always', startupProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 1, failureThreshold: 30 } },
        { name: 'log-tailer', image: 'l', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'web', image: 'w', readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 } }, { name: 'worker', image: 'k' }],
    },
  },
  behavior: { 'istio-proxy': { startDelay: '2s' }, 'log-tailer': { run: '20s', exitCode: 1 }, web: { startDelay: '3s' } },
}).scenario;

function bench(name: string, scenario: Scenario, minMs = 2000): number {
  const check = simulate(scenario);
  if (check.assertions.some((a) => !a.holds)) throw new Error(`${name}: the benchmark scenario does not behave as expected`);
  for (let i = 0; i < 2000; i++) simulate(scenario); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 500; i++) simulate(scenario);
    n += 500;
    elapsed = performance.now() - start;
  }
  const perSec = (n / elapsed) * 1000;
  console.log(`${name.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(9)} simulations/s  (${check.events.length} events each, ${(elapsed / n * 1000).toFixed(1)} µs/simulation)`);
  return perSec;
}

const jobRate = bench('4-container Job pod (init, 2 sidecars, main)', job);
bench('long-running pod, crash-looping sidecar, 2m', service);
const target = 10_000;
console.log(`target >= ${target.toLocaleString('en-US')} simulations/s for the 4-container pod: ${jobRate >= target ? 'met' : 'NOT met'}`);
if (jobRate < target) process.exitCode = 1;
