import type { AlertingRule, Category, RuleGroup, Severity } from '../rule-group';

/**
 * Alert rules the metrics pipeline ships for itself: Prometheus, Thanos, and the
 * infrastructure exporters (kube-state-metrics, node-exporter). Expressions follow the
 * upstream mixins (prometheus/prometheus documentation/prometheus-mixin, thanos-io/thanos
 * mixin/alerts) where one exists; every metric name was checked there or against the
 * component's own metric list, and the Prometheus ones against a running Prometheus
 * (test/prometheus-live.test.ts).
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
  /** Base URL of the runbooks; each alert links `<base>/<alertname in lower case>`. */
  readonly runbookBaseUrl: string;
  /** `job` label values of the components. @default DEFAULT_JOBS */
  readonly jobs?: Partial<MetricsPipelineJobs>;
}

export const PROMETHEUS_GROUP = 'metrics-pipeline-prometheus';
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

function runbookBase(opts: MetricsPipelineAlertOptions): string {
  if (!/^https?:\/\/[^\s]+$/.test(opts.runbookBaseUrl)) {
    throw new Error(`metrics-pipeline alerts: runbookBaseUrl: "${opts.runbookBaseUrl}" is not an http(s) URL`);
  }
  return opts.runbookBaseUrl.replace(/\/+$/, '');
}

interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

function alert(base: string, spec: AlertSpec): AlertingRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity, category: CATEGORY },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: `${base}/${spec.alert.toLowerCase()}`,
    },
  };
}

/** Prometheus itself: config, rules, storage, notifications, and scrape targets. */
export function prometheusAlerts(opts: MetricsPipelineAlertOptions): RuleGroup {
  const base = runbookBase(opts);
  const sel = `job="${jobsOf(opts).prometheus}"`;
  return {
    name: PROMETHEUS_GROUP,
    rules: [
      alert(base, {
        alert: 'PrometheusConfigReloadFailed',
        // max_over_time: a failed scrape must not hide a failed reload.
        expr: `max_over_time(prometheus_config_last_reload_successful{${sel}}[5m]) == 0`,
        for: '10m',
        // Prometheus keeps running the previous config and rules: nothing stops alerting,
        // but the change that was just deployed is not in effect.
        severity: 'warning',
        summary: 'Prometheus failed to reload its configuration.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} has failed to reload its configuration for 10 minutes; it still runs the previous configuration and rules. Check its logs for the error.',
      }),
      alert(base, {
        alert: 'PrometheusRuleEvaluationFailures',
        expr: `increase(prometheus_rule_evaluation_failures_total{${sel}}[5m]) > 0`,
        for: '15m',
        // A rule that fails to evaluate is an alert that can never fire.
        severity: 'critical',
        summary: 'Prometheus is failing rule evaluations.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed {{ printf "%.0f" $value }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes: alerts of that group may not fire.',
      }),
      alert(base, {
        alert: 'PrometheusTSDBCompactionsFailing',
        expr: `increase(prometheus_tsdb_compactions_failed_total{${sel}}[3h]) > 0`,
        for: '4h',
        severity: 'warning',
        summary: 'Prometheus is failing to compact its TSDB blocks.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} had {{ $value | humanize }} compaction failures over the last 3 hours. The head block keeps growing (memory, disk) and no block is uploaded to object storage until compaction succeeds.',
      }),
      alert(base, {
        alert: 'PrometheusWALCorruptions',
        expr: `increase(prometheus_tsdb_wal_corruptions_total{${sel}}[10m]) > 0`,
        severity: 'warning',
        summary: 'Prometheus detected a corrupted write-ahead log.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} found {{ $value | humanize }} WAL corruptions in the last 10 minutes; the samples after the corruption were dropped on repair. Check the volume for disk errors or unclean shutdowns (OOM kills).',
      }),
      alert(base, {
        alert: 'PrometheusNotificationQueueRunningFull',
        expr: `(\n  predict_linear(prometheus_notifications_queue_length{${sel}}[5m], 60 * 30)\n>\n  min_over_time(prometheus_notifications_queue_capacity{${sel}}[5m])\n)`,
        for: '15m',
        severity: 'warning',
        summary: 'Prometheus alert notification queue is predicted to be full within 30 minutes.',
        description: 'The alert notification queue of Prometheus {{ $labels.namespace }}/{{ $labels.pod }} is filling up; once full, alerts are dropped.',
      }),
      alert(base, {
        alert: 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
        expr: `(\n  rate(prometheus_notifications_errors_total{${sel}}[5m])\n/\n  rate(prometheus_notifications_sent_total{${sel}}[5m])\n)\n* 100\n> 1`,
        for: '15m',
        severity: 'warning',
        summary: 'Prometheus fails to send alerts to an Alertmanager.',
        description: '{{ printf "%.1f" $value }}% of the alerts sent by Prometheus {{ $labels.namespace }}/{{ $labels.pod }} to Alertmanager {{ $labels.alertmanager }} fail.',
      }),
      alert(base, {
        alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
        expr: `min without (alertmanager) (\n  rate(prometheus_notifications_errors_total{${sel}}[5m])\n/\n  rate(prometheus_notifications_sent_total{${sel}}[5m])\n)\n* 100\n> 3`,
        for: '15m',
        // Every Alertmanager rejects this Prometheus's alerts: no notification leaves it.
        severity: 'critical',
        summary: 'Prometheus fails to send alerts to every Alertmanager.',
        description: '{{ printf "%.1f" $value }}% minimum errors while sending alerts from Prometheus {{ $labels.namespace }}/{{ $labels.pod }} to all Alertmanagers: its alerts reach nobody.',
      }),
      alert(base, {
        alert: 'PrometheusNotConnectedToAlertmanagers',
        expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${sel}}[5m]) < 1`,
        for: '10m',
        severity: 'warning',
        summary: 'Prometheus has discovered no Alertmanager.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} has no Alertmanager to send alerts to (discovery finds none ready). Only the other replica, if connected, can deliver this alert.',
      }),
      alert(base, {
        alert: 'TargetDown',
        expr: '100 * (\n  count by (job, namespace, service) (up == 0)\n/\n  count by (job, namespace, service) (up)\n) > 10',
        for: '10m',
        severity: 'warning',
        summary: 'Some scrape targets are down.',
        description: '{{ printf "%.4g" $value }}% of the {{ $labels.job }} targets in namespace {{ $labels.namespace }} (service {{ $labels.service }}) are down: their metrics and the alerts built on them are missing.',
      }),
    ],
  };
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
    return b.cluster ? { ...r, labels: { ...r.labels, cluster: b.cluster } } : r;
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
  /** @default true */
  readonly thanos?: boolean;
  readonly kubeStateMetrics: boolean;
  readonly nodeExporter: boolean;
}

/** Every group of the metrics pipeline, for the stack's rule registry. */
export function metricsPipelineAlerts(opts: MetricsPipelineAlertsOptions): RuleGroup[] {
  return [prometheusAlerts(opts), ...(opts.thanos === false ? [] : [thanosAlerts(opts)]), ...exporterAlerts(opts)];
}
