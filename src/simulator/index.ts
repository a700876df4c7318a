// The pod lifecycle simulator: `simulate(scenario)` runs a pure, deterministic, event-driven
// model of the kubelet (see engine.ts and docs/simulator.md) and returns the result format of
// ../shared/spec/scenario-format.md, with the assertions of the scenario's `expect` evaluated.
import { evaluateAssertions, type Scenario, type ScenarioResult } from '../scenario/index';
import { PodSimulation } from './engine';
import { DEFAULT_MODEL, versionFeatures, type KubeletModel, type VersionFeatures } from './model';

export { DEFAULT_MODEL, versionFeatures, parseVersion } from './model';
export type { KubeletModel, VersionFeatures, KubeVersion } from './model';

export interface SimulateOptions {
  /** Override the kubeletVersion of the scenario (`--kube-version`). */
  readonly kubernetesVersion?: string;
  /** Override model parameters (tests, what-if); defaults are DEFAULT_MODEL. */
  readonly model?: Partial<KubeletModel>;
}

export interface Lane { readonly name: string; readonly kind: 'init' | 'sidecar' | 'main' }

/** The result JSON plus what renderers need. */
export interface SimulationResult extends ScenarioResult {
  /** Containers in pod order with their role (not part of the JSON result format). */
  readonly lanes: readonly Lane[];
  /** Virtual time in seconds at which the simulation stopped. */
  readonly endedAt: number;
  readonly features: VersionFeatures;
}

export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimulationResult {
  const kubernetesVersion = options.kubernetesVersion ?? scenario.kubernetesVersion;
  const model: KubeletModel = { ...DEFAULT_MODEL, ...options.model };
  const features = versionFeatures(kubernetesVersion);
  const out = new PodSimulation(scenario, model, features).run();
  const assertions = evaluateAssertions(out.events, scenario.expect, { phase: out.phase, completedAt: out.completedAt });
  return {
    scenario: scenario.metadata.name,
    kubernetesVersion,
    events: out.events,
    phase: out.phase,
    completedAt: out.completedAt,
    ready: out.ready,
    containers: out.containers,
    assertions,
    lanes: out.lanes,
    endedAt: out.endedAt,
    features,
  };
}

/** The JSON result format only (drops renderer extras). */
export function toResultJson(r: SimulationResult): ScenarioResult {
  return {
    scenario: r.scenario, kubernetesVersion: r.kubernetesVersion, events: r.events, phase: r.phase,
    completedAt: r.completedAt, ready: r.ready, containers: r.containers, assertions: r.assertions,
  };
}
