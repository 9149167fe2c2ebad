/**
 * The alert-rule library: typed functions returning rule groups for the rule-group building
 * block (PrometheusRule + rule files). Thresholds come from `AlertThresholds`
 * (DEFAULT_ALERT_THRESHOLDS, overridable field by field).
 */
import type { RuleGroup } from '../rule-group';
import { ApplicationAlertOptions, applicationAlerts } from './application';
import { InfrastructureAlertOptions, infrastructureAlerts } from './infrastructure';

export * from './thresholds';
export { runbookAnchor, runbookUrl } from './common';
export type { AlertGroupCommonOptions } from './common';
export { applicationAlerts, DEFAULT_APPLICATION_METRICS } from './application';
export type { ApplicationAlertOptions, ApplicationMetricNames } from './application';
export { infrastructureAlerts } from './infrastructure';
export type { InfrastructureAlertOptions, InfrastructureSelectors } from './infrastructure';

/** Both groups with shared runbook URL, labels and thresholds. */
export function alertRuleGroups(options: {
  readonly application: ApplicationAlertOptions;
  readonly infrastructure: InfrastructureAlertOptions;
}): RuleGroup[] {
  return [applicationAlerts(options.application), infrastructureAlerts(options.infrastructure)];
}
