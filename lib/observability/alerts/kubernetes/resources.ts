import type { AlertingRule, RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, maxBy, percent } from './common';

/**
 * `kubernetes-resources`: resource requests against the nodes' capacity, namespace quotas,
 * and CPU throttling. The overcommit alerts read the recording rules
 * `namespace_{cpu,memory}:kube_pod_container_resource_requests:sum` (requests of pods that
 * are not finished; see recording.ts).
 */
export function resourcesAlerts(c: KubernetesRuleContext): RuleGroup {
  const r = c.t.resources;
  // Allocatable capacity of the nodes pods can be scheduled on (cordoned nodes excepted).
  const allocatable = (resource: string) =>
    `(\n  ${maxBy('node', `kube_node_status_allocatable{resource="${resource}"}`)}\n  unless on (node)\n  ${maxBy('node', 'kube_node_spec_unschedulable')} == 1\n)`;
  const overcommit = (alert: string, resource: 'cpu' | 'memory', what: string, humanize: string): AlertingRule => {
    const requests = `sum(namespace_${resource}:kube_pod_container_resource_requests:sum)`;
    const alloc = allocatable(resource);
    return c.alert({
      alert,
      // With several schedulable nodes: do the requests still fit once the largest node is
      // gone? With one: do they fit at all?
      expr:
        `(\n  ${requests}\n  -\n  (sum(${alloc}) - max(${alloc}))\n) > 0\nand on () count(${alloc}) > 1\n` +
        `or\n(\n  ${requests}\n  -\n  sum(${alloc})\n) > 0\nand on () count(${alloc}) == 1`,
      for: r.overcommit.for,
      severity: r.overcommit.severity,
      summary: `The cluster cannot tolerate the loss of a node: pods request more ${what} than would remain.`,
      description:
        `Pods that are not finished request {{ $value | ${humanize} }} more ${what} than the schedulable nodes would offer without the largest of them ` +
        '(or, with a single node, than it offers): if a node fails, some pods cannot be rescheduled.',
    });
  };
  const quotaOvercommit = (alert: string, resource: 'cpu' | 'memory', what: string): AlertingRule =>
    c.alert({
      alert,
      // A quota may limit `cpu` and `requests.cpu` (the same thing): its smaller value counts.
      expr:
        `sum(min by (namespace, resourcequota) (kube_resourcequota{type="hard", resource=~"${resource}|requests.${resource}"}))\n/\n` +
        `sum(${maxBy('node', `kube_node_status_allocatable{resource="${resource}"}`)})\n> ${r.quotaOvercommit.factor}`,
      for: r.quotaOvercommit.for,
      severity: r.quotaOvercommit.severity,
      summary: `Namespace quotas allow more ${what} requests than the cluster has.`,
      description: `The hard ${what} quotas of all namespaces add up to {{ $value | humanizePercentage }} of the nodes' allocatable ${what} (threshold ${percent(r.quotaOvercommit.factor)}%).`,
    });
  // Used over hard, per quota and resource; a hard limit of 0 (forbidding the resource) is skipped.
  const quotaUse =
    `${maxBy('namespace, resourcequota, resource', 'kube_resourcequota{type="used"}')}\n/ on (namespace, resourcequota, resource)\n` +
    `(${maxBy('namespace, resourcequota, resource', 'kube_resourcequota{type="hard"}')} > 0)`;
  const quotaDescription = 'Namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota ({{ $labels.resourcequota }})';
  const throttled = (metric: string) => `sum by (namespace, pod, container) (increase(${metric}{container!=""}[${r.cpuThrottling.window}]))`;
  return c.group('kubernetes-resources', [
    overcommit('KubeCPUOvercommit', 'cpu', 'CPU', 'humanize'),
    overcommit('KubeMemoryOvercommit', 'memory', 'memory', 'humanize1024'),
    quotaOvercommit('KubeCPUQuotaOvercommit', 'cpu', 'CPU'),
    quotaOvercommit('KubeMemoryQuotaOvercommit', 'memory', 'memory'),
    c.alert({
      alert: 'KubeQuotaAlmostFull',
      expr: `${quotaUse}\n> ${r.quotaAlmostFull.usedRatio} < 1`,
      for: r.quotaAlmostFull.for,
      severity: r.quotaAlmostFull.severity,
      summary: 'A namespace quota is almost used up.',
      description: `${quotaDescription}; above ${percent(r.quotaAlmostFull.usedRatio)}% new objects may soon be refused.`,
    }),
    c.alert({
      alert: 'KubeQuotaFullyUsed',
      expr: `${quotaUse}\n== 1`,
      for: r.quotaFullyUsed.for,
      severity: r.quotaFullyUsed.severity,
      summary: 'A namespace quota is fully used.',
      description: `${quotaDescription}: new objects that need more are refused.`,
    }),
    c.alert({
      alert: 'KubeQuotaExceeded',
      expr: `${quotaUse}\n> 1`,
      for: r.quotaExceeded.for,
      severity: r.quotaExceeded.severity,
      summary: 'A namespace uses more than its quota.',
      description: `${quotaDescription} (the quota was lowered below what already exists).`,
    }),
    c.alert({
      alert: 'CPUThrottlingHigh',
      expr: `${throttled('container_cpu_cfs_throttled_periods_total')}\n/\n${throttled('container_cpu_cfs_periods_total')}\n> ${r.cpuThrottling.ratio}`,
      for: r.cpuThrottling.for,
      severity: r.cpuThrottling.severity,
      summary: 'A container is heavily CPU-throttled.',
      description:
        `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was throttled in {{ $value | humanizePercentage }} ` +
        `of its CPU periods over ${r.cpuThrottling.window}; raise its CPU limit or remove it.`,
    }),
  ]);
}
