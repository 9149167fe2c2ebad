import { Construct } from 'constructs';
import { ComponentChart, StackContext } from '../k8s/component';
import { alertRuleGroups } from '../observability/alerts';

/**
 * The application alerts of the alert library, with the environment's thresholds. The
 * stack's own components ship their self-monitoring alerts with them; the Kubernetes
 * alerts are in KubernetesRulesChart.
 */
export class AlertRulesChart extends ComponentChart {
  constructor(scope: Construct, ctx: StackContext) {
    super(scope, ctx, 'alert-rules', 'alerting');
    const { runbookBaseUrl, alerts } = ctx.config;
    this.addRuleGroups(
      alertRuleGroups({
        application: { runbookBaseUrl, thresholds: alerts.thresholds, expectedTraffic: alerts.expectedTraffic },
      }),
    );
  }
}
