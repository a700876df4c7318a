// Rule `sidecar-ignores-sigterm` on the real kubelet. The Kubernetes documentation's own Job with a
// native log-shipper sidecar (`sh -c 'tail -F /opt/logs.txt'`, kubernetes/website
// content/en/examples/application/job/job-sidecar.yaml) runs tail as PID 1, which has no SIGTERM
// handler, so the kernel ignores SIGTERM (pid_namespaces(7)). After the main container exits the
// kubelet sends SIGTERM to the sidecar and waits the grace period (30 s) for SIGKILL before the pod
// can succeed. With the rule's advice (`trap 'exit 0' TERM` around a backgrounded tail) the Job
// completes right away, and lint no longer reports it. Only the images are replaced (the busybox
// behaviour image runs the same shell commands); both delays are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCluster } from '../helpers/cluster';
import { freshNamespace, parseManifests, castWorkload, waitJobFinished, podsOf, containerStatus, podTemplateOf } from '../../src/harness/workloads';
import type { KubeObject } from '../../src/harness/kube';
import { lint } from '../helpers/manifests';

const corpus = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'manifests');
const website = readFileSync(join(corpus, 'k8s-website__application_job_job-sidecar.yaml'), 'utf8');
const env = useCluster();

async function completionDelay(job: KubeObject, label: string): Promise<number> {
  const { ns, cleanup } = await freshNamespace(env.client, `sigterm-${label}`);
  try {
    const cast = castWorkload(job, env.cluster.images, { myjob: { image: env.cluster.images.behaviour }, logshipper: { image: env.cluster.images.behaviour } });
    await env.client.create(cast, ns);
    const st = await waitJobFinished(env.client, ns, 'myjob', 90_000);
    assert.equal(st.complete, true, `${label}: the Job completes (${JSON.stringify(st)})`);
    const pod = (await podsOf(env.client, ns, 'job-name=myjob'))[0];
    assert.ok(pod, `${label}: the Job made a pod`);
    const finished = containerStatus(pod, 'myjob')?.state?.terminated?.finishedAt;
    assert.ok(finished, `${label}: the main container terminated`);
    // finishedAt has one-second precision: the delay is good to about ±1 s
    return (st.observedAt! - Date.parse(finished)) / 1000;
  } finally {
    await cleanup();
  }
}

test('a tail -F sidecar as PID 1 holds the Job for the grace period; trapping TERM ends it at once', { timeout: 180_000 }, async () => {
  const ruleHits = (yaml: string) => lint(yaml, '1.36').findings.filter((f) => f.rule === 'sidecar-ignores-sigterm');
  assert.equal(ruleHits(website).length, 1, 'lint reports the documentation example');

  const job = parseManifests(website).find((o) => o.kind === 'Job')!;
  const trapped = structuredClone(job);
  const sidecar = podTemplateOf(trapped).spec!.initContainers!.find((c) => c.name === 'logshipper')!;
  sidecar.command = ['sh', '-c', "trap 'exit 0' TERM; tail -F /opt/logs.txt & wait"];
  assert.equal(ruleHits(JSON.stringify(trapped)).length, 0, 'lint accepts the trapped variant');

  const [asWritten, withTrap] = [await completionDelay(job, 'as-written'), await completionDelay(trapped, 'trap')];
  console.log(`# Kubernetes docs job-sidecar.yaml (tail -F as PID 1): Job complete ${asWritten.toFixed(1)} s after the main container exited`);
  console.log(`# same Job with trap 'exit 0' TERM:                  Job complete ${withTrap.toFixed(1)} s after the main container exited`);
  assert.ok(asWritten >= 27, `as written the pod waits for the 30 s grace period (delay ${asWritten} s)`);
  assert.ok(withTrap <= 6, `with the trap the Job completes right after the main container (delay ${withTrap} s)`);
});
