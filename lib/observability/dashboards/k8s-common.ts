import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { promql, tablePanel, thresholds } from './common';
import type { TableOptions } from './common';

/**
 * What the Kubernetes, node and stack dashboards share: the recording rules they read, the
 * scrape jobs they name, and a table builder that joins several instant queries on their
 * labels (one row per object, one column per query).
 */

/**
 * Recording rules the dashboards read (issue 17's contract). The names are kube-prometheus's
 * where the meaning is the same, so users' own dashboards keep working; the expressions are
 * the stack's own (lib/observability/alerts). Labels as listed.
 */
export const RULES = {
  /** CPU cores used, {namespace, pod, container, node}. */
  containerCpu: 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m',
  /** Working-set bytes, {namespace, pod, container, node}. */
  containerMemory: 'node_namespace_pod_container:container_memory_working_set_bytes',
  containerRss: 'node_namespace_pod_container:container_memory_rss',
  containerCache: 'node_namespace_pod_container:container_memory_cache',
  containerSwap: 'node_namespace_pod_container:container_memory_swap',
  /** Requests and limits of pods that have not finished, {namespace, pod, container, node}. */
  podCpuRequests: 'cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests',
  podMemoryRequests: 'cluster:namespace:pod_memory:active:kube_pod_container_resource_requests',
  podCpuLimits: 'cluster:namespace:pod_cpu:active:kube_pod_container_resource_limits',
  podMemoryLimits: 'cluster:namespace:pod_memory:active:kube_pod_container_resource_limits',
  /** Sums per namespace, {namespace}. */
  namespaceCpuRequests: 'namespace_cpu:kube_pod_container_resource_requests:sum',
  namespaceMemoryRequests: 'namespace_memory:kube_pod_container_resource_requests:sum',
  namespaceCpuLimits: 'namespace_cpu:kube_pod_container_resource_limits:sum',
  namespaceMemoryLimits: 'namespace_memory:kube_pod_container_resource_limits:sum',
  /** 1 per pod, {namespace, workload, workload_type, pod}. */
  workloadPod: 'namespace_workload_pod:kube_pod_owner:relabel',
  /** 1 per pod, {node, namespace, pod}. */
  podNode: 'node_namespace_pod:kube_pod_info:',
  /** {quantile, verb, resource?}: API server request latency (SLI histogram, cluster-wide). */
  apiserverLatency: 'cluster_quantile:apiserver_request_sli_duration_seconds:histogram_quantile',
  /** {node, quantile}. */
  plegRelist: 'node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile',
  // node-exporter rules, {instance} (+ node)
  nodeCpus: 'instance:node_num_cpu:sum',
  nodeCpuUtilisation: 'instance:node_cpu_utilisation:rate5m',
  nodeLoadPerCpu: 'instance:node_load1_per_cpu:ratio',
  nodeMemoryUtilisation: 'instance:node_memory_utilisation:ratio',
  nodeMajorFaults: 'instance:node_vmstat_pgmajfault:rate5m',
  diskIoTime: 'instance_device:node_disk_io_time_seconds:rate5m',
  diskIoTimeWeighted: 'instance_device:node_disk_io_time_weighted_seconds:rate5m',
  netReceive: 'instance:node_network_receive_bytes_excluding_lo:rate5m',
  netTransmit: 'instance:node_network_transmit_bytes_excluding_lo:rate5m',
  netReceiveDrops: 'instance:node_network_receive_drop_excluding_lo:rate5m',
  netTransmitDrops: 'instance:node_network_transmit_drop_excluding_lo:rate5m',
  /** {}: busy share of all nodes' CPUs. */
  clusterCpuUtilisation: 'cluster:node_cpu:ratio_rate5m',
  /** {}: MemAvailable summed over the nodes. */
  clusterMemoryAvailable: ':node_memory_MemAvailable_bytes:sum',
} as const;

/** Scrape jobs of the contract, for metric names that several exporters share. */
export const JOBS = {
  kubelet: 'kubelet',
  cadvisor: 'cadvisor',
  probes: 'kubelet-probes',
  nodeExporter: 'node-exporter',
  apiserver: 'apiserver',
  coredns: 'coredns',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
} as const;

/** Workload kinds of `namespace_workload_pod:kube_pod_owner:relabel`'s `workload_type`. */
export const WORKLOAD_TYPES = ['deployment', 'daemonset', 'statefulset', 'job', 'cronjob', 'replicaset', 'pod'] as const;

/** Tag of the Kubernetes dashboards; their drop-down link lists every dashboard with it. */
export const K8S_TAG = 'kubernetes';

export interface Column {
  /** Column title. */
  readonly name: string;
  /** Instant query; its result labels must be exactly the table's key labels. */
  readonly expr: string;
  readonly unit?: string;
  readonly decimals?: number;
  /** Colour the cell by these thresholds (e.g. a usage/request ratio). */
  readonly thresholds?: dash.ThresholdsConfigBuilder;
}

export interface JoinTableOptions extends Omit<TableOptions, 'transformations' | 'overrides'> {
  /** Extra overrides (drill-down links). */
  readonly links?: Array<{ matcher: dash.MatcherConfig; properties: dash.DynamicConfigValue[] }>;
  /** Column to sort by, descending. */
  readonly sortBy?: string;
}

/**
 * One row per value of `keys`, one column per query: every query is aggregated `by (keys)`,
 * so Grafana's `merge` joins them into rows; `organize` orders and names the columns.
 */
export function joinTable(title: string, keys: readonly string[], columns: readonly Column[], o: JoinTableOptions): ReturnType<typeof tablePanel> {
  const ref = (i: number) => `Value #${String.fromCharCode(65 + i)}`;
  const indexByName: Record<string, number> = {};
  const renameByName: Record<string, string> = {};
  keys.forEach((k, i) => (indexByName[k] = i));
  columns.forEach((c, i) => {
    indexByName[ref(i)] = keys.length + i;
    renameByName[ref(i)] = c.name;
  });
  const overrides = columns.map((c) => {
    const properties: dash.DynamicConfigValue[] = [];
    if (c.unit) properties.push({ id: 'unit', value: c.unit });
    if (c.decimals !== undefined) properties.push({ id: 'decimals', value: c.decimals });
    if (c.thresholds) properties.push({ id: 'thresholds', value: c.thresholds.build() }, { id: 'custom.cellOptions', value: { type: 'color-text' } });
    return { matcher: { id: 'byName', options: c.name }, properties };
  });
  const p = tablePanel(
    title,
    columns.map((c) => promql(c.expr, '', { instant: true, format: 'table' })),
    {
      ...o,
      transformations: [
        { id: 'merge', options: {} },
        { id: 'organize', options: { excludeByName: { Time: true }, indexByName, renameByName } },
      ],
      overrides: [...overrides.filter((x) => x.properties.length > 0), ...(o.links ?? [])],
    },
  );
  if (o.sortBy) p.sortBy([new common.TableSortByFieldStateBuilder().displayName(o.sortBy).desc(true)]);
  return p;
}

/** Colours for a usage/request or usage/limit ratio: over 1 (more than requested) orange, near a limit red. */
export const RATIO_COLOURS = (): dash.ThresholdsConfigBuilder => thresholds('green', [[0.9, 'orange'], [1.2, 'red']]);

/** Colours for a utilisation (0..1): amber from 80 %, red from 90 %. */
export const UTILISATION_COLOURS = (): dash.ThresholdsConfigBuilder => thresholds('green', [[0.8, 'orange'], [0.9, 'red']]);

/**
 * Busy share of all selected nodes' CPUs, each node weighted by its CPU count. Per instance
 * first (`max by`): while a node-exporter pod is replaced, its 5m-rate rules briefly hold the
 * old pod's series next to the new one's.
 */
export function weightedCpuBusy(): string {
  const perNode = (rule: string) => `max by (cluster, instance) (${rule})`;
  return `sum(\n  ${perNode(RULES.nodeCpuUtilisation)}\n  * on (cluster, instance)\n  ${perNode(RULES.nodeCpus)}\n)\n/\nsum(${perNode(RULES.nodeCpus)})`;
}
