import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { agentsNamespace } from '../../components/namespace';
import { DATASOURCE_UIDS } from '../../render/grafana';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, promql, queryVariable, row, statPanel, tablePanel, thresholds, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const STACK_HEALTH_UID = 'stack-health';

const UP_MAPPING: dash.ValueMapping[] = [
  { type: dash.MappingType.ValueToText, options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } } },
];

/**
 * The monitoring stack watching itself: scrape targets, Prometheus, Alertmanager, Thanos,
 * Loki, the log collector, Grafana, and the resources and volumes of the stack's pods. Its
 * datasource defaults to Prometheus itself, not Thanos Query, so it still works when Thanos
 * does not.
 */
export function stackHealthDashboard(o: DashboardOptions): dash.Dashboard {
  const ns = 'namespace="$namespace"';
  const agents = `namespace="${agentsNamespace('${namespace}')}"`;
  const r = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}{${ns}${extra}}[$__rate_interval]))`;

  const b = baseDashboard({
    uid: STACK_HEALTH_UID,
    title: 'Observability stack health',
    description: 'Is the monitoring itself working: targets, Prometheus, Alertmanager, Thanos, Loki, log collection and Grafana.',
    tags: ['stack', 'meta-monitoring'],
  })
    .withVariable(datasourceVariable(DATASOURCE_UIDS.prometheus))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', 'label_values(up, namespace)', { label: 'Stack namespace', multi: false, current: o.namespace }));

  b.withRow(row('Targets and storage'))
    .withPanel(statPanel('Targets down', [promql(`count(up{${ns}} == 0) or vector(0)`, '', { instant: true })], { w: 4, h: 8, unit: 'short', decimals: 0, thresholds: thresholds('green', [[1, 'red']]), description: 'Scrape targets of the stack namespace that failed their last scrape.' }))
    .withPanel(
      tablePanel('Scrape targets', [promql(`up{${ns}}`, '', { instant: true, format: 'table' })], {
        w: 10,
        h: 8,
        description: 'Every target of the stack namespace and whether its last scrape succeeded.',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, __name__: true, instance: true, node: true, namespace: true }, indexByName: { job: 0, pod: 1, container: 2, Value: 3 }, renameByName: { Value: 'State' } } }],
        overrides: [{ matcher: { id: 'byName', options: 'State' }, properties: [{ id: 'mappings', value: UP_MAPPING }, { id: 'custom.cellOptions', value: { type: 'color-text' } }] }],
      }),
    )
    .withPanel(
      timeseriesPanel('Volume usage', [promql(`max by (persistentvolumeclaim) (\n  kubelet_volume_stats_used_bytes{${ns}}\n  / kubelet_volume_stats_capacity_bytes{${ns}}\n)`, '{{persistentvolumeclaim}}')], {
        w: 10,
        h: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        description: 'Used share of each PersistentVolumeClaim of the stack (TSDB, Alertmanager, Loki, Thanos caches).',
        thresholds: thresholds('green', [[0.8, 'orange'], [0.9, 'red']]),
      }),
    );

  b.withRow(row('Prometheus'))
    .withPanel(timeseriesPanel('Head series', [promql(`sum by (pod) (prometheus_tsdb_head_series{${ns}})`, '{{pod}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Series in the in-memory head block per replica (memory use follows it).' }))
    .withPanel(timeseriesPanel('Samples ingested / s', [promql(r('prometheus_tsdb_head_samples_appended_total', 'pod'), '{{pod}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Samples appended to the head per second per replica.' }))
    .withPanel(
      timeseriesPanel('Rule evaluation failures / s', [promql(r('prometheus_rule_evaluation_failures_total', 'pod, rule_group'), '{{pod}} {{rule_group}}')], {
        w: 8,
        h: 7,
        unit: 'short',
        min: 0,
        description: 'Failed rule evaluations: alerts and recordings of these groups are not being computed.',
        thresholds: thresholds('green', [[0.001, 'red']]),
      }),
    )
    .withPanel(
      timeseriesPanel('Rule group duration / interval', [promql(`max by (rule_group) (\n  prometheus_rule_group_last_duration_seconds{${ns}}\n  / prometheus_rule_group_interval_seconds{${ns}}\n)`, '{{rule_group}}')], {
        w: 8,
        h: 7,
        unit: 'percentunit',
        min: 0,
        description: 'Time the last evaluation took over the group interval; at 1 evaluations are skipped.',
        thresholds: thresholds('green', [[0.8, 'orange'], [1, 'red']]),
      }),
    )
    .withPanel(timeseriesPanel('Alert notifications dropped / failed', [promql(r('prometheus_notifications_dropped_total', 'pod'), '{{pod}} dropped'), promql(r('prometheus_notifications_errors_total', 'pod'), '{{pod}} errors')], { w: 8, h: 7, unit: 'short', min: 0, description: 'Alerts Prometheus could not deliver to Alertmanager.', thresholds: thresholds('green', [[0.001, 'red']]) }))
    .withPanel(statPanel('Config reloaded', [promql(`min(prometheus_config_last_reload_successful{${ns}})`, '', { instant: true })], { w: 8, h: 7, unit: 'short', mappings: [{ type: dash.MappingType.ValueToText, options: { '0': { text: 'FAILED', color: 'red', index: 0 }, '1': { text: 'OK', color: 'green', index: 1 } } }], description: 'Whether every replica loaded its last configuration.' }));

  if (o.alertmanager) {
    b.withRow(row('Alertmanager'))
      .withPanel(timeseriesPanel('Alerts by state', [promql(`max by (state) (alertmanager_alerts{${ns}})`, '{{state}}')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Alerts Alertmanager holds (active, suppressed, unprocessed); replicas hold the same alerts, so the max is shown.' }))
      .withPanel(timeseriesPanel('Notifications / s by integration', [promql(r('alertmanager_notifications_total', 'integration'), '{{integration}}')], { w: 6, h: 7, unit: 'short', min: 0, stack: true, description: 'Notifications sent per second per receiver integration (all replicas).' }))
      .withPanel(timeseriesPanel('Failed notifications / s', [promql(r('alertmanager_notifications_failed_total', 'integration'), '{{integration}}')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Notifications that failed (Slack, PagerDuty, email or webhook unreachable or refusing).', thresholds: thresholds('green', [[0.001, 'red']]) }))
      .withPanel(timeseriesPanel('Cluster members', [promql(`min by (pod) (alertmanager_cluster_members{${ns}})`, '{{pod}}'), promql(`count(alertmanager_cluster_members{${ns}})`, 'replicas')], { w: 6, h: 7, unit: 'short', min: 0, dashed: 'replicas', description: 'Peers each replica sees in the gossip cluster; below the replica count the cluster is split and notifications may be duplicated.' }));
  }

  if (o.thanos) {
    const thanos = `${ns}, job=~"thanos.*"`;
    b.withRow(row('Thanos'))
      .withPanel(timeseriesPanel('Store endpoints connected', [promql(`sum by (pod, store_type) (thanos_store_nodes_grpc_connections{${ns}})`, '{{pod}} {{store_type}}')], { w: 8, h: 7, unit: 'short', min: 0, description: 'StoreAPI endpoints (sidecars, store gateways) each Thanos Query is connected to.' }))
      .withPanel(timeseriesPanel('Query latency p99', [promql(`histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{${thanos}, handler=~"query|query_range"}[$__rate_interval])))`, '{{handler}}')], { w: 8, h: 7, unit: 's', min: 0, description: '99th percentile of Thanos Query instant and range query duration.' }))
      .withPanel(
        timeseriesPanel('Query error ratio', [promql(`sum(rate(http_requests_total{${thanos}, code=~"5.."}[$__rate_interval]))\n/\nsum(rate(http_requests_total{${thanos}}[$__rate_interval]))`, '5xx')], {
          w: 8,
          h: 7,
          unit: 'percentunit',
          min: 0,
          description: 'Share of Thanos HTTP requests answered with 5xx.',
          thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]),
        }),
      )
      .withPanel(statPanel('Sidecars see Prometheus', [promql(`min(thanos_sidecar_prometheus_up{${ns}})`, '', { instant: true })], { w: 6, h: 7, unit: 'short', mappings: UP_MAPPING, description: 'Whether every Thanos sidecar reaches its Prometheus.' }))
      .withPanel(timeseriesPanel('Block upload failures', [promql(`sum by (pod) (increase(thanos_shipper_upload_failures_total{${ns}}[$__rate_interval]))`, '{{pod}}')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Blocks the sidecars failed to upload to object storage.', thresholds: thresholds('green', [[1, 'red']]) }))
      .withPanel(statPanel('Compactor halted', [promql(`max(thanos_compact_halted{${ns}})`, '', { instant: true })], { w: 6, h: 7, unit: 'short', noValue: 'not running', mappings: [{ type: dash.MappingType.ValueToText, options: { '0': { text: 'OK', color: 'green', index: 0 }, '1': { text: 'HALTED', color: 'red', index: 1 } } }], description: 'A halted compactor stops compaction, downsampling and retention until restarted.' }))
      .withPanel(timeseriesPanel('Object storage failures / s', [promql(r('thanos_objstore_bucket_operation_failures_total', 'job, operation'), '{{job}} {{operation}}')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Failed bucket operations per component and operation.', thresholds: thresholds('green', [[0.001, 'red']]) }));
  }

  if (o.loki) {
    b.withRow(row('Loki'))
      .withPanel(timeseriesPanel('Requests / s by status', [promql(r('loki_request_duration_seconds_count', 'status_code'), '{{status_code}}')], { w: 6, h: 7, unit: 'reqps', min: 0, stack: true, description: 'Loki HTTP and gRPC requests per second by status code.' }))
      .withPanel(timeseriesPanel('Push and query latency p99', [promql(`histogram_quantile(0.99, sum by (le, route) (rate(loki_request_duration_seconds_bucket{${ns}, route=~"loki_api_v1_push|loki_api_v1_query_range|loki_api_v1_query"}[$__rate_interval])))`, '{{route}}')], { w: 6, h: 7, unit: 's', min: 0, description: '99th percentile duration of pushes and queries.' }))
      .withPanel(timeseriesPanel('Lines received / s', [promql(`sum(rate(loki_distributor_lines_received_total{${ns}}[$__rate_interval]))`, 'lines'), promql(`sum(rate(loki_distributor_bytes_received_total{${ns}}[$__rate_interval]))`, 'bytes')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Log lines and bytes accepted by the distributor per second.' }))
      .withPanel(timeseriesPanel('Lines discarded / s by reason', [promql(r('loki_discarded_samples_total', 'reason'), '{{reason}}')], { w: 6, h: 7, unit: 'short', min: 0, description: 'Lines refused by limits (rate limit, line too long, too old, stream limit): these logs are lost.', thresholds: thresholds('green', [[0.001, 'red']]) }));
  }

  if (o.logCollector) {
    const collector: Record<string, Array<[string, string, string]>> = {
      alloy: [
        ['Entries sent / s', `sum by (pod) (rate(loki_write_sent_entries_total{${agents}}[$__rate_interval]))`, '{{pod}}'],
        ['Entries dropped / s', `sum by (pod, reason) (rate(loki_write_dropped_entries_total{${agents}}[$__rate_interval]))`, '{{pod}} {{reason}}'],
      ],
      promtail: [
        ['Entries sent / s', `sum by (pod) (rate(promtail_sent_entries_total{${agents}}[$__rate_interval]))`, '{{pod}}'],
        ['Entries dropped / s', `sum by (pod) (rate(promtail_dropped_entries_total{${agents}}[$__rate_interval]))`, '{{pod}}'],
      ],
      fluentd: [
        ['Output retries', `sum by (pod, plugin_id) (fluentd_output_status_retry_count{${agents}})`, '{{pod}} {{plugin_id}}'],
        ['Output errors / s', `sum by (pod, plugin_id) (rate(fluentd_output_status_num_errors{${agents}}[$__rate_interval]))`, '{{pod}} {{plugin_id}}'],
      ],
    };
    const [sent, dropped] = collector[o.logCollector];
    b.withRow(row(`Log collector (${o.logCollector})`))
      .withPanel(timeseriesPanel('Agents up', [promql(`sum by (job) (up{${agents}})`, '{{job}} up'), promql(`count by (job) (up{${agents}})`, '{{job}} total')], { w: 8, h: 7, unit: 'short', min: 0, dashed: '.* total', description: 'Node agents answering their scrape, against the number expected (one per node).' }))
      .withPanel(timeseriesPanel(sent[0], [promql(sent[1], sent[2])], { w: 8, h: 7, unit: 'short', min: 0, description: 'Log entries the collector delivered per second.' }))
      .withPanel(timeseriesPanel(dropped[0], [promql(dropped[1], dropped[2])], { w: 8, h: 7, unit: 'short', min: 0, description: 'Log entries the collector gave up on, or output errors: these logs are lost or delayed.', thresholds: thresholds('green', [[0.001, 'red']]) }));
  }

  b.withRow(row('Grafana'))
    .withPanel(timeseriesPanel('Requests / s by status', [promql(r('grafana_http_request_duration_seconds_count', 'status_code'), '{{status_code}}')], { w: 6, h: 7, unit: 'reqps', min: 0, stack: true, description: 'Grafana HTTP requests per second by status code.' }))
    .withPanel(
      timeseriesPanel('5xx ratio', [promql(`sum(rate(grafana_http_request_duration_seconds_count{${ns}, status_code=~"5.."}[$__rate_interval]))\n/\nsum(rate(grafana_http_request_duration_seconds_count{${ns}}[$__rate_interval]))`, '5xx')], {
        w: 6,
        h: 7,
        unit: 'percentunit',
        min: 0,
        description: 'Share of Grafana requests answered with 5xx.',
        thresholds: thresholds('green', [[0.05, 'red']]),
      }),
    )
    .withPanel(timeseriesPanel('Slowest handlers p99', [promql(`topk(5, histogram_quantile(0.99, sum by (le, handler) (rate(grafana_http_request_duration_seconds_bucket{${ns}}[$__rate_interval]))))`, '{{handler}}')], { w: 6, h: 7, unit: 's', min: 0, description: 'The five handlers with the highest 99th percentile duration.' }))
    .withPanel(timeseriesPanel('Datasource requests / s', [promql(r('grafana_datasource_request_total', 'datasource, code'), '{{datasource}} {{code}}')], { w: 6, h: 7, unit: 'reqps', min: 0, description: 'Requests Grafana sent to each datasource, by response code.' }));

  b.withRow(row('Resources'))
    .withPanel(timeseriesPanel('CPU by pod', [promql(`sum by (pod) (rate(container_cpu_usage_seconds_total{${ns}, container!=""}[$__rate_interval]))`, '{{pod}}')], { w: 12, h: 8, unit: 'short', min: 0, description: 'CPU cores used by each pod of the stack.' }))
    .withPanel(timeseriesPanel('Memory by pod', [promql(`sum by (pod) (container_memory_working_set_bytes{${ns}, container!=""})`, '{{pod}}')], { w: 12, h: 8, unit: 'bytes', min: 0, description: 'Working-set memory of each pod of the stack.' }));

  return finalize(b.build());
}
