import type { AlertingRule, RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, percent } from './common';

/**
 * `kube-state-metrics`: the exporter's own health, from its telemetry port: failing list and
 * watch calls (per resource: a missing RBAC rule shows as one resource failing), and
 * sharding (`--shard` / `--total-shards`) that leaves objects unexported.
 */
export function kubeStateMetricsAlerts(c: KubernetesRuleContext): RuleGroup {
  const t = c.t.kubeStateMetrics;
  const errors = (alert: string, metric: string, call: string): AlertingRule =>
    c.alert(
      {
        alert,
        expr:
          `sum by (resource) (rate(${metric}{result="error"}[5m]))\n/\nsum by (resource) (rate(${metric}[5m]))\n> ${t.listWatchErrors.errorRatio}`,
        for: t.listWatchErrors.for,
        severity: t.listWatchErrors.severity,
        summary: `kube-state-metrics fails to ${call} Kubernetes objects.`,
        description:
          `{{ $value | humanizePercentage }} of kube-state-metrics' ${call} calls for {{ $labels.resource }} failed over 5m (threshold ${percent(t.listWatchErrors.errorRatio)}%): ` +
          'the metrics of those objects are stale or missing (check its RBAC and the API server).',
      },
      'kube-state-metrics',
    );
  return c.group('kube-state-metrics', [
    errors('KubeStateMetricsListErrors', 'kube_state_metrics_list_total', 'list'),
    errors('KubeStateMetricsWatchErrors', 'kube_state_metrics_watch_total', 'watch'),
    c.alert(
      {
        alert: 'KubeStateMetricsShardingMismatch',
        expr: 'max(kube_state_metrics_total_shards) - min(kube_state_metrics_total_shards) > 0',
        for: t.sharding.for,
        severity: t.sharding.severity,
        summary: 'kube-state-metrics instances disagree on the number of shards.',
        description: 'kube-state-metrics instances run with different --total-shards: some objects are exported twice, others not at all.',
      },
      'kube-state-metrics',
    ),
    c.alert(
      {
        alert: 'KubeStateMetricsShardsMissing',
        // Each instance reports its ordinal (as the value and a label) and the shard count.
        expr: 'max(kube_state_metrics_total_shards)\n-\ncount(count by (shard_ordinal) (kube_state_metrics_shard_ordinal))\n> 0',
        for: t.sharding.for,
        severity: t.sharding.severity,
        summary: 'kube-state-metrics shards are missing.',
        description: '{{ $value }} shard(s) of kube-state-metrics report no metrics: the objects of those shards are not exported.',
      },
      'kube-state-metrics',
    ),
  ]);
}
