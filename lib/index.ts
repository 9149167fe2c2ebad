/**
 * observability-stack, the construct library: build your own chart from these instead of
 * forking the app.
 *
 *   import { App } from 'cdk8s';
 *   import { MonitoringStack, defineEnvironment } from 'observability-stack';
 *   new MonitoringStack(new App(), 'prod', defineEnvironment({ environment: 'prod', cluster: 'prod-eu-1', ... }));
 *
 * Everything public is exported from here; deep imports (`observability-stack/build/...`)
 * are not part of the API.
 */

// The config: types, documented defaults and the builder, validation, the example environments.
export * from './config';

// The stack, and the synth that writes `<outdir>/<environment>/`.
export { MonitoringStack } from './stack';
export { synthesizeAll, synthesizeEnvironment, writeOutput, runSynth, manifestStream, isCdk8sStdoutFolder, OPERATOR_DIR, GENERATED_HEADER } from './synth';
export type { OutputFiles, SynthOptions, RunSynthOptions, WriteReport } from './synth';
export { stackSecrets, secretCommands } from './secrets';
export type { SecretRequirement, SecretKeyRequirement } from './secrets';
export { IMAGES } from './images';
export type { ImageName } from './images';

// The components, one chart each (the stack composes them from a config).
export * from './components/namespace';
export * from './components/app-exporter';
export * from './components/exporter-sidecar';
export * from './components/prometheus';
export * from './components/alertmanager';
export * from './components/thanos';
export * from './components/loki';
export * from './components/log-collector';
export * from './components/grafana';
export * from './components/infrastructure-exporters';
export * from './components/alert-rules';
export * from './components/kubernetes-rules';
export * from './components/slos';
export * from './components/extra-rules';

// Building blocks: Kubernetes helpers, scrape targets, rule groups, query checks.
export * from './k8s/component';
export * from './k8s/labels';
export * from './k8s/security';
export * from './k8s/workload';
export * from './k8s/network-policy';
export * from './k8s/disruption-budget';
export * from './k8s/service-ref';
export * from './observability/rule-group';
export * from './observability/rule-registry';
export * from './observability/scrape-target';
export * from './observability/query';
export * from './policy';
export { toYaml, toYamlDocuments } from './render/yaml';
export { DATASOURCE_UIDS } from './render/grafana';
export type { DatasourceUid, DashboardFolderSpec, ProvisionedDashboard } from './render/grafana';

// The alert library (thresholds, rule groups) and the SLO API (Sloth specs, declarations, rules).
export * from './observability/alerts';
export * from './observability/slo';
