import type { AlertingRule, RuleGroup } from '../rule-group';
import {
  AlertGroupCommonOptions,
  OptionProblems,
  braces,
  checkExtraLabels,
  checkKnownKeys,
  checkRunbookBaseUrl,
  checkSelector,
  makeAlert,
  secondsOf,
} from './common';
import { AlertThresholdOverrides, promDurationSeconds, resolveAlertThresholds } from './thresholds';

/**
 * Kubernetes infrastructure alerts, after kubernetes-mixin (kube-prometheus): the metric
 * names are kube-state-metrics v2 (`kube_pod_container_status_waiting_reason`,
 * `kube_pod_container_status_restarts_total`, `kube_pod_status_ready`, `kube_pod_status_phase`,
 * `kube_node_status_condition`, `kube_persistentvolumeclaim_access_mode`), kubelet volume
 * stats (`kubelet_volume_stats_{available,capacity,used}_bytes`) and cAdvisor
 * (`container_cpu_cfs_{throttled_,}periods_total`). Every alert has `category="infrastructure"`.
 *
 * The selectors default to none: those metric names are unique to their exporter, so the
 * rules work whatever the scrape jobs are called. Set them when several Prometheus jobs
 * scrape the same exporter (duplicated series) or to restrict the alerts.
 */

export interface InfrastructureSelectors {
  /** Matchers for kube-state-metrics series, e.g. `job="kube-state-metrics"`. @default none */
  readonly kubeStateMetrics?: string;
  /** Matchers for kubelet volume stats, e.g. `job="kubelet", metrics_path="/metrics"`. @default none */
  readonly kubelet?: string;
  /** Matchers for cAdvisor series, e.g. `job="kubelet", metrics_path="/metrics/cadvisor"`. @default none */
  readonly cadvisor?: string;
  /** Matchers restricting the `up` series TargetDown looks at. @default none (every target) */
  readonly up?: string;
}

export interface InfrastructureAlertOptions extends AlertGroupCommonOptions {
  readonly thresholds?: AlertThresholdOverrides;
  readonly selectors?: InfrastructureSelectors;
  /** @default 'infrastructure' */
  readonly groupName?: string;
}

const OPTION_FIELDS = ['runbookBaseUrl', 'extraLabels', 'interval', 'thresholds', 'selectors', 'groupName'];

/** The infrastructure rule group. */
export function infrastructureAlerts(options: InfrastructureAlertOptions): RuleGroup {
  const p = new OptionProblems('infrastructure alert options');
  checkKnownKeys(p, 'infrastructureAlerts', options, OPTION_FIELDS);
  p.throwIfAny();
  const runbookBase = checkRunbookBaseUrl(p, 'infrastructureAlerts.runbookBaseUrl', options.runbookBaseUrl);
  const extraLabels = checkExtraLabels(p, 'infrastructureAlerts.extraLabels', options.extraLabels);
  const s = options.selectors ?? {};
  if (options.selectors !== undefined) checkKnownKeys(p, 'infrastructureAlerts.selectors', s, ['kubeStateMetrics', 'kubelet', 'cadvisor', 'up']);
  const ksm = checkSelector(p, 'infrastructureAlerts.selectors.kubeStateMetrics', s.kubeStateMetrics);
  const kubelet = checkSelector(p, 'infrastructureAlerts.selectors.kubelet', s.kubelet);
  const cadvisor = checkSelector(p, 'infrastructureAlerts.selectors.cadvisor', s.cadvisor);
  // TargetDown moved to the general group (general.ts, option upSelector); the field is still validated.
  checkSelector(p, 'infrastructureAlerts.selectors.up', s.up);
  let t;
  try {
    t = resolveAlertThresholds(options.thresholds).infrastructure;
  } catch (err) {
    p.add('infrastructureAlerts.thresholds', (err as Error).message);
  }
  p.throwIfAny();
  if (!t) throw new Error('unreachable');

  const mk = (spec: Parameters<typeof makeAlert>[0]): AlertingRule => makeAlert(spec, 'infrastructure', runbookBase, extraLabels);
  const v = t.volumeFillingUp;
  const horizonSeconds = promDurationSeconds(v.predictionHorizon) ?? 0;
  const availableRatio = `(\n  kubelet_volume_stats_available_bytes${braces(kubelet)}\n/\n  kubelet_volume_stats_capacity_bytes${braces(kubelet)}\n)`;
  // A ReadOnlyMany volume cannot fill up through this workload; kubernetes-mixin skips it too.
  const notReadOnly = `unless on (namespace, persistentvolumeclaim)\n  kube_persistentvolumeclaim_access_mode${braces(ksm, 'access_mode="ReadOnlyMany"')} == 1`;
  const conditions = t.nodePressure.conditions.join('|');

  const rules: AlertingRule[] = [
    mk({
      alert: 'KubePodCrashLooping',
      expr:
        `max by (namespace, pod, container) (\n  max_over_time(kube_pod_container_status_waiting_reason${braces(ksm, 'reason="CrashLoopBackOff"')}[5m])\n) >= 1\n` +
        `or\nmax by (namespace, pod, container) (\n  increase(kube_pod_container_status_restarts_total${braces(ksm)}[${t.crashLooping.window}])\n) > ${t.crashLooping.restarts}`,
      for: t.crashLooping.for,
      severity: t.crashLooping.severity,
      summary: 'A container is crash-looping.',
      description:
        `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is in CrashLoopBackOff ` +
        `or restarted more than ${t.crashLooping.restarts} times in ${t.crashLooping.window}.`,
    }),
    mk({
      alert: 'KubePodNotReady',
      // Pods that never got a Ready condition (Pending, unschedulable) have no
      // kube_pod_status_ready series, hence the phase check; finished pods are ignored.
      expr:
        `(\n  max by (namespace, pod) (kube_pod_status_ready${braces(ksm, 'condition="false"')}) == 1\nor\n` +
        `  max by (namespace, pod) (kube_pod_status_phase${braces(ksm, 'phase=~"Pending|Unknown"')}) == 1\n)\n` +
        `unless on (namespace, pod)\n  max by (namespace, pod) (kube_pod_status_phase${braces(ksm, 'phase=~"Succeeded|Failed"')}) == 1`,
      for: t.podNotReady.for,
      severity: t.podNotReady.severity,
      summary: 'A pod is not ready.',
      description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for more than ${t.podNotReady.for}.`,
    }),
    mk({
      alert: 'KubeNodeUnderPressure',
      expr: `max by (node, condition) (kube_node_status_condition${braces(ksm, `condition=~"${conditions}"`, 'status="true"')}) == 1`,
      for: t.nodePressure.for,
      severity: t.nodePressure.severity,
      summary: 'A node reports resource pressure.',
      description: `Node {{ $labels.node }} has reported {{ $labels.condition }} for more than ${t.nodePressure.for}; the kubelet evicts pods under pressure.`,
    }),
    mk({
      alert: 'KubePersistentVolumeFillingUp',
      expr:
        `${availableRatio} < ${v.criticalAvailableRatio}\n` +
        `and\n  kubelet_volume_stats_used_bytes${braces(kubelet)} > 0\n${notReadOnly}`,
      for: v.criticalFor,
      severity: 'critical',
      summary: 'A PersistentVolume is almost full.',
      description: `The volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has only {{ $value | humanizePercentage }} free.`,
    }),
    mk({
      alert: 'KubePersistentVolumeFillingUp',
      expr:
        `${availableRatio} < ${v.warningAvailableRatio}\n` +
        `and\n  kubelet_volume_stats_used_bytes${braces(kubelet)} > 0\n` +
        `and\n  predict_linear(kubelet_volume_stats_available_bytes${braces(kubelet)}[${v.predictionWindow}], ${secondsOf(horizonSeconds)}) < 0\n${notReadOnly}`,
      for: v.warningFor,
      severity: 'warning',
      summary: `A PersistentVolume is predicted to fill up within ${v.predictionHorizon}.`,
      description:
        `The volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} free ` +
        `and, at the rate of the last ${v.predictionWindow}, fills up within ${v.predictionHorizon}.`,
    }),
    mk({
      alert: 'CPUThrottlingHigh',
      expr:
        `sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total${braces(cadvisor, 'container!=""')}[${t.cpuThrottling.window}]))\n/\n` +
        `sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total${braces(cadvisor, 'container!=""')}[${t.cpuThrottling.window}]))\n` +
        `> ${t.cpuThrottling.ratio}`,
      for: t.cpuThrottling.for,
      severity: t.cpuThrottling.severity,
      summary: 'A container is heavily CPU-throttled.',
      description:
        `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was throttled in {{ $value | humanizePercentage }} ` +
        `of its CPU periods over ${t.cpuThrottling.window}; raise its CPU limit or remove it.`,
    }),
  ];

  const group: RuleGroup = { name: options.groupName ?? 'infrastructure', rules };
  return options.interval ? { ...group, interval: options.interval } : group;
}
