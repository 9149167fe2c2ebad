/**
 * The metric catalogue of the app exporter, as data. Everything else derives from it: the
 * prom-client registry (metrics.ts), the README table (a test checks it), and, in the stack,
 * the Grafana dashboards and rules that cross-check metric names against it.
 *
 * Naming follows Prometheus conventions: base units in the name (`_seconds`, `_bytes`,
 * `_ratio`), counters end in `_total`, nothing else does, and every label has a bounded set
 * of values (see LABELS).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type MetricCategory = 'business' | 'performance' | 'infrastructure' | 'slo' | 'exporter' | 'runtime';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in exposition order. */
  readonly labels: readonly string[];
  /** The unit of the value: a base unit (`seconds`, `bytes`, `ratio`) or what is counted. */
  readonly unit: string;
  readonly category: MetricCategory;
  /** Histogram bucket upper bounds (without +Inf). */
  readonly buckets?: readonly number[];
  /** Only exported on Linux (prom-client reads /proc). */
  readonly linuxOnly?: boolean;
}

/**
 * How a label's values are bounded.
 * - `enum`: a closed set; anything else is recorded as `other`.
 * - `route`: a route template (`/users/:id`); raw paths are templated, an allow-list can close it.
 * - `open`: an identifier-like value (letters, digits, `_ . : -`, at most 64 characters);
 *   anything else is `other`; an allow-list (`--label-values`) can close it; the series cap
 *   bounds it in any case.
 * - `internal`: set by the exporter itself from its configuration or catalogue.
 */
export type LabelKind = 'enum' | 'route' | 'open' | 'internal';

export interface LabelSpec {
  readonly name: string;
  readonly kind: LabelKind;
  /** The closed set of an `enum` label (`other` is always added). */
  readonly values?: readonly string[];
  readonly description: string;
}

/** The value every unknown or refused label value folds into. */
export const OTHER = 'other';

export const TIERS = ['free', 'premium', 'enterprise'] as const;
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'] as const;
export const TRANSACTION_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const DB_OPERATIONS = ['select', 'insert', 'update', 'delete'] as const;
export const POOL_STATES = ['active', 'idle'] as const;
export const STATS_POLL_OUTCOMES = ['success', 'incomplete', 'unreachable', 'timeout', 'http_error', 'malformed'] as const;
export const BATCH_OUTCOMES = ['accepted', 'duplicate', 'invalid', 'malformed', 'too_large', 'unsupported_media_type', 'conflict'] as const;
export const EVENT_OUTCOMES = ['accepted', 'rejected'] as const;

export const LABELS: Readonly<Record<string, LabelSpec>> = {
  tier: { name: 'tier', kind: 'enum', values: TIERS, description: 'customer tier' },
  method: { name: 'method', kind: 'enum', values: METHODS, description: 'HTTP method' },
  route: { name: 'route', kind: 'route', description: 'route template, e.g. /users/:id (never a raw path); `none` when not tied to a request' },
  status_class: { name: 'status_class', kind: 'enum', values: STATUS_CLASSES, description: 'HTTP status class; `none` for an error not tied to a response' },
  product: { name: 'product', kind: 'open', description: 'product or plan sold' },
  region: { name: 'region', kind: 'open', description: 'sales region' },
  type: { name: 'type', kind: 'open', description: 'transaction type (purchase, refund, ...) or error type (timeout, dependency, ...)' },
  status: { name: 'status', kind: 'enum', values: TRANSACTION_STATUSES, description: 'final transaction status' },
  feature: { name: 'feature', kind: 'open', description: 'feature name' },
  pool: { name: 'pool', kind: 'open', description: 'database connection pool' },
  state: { name: 'state', kind: 'enum', values: POOL_STATES, description: 'connection state' },
  operation: { name: 'operation', kind: 'enum', values: DB_OPERATIONS, description: 'SQL operation' },
  cache: { name: 'cache', kind: 'open', description: 'cache name' },
  queue: { name: 'queue', kind: 'open', description: 'queue name' },
  slo: { name: 'slo', kind: 'internal', description: 'SLO name: `availability` or `latency`' },
  window: { name: 'window', kind: 'internal', description: 'sliding window, e.g. 5m, 1h, 30d (--slo-windows)' },
  metric: { name: 'metric', kind: 'internal', description: 'a metric name of this catalogue' },
  label: { name: 'label', kind: 'internal', description: 'a label name of this catalogue' },
  outcome: { name: 'outcome', kind: 'internal', description: 'result of the operation' },
  version: { name: 'version', kind: 'internal', description: 'exporter version' },
  source: { name: 'source', kind: 'internal', description: 'configured sources, e.g. simulate or events+stats' },
};

/** Request latency buckets; the latency SLO threshold must be one of them so PromQL can compute the same SLI. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Powers of four from 64 B to 16 MiB. */
export const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216] as const;
export const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
export const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

/** The metric names other code refers to, spelled once. */
export const M = {
  activeUsers: 'app_active_users',
  revenue: 'app_revenue_total',
  transactions: 'app_transactions_total',
  featureUsage: 'app_feature_usage_total',
  httpRequests: 'app_http_requests_total',
  httpRequestDuration: 'app_http_request_duration_seconds',
  httpRequestSize: 'app_http_request_size_bytes',
  httpResponseSize: 'app_http_response_size_bytes',
  errors: 'app_errors_total',
  dbPoolConnections: 'app_db_pool_connections',
  dbPoolMaxConnections: 'app_db_pool_max_connections',
  dbPoolWaiters: 'app_db_pool_waiters',
  dbQueryDuration: 'app_db_query_duration_seconds',
  cacheHits: 'app_cache_hits_total',
  cacheMisses: 'app_cache_misses_total',
  queueDepth: 'app_queue_depth',
  queueProcessingDuration: 'app_queue_processing_duration_seconds',
  sloObjective: 'app_slo_objective_ratio',
  sloAvailability: 'app_slo_availability_ratio',
  sloErrorBudgetRemaining: 'app_slo_error_budget_remaining_ratio',
  sloBurnRate: 'app_slo_burn_rate',
  exporterBuildInfo: 'app_exporter_build_info',
  exporterSeries: 'app_exporter_series',
  exporterSeriesDropped: 'app_exporter_series_dropped_total',
  exporterLabelValuesFolded: 'app_exporter_label_values_folded_total',
  exporterEventBatches: 'app_exporter_event_batches_total',
  exporterEvents: 'app_exporter_events_total',
  exporterStatsPolls: 'app_exporter_stats_polls_total',
  exporterStatsUp: 'app_exporter_stats_up',
  exporterStatsLastSuccess: 'app_exporter_stats_last_success_timestamp_seconds',
  exporterIncidentActive: 'app_exporter_simulated_incident_active',
  exporterIncidentErrorRatio: 'app_exporter_simulated_incident_error_ratio',
} as const;

/** The application metrics (business, performance, infrastructure, SLO) and the exporter's own. */
export const APP_METRICS: readonly MetricSpec[] = [
  // business
  { name: M.activeUsers, type: 'gauge', category: 'business', unit: 'users', labels: ['tier'], help: 'Users active now, by customer tier.' },
  { name: M.revenue, type: 'counter', category: 'business', unit: 'currency units', labels: ['product', 'region'], help: 'Revenue booked, in major units of the application accounting currency (no conversion is done).' },
  { name: M.transactions, type: 'counter', category: 'business', unit: 'transactions', labels: ['type', 'status'], help: 'Business transactions that reached a final status.' },
  { name: M.featureUsage, type: 'counter', category: 'business', unit: 'uses', labels: ['feature', 'tier'], help: 'Uses of a product feature, by customer tier.' },
  // performance
  { name: M.httpRequests, type: 'counter', category: 'performance', unit: 'requests', labels: ['method', 'route', 'status_class'], help: 'HTTP requests completed. The availability SLI is rate of status_class="5xx" over the rate of all.' },
  { name: M.httpRequestDuration, type: 'histogram', category: 'performance', unit: 'seconds', labels: ['method', 'route', 'status_class'], buckets: DURATION_BUCKETS, help: 'HTTP request duration, from the request reaching the application until its response was sent.' },
  { name: M.httpRequestSize, type: 'histogram', category: 'performance', unit: 'bytes', labels: ['method', 'route'], buckets: SIZE_BUCKETS, help: 'HTTP request body size (observed when the size is known).' },
  { name: M.httpResponseSize, type: 'histogram', category: 'performance', unit: 'bytes', labels: ['method', 'route', 'status_class'], buckets: SIZE_BUCKETS, help: 'HTTP response body size (observed when the size is known).' },
  { name: M.errors, type: 'counter', category: 'performance', unit: 'errors', labels: ['type', 'route', 'status_class'], help: 'Application errors by error type, route template and status class.' },
  // infrastructure
  { name: M.dbPoolConnections, type: 'gauge', category: 'infrastructure', unit: 'connections', labels: ['pool', 'state'], help: 'Database pool connections open, by state (active or idle).' },
  { name: M.dbPoolMaxConnections, type: 'gauge', category: 'infrastructure', unit: 'connections', labels: ['pool'], help: 'Database pool size limit.' },
  { name: M.dbPoolWaiters, type: 'gauge', category: 'infrastructure', unit: 'clients', labels: ['pool'], help: 'Clients waiting for a database connection.' },
  { name: M.dbQueryDuration, type: 'histogram', category: 'infrastructure', unit: 'seconds', labels: ['pool', 'operation'], buckets: QUERY_BUCKETS, help: 'Database query duration.' },
  { name: M.cacheHits, type: 'counter', category: 'infrastructure', unit: 'lookups', labels: ['cache'], help: 'Cache lookups that found the entry.' },
  { name: M.cacheMisses, type: 'counter', category: 'infrastructure', unit: 'lookups', labels: ['cache'], help: 'Cache lookups that did not find the entry.' },
  { name: M.queueDepth, type: 'gauge', category: 'infrastructure', unit: 'messages', labels: ['queue'], help: 'Messages waiting in the queue.' },
  { name: M.queueProcessingDuration, type: 'histogram', category: 'infrastructure', unit: 'seconds', labels: ['queue'], buckets: JOB_BUCKETS, help: 'Time to process one queue message.' },
  // SLO
  { name: M.sloObjective, type: 'gauge', category: 'slo', unit: 'ratio', labels: ['slo'], help: 'SLO objective: the target fraction of good requests.' },
  { name: M.sloAvailability, type: 'gauge', category: 'slo', unit: 'ratio', labels: ['slo', 'window'], help: 'Fraction of good requests in the sliding window seen by this exporter (absent when the window holds no request).' },
  { name: M.sloErrorBudgetRemaining, type: 'gauge', category: 'slo', unit: 'ratio', labels: ['slo', 'window'], help: 'Error budget left in the sliding window: 1 - burn rate; negative when overspent.' },
  { name: M.sloBurnRate, type: 'gauge', category: 'slo', unit: 'factor', labels: ['slo', 'window'], help: 'Error budget burn rate in the sliding window: bad fraction / (1 - objective); 1 spends the budget exactly.' },
  // the exporter itself
  { name: M.exporterBuildInfo, type: 'gauge', category: 'exporter', unit: 'info', labels: ['version', 'source'], help: 'Always 1; labels carry the exporter version and configured sources.' },
  { name: M.exporterSeries, type: 'gauge', category: 'exporter', unit: 'series', labels: ['metric'], help: 'Label sets admitted per metric (capped by --max-series).' },
  { name: M.exporterSeriesDropped, type: 'counter', category: 'exporter', unit: 'observations', labels: ['metric'], help: 'Observations refused a new series by the --max-series cap; counters and histograms record them with open labels folded into "other", gauges drop them.' },
  { name: M.exporterLabelValuesFolded, type: 'counter', category: 'exporter', unit: 'observations', labels: ['metric', 'label'], help: 'Label values recorded as "other" because they were unknown or malformed.' },
  { name: M.exporterEventBatches, type: 'counter', category: 'exporter', unit: 'batches', labels: ['outcome'], help: 'Event batches received on POST /v1/events, by outcome.' },
  { name: M.exporterEvents, type: 'counter', category: 'exporter', unit: 'events', labels: ['outcome'], help: 'Events received on POST /v1/events; a batch with any invalid event is rejected whole.' },
  { name: M.exporterStatsPolls, type: 'counter', category: 'exporter', unit: 'polls', labels: ['outcome'], help: 'Polls of the application stats endpoint, by outcome.' },
  { name: M.exporterStatsUp, type: 'gauge', category: 'exporter', unit: 'boolean', labels: [], help: '1 if the last poll of the stats endpoint returned valid JSON, else 0.' },
  { name: M.exporterStatsLastSuccess, type: 'gauge', category: 'exporter', unit: 'seconds', labels: [], help: 'Unix time of the last poll of the stats endpoint that returned valid JSON.' },
  { name: M.exporterIncidentActive, type: 'gauge', category: 'exporter', unit: 'boolean', labels: [], help: '1 while a forced incident (--incident or POST /v1/incident) is active in simulate mode.' },
  { name: M.exporterIncidentErrorRatio, type: 'gauge', category: 'exporter', unit: 'ratio', labels: [], help: 'Error ratio of the forced incident in simulate mode, 0 when none.' },
];

/**
 * prom-client's default process and Node.js runtime metrics as exported. prom-client also
 * registers nodejs_active_{handles,requests,resources}_total as gauges; promtool rejects a
 * gauge ending in `_total`, so the exporter does not export them (use `sum(nodejs_active_handles)`).
 */
export const RUNTIME_METRICS: readonly MetricSpec[] = [
  { name: 'process_cpu_user_seconds_total', type: 'counter', category: 'runtime', unit: 'seconds', labels: [], help: 'Total user CPU time spent in seconds.' },
  { name: 'process_cpu_system_seconds_total', type: 'counter', category: 'runtime', unit: 'seconds', labels: [], help: 'Total system CPU time spent in seconds.' },
  { name: 'process_cpu_seconds_total', type: 'counter', category: 'runtime', unit: 'seconds', labels: [], help: 'Total user and system CPU time spent in seconds.' },
  { name: 'process_start_time_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'Start time of the process since unix epoch in seconds.' },
  { name: 'process_resident_memory_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Resident memory size in bytes.' },
  { name: 'process_virtual_memory_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Virtual memory size in bytes.', linuxOnly: true },
  { name: 'process_heap_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Process heap size in bytes.', linuxOnly: true },
  { name: 'process_open_fds', type: 'gauge', category: 'runtime', unit: 'file descriptors', labels: [], help: 'Number of open file descriptors.', linuxOnly: true },
  { name: 'process_max_fds', type: 'gauge', category: 'runtime', unit: 'file descriptors', labels: [], help: 'Maximum number of open file descriptors.', linuxOnly: true },
  { name: 'nodejs_eventloop_lag_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'Lag of event loop in seconds.' },
  { name: 'nodejs_eventloop_lag_min_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The minimum recorded event loop delay.' },
  { name: 'nodejs_eventloop_lag_max_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The maximum recorded event loop delay.' },
  { name: 'nodejs_eventloop_lag_mean_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The mean of the recorded event loop delays.' },
  { name: 'nodejs_eventloop_lag_stddev_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The standard deviation of the recorded event loop delays.' },
  { name: 'nodejs_eventloop_lag_p50_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The 50th percentile of the recorded event loop delays.' },
  { name: 'nodejs_eventloop_lag_p90_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The 90th percentile of the recorded event loop delays.' },
  { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge', category: 'runtime', unit: 'seconds', labels: [], help: 'The 99th percentile of the recorded event loop delays.' },
  { name: 'nodejs_active_resources', type: 'gauge', category: 'runtime', unit: 'resources', labels: ['type'], help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.' },
  { name: 'nodejs_active_handles', type: 'gauge', category: 'runtime', unit: 'handles', labels: ['type'], help: 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.' },
  { name: 'nodejs_active_requests', type: 'gauge', category: 'runtime', unit: 'requests', labels: ['type'], help: 'Number of active libuv requests grouped by request type. Every request type is C++ class name.' },
  { name: 'nodejs_heap_size_total_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Process heap size from Node.js in bytes.' },
  { name: 'nodejs_heap_size_used_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Process heap size used from Node.js in bytes.' },
  { name: 'nodejs_external_memory_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: [], help: 'Node.js external memory size in bytes.' },
  { name: 'nodejs_heap_space_size_total_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: ['space'], help: 'Process heap space size total from Node.js in bytes.' },
  { name: 'nodejs_heap_space_size_used_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: ['space'], help: 'Process heap space size used from Node.js in bytes.' },
  { name: 'nodejs_heap_space_size_available_bytes', type: 'gauge', category: 'runtime', unit: 'bytes', labels: ['space'], help: 'Process heap space size available from Node.js in bytes.' },
  { name: 'nodejs_version_info', type: 'gauge', category: 'runtime', unit: 'info', labels: ['version', 'major', 'minor', 'patch'], help: 'Node.js version info.' },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram', category: 'runtime', unit: 'seconds', labels: ['kind'], buckets: [0.001, 0.01, 0.1, 1, 2, 5], help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.' },
];

/** prom-client default metrics that are registered but not exported (see RUNTIME_METRICS). */
export const SUPPRESSED_RUNTIME_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

export const CATALOGUE: readonly MetricSpec[] = [...APP_METRICS, ...RUNTIME_METRICS];

export function metricSpec(name: string): MetricSpec {
  const spec = CATALOGUE.find((m) => m.name === name);
  if (!spec) throw new Error(`unknown metric "${name}"; the catalogue has: ${APP_METRICS.map((m) => m.name).join(', ')}`);
  return spec;
}

/** The rows of the README table, one per metric, in catalogue order. */
export function catalogueMarkdown(): string {
  const rows = ['| Metric | Type | Unit | Labels | Category | Meaning |', '|---|---|---|---|---|---|'];
  for (const m of CATALOGUE) {
    const labels = m.labels.length ? m.labels.map((l) => `\`${l}\``).join(', ') : '—';
    const help = m.help.replace(/\|/g, '\\|') + (m.linuxOnly ? ' (Linux only)' : '');
    rows.push(`| \`${m.name}\` | ${m.type} | ${m.unit} | ${labels} | ${m.category} | ${help} |`);
  }
  return rows.join('\n');
}

/** The README table of label value domains. */
export function labelsMarkdown(): string {
  const rows = ['| Label | Values | Meaning |', '|---|---|---|'];
  for (const l of Object.values(LABELS)) {
    const values =
      l.kind === 'enum' ? [...(l.values ?? []), OTHER].map((v) => `\`${v}\``).join(', ')
      : l.kind === 'route' ? 'route templates; unknown or malformed: `other`'
      : l.kind === 'open' ? 'identifiers `[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}`, or the `--label-values` allow-list; else `other`'
      : 'set by the exporter';
    rows.push(`| \`${l.name}\` | ${values} | ${l.description} |`);
  }
  return rows.join('\n');
}
