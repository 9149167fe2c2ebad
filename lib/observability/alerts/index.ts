/**
 * The alert-rule library: typed functions returning rule groups for the rule-group building
 * block (PrometheusRule + rule files). Thresholds come from `AlertThresholds`
 * (DEFAULT_ALERT_THRESHOLDS, overridable field by field). The Kubernetes groups (alerts by
 * subject, recording rules, API server SLOs) are in ./kubernetes.
 */
import type { RuleGroup } from '../rule-group';
import { ApplicationAlertOptions, applicationAlerts } from './application';

export * from './thresholds';
export { runbookAnchor, runbookUrl } from './common';
export type { AlertGroupCommonOptions } from './common';
export { applicationAlerts, DEFAULT_APPLICATION_METRICS } from './application';
export type { ApplicationAlertOptions, ApplicationMetricNames } from './application';
export * from './kubernetes';

/** The application group (the Kubernetes groups: `kubernetesRuleGroups`). */
export function alertRuleGroups(options: { readonly application: ApplicationAlertOptions }): RuleGroup[] {
  return [applicationAlerts(options.application)];
}
