import { AFFECTED_CLUSTER_LABEL } from '../rule-group';
import type { AlertingRule, Category, RuleGroup, Severity } from '../rule-group';
import { RunbookDir, UpstreamRunbooks, UPSTREAM_RUNBOOKS, runbookUrl, upstreamRunbookUrl } from './common';
import { AlertThresholdOverrides, PrometheusThresholds, resolveAlertThresholds } from './thresholds';

/**
 * Alert rules the metrics pipeline ships for itself: Prometheus, Thanos, and the
 * infrastructure exporters (kube-state-metrics, node-exporter). The Prometheus alerts carry
 * the names (and, unless a comment says why not, the severities) of kube-prometheus's
 * `prometheus` group, so that its users and the public runbooks find them; their expressions
 * and texts are written from the metrics' meaning. Every metric name was checked against the
 * component's source or metric list, and the Prometheus ones against a running Prometheus
 * (test/prometheus-live.test.ts). The Thanos and exporter alerts are the stack's own.
 *
 * Runbook links: the alerts kube-prometheus also has link the public runbooks by default
 * (`upstreamRunbooks`, see common.ts); the stack's own link `<runbookBaseUrl>#<alert-name>`.
 *
 * Components are selected by `job`, which the stack's scrape config sets from the pod
 * label `app.kubernetes.io/name` (see lib/render/prometheus.ts); pass `jobs` when the
 * components are named differently.
 *
 * Severity: `critical` pages (someone must act now, or alerts themselves are going
 * blind: rule evaluation failing, no Alertmanager reachable, kube-state-metrics gone);
 * `warning` goes to a channel for working hours (data durability and long-term query
 * problems that do not stop alerting).
 */

export interface MetricsPipelineJobs {
  readonly prometheus: string;
  readonly thanosSidecar: string;
  readonly thanosQuery: string;
  readonly thanosStore: string;
  readonly thanosCompact: string;
  readonly kubeStateMetrics: string;
  readonly nodeExporter: string;
}

export const DEFAULT_JOBS: MetricsPipelineJobs = {
  prometheus: 'prometheus',
  thanosSidecar: 'thanos-sidecar',
  thanosQuery: 'thanos-query',
  thanosStore: 'thanos-store',
  thanosCompact: 'thanos-compact',
  kubeStateMetrics: 'kube-state-metrics',
  nodeExporter: 'node-exporter',
};

export interface MetricsPipelineAlertOptions {
  /** Base URL of the environment's runbooks; the stack's own alerts link `<base>#<alert-name-in-kebab-case>`. */
  readonly runbookBaseUrl: string;
  /** Where the alerts kube-prometheus also has link their runbook. @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /** `job` label values of the components. @default DEFAULT_JOBS */
  readonly jobs?: Partial<MetricsPipelineJobs>;
  /** Thresholds; the Prometheus alerts read `prometheus`. @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: AlertThresholdOverrides;
}

export const PROMETHEUS_GROUP = 'prometheus';
export const THANOS_GROUP = 'metrics-pipeline-thanos';
export const EXPORTERS_GROUP = 'metrics-pipeline-exporters';

const CATEGORY: Category = 'infrastructure';

function jobsOf(opts: MetricsPipelineAlertOptions): MetricsPipelineJobs {
  const jobs = { ...DEFAULT_JOBS, ...opts.jobs };
  for (const [key, value] of Object.entries(jobs)) {
    if (!/^[a-zA-Z0-9_.:-]+$/.test(value)) throw new Error(`metrics-pipeline alerts: jobs.${key}: "${value}" is not a job name (letters, digits, '_', '.', ':', '-')`);
  }
  return jobs;
}

/** How the alerts of these groups link their runbooks. */
interface Links {
  readonly base: string;
  readonly upstream: UpstreamRunbooks;
}

function runbookBase(opts: MetricsPipelineAlertOptions): Links {
  if (!/^https?:\/\/[^\s#]+$/.test(opts.runbookBaseUrl)) {
    throw new Error(`metrics-pipeline alerts: runbookBaseUrl: "${opts.runbookBaseUrl}" is not an http(s) URL without '#'`);
  }
  const upstream = opts.upstreamRunbooks ?? 'public';
  if (!UPSTREAM_RUNBOOKS.includes(upstream)) {
    throw new Error(`metrics-pipeline alerts: upstreamRunbooks: "${String(upstream)}" is not allowed; use one of ${UPSTREAM_RUNBOOKS.map((u) => `"${u}"`).join(', ')}`);
  }
  return { base: opts.runbookBaseUrl.replace(/\/+$/, ''), upstream };
}

interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  /** The public runbook folder, for an alert kube-prometheus also has (same name, same meaning). */
  readonly upstream?: RunbookDir;
}

function alert(links: Links, spec: AlertSpec): AlertingRule {
  const runbook = spec.upstream
    ? upstreamRunbookUrl({ runbookBaseUrl: links.base, upstreamRunbooks: links.upstream }, spec.upstream, spec.alert)
    : runbookUrl(links.base, spec.alert);
  return {
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity, category: CATEGORY },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbook },
  };
}

/** A fraction as a percentage for an expression or a text: 0.07 -> "7" (not 7.000000000000001). */
const percentOf = (ratio: number): string => String(Number((ratio * 100).toPrecision(12)));

function prometheusThresholds(opts: MetricsPipelineAlertOptions): PrometheusThresholds {
  try {
    return resolveAlertThresholds(opts.thresholds).prometheus;
  } catch (err) {
    throw new Error(`metrics-pipeline alerts: ${(err as Error).message}`);
  }
}

export interface PrometheusAlertOptions extends MetricsPipelineAlertOptions {
  /**
   * Prometheus writes to remote storage (`remote_write` is configured): add the remote-write
   * alerts (PrometheusRemoteStorageFailures, PrometheusRemoteWriteBehind,
   * PrometheusRemoteWriteDesiredShards). Their metrics exist only with remote write.
   * @default false
   */
  readonly remoteWrite?: boolean;
}

/** The remote-write alerts (kube-prometheus names), for a Prometheus that writes to remote storage. */
function remoteWriteAlerts(links: Links, sel: string, t: PrometheusThresholds): AlertingRule[] {
  const m = (name: string) => `${name}{${sel}}`;
  return [
    alert(links, {
      alert: 'PrometheusRemoteStorageFailures',
      // Every attempt to send a sample counts in samples_total; the ones given up on also in samples_failed_total.
      expr: `rate(${m('prometheus_remote_storage_samples_failed_total')}[5m])\n/\nrate(${m('prometheus_remote_storage_samples_total')}[5m])\n> ${t.remoteStorageFailures.ratio}`,
      for: t.remoteStorageFailures.for,
      severity: 'critical',
      summary: 'Prometheus fails to send samples to remote storage.',
      description: `Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed to send {{ $value | humanizePercentage }} of its samples to remote storage {{ $labels.remote_name }} ({{ $labels.url }}) for ${t.remoteStorageFailures.for}: those samples are lost for it.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusRemoteWriteBehind',
      // Newest sample appended locally minus newest sample the queue has sent: how far the queue lags.
      expr: `max_over_time(${m('prometheus_remote_storage_highest_timestamp_in_seconds')}[5m])\n- ignoring (remote_name, url) group_right\nmax_over_time(${m('prometheus_remote_storage_queue_highest_sent_timestamp_seconds')}[5m])\n> ${t.remoteWriteBehind.seconds}`,
      for: t.remoteWriteBehind.for,
      severity: 'critical',
      summary: 'Prometheus remote write is falling behind.',
      description: `Remote write of Prometheus {{ $labels.namespace }}/{{ $labels.pod }} to {{ $labels.remote_name }} ({{ $labels.url }}) is {{ $value | humanizeDuration }} behind (threshold ${t.remoteWriteBehind.seconds}s); once it is behind by more than the WAL holds (about 2h), samples are lost.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusRemoteWriteDesiredShards',
      expr: `max_over_time(${m('prometheus_remote_storage_shards_desired')}[5m])\n>\nmax_over_time(${m('prometheus_remote_storage_shards_max')}[5m])`,
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus remote write needs more shards than it may use.',
      description: 'Remote write of Prometheus {{ $labels.namespace }}/{{ $labels.pod }} to {{ $labels.remote_name }} ({{ $labels.url }}) would need {{ $value }} shards to keep up, more than its max_shards: raise queue_config.max_shards or find why sending is slow.',
      upstream: 'prometheus',
    }),
  ];
}

/**
 * Prometheus itself: configuration, discovery, scraping, rules, storage, notifications (and
 * remote write when `remoteWrite`). Each alert is about one Prometheus pod (and, where the
 * metric has it, one scrape job, rule group, Alertmanager or remote queue).
 */
export function prometheusAlerts(opts: PrometheusAlertOptions): RuleGroup {
  const links = runbookBase(opts);
  const t = prometheusThresholds(opts);
  const sel = `job="${jobsOf(opts).prometheus}"`;
  const m = (name: string) => `${name}{${sel}}`;
  const who = 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }}';
  /** An alert on a counter of failures or rejections: any increase within `window`, for `forDuration`. */
  const anyIncrease = (spec: Omit<AlertSpec, 'expr'> & { metric: string; window: string }): AlertingRule =>
    alert(links, { ...spec, expr: `increase(${m(spec.metric)}[${spec.window}]) > 0`, upstream: 'prometheus' });
  const rules: AlertingRule[] = [
    alert(links, {
      alert: 'PrometheusBadConfig',
      // max_over_time: a failed scrape must not hide a failed reload.
      expr: `max_over_time(${m('prometheus_config_last_reload_successful')}[5m]) == 0`,
      for: '10m',
      // Prometheus keeps running the previous config and rules: nothing stops alerting,
      // but the change that was just deployed is not in effect. (kube-prometheus: critical.)
      severity: 'warning',
      summary: 'Prometheus failed to reload its configuration.',
      description: `${who} has failed to reload its configuration for 10 minutes; it still runs the previous configuration and rules. Check its logs for the error.`,
      upstream: 'prometheus',
    }),
    anyIncrease({
      alert: 'PrometheusSDRefreshFailure',
      metric: 'prometheus_sd_refresh_failures_total',
      window: '10m',
      for: '20m',
      severity: 'warning',
      summary: 'Prometheus fails to refresh a service discovery.',
      description: `${who} has been failing to refresh its {{ $labels.mechanism }} service discovery{{ with $labels.config }} of {{ . }}{{ end }} for 20 minutes: the targets it finds are stale.`,
    }),
    anyIncrease({
      alert: 'PrometheusKubernetesListWatchFailures',
      metric: 'prometheus_sd_kubernetes_failures_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus fails to list or watch Kubernetes objects for discovery.',
      description: `${who} has been failing to list or watch Kubernetes objects for 15 minutes: its targets are stale. Check its RBAC (ClusterRole) and the API server.`,
    }),
    alert(links, {
      alert: 'PrometheusNotificationQueueRunningFull',
      expr: `(\n  predict_linear(${m('prometheus_notifications_queue_length')}[5m], 60 * 30)\n>\n  min_over_time(${m('prometheus_notifications_queue_capacity')}[5m])\n)`,
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus alert notification queue is predicted to be full within 30 minutes.',
      description: `The alert notification queue of ${who} is filling up; once full, alerts are dropped.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
      expr: `(\n  rate(${m('prometheus_notifications_errors_total')}[5m])\n/\n  rate(${m('prometheus_notifications_sent_total')}[5m])\n)\n* 100\n> ${percentOf(t.errorSendingAlertsToSome.ratio)}`,
      for: t.errorSendingAlertsToSome.for,
      severity: 'warning',
      summary: 'Prometheus fails to send alerts to an Alertmanager.',
      description: `{{ printf "%.1f" $value }}% of the alerts sent by ${who} to Alertmanager {{ $labels.alertmanager }} fail.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusNotConnectedToAlertmanagers',
      expr: `max_over_time(${m('prometheus_notifications_alertmanagers_discovered')}[5m]) < 1`,
      for: '10m',
      severity: 'warning',
      summary: 'Prometheus has discovered no Alertmanager.',
      description: `${who} has no Alertmanager to send alerts to (discovery finds none ready). Only the other replica, if connected, can deliver this alert.`,
      upstream: 'prometheus',
    }),
    anyIncrease({
      alert: 'PrometheusTSDBReloadsFailing',
      metric: 'prometheus_tsdb_reloads_failures_total',
      window: '3h',
      for: '4h',
      severity: 'warning',
      summary: 'Prometheus is failing to reload its TSDB blocks from disk.',
      description: `${who} had {{ $value | humanize }} failures to load its TSDB blocks from disk over the last 3 hours: new blocks are not queryable and old ones are not deleted. Check its logs and the volume.`,
    }),
    anyIncrease({
      alert: 'PrometheusTSDBCompactionsFailing',
      metric: 'prometheus_tsdb_compactions_failed_total',
      window: '3h',
      for: '4h',
      severity: 'warning',
      summary: 'Prometheus is failing to compact its TSDB blocks.',
      description: `${who} had {{ $value | humanize }} compaction failures over the last 3 hours. The head block keeps growing (memory, disk) and no block is uploaded to object storage until compaction succeeds.`,
    }),
    alert(links, {
      alert: 'PrometheusNotIngestingSamples',
      // Nothing appended although there is something to ingest: scrape targets or rules.
      expr:
        `sum without (type) (rate(${m('prometheus_tsdb_head_samples_appended_total')}[5m])) == 0\n` +
        `and\n(\n  sum without (scrape_job) (${m('prometheus_target_scrape_pool_targets')}) > 0\nor\n  sum without (rule_group) (${m('prometheus_rule_group_rules')}) > 0\n)`,
      for: '10m',
      severity: 'warning',
      summary: 'Prometheus is not ingesting samples.',
      description: `${who} has appended no sample for 10 minutes although it has scrape targets or rules: no new data is stored, and alerts on it go blind.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusDuplicateTimestamps',
      expr: `rate(${m('prometheus_target_scrapes_sample_duplicate_timestamp_total')}[5m]) > 0`,
      for: '10m',
      severity: 'warning',
      summary: 'Prometheus drops samples with duplicate timestamps.',
      description: `${who} drops {{ printf "%.4g" $value }} samples/s that have the same timestamp as another sample of their series but a different value: a target exposes the same series twice (or relabelling makes two series one).`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusOutOfOrderTimestamps',
      expr: `rate(${m('prometheus_target_scrapes_sample_out_of_order_total')}[5m]) > 0`,
      for: '10m',
      severity: 'warning',
      summary: 'Prometheus drops samples that arrive out of order.',
      description: `${who} drops {{ printf "%.4g" $value }} samples/s older than the newest sample of their series: a target exposes explicit timestamps that go backwards, or two targets write the same series.`,
      upstream: 'prometheus',
    }),
    ...(opts.remoteWrite ? remoteWriteAlerts(links, sel, t) : []),
    anyIncrease({
      alert: 'PrometheusRuleFailures',
      metric: 'prometheus_rule_evaluation_failures_total',
      window: '5m',
      for: '15m',
      // A rule that fails to evaluate is an alert that can never fire.
      severity: 'critical',
      summary: 'Prometheus is failing rule evaluations.',
      description: `${who} failed {{ printf "%.0f" $value }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes: alerts of that group may not fire.`,
    }),
    anyIncrease({
      alert: 'PrometheusMissingRuleEvaluations',
      metric: 'prometheus_rule_group_iterations_missed_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus skips rule group evaluations.',
      description: `${who} skipped {{ printf "%.0f" $value }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes: one evaluation takes longer than the group's interval, so its alerts react late.`,
    }),
    anyIncrease({
      alert: 'PrometheusTargetLimitHit',
      metric: 'prometheus_target_scrape_pool_exceeded_target_limit_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus drops targets over a scrape job\'s target limit.',
      description: `${who} has had scrape jobs with more targets than their target_limit for 15 minutes: the whole job is not scraped.`,
    }),
    anyIncrease({
      alert: 'PrometheusLabelLimitHit',
      metric: 'prometheus_target_scrape_pool_exceeded_label_limits_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus drops targets over a scrape job\'s label limits.',
      description: `${who} has had targets with more labels, or longer label names or values, than their scrape job's label limits for 15 minutes: those targets are not scraped.`,
    }),
    anyIncrease({
      alert: 'PrometheusScrapeBodySizeLimitHit',
      metric: 'prometheus_target_scrapes_exceeded_body_size_limit_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus rejects scrapes over the body size limit.',
      description: `${who} has rejected scrapes whose response exceeds body_size_limit for 15 minutes: those targets have no data.`,
    }),
    anyIncrease({
      alert: 'PrometheusScrapeSampleLimitHit',
      metric: 'prometheus_target_scrapes_exceeded_sample_limit_total',
      window: '5m',
      for: '15m',
      severity: 'warning',
      summary: 'Prometheus rejects scrapes over the sample limit.',
      description: `${who} has rejected scrapes with more samples than their sample_limit for 15 minutes: those targets have no data.`,
    }),
    anyIncrease({
      alert: 'PrometheusTargetSyncFailure',
      metric: 'prometheus_target_sync_failed_total',
      window: '30m',
      for: '5m',
      severity: 'critical',
      summary: 'Prometheus cannot turn discovered targets into scrape targets.',
      description: `${who} failed to sync the targets of scrape job {{ $labels.scrape_job }} ({{ printf "%.0f" $value }} times in 30 minutes), usually an invalid relabelled address or label: that job is not scraped. Its logs name the error.`,
    }),
    alert(links, {
      alert: 'PrometheusHighQueryLoad',
      expr: `avg_over_time(${m('prometheus_engine_queries')}[5m])\n/\nmax_over_time(${m('prometheus_engine_queries_concurrent_max')}[5m])\n> ${t.highQueryLoad.ratio}`,
      for: t.highQueryLoad.for,
      severity: 'warning',
      summary: 'Prometheus is close to its limit of concurrent queries.',
      description: `${who} runs on average {{ $value | humanizePercentage }} of its maximum of concurrent queries (--query.max-concurrency): queries, rule evaluations included, start to wait.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
      expr: `min without (alertmanager) (\n  rate(${m('prometheus_notifications_errors_total')}[5m])\n/\n  rate(${m('prometheus_notifications_sent_total')}[5m])\n)\n* 100\n> ${percentOf(t.errorSendingAlertsToAny.ratio)}`,
      for: t.errorSendingAlertsToAny.for,
      // Every Alertmanager rejects this Prometheus's alerts: no notification leaves it.
      severity: 'critical',
      summary: 'Prometheus fails to send alerts to every Alertmanager.',
      description: `{{ printf "%.1f" $value }}% minimum errors while sending alerts from ${who} to all Alertmanagers: its alerts reach nobody.`,
      upstream: 'prometheus',
    }),
    alert(links, {
      alert: 'PrometheusWALCorruptions',
      expr: `increase(${m('prometheus_tsdb_wal_corruptions_total')}[10m]) > 0`,
      severity: 'warning',
      summary: 'Prometheus detected a corrupted write-ahead log.',
      description: `${who} found {{ $value | humanize }} WAL corruptions in the last 10 minutes; the samples after the corruption were dropped on repair. Check the volume for disk errors or unclean shutdowns (OOM kills).`,
    }),
  ];
  return { name: PROMETHEUS_GROUP, rules };
}

export interface ThanosAlertOptions extends MetricsPipelineAlertOptions {
  /**
   * StoreAPI endpoints each Thanos Query should be connected to (sidecars + store
   * gateways + remote endpoints). When set, losing any of them alerts.
   * @default undefined: only "no endpoint at all" alerts
   */
  readonly thanosQueryExpectedEndpoints?: number;
  /**
   * The buckets and their store gateway and compactor, when they are not the one pair of
   * `jobs` (a fleet's observer runs one pair per cluster bucket; a fleet's workload cluster
   * none: `[]`). Each alert about a bucket's store gateway carries the `cluster` whose blocks
   * it holds, when given. @default one bucket: `jobs.thanosStore` and `jobs.thanosCompact`
   */
  readonly buckets?: readonly { readonly storeJob: string; readonly compactJob: string; readonly cluster?: string }[];
}

const escapeRegex = (j: string) => j.replace(/[.]/g, '\\\\.');

/** Thanos: compactor, sidecar uploads, bucket operations, store gateway, query endpoints. */
export function thanosAlerts(opts: ThanosAlertOptions): RuleGroup {
  const base = runbookBase(opts);
  const jobs = jobsOf(opts);
  const buckets = opts.buckets ?? [{ storeJob: jobs.thanosStore, compactJob: jobs.thanosCompact }];
  for (const b of buckets) jobsOf({ ...opts, jobs: { thanosStore: b.storeJob, thanosCompact: b.compactJob } });
  const bucketJobs = `job=~"${[jobs.thanosSidecar, ...buckets.flatMap((b) => [b.storeJob, b.compactJob])].map(escapeRegex).join('|')}"`;
  const compactJobs = buckets.length === 1 ? `job="${buckets[0].compactJob}"` : `job=~"${buckets.map((b) => escapeRegex(b.compactJob)).join('|')}"`;
  const q = `job="${jobs.thanosQuery}"`;
  // Connected StoreAPIs per query pod; a pod with none exports no series, so running
  // query pods are counted as 0.
  const connections = `(\n  sum by (namespace, pod) (thanos_store_nodes_grpc_connections{${q}})\nor\n  0 * sum by (namespace, pod) (up{${q}} == 1)\n)`;
  const expected = opts.thanosQueryExpectedEndpoints;
  if (expected !== undefined && (!Number.isInteger(expected) || expected < 1)) {
    throw new Error(`metrics-pipeline alerts: thanosQueryExpectedEndpoints: ${expected} must be a positive integer`);
  }
  const rules: AlertingRule[] = [];
  if (buckets.length > 0) rules.push(
    alert(base, {
      alert: 'ThanosCompactHalted',
      expr: `max by (namespace, pod) (thanos_compact_halted{${compactJobs}}) == 1`,
      for: '5m',
      // Compaction, downsampling and retention stop; no data is lost, the bucket grows
      // and long-range queries slow down. Fix within working hours.
      severity: 'warning',
      summary: 'Thanos Compact has halted.',
      description: 'Thanos Compact {{ $labels.namespace }}/{{ $labels.pod }} hit an unexpected error and halted: compaction, downsampling and retention no longer run. Its logs name the block; it resumes only after a restart.',
    }),
  );
  rules.push(
    alert(base, {
      alert: 'ThanosSidecarUploadFailing',
      expr: `sum by (namespace, pod) (increase(thanos_shipper_upload_failures_total{job="${jobs.thanosSidecar}"}[15m])) > 0`,
      for: '45m',
      severity: 'warning',
      summary: 'Thanos Sidecar fails to upload blocks to object storage.',
      description: 'The Thanos sidecar of {{ $labels.namespace }}/{{ $labels.pod }} has been failing to upload TSDB blocks for 45 minutes. Blocks exist only on the Prometheus volume until uploaded, and Prometheus deletes them at its retention.',
    }),
    alert(base, {
      alert: 'ThanosSidecarPrometheusDown',
      expr: `max by (namespace, pod) (thanos_sidecar_prometheus_up{job="${jobs.thanosSidecar}"}) == 0`,
      for: '10m',
      severity: 'warning',
      summary: 'Thanos Sidecar cannot reach its Prometheus.',
      description: 'The Thanos sidecar of {{ $labels.namespace }}/{{ $labels.pod }} cannot reach Prometheus: it serves no recent data to Thanos Query and uploads nothing.',
    }),
    alert(base, {
      alert: 'ThanosBucketOperationsFailing',
      expr: `(\n  sum by (job, namespace) (rate(thanos_objstore_bucket_operation_failures_total{${bucketJobs}}[5m]))\n/\n  sum by (job, namespace) (rate(thanos_objstore_bucket_operations_total{${bucketJobs}}[5m]))\n) * 100 > 5`,
      for: '15m',
      severity: 'warning',
      summary: 'Thanos fails object storage operations.',
      description: '{{ $labels.job }} in namespace {{ $labels.namespace }} fails {{ $value | humanize }}% of its object storage operations: check the bucket credentials, permissions and reachability.',
    }),
    alert(base, {
      alert: 'ThanosQueryNoStoreEndpoints',
      expr: `${connections} < 1`,
      for: '5m',
      // Every dashboard and query through Thanos is empty.
      severity: 'critical',
      summary: 'Thanos Query is connected to no StoreAPI endpoint.',
      description: 'Thanos Query {{ $labels.namespace }}/{{ $labels.pod }} is up but connected to no sidecar, store gateway or remote endpoint: every query through it returns no data. Check the endpoints it discovers (dnssrv+ records of the headless Services) in its logs.',
    }),
  );
  // One rule per bucket's store gateway, after the sidecar and bucket alerts (as before).
  const storeRules = buckets.map((b) => {
    const r = alert(base, {
      alert: 'ThanosStoreGatewayUnavailable',
      expr: `absent(up{job="${b.storeJob}"} == 1)`,
      for: '10m',
      // Queries older than Prometheus's local retention lose their data; recent data
      // and alerting are unaffected.
      severity: 'warning',
      summary: 'No Thanos Store Gateway is up.',
      description: `No ${b.storeJob} target has been up for 10 minutes: Thanos Query cannot read the object storage${b.cluster ? ` of cluster ${b.cluster}` : ''}, so queries beyond Prometheus retention return partial or no data.`,
    });
    return b.cluster ? { ...r, labels: { ...r.labels, cluster: b.cluster, [AFFECTED_CLUSTER_LABEL]: b.cluster } } : r;
  });
  rules.splice(rules.findIndex((r) => r.alert === 'ThanosQueryNoStoreEndpoints'), 0, ...storeRules);
  if (expected !== undefined && expected > 1) {
    rules.push(
      alert(base, {
        alert: 'ThanosQueryEndpointsMissing',
        expr: `${connections} < ${expected}`,
        for: '15m',
        severity: 'warning',
        summary: 'Thanos Query lost some StoreAPI endpoints.',
        description: `Thanos Query {{ $labels.namespace }}/{{ $labels.pod }} is connected to {{ $value }} StoreAPI endpoints instead of ${expected}: queries miss the data of the missing ones (a Prometheus replica, the store gateway or a remote cluster).`,
      }),
    );
  }
  return { name: THANOS_GROUP, rules };
}

export interface ExporterAlertOptions extends MetricsPipelineAlertOptions {
  /** kube-state-metrics is deployed (per environment toggle). */
  readonly kubeStateMetrics: boolean;
  /** node-exporter is deployed (per environment toggle). */
  readonly nodeExporter: boolean;
}

/** The infrastructure exporters; no group at all when neither is deployed. */
export function exporterAlerts(opts: ExporterAlertOptions): RuleGroup[] {
  const base = runbookBase(opts);
  const jobs = jobsOf(opts);
  const rules: AlertingRule[] = [];
  if (opts.kubeStateMetrics) {
    rules.push(
      alert(base, {
        alert: 'KubeStateMetricsDown',
        expr: `absent(up{job="${jobs.kubeStateMetrics}"} == 1)`,
        for: '15m',
        // Every workload alert (crash loops, unavailable replicas, failed jobs) reads
        // kube-state-metrics: without it they are silent.
        severity: 'critical',
        summary: 'kube-state-metrics is down.',
        description: `No ${jobs.kubeStateMetrics} target has been up for 15 minutes: the alerts on Kubernetes object state (pods, deployments, jobs, nodes) cannot fire.`,
      }),
    );
  }
  if (opts.nodeExporter) {
    rules.push(
      alert(base, {
        alert: 'NodeExporterDown',
        expr: `up{job="${jobs.nodeExporter}"} == 0`,
        for: '15m',
        severity: 'warning',
        summary: 'A node-exporter is down.',
        description: 'node-exporter on node {{ $labels.node }} ({{ $labels.namespace }}/{{ $labels.pod }}) has been unreachable for 15 minutes: that node\'s disk, memory and CPU alerts cannot fire.',
      }),
      alert(base, {
        alert: 'NodeExporterMissing',
        expr: `absent(up{job="${jobs.nodeExporter}"} == 1)`,
        for: '15m',
        severity: 'critical',
        summary: 'No node-exporter is up.',
        description: `No ${jobs.nodeExporter} target has been up for 15 minutes: the node alerts (disk full, memory pressure) of every node cannot fire.`,
      }),
    );
  }
  return rules.length === 0 ? [] : [{ name: EXPORTERS_GROUP, rules }];
}

export interface MetricsPipelineAlertsOptions extends ThanosAlertOptions {
  /** Remote write is configured (see PrometheusAlertOptions.remoteWrite). @default false */
  readonly remoteWrite?: boolean;
  /** @default true */
  readonly thanos?: boolean;
  readonly kubeStateMetrics: boolean;
  readonly nodeExporter: boolean;
}

/** Every group of the metrics pipeline, for the stack's rule registry. */
export function metricsPipelineAlerts(opts: MetricsPipelineAlertsOptions): RuleGroup[] {
  return [prometheusAlerts(opts), ...(opts.thanos === false ? [] : [thanosAlerts(opts)]), ...exporterAlerts(opts)];
}
