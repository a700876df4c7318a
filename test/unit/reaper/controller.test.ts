// The controller with an in-memory API (a fake of the KubeApi port; the same flows run against a
// real kube-apiserver and kubelet in test/e2e/reaper-*.test.ts). What this checks here: a pod
// whose mains still run is watched but holds no view, and its main's termination, arriving as a
// watch event, is acted on all the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCatalog } from '../../../src/catalog/index';
import type { KubeApi, KubeRequest } from '../../../src/kube/client';
import { Reaper, type StopExecutor } from '../../../src/reaper/controller';
import { DEFAULT_DECIDE } from '../../../src/reaper/decide';
import type { PodView, StopAction } from '../../../src/reaper/types';
import { syntheticPod, runningStatus, mainDoneStatus } from '../../e2e/fixtures/reaper/synthetic';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

function pod(i: number, status: Record<string, unknown>, rv: number): Obj {
  const p = syntheticPod(i, 9901) as Obj;
  return { ...p, metadata: { ...p.metadata, namespace: 'ns', uid: `uid-${i}`, resourceVersion: String(rv) }, ...status };
}

/** Pods by name; list, GET, merge-PATCH of annotations; a watch stream the test writes to. */
class FakeApi implements KubeApi {
  readonly server = 'fake';
  rv = 100;
  readonly pods = new Map<string, Obj>();
  private lineSink?: (line: string) => void;
  watching?: Promise<void>;
  private watchStarted!: () => void;

  constructor() {
    this.watching = new Promise((r) => (this.watchStarted = r));
  }

  async request<T>(r: KubeRequest): Promise<T> {
    const name = r.path.split('/').pop()!;
    if (r.method === 'GET' && r.path.endsWith('/pods')) return { metadata: { resourceVersion: String(this.rv) }, items: [...this.pods.values()] } as T;
    if (r.method === 'GET') return structuredClone(this.pods.get(name)) as T;
    if (r.method === 'PATCH') {
      const p = this.pods.get(name)!;
      const md = (r.body as { metadata: { annotations: Record<string, string> } }).metadata;
      const next = { ...p, metadata: { ...p.metadata, annotations: { ...(p.metadata.annotations as object), ...md.annotations }, resourceVersion: String(++this.rv) } };
      this.pods.set(name, next);
      return next as T;
    }
    if (r.method === 'POST') return {} as T; // Events
    throw new Error(`unexpected ${r.method} ${r.path}`);
  }

  stream(r: { signal: AbortSignal; onLine: (line: string) => void }): Promise<void> {
    this.lineSink = r.onLine;
    this.watchStarted();
    return new Promise((resolve) => r.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** A kubelet status update: stored, and sent on the watch. */
  update(p: Obj): void {
    const next = { ...p, metadata: { ...p.metadata, resourceVersion: String(++this.rv) } };
    this.pods.set(String(p.metadata.name), next);
    this.lineSink!(JSON.stringify({ type: 'MODIFIED', object: next }));
  }

  exec(): never {
    throw new Error('no exec in this test');
  }

  close(): void {}
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(), what);
}

test('a pod whose main still runs is watched without a view; its main finishing arrives by watch and is acted on', async () => {
  const api = new FakeApi();
  const now = Date.now();
  api.pods.set('job-0', pod(0, runningStatus(0, now), 10));
  api.pods.set('job-1', pod(1, mainDoneStatus(1, now), 11));
  const performed: { pod: string; action: StopAction }[] = [];
  const executor: StopExecutor = {
    perform: async (view: PodView, action: StopAction) => {
      performed.push({ pod: view.name, action });
      return { status: 'sent', detail: 'ok' };
    },
  };
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const reaper = new Reaper({
    api, executor, events: { emit: async () => {} }, log: quiet, now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.5, namespaces: ['ns'],
    view: { catalog: defaultCatalog, catalogSidecars: false, defaultSignal: 'TERM' },
    decide: { ...DEFAULT_DECIDE, stopTimeoutMs: 60_000 },
  });
  reaper.start();
  try {
    await api.watching;
    await until('job-1 (mains done) is acted on', () => performed.some((p) => p.pod === 'job-1'));
    assert.equal(reaper.trackedPods, 2, 'both pods are watched');
    await until('job-1 is waiting for its sidecar to exit', () => reaper.pendingPods === 1);
    assert.deepEqual(performed.map((p) => p.pod), ['job-1'], 'nothing is done for job-0 while its main runs');

    api.update(pod(0, mainDoneStatus(0, Date.now()), 0));
    await until('job-0 is acted on once its main is done', () => performed.some((p) => p.pod === 'job-0'));
    const a = performed.find((p) => p.pod === 'job-0')!.action;
    assert.equal(a.container, 'envoy');
    assert.equal(a.what.kind, 'http');
    await until('both pods wait for their sidecars', () => reaper.pendingPods === 2);
    assert.equal(performed.length, 2, 'one action per sidecar run');
  } finally {
    await reaper.close();
  }
});
