import type { AlertingRule, RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, maxBy, percent, seconds } from './common';

/**
 * `kubernetes-system-kubelet`: nodes (their conditions and taints, from kube-state-metrics)
 * and kubelets (their own /metrics). Kubelet series carry the `node` label of their scrape
 * target, so both sources meet on `node`.
 */
export function kubeletAlerts(c: KubernetesRuleContext): RuleGroup {
  const k = c.t.kubelet;
  const job = `job="${c.jobs.kubelet}"`;
  // A cordoned node is being worked on: its readiness is expected to change.
  const notCordoned = `unless on (node)\n  ${maxBy('node', 'kube_node_spec_unschedulable')} == 1`;
  const certificate = (alert: string, metric: string, which: string): AlertingRule[] =>
    (['warning', 'critical'] as const).map((severity) => {
      const horizon = severity === 'warning' ? k.certificateExpiration.warningHorizon : k.certificateExpiration.criticalHorizon;
      return c.alert({
        alert,
        // +Inf while the kubelet has no such certificate; negative once it expired.
        expr: `min by (node) (${metric}) < ${seconds(horizon)}`,
        severity,
        summary: `A kubelet's ${which} certificate expires within ${horizon}.`,
        description: `The ${which} certificate of the kubelet on node {{ $labels.node }} expires in {{ $value | humanizeDuration }}; its rotation is not working.`,
      });
    });
  const renewalErrors = (alert: string, metric: string, which: string): AlertingRule =>
    c.alert({
      alert,
      expr: `sum by (node) (increase(${metric}[5m])) > 0`,
      for: k.certificateRenewalErrors.for,
      severity: k.certificateRenewalErrors.severity,
      summary: `A kubelet fails to renew its ${which} certificate.`,
      description: `The kubelet on node {{ $labels.node }} failed to renew its ${which} certificate {{ $value | humanize }} time(s) in the last 5 minutes, and has kept failing for ${k.certificateRenewalErrors.for}.`,
    });
  return c.group('kubernetes-system-kubelet', [
    c.alert({
      alert: 'KubeNodeNotReady',
      expr: `${maxBy('node', 'kube_node_status_condition{condition="Ready", status="true"}')} == 0\n${notCordoned}`,
      for: k.nodeNotReady.for,
      severity: k.nodeNotReady.severity,
      summary: 'A node is not ready.',
      description: `Node {{ $labels.node }} has not been Ready for ${k.nodeNotReady.for} (and is not cordoned); its pods are being evicted or cannot run.`,
    }),
    c.alert({
      alert: 'KubeNodePressure',
      expr: `${maxBy('node, condition', `kube_node_status_condition{condition=~"${k.nodePressure.conditions.join('|')}", status="true"}`)} == 1`,
      for: k.nodePressure.for,
      severity: k.nodePressure.severity,
      summary: 'A node reports resource pressure.',
      description: `Node {{ $labels.node }} has reported {{ $labels.condition }} for more than ${k.nodePressure.for}; the kubelet evicts pods under pressure.`,
    }),
    c.alert({
      alert: 'KubeNodeUnreachable',
      // The node controller taints a node whose kubelet stopped reporting; the cluster
      // autoscaler's own taint marks a node it is removing on purpose.
      expr:
        `${maxBy('node', 'kube_node_spec_taint{key="node.kubernetes.io/unreachable"}')} == 1\n` +
        `unless on (node)\n  ${maxBy('node', 'kube_node_spec_taint{key="ToBeDeletedByClusterAutoscaler"}')} == 1`,
      for: k.nodeUnreachable.for,
      severity: k.nodeUnreachable.severity,
      summary: 'A node is unreachable.',
      description: `Node {{ $labels.node }} has been unreachable for ${k.nodeUnreachable.for}: its kubelet stopped reporting, and its pods are being rescheduled elsewhere.`,
    }),
    c.alert({
      alert: 'KubeletTooManyPods',
      expr: `${maxBy('node', `kubelet_running_pods`)}\n/ on (node)\n${maxBy('node', 'kube_node_status_capacity{resource="pods"}')}\n> ${k.tooManyPods.usedRatio}`,
      for: k.tooManyPods.for,
      severity: k.tooManyPods.severity,
      summary: 'A kubelet runs nearly as many pods as its node allows.',
      description: `The kubelet on node {{ $labels.node }} runs {{ $value | humanizePercentage }} of the node's pod capacity (threshold ${percent(k.tooManyPods.usedRatio)}%): new pods may not fit.`,
    }),
    c.alert({
      alert: 'KubeNodeReadinessFlapping',
      expr: `sum by (node) (changes(kube_node_status_condition{condition="Ready", status="true"}[${k.readinessFlapping.window}])) > ${k.readinessFlapping.changes}\n${notCordoned}`,
      for: k.readinessFlapping.for,
      severity: k.readinessFlapping.severity,
      summary: 'A node\'s readiness is flapping.',
      description: `The Ready condition of node {{ $labels.node }} changed {{ $value }} times in ${k.readinessFlapping.window} (threshold ${k.readinessFlapping.changes}).`,
    }),
    c.alert({
      alert: 'KubeNodeEviction',
      expr: `sum by (node, eviction_signal) (increase(kubelet_evictions[${k.eviction.window}])) > 0`,
      severity: k.eviction.severity,
      summary: 'A node is evicting pods.',
      description: `The kubelet on node {{ $labels.node }} evicted about {{ $value | humanize }} pod(s) in the last ${k.eviction.window} because of {{ $labels.eviction_signal }}.`,
    }),
    c.alert({
      alert: 'KubeletPlegDurationHigh',
      expr: `node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile{quantile="0.99"} >= ${k.plegDuration.seconds}`,
      for: k.plegDuration.for,
      severity: k.plegDuration.severity,
      summary: 'A kubelet is slow to relist its pods.',
      description:
        `The 99th percentile of the pod lifecycle event generator's relist duration on node {{ $labels.node }} is {{ $value | humanizeDuration }} ` +
        `(threshold ${k.plegDuration.seconds}s): the container runtime answers slowly, and the node turns NotReady if it lasts.`,
    }),
    c.alert({
      alert: 'KubeletPodStartUpLatencyHigh',
      // The pod start SLI: from the pod's creation until all its containers are reported
      // started, without image pulls and init containers.
      expr: `histogram_quantile(0.99, sum by (node, le) (rate(kubelet_pod_start_sli_duration_seconds_bucket[5m]))) > ${k.podStartupLatency.seconds}`,
      for: k.podStartupLatency.for,
      severity: k.podStartupLatency.severity,
      summary: 'Pods take long to start on a node.',
      description:
        `The 99th percentile of pod start time on node {{ $labels.node }} (without image pulls) is {{ $value | humanizeDuration }} ` +
        `over 5m (threshold ${k.podStartupLatency.seconds}s).`,
    }),
    ...certificate('KubeletClientCertificateExpiration', 'kubelet_certificate_manager_client_ttl_seconds', 'client'),
    ...certificate('KubeletServerCertificateExpiration', 'kubelet_certificate_manager_server_ttl_seconds', 'server'),
    renewalErrors('KubeletClientCertificateRenewalErrors', 'kubelet_certificate_manager_client_expiration_renew_errors', 'client'),
    renewalErrors('KubeletServerCertificateRenewalErrors', 'kubelet_server_expiration_renew_errors', 'server'),
    // Only when the kubelets are scraped (otherwise KubeletDown would fire forever).
    ...(c.scraped.kubelet
      ? [
          c.alert({
            alert: 'KubeletInstanceUnreachable',
            expr: `up{${job}} == 0`,
            for: k.instanceUnreachable.for,
            severity: k.instanceUnreachable.severity,
            summary: 'A kubelet cannot be scraped.',
            description: `The kubelet on node {{ $labels.node }} ({{ $labels.instance }}) has been unreachable from Prometheus for ${k.instanceUnreachable.for}.`,
          }),
          c.alert({
            alert: 'KubeletDown',
            expr: `count(${maxBy('node', 'kube_node_info')})\nunless on ()\ncount(up{${job}} == 1)`,
            for: k.down.for,
            severity: k.down.severity,
            summary: 'No kubelet can be scraped.',
            description: `The cluster has {{ $value }} node(s) and no target of job ${c.jobs.kubelet} has been up for ${k.down.for}: the node, pod and volume alerts that read the kubelets cannot fire.`,
          }),
        ]
      : []),
  ]);
}
