/**
 * The Kubernetes rule groups: alerts by subject (kube-prometheus's alert names, so that its
 * public runbooks apply; expressions written here from the metrics' meaning), the recording
 * rules the dashboards and the resource alerts read, and the API server's SLOs.
 */
import type { RuleGroup } from '../../rule-group';
import { apiServerAlerts } from './apiserver';
import { appsAlerts } from './apps';
import { KubernetesRuleOptions, kubernetesRuleContext } from './common';
import { controlPlaneAlerts } from './control-plane';
import { kubeStateMetricsAlerts } from './kube-state-metrics';
import { kubeletAlerts } from './kubelet';
import { kubernetesRecordingGroups } from './recording';
import { resourcesAlerts } from './resources';
import { kubeApiServerSloGroups, kubeApiServerSlos } from './slo';
import { storageAlerts } from './storage';
import { systemAlerts } from './system';

export * from './thresholds';
export { DEFAULT_KUBERNETES_JOBS, PUBLIC_RUNBOOKS_URL, UPSTREAM_RUNBOOKS, kubernetesRunbookUrl } from './common';
export type { KubernetesJobs, KubernetesRuleOptions, KubernetesRunbookDir, ScrapedParts, UpstreamRunbooks } from './common';
export { API_SERVER_SLO_ALERT, API_SERVER_SLO_SERVICE } from './slo';
export { KUBERNETES_METRICS } from './metrics';
export type { KubernetesMetric, KubernetesMetricProducer } from './metrics';

/** The alert groups, one per subject (the scheduler's and controller-manager's only when scraped). */
export function kubernetesAlertGroups(options: KubernetesRuleOptions): RuleGroup[] {
  const c = kubernetesRuleContext(options, 'kubernetesAlertGroups');
  return [appsAlerts(c), resourcesAlerts(c), storageAlerts(c), systemAlerts(c), apiServerAlerts(c), kubeletAlerts(c), ...controlPlaneAlerts(c), kubeStateMetricsAlerts(c)];
}

/** The recording groups (`k8s.rules.*`, `kube-apiserver.rules`, `kubelet.rules`, `kube-scheduler.rules`). */
export function kubernetesRecordingRuleGroups(options: KubernetesRuleOptions): RuleGroup[] {
  return kubernetesRecordingGroups(kubernetesRuleContext(options, 'kubernetesRecordingRuleGroups'));
}

/** The API server SLOs as SLO declarations (for the SLO dashboard or your own generator call). */
export function kubeApiServerSloDeclarations(options: KubernetesRuleOptions) {
  return kubeApiServerSlos(kubernetesRuleContext(options, 'kubeApiServerSloDeclarations'));
}

/**
 * Everything: recording groups, alert groups, then the API server SLO groups. `path` names
 * the options in error messages (the stack passes `alerts`).
 */
export function kubernetesRuleGroups(options: KubernetesRuleOptions, path = 'kubernetesRuleGroups'): RuleGroup[] {
  const c = kubernetesRuleContext(options, path);
  return [
    ...kubernetesRecordingGroups(c),
    appsAlerts(c),
    resourcesAlerts(c),
    storageAlerts(c),
    systemAlerts(c),
    apiServerAlerts(c),
    kubeletAlerts(c),
    ...controlPlaneAlerts(c),
    kubeStateMetricsAlerts(c),
    ...(c.scraped.apiServer ? kubeApiServerSloGroups(c) : []),
  ];
}
