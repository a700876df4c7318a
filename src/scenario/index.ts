// Scenario files and results: the contract shared by the kubelet model (src/simulator) and the
// real-cluster runner (src/harness). See ../shared/spec/scenario-format.md for the format.
//
//   parseScenarioText(yaml, {source})  -> {scenario, warnings}; throws ScenarioError whose
//                                         `issues` name each bad field (`behavior.prxy: ...`)
//   validateScenario(obj)              -> the same, from already-parsed data
//   parseDuration / formatDuration     -> `500ms`, `5s`, `2m`, `forever` <-> milliseconds
//   behaviorForRun(behavior, n)        -> the process behaviour of run n (`runs:` overrides)
//   evaluateAssertions(events, expect, {phase, completedAt, toleranceSeconds})
//                                      -> AssertionResult[] (pure; use
//                                         REAL_RUN_TOLERANCE_SECONDS for real clusters)
//   types: Scenario, ScenarioResult, TimelineEvent, Assertion, Expect, PodPhase, ...
//
// Internally durations are integer milliseconds; result times (`t`, `completedAt`) are seconds.
// This module has no dependency on the simulator and does no I/O.
export * from './types';
export * from './duration';
export * from './parse';
export * from './assertions';
