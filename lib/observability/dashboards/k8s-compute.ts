import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, drillDown, finalize, promql, queryVariable, row, statPanel, tablePanel, tagLinks, thresholds, timeseriesPanel } from './common';
import { Column, joinTable, K8S_TAG, RATIO_COLOURS, RULES as R, UTILISATION_COLOURS, weightedCpuBusy } from './k8s-common';
import type { DashboardOptions } from './types';
import { AFFECTED_CLUSTER_LABEL } from '../rule-group';

/**
 * Kubernetes / Compute Resources: CPU and memory used against what was requested and what the
 * limits allow, from the cluster down to one pod, plus the node view. Usage is cAdvisor's
 * (via the recording rules), requests and limits are kube-state-metrics' (of pods that have
 * not finished); workloads come from the pod owner chain (`namespace_workload_pod:kube_pod_owner:relabel`).
 */

export const COMPUTE_UIDS = {
  cluster: 'k8s-resources-cluster',
  namespacePods: 'k8s-resources-namespace-pods',
  namespaceWorkloads: 'k8s-resources-namespace-workloads',
  workload: 'k8s-resources-workload',
  pod: 'k8s-resources-pod',
  node: 'k8s-resources-node',
  multiCluster: 'k8s-resources-multicluster',
} as const;

const TITLE = 'Kubernetes / Compute Resources';

function k8sDashboard(o: DashboardOptions, uid: string, title: string, description: string, from?: string): dash.DashboardBuilder {
  return baseDashboard({ uid, title: `${TITLE} / ${title}`, description, tags: [K8S_TAG, 'compute-resources'], from })
    .link(tagLinks('Kubernetes', K8S_TAG))
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable());
}

/** `metric{labels}` with the given matchers (empty braces left out). */
const sel = (metric: string, matchers = '') => (matchers ? `${metric}{${matchers}}` : metric);
const sum = (by: string, expr: string) => (by ? `sum by (${by}) (${expr})` : `sum(${expr})`);
const ratio = (a: string, b: string) => `${a}\n/\n${b}`;

const CORES = 'short';

/** Columns of a CPU table: used, requested, limit (each already aggregated by the table's keys) and the ratios. */
function cpuColumns(used: string, requested: string, limit: string): Column[] {
  return [
    { name: 'CPU used (cores)', expr: used, unit: CORES, decimals: 3 },
    { name: 'CPU requested', expr: requested, unit: CORES, decimals: 3 },
    { name: 'Used / requested', expr: ratio(used, requested), unit: 'percentunit', decimals: 0, thresholds: RATIO_COLOURS() },
    { name: 'CPU limit', expr: limit, unit: CORES, decimals: 3 },
    { name: 'Used / limit', expr: ratio(used, limit), unit: 'percentunit', decimals: 0, thresholds: UTILISATION_COLOURS() },
  ];
}

function memoryColumns(used: string, requested: string, limit: string): Column[] {
  return [
    { name: 'Working set', expr: used, unit: 'bytes', decimals: 1 },
    { name: 'Memory requested', expr: requested, unit: 'bytes', decimals: 1 },
    { name: 'Used / requested', expr: ratio(used, requested), unit: 'percentunit', decimals: 0, thresholds: RATIO_COLOURS() },
    { name: 'Memory limit', expr: limit, unit: 'bytes', decimals: 1 },
    { name: 'Used / limit', expr: ratio(used, limit), unit: 'percentunit', decimals: 0, thresholds: UTILISATION_COLOURS() },
  ];
}

const CPU_TABLE_DESCRIPTION = 'CPU cores used (5m rate), requested and allowed by limits (pods that have not finished). Used / requested above 100 % runs on spare node capacity and is the first to be squeezed; used near the limit is throttled.';
const MEMORY_TABLE_DESCRIPTION = 'Working-set memory (what the kernel counts against the limit and for eviction), requested and limited. Used near the limit is OOM-killed; used above requests is evicted first under node memory pressure.';

/** Share of CFS periods in which the containers were throttled, by `by`. */
function throttled(by: string, matchers: string): string {
  const m = matchers ? `${matchers}, container!=""` : 'container!=""';
  return ratio(sum(by, `rate(container_cpu_cfs_throttled_periods_total{${m}}[$__rate_interval])`), sum(by, `rate(container_cpu_cfs_periods_total{${m}}[$__rate_interval])`));
}

const THROTTLING_DESCRIPTION = 'Share of CPU scheduling periods (100 ms) in which the containers hit their CPU limit and were paused. Only containers with a CPU limit have periods; sustained values above a few percent add latency.';

// ---------------------------------------------------------------------------------------

/** Cluster: what the cluster's nodes can give, what is committed, what is used, per namespace. */
export function computeClusterDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.cluster, 'Cluster', 'CPU and memory of the cluster: node utilisation, requests and limits against allocatable capacity, and usage per namespace.');
  const alloc = (resource: string) => `sum(kube_node_status_allocatable{resource="${resource}"})`;
  const nodeCpuBusy = weightedCpuBusy();
  const memoryUsed = `1 - sum(${R.clusterMemoryAvailable})\n/\nsum(node_memory_MemTotal_bytes)`;
  const commitColours = thresholds('green', [[0.8, 'orange'], [1, 'red']]);

  b.withRow(row('Capacity'))
    .withPanel(statPanel('CPU utilisation', [promql(nodeCpuBusy, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Busy share of all nodes\' CPUs (node-exporter), weighted by each node\'s CPU count.' }))
    .withPanel(statPanel('CPU requests commitment', [promql(ratio(sum('', R.namespaceCpuRequests), alloc('cpu')), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, thresholds: commitColours, description: 'CPU requested by pods over the nodes\' allocatable CPU. Near 100 % new pods stay Pending.' }))
    .withPanel(statPanel('CPU limits commitment', [promql(ratio(sum('', R.namespaceCpuLimits), alloc('cpu')), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, description: 'CPU limits over allocatable CPU; above 100 % the limits cannot all be honoured at once (overcommit).' }))
    .withPanel(statPanel('Memory utilisation', [promql(memoryUsed, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Share of the nodes\' memory not available to new allocations (1 - MemAvailable / MemTotal, node-exporter).' }))
    .withPanel(statPanel('Memory requests commitment', [promql(ratio(sum('', R.namespaceMemoryRequests), alloc('memory')), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, thresholds: commitColours, description: 'Memory requested by pods over the nodes\' allocatable memory.' }))
    .withPanel(statPanel('Memory limits commitment', [promql(ratio(sum('', R.namespaceMemoryLimits), alloc('memory')), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, description: 'Memory limits over allocatable memory; above 100 % a node can run out of memory before any pod reaches its limit.' }));

  const nsLink = drillDown('namespace', 'Namespace (Pods)', COMPUTE_UIDS.namespacePods, { namespace: 'namespace' });
  const counts: Column[] = [
    { name: 'Pods running', expr: sum('namespace', 'kube_pod_status_phase{phase="Running"}'), decimals: 0 },
    { name: 'Workloads', expr: `count by (namespace) (\n  count by (namespace, workload_type, workload) (${R.workloadPod})\n)`, decimals: 0 },
  ];

  b.withRow(row('CPU'))
    .withPanel(
      timeseriesPanel('CPU used by namespace', [promql(sum('namespace', R.containerCpu), '{{namespace}}'), promql(alloc('cpu'), 'allocatable')], {
        w: 12,
        h: 9,
        unit: CORES,
        min: 0,
        stack: true,
        dashed: 'allocatable',
        description: 'CPU cores used by each namespace\'s containers (5m rate), stacked; dashed: what the nodes can allocate to pods.',
      }),
    )
    .withPanel(timeseriesPanel('CPU used / requested by namespace', [promql(ratio(sum('namespace', R.containerCpu), sum('namespace', R.namespaceCpuRequests)), '{{namespace}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, description: 'CPU used over CPU requested per namespace: far below 100 % the requests reserve capacity nobody uses; above it the namespace relies on spare capacity.' }))
    .withPanel(joinTable('CPU by namespace', ['namespace'], [...counts, ...cpuColumns(sum('namespace', R.containerCpu), sum('namespace', R.namespaceCpuRequests), sum('namespace', R.namespaceCpuLimits))], { w: 24, h: 9, description: CPU_TABLE_DESCRIPTION, sortBy: 'CPU used (cores)', links: [nsLink] }));

  b.withRow(row('Memory'))
    .withPanel(
      timeseriesPanel('Memory used by namespace', [promql(sum('namespace', R.containerMemory), '{{namespace}}'), promql(alloc('memory'), 'allocatable')], {
        w: 12,
        h: 9,
        unit: 'bytes',
        min: 0,
        stack: true,
        dashed: 'allocatable',
        description: 'Working-set memory of each namespace\'s containers, stacked; dashed: the nodes\' allocatable memory.',
      }),
    )
    .withPanel(timeseriesPanel('Memory used / requested by namespace', [promql(ratio(sum('namespace', R.containerMemory), sum('namespace', R.namespaceMemoryRequests)), '{{namespace}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, description: 'Working set over memory requested per namespace; above 100 % its pods are the first evicted when a node runs short of memory.' }))
    .withPanel(joinTable('Memory by namespace', ['namespace'], [...counts, ...memoryColumns(sum('namespace', R.containerMemory), sum('namespace', R.namespaceMemoryRequests), sum('namespace', R.namespaceMemoryLimits))], { w: 24, h: 9, description: MEMORY_TABLE_DESCRIPTION, sortBy: 'Working set', links: [nsLink] }));

  b.withRow(row('Saturation and health'))
    .withPanel(timeseriesPanel('CPU throttling by namespace', [promql(throttled('namespace', ''), '{{namespace}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, description: THROTTLING_DESCRIPTION, thresholds: thresholds('green', [[0.25, 'orange']]) }))
    .withPanel(timeseriesPanel('Container restarts in the last hour by namespace', [promql(`${sum('namespace', 'increase(kube_pod_container_status_restarts_total[1h])')} > 0`, '{{namespace}}')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, description: 'Container restarts over the hour before each point (crashes, OOM kills, failed liveness probes); namespaces without restarts are left out.' }))
    .withPanel(timeseriesPanel('Pods not running', [promql(`${sum('phase', 'kube_pod_status_phase{phase=~"Pending|Failed|Unknown"}')} > 0`, '{{phase}}')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, stack: true, description: 'Pods Pending (not scheduled or images not pulled), Failed, or Unknown (node unreachable).' }));

  return finalize(b.build());
}

/** The multi-cluster overview: the same capacity figures, one row per cluster (needs Thanos Query). */
export function multiClusterDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(
    o,
    COMPUTE_UIDS.multiCluster,
    'Multi-Cluster',
    'Resources per cluster: nodes, pods, CPU and memory utilisation and requests commitment, firing alerts. The cluster label comes from each Prometheus\'s external labels through Thanos Query; on one Prometheus queried directly the single row has no cluster name.',
  );
  const by = 'cluster';
  const alloc = (resource: string) => `sum by (cluster) (kube_node_status_allocatable{resource="${resource}"})`;
  const cpuBusy = `max by (cluster) (${R.clusterCpuUtilisation})`;
  const memoryBusy = `1 - sum by (cluster) (${R.clusterMemoryAvailable})\n/\nsum by (cluster) (node_memory_MemTotal_bytes)`;
  const cpuCommit = ratio(sum(by, R.namespaceCpuRequests), alloc('cpu'));
  const memoryCommit = ratio(sum(by, R.namespaceMemoryRequests), alloc('memory'));

  b.withRow(row('Clusters')).withPanel(
    joinTable(
      'Clusters',
      ['cluster'],
      [
        { name: 'Nodes', expr: 'count by (cluster) (kube_node_info)', decimals: 0 },
        { name: 'Pods running', expr: sum(by, 'kube_pod_status_phase{phase="Running"}'), decimals: 0 },
        { name: 'CPU (cores)', expr: sum(by, R.nodeCpus), decimals: 0 },
        { name: 'CPU utilisation', expr: cpuBusy, unit: 'percentunit', decimals: 1, thresholds: UTILISATION_COLOURS() },
        { name: 'CPU requests commitment', expr: cpuCommit, unit: 'percentunit', decimals: 1, thresholds: UTILISATION_COLOURS() },
        { name: 'Memory', expr: sum(by, 'node_memory_MemTotal_bytes'), unit: 'bytes', decimals: 0 },
        { name: 'Memory utilisation', expr: memoryBusy, unit: 'percentunit', decimals: 1, thresholds: UTILISATION_COLOURS() },
        { name: 'Memory requests commitment', expr: memoryCommit, unit: 'percentunit', decimals: 1, thresholds: UTILISATION_COLOURS() },
        // An observer's alert about another cluster (FleetClusterUnreachable) counts for that cluster:
        // through Thanos its cluster label is the observer's (AFFECTED_CLUSTER_LABEL).
        {
          name: 'Critical alerts firing',
          // label_join, not label_replace: Grafana would read label_replace's "$1" as a variable.
          expr:
            `count by (cluster) (\n  label_join(ALERTS{alertstate="firing", severity="critical", ${AFFECTED_CLUSTER_LABEL}!=""}, "cluster", "", "${AFFECTED_CLUSTER_LABEL}")\n` +
            `  or\n  ALERTS{alertstate="firing", severity="critical", ${AFFECTED_CLUSTER_LABEL}=""}\n)`,
          decimals: 0,
          thresholds: thresholds('green', [[1, 'red']]),
        },
      ],
      {
        w: 24,
        h: 8,
        noValue: '—',
        description: 'One row per cluster. Utilisation is what the nodes are busy with (node-exporter); commitment is what pods requested over what the nodes can allocate (kube-state-metrics).',
        links: [drillDown('cluster', 'Cluster compute resources', COMPUTE_UIDS.cluster, { cluster: 'cluster' })],
      },
    ),
  );

  b.withRow(row('Utilisation'))
    .withPanel(timeseriesPanel('CPU utilisation by cluster', [promql(cpuBusy, '{{cluster}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Busy share of each cluster\'s node CPUs.' }))
    .withPanel(timeseriesPanel('Memory utilisation by cluster', [promql(memoryBusy, '{{cluster}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Share of each cluster\'s node memory not available.' }))
    .withPanel(timeseriesPanel('CPU used by cluster', [promql(sum(by, R.containerCpu), '{{cluster}}')], { w: 12, h: 8, unit: CORES, min: 0, stack: true, description: 'CPU cores used by all containers of each cluster.' }))
    .withPanel(timeseriesPanel('Memory used by cluster', [promql(sum(by, R.containerMemory), '{{cluster}}')], { w: 12, h: 8, unit: 'bytes', min: 0, stack: true, description: 'Working-set memory of all containers of each cluster.' }));

  b.withRow(row('Commitment'))
    .withPanel(timeseriesPanel('CPU requests commitment by cluster', [promql(cpuCommit, '{{cluster}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.8, 'orange'], [1, 'red']]), description: 'CPU requested over allocatable per cluster; near 100 % the cluster cannot schedule more pods.' }))
    .withPanel(timeseriesPanel('Memory requests commitment by cluster', [promql(memoryCommit, '{{cluster}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.8, 'orange'], [1, 'red']]), description: 'Memory requested over allocatable per cluster.' }));

  return finalize(b.build());
}

/** Namespace (Pods): one namespace, pod by pod. */
export function computeNamespacePodsDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.namespacePods, 'Namespace (Pods)', 'CPU and memory of one namespace, pod by pod: usage against requests and limits, throttling, restarts, containers waiting, disk I/O.').withVariable(
    queryVariable('namespace', 'label_values(kube_pod_info, namespace)', { label: 'Namespace', multi: false }),
  );
  const ns = 'namespace="$namespace"';
  const stats: Array<[string, string, string, string]> = [
    ['CPU used', sum('', sel(R.containerCpu, ns)), CORES, 'CPU cores used by the namespace\'s containers (5m rate).'],
    ['CPU requested', sum('', sel(R.namespaceCpuRequests, ns)), CORES, 'CPU requested by the namespace\'s pods that have not finished.'],
    ['CPU used / requested', ratio(sum('', sel(R.containerCpu, ns)), sum('', sel(R.namespaceCpuRequests, ns))), 'percentunit', 'CPU used over CPU requested.'],
    ['CPU limits', sum('', sel(R.namespaceCpuLimits, ns)), CORES, 'Sum of the CPU limits of the namespace\'s pods (containers without a limit count 0).'],
    ['Memory used', sum('', sel(R.containerMemory, ns)), 'bytes', 'Working-set memory of the namespace\'s containers.'],
    ['Memory requested', sum('', sel(R.namespaceMemoryRequests, ns)), 'bytes', 'Memory requested by the namespace\'s pods that have not finished.'],
    ['Memory used / requested', ratio(sum('', sel(R.containerMemory, ns)), sum('', sel(R.namespaceMemoryRequests, ns))), 'percentunit', 'Working set over memory requested.'],
    ['Memory limits', sum('', sel(R.namespaceMemoryLimits, ns)), 'bytes', 'Sum of the memory limits of the namespace\'s pods (containers without a limit count 0).'],
  ];
  b.withRow(row('Namespace'));
  for (const [title, expr, unit, description] of stats) b.withPanel(statPanel(title, [promql(expr, '', { instant: true })], { w: 3, h: 4, unit, decimals: unit === 'percentunit' ? 0 : 2, description, thresholds: unit === 'percentunit' ? RATIO_COLOURS() : undefined }));

  const podLink = drillDown('pod', 'Pod', COMPUTE_UIDS.pod, { pod: 'pod' }, ['namespace']);
  b.withRow(row('CPU'))
    .withPanel(
      timeseriesPanel('CPU used by pod', [promql(sum('pod', sel(R.containerCpu, ns)), '{{pod}}'), promql(sum('', sel(R.namespaceCpuRequests, ns)), 'requests'), promql(sum('', sel(R.namespaceCpuLimits, ns)), 'limits')], {
        w: 12,
        h: 9,
        unit: CORES,
        min: 0,
        stack: true,
        dashed: 'requests|limits',
        description: 'CPU cores used by each pod, stacked; dashed: the namespace\'s total requests and limits.',
      }),
    )
    .withPanel(timeseriesPanel('CPU throttling by pod', [promql(throttled('pod', ns), '{{pod}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, max: 1, description: THROTTLING_DESCRIPTION, thresholds: thresholds('green', [[0.25, 'orange']]) }))
    .withPanel(joinTable('CPU by pod', ['pod'], cpuColumns(sum('pod', sel(R.containerCpu, ns)), sum('pod', sel(R.podCpuRequests, ns)), sum('pod', sel(R.podCpuLimits, ns))), { w: 24, h: 9, description: CPU_TABLE_DESCRIPTION, sortBy: 'CPU used (cores)', links: [podLink] }));

  b.withRow(row('Memory'))
    .withPanel(
      timeseriesPanel('Memory used by pod', [promql(sum('pod', sel(R.containerMemory, ns)), '{{pod}}'), promql(sum('', sel(R.namespaceMemoryRequests, ns)), 'requests'), promql(sum('', sel(R.namespaceMemoryLimits, ns)), 'limits')], {
        w: 24,
        h: 9,
        unit: 'bytes',
        min: 0,
        stack: true,
        dashed: 'requests|limits',
        description: 'Working-set memory of each pod, stacked; dashed: the namespace\'s total requests and limits.',
      }),
    )
    .withPanel(
      joinTable(
        'Memory by pod',
        ['pod'],
        [
          ...memoryColumns(sum('pod', sel(R.containerMemory, ns)), sum('pod', sel(R.podMemoryRequests, ns)), sum('pod', sel(R.podMemoryLimits, ns))),
          { name: 'RSS', expr: sum('pod', sel(R.containerRss, ns)), unit: 'bytes', decimals: 1 },
          { name: 'Page cache', expr: sum('pod', sel(R.containerCache, ns)), unit: 'bytes', decimals: 1 },
          { name: 'Swap', expr: sum('pod', sel(R.containerSwap, ns)), unit: 'bytes', decimals: 1 },
        ],
        { w: 24, h: 9, description: `${MEMORY_TABLE_DESCRIPTION} RSS is anonymous memory (heap, stacks); page cache is file data the kernel can reclaim, partly counted in the working set.`, sortBy: 'Working set', links: [podLink] },
      ),
    );

  b.withRow(row('Health'))
    .withPanel(timeseriesPanel('Container restarts in the last hour by pod', [promql(`${sum('pod', `increase(kube_pod_container_status_restarts_total{${ns}}[1h])`)} > 0`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, description: 'Restarts over the hour before each point; pods without restarts are left out.' }))
    .withPanel(
      tablePanel('Containers waiting', [promql(`max by (pod, container, reason) (kube_pod_container_status_waiting_reason{${ns}}) > 0`, '', { instant: true, format: 'table' })], {
        w: 8,
        h: 8,
        noValue: 'None waiting',
        description: 'Containers that are not running now and why (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, ...).',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true }, indexByName: { pod: 0, container: 1, reason: 2 } } }],
      }),
    )
    .withPanel(
      tablePanel('Last termination reasons', [promql(`max by (pod, container, reason) (kube_pod_container_status_last_terminated_reason{${ns}}) > 0`, '', { instant: true, format: 'table' })], {
        w: 8,
        h: 8,
        noValue: 'No container terminated',
        description: 'Why each container last stopped (OOMKilled, Error, Completed, ...), for containers that restarted at least once.',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true }, indexByName: { pod: 0, container: 1, reason: 2 } } }],
      }),
    );

  const fs = `${ns}, container!=""`;
  b.withRow(row('Disk I/O'))
    .withPanel(timeseriesPanel('Disk throughput by pod', [promql(sum('pod', `rate(container_fs_reads_bytes_total{${fs}}[$__rate_interval])`), '{{pod}} read'), promql(sum('pod', `rate(container_fs_writes_bytes_total{${fs}}[$__rate_interval])`), '{{pod}} write')], { w: 12, h: 8, unit: 'Bps', min: 0, description: 'Bytes read and written per second by each pod\'s containers (block devices, cAdvisor).' }))
    .withPanel(timeseriesPanel('Disk operations by pod', [promql(sum('pod', `rate(container_fs_reads_total{${fs}}[$__rate_interval])`), '{{pod}} read'), promql(sum('pod', `rate(container_fs_writes_total{${fs}}[$__rate_interval])`), '{{pod}} write')], { w: 12, h: 8, unit: 'iops', min: 0, description: 'Read and write operations per second by each pod\'s containers.' }));

  return finalize(b.build());
}

/** The pods of the selected workloads, `{namespace, workload, workload_type, pod}` = 1. */
function workloadPods(matchers: string): string {
  return sel(R.workloadPod, matchers);
}

/** `metric` summed by `by`, its pods joined to their workload. */
function byWorkload(by: string, metric: string, pods: string): string {
  return sum(by, `\n  ${metric}\n  * on (cluster, namespace, pod) group_left (workload, workload_type)\n  ${pods}\n`);
}

/** Namespace (Workloads): one namespace, workload by workload. */
export function computeNamespaceWorkloadsDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.namespaceWorkloads, 'Namespace (Workloads)', 'CPU and memory of one namespace, workload by workload (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, bare pods).')
    .withVariable(queryVariable('namespace', `label_values(${R.workloadPod}, namespace)`, { label: 'Namespace', multi: false }))
    .withVariable(queryVariable('workload_type', `label_values(${R.workloadPod}{namespace="$namespace"}, workload_type)`, { label: 'Workload type' }));
  const ns = 'namespace="$namespace"';
  const pods = workloadPods(`${ns}, workload_type=~"$workload_type"`);
  const by = 'workload, workload_type';
  const link = drillDown('workload', 'Workload', COMPUTE_UIDS.workload, { workload: 'workload', workload_type: 'workload_type' }, ['namespace']);
  const podCount: Column = { name: 'Pods', expr: `count by (${by}) (${pods})`, decimals: 0 };

  b.withRow(row('CPU'))
    .withPanel(timeseriesPanel('CPU used by workload', [promql(byWorkload(by, sel(R.containerCpu, ns), pods), '{{workload_type}}/{{workload}}')], { w: 12, h: 9, unit: CORES, min: 0, stack: true, description: 'CPU cores used by all pods of each workload, stacked.' }))
    .withPanel(timeseriesPanel('CPU used / requested by workload', [promql(ratio(byWorkload(by, sel(R.containerCpu, ns), pods), byWorkload(by, sel(R.podCpuRequests, ns), pods)), '{{workload_type}}/{{workload}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, description: 'CPU used over CPU requested per workload: the basis to right-size requests.' }))
    .withPanel(joinTable('CPU by workload', ['workload', 'workload_type'], [podCount, ...cpuColumns(byWorkload(by, sel(R.containerCpu, ns), pods), byWorkload(by, sel(R.podCpuRequests, ns), pods), byWorkload(by, sel(R.podCpuLimits, ns), pods))], { w: 24, h: 9, description: CPU_TABLE_DESCRIPTION, sortBy: 'CPU used (cores)', links: [link] }));

  b.withRow(row('Memory'))
    .withPanel(timeseriesPanel('Memory used by workload', [promql(byWorkload(by, sel(R.containerMemory, ns), pods), '{{workload_type}}/{{workload}}')], { w: 12, h: 9, unit: 'bytes', min: 0, stack: true, description: 'Working-set memory of all pods of each workload, stacked.' }))
    .withPanel(timeseriesPanel('Memory used / requested by workload', [promql(ratio(byWorkload(by, sel(R.containerMemory, ns), pods), byWorkload(by, sel(R.podMemoryRequests, ns), pods)), '{{workload_type}}/{{workload}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, description: 'Working set over memory requested per workload.' }))
    .withPanel(joinTable('Memory by workload', ['workload', 'workload_type'], [podCount, ...memoryColumns(byWorkload(by, sel(R.containerMemory, ns), pods), byWorkload(by, sel(R.podMemoryRequests, ns), pods), byWorkload(by, sel(R.podMemoryLimits, ns), pods))], { w: 24, h: 9, description: MEMORY_TABLE_DESCRIPTION, sortBy: 'Working set', links: [link] }));

  b.withRow(row('Health'))
    .withPanel(timeseriesPanel('Container restarts in the last hour by workload', [promql(`${byWorkload(by, `increase(kube_pod_container_status_restarts_total{${ns}}[1h])`, pods)} > 0`, '{{workload_type}}/{{workload}}')], { w: 12, h: 8, unit: 'short', min: 0, decimals: 0, description: 'Restarts of the workload\'s containers over the hour before each point; workloads without restarts are left out.' }))
    .withPanel(
      timeseriesPanel('Pods not ready by workload', [promql(`${byWorkload(by, `(1 - kube_pod_status_ready{${ns}, condition="true"})`, workloadPods(`${ns}, workload_type=~"$workload_type", workload_type!~"job|cronjob"`))} > 0`, '{{workload_type}}/{{workload}}')], {
        w: 12,
        h: 8,
        unit: 'short',
        min: 0,
        decimals: 0,
        stack: true,
        description: 'Pods of each long-running workload that are not Ready (not receiving Service traffic). Jobs and CronJobs are left out: their finished pods are never ready.',
      }),
    );

  return finalize(b.build());
}

/** Workload: one workload, pod by pod. */
export function computeWorkloadDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.workload, 'Workload', 'CPU and memory of one workload, pod by pod: usage against requests and limits, throttling, readiness and restarts.')
    .withVariable(queryVariable('namespace', `label_values(${R.workloadPod}, namespace)`, { label: 'Namespace', multi: false }))
    .withVariable(queryVariable('workload_type', `label_values(${R.workloadPod}{namespace="$namespace"}, workload_type)`, { label: 'Workload type', multi: false }))
    .withVariable(queryVariable('workload', `label_values(${R.workloadPod}{namespace="$namespace", workload_type="$workload_type"}, workload)`, { label: 'Workload', multi: false }));
  const ns = 'namespace="$namespace"';
  const pods = workloadPods(`${ns}, workload_type="$workload_type", workload="$workload"`);
  const ofPods = (by: string, metric: string) => sum(by, `\n  ${metric}\n  * on (cluster, namespace, pod) group_left ()\n  ${pods}\n`);
  const podLink = drillDown('pod', 'Pod', COMPUTE_UIDS.pod, { pod: 'pod' }, ['namespace']);

  b.withRow(row('Workload'))
    .withPanel(statPanel('Pods', [promql(`count(${pods})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Pods that belong to the workload now (through their ReplicaSet or Job for Deployments and CronJobs).' }))
    .withPanel(statPanel('Pods ready', [promql(ratio(ofPods('', `kube_pod_status_ready{${ns}, condition="true"}`), `count(${pods})`), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 0, thresholds: thresholds('red', [[0.5, 'orange'], [1, 'green']]), description: 'Share of the workload\'s pods that are Ready (finished Job pods never are).' }))
    .withPanel(statPanel('CPU used', [promql(ofPods('', sel(R.containerCpu, ns)), '', { instant: true })], { w: 4, h: 4, unit: CORES, decimals: 3, sparkline: true, description: 'CPU cores used by all the workload\'s pods.' }))
    .withPanel(statPanel('CPU used / requested', [promql(ratio(ofPods('', sel(R.containerCpu, ns)), ofPods('', sel(R.podCpuRequests, ns))), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 0, thresholds: RATIO_COLOURS(), description: 'CPU used over CPU requested by the workload.' }))
    .withPanel(statPanel('Memory used', [promql(ofPods('', sel(R.containerMemory, ns)), '', { instant: true })], { w: 4, h: 4, unit: 'bytes', decimals: 1, sparkline: true, description: 'Working-set memory of all the workload\'s pods.' }))
    .withPanel(statPanel('Memory used / requested', [promql(ratio(ofPods('', sel(R.containerMemory, ns)), ofPods('', sel(R.podMemoryRequests, ns))), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 0, thresholds: RATIO_COLOURS(), description: 'Working set over memory requested by the workload.' }));

  b.withRow(row('CPU'))
    .withPanel(
      timeseriesPanel('CPU used by pod', [promql(ofPods('pod', sel(R.containerCpu, ns)), '{{pod}}'), promql(ofPods('', sel(R.podCpuRequests, ns)), 'requests'), promql(ofPods('', sel(R.podCpuLimits, ns)), 'limits')], {
        w: 12,
        h: 9,
        unit: CORES,
        min: 0,
        stack: true,
        dashed: 'requests|limits',
        description: 'CPU cores used by each pod of the workload, stacked; dashed: the workload\'s total requests and limits.',
      }),
    )
    .withPanel(timeseriesPanel('CPU throttling by pod', [promql(ratio(ofPods('pod', `rate(container_cpu_cfs_throttled_periods_total{${ns}, container!=""}[$__rate_interval])`), ofPods('pod', `rate(container_cpu_cfs_periods_total{${ns}, container!=""}[$__rate_interval])`)), '{{pod}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, max: 1, description: THROTTLING_DESCRIPTION, thresholds: thresholds('green', [[0.25, 'orange']]) }))
    .withPanel(joinTable('CPU by pod', ['pod'], cpuColumns(ofPods('pod', sel(R.containerCpu, ns)), ofPods('pod', sel(R.podCpuRequests, ns)), ofPods('pod', sel(R.podCpuLimits, ns))), { w: 24, h: 8, description: CPU_TABLE_DESCRIPTION, sortBy: 'CPU used (cores)', links: [podLink] }));

  b.withRow(row('Memory'))
    .withPanel(
      timeseriesPanel('Memory used by pod', [promql(ofPods('pod', sel(R.containerMemory, ns)), '{{pod}}'), promql(ofPods('', sel(R.podMemoryRequests, ns)), 'requests'), promql(ofPods('', sel(R.podMemoryLimits, ns)), 'limits')], {
        w: 24,
        h: 9,
        unit: 'bytes',
        min: 0,
        stack: true,
        dashed: 'requests|limits',
        description: 'Working-set memory of each pod of the workload, stacked; dashed: the workload\'s total requests and limits.',
      }),
    )
    .withPanel(joinTable('Memory by pod', ['pod'], memoryColumns(ofPods('pod', sel(R.containerMemory, ns)), ofPods('pod', sel(R.podMemoryRequests, ns)), ofPods('pod', sel(R.podMemoryLimits, ns))), { w: 24, h: 8, description: MEMORY_TABLE_DESCRIPTION, sortBy: 'Working set', links: [podLink] }));

  b.withRow(row('Health'))
    .withPanel(timeseriesPanel('Container restarts in the last hour by pod', [promql(`${ofPods('pod', `increase(kube_pod_container_status_restarts_total{${ns}}[1h])`)} > 0`, '{{pod}}')], { w: 12, h: 8, unit: 'short', min: 0, decimals: 0, description: 'Restarts over the hour before each point; pods without restarts are left out.' }))
    .withPanel(
      tablePanel('Containers waiting', [promql(`max by (pod, container, reason) (\n  kube_pod_container_status_waiting_reason{${ns}}\n  * on (cluster, namespace, pod) group_left ()\n  ${pods}\n) > 0`, '', { instant: true, format: 'table' })], {
        w: 12,
        h: 8,
        noValue: 'None waiting',
        description: 'Containers of the workload that are not running now and why.',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true }, indexByName: { pod: 0, container: 1, reason: 2 } } }],
      }),
    );

  return finalize(b.build());
}

/** Pod: one pod, container by container. */
export function computePodDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.pod, 'Pod', 'CPU and memory of one pod, container by container, against requests and limits; throttling, restarts and why, disk and network I/O.')
    .withVariable(queryVariable('namespace', 'label_values(kube_pod_info, namespace)', { label: 'Namespace', multi: false }))
    .withVariable(queryVariable('pod', 'label_values(kube_pod_info{namespace="$namespace"}, pod)', { label: 'Pod', multi: false }))
    .withVariable(queryVariable('container', 'label_values(kube_pod_container_info{namespace="$namespace", pod="$pod"}, container)', { label: 'Container' }));
  const p = 'namespace="$namespace", pod="$pod"';
  const c = `${p}, container=~"$container"`;

  b.withRow(row('Pod'))
    .withPanel(statPanel('CPU used', [promql(sum('', sel(R.containerCpu, c)), '', { instant: true })], { w: 4, h: 4, unit: CORES, decimals: 3, sparkline: true, description: 'CPU cores used by the selected containers (5m rate).' }))
    .withPanel(statPanel('Memory used', [promql(sum('', sel(R.containerMemory, c)), '', { instant: true })], { w: 4, h: 4, unit: 'bytes', decimals: 1, sparkline: true, description: 'Working-set memory of the selected containers.' }))
    .withPanel(statPanel('Memory used / limit', [promql(ratio(sum('', sel(R.containerMemory, c)), sum('', sel(R.podMemoryLimits, c))), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 0, noValue: 'no limit', thresholds: UTILISATION_COLOURS(), description: 'Working set over the memory limit; at 100 % the container is OOM-killed.' }))
    .withPanel(statPanel('Containers ready', [promql(ratio(`sum(kube_pod_container_status_ready{${c}})`, `count(kube_pod_container_status_ready{${c}})`), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 0, thresholds: thresholds('red', [[1, 'green']]), description: 'Share of the selected containers whose readiness probe passes.' }))
    .withPanel(statPanel('Restarts', [promql(`sum(kube_pod_container_status_restarts_total{${c}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('green', [[1, 'orange']]), description: 'Restarts of the selected containers since the pod was created.' }))
    .withPanel(statPanel('Restarts in range', [promql(`sum(increase(kube_pod_container_status_restarts_total{${c}}[$__range]))`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, noValue: '0', thresholds: thresholds('green', [[1, 'orange']]), description: 'Restarts over the dashboard time range.' }));

  b.withRow(row('CPU'))
    .withPanel(
      timeseriesPanel('CPU used by container', [promql(sum('container', sel(R.containerCpu, c)), '{{container}}'), promql(sum('container', sel(R.podCpuRequests, c)), '{{container}} request'), promql(sum('container', sel(R.podCpuLimits, c)), '{{container}} limit')], {
        w: 12,
        h: 9,
        unit: CORES,
        min: 0,
        dashed: '.* (request|limit)',
        description: 'CPU cores used by each container (5m rate); dashed: its request and limit.',
      }),
    )
    .withPanel(timeseriesPanel('CPU throttling by container', [promql(throttled('container', c), '{{container}}')], { w: 12, h: 9, unit: 'percentunit', min: 0, max: 1, description: THROTTLING_DESCRIPTION, thresholds: thresholds('green', [[0.25, 'orange']]) }));

  b.withRow(row('Memory'))
    .withPanel(
      timeseriesPanel('Memory used by container', [promql(sum('container', sel(R.containerMemory, c)), '{{container}}'), promql(sum('container', sel(R.podMemoryRequests, c)), '{{container}} request'), promql(sum('container', sel(R.podMemoryLimits, c)), '{{container}} limit')], {
        w: 12,
        h: 9,
        unit: 'bytes',
        min: 0,
        dashed: '.* (request|limit)',
        description: 'Working-set memory of each container; dashed: its request and limit (the OOM-kill line).',
      }),
    )
    .withPanel(timeseriesPanel('Memory by kind', [promql(sum('container', sel(R.containerRss, c)), '{{container}} RSS'), promql(sum('container', sel(R.containerCache, c)), '{{container}} page cache'), promql(sum('container', sel(R.containerSwap, c)), '{{container}} swap')], { w: 12, h: 9, unit: 'bytes', min: 0, description: 'RSS (anonymous memory: heap, stacks), page cache (file data, reclaimable) and swap of each container. A growing RSS is a leak candidate.' }));

  b.withRow(row('Restarts'))
    .withPanel(
      joinTable(
        'Containers',
        ['container'],
        [
          { name: 'Ready', expr: 'max by (container) (kube_pod_container_status_ready{' + c + '})', decimals: 0, thresholds: thresholds('red', [[1, 'green']]) },
          { name: 'Restarts', expr: `max by (container) (kube_pod_container_status_restarts_total{${c}})`, decimals: 0, thresholds: thresholds('green', [[1, 'orange']]) },
          { name: 'CPU used (cores)', expr: sum('container', sel(R.containerCpu, c)), unit: CORES, decimals: 3 },
          { name: 'Working set', expr: sum('container', sel(R.containerMemory, c)), unit: 'bytes', decimals: 1 },
        ],
        { w: 12, h: 8, description: 'Each container: ready now (1) or not (0), restarts since the pod was created, CPU and memory used.' },
      ),
    )
    .withPanel(
      tablePanel('Waiting or last terminated', [promql(`max by (container, reason) (kube_pod_container_status_waiting_reason{${c}}) > 0`, '', { instant: true, format: 'table' }), promql(`max by (container, reason) (kube_pod_container_status_last_terminated_reason{${c}}) > 0`, '', { instant: true, format: 'table' })], {
        w: 12,
        h: 8,
        noValue: 'Nothing waiting or terminated',
        description: 'Why a container is waiting now (CrashLoopBackOff, ImagePullBackOff, ...) and why it last stopped (OOMKilled, Error, ...).',
        transformations: [
          { id: 'merge', options: {} },
          { id: 'organize', options: { excludeByName: { Time: true }, indexByName: { container: 0, reason: 1, 'Value #A': 2, 'Value #B': 3 }, renameByName: { 'Value #A': 'Waiting now', 'Value #B': 'Last termination' } } },
        ],
      }),
    );

  const fs = `${p}, container=~"$container", container!=""`;
  const net = (metric: string) => sum('', `rate(${metric}{${p}}[$__rate_interval])`);
  b.withRow(row('Disk and network I/O'))
    .withPanel(timeseriesPanel('Disk throughput by container', [promql(sum('container', `rate(container_fs_reads_bytes_total{${fs}}[$__rate_interval])`), '{{container}} read'), promql(sum('container', `rate(container_fs_writes_bytes_total{${fs}}[$__rate_interval])`), '{{container}} write')], { w: 8, h: 8, unit: 'Bps', min: 0, description: 'Bytes read and written per second by each container (block devices).' }))
    .withPanel(timeseriesPanel('Disk operations by container', [promql(sum('container', `rate(container_fs_reads_total{${fs}}[$__rate_interval])`), '{{container}} read'), promql(sum('container', `rate(container_fs_writes_total{${fs}}[$__rate_interval])`), '{{container}} write')], { w: 8, h: 8, unit: 'iops', min: 0, description: 'Read and write operations per second by each container.' }))
    .withPanel(timeseriesPanel('Network bandwidth', [promql(net('container_network_receive_bytes_total'), 'received'), promql(net('container_network_transmit_bytes_total'), 'sent')], { w: 8, h: 8, unit: 'Bps', min: 0, description: 'Bytes per second the pod received and sent (all its interfaces; the containers of a pod share them). Details: Kubernetes / Networking / Pod.' }));

  return finalize(b.build());
}

/** Node: the pods of one node against what the node can allocate. */
export function computeNodeDashboard(o: DashboardOptions): dash.Dashboard {
  const b = k8sDashboard(o, COMPUTE_UIDS.node, 'Node', 'CPU and memory of one node\'s pods: requests against allocatable capacity (what the scheduler sees) and usage (what the node feels).').withVariable(
    queryVariable('node', 'label_values(kube_node_info, node)', { label: 'Node', multi: false }),
  );
  const n = 'node="$node"';
  const alloc = (resource: string) => `sum(kube_node_status_allocatable{${n}, resource="${resource}"})`;
  const running = `sum(\n  kube_pod_status_phase{phase="Running"}\n  * on (cluster, namespace, pod) group_left ()\n  ${sel(R.podNode, n)}\n)`;
  const stats: Array<[string, string, string, string]> = [
    ['CPU allocatable', alloc('cpu'), CORES, 'CPU cores the node offers to pods (capacity minus system and kube reservations).'],
    ['CPU requested', sum('', sel(R.podCpuRequests, n)), CORES, 'CPU requested by the pods on the node that have not finished.'],
    ['CPU requests commitment', ratio(sum('', sel(R.podCpuRequests, n)), alloc('cpu')), 'percentunit', 'CPU requested over allocatable: at 100 % the scheduler places no more pods that request CPU here.'],
    ['CPU used by pods', sum('', sel(R.containerCpu, n)), CORES, 'CPU cores the node\'s containers use (5m rate).'],
    ['Memory allocatable', alloc('memory'), 'bytes', 'Memory the node offers to pods.'],
    ['Memory requested', sum('', sel(R.podMemoryRequests, n)), 'bytes', 'Memory requested by the pods on the node that have not finished.'],
    ['Memory requests commitment', ratio(sum('', sel(R.podMemoryRequests, n)), alloc('memory')), 'percentunit', 'Memory requested over allocatable.'],
    ['Pods running / capacity', ratio(running, alloc('pods')), 'percentunit', 'Running pods over the node\'s pod capacity (max-pods).'],
  ];
  b.withRow(row('Node'));
  for (const [title, expr, unit, description] of stats) b.withPanel(statPanel(title, [promql(expr, '', { instant: true })], { w: 3, h: 4, unit, decimals: unit === 'percentunit' ? 0 : unit === 'bytes' ? 1 : 2, description, thresholds: unit === 'percentunit' ? thresholds('green', [[0.8, 'orange'], [1, 'red']]) : undefined }));

  b.withRow(row('Usage by pod'))
    .withPanel(timeseriesPanel('CPU used by pod', [promql(sum('namespace, pod', sel(R.containerCpu, n)), '{{namespace}}/{{pod}}'), promql(alloc('cpu'), 'allocatable')], { w: 12, h: 9, unit: CORES, min: 0, stack: true, dashed: 'allocatable', description: 'CPU cores used by each pod on the node, stacked; dashed: allocatable.' }))
    .withPanel(timeseriesPanel('Memory used by pod', [promql(sum('namespace, pod', sel(R.containerMemory, n)), '{{namespace}}/{{pod}}'), promql(alloc('memory'), 'allocatable')], { w: 12, h: 9, unit: 'bytes', min: 0, stack: true, dashed: 'allocatable', description: 'Working-set memory of each pod on the node, stacked; dashed: allocatable.' }))
    .withPanel(
      joinTable(
        'Pods on the node',
        ['namespace', 'pod'],
        [
          { name: 'CPU used (cores)', expr: sum('namespace, pod', sel(R.containerCpu, n)), unit: CORES, decimals: 3 },
          { name: 'CPU requested', expr: sum('namespace, pod', sel(R.podCpuRequests, n)), unit: CORES, decimals: 3 },
          { name: 'CPU limit', expr: sum('namespace, pod', sel(R.podCpuLimits, n)), unit: CORES, decimals: 3 },
          { name: 'Working set', expr: sum('namespace, pod', sel(R.containerMemory, n)), unit: 'bytes', decimals: 1 },
          { name: 'Memory requested', expr: sum('namespace, pod', sel(R.podMemoryRequests, n)), unit: 'bytes', decimals: 1 },
          { name: 'Memory limit', expr: sum('namespace, pod', sel(R.podMemoryLimits, n)), unit: 'bytes', decimals: 1 },
        ],
        { w: 24, h: 10, description: 'Every pod on the node with its usage, requests and limits: who to move or resize when the node is full.', sortBy: 'Working set', links: [drillDown('pod', 'Pod', COMPUTE_UIDS.pod, { namespace: 'namespace', pod: 'pod' })] },
      ),
    );

  return finalize(b.build());
}
