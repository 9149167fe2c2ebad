/**
 * Every metric family the Kubernetes rule groups read, with what exposes it at the versions
 * the stack targets (kube-state-metrics v2, Kubernetes 1.3x), and, for kube-state-metrics,
 * the resource it must be told to collect (`--resources`): test/kubernetes-alerts checks that
 * the rules read exactly these names and that the stack's kube-state-metrics collects each
 * resource. Add a metric only after checking its name, type and labels at the source.
 */

export type KubernetesMetricProducer =
  | 'kube-state-metrics'
  | 'kube-state-metrics (telemetry)'
  | 'kubelet'
  | 'cadvisor'
  | 'apiserver'
  | 'kube-scheduler'
  | 'kubernetes components'
  | 'client-go'
  | 'prometheus';

export interface KubernetesMetric {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly producer: KubernetesMetricProducer;
  /** The kube-state-metrics resource (`--resources` flag value) that produces it. */
  readonly ksmResource?: string;
  /** Where the name and labels come from. */
  readonly source: string;
}

const ksm = (name: string, ksmResource: string, labels: string): KubernetesMetric => ({
  name,
  type: 'gauge',
  producer: 'kube-state-metrics',
  ksmResource,
  source: `kube-state-metrics docs/metrics (${ksmResource}): ${labels}`,
});
const kubelet = (name: string, type: KubernetesMetric['type'], source: string): KubernetesMetric => ({ name, type, producer: 'kubelet', source });
const apiserver = (name: string, type: KubernetesMetric['type'], source: string): KubernetesMetric => ({ name, type, producer: 'apiserver', source });

export const KUBERNETES_METRICS: readonly KubernetesMetric[] = [
  // kube-state-metrics: pods
  ksm('kube_pod_container_status_waiting_reason', 'pods', 'namespace, pod, uid, container, reason'),
  { ...ksm('kube_pod_container_status_restarts_total', 'pods', 'namespace, pod, uid, container'), type: 'counter' },
  ksm('kube_pod_status_ready', 'pods', 'namespace, pod, uid, condition=true|false|unknown'),
  ksm('kube_pod_status_phase', 'pods', 'namespace, pod, uid, phase'),
  ksm('kube_pod_status_reason', 'pods', 'namespace, pod, uid, reason (SchedulingGated, Evicted, ...)'),
  ksm('kube_pod_container_resource_requests', 'pods', 'namespace, pod, uid, container, node, resource, unit'),
  ksm('kube_pod_container_resource_limits', 'pods', 'namespace, pod, uid, container, node, resource, unit'),
  ksm('kube_pod_owner', 'pods', 'namespace, pod, uid, owner_kind, owner_name, owner_is_controller'),
  ksm('kube_pod_info', 'pods', 'namespace, pod, uid, node, host_ip, pod_ip, created_by_kind, created_by_name, priority_class, host_network'),
  // workloads
  ksm('kube_deployment_metadata_generation', 'deployments', 'namespace, deployment'),
  ksm('kube_deployment_status_observed_generation', 'deployments', 'namespace, deployment'),
  ksm('kube_deployment_spec_replicas', 'deployments', 'namespace, deployment'),
  ksm('kube_deployment_status_replicas_available', 'deployments', 'namespace, deployment'),
  ksm('kube_deployment_spec_paused', 'deployments', 'namespace, deployment'),
  ksm('kube_deployment_status_condition', 'deployments', 'namespace, deployment, condition, status, reason'),
  ksm('kube_replicaset_owner', 'replicasets', 'namespace, replicaset, owner_kind, owner_name, owner_is_controller'),
  ksm('kube_statefulset_metadata_generation', 'statefulsets', 'namespace, statefulset'),
  ksm('kube_statefulset_status_observed_generation', 'statefulsets', 'namespace, statefulset'),
  ksm('kube_statefulset_replicas', 'statefulsets', 'namespace, statefulset'),
  ksm('kube_statefulset_status_replicas_ready', 'statefulsets', 'namespace, statefulset'),
  ksm('kube_statefulset_status_replicas_updated', 'statefulsets', 'namespace, statefulset'),
  ksm('kube_statefulset_status_current_revision', 'statefulsets', 'namespace, statefulset, revision'),
  ksm('kube_statefulset_status_update_revision', 'statefulsets', 'namespace, statefulset, revision'),
  ksm('kube_daemonset_status_desired_number_scheduled', 'daemonsets', 'namespace, daemonset'),
  ksm('kube_daemonset_status_current_number_scheduled', 'daemonsets', 'namespace, daemonset'),
  ksm('kube_daemonset_status_updated_number_scheduled', 'daemonsets', 'namespace, daemonset'),
  ksm('kube_daemonset_status_number_available', 'daemonsets', 'namespace, daemonset'),
  ksm('kube_daemonset_status_number_misscheduled', 'daemonsets', 'namespace, daemonset'),
  ksm('kube_job_status_start_time', 'jobs', 'namespace, job_name'),
  ksm('kube_job_status_active', 'jobs', 'namespace, job_name'),
  ksm('kube_job_failed', 'jobs', 'namespace, job_name, condition=true|false|unknown'),
  ksm('kube_job_owner', 'jobs', 'namespace, job_name, owner_kind, owner_name, owner_is_controller'),
  ksm('kube_horizontalpodautoscaler_status_desired_replicas', 'horizontalpodautoscalers', 'namespace, horizontalpodautoscaler'),
  ksm('kube_horizontalpodautoscaler_status_current_replicas', 'horizontalpodautoscalers', 'namespace, horizontalpodautoscaler'),
  ksm('kube_horizontalpodautoscaler_spec_min_replicas', 'horizontalpodautoscalers', 'namespace, horizontalpodautoscaler'),
  ksm('kube_horizontalpodautoscaler_spec_max_replicas', 'horizontalpodautoscalers', 'namespace, horizontalpodautoscaler'),
  ksm('kube_poddisruptionbudget_status_desired_healthy', 'poddisruptionbudgets', 'namespace, poddisruptionbudget'),
  ksm('kube_poddisruptionbudget_status_current_healthy', 'poddisruptionbudgets', 'namespace, poddisruptionbudget'),
  // cluster
  ksm('kube_resourcequota', 'resourcequotas', 'namespace, resourcequota, resource, type=hard|used'),
  ksm('kube_node_status_allocatable', 'nodes', 'node, resource, unit'),
  ksm('kube_node_status_capacity', 'nodes', 'node, resource, unit'),
  ksm('kube_node_spec_unschedulable', 'nodes', 'node'),
  ksm('kube_node_status_condition', 'nodes', 'node, condition, status'),
  ksm('kube_node_spec_taint', 'nodes', 'node, key, value, effect'),
  ksm('kube_node_info', 'nodes', 'node, kernel_version, os_image, container_runtime_version, kubelet_version, ...'),
  ksm('kube_persistentvolume_status_phase', 'persistentvolumes', 'persistentvolume, phase'),
  ksm('kube_persistentvolumeclaim_access_mode', 'persistentvolumeclaims', 'namespace, persistentvolumeclaim, access_mode'),
  // kube-state-metrics' own telemetry port
  { name: 'kube_state_metrics_list_total', type: 'counter', producer: 'kube-state-metrics (telemetry)', source: 'kube-state-metrics telemetry: resource (e.g. *v1.Pod), result=success|error' },
  { name: 'kube_state_metrics_watch_total', type: 'counter', producer: 'kube-state-metrics (telemetry)', source: 'kube-state-metrics telemetry: resource, result=success|error' },
  { name: 'kube_state_metrics_total_shards', type: 'gauge', producer: 'kube-state-metrics (telemetry)', source: 'kube-state-metrics telemetry: --total-shards' },
  { name: 'kube_state_metrics_shard_ordinal', type: 'gauge', producer: 'kube-state-metrics (telemetry)', source: 'kube-state-metrics telemetry: shard_ordinal (label and value)' },
  // kubelet /metrics (pkg/kubelet/metrics, pkg/kubelet/certificate, cmd/kubelet)
  kubelet('kubelet_volume_stats_available_bytes', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_volume_stats_capacity_bytes', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_volume_stats_used_bytes', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_volume_stats_inodes', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_volume_stats_inodes_free', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_volume_stats_inodes_used', 'gauge', 'pkg/kubelet/metrics: namespace, persistentvolumeclaim'),
  kubelet('kubelet_running_pods', 'gauge', 'pkg/kubelet/metrics: pods with a running sandbox'),
  kubelet('kubelet_evictions', 'counter', 'pkg/kubelet/metrics: eviction_signal (a counter without _total)'),
  kubelet('kubelet_pleg_relist_duration_seconds', 'histogram', 'pkg/kubelet/metrics: default buckets (largest 10s)'),
  kubelet('kubelet_pod_start_sli_duration_seconds', 'histogram', 'pkg/kubelet/metrics: first_with_network; buckets 0.5s..3600s'),
  kubelet('kubelet_certificate_manager_client_ttl_seconds', 'gauge', 'cmd/kubelet/app: seconds to expiry, +Inf without a certificate'),
  kubelet('kubelet_certificate_manager_server_ttl_seconds', 'gauge', 'pkg/kubelet/certificate: seconds to expiry'),
  kubelet('kubelet_certificate_manager_client_expiration_renew_errors', 'counter', 'pkg/kubelet/certificate (a counter without _total)'),
  kubelet('kubelet_server_expiration_renew_errors', 'counter', 'pkg/kubelet/certificate (a counter without _total)'),
  // cAdvisor through the kubelet's /metrics/cadvisor
  { name: 'container_cpu_usage_seconds_total', type: 'counter', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor: namespace, pod, container, id, image, name' },
  { name: 'container_memory_working_set_bytes', type: 'gauge', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_memory_rss', type: 'gauge', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_memory_cache', type: 'gauge', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_memory_swap', type: 'gauge', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor' },
  { name: 'container_cpu_cfs_periods_total', type: 'counter', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor (containers with a CPU limit)' },
  { name: 'container_cpu_cfs_throttled_periods_total', type: 'counter', producer: 'cadvisor', source: 'kubelet /metrics/cadvisor (containers with a CPU limit)' },
  // API server (k8s.io/apiserver; also exposed by aggregated API servers, hence job="apiserver")
  apiserver('apiserver_request_total', 'counter', 'endpoints/metrics: verb, dry_run, group, version, resource, subresource, scope, component, code'),
  apiserver('apiserver_request_terminations_total', 'counter', 'endpoints/metrics: verb, group, version, resource, subresource, scope, component, code'),
  apiserver('apiserver_request_sli_duration_seconds', 'histogram', 'endpoints/metrics: verb, group, version, resource, subresource, scope, component; buckets 0.05s..60s'),
  apiserver('apiserver_client_certificate_expiration_seconds', 'histogram', 'authentication/request/x509: buckets 0, 30m .. 360d'),
  apiserver('aggregator_unavailable_apiservice', 'gauge', 'kube-aggregator: name'),
  apiserver('aggregator_unavailable_apiservice_total', 'counter', 'kube-aggregator: name, reason'),
  // kube-scheduler (pkg/scheduler/metrics)
  { name: 'scheduler_scheduling_attempt_duration_seconds', type: 'histogram', producer: 'kube-scheduler', source: 'pkg/scheduler/metrics: result, profile' },
  { name: 'scheduler_scheduling_algorithm_duration_seconds', type: 'histogram', producer: 'kube-scheduler', source: 'pkg/scheduler/metrics' },
  { name: 'scheduler_pod_scheduling_sli_duration_seconds', type: 'histogram', producer: 'kube-scheduler', source: 'pkg/scheduler/metrics: attempts' },
  // Shared by several programs
  { name: 'kubernetes_build_info', type: 'gauge', producer: 'kubernetes components', source: 'component-base/metrics/prometheus/version: git_version, major, minor, ...' },
  { name: 'rest_client_requests_total', type: 'counter', producer: 'client-go', source: 'client-go/tools/metrics (component-base): code (or <error>), method, host' },
  { name: 'up', type: 'gauge', producer: 'prometheus', source: 'one per scrape target' },
];
