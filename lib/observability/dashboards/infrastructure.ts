import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { M } from '../../../exporter/src/catalogue';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, heatmapPanel, promql, queryVariable, row, statPanel, thresholds, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const INFRASTRUCTURE_UID = 'stack-app-infrastructure';

/** The application's infrastructure as the exporter reports it: DB pool, queries, caches, queues. */
export function infrastructureDashboard(o: DashboardOptions): dash.Dashboard {
  const s = 'namespace=~"$namespace", job=~"$service"';
  const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}{${s}${extra}}[$__rate_interval]))`;
  const quantile = (q: number, histogram: string, by: string) => `histogram_quantile(${q}, sum by (le, ${by}) (rate(${histogram}_bucket{${s}}[$__rate_interval])))`;

  const b = baseDashboard({
    uid: INFRASTRUCTURE_UID,
    title: 'Application infrastructure',
    description: 'Database connection pools, query latency, cache hit ratio, queue depth and processing time (app exporter), and the exporter\'s own health.',
    tags: ['infrastructure'],
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', `label_values(${M.exporterBuildInfo}, namespace)`, { label: 'Namespace' }))
    .withVariable(queryVariable('service', `label_values(${M.exporterBuildInfo}{namespace=~"$namespace"}, job)`, { label: 'Service' }));

  const poolUse = `sum by (pool) (${M.dbPoolConnections}{${s}, state="active"})\n/\nsum by (pool) (${M.dbPoolMaxConnections}{${s}})`;
  const hitRatio = `${rate(M.cacheHits, 'cache')}\n/\n(${rate(M.cacheHits, 'cache')} + ${rate(M.cacheMisses, 'cache')})`;

  b.withRow(row('Database'))
    .withPanel(
      timeseriesPanel('Pool connections by state', [promql(`sum by (pool, state) (${M.dbPoolConnections}{${s}})`, '{{pool}} {{state}}'), promql(`sum by (pool) (${M.dbPoolMaxConnections}{${s}})`, '{{pool}} max')], {
        w: 8,
        h: 8,
        unit: 'short',
        min: 0,
        stack: true,
        dashed: '.* max',
        description: 'Open connections (active and idle) per pool, stacked; dashed: the pool size limit.',
      }),
    )
    .withPanel(timeseriesPanel('Pool utilisation', [promql(poolUse, '{{pool}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, description: 'Active connections over the pool size; near 1 requests start to wait.', thresholds: thresholds('green', [[0.8, 'orange'], [0.95, 'red']]) }))
    .withPanel(timeseriesPanel('Clients waiting for a connection', [promql(`sum by (pool) (${M.dbPoolWaiters}{${s}})`, '{{pool}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Clients blocked waiting for a pooled connection (saturation).', thresholds: thresholds('green', [[1, 'orange']]) }))
    .withPanel(timeseriesPanel('Query latency p95 / p99 by operation', [promql(quantile(0.95, M.dbQueryDuration, 'operation'), 'p95 {{operation}}'), promql(quantile(0.99, M.dbQueryDuration, 'operation'), 'p99 {{operation}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'Query duration quantiles by SQL operation, from the histogram.' }))
    .withPanel(heatmapPanel('Query latency distribution', [promql(`sum by (le) (rate(${M.dbQueryDuration}_bucket{${s}}[$__rate_interval]))`, '{{le}}', { format: 'heatmap' })], { w: 8, h: 8, unit: 's', description: 'Queries per duration bucket over time.' }))
    .withPanel(timeseriesPanel('Queries / s by operation', [promql(rate(`${M.dbQueryDuration}_count`, 'operation'), '{{operation}}')], { w: 8, h: 8, unit: 'ops', stack: true, min: 0, description: 'Queries per second by SQL operation.' }));

  b.withRow(row('Caches'))
    .withPanel(statPanel('Hit ratio (all caches)', [promql(`sum(rate(${M.cacheHits}{${s}}[$__rate_interval]))\n/\n(sum(rate(${M.cacheHits}{${s}}[$__rate_interval])) + sum(rate(${M.cacheMisses}{${s}}[$__rate_interval])))`, '', { instant: true })], { w: 6, h: 8, unit: 'percentunit', decimals: 1, description: 'Share of cache lookups that found the entry.', thresholds: thresholds('red', [[0.5, 'orange'], [0.8, 'green']]), sparkline: true }))
    .withPanel(timeseriesPanel('Hit ratio by cache', [promql(hitRatio, '{{cache}}')], { w: 9, h: 8, unit: 'percentunit', min: 0, max: 1, description: 'Hits over lookups per cache.' }))
    .withPanel(timeseriesPanel('Lookups / s by cache', [promql(rate(M.cacheHits, 'cache'), '{{cache}} hits'), promql(rate(M.cacheMisses, 'cache'), '{{cache}} misses')], { w: 9, h: 8, unit: 'ops', min: 0, description: 'Cache hits and misses per second.' }));

  b.withRow(row('Queues'))
    .withPanel(timeseriesPanel('Queue depth', [promql(`sum by (queue) (${M.queueDepth}{${s}})`, '{{queue}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Messages waiting per queue; a steady climb means consumers cannot keep up.' }))
    .withPanel(timeseriesPanel('Processing time p50 / p95 / p99', [0.5, 0.95, 0.99].map((q) => promql(quantile(q, M.queueProcessingDuration, 'queue'), `p${q * 100} {{queue}}`)), { w: 8, h: 8, unit: 's', min: 0, description: 'Time to process one message, quantiles from the histogram.' }))
    .withPanel(timeseriesPanel('Messages processed / s', [promql(rate(`${M.queueProcessingDuration}_count`, 'queue'), '{{queue}}')], { w: 8, h: 8, unit: 'ops', min: 0, stack: true, description: 'Messages processed per second (throughput) per queue.' }));

  b.withRow(row('Exporter health'))
    .withPanel(timeseriesPanel('Series per metric', [promql(`max by (metric) (${M.exporterSeries}{${s}})`, '{{metric}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Label sets admitted per metric (capped by --max-series).' }))
    .withPanel(timeseriesPanel('Observations refused by the series cap', [promql(rate(M.exporterSeriesDropped, 'metric'), '{{metric}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Observations per second that would have created a series over the cap.' }))
    .withPanel(timeseriesPanel('Label values folded into "other"', [promql(rate(M.exporterLabelValuesFolded, 'metric, label'), '{{metric}} {{label}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Unknown or malformed label values recorded as "other" per second.' }));

  return finalize(b.build());
}
