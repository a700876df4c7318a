// The real-cluster test harness (docs/harness.md). What tests, benchmarks and
// other tools use:
//   ensureCluster()                     -> ClusterInfo {kubeconfig, server, nodeName, images, ...} (idempotent up)
//   clusterUp / clusterDown / clusterStatus
//   startApiserverOnly({version: '1.27' | '1.28' | '1.36', featureGates}) -> {url, kubeconfig, stop()}
//   runScenarioOnCluster(scenario, opts) / runScenarioFile(path, text, opts) -> ScenarioResult (simulator format)
//   KubeClient, waitFor                 -> a small REST client with client-certificate auth
//   castWorkload, LogCollector, sidecarctlFix, jobFromCronJob, waitJobFinished -> e2e building blocks
export { clusterUp, clusterDown, clusterStatus, type ClusterInfo, type ClusterOptions, type ComponentStatus } from './cluster';
export { startApiserverOnly, type ApiserverOnly, type ApiserverOnlyOptions } from './apiserver-only';
export { runScenarioOnCluster, runScenarioFile, scenarioPod, type RealRunOptions } from './scenario-runner';
export { KubeClient, KubeApiError, waitFor, readKubeconfig, type KubeAccess, type KubeObject } from './kube';
export {
  ensureCluster, freshNamespace, sidecarctlFix, parseManifests, jobFromCronJob, podTemplateOf, castWorkload,
  LogCollector, behaviourLog, parseBehaviourLog, waitJobFinished, jobState, podsOf, containerStatus, type Cast, type JobState, type LogEvent,
} from './workloads';
export { offlineProxyArgs, IMAGE_REFS, type HarnessImages } from './test-images';
export { castToBehaviour, servedPorts, LOG_DIR, NEED_PORT_BASE } from './behaviour';
export { VERSIONS, harnessPaths, type HarnessPaths } from './paths';
export { stderrLogger, silentLogger, HarnessError, type HarnessLogger } from './log';
