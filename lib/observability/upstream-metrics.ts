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
  | 'kubelet'
  | 'apiserver'
  | 'coredns';

/** `untyped`: what node-exporter declares for values it copies from /proc files (netstat, vmstat). */
export type UpstreamMetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

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
  // --- Read by the Kubernetes, node and stack dashboards (issue 17). Names checked in each
  // producer's source or metrics reference; Prometheus, Alertmanager and node-exporter ones
  // also against the binaries in test/dashboards.test.ts.
  // Prometheus (and series it creates per target)
  { name: 'scrape_duration_seconds', producer: 'prometheus', type: 'gauge', synthetic: true, source: 'one per scrape target: duration of its last scrape' },
  { name: 'scrape_samples_post_metric_relabeling', producer: 'prometheus', type: 'gauge', synthetic: true, source: 'one per scrape target: samples left after metric_relabel_configs' },
  { name: 'prometheus_build_info', producer: 'prometheus', type: 'gauge', source: 'common/version collector (labels version, revision, ...)' },
  { name: 'prometheus_tsdb_head_chunks', producer: 'prometheus', type: 'gauge', source: 'tsdb/head.go' },
  { name: 'prometheus_tsdb_storage_blocks_bytes', producer: 'prometheus', type: 'gauge', source: 'tsdb/db.go' },
  { name: 'prometheus_tsdb_compactions_failed_total', producer: 'prometheus', type: 'counter', source: 'tsdb/db.go' },
  { name: 'prometheus_tsdb_reloads_failures_total', producer: 'prometheus', type: 'counter', source: 'tsdb/db.go' },
  { name: 'prometheus_tsdb_wal_corruptions_total', producer: 'prometheus', type: 'counter', source: 'tsdb/wlog (WAL repairs after corruption)' },
  { name: 'prometheus_tsdb_wal_fsync_duration_seconds', producer: 'prometheus', type: 'summary', source: 'tsdb/wlog (quantiles 0.5, 0.9, 0.99)' },
  { name: 'prometheus_target_interval_length_seconds', producer: 'prometheus', type: 'summary', source: 'scrape/metrics.go (label interval; quantiles 0.01 ... 0.99)' },
  { name: 'prometheus_target_scrapes_sample_out_of_order_total', producer: 'prometheus', type: 'counter', source: 'scrape/metrics.go' },
  { name: 'prometheus_target_scrapes_sample_duplicate_timestamp_total', producer: 'prometheus', type: 'counter', source: 'scrape/metrics.go' },
  { name: 'prometheus_target_scrapes_sample_out_of_bounds_total', producer: 'prometheus', type: 'counter', source: 'scrape/metrics.go' },
  { name: 'prometheus_target_scrapes_exceeded_sample_limit_total', producer: 'prometheus', type: 'counter', source: 'scrape/metrics.go' },
  { name: 'prometheus_rule_group_iterations_missed_total', producer: 'prometheus', type: 'counter', source: 'rules/group.go (label rule_group)' },
  { name: 'prometheus_notifications_alertmanagers_discovered', producer: 'prometheus', type: 'gauge', source: 'notifier/notifier.go' },
  { name: 'prometheus_notifications_queue_length', producer: 'prometheus', type: 'gauge', source: 'notifier/notifier.go' },
  { name: 'prometheus_notifications_queue_capacity', producer: 'prometheus', type: 'gauge', source: 'notifier/notifier.go' },
  { name: 'prometheus_notifications_sent_total', producer: 'prometheus', type: 'counter', source: 'notifier/notifier.go (label alertmanager)' },
  { name: 'prometheus_engine_query_duration_seconds', producer: 'prometheus', type: 'summary', source: 'promql/engine.go (label slice)' },
  { name: 'prometheus_engine_queries', producer: 'prometheus', type: 'gauge', source: 'promql/engine.go' },
  { name: 'prometheus_engine_queries_concurrent_max', producer: 'prometheus', type: 'gauge', source: 'promql/engine.go (--query.max-concurrency)' },
  { name: 'prometheus_http_requests_total', producer: 'prometheus', type: 'counter', source: 'web/web.go (labels handler, code)' },
  { name: 'go_goroutines', producer: 'prometheus', type: 'gauge', source: 'client_golang Go collector: every Go component (Prometheus, API server, kubelet, CoreDNS); read with a job matcher' },
  { name: 'go_memstats_heap_inuse_bytes', producer: 'prometheus', type: 'gauge', source: 'client_golang Go collector; read with a job matcher' },
  { name: 'process_cpu_seconds_total', producer: 'prometheus', type: 'counter', source: 'client_golang process collector: every Go component (and prom-client); read with a job matcher' },
  { name: 'process_resident_memory_bytes', producer: 'prometheus', type: 'gauge', source: 'client_golang process collector: every Go component (and prom-client); read with a job matcher' },
  // Alertmanager
  { name: 'alertmanager_build_info', producer: 'alertmanager', type: 'gauge', source: 'common/version collector' },
  { name: 'alertmanager_alerts_received_total', producer: 'alertmanager', type: 'counter', source: 'api/metrics (label status: firing, resolved)' },
  { name: 'alertmanager_alerts_invalid_total', producer: 'alertmanager', type: 'counter', source: 'api/metrics' },
  { name: 'alertmanager_silences', producer: 'alertmanager', type: 'gauge', source: 'silence/silence.go (label state)' },
  { name: 'alertmanager_notification_latency_seconds', producer: 'alertmanager', type: 'histogram', source: 'notify/notify.go (label integration)' },
  { name: 'alertmanager_notification_requests_total', producer: 'alertmanager', type: 'counter', source: 'notify/notify.go (label integration)' },
  { name: 'alertmanager_notification_requests_failed_total', producer: 'alertmanager', type: 'counter', source: 'notify/notify.go (label integration)' },
  { name: 'alertmanager_dispatcher_aggregation_groups', producer: 'alertmanager', type: 'gauge', source: 'dispatch/dispatch.go' },
  { name: 'alertmanager_cluster_health_score', producer: 'alertmanager', type: 'gauge', source: 'cluster/cluster.go (memberlist health score, 0 is healthy)' },
  { name: 'alertmanager_cluster_messages_received_total', producer: 'alertmanager', type: 'counter', source: 'cluster/delegate.go (label msg_type)' },
  { name: 'alertmanager_cluster_messages_sent_total', producer: 'alertmanager', type: 'counter', source: 'cluster/delegate.go (label msg_type)' },
  { name: 'alertmanager_config_last_reload_successful', producer: 'alertmanager', type: 'gauge', source: 'config/coordinator.go' },
  // node-exporter (v1.9.1; instance = node name)
  { name: 'node_uname_info', producer: 'node-exporter', type: 'gauge', source: 'collector/uname.go (labels nodename, release, ...)' },
  { name: 'node_boot_time_seconds', producer: 'node-exporter', type: 'gauge', source: 'collector/stat_linux.go' },
  { name: 'node_cpu_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/cpu_linux.go (labels cpu, mode)' },
  { name: 'node_load1', producer: 'node-exporter', type: 'gauge', source: 'collector/loadavg.go' },
  { name: 'node_load5', producer: 'node-exporter', type: 'gauge', source: 'collector/loadavg.go' },
  { name: 'node_load15', producer: 'node-exporter', type: 'gauge', source: 'collector/loadavg.go' },
  { name: 'node_memory_MemTotal_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/meminfo.go (/proc/meminfo MemTotal)' },
  { name: 'node_memory_MemAvailable_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/meminfo.go (/proc/meminfo MemAvailable)' },
  { name: 'node_memory_MemFree_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/meminfo.go' },
  { name: 'node_memory_Cached_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/meminfo.go' },
  { name: 'node_memory_Buffers_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/meminfo.go' },
  { name: 'node_disk_read_bytes_total', producer: 'node-exporter', type: 'counter', source: 'collector/diskstats_linux.go (label device)' },
  { name: 'node_disk_written_bytes_total', producer: 'node-exporter', type: 'counter', source: 'collector/diskstats_linux.go (label device)' },
  { name: 'node_filesystem_avail_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/filesystem_common.go (labels device, fstype, mountpoint)' },
  { name: 'node_filesystem_size_bytes', producer: 'node-exporter', type: 'gauge', source: 'collector/filesystem_common.go' },
  { name: 'node_filesystem_files', producer: 'node-exporter', type: 'gauge', source: 'collector/filesystem_common.go' },
  { name: 'node_filesystem_files_free', producer: 'node-exporter', type: 'gauge', source: 'collector/filesystem_common.go' },
  { name: 'node_network_receive_bytes_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go (label device)' },
  { name: 'node_network_transmit_bytes_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go' },
  { name: 'node_network_receive_errs_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go' },
  { name: 'node_network_transmit_errs_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go' },
  { name: 'node_network_receive_drop_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go' },
  { name: 'node_network_transmit_drop_total', producer: 'node-exporter', type: 'counter', source: 'collector/netdev_common.go' },
  { name: 'node_netstat_Tcp_RetransSegs', producer: 'node-exporter', type: 'untyped', source: 'collector/netstat_linux.go (default --collector.netstat.fields)' },
  { name: 'node_netstat_Tcp_OutSegs', producer: 'node-exporter', type: 'untyped', source: 'collector/netstat_linux.go (default --collector.netstat.fields)' },
  { name: 'node_pressure_cpu_waiting_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/pressure_linux.go (kernels with PSI)' },
  { name: 'node_pressure_memory_waiting_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/pressure_linux.go' },
  { name: 'node_pressure_memory_stalled_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/pressure_linux.go' },
  { name: 'node_pressure_io_waiting_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/pressure_linux.go' },
  { name: 'node_pressure_io_stalled_seconds_total', producer: 'node-exporter', type: 'counter', source: 'collector/pressure_linux.go' },
  // kube-state-metrics (v2.16.0; scraped with honor_labels: namespace, pod, container are the object's)
  { name: 'kube_pod_info', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (labels node, created_by_kind, ...)' },
  { name: 'kube_pod_status_phase', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label phase)' },
  { name: 'kube_pod_status_ready', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label condition)' },
  { name: 'kube_pod_container_info', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md' },
  { name: 'kube_pod_container_status_ready', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md' },
  { name: 'kube_pod_container_status_waiting_reason', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/workload/pod-metrics.md (label reason)' },
  { name: 'kube_node_info', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/cluster/node-metrics.md' },
  { name: 'kube_node_status_allocatable', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/cluster/node-metrics.md (labels resource, unit)' },
  { name: 'kube_persistentvolumeclaim_info', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/storage/persistentvolumeclaim-metrics.md' },
  { name: 'kube_persistentvolumeclaim_status_phase', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/storage/persistentvolumeclaim-metrics.md (label phase)' },
  { name: 'kube_persistentvolumeclaim_resource_requests_storage_bytes', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/storage/persistentvolumeclaim-metrics.md' },
  { name: 'kube_persistentvolume_status_phase', producer: 'kube-state-metrics', type: 'gauge', source: 'docs/metrics/storage/persistentvolume-metrics.md (label phase)' },
  // cAdvisor (kubelet /metrics/cadvisor: cpu, memory, diskIO, network metric sets)
  { name: 'container_fs_reads_bytes_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (DiskIOMetrics, label device)' },
  { name: 'container_fs_writes_bytes_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (DiskIOMetrics)' },
  { name: 'container_fs_reads_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (DiskIOMetrics)' },
  { name: 'container_fs_writes_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (DiskIOMetrics)' },
  { name: 'container_network_receive_bytes_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics, label interface; the pod sandbox\'s series)' },
  { name: 'container_network_transmit_bytes_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_receive_packets_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_transmit_packets_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_receive_packets_dropped_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_transmit_packets_dropped_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_receive_errors_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  { name: 'container_network_transmit_errors_total', producer: 'cadvisor', type: 'counter', source: 'cadvisor metrics/prometheus.go (NetworkUsageMetrics)' },
  // kubelet (/metrics; /metrics/probes for prober_probe_total, job kubelet-probes)
  { name: 'kubelet_volume_stats_available_bytes', producer: 'kubelet', type: 'gauge', source: 'kubelet /metrics (labels namespace, persistentvolumeclaim)' },
  { name: 'kubelet_volume_stats_inodes', producer: 'kubelet', type: 'gauge', source: 'kubelet /metrics (labels namespace, persistentvolumeclaim)' },
  { name: 'kubelet_volume_stats_inodes_used', producer: 'kubelet', type: 'gauge', source: 'kubelet /metrics (labels namespace, persistentvolumeclaim)' },
  { name: 'kubelet_running_pods', producer: 'kubelet', type: 'gauge', source: 'Kubernetes metrics reference (ALPHA)' },
  { name: 'kubelet_running_containers', producer: 'kubelet', type: 'gauge', source: 'Kubernetes metrics reference (ALPHA, label container_state)' },
  { name: 'kubelet_pod_start_duration_seconds', producer: 'kubelet', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA)' },
  { name: 'kubelet_pod_worker_duration_seconds', producer: 'kubelet', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA, label operation_type)' },
  { name: 'kubelet_runtime_operations_total', producer: 'kubelet', type: 'counter', source: 'Kubernetes metrics reference (ALPHA, label operation_type)' },
  { name: 'kubelet_runtime_operations_errors_total', producer: 'kubelet', type: 'counter', source: 'Kubernetes metrics reference (ALPHA, label operation_type)' },
  { name: 'kubelet_runtime_operations_duration_seconds', producer: 'kubelet', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA, label operation_type)' },
  { name: 'kubelet_pleg_relist_interval_seconds', producer: 'kubelet', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA)' },
  { name: 'kubelet_cgroup_manager_duration_seconds', producer: 'kubelet', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA, label operation_type)' },
  { name: 'storage_operation_duration_seconds', producer: 'kubelet', type: 'histogram', source: 'pkg/volume/util/metrics.go (labels volume_plugin, operation_name, status, migrated)' },
  { name: 'rest_client_requests_total', producer: 'kubelet', type: 'counter', source: 'client-go metrics (labels code, host, method); also the API server and controllers: read with a job matcher' },
  { name: 'prober_probe_total', producer: 'kubelet', type: 'counter', source: 'kubelet /metrics/probes (labels probe_type, result, namespace, pod, container)' },
  // API server
  { name: 'apiserver_request_total', producer: 'apiserver', type: 'counter', source: 'Kubernetes metrics reference (STABLE; labels verb, code, group, resource, ...)' },
  { name: 'apiserver_request_sli_duration_seconds', producer: 'apiserver', type: 'histogram', source: 'Kubernetes metrics reference (since 1.26; request latency without webhooks and priority-and-fairness queueing)' },
  { name: 'apiserver_current_inflight_requests', producer: 'apiserver', type: 'gauge', source: 'Kubernetes metrics reference (STABLE; label request_kind)' },
  { name: 'apiserver_longrunning_requests', producer: 'apiserver', type: 'gauge', source: 'Kubernetes metrics reference (STABLE; label verb, ...)' },
  { name: 'apiserver_flowcontrol_rejected_requests_total', producer: 'apiserver', type: 'counter', source: 'Kubernetes metrics reference (labels priority_level, flow_schema, reason)' },
  { name: 'apiserver_flowcontrol_current_inqueue_requests', producer: 'apiserver', type: 'gauge', source: 'Kubernetes metrics reference (labels priority_level, flow_schema)' },
  { name: 'apiserver_admission_webhook_admission_duration_seconds', producer: 'apiserver', type: 'histogram', source: 'Kubernetes metrics reference (STABLE; labels name, operation, rejected, type)' },
  { name: 'etcd_request_duration_seconds', producer: 'apiserver', type: 'histogram', source: 'Kubernetes metrics reference (ALPHA; labels operation, type)' },
  { name: 'workqueue_depth', producer: 'apiserver', type: 'gauge', source: 'component-base workqueue metrics (label name); also controllers and kubelet: read with a job matcher' },
  { name: 'workqueue_queue_duration_seconds', producer: 'apiserver', type: 'histogram', source: 'component-base workqueue metrics (label name)' },
  // CoreDNS (1.11+)
  { name: 'coredns_dns_requests_total', producer: 'coredns', type: 'counter', source: 'plugin/metrics (labels server, zone, view, proto, family, type)' },
  { name: 'coredns_dns_responses_total', producer: 'coredns', type: 'counter', source: 'plugin/metrics (labels server, zone, view, rcode, plugin)' },
  { name: 'coredns_dns_request_duration_seconds', producer: 'coredns', type: 'histogram', source: 'plugin/metrics (labels server, zone, view, type)' },
  { name: 'coredns_panics_total', producer: 'coredns', type: 'counter', source: 'plugin/metrics' },
  { name: 'coredns_cache_entries', producer: 'coredns', type: 'gauge', source: 'plugin/cache README (labels server, type, zones)' },
  { name: 'coredns_cache_hits_total', producer: 'coredns', type: 'counter', source: 'plugin/cache README (labels server, type, zones)' },
  { name: 'coredns_cache_requests_total', producer: 'coredns', type: 'counter', source: 'plugin/cache README (labels server, zones); coredns_cache_misses_total is deprecated' },
  { name: 'coredns_proxy_request_duration_seconds', producer: 'coredns', type: 'histogram', source: 'plugin/forward README (labels proxy_name="forward", to, rcode); replaces coredns_forward_* since 1.11' },
];

/** The series names a metric family exposes (`_bucket`, `_sum`, `_count` for histograms). */
export function seriesNames(name: string, type: UpstreamMetricType): string[] {
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
