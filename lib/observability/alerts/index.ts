/**
 * The alert-rule library: typed functions returning rule groups for the rule-group building
 * block (PrometheusRule + rule files). Thresholds come from `AlertThresholds`
 * (DEFAULT_ALERT_THRESHOLDS, overridable field by field). The Kubernetes groups (alerts by
 * subject, recording rules, API server SLOs) are in ./kubernetes.
 */
import type { RuleGroup } from '../rule-group';
import { ApplicationAlertOptions, applicationAlerts } from './application';

export * from './thresholds';
export { runbookAnchor, runbookUrl, upstreamRunbookUrl, makeUpstreamAlert, PUBLIC_RUNBOOKS_URL, UPSTREAM_RUNBOOKS } from './common';
export type { AlertGroupCommonOptions, RunbookDir, RunbookLinks, UpstreamRunbooks } from './common';
export { generalAlerts, GENERAL_GROUP } from './general';
export type { GeneralAlertOptions } from './general';
export { nodeAlerts, nodeRecordingRules, NODE_EXPORTER_GROUP, NODE_NETWORK_GROUP, NODE_RECORDING_GROUP } from './node';
export type { NodeAlertOptions } from './node';
export { alertmanagerAlerts, configReloaderAlerts, grafanaRequestsFailingAlert, ALERTMANAGER_GROUP, CONFIG_RELOADERS_GROUP } from './stack';
export type { AlertmanagerAlertOptions, GrafanaRequestsFailingOptions } from './stack';
export { prometheusAlerts, thanosAlerts, exporterAlerts, metricsPipelineAlerts, PROMETHEUS_GROUP } from './metrics-pipeline';
export type { PrometheusAlertOptions, MetricsPipelineAlertOptions } from './metrics-pipeline';
export { applicationAlerts, DEFAULT_APPLICATION_METRICS } from './application';
export type { ApplicationAlertOptions, ApplicationMetricNames } from './application';
export * from './kubernetes';

/** The application group (the Kubernetes groups: `kubernetesRuleGroups`). */
export function alertRuleGroups(options: { readonly application: ApplicationAlertOptions }): RuleGroup[] {
  return [applicationAlerts(options.application)];
}
