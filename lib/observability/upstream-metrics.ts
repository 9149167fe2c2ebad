/**
 * Metrics the stack reads but does not define itself: each one named with the component that
 * exposes it, at the version pinned in lib/images.ts. Dashboards and alerts may only read
 * metrics from this list, from the app exporter's catalogue (exporter/src/catalogue.ts) or
 * from a recording rule of the stack; test/dashboards.test.ts checks it, and checks the
 * Prometheus and Alertmanager entries against the real binaries' /metrics.
 *
 * Add a metric here only after checking its name in the producer's source or documentation.
 */

export type UpstreamProducer =
  | 'prometheus'
  | 'alertmanager'
  | 'thanos'
  | 'loki'
  | 'grafana'
  | 'alloy'
  | 'promtail'
  | 'fluentd'
  | 'kube-state-metrics'
  | 'node-exporter'
  | 'cadvisor'
  | 'kubelet';

export type UpstreamMetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface UpstreamMetric {
  readonly name: string;
  readonly producer: UpstreamProducer;
  readonly type: UpstreamMetricType;
  /**
   * A series Prometheus synthesises (`up` per scrape target, `ALERTS` per pending or firing
   * alert) rather than a family on some /metrics page.
   */
  readonly synthetic?: true;
  /** Where the name comes from, for whoever upgrades the producer. */
  readonly source: string;
}

export const UPSTREAM_METRICS: readonly UpstreamMetric[] = [
  // Prometheus itself (series it creates, and its own /metrics)
  { name: 'up', producer: 'prometheus', type: 'gauge', synthetic: true, source: 'one per scrape target: 1 if the last scrape succeeded' },
  { name: 'ALERTS', producer: 'prometheus', type: 'gauge', synthetic: true, source: 'one per pending/firing alert, labels alertname, alertstate and the rule labels' },
  { name: 'prometheus_tsdb_head_series', producer: 'prometheus', type: 'gauge', source: 'tsdb/head.go' },
  { name: 'prometheus_tsdb_head_samples_appended_total', producer: 'prometheus', type: 'counter', source: 'tsdb/head.go' },
  { name: 'prometheus_rule_evaluation_failures_total', producer: 'prometheus', type: 'counter', source: 'rules/group.go (label rule_group)' },
  { name: 'prometheus_rule_group_last_duration_seconds', producer: 'prometheus', type: 'gauge', source: 'rules/group.go' },
  { name: 'prometheus_rule_group_interval_seconds', producer: 'prometheus', type: 'gauge', source: 'rules/group.go' },
  { name: 'prometheus_notifications_dropped_total', producer: 'prometheus', type: 'counter', source: 'notifier/notifier.go' },
  { name: 'prometheus_notifications_errors_total', producer: 'prometheus', type: 'counter', source: 'notifier/notifier.go (label alertmanager)' },
  { name: 'prometheus_config_last_reload_successful', producer: 'prometheus', type: 'gauge', source: 'cmd/prometheus/main.go' },
  // Alertmanager
  { name: 'alertmanager_alerts', producer: 'alertmanager', type: 'gauge', source: 'provider/mem (label state)' },
  { name: 'alertmanager_notifications_total', producer: 'alertmanager', type: 'counter', source: 'notify/notify.go (label integration)' },
  { name: 'alertmanager_notifications_failed_total', producer: 'alertmanager', type: 'counter', source: 'notify/notify.go (labels integration, reason)' },
  { name: 'alertmanager_cluster_members', producer: 'alertmanager', type: 'gauge', source: 'cluster/cluster.go (when clustering is on)' },
  // Thanos
  { name: 'thanos_store_nodes_grpc_connections', producer: 'thanos', type: 'gauge', source: 'query endpoint set (labels external_labels, store_type)' },
  { name: 'thanos_sidecar_prometheus_up', producer: 'thanos', type: 'gauge', source: 'cmd/thanos/sidecar.go' },
  { name: 'thanos_shipper_upload_failures_total', producer: 'thanos', type: 'counter', source: 'pkg/shipper' },
  { name: 'thanos_compact_halted', producer: 'thanos', type: 'gauge', source: 'cmd/thanos/compact.go' },
  { name: 'thanos_objstore_bucket_operation_failures_total', producer: 'thanos', type: 'counter', source: 'objstore instrumented bucket (label operation)' },
  { name: 'http_requests_total', producer: 'thanos', type: 'counter', source: 'extprom/http instrumentation of the HTTP APIs (labels code, handler, method); read with job=~"thanos.*"' },
  { name: 'http_request_duration_seconds', producer: 'thanos', type: 'histogram', source: 'extprom/http instrumentation (label handler); read with job=~"thanos.*"' },
  // Loki
  { name: 'loki_request_duration_seconds', producer: 'loki', type: 'histogram', source: 'weaveworks/common instrumentation (labels method, route, status_code, ws)' },
  { name: 'loki_distributor_lines_received_total', producer: 'loki', type: 'counter', source: 'pkg/distributor' },
  { name: 'loki_distributor_bytes_received_total', producer: 'loki', type: 'counter', source: 'pkg/distributor' },
  { name: 'loki_discarded_samples_total', producer: 'loki', type: 'counter', source: 'pkg/validation (label reason)' },
  // Grafana
  { name: 'grafana_http_request_duration_seconds', producer: 'grafana', type: 'histogram', source: 'pkg/middleware/request_metrics.go (labels handler, status_code, method)' },
  { name: 'grafana_datasource_request_total', producer: 'grafana', type: 'counter', source: 'pkg/infra/httpclient/httpclientprovider (labels datasource, datasource_type, code, method)' },
  // Log collectors
  { name: 'loki_write_sent_entries_total', producer: 'alloy', type: 'counter', source: 'loki.write component' },
  { name: 'loki_write_dropped_entries_total', producer: 'alloy', type: 'counter', source: 'loki.write component (label reason)' },
  { name: 'promtail_sent_entries_total', producer: 'promtail', type: 'counter', source: 'clients/pkg/promtail/client' },
  { name: 'promtail_dropped_entries_total', producer: 'promtail', type: 'counter', source: 'clients/pkg/promtail/client' },
  { name: 'fluentd_output_status_retry_count', producer: 'fluentd', type: 'gauge', source: 'fluent-plugin-prometheus prometheus_output_monitor' },
  { name: 'fluentd_output_status_num_errors', producer: 'fluentd', type: 'gauge', source: 'fluent-plugin-prometheus prometheus_output_monitor' },
  // Kubernetes
  { name: 'kube_pod_container_status_restarts_total', producer: 'kube-state-metrics', type: 'counter', source: 'docs/metrics/workload/pod-metrics.md' },
  { name: 'kube_pod_container_status_last_terminated_reason', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label reason)' },
  { name: 'kube_pod_container_resource_requests', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label resource)' },
  { name: 'kube_pod_container_resource_limits', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label resource)' },
  { name: 'kube_deployment_status_observed_generation', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/deployment-metrics.md' },
  { name: 'container_cpu_usage_seconds_total', producer: 'cadvisor', type: 'counter', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_memory_working_set_bytes', producer: 'cadvisor', type: 'gauge', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_cpu_cfs_periods_total', producer: 'cadvisor', type: 'counter', source: 'kubelet /metrics/cadvisor (containers with a CPU limit)' },
  { name: 'container_cpu_cfs_throttled_periods_total', producer: 'cadvisor', type: 'counter', source: 'kubelet /metrics/cadvisor (containers with a CPU limit)' },
  { name: 'kubelet_volume_stats_used_bytes', producer: 'kubelet', type: 'gauge', source: 'kubelet /metrics (labels namespace, persistentvolumeclaim)' },
  { name: 'kubelet_volume_stats_capacity_bytes', producer: 'kubelet', type: 'gauge', source: 'kubelet /metrics (labels namespace, persistentvolumeclaim)' },
];

/** The series names a metric family exposes (`_bucket`, `_sum`, `_count` for histograms). */
export function seriesNames(name: string, type: UpstreamMetricType | 'counter' | 'gauge' | 'histogram'): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Series name -> the upstream metric that produces it. */
export function upstreamSeries(): Map<string, UpstreamMetric> {
  const map = new Map<string, UpstreamMetric>();
  for (const m of UPSTREAM_METRICS) for (const s of seriesNames(m.name, m.type)) map.set(s, m);
  return map;
}
