import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, promql, queryVariable, row, statPanel, thresholds, timeseriesPanel } from './common';
import { JOBS } from './k8s-common';
import type { DashboardOptions } from './types';

export const ALERTMANAGER_UID = 'stack-alertmanager';

/**
 * Alertmanager overview: alerts coming in, notifications going out per integration (and how
 * long they take, and which fail), silences, and the health of the gossip cluster that keeps
 * the replicas from notifying twice.
 */
export function alertmanagerDashboard(o: DashboardOptions): dash.Dashboard {
  const b = baseDashboard({
    uid: ALERTMANAGER_UID,
    title: 'Alertmanager overview',
    description: 'The stack\'s Alertmanager replicas: alerts received, notifications sent and failed per integration with their latency, silences, and the gossip cluster.',
    tags: ['stack', 'alertmanager'],
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('pod', `label_values(alertmanager_build_info{job="${JOBS.alertmanager}"}, pod)`, { label: 'Replica' }));
  const a = `job="${JOBS.alertmanager}", pod=~"$pod"`;
  const rate = (metric: string, by = '', extra = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}{${a}${extra}}[$__rate_interval]))`;

  b.withRow(row('Overview'))
    .withPanel(statPanel('Replicas up', [promql(`sum(up{${a}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('red', [[1, 'green']]), description: 'Alertmanager replicas that answered their scrape.' }))
    .withPanel(statPanel('Cluster members (fewest seen)', [promql(`min(alertmanager_cluster_members{${a}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Peers the replica that sees the fewest counts in its gossip cluster (itself included); below the replica count the cluster is split and notifications can go out twice.' }))
    .withPanel(statPanel('Active alerts', [promql(`max(alertmanager_alerts{${a}, state="active"})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, sparkline: true, description: 'Alerts active and not silenced or inhibited (the replicas hold the same alerts, so the largest count is shown).' }))
    .withPanel(statPanel('Active silences', [promql(`max(alertmanager_silences{${a}, state="active"})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Silences in force now.' }))
    .withPanel(statPanel('Failed notifications / s', [promql(rate('alertmanager_notifications_failed_total'), '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, noValue: '0', thresholds: thresholds('green', [[0.001, 'red']]), description: 'Notifications that failed per second, all integrations and replicas: someone is not being paged.' }))
    .withPanel(statPanel('Config reloaded', [promql(`min(alertmanager_config_last_reload_successful{${a}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', mappings: [{ type: dash.MappingType.ValueToText, options: { '0': { text: 'FAILED', color: 'red', index: 0 }, '1': { text: 'OK', color: 'green', index: 1 } } }], description: 'Whether every replica loaded its last configuration; when not, it keeps routing with the previous one.' }));

  b.withRow(row('Alerts'))
    .withPanel(timeseriesPanel('Alerts received / s', [promql(rate('alertmanager_alerts_received_total', 'status'), '{{status}}'), promql(rate('alertmanager_alerts_invalid_total'), 'invalid')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Alerts received from Prometheus per second (firing and resolved; Prometheus re-sends firing alerts at every evaluation), and alerts rejected as invalid.' }))
    .withPanel(timeseriesPanel('Alerts by state', [promql(`max by (state) (alertmanager_alerts{${a}})`, '{{state}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Alerts held: active, suppressed (silenced or inhibited), unprocessed.' }))
    .withPanel(timeseriesPanel('Silences by state', [promql(`max by (state) (alertmanager_silences{${a}})`, '{{state}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Silences active, pending (start in the future) and expired (kept for a while).' }));

  b.withRow(row('Notifications'))
    .withPanel(timeseriesPanel('Notifications / s by integration', [promql(rate('alertmanager_notifications_total', 'integration'), '{{integration}}')], { w: 8, h: 8, unit: 'short', min: 0, stack: true, description: 'Notifications attempted per second per integration (Slack, PagerDuty, email, webhook), all replicas.' }))
    .withPanel(timeseriesPanel('Failed notifications / s by integration', [promql(rate('alertmanager_notifications_failed_total', 'integration'), '{{integration}}')], { w: 8, h: 8, unit: 'short', min: 0, thresholds: thresholds('green', [[0.001, 'red']]), description: 'Notifications that failed after all retries per integration: the receiver is unreachable, refuses the credentials or rate-limits.' }))
    .withPanel(timeseriesPanel('Notification latency p99 by integration', [promql(`histogram_quantile(0.99, sum by (le, integration) (rate(alertmanager_notification_latency_seconds_bucket{${a}}[$__rate_interval])))`, '{{integration}}')], { w: 8, h: 8, unit: 's', min: 0, description: 'How long delivering a notification takes per integration (99th percentile), retries included.' }))
    .withPanel(timeseriesPanel('Requests to receivers / s', [promql(rate('alertmanager_notification_requests_total', 'integration'), '{{integration}} requests'), promql(rate('alertmanager_notification_requests_failed_total', 'integration'), '{{integration}} failed')], { w: 12, h: 8, unit: 'short', min: 0, description: 'Individual requests to each receiver (a notification can take several attempts) and the ones that failed.' }))
    .withPanel(timeseriesPanel('Aggregation groups', [promql(`max by (pod) (alertmanager_dispatcher_aggregation_groups{${a}})`, '{{pod}}')], { w: 12, h: 8, unit: 'short', min: 0, description: 'Alert groups the dispatcher tracks (one per route and group_by value set); a jump means alerts with a new label value per group.' }));

  b.withRow(row('Cluster'))
    .withPanel(timeseriesPanel('Members seen by each replica', [promql(`max by (pod) (alertmanager_cluster_members{${a}})`, '{{pod}}'), promql(`count(alertmanager_cluster_members{${a}})`, 'replicas')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 0, dashed: 'replicas', description: 'Peers each replica sees; dashed: the replicas scraped. Fewer means a split cluster.' }))
    .withPanel(timeseriesPanel('Cluster health score', [promql(`max by (pod) (alertmanager_cluster_health_score{${a}})`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Memberlist\'s health score per replica: 0 is healthy, higher means the replica struggles to reach its peers in time.' }))
    .withPanel(timeseriesPanel('Gossip messages / s', [promql(rate('alertmanager_cluster_messages_received_total', 'pod'), '{{pod}} received'), promql(rate('alertmanager_cluster_messages_sent_total', 'pod'), '{{pod}} sent')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Gossip messages (notification log and silences) per replica; silence here with several replicas means they do not talk.' }));

  b.withRow(row('Process'))
    .withPanel(timeseriesPanel('Memory (RSS)', [promql(`sum by (pod) (process_resident_memory_bytes{${a}})`, '{{pod}}')], { w: 12, h: 7, unit: 'bytes', min: 0, description: 'Resident memory per replica.' }))
    .withPanel(timeseriesPanel('CPU', [promql(rate('process_cpu_seconds_total', 'pod'), '{{pod}}')], { w: 12, h: 7, unit: 'short', min: 0, description: 'CPU cores used per replica.' }));

  return finalize(b.build());
}
