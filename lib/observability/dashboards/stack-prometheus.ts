import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, promql, queryVariable, row, statPanel, tablePanel, thresholds, timeseriesPanel } from './common';
import { JOBS } from './k8s-common';
import type { DashboardOptions } from './types';

export const PROMETHEUS_UID = 'stack-prometheus';

const OK_MAPPING: dash.ValueMapping[] = [{ type: dash.MappingType.ValueToText, options: { '0': { text: 'FAILED', color: 'red', index: 0 }, '1': { text: 'OK', color: 'green', index: 1 } } }];

/**
 * Prometheus overview: is every replica scraping, storing, evaluating and notifying, and how
 * hard is it working. The stack-health dashboard keeps a summary; this one goes deeper.
 */
export function prometheusDashboard(o: DashboardOptions): dash.Dashboard {
  const b = baseDashboard({
    uid: PROMETHEUS_UID,
    title: 'Prometheus overview',
    description: 'The stack\'s Prometheus replicas: scrape targets and their health, TSDB ingestion and storage, rule evaluation, alert delivery to Alertmanager, query load and the process itself.',
    tags: ['stack', 'prometheus'],
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('pod', `label_values(prometheus_build_info{job="${JOBS.prometheus}"}, pod)`, { label: 'Replica' }));
  const p = `job="${JOBS.prometheus}", pod=~"$pod"`;
  const rate = (metric: string, by = '', extra = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}{${p}${extra}}[$__rate_interval]))`;

  b.withRow(row('Overview'))
    .withPanel(statPanel('Replicas up', [promql(`sum(up{${p}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('red', [[1, 'green']]), description: 'Prometheus replicas that answered their own scrape.' }))
    .withPanel(statPanel('Head series', [promql(`max(prometheus_tsdb_head_series{${p}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Active series in the in-memory head block of the largest replica; memory use follows it.' }))
    .withPanel(statPanel('Samples / s', [promql(`max(rate(prometheus_tsdb_head_samples_appended_total{${p}}[$__rate_interval]))`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Samples appended per second by the busiest replica.' }))
    .withPanel(statPanel('Targets down', [promql('count(up == 0) or vector(0)', '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('green', [[1, 'red']]), description: 'Scrape targets (all jobs) whose last scrape failed.' }))
    .withPanel(statPanel('Config reloaded', [promql(`min(prometheus_config_last_reload_successful{${p}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', mappings: OK_MAPPING, description: 'Whether every replica loaded its last configuration; when not, it keeps running the previous one.' }))
    .withPanel(statPanel('Rule evaluation failures / s', [promql(rate('prometheus_rule_evaluation_failures_total'), '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.001, 'red']]), description: 'Failed rule evaluations per second: the affected alerts and recordings are not being computed.' }));

  b.withRow(row('Scraping'))
    .withPanel(
      tablePanel('Targets by job', [promql('count by (job) (up)', '', { instant: true, format: 'table' }), promql('sum by (job) (1 - up)', '', { instant: true, format: 'table' })], {
        w: 8,
        h: 9,
        description: 'Scrape targets per job, and how many of them failed their last scrape.',
        noValue: '0',
        transformations: [
          { id: 'merge', options: {} },
          { id: 'organize', options: { excludeByName: { Time: true }, indexByName: { job: 0, 'Value #A': 1, 'Value #B': 2 }, renameByName: { 'Value #A': 'Targets', 'Value #B': 'Down' } } },
        ],
        overrides: [{ matcher: { id: 'byName', options: 'Down' }, properties: [{ id: 'custom.cellOptions', value: { type: 'color-text' } }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] } }] }],
      }),
    )
    .withPanel(timeseriesPanel('Scrape duration by job (slowest target)', [promql('max by (job) (scrape_duration_seconds)', '{{job}}')], { w: 8, h: 9, unit: 's', min: 0, description: 'Duration of the slowest target\'s last scrape per job; a scrape that runs into its timeout fails and its target shows as down.' }))
    .withPanel(timeseriesPanel('Actual scrape interval p99', [promql(`max by (interval) (prometheus_target_interval_length_seconds{${p}, quantile="0.99"})`, 'configured {{interval}}')], { w: 8, h: 9, unit: 's', min: 0, description: 'The 99th percentile of the time between two scrapes of a target, per configured interval; well above the configured value means Prometheus cannot keep up.' }))
    .withPanel(timeseriesPanel('Samples scraped by job', [promql('sum by (job) (scrape_samples_post_metric_relabeling)', '{{job}}')], { w: 12, h: 8, unit: 'short', min: 0, stack: true, description: 'Samples each job\'s targets returned in their last scrape (after metric relabelling): where the series come from.' }))
    .withPanel(
      timeseriesPanel(
        'Samples rejected / s',
        [
          promql(rate('prometheus_target_scrapes_sample_out_of_order_total'), 'out of order'),
          promql(rate('prometheus_target_scrapes_sample_duplicate_timestamp_total'), 'duplicate timestamp'),
          promql(rate('prometheus_target_scrapes_sample_out_of_bounds_total'), 'out of bounds'),
          promql(rate('prometheus_target_scrapes_exceeded_sample_limit_total'), 'scrapes over the sample limit'),
        ],
        { w: 12, h: 8, unit: 'short', min: 0, description: 'Samples dropped at ingestion and scrapes refused for exceeding sample_limit: exporters with clashing series or clocks, or a target that grew too big.' },
      ),
    );

  b.withRow(row('Storage'))
    .withPanel(timeseriesPanel('Head series', [promql(`sum by (pod) (prometheus_tsdb_head_series{${p}})`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Active series per replica; a jump follows a new target or a label with many values.' }))
    .withPanel(timeseriesPanel('Head chunks', [promql(`sum by (pod) (prometheus_tsdb_head_chunks{${p}})`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Chunks held in the head block per replica.' }))
    .withPanel(timeseriesPanel('Samples appended / s', [promql(rate('prometheus_tsdb_head_samples_appended_total', 'pod'), '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Samples appended to the head per second per replica.' }))
    .withPanel(timeseriesPanel('Block storage size', [promql(`sum by (pod) (prometheus_tsdb_storage_blocks_bytes{${p}})`, '{{pod}}')], { w: 8, h: 8, unit: 'bytes', min: 0, description: 'Bytes of persisted blocks per replica (retention deletes the oldest).' }))
    .withPanel(
      timeseriesPanel(
        'TSDB failures',
        [
          promql(`sum by (pod) (increase(prometheus_tsdb_compactions_failed_total{${p}}[1h]))`, '{{pod}} compactions'),
          promql(`sum by (pod) (increase(prometheus_tsdb_reloads_failures_total{${p}}[1h]))`, '{{pod}} block reloads'),
          promql(`sum by (pod) (increase(prometheus_tsdb_wal_corruptions_total{${p}}[1h]))`, '{{pod}} WAL corruptions'),
        ],
        { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, thresholds: thresholds('green', [[1, 'red']]), description: 'Failed compactions and block reloads and WAL corruptions over the hour before each point; any is worth a look at the logs (disk full, corrupt block).' },
      ),
    )
    .withPanel(timeseriesPanel('WAL fsync p99', [promql(`max by (pod) (prometheus_tsdb_wal_fsync_duration_seconds{${p}, quantile="0.99"})`, '{{pod}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'How long the write-ahead log takes to reach the disk (99th percentile); slow fsyncs slow ingestion down.' }));

  b.withRow(row('Rules and alerts'))
    .withPanel(timeseriesPanel('Rule group duration / interval', [promql(`max by (rule_group) (\n  prometheus_rule_group_last_duration_seconds{${p}}\n  / prometheus_rule_group_interval_seconds{${p}}\n)`, '{{rule_group}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.8, 'orange'], [1, 'red']]), description: 'How much of its interval each group\'s last evaluation took; at 100 % evaluations are skipped.' }))
    .withPanel(timeseriesPanel('Missed rule evaluations / s', [promql(rate('prometheus_rule_group_iterations_missed_total', 'rule_group'), '{{rule_group}}')], { w: 8, h: 8, unit: 'short', min: 0, thresholds: thresholds('green', [[0.001, 'red']]), description: 'Evaluations skipped because the previous one was still running.' }))
    .withPanel(timeseriesPanel('Rule evaluation failures / s', [promql(rate('prometheus_rule_evaluation_failures_total', 'rule_group'), '{{rule_group}}')], { w: 8, h: 8, unit: 'short', min: 0, thresholds: thresholds('green', [[0.001, 'red']]), description: 'Failed evaluations per group (a query error, a many-to-many match, a result with duplicate labels).' }))
    .withPanel(timeseriesPanel('Alertmanagers discovered', [promql(`min by (pod) (prometheus_notifications_alertmanagers_discovered{${p}})`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, description: 'Alertmanager instances each replica sends alerts to; 0 means alerts go nowhere.' }))
    .withPanel(timeseriesPanel('Notification queue', [promql(`max by (pod) (prometheus_notifications_queue_length{${p}})`, '{{pod}} queued'), promql(`max(prometheus_notifications_queue_capacity{${p}})`, 'capacity')], { w: 8, h: 8, unit: 'short', min: 0, dashed: 'capacity', description: 'Alerts waiting to be sent to Alertmanager; at the capacity new alerts are dropped.' }))
    .withPanel(timeseriesPanel('Alerts sent / failed / dropped', [promql(rate('prometheus_notifications_sent_total', 'pod'), '{{pod}} sent'), promql(rate('prometheus_notifications_errors_total', 'pod'), '{{pod}} errors'), promql(rate('prometheus_notifications_dropped_total', 'pod'), '{{pod}} dropped')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Alerts per second sent to Alertmanager, failed to send, and dropped.' }));

  b.withRow(row('Queries'))
    .withPanel(timeseriesPanel('Query duration p99 by stage', [promql(`max by (slice) (prometheus_engine_query_duration_seconds{${p}, quantile="0.99"})`, '{{slice}}')], { w: 8, h: 8, unit: 's', min: 0, description: '99th percentile of query time per stage (queue wait, preparation, evaluation, result sorting); dashboards and rules share this engine.' }))
    .withPanel(timeseriesPanel('Concurrent queries', [promql(`sum by (pod) (prometheus_engine_queries{${p}})`, '{{pod}}'), promql(`max(prometheus_engine_queries_concurrent_max{${p}})`, 'limit')], { w: 8, h: 8, unit: 'short', min: 0, dashed: 'limit', description: 'Queries running or queued per replica; at the limit further queries wait.' }))
    .withPanel(timeseriesPanel('HTTP requests / s by handler (top 10)', [promql(`topk(10, ${rate('prometheus_http_requests_total', 'handler')})`, '{{handler}}')], { w: 8, h: 8, unit: 'reqps', min: 0, description: 'API and UI requests per second by handler (query, query_range, federate, ...).' }));

  b.withRow(row('Process'))
    .withPanel(timeseriesPanel('Memory (RSS)', [promql(`sum by (pod) (process_resident_memory_bytes{${p}})`, '{{pod}}')], { w: 8, h: 7, unit: 'bytes', min: 0, description: 'Resident memory per replica; mostly the head block and the page cache of queried blocks.' }))
    .withPanel(timeseriesPanel('CPU', [promql(rate('process_cpu_seconds_total', 'pod'), '{{pod}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'CPU cores used per replica.' }))
    .withPanel(timeseriesPanel('Go heap in use', [promql(`sum by (pod) (go_memstats_heap_inuse_bytes{${p}})`, '{{pod}}')], { w: 8, h: 7, unit: 'bytes', min: 0, description: 'Heap bytes in use per replica: what garbage collection cannot free.' }));

  return finalize(b.build());
}
