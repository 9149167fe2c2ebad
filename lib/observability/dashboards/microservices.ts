import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { M } from '../../../exporter/src/catalogue';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, heatmapPanel, promql, queryVariable, row, statPanel, thresholds, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const MICROSERVICES_UID = 'stack-microservices';

/**
 * Microservices, RED and USE per service: request rate, errors, latency (heatmap and
 * p50/p95/p99 from the histogram), request/response sizes, then the pods' CPU, memory, CPU
 * throttling and restarts. Services are the `job` label (the pod's `app.kubernetes.io/name`),
 * pods come from the service's own series so the resource panels follow the service.
 */
export function microservicesDashboard(o: DashboardOptions): dash.Dashboard {
  const svc = 'namespace=~"$namespace", job=~"$service"';
  const pods = 'namespace=~"$namespace", pod=~"$pod"';
  const rate = (metric: string, extra = '', by = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}{${svc}${extra}}[$__rate_interval]))`;
  const quantile = (q: number, histogram: string, by = '') => `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${histogram}_bucket{${svc}}[$__rate_interval])))`;
  const errorRatio = `${rate(M.httpRequests, ', status_class="5xx"')}\n/\n${rate(M.httpRequests)}`;

  const b = baseDashboard({
    uid: MICROSERVICES_UID,
    title: 'Microservices (RED / USE)',
    description: 'Rate, errors and duration of each service, and the utilisation and saturation of its pods.',
    tags: ['services', 'red', 'use'],
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', `label_values(${M.httpRequests}, namespace)`, { label: 'Namespace' }))
    .withVariable(queryVariable('service', `label_values(${M.httpRequests}{namespace=~"$namespace"}, job)`, { label: 'Service' }))
    .withVariable(queryVariable('pod', `label_values(${M.httpRequests}{${svc}}, pod)`, { label: 'Pod' }));

  b.withRow(row('Overview'))
    .withPanel(statPanel('Requests / s', [promql(rate(M.httpRequests), '', { instant: true })], { w: 6, h: 4, unit: 'reqps', decimals: 1, description: 'Requests completed per second over the last rate interval, all selected services.', sparkline: true }))
    .withPanel(
      statPanel('Error ratio (5xx)', [promql(errorRatio, '', { instant: true })], {
        w: 6,
        h: 4,
        unit: 'percentunit',
        decimals: 2,
        noValue: '0',
        description: 'Share of requests answered with a 5xx status.',
        thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]),
        sparkline: true,
      }),
    )
    .withPanel(statPanel('p99 latency', [promql(quantile(0.99, M.httpRequestDuration), '', { instant: true })], { w: 6, h: 4, unit: 's', decimals: 3, description: '99th percentile of request duration (interpolated within histogram buckets).', thresholds: thresholds('green', [[0.5, 'orange'], [1, 'red']]), sparkline: true }))
    .withPanel(statPanel('Container restarts (range)', [promql(`sum(increase(kube_pod_container_status_restarts_total{${pods}}[$__range]))`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 0, noValue: '0', description: 'Container restarts of the selected pods over the dashboard time range.', thresholds: thresholds('green', [[1, 'orange'], [5, 'red']]) }));

  b.withRow(row('Rate and errors'))
    .withPanel(timeseriesPanel('Request rate by route', [promql(rate(M.httpRequests, '', 'route'), '{{route}}')], { w: 12, h: 8, unit: 'reqps', stack: true, description: 'Requests per second by route template.' }))
    .withPanel(timeseriesPanel('Request rate by status class', [promql(rate(M.httpRequests, '', 'status_class'), '{{status_class}}')], { w: 12, h: 8, unit: 'reqps', stack: true, description: 'Requests per second by HTTP status class.' }))
    .withPanel(
      timeseriesPanel('Error ratio (5xx) by route', [promql(`${rate(M.httpRequests, ', status_class="5xx"', 'route')}\n/\n${rate(M.httpRequests, '', 'route')}`, '{{route}}')], {
        w: 12,
        h: 8,
        unit: 'percentunit',
        min: 0,
        description: 'Share of each route\'s requests answered with 5xx. The dashed lines are the alert library\'s default warning (2%) and critical (10%) ratios.',
        thresholds: thresholds('green', [[0.02, 'orange'], [0.1, 'red']]),
      }),
    )
    .withPanel(timeseriesPanel('Errors by type', [promql(rate(M.errors, '', 'type'), '{{type}}')], { w: 12, h: 8, unit: 'short', stack: true, description: 'Application errors per second by error type (timeouts, dependency failures, ...).' }));

  b.withRow(row('Duration'))
    .withPanel(heatmapPanel('Request duration distribution', [promql(`sum by (le) (rate(${M.httpRequestDuration}_bucket{${svc}}[$__rate_interval]))`, '{{le}}', { format: 'heatmap' })], { w: 12, h: 9, unit: 's', description: 'Requests per histogram bucket over time; darker cells hold more requests.' }))
    .withPanel(
      timeseriesPanel(
        'Request duration p50 / p95 / p99',
        [promql(quantile(0.5, M.httpRequestDuration), 'p50'), promql(quantile(0.95, M.httpRequestDuration), 'p95'), promql(quantile(0.99, M.httpRequestDuration), 'p99')],
        { w: 12, h: 9, unit: 's', min: 0, description: 'Quantiles estimated from the request-duration histogram (linear interpolation inside a bucket).' },
      ),
    )
    .withPanel(timeseriesPanel('p99 by route', [promql(`topk(10, ${quantile(0.99, M.httpRequestDuration, 'route')})`, '{{route}}')], { w: 12, h: 8, unit: 's', min: 0, description: 'The ten slowest routes by 99th percentile duration.' }))
    .withPanel(
      timeseriesPanel(
        'Request and response size p95',
        [promql(quantile(0.95, M.httpRequestSize), 'request p95'), promql(quantile(0.95, M.httpResponseSize), 'response p95'), promql(`${rate(`${M.httpResponseSize}_sum`)}\n/\n${rate(`${M.httpResponseSize}_count`)}`, 'response mean')],
        { w: 12, h: 8, unit: 'bytes', min: 0, description: 'Body sizes from the request- and response-size histograms (observed when the size is known).' },
      ),
    );

  const cpu = `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}, container!=""}[$__rate_interval]))`;
  const mem = `sum by (pod) (container_memory_working_set_bytes{${pods}, container!=""})`;
  b.withRow(row('Resources (USE)'))
    .withPanel(timeseriesPanel('CPU usage', [promql(cpu, '{{pod}}'), promql(`sum by (pod) (kube_pod_container_resource_requests{${pods}, resource="cpu"})`, '{{pod}} request')], { w: 8, h: 8, unit: 'short', min: 0, dashed: '.* request', description: 'CPU cores used per pod (cAdvisor); dashed: the pod\'s CPU request (kube-state-metrics).' }))
    .withPanel(timeseriesPanel('Memory working set', [promql(mem, '{{pod}}'), promql(`sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="memory"})`, '{{pod}} limit')], { w: 8, h: 8, unit: 'bytes', min: 0, dashed: '.* limit', description: 'Working-set memory per pod (what the OOM killer compares to the limit); dashed: the memory limit.' }))
    .withPanel(
      timeseriesPanel('CPU throttling', [promql(`sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{${pods}, container!=""}[$__rate_interval]))\n/\nsum by (pod) (rate(container_cpu_cfs_periods_total{${pods}, container!=""}[$__rate_interval]))`, '{{pod}}')], {
        w: 8,
        h: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        description: 'Share of CFS periods in which the pod was throttled (only pods with a CPU limit are throttled).',
        thresholds: thresholds('green', [[0.25, 'orange']]),
      }),
    )
    .withPanel(timeseriesPanel('Container restarts', [promql(`sum by (pod, container) (increase(kube_pod_container_status_restarts_total{${pods}}[$__rate_interval]))`, '{{pod}}/{{container}}')], { w: 12, h: 7, unit: 'short', min: 0, description: 'Container restarts per rate interval.' }))
    .withPanel(timeseriesPanel('Last termination: OOMKilled', [promql(`max by (pod, container) (kube_pod_container_status_last_terminated_reason{${pods}, reason="OOMKilled"})`, '{{pod}}/{{container}}')], { w: 12, h: 7, unit: 'short', min: 0, max: 1, description: '1 while the last termination of a container was an OOM kill (raise its memory limit or fix the leak).' }));

  return finalize(b.build());
}
