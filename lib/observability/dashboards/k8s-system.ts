import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, heatmapPanel, promql, queryVariable, row, statPanel, tablePanel, tagLinks, thresholds, timeseriesPanel } from './common';
import { JOBS, K8S_TAG, RULES as R } from './k8s-common';
import type { DashboardOptions } from './types';

/**
 * Kubernetes / System: the control-plane and node components every workload depends on, each
 * with its traffic, errors, latency and saturation. Their metrics share generic names
 * (`process_*`, `rest_client_*`, `workqueue_*`), so every selector names the scrape job.
 */

export const SYSTEM_UIDS = {
  apiserver: 'k8s-apiserver',
  kubelet: 'k8s-kubelet',
  coredns: 'k8s-coredns',
} as const;

function systemDashboard(o: DashboardOptions, uid: string, title: string, description: string): dash.DashboardBuilder {
  return baseDashboard({ uid, title: `Kubernetes / System / ${title}`, description, tags: [K8S_TAG, 'system'] })
    .link(tagLinks('Kubernetes', K8S_TAG))
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable());
}

const quantile = (q: number, histogram: string, matchers: string, by = '') => `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${histogram}_bucket{${matchers}}[$__rate_interval])))`;
/**
 * Mean of a histogram from its `_sum` and `_count`: for the histograms whose buckets the scrape
 * config drops (one series per bucket, operation and resource: thousands per API server).
 */
const mean = (histogram: string, matchers: string, by: string) => `${rate(`${histogram}_sum`, matchers, by)}\n/\n${rate(`${histogram}_count`, matchers, by)}`;
const rate = (metric: string, matchers: string, by = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}{${matchers}}[$__rate_interval]))`;

/** Process CPU, memory and goroutines of a Go component, by `by`. */
function processRow(b: dash.DashboardBuilder, m: string, by: string, legend: string, what: string): void {
  b.withRow(row('Process'))
    .withPanel(timeseriesPanel('CPU', [promql(rate('process_cpu_seconds_total', m, by), legend)], { w: 8, h: 7, unit: 'short', min: 0, description: `CPU cores used by each ${what} process.` }))
    .withPanel(timeseriesPanel('Memory (RSS)', [promql(`sum by (${by}) (process_resident_memory_bytes{${m}})`, legend)], { w: 8, h: 7, unit: 'bytes', min: 0, description: `Resident memory of each ${what} process; a steady climb is a leak or a growing cache.` }))
    .withPanel(timeseriesPanel('Goroutines', [promql(`sum by (${by}) (go_goroutines{${m}})`, legend)], { w: 8, h: 7, unit: 'short', min: 0, description: `Goroutines of each ${what} process; a climb that never comes back points at stuck requests or watches.` }));
}

/** API server: request rate, errors and latency by verb, saturation (in-flight, flow control), etcd and webhooks. */
export function apiserverDashboard(o: DashboardOptions): dash.Dashboard {
  const b = systemDashboard(o, SYSTEM_UIDS.apiserver, 'API server', 'The Kubernetes API server: requests, errors and latency by verb, in-flight and queued requests (API Priority and Fairness), etcd and admission webhook latency. Its SLO burn rates are on the SLO portfolio dashboard.').withVariable(
    queryVariable('instance', `label_values(up{job="${JOBS.apiserver}"}, instance)`, { label: 'Instance' }),
  );
  const a = `job="${JOBS.apiserver}", instance=~"$instance"`;
  const errorRatio = (by = '') => `${rate('apiserver_request_total', `${a}, code=~"5.."`, by)}\n/\n${rate('apiserver_request_total', a, by)}`;
  const nonLongRunning = `${a}, verb!~"WATCH|CONNECT"`;

  b.withRow(row('Overview'))
    .withPanel(statPanel('API servers up', [promql(`sum(up{${a}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('red', [[1, 'green']]), description: 'API server instances whose /metrics answered the last scrape.' }))
    .withPanel(statPanel('Requests / s', [promql(rate('apiserver_request_total', a), '', { instant: true })], { w: 4, h: 4, unit: 'reqps', decimals: 1, sparkline: true, description: 'Requests completed per second, all verbs.' }))
    .withPanel(statPanel('5xx ratio', [promql(errorRatio(), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), sparkline: true, description: 'Share of requests answered with a 5xx status.' }))
    .withPanel(statPanel('p99 latency (slowest verb)', [promql(`max(${R.apiserverLatency}{quantile="0.99"})`, '', { instant: true })], { w: 4, h: 4, unit: 's', decimals: 3, thresholds: thresholds('green', [[1, 'orange'], [4, 'red']]), description: '99th percentile of request latency (the SLI histogram: without webhook and queueing time) of the slowest verb, cluster-wide.' }))
    .withPanel(statPanel('Requests rejected / s', [promql(rate('apiserver_flowcontrol_rejected_requests_total', a), '', { instant: true })], { w: 4, h: 4, unit: 'reqps', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.01, 'orange']]), description: 'Requests API Priority and Fairness rejected (429) because their priority level\'s queues were full or the wait timed out.' }))
    .withPanel(statPanel('In-flight requests', [promql(`sum(apiserver_current_inflight_requests{${a}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Requests being served now (read-only and mutating), all instances.' }));

  b.withRow(row('Requests'))
    .withPanel(timeseriesPanel('Requests / s by verb', [promql(rate('apiserver_request_total', a, 'verb'), '{{verb}}')], { w: 8, h: 8, unit: 'reqps', min: 0, stack: true, description: 'Requests completed per second by verb.' }))
    .withPanel(timeseriesPanel('Requests / s by status code', [promql(rate('apiserver_request_total', a, 'code'), '{{code}}')], { w: 8, h: 8, unit: 'reqps', min: 0, stack: true, description: 'Requests completed per second by HTTP status: 429 is flow control, 5xx server errors, 4xx mostly clients (conflicts, not found, forbidden).' }))
    .withPanel(timeseriesPanel('5xx ratio by verb', [promql(errorRatio('verb'), '{{verb}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), description: 'Share of each verb\'s requests answered with 5xx.' }))
    .withPanel(timeseriesPanel('5xx / s by resource (top 10)', [promql(`topk(10, ${rate('apiserver_request_total', `${a}, code=~"5.."`, 'group, resource')})`, '{{group}}/{{resource}}')], { w: 12, h: 8, unit: 'reqps', min: 0, description: 'The resources with the most server errors: a failing aggregated API or webhook shows up here.' }))
    .withPanel(timeseriesPanel('Requests / s by instance', [promql(rate('apiserver_request_total', a, 'instance'), '{{instance}}')], { w: 12, h: 8, unit: 'reqps', min: 0, description: 'Requests per API server instance: a skew means clients stick to one instance (long-lived connections).' }));

  b.withRow(row('Latency'))
    .withPanel(timeseriesPanel('p99 latency by verb (cluster)', [promql(`max by (verb) (${R.apiserverLatency}{quantile="0.99"})`, '{{verb}}')], { w: 8, h: 8, unit: 's', min: 0, description: '99th percentile of request latency per verb (SLI histogram, 5m, all instances; long-running WATCH and CONNECT are not in it).' }))
    .withPanel(timeseriesPanel('p99 latency by instance', [promql(quantile(0.99, 'apiserver_request_sli_duration_seconds', nonLongRunning, 'instance'), '{{instance}}')], { w: 8, h: 8, unit: 's', min: 0, description: '99th percentile of request latency per instance, all verbs but WATCH and CONNECT.' }))
    .withPanel(heatmapPanel('Latency distribution', [promql(`sum by (le) (rate(apiserver_request_sli_duration_seconds_bucket{${nonLongRunning}}[$__rate_interval]))`, '{{le}}', { format: 'heatmap' })], { w: 8, h: 8, unit: 's', description: 'Requests per latency bucket over time (SLI histogram).' }))
    .withPanel(timeseriesPanel('etcd request mean latency by operation', [promql(mean('etcd_request_duration_seconds', a, 'operation'), '{{operation}}')], { w: 12, h: 8, unit: 's', min: 0, description: 'Mean duration of the API server\'s requests to etcd by operation (the buckets are not scraped); slow etcd makes every write slow.' }))
    .withPanel(timeseriesPanel('Admission webhook mean latency by webhook', [promql(mean('apiserver_admission_webhook_admission_duration_seconds', a, 'name'), '{{name}}')], { w: 12, h: 8, unit: 's', min: 0, description: 'Mean latency of each admission webhook (the buckets are not scraped); a slow or unreachable webhook delays (or fails) every matching write.' }));

  b.withRow(row('Saturation'))
    .withPanel(timeseriesPanel('In-flight requests by kind', [promql(`sum by (request_kind) (apiserver_current_inflight_requests{${a}})`, '{{request_kind}}')], { w: 6, h: 8, unit: 'short', min: 0, description: 'Read-only and mutating requests being served (the highest count in the last second).' }))
    .withPanel(timeseriesPanel('Queued requests by priority level', [promql(`sum by (priority_level) (apiserver_flowcontrol_current_inqueue_requests{${a}})`, '{{priority_level}}')], { w: 6, h: 8, unit: 'short', min: 0, description: 'Requests waiting in API Priority and Fairness queues; long queues come before rejections.' }))
    .withPanel(timeseriesPanel('Rejected requests / s', [promql(rate('apiserver_flowcontrol_rejected_requests_total', a, 'priority_level, reason'), '{{priority_level}} {{reason}}')], { w: 6, h: 8, unit: 'reqps', min: 0, description: 'Requests rejected by flow control per priority level and reason (queue-full, time-out, concurrency-limit).' }))
    .withPanel(timeseriesPanel('Long-running requests by verb', [promql(`sum by (verb) (apiserver_longrunning_requests{${a}})`, '{{verb}}')], { w: 6, h: 8, unit: 'short', min: 0, description: 'Open WATCH and CONNECT (exec, logs, port-forward) requests.' }))
    .withPanel(timeseriesPanel('Work queue depth (top 10)', [promql(`topk(10, sum by (name) (workqueue_depth{${a}}))`, '{{name}}')], { w: 12, h: 8, unit: 'short', min: 0, description: 'Items waiting in the API server\'s internal controllers\' work queues.' }))
    .withPanel(timeseriesPanel('Work queue mean wait latency (top 10)', [promql(`topk(10,\n${mean('workqueue_queue_duration_seconds', a, 'name')}\n)`, '{{name}}')], { w: 12, h: 8, unit: 's', min: 0, description: 'How long items wait in each work queue before being processed, on average (the buckets are not scraped).' }));

  processRow(b, a, 'instance', '{{instance}}', 'API server');
  return finalize(b.build());
}

/** Kubelet: pods and containers, runtime operations, PLEG, volumes, probes, its own process. */
export function kubeletDashboard(o: DashboardOptions): dash.Dashboard {
  const b = systemDashboard(o, SYSTEM_UIDS.kubelet, 'Kubelet', 'The kubelets: pods and containers they run, how fast they start pods, container runtime operations and errors, PLEG relist latency, volume operations and probe failures.').withVariable(
    queryVariable('node', `label_values(up{job="${JOBS.kubelet}"}, node)`, { label: 'Node' }),
  );
  const k = `job="${JOBS.kubelet}", node=~"$node"`;
  const probes = `job="${JOBS.probes}", node=~"$node"`;

  b.withRow(row('Overview'))
    .withPanel(statPanel('Kubelets up', [promql(`sum(up{${k}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Kubelets whose /metrics answered the last scrape.' }))
    .withPanel(statPanel('Running pods', [promql(`sum(kubelet_running_pods{${k}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Pods with a running sandbox, all selected nodes.' }))
    .withPanel(statPanel('Running containers', [promql(`sum(kubelet_running_containers{${k}, container_state="running"})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Containers running, all selected nodes.' }))
    .withPanel(statPanel('Runtime errors / s', [promql(rate('kubelet_runtime_operations_errors_total', k), '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.01, 'orange']]), description: 'Failed operations against the container runtime (CRI) per second.' }))
    .withPanel(statPanel('PLEG relist p99 (slowest node)', [promql(`max(${R.plegRelist}{node=~"$node", quantile="0.99"})`, '', { instant: true })], { w: 4, h: 4, unit: 's', decimals: 2, thresholds: thresholds('green', [[1, 'orange'], [3, 'red']]), description: '99th percentile of the pod lifecycle event generator\'s relist on the slowest node; when it takes minutes the node turns NotReady.' }))
    .withPanel(statPanel('Probe failures / s', [promql(rate('prober_probe_total', `${probes}, result="failed"`), '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.01, 'orange']]), description: 'Liveness, readiness and startup probes that failed per second, all selected nodes.' }));

  b.withRow(row('Pods and containers'))
    .withPanel(timeseriesPanel('Running pods by node', [promql(`sum by (node) (kubelet_running_pods{${k}})`, '{{node}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Pods with a running sandbox on each node.' }))
    .withPanel(timeseriesPanel('Pod start p99', [promql(quantile(0.99, 'kubelet_pod_start_duration_seconds', k), 'p99'), promql(quantile(0.5, 'kubelet_pod_start_duration_seconds', k), 'p50')], { w: 8, h: 8, unit: 's', min: 0, description: 'Time from the kubelet seeing a pod to its containers running, including image pulls (99th and 50th percentiles).' }))
    .withPanel(timeseriesPanel('Pod worker p99 by operation', [promql(quantile(0.99, 'kubelet_pod_worker_duration_seconds', k, 'operation_type'), '{{operation_type}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'Time to sync one pod (create, update, sync), 99th percentile.' }));

  b.withRow(row('Container runtime'))
    .withPanel(timeseriesPanel('Runtime operations / s', [promql(rate('kubelet_runtime_operations_total', k, 'operation_type'), '{{operation_type}}')], { w: 8, h: 8, unit: 'ops', min: 0, stack: true, description: 'Operations the kubelet asks of the container runtime per second, by type.' }))
    .withPanel(timeseriesPanel('Runtime errors / s', [promql(rate('kubelet_runtime_operations_errors_total', k, 'node, operation_type'), '{{node}} {{operation_type}}')], { w: 8, h: 8, unit: 'ops', min: 0, description: 'Failed runtime operations per second by node and type.' }))
    .withPanel(timeseriesPanel('Runtime operation mean latency', [promql(mean('kubelet_runtime_operations_duration_seconds', k, 'operation_type'), '{{operation_type}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'Mean latency of each runtime operation (the buckets are not scraped); pulls are slow by nature, the rest should stay well under a second.' }));

  b.withRow(row('PLEG'))
    .withPanel(timeseriesPanel('PLEG relist p99 by node', [promql(`max by (node) (${R.plegRelist}{node=~"$node", quantile="0.99"})`, '{{node}}')], { w: 12, h: 8, unit: 's', min: 0, thresholds: thresholds('green', [[1, 'orange'], [3, 'red']]), description: 'How long one relist of all containers takes on each node (99th percentile, 5m): a slow runtime or too many containers.' }))
    .withPanel(timeseriesPanel('PLEG relist interval p99 by node', [promql(quantile(0.99, 'kubelet_pleg_relist_interval_seconds', k, 'node'), '{{node}}')], { w: 12, h: 8, unit: 's', min: 0, description: 'Time between two relists (nominally 1 s); it grows when relists are slow.' }));

  b.withRow(row('Volumes and cgroups'))
    .withPanel(timeseriesPanel('Storage operations / s', [promql(rate('storage_operation_duration_seconds_count', k, 'operation_name, status'), '{{operation_name}} {{status}}')], { w: 8, h: 8, unit: 'ops', min: 0, description: 'Volume operations (mount, unmount, attach, ...) per second by outcome; anything but success delays the pods that need the volume.' }))
    .withPanel(timeseriesPanel('Storage operation mean latency', [promql(mean('storage_operation_duration_seconds', k, 'operation_name'), '{{operation_name}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'Mean latency of volume operations by operation (the buckets are not scraped).' }))
    .withPanel(timeseriesPanel('Cgroup manager mean latency', [promql(mean('kubelet_cgroup_manager_duration_seconds', k, 'operation_type'), '{{operation_type}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'Mean latency of the kubelet\'s cgroup operations (create, update, destroy; the buckets are not scraped).' }));

  b.withRow(row('Probes and API'))
    .withPanel(timeseriesPanel('Probe failures / s by type', [promql(rate('prober_probe_total', `${probes}, result="failed"`, 'probe_type'), '{{probe_type}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Failed probes per second: liveness failures restart containers, readiness failures take pods out of Services, startup failures delay both.' }))
    .withPanel(
      tablePanel('Containers failing probes', [promql(`topk(20, ${rate('prober_probe_total', `${probes}, result="failed"`, 'namespace, pod, container, probe_type')} > 0)`, '', { instant: true, format: 'table' })], {
        w: 8,
        h: 8,
        noValue: 'No probe failing',
        unit: 'short',
        description: 'The containers whose probes failed over the last rate interval, with the failure rate.',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, indexByName: { namespace: 0, pod: 1, container: 2, probe_type: 3, Value: 4 }, renameByName: { Value: 'Failures / s' } } }],
      }),
    )
    .withPanel(timeseriesPanel('API server requests / s by code', [promql(rate('rest_client_requests_total', k, 'code'), '{{code}}')], { w: 8, h: 8, unit: 'reqps', min: 0, description: 'Requests the kubelets send to the API server by status code; errors here mean node and pod status updates are not getting through.' }));

  processRow(b, k, 'node', '{{node}}', 'kubelet');
  return finalize(b.build());
}

/** CoreDNS: queries, responses by code, latency, cache, upstreams. */
export function corednsDashboard(o: DashboardOptions): dash.Dashboard {
  const b = systemDashboard(o, SYSTEM_UIDS.coredns, 'CoreDNS', 'Cluster DNS: query rate by type and protocol, responses by code, latency, cache hit ratio and the upstream resolvers it forwards to.').withVariable(
    queryVariable('pod', `label_values(up{job="${JOBS.coredns}"}, pod)`, { label: 'Pod' }),
  );
  const d = `job="${JOBS.coredns}", pod=~"$pod"`;
  const fwd = `${d}, proxy_name="forward"`;

  b.withRow(row('Overview'))
    .withPanel(statPanel('CoreDNS pods up', [promql(`sum(up{${d}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('red', [[1, 'green']]), description: 'CoreDNS pods whose /metrics answered the last scrape.' }))
    .withPanel(statPanel('Queries / s', [promql(rate('coredns_dns_requests_total', d), '', { instant: true })], { w: 4, h: 4, unit: 'reqps', decimals: 1, sparkline: true, description: 'DNS queries received per second.' }))
    .withPanel(statPanel('SERVFAIL share', [promql(`${rate('coredns_dns_responses_total', `${d}, rcode="SERVFAIL"`)}\n/\n${rate('coredns_dns_responses_total', d)}`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), description: 'Share of responses that were SERVFAIL: CoreDNS could not get an answer (upstream down, plugin error).' }))
    .withPanel(statPanel('p99 latency', [promql(quantile(0.99, 'coredns_dns_request_duration_seconds', d), '', { instant: true })], { w: 4, h: 4, unit: 's', decimals: 3, thresholds: thresholds('green', [[0.1, 'orange'], [1, 'red']]), sparkline: true, description: '99th percentile of the time to answer a query (cache hits and forwarded queries together).' }))
    .withPanel(statPanel('Cache hit ratio', [promql(`${rate('coredns_cache_hits_total', d)}\n/\n${rate('coredns_cache_requests_total', d)}`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, thresholds: thresholds('orange', [[0.5, 'green']]), description: 'Share of queries answered from the cache.' }))
    .withPanel(statPanel('Panics in range', [promql(`sum(increase(coredns_panics_total{${d}}[$__range]))`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, noValue: '0', thresholds: thresholds('green', [[1, 'red']]), description: 'Panics CoreDNS recovered from over the dashboard time range.' }));

  b.withRow(row('Queries'))
    .withPanel(timeseriesPanel('Queries / s by record type', [promql(rate('coredns_dns_requests_total', d, 'type'), '{{type}}')], { w: 8, h: 8, unit: 'reqps', min: 0, stack: true, description: 'Queries per second by record type (A, AAAA, SRV, PTR, ...). Many AAAA or search-path misses come from ndots:5.' }))
    .withPanel(timeseriesPanel('Queries / s by protocol', [promql(rate('coredns_dns_requests_total', d, 'proto'), '{{proto}}')], { w: 8, h: 8, unit: 'reqps', min: 0, stack: true, description: 'Queries per second over UDP and TCP (TCP after truncated answers or by client choice).' }))
    .withPanel(timeseriesPanel('Queries / s by pod', [promql(rate('coredns_dns_requests_total', d, 'pod'), '{{pod}}')], { w: 8, h: 8, unit: 'reqps', min: 0, description: 'Queries per second each CoreDNS pod receives; an uneven spread points at conntrack or node-local caching.' }));

  b.withRow(row('Responses'))
    .withPanel(timeseriesPanel('Responses / s by code', [promql(rate('coredns_dns_responses_total', d, 'rcode'), '{{rcode}}')], { w: 8, h: 8, unit: 'reqps', min: 0, stack: true, description: 'Responses per second by DNS response code: NXDOMAIN is usually search-path expansion; SERVFAIL and REFUSED are failures.' }))
    .withPanel(timeseriesPanel('Latency', [promql(quantile(0.99, 'coredns_dns_request_duration_seconds', d), 'p99'), promql(quantile(0.9, 'coredns_dns_request_duration_seconds', d), 'p90'), promql(quantile(0.5, 'coredns_dns_request_duration_seconds', d), 'p50')], { w: 8, h: 8, unit: 's', min: 0, description: 'Query latency quantiles; p50 near zero is the cache, the tail is forwarding.' }))
    .withPanel(heatmapPanel('Latency distribution', [promql(`sum by (le) (rate(coredns_dns_request_duration_seconds_bucket{${d}}[$__rate_interval]))`, '{{le}}', { format: 'heatmap' })], { w: 8, h: 8, unit: 's', description: 'Queries per latency bucket over time.' }));

  b.withRow(row('Cache and upstreams'))
    .withPanel(timeseriesPanel('Cache hits by kind', [promql(`${rate('coredns_cache_hits_total', d, 'type')}\n/ ignoring (type) group_left\n${rate('coredns_cache_requests_total', d)}`, '{{type}}')], { w: 6, h: 8, unit: 'percentunit', min: 0, max: 1, stack: true, description: 'Share of queries answered from the cache, positive (success) and negative (denial) answers.' }))
    .withPanel(timeseriesPanel('Cache entries', [promql(`sum by (type) (coredns_cache_entries{${d}})`, '{{type}}')], { w: 6, h: 8, unit: 'short', min: 0, description: 'Entries in the caches; flat at the capacity means answers are evicted early.' }))
    .withPanel(timeseriesPanel('Forwarded / s by upstream and code', [promql(rate('coredns_proxy_request_duration_seconds_count', fwd, 'to, rcode'), '{{to}} {{rcode}}')], { w: 6, h: 8, unit: 'reqps', min: 0, description: 'Queries forwarded to each upstream resolver per second, by the code it answered.' }))
    .withPanel(timeseriesPanel('Upstream p99 latency', [promql(quantile(0.99, 'coredns_proxy_request_duration_seconds', fwd, 'to'), '{{to}}')], { w: 6, h: 8, unit: 's', min: 0, description: 'How long each upstream resolver takes to answer (99th percentile).' }));

  processRow(b, d, 'pod', '{{pod}}', 'CoreDNS');
  return finalize(b.build());
}
