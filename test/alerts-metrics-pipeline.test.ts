import { renderRuleFile, ruleGroupProblems, isAlertingRule, RuleGroup } from '../lib/observability/rule-group';
import {
  EXPORTERS_GROUP,
  PROMETHEUS_GROUP,
  THANOS_GROUP,
  exporterAlerts,
  metricsPipelineAlerts,
  prometheusAlerts,
  thanosAlerts,
} from '../lib/observability/alerts/metrics-pipeline';
import { runbookAnchor } from '../lib/observability/alerts/common';
import { toYaml } from '../lib/render/yaml';
import { promtool, withFiles } from './support/tools';

const RUNBOOKS = 'https://runbooks.example.com/metrics-pipeline/';
const groups = metricsPipelineAlerts({ runbookBaseUrl: RUNBOOKS, kubeStateMetrics: true, nodeExporter: true, thanosQueryExpectedEndpoints: 3 });

/** The Prometheus alerts are kube-prometheus's: public runbooks. Thanos and the exporters are the stack's own. */
const runbook = (alert: string) =>
  alert.startsWith('Prometheus') && alert !== 'PrometheusWALCorruptions'
    ? `https://runbooks.prometheus-operator.dev/runbooks/prometheus/${alert.toLowerCase()}`
    : `https://runbooks.example.com/metrics-pipeline#${runbookAnchor(alert)}`;

/** Annotations an alert of these groups carries (summary and runbook come from the rule). */
function annotations(alertname: string, description: string): Record<string, string> {
  const rule = groups.flatMap((g) => g.rules).find((r) => isAlertingRule(r) && r.alert === alertname);
  if (!rule || !isAlertingRule(rule)) throw new Error(`no alert ${alertname}`);
  return { summary: rule.annotations!.summary, description, runbook_url: runbook(alertname) };
}

const PROM = { job: 'prometheus', namespace: 'monitoring', pod: 'prometheus-0', container: 'prometheus', instance: '10.244.1.10:9090', node: 'node-a' };
function series(name: string, labels: Record<string, string>, values: string): { series: string; values: string } {
  const ls = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  return { series: `${name}{${ls}}`, values };
}

interface AlertCase {
  readonly name: string;
  readonly input: { series: string; values: string }[];
  readonly evalTime: string;
  readonly alertname: string;
  readonly expect: { labels: Record<string, string>; description: string }[];
}

const crit = { severity: 'critical', category: 'infrastructure' };
const warn = { severity: 'warning', category: 'infrastructure' };
const podLabels = { namespace: 'monitoring', pod: 'prometheus-0' };

/** Each alert: a case where it fires and at least one where it must stay quiet. */
const cases: AlertCase[] = [
  {
    name: 'config reload failed for 15m fires',
    input: [series('prometheus_config_last_reload_successful', PROM, '1x10 0x30')],
    evalTime: '35m',
    alertname: 'PrometheusBadConfig',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 has failed to reload its configuration for 10 minutes; it still runs the previous configuration and rules. Check its logs for the error.' }],
  },
  { name: 'reload failing for 3 minutes then fixed stays quiet', input: [series('prometheus_config_last_reload_successful', PROM, '1x10 0x3 1x30')], evalTime: '35m', alertname: 'PrometheusBadConfig', expect: [] },
  {
    name: 'rule evaluations failing continuously fires',
    input: [series('prometheus_rule_evaluation_failures_total', { ...PROM, rule_group: '/etc/prometheus/rules/app.rules.yaml;app' }, '0+1x40')],
    evalTime: '30m',
    alertname: 'PrometheusRuleFailures',
    expect: [
      {
        labels: { ...PROM, rule_group: '/etc/prometheus/rules/app.rules.yaml;app', ...crit },
        description: 'Prometheus monitoring/prometheus-0 failed 5 evaluations of rule group /etc/prometheus/rules/app.rules.yaml;app in the last 5 minutes: alerts of that group may not fire.',
      },
    ],
  },
  { name: 'a single failed evaluation stays quiet', input: [series('prometheus_rule_evaluation_failures_total', { ...PROM, rule_group: 'g' }, '0x10 1x30')], evalTime: '40m', alertname: 'PrometheusRuleFailures', expect: [] },
  {
    name: 'compactions failing for hours fires',
    input: [series('prometheus_tsdb_compactions_failed_total', PROM, '0+1x420')],
    evalTime: '6h',
    alertname: 'PrometheusTSDBCompactionsFailing',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 had 180 compaction failures over the last 3 hours. The head block keeps growing (memory, disk) and no block is uploaded to object storage until compaction succeeds.' }],
  },
  { name: 'no compaction failure stays quiet', input: [series('prometheus_tsdb_compactions_failed_total', PROM, '0x420')], evalTime: '6h', alertname: 'PrometheusTSDBCompactionsFailing', expect: [] },
  {
    name: 'a WAL corruption fires',
    input: [series('prometheus_tsdb_wal_corruptions_total', PROM, '0x30 1x30')],
    evalTime: '35m',
    alertname: 'PrometheusWALCorruptions',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 found 1 WAL corruptions in the last 10 minutes; the samples after the corruption were dropped on repair. Check the volume for disk errors or unclean shutdowns (OOM kills).' }],
  },
  { name: 'an old WAL corruption no longer fires', input: [series('prometheus_tsdb_wal_corruptions_total', PROM, '0x30 1x30')], evalTime: '55m', alertname: 'PrometheusWALCorruptions', expect: [] },
  {
    name: 'notification queue filling fast fires',
    input: [series('prometheus_notifications_queue_length', PROM, '0+200x60'), series('prometheus_notifications_queue_capacity', PROM, '10000x60')],
    evalTime: '50m',
    alertname: 'PrometheusNotificationQueueRunningFull',
    expect: [{ labels: { ...PROM, ...warn }, description: 'The alert notification queue of Prometheus monitoring/prometheus-0 is filling up; once full, alerts are dropped.' }],
  },
  {
    name: 'a stable notification queue stays quiet',
    input: [series('prometheus_notifications_queue_length', PROM, '50x60'), series('prometheus_notifications_queue_capacity', PROM, '10000x60')],
    evalTime: '50m',
    alertname: 'PrometheusNotificationQueueRunningFull',
    expect: [],
  },
  {
    name: 'errors to one Alertmanager fire the "some" alert only',
    input: [
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://10.244.1.20:9093/api/v2/alerts' }, '0+5x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://10.244.1.20:9093/api/v2/alerts' }, '0+100x40'),
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://10.244.2.21:9093/api/v2/alerts' }, '0x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://10.244.2.21:9093/api/v2/alerts' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
    expect: [
      {
        labels: { ...PROM, alertmanager: 'http://10.244.1.20:9093/api/v2/alerts', ...warn },
        description: '5.0% of the alerts sent by Prometheus monitoring/prometheus-0 to Alertmanager http://10.244.1.20:9093/api/v2/alerts fail.',
      },
    ],
  },
  {
    name: 'no errors stay quiet',
    input: [
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
    expect: [],
  },
  {
    name: 'errors to one Alertmanager do not fire the "any" alert',
    input: [
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0+50x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0+100x40'),
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://b:9093/api/v2/alerts' }, '0x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://b:9093/api/v2/alerts' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
    expect: [],
  },
  {
    name: 'errors to every Alertmanager fire the "any" alert',
    input: [
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0+10x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://a:9093/api/v2/alerts' }, '0+100x40'),
      series('prometheus_notifications_errors_total', { ...PROM, alertmanager: 'http://b:9093/api/v2/alerts' }, '0+20x40'),
      series('prometheus_notifications_sent_total', { ...PROM, alertmanager: 'http://b:9093/api/v2/alerts' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
    expect: [{ labels: { ...PROM, ...crit }, description: '10.0% minimum errors while sending alerts from Prometheus monitoring/prometheus-0 to all Alertmanagers: its alerts reach nobody.' }],
  },
  {
    name: 'no Alertmanager discovered fires',
    input: [series('prometheus_notifications_alertmanagers_discovered', PROM, '2x5 0x30')],
    evalTime: '30m',
    alertname: 'PrometheusNotConnectedToAlertmanagers',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 has no Alertmanager to send alerts to (discovery finds none ready). Only the other replica, if connected, can deliver this alert.' }],
  },
  { name: 'two Alertmanagers discovered stays quiet', input: [series('prometheus_notifications_alertmanagers_discovered', PROM, '2x35')], evalTime: '30m', alertname: 'PrometheusNotConnectedToAlertmanagers', expect: [] },
  {
    name: 'service discovery refresh failing for 20 minutes fires',
    input: [series('prometheus_sd_refresh_failures_total', { ...PROM, mechanism: 'http', config: 'extra-targets' }, '0+1x40')],
    evalTime: '25m',
    alertname: 'PrometheusSDRefreshFailure',
    expect: [{ labels: { ...PROM, mechanism: 'http', config: 'extra-targets', ...warn }, description: 'Prometheus monitoring/prometheus-0 has been failing to refresh its http service discovery of extra-targets for 20 minutes: the targets it finds are stale.' }],
  },
  { name: 'no refresh failure stays quiet', input: [series('prometheus_sd_refresh_failures_total', { ...PROM, mechanism: 'http', config: 'x' }, '3x40')], evalTime: '25m', alertname: 'PrometheusSDRefreshFailure', expect: [] },
  {
    name: 'Kubernetes list/watch failing fires',
    input: [series('prometheus_sd_kubernetes_failures_total', PROM, '0+1x40')],
    evalTime: '20m',
    alertname: 'PrometheusKubernetesListWatchFailures',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 has been failing to list or watch Kubernetes objects for 15 minutes: its targets are stale. Check its RBAC (ClusterRole) and the API server.' }],
  },
  { name: 'no list/watch failure stays quiet', input: [series('prometheus_sd_kubernetes_failures_total', PROM, '0x40')], evalTime: '20m', alertname: 'PrometheusKubernetesListWatchFailures', expect: [] },
  {
    name: 'TSDB reloads failing for hours fires',
    input: [series('prometheus_tsdb_reloads_failures_total', PROM, '0+1x420')],
    evalTime: '6h',
    alertname: 'PrometheusTSDBReloadsFailing',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 had 180 failures to load its TSDB blocks from disk over the last 3 hours: new blocks are not queryable and old ones are not deleted. Check its logs and the volume.' }],
  },
  { name: 'no TSDB reload failure stays quiet', input: [series('prometheus_tsdb_reloads_failures_total', PROM, '0x420')], evalTime: '6h', alertname: 'PrometheusTSDBReloadsFailing', expect: [] },
  {
    name: 'no sample appended while there are targets fires',
    input: [series('prometheus_tsdb_head_samples_appended_total', { ...PROM, type: 'float' }, '1e6x30'), series('prometheus_target_scrape_pool_targets', { ...PROM, scrape_job: 'kubernetes-pods' }, '10x30')],
    evalTime: '15m',
    alertname: 'PrometheusNotIngestingSamples',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 has appended no sample for 10 minutes although it has scrape targets or rules: no new data is stored, and alerts on it go blind.' }],
  },
  {
    name: 'no sample appended while there are rules fires',
    input: [series('prometheus_tsdb_head_samples_appended_total', { ...PROM, type: 'float' }, '1e6x30'), series('prometheus_rule_group_rules', { ...PROM, rule_group: '/etc/prometheus/rules/a.yaml;a' }, '3x30')],
    evalTime: '15m',
    alertname: 'PrometheusNotIngestingSamples',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 has appended no sample for 10 minutes although it has scrape targets or rules: no new data is stored, and alerts on it go blind.' }],
  },
  {
    name: 'ingesting, or nothing to ingest, stays quiet',
    input: [
      series('prometheus_tsdb_head_samples_appended_total', { ...PROM, type: 'float' }, '1e6+6000x30'),
      series('prometheus_target_scrape_pool_targets', { ...PROM, scrape_job: 'kubernetes-pods' }, '10x30'),
      series('prometheus_tsdb_head_samples_appended_total', { ...PROM, pod: 'prometheus-1', type: 'float' }, '1e6x30'),
      series('prometheus_target_scrape_pool_targets', { ...PROM, pod: 'prometheus-1', scrape_job: 'kubernetes-pods' }, '0x30'),
      series('prometheus_rule_group_rules', { ...PROM, pod: 'prometheus-1', rule_group: 'g' }, '0x30'),
    ],
    evalTime: '15m',
    alertname: 'PrometheusNotIngestingSamples',
    expect: [],
  },
  {
    name: 'samples dropped for duplicate timestamps fire',
    input: [series('prometheus_target_scrapes_sample_duplicate_timestamp_total', PROM, '0+60x30')],
    evalTime: '15m',
    alertname: 'PrometheusDuplicateTimestamps',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 drops 1 samples/s that have the same timestamp as another sample of their series but a different value: a target exposes the same series twice (or relabelling makes two series one).' }],
  },
  { name: 'no duplicate timestamps stay quiet', input: [series('prometheus_target_scrapes_sample_duplicate_timestamp_total', PROM, '7x30')], evalTime: '15m', alertname: 'PrometheusDuplicateTimestamps', expect: [] },
  {
    name: 'samples dropped out of order fire',
    input: [series('prometheus_target_scrapes_sample_out_of_order_total', PROM, '0+120x30')],
    evalTime: '15m',
    alertname: 'PrometheusOutOfOrderTimestamps',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 drops 2 samples/s older than the newest sample of their series: a target exposes explicit timestamps that go backwards, or two targets write the same series.' }],
  },
  { name: 'no out-of-order samples stay quiet', input: [series('prometheus_target_scrapes_sample_out_of_order_total', PROM, '0x30')], evalTime: '15m', alertname: 'PrometheusOutOfOrderTimestamps', expect: [] },
  {
    name: 'skipped rule group evaluations fire',
    input: [series('prometheus_rule_group_iterations_missed_total', { ...PROM, rule_group: '/etc/prometheus/rules/slos.rules.yaml;slo-availability' }, '0+1x30')],
    evalTime: '20m',
    alertname: 'PrometheusMissingRuleEvaluations',
    expect: [
      {
        labels: { ...PROM, rule_group: '/etc/prometheus/rules/slos.rules.yaml;slo-availability', ...warn },
        description: "Prometheus monitoring/prometheus-0 skipped 5 evaluations of rule group /etc/prometheus/rules/slos.rules.yaml;slo-availability in the last 5 minutes: one evaluation takes longer than the group's interval, so its alerts react late.",
      },
    ],
  },
  { name: 'no skipped evaluation stays quiet', input: [series('prometheus_rule_group_iterations_missed_total', { ...PROM, rule_group: 'g' }, '2x30')], evalTime: '20m', alertname: 'PrometheusMissingRuleEvaluations', expect: [] },
  ...(
    [
      ['PrometheusTargetLimitHit', 'prometheus_target_scrape_pool_exceeded_target_limit_total', 'Prometheus monitoring/prometheus-0 has had scrape jobs with more targets than their target_limit for 15 minutes: the whole job is not scraped.'],
      ['PrometheusLabelLimitHit', 'prometheus_target_scrape_pool_exceeded_label_limits_total', "Prometheus monitoring/prometheus-0 has had targets with more labels, or longer label names or values, than their scrape job's label limits for 15 minutes: those targets are not scraped."],
      ['PrometheusScrapeBodySizeLimitHit', 'prometheus_target_scrapes_exceeded_body_size_limit_total', 'Prometheus monitoring/prometheus-0 has rejected scrapes whose response exceeds body_size_limit for 15 minutes: those targets have no data.'],
      ['PrometheusScrapeSampleLimitHit', 'prometheus_target_scrapes_exceeded_sample_limit_total', 'Prometheus monitoring/prometheus-0 has rejected scrapes with more samples than their sample_limit for 15 minutes: those targets have no data.'],
    ] as const
  ).flatMap(([alertname, metric, description]): AlertCase[] => [
    { name: `${metric} growing fires ${alertname}`, input: [series(metric, PROM, '0+1x30')], evalTime: '20m', alertname, expect: [{ labels: { ...PROM, ...warn }, description }] },
    { name: `${metric} flat keeps ${alertname} quiet`, input: [series(metric, PROM, '4x30')], evalTime: '20m', alertname, expect: [] },
  ]),
  {
    name: 'a target sync failure fires (critical)',
    input: [series('prometheus_target_sync_failed_total', { ...PROM, scrape_job: 'kubernetes-pods' }, '0x10 1x30')],
    evalTime: '20m',
    alertname: 'PrometheusTargetSyncFailure',
    expect: [
      {
        labels: { ...PROM, scrape_job: 'kubernetes-pods', ...crit },
        description: 'Prometheus monitoring/prometheus-0 failed to sync the targets of scrape job kubernetes-pods (1 times in 30 minutes), usually an invalid relabelled address or label: that job is not scraped. Its logs name the error.',
      },
    ],
  },
  { name: 'a sync failure more than 30 minutes ago stays quiet', input: [series('prometheus_target_sync_failed_total', { ...PROM, scrape_job: 'kubernetes-pods' }, '0x10 1x40')], evalTime: '45m', alertname: 'PrometheusTargetSyncFailure', expect: [] },
  {
    name: '90% of the concurrent queries in use fires',
    input: [series('prometheus_engine_queries', PROM, '18x30'), series('prometheus_engine_queries_concurrent_max', PROM, '20x30')],
    evalTime: '15m',
    alertname: 'PrometheusHighQueryLoad',
    expect: [{ labels: { ...PROM, ...warn }, description: 'Prometheus monitoring/prometheus-0 runs on average 90% of its maximum of concurrent queries (--query.max-concurrency): queries, rule evaluations included, start to wait.' }],
  },
  { name: '20% of the concurrent queries stays quiet', input: [series('prometheus_engine_queries', PROM, '4x30'), series('prometheus_engine_queries_concurrent_max', PROM, '20x30')], evalTime: '15m', alertname: 'PrometheusHighQueryLoad', expect: [] },
  {
    name: 'a halted compactor fires',
    input: [series('thanos_compact_halted', { job: 'thanos-compact', namespace: 'monitoring', pod: 'thanos-compact-0', container: 'thanos-compact', instance: 'x:10902' }, '0x5 1x20')],
    evalTime: '20m',
    alertname: 'ThanosCompactHalted',
    expect: [
      {
        labels: { namespace: 'monitoring', pod: 'thanos-compact-0', ...warn },
        description: 'Thanos Compact monitoring/thanos-compact-0 hit an unexpected error and halted: compaction, downsampling and retention no longer run. Its logs name the block; it resumes only after a restart.',
      },
    ],
  },
  { name: 'a running compactor stays quiet', input: [series('thanos_compact_halted', { job: 'thanos-compact', namespace: 'monitoring', pod: 'thanos-compact-0' }, '0x30')], evalTime: '20m', alertname: 'ThanosCompactHalted', expect: [] },
  {
    name: 'sidecar uploads failing for an hour fire',
    input: [series('thanos_shipper_upload_failures_total', { job: 'thanos-sidecar', ...podLabels, container: 'thanos-sidecar' }, '0+1x90')],
    evalTime: '70m',
    alertname: 'ThanosSidecarUploadFailing',
    expect: [
      {
        labels: { ...podLabels, ...warn },
        description: 'The Thanos sidecar of monitoring/prometheus-0 has been failing to upload TSDB blocks for 45 minutes. Blocks exist only on the Prometheus volume until uploaded, and Prometheus deletes them at its retention.',
      },
    ],
  },
  { name: 'one failed upload, retried successfully, stays quiet', input: [series('thanos_shipper_upload_failures_total', { job: 'thanos-sidecar', ...podLabels }, '0x10 1x80')], evalTime: '70m', alertname: 'ThanosSidecarUploadFailing', expect: [] },
  {
    name: 'sidecar without its Prometheus fires',
    input: [series('thanos_sidecar_prometheus_up', { job: 'thanos-sidecar', ...podLabels, container: 'thanos-sidecar' }, '1x5 0x20')],
    evalTime: '20m',
    alertname: 'ThanosSidecarPrometheusDown',
    expect: [{ labels: { ...podLabels, ...warn }, description: 'The Thanos sidecar of monitoring/prometheus-0 cannot reach Prometheus: it serves no recent data to Thanos Query and uploads nothing.' }],
  },
  { name: 'sidecar with its Prometheus stays quiet', input: [series('thanos_sidecar_prometheus_up', { job: 'thanos-sidecar', ...podLabels }, '1x30')], evalTime: '20m', alertname: 'ThanosSidecarPrometheusDown', expect: [] },
  {
    name: 'store gateway failing 10% of bucket operations fires',
    input: [
      series('thanos_objstore_bucket_operation_failures_total', { job: 'thanos-store', namespace: 'monitoring', pod: 'thanos-store-0', operation: 'get' }, '0+10x40'),
      series('thanos_objstore_bucket_operations_total', { job: 'thanos-store', namespace: 'monitoring', pod: 'thanos-store-0', operation: 'get' }, '0+100x40'),
      series('thanos_objstore_bucket_operation_failures_total', { job: 'thanos-compact', namespace: 'monitoring', pod: 'thanos-compact-0', operation: 'get' }, '0x40'),
      series('thanos_objstore_bucket_operations_total', { job: 'thanos-compact', namespace: 'monitoring', pod: 'thanos-compact-0', operation: 'get' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'ThanosBucketOperationsFailing',
    expect: [
      {
        labels: { job: 'thanos-store', namespace: 'monitoring', ...warn },
        description: 'thanos-store in namespace monitoring fails 10% of its object storage operations: check the bucket credentials, permissions and reachability.',
      },
    ],
  },
  {
    name: '1% failed bucket operations stay quiet',
    input: [
      series('thanos_objstore_bucket_operation_failures_total', { job: 'thanos-sidecar', ...podLabels, operation: 'upload' }, '0+1x40'),
      series('thanos_objstore_bucket_operations_total', { job: 'thanos-sidecar', ...podLabels, operation: 'upload' }, '0+100x40'),
    ],
    evalTime: '30m',
    alertname: 'ThanosBucketOperationsFailing',
    expect: [],
  },
  {
    name: 'store gateway down fires',
    input: [series('up', { job: 'thanos-store', namespace: 'monitoring', pod: 'thanos-store-0', instance: 'x:10902' }, '1x5 0x20')],
    evalTime: '20m',
    alertname: 'ThanosStoreGatewayUnavailable',
    expect: [{ labels: warn, description: 'No thanos-store target has been up for 10 minutes: Thanos Query cannot read the object storage, so queries beyond Prometheus retention return partial or no data.' }],
  },
  {
    name: 'store gateway with no target at all fires',
    input: [series('up', { job: 'prometheus', ...podLabels }, '1x30')],
    evalTime: '20m',
    alertname: 'ThanosStoreGatewayUnavailable',
    expect: [{ labels: warn, description: 'No thanos-store target has been up for 10 minutes: Thanos Query cannot read the object storage, so queries beyond Prometheus retention return partial or no data.' }],
  },
  {
    name: 'one of two store gateways up stays quiet',
    input: [
      series('up', { job: 'thanos-store', namespace: 'monitoring', pod: 'thanos-store-0' }, '0x30'),
      series('up', { job: 'thanos-store', namespace: 'monitoring', pod: 'thanos-store-1' }, '1x30'),
    ],
    evalTime: '20m',
    alertname: 'ThanosStoreGatewayUnavailable',
    expect: [],
  },
  {
    name: 'a running query with no endpoint fires',
    input: [series('up', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', instance: 'x:10902' }, '1x20')],
    evalTime: '10m',
    alertname: 'ThanosQueryNoStoreEndpoints',
    expect: [
      {
        labels: { namespace: 'monitoring', pod: 'thanos-query-abc', ...crit },
        description: 'Thanos Query monitoring/thanos-query-abc is up but connected to no sidecar, store gateway or remote endpoint: every query through it returns no data. Check the endpoints it discovers (dnssrv+ records of the headless Services) in its logs.',
      },
    ],
  },
  {
    name: 'a connected query stays quiet, a down query is left to TargetDown',
    input: [
      series('up', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc' }, '1x20'),
      series('thanos_store_nodes_grpc_connections', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', store_type: 'sidecar', external_labels: '{cluster="prod"}' }, '2x20'),
      series('thanos_store_nodes_grpc_connections', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', store_type: 'store', external_labels: '' }, '1x20'),
      series('up', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-def' }, '0x20'),
    ],
    evalTime: '10m',
    alertname: 'ThanosQueryNoStoreEndpoints',
    expect: [],
  },
  {
    name: 'a query with 2 of 3 endpoints fires "missing"',
    input: [
      series('up', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc' }, '1x30'),
      series('thanos_store_nodes_grpc_connections', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', store_type: 'sidecar' }, '2x30'),
    ],
    evalTime: '20m',
    alertname: 'ThanosQueryEndpointsMissing',
    expect: [
      {
        labels: { namespace: 'monitoring', pod: 'thanos-query-abc', ...warn },
        description: 'Thanos Query monitoring/thanos-query-abc is connected to 2 StoreAPI endpoints instead of 3: queries miss the data of the missing ones (a Prometheus replica, the store gateway or a remote cluster).',
      },
    ],
  },
  {
    name: 'a query with all 3 endpoints stays quiet',
    input: [
      series('up', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc' }, '1x30'),
      series('thanos_store_nodes_grpc_connections', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', store_type: 'sidecar' }, '2x30'),
      series('thanos_store_nodes_grpc_connections', { job: 'thanos-query', namespace: 'monitoring', pod: 'thanos-query-abc', store_type: 'store' }, '1x30'),
    ],
    evalTime: '20m',
    alertname: 'ThanosQueryEndpointsMissing',
    expect: [],
  },
  {
    name: 'kube-state-metrics down fires',
    input: [series('up', { job: 'kube-state-metrics', namespace: 'monitoring', pod: 'kube-state-metrics-xyz' }, '0x30')],
    evalTime: '20m',
    alertname: 'KubeStateMetricsDown',
    expect: [{ labels: crit, description: 'No kube-state-metrics target has been up for 15 minutes: the alerts on Kubernetes object state (pods, deployments, jobs, nodes) cannot fire.' }],
  },
  { name: 'kube-state-metrics up stays quiet', input: [series('up', { job: 'kube-state-metrics', namespace: 'monitoring', pod: 'kube-state-metrics-xyz' }, '1x30')], evalTime: '20m', alertname: 'KubeStateMetricsDown', expect: [] },
  {
    name: 'one node-exporter down fires NodeExporterDown, not NodeExporterMissing',
    input: [
      series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-a', node: 'node-a', instance: '10.0.0.11:9100' }, '0x30'),
      series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-b', node: 'node-b', instance: '10.0.0.12:9100' }, '1x30'),
    ],
    evalTime: '20m',
    alertname: 'NodeExporterDown',
    expect: [
      {
        labels: { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-a', node: 'node-a', instance: '10.0.0.11:9100', ...warn },
        description: "node-exporter on node node-a (monitoring/node-exporter-a) has been unreachable for 15 minutes: that node's disk, memory and CPU alerts cannot fire.",
      },
    ],
  },
  {
    name: 'a node-exporter restarting for 5 minutes stays quiet',
    input: [series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-a', node: 'node-a' }, '1x10 0x5 1x20')],
    evalTime: '30m',
    alertname: 'NodeExporterDown',
    expect: [],
  },
  {
    name: 'one node-exporter down is not "missing"',
    input: [
      series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-a', node: 'node-a' }, '0x30'),
      series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-b', node: 'node-b' }, '1x30'),
    ],
    evalTime: '20m',
    alertname: 'NodeExporterMissing',
    expect: [],
  },
  {
    name: 'every node-exporter down fires NodeExporterMissing',
    input: [series('up', { job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-a', node: 'node-a' }, '0x30')],
    evalTime: '20m',
    alertname: 'NodeExporterMissing',
    expect: [{ labels: crit, description: 'No node-exporter target has been up for 15 minutes: the node alerts (disk full, memory pressure) of every node cannot fire.' }],
  },
];

function unitTestFile(ruleFile: string, selected: readonly AlertCase[]): string {
  return toYaml({
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: selected.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.input,
      alert_rule_test: [
        {
          eval_time: c.evalTime,
          alertname: c.alertname,
          exp_alerts: c.expect.map((e) => ({ exp_labels: e.labels, exp_annotations: annotations(c.alertname, e.description) })),
        },
      ],
    })),
  });
}

describe('metrics pipeline alert rules', () => {
  test('every group is valid by the rule-group building block', () => {
    for (const g of groups) expect(ruleGroupProblems(g)).toEqual([]);
    expect(groups.map((g) => g.name)).toEqual([PROMETHEUS_GROUP, THANOS_GROUP, EXPORTERS_GROUP]);
  });

  test('every alert has severity, category infrastructure, summary, description and a runbook link', () => {
    const alerts = groups.flatMap((g) => g.rules).filter(isAlertingRule);
    expect(alerts.length).toBeGreaterThanOrEqual(18);
    for (const a of alerts) {
      expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
      expect(a.labels?.category).toBe('infrastructure');
      expect(a.annotations?.summary).toMatch(/\S/);
      expect(a.annotations?.description).toMatch(/\S/);
      expect(a.annotations?.runbook_url).toBe(runbook(a.alert));
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  test('promtool check rules accepts the rule file', () => {
    const res = withFiles({ 'metrics-pipeline.rules.yaml': renderRuleFile(groups) }, (dir) => promtool(['check', 'rules', 'metrics-pipeline.rules.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  test('every alert has a firing and a quiet promtool unit test', () => {
    const alerts = groups.flatMap((g) => g.rules).filter(isAlertingRule).map((a) => a.alert);
    for (const name of alerts) {
      const own = cases.filter((c) => c.alertname === name);
      expect({ name, fires: own.some((c) => c.expect.length > 0) }).toEqual({ name, fires: true });
      expect({ name, quiet: own.some((c) => c.expect.length === 0) }).toEqual({ name, quiet: true });
    }
  });

  test('promtool test rules: alerts fire when they should and stay quiet when they should not', () => {
    const res = withFiles({ 'metrics-pipeline.rules.yaml': renderRuleFile(groups), 'tests.yaml': unitTestFile('metrics-pipeline.rules.yaml', cases) }, (dir) =>
      promtool(['test', 'rules', 'tests.yaml'], { cwd: dir }),
    );
    if (res.status !== 0) throw new Error(res.output);
    expect(res.output).toContain('SUCCESS');
  });

  test('a wrong expectation makes promtool test rules fail (the harness can fail)', () => {
    const wrong: AlertCase = { ...cases.find((c) => c.alertname === 'KubeStateMetricsDown' && c.expect.length === 0)!, name: 'inverted' };
    const inverted = { ...wrong, expect: [{ labels: crit, description: 'x' }] };
    const res = withFiles({ 'r.yaml': renderRuleFile(groups), 't.yaml': unitTestFile('r.yaml', [inverted]) }, (dir) => promtool(['test', 'rules', 't.yaml'], { cwd: dir }));
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('FAILED');
  });

  test('disabled exporters ship no alert for them', () => {
    expect(exporterAlerts({ runbookBaseUrl: RUNBOOKS, kubeStateMetrics: false, nodeExporter: false })).toEqual([]);
    const ksmOnly = exporterAlerts({ runbookBaseUrl: RUNBOOKS, kubeStateMetrics: true, nodeExporter: false });
    expect(ksmOnly[0].rules.map((r) => (isAlertingRule(r) ? r.alert : r.record))).toEqual(['KubeStateMetricsDown']);
    const noThanos = metricsPipelineAlerts({ runbookBaseUrl: RUNBOOKS, thanos: false, kubeStateMetrics: false, nodeExporter: false });
    expect(noThanos.map((g) => g.name)).toEqual([PROMETHEUS_GROUP]);
  });

  test('job names can be overridden and land in the selectors', () => {
    const g: RuleGroup = prometheusAlerts({ runbookBaseUrl: RUNBOOKS, jobs: { prometheus: 'prom-k8s' } });
    const exprs = g.rules.map((r) => r.expr).join('\n');
    expect(exprs).toContain('job="prom-k8s"');
    expect(exprs).not.toContain('job="prometheus"');
  });

  test('bad options are rejected with the field named', () => {
    expect(() => prometheusAlerts({ runbookBaseUrl: 'runbooks' })).toThrow(/runbookBaseUrl/);
    expect(() => thanosAlerts({ runbookBaseUrl: RUNBOOKS, thanosQueryExpectedEndpoints: 0 })).toThrow(/thanosQueryExpectedEndpoints/);
    expect(() => prometheusAlerts({ runbookBaseUrl: RUNBOOKS, jobs: { prometheus: 'a"b' } })).toThrow(/jobs\.prometheus/);
  });
});
