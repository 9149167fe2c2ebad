/**
 * The construct library: build your own chart from these instead of forking the app.
 *
 *   import { App } from 'cdk8s';
 *   import { MonitoringStack, production } from 'observability-stack';
 *   new MonitoringStack(new App(), 'prod', { ...production, cluster: 'my-cluster' });
 */
export * from './config';
export { MonitoringStack } from './stack';
export { synthesizeAll, synthesizeEnvironment, writeOutput, runSynth, OPERATOR_DIR } from './synth';
export type { OutputFiles } from './synth';
export { stackSecrets, secretCommands } from './secrets';
export type { SecretRequirement, SecretKeyRequirement } from './secrets';
export { IMAGES } from './images';
export type { ImageName } from './images';
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
export * from './components/namespace';
export * from './components/app-exporter';
export * from './components/prometheus';
export * from './components/alertmanager';
export * from './components/thanos';
export * from './components/infrastructure-exporters';
export * from './components/alert-rules';
export * from './components/kubernetes-rules';
export * from './policy';
export { toYaml, toYamlDocuments } from './render/yaml';
export * from './components/exporter-sidecar';
