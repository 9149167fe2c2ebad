import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_METRICS, M, MetricSpec, OTHER, SUPPRESSED_RUNTIME_METRICS, TRANSACTION_STATUSES } from './catalogue';
import { ExpositionFormat, FamilyJson, serialize } from './exposition';
import { LabelAllowList, LabelNormalizer, isOpenLabel, statusClass } from './labels';
import { DEFAULT_WINDOWS, SloSpec, SloTracker, WindowSpec, parseWindow } from './slo';
import { VERSION } from './version';

/**
 * AppMetrics: the catalogue as live prom-client metrics, behind a recording API that bounds
 * every label value and caps the series of each metric.
 *
 * Series cap (`maxSeries`, per metric): once a metric holds that many label sets, a new label
 * set is refused and counted in app_exporter_series_dropped_total{metric}. Counters and
 * histograms then record the observation with their open labels (route, product, ...) folded
 * into `other`, so totals and SLO ratios stay right; gauges drop it, since a gauge summed from
 * unrelated series would be wrong.
 */

export type Labels = Readonly<Record<string, string>>;

export interface AppMetricsOptions {
  /** Label sets per metric. @default 500 */
  readonly maxSeries?: number;
  /** Allowed values for open labels and routes. @default none (any well-formed value) */
  readonly allow?: LabelAllowList;
  /** @default DEFAULT_SLOS */
  readonly slos?: readonly SloSpec[];
  /** @default DEFAULT_WINDOWS */
  readonly windows?: readonly WindowSpec[];
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Export prom-client's process and Node.js runtime metrics. @default true */
  readonly defaultMetrics?: boolean;
  /** The `source` label of app_exporter_build_info. @default 'library' */
  readonly source?: string;
}

export const DEFAULT_MAX_SERIES = 500;

export const DEFAULT_SLOS: readonly SloSpec[] = [
  { name: 'availability', kind: 'availability', objective: 0.999 },
  { name: 'latency', kind: 'latency', objective: 0.99, thresholdSeconds: 0.5 },
];

export function defaultWindows(): WindowSpec[] {
  return DEFAULT_WINDOWS.map((label) => ({ label, seconds: parseWindow(label) as number }));
}

export interface RequestObservation {
  readonly method: string;
  /** Route template, e.g. `/users/:id`. Give this or `path`. */
  readonly route?: string;
  /** Raw request path; templated (ids replaced, or matched against the route allow-list). */
  readonly path?: string;
  readonly status: number;
  readonly durationSeconds: number;
  readonly requestBytes?: number;
  readonly responseBytes?: number;
  /** Also count an app_errors_total of this type for the request. */
  readonly errorType?: string;
}

export interface ErrorObservation {
  readonly type: string;
  readonly route?: string;
  readonly path?: string;
  readonly status?: number;
}

export interface DbPoolState {
  readonly active?: number;
  readonly idle?: number;
  readonly max?: number;
  readonly waiters?: number;
}

type AppMetric = Counter<string> | Gauge<string> | Histogram<string>;

interface Guarded {
  readonly spec: MetricSpec;
  readonly metric: AppMetric;
  readonly admitted: Set<string>;
  readonly overflow: Set<string>;
  /** Histograms: the upper bounds and their keys in prom-client's bucketValues. */
  readonly bounds: readonly number[];
  readonly boundKeys: readonly string[];
}

/** The exporter's own metrics. */
export interface ExporterMetrics {
  readonly series: Gauge<'metric'>;
  readonly seriesDropped: Counter<'metric'>;
  readonly labelValuesFolded: Counter<'metric' | 'label'>;
  readonly eventBatches: Counter<'outcome'>;
  readonly events: Counter<'outcome'>;
  readonly statsPolls: Counter<'outcome'>;
  readonly statsUp: Gauge;
  readonly statsLastSuccess: Gauge;
  readonly incidentActive: Gauge;
  readonly incidentErrorRatio: Gauge;
}

const KEY_SEP = '\u0001';

/**
 * prom-client 15 keeps each series of a metric in `hashMap`, under a key made of the label
 * names (sorted) and values; a counter's series is `{ value }`, a histogram's
 * `{ sum, count, bucketValues }` with one count per upper bound. Adding to a series found there
 * directly costs a fraction of `inc(labels)` / `observe(labels)`, which validate and hash the
 * labels object on every call. Used only when PROM_SERIES_LAYOUT holds (checked once, on
 * throwaway metrics); a series that is not there (new, or after a reset) goes through the
 * public call, which creates it.
 */
interface PromInternals {
  readonly hashMap?: Record<string, { value?: number; sum?: number; count?: number; bucketValues?: Record<string, number> } | undefined>;
  readonly sortedLabelNames?: readonly string[];
  readonly upperBounds?: readonly number[];
}

function promHash(sortedLabelNames: readonly string[], labels: Labels): string {
  let hash = '';
  for (const name of sortedLabelNames) {
    const v = labels[name];
    if (v !== undefined) hash += `${name}:${v},`;
  }
  return hash;
}

const PROM_SERIES_LAYOUT: boolean = (() => {
  try {
    const labels = { b: 'y', a: 'x' };
    const c = new Counter({ name: 'layout_probe_total', help: 'probe', labelNames: ['b', 'a'], registers: [] });
    c.inc(labels, 2);
    const h = new Histogram({ name: 'layout_probe', help: 'probe', labelNames: ['b', 'a'], buckets: [0.5, 1], registers: [] });
    h.observe(labels, 0.75);
    const ci = c as unknown as PromInternals;
    const hi = h as unknown as PromInternals;
    if (!ci.sortedLabelNames || !hi.sortedLabelNames || !Array.isArray(hi.upperBounds)) return false;
    const cs = ci.hashMap?.[promHash(ci.sortedLabelNames, labels)];
    const hs = hi.hashMap?.[promHash(hi.sortedLabelNames, labels)];
    return cs?.value === 2 && hs?.sum === 0.75 && hs.count === 1 && hs.bucketValues?.['0.5'] === 0 && hs.bucketValues['1'] === 1;
  } catch {
    return false;
  }
})();

/** One admitted label set of a counter or histogram, ready to record into. */
interface Series {
  readonly labels: Record<string, string>;
  /** prom-client's key of the series. */
  readonly hash: string;
}

/** The series observeRequest records one (method, route, status) into, filled as they are first used. */
interface RequestSeries {
  readonly method: string;
  readonly route: string;
  readonly statusClass: string;
  requests?: Series;
  duration?: Series;
  requestSize?: Series;
  responseSize?: Series;
}

function checkDelta(name: string, delta: number): void {
  if (!(delta >= 0) || !Number.isFinite(delta)) throw new Error(`${name}: a counter only goes up; delta must be a finite number >= 0, got ${delta}`);
}

function checkObservation(name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`${name}: value must be a finite number >= 0, got ${value}`);
}

export class AppMetrics {
  readonly registry = new Registry();
  readonly slo: SloTracker;
  readonly exporter: ExporterMetrics;
  readonly maxSeries: number;
  private readonly now: () => number;
  private readonly guarded = new Map<string, Guarded>();
  private readonly labels: LabelNormalizer;
  /** Folds and drops so far: a label set whose recording made none can be cached. */
  private sideEffects = 0;
  /** observeRequest's series by method, route and status; bounded (see requestSeries). */
  private readonly requestCache = new Map<string, RequestSeries>();
  /** Transaction types whose statuses have been started at 0. */
  private readonly transactionTypes = new Set<string>();
  private readonly requestCacheMax: number;
  private readonly g: { requests: Guarded; duration: Guarded; requestSize: Guarded; responseSize: Guarded };

  constructor(options: AppMetricsOptions = {}) {
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    if (!Number.isInteger(this.maxSeries) || this.maxSeries < 1) throw new Error(`maxSeries must be a positive integer, got ${this.maxSeries}`);
    this.now = options.now ?? Date.now;
    this.slo = new SloTracker(options.slos ?? DEFAULT_SLOS, options.windows ?? defaultWindows());
    const folded = () => this.exporter.labelValuesFolded;
    this.labels = new LabelNormalizer({
      allow: options.allow,
      onFold: (metric, label) => {
        this.sideEffects++;
        folded().inc({ metric, label });
      },
    });
    // method case variants x label sets a metric can hold, with room to spare
    this.requestCacheMax = Math.max(1000, 4 * this.maxSeries);

    const reg = [this.registry];
    const exporterMetrics: Partial<Record<string, AppMetric>> = {};
    for (const spec of APP_METRICS) {
      const common = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: reg };
      let metric: AppMetric;
      if (spec.type === 'counter') metric = new Counter(common);
      else if (spec.type === 'histogram') metric = new Histogram({ ...common, buckets: [...(spec.buckets ?? [])] });
      else metric = new Gauge(this.sloCollector(spec) ? { ...common, collect: this.sloCollector(spec) } : common);
      if (spec.category === 'exporter' || spec.category === 'slo') exporterMetrics[spec.name] = metric;
      else {
        const bounds = (metric as unknown as PromInternals).upperBounds ?? [];
        this.guarded.set(spec.name, { spec, metric, admitted: new Set(), overflow: new Set(), bounds, boundKeys: bounds.map(String) });
      }
    }
    const get = <T>(name: string) => exporterMetrics[name] as unknown as T;
    this.exporter = {
      series: get(M.exporterSeries),
      seriesDropped: get(M.exporterSeriesDropped),
      labelValuesFolded: get(M.exporterLabelValuesFolded),
      eventBatches: get(M.exporterEventBatches),
      events: get(M.exporterEvents),
      statsPolls: get(M.exporterStatsPolls),
      statsUp: get(M.exporterStatsUp),
      statsLastSuccess: get(M.exporterStatsLastSuccess),
      incidentActive: get(M.exporterIncidentActive),
      incidentErrorRatio: get(M.exporterIncidentErrorRatio),
    };
    get<Gauge>(M.exporterBuildInfo).set({ version: VERSION, source: options.source ?? 'library' }, 1);
    const objective = get<Gauge<'slo'>>(M.sloObjective);
    for (const slo of this.slo.slos) objective.set({ slo: slo.name }, slo.objective);
    this.exporter.incidentActive.set(0);
    this.exporter.incidentErrorRatio.set(0);
    for (const name of this.guarded.keys()) this.exporter.series.set({ metric: name }, 0);
    this.g = { requests: this.guard(M.httpRequests), duration: this.guard(M.httpRequestDuration), requestSize: this.guard(M.httpRequestSize), responseSize: this.guard(M.httpResponseSize) };

    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of SUPPRESSED_RUNTIME_METRICS) this.registry.removeSingleMetric(name);
    }
  }

  /** The collect() of the windowed SLO gauges: computed at scrape time, absent when a window is empty. */
  private sloCollector(spec: MetricSpec): (() => void) | undefined {
    const pick: Partial<Record<string, (v: ReturnType<SloTracker['snapshot']>[number]) => number | undefined>> = {
      [M.sloAvailability]: (v) => v.ratio,
      [M.sloBurnRate]: (v) => v.burnRate,
      [M.sloErrorBudgetRemaining]: (v) => v.budgetRemaining,
    };
    const f = pick[spec.name];
    if (!f) return undefined;
    const tracker = () => this.slo;
    const now = () => this.now();
    return function (this: Gauge<string>) {
      this.reset();
      for (const v of tracker().snapshot(now())) {
        const value = f(v);
        if (value !== undefined) this.set({ slo: v.slo, window: v.window }, value);
      }
    };
  }

  /** Bounded labels for a metric, or an Error naming the missing label. */
  private normalize(spec: MetricSpec, raw: Labels): Record<string, string> {
    const out: Record<string, string> = {};
    for (const label of spec.labels) {
      const v = raw[label];
      if (v === undefined) throw new Error(`${spec.name}: label "${label}" is required (labels: ${spec.labels.join(', ')})`);
      out[label] = this.labels.value(spec.name, label, v);
    }
    for (const key of Object.keys(raw)) {
      if (!spec.labels.includes(key)) throw new Error(`${spec.name}: has no label "${key}" (labels: ${spec.labels.join(', ') || 'none'})`);
    }
    return out;
  }

  /** Admit a label set under the cap; returns the labels to record with, or undefined to drop. */
  private admit(g: Guarded, labels: Record<string, string>): Record<string, string> | undefined {
    const key = g.spec.labels.map((l) => labels[l]).join(KEY_SEP);
    if (g.admitted.has(key) || g.overflow.has(key)) return labels;
    if (g.admitted.size < this.maxSeries) {
      g.admitted.add(key);
      this.exporter.series.set({ metric: g.spec.name }, g.admitted.size + g.overflow.size);
      return labels;
    }
    this.sideEffects++;
    this.exporter.seriesDropped.inc({ metric: g.spec.name });
    if (g.spec.type === 'gauge') return undefined;
    const folded = Object.fromEntries(g.spec.labels.map((l) => [l, isOpenLabel(l) ? OTHER : (labels[l] as string)]));
    const foldedKey = g.spec.labels.map((l) => folded[l]).join(KEY_SEP);
    if (!g.admitted.has(foldedKey) && !g.overflow.has(foldedKey)) {
      // Bounded by the product of the enum labels' value sets.
      g.overflow.add(foldedKey);
      this.exporter.series.set({ metric: g.spec.name }, g.admitted.size + g.overflow.size);
    }
    return folded;
  }

  private guard(name: string): Guarded {
    const g = this.guarded.get(name);
    if (!g) throw new Error(`"${name}" is not an application metric of the catalogue; use one of: ${[...this.guarded.keys()].join(', ')}`);
    return g;
  }

  /** Set a gauge. Returns false if the series cap dropped it. */
  set(name: string, labels: Labels, value: number): boolean {
    const g = this.guard(name);
    if (g.spec.type !== 'gauge') throw new Error(`${name} is a ${g.spec.type}, not a gauge`);
    if (!Number.isFinite(value)) throw new Error(`${name}: value must be a finite number, got ${value}`);
    const l = this.admit(g, this.normalize(g.spec, labels));
    if (!l) return false;
    (g.metric as Gauge<string>).set(l, value);
    return true;
  }

  /** Add to a counter (delta >= 0). */
  inc(name: string, labels: Labels, delta = 1): void {
    const g = this.guard(name);
    if (g.spec.type !== 'counter') throw new Error(`${name} is a ${g.spec.type}, not a counter`);
    checkDelta(name, delta);
    const l = this.admit(g, this.normalize(g.spec, labels)) as Record<string, string>;
    (g.metric as Counter<string>).inc(l, delta);
  }

  /** Observe a value into a histogram (value >= 0). */
  observe(name: string, labels: Labels, value: number): void {
    const g = this.guard(name);
    if (g.spec.type !== 'histogram') throw new Error(`${name} is a ${g.spec.type}, not a histogram`);
    checkObservation(name, value);
    const l = this.admit(g, this.normalize(g.spec, labels)) as Record<string, string>;
    (g.metric as Histogram<string>).observe(l, value);
  }

  /** Remove a gauge series (a value that no longer exists); frees its place under the cap. */
  remove(name: string, labels: Labels): void {
    const g = this.guard(name);
    const l = this.normalize(g.spec, labels);
    const key = g.spec.labels.map((k) => l[k]).join(KEY_SEP);
    if (g.admitted.delete(key) || g.overflow.delete(key)) {
      this.requestCache.clear();
      g.metric.remove(l);
      this.exporter.series.set({ metric: name }, g.admitted.size + g.overflow.size);
    }
  }

  /** Label sets currently held by a metric. */
  seriesCount(name: string): number {
    const g = this.guard(name);
    return g.admitted.size + g.overflow.size;
  }

  private route(r: { route?: string; path?: string }): string {
    if (r.route !== undefined) return r.route;
    if (r.path !== undefined) return this.labels.routeForPath(M.httpRequests, r.path);
    return 'none';
  }

  // ---- the typed API every source uses ----

  /** One completed HTTP request: counter, duration, sizes, SLO windows (at time `tMs`). */
  observeRequest(r: RequestObservation, tMs = this.now()): void {
    if (r.route === undefined || r.errorType !== undefined) {
      this.observeRequestLabelled(r, tMs);
      return;
    }
    // The steps of observeRequestLabelled, in the same order (throwing at the same point), with
    // the label sets of this method, route and status looked up once.
    const e = this.requestSeries(r.method, r.route, r.status);
    const g = this.g;
    this.count(g.requests, e.requests ?? this.series(g.requests, e, 'requests'), 1);
    checkObservation(M.httpRequestDuration, r.durationSeconds);
    this.record(g.duration, e.duration ?? this.series(g.duration, e, 'duration'), r.durationSeconds);
    if (r.requestBytes !== undefined) {
      checkObservation(M.httpRequestSize, r.requestBytes);
      this.record(g.requestSize, e.requestSize ?? this.series(g.requestSize, e, 'requestSize'), r.requestBytes);
    }
    if (r.responseBytes !== undefined) {
      checkObservation(M.httpResponseSize, r.responseBytes);
      this.record(g.responseSize, e.responseSize ?? this.series(g.responseSize, e, 'responseSize'), r.responseBytes);
    }
    this.slo.record(tMs, r);
  }

  /** observeRequest through the general inc and observe (labels normalized and admitted on every call). */
  private observeRequestLabelled(r: RequestObservation, tMs: number): void {
    const route = this.route(r);
    const status_class = statusClass(r.status);
    const method = r.method;
    this.inc(M.httpRequests, { method, route, status_class });
    this.observe(M.httpRequestDuration, { method, route, status_class }, r.durationSeconds);
    if (r.requestBytes !== undefined) this.observe(M.httpRequestSize, { method, route }, r.requestBytes);
    if (r.responseBytes !== undefined) this.observe(M.httpResponseSize, { method, route, status_class }, r.responseBytes);
    if (r.errorType !== undefined) this.inc(M.errors, { type: r.errorType, route, status_class });
    this.slo.record(tMs, { status: r.status, durationSeconds: r.durationSeconds });
  }

  private requestSeries(method: string, route: string, status: number): RequestSeries {
    const key = `${method}${KEY_SEP}${route}${KEY_SEP}${status}`;
    let e = this.requestCache.get(key);
    if (e === undefined) {
      e = { method, route, statusClass: statusClass(status) };
      // Past the bound (raw values that all fold into a few label sets) nothing is cached: slower, same result.
      if (this.requestCache.size < this.requestCacheMax) this.requestCache.set(key, e);
    }
    return e;
  }

  /**
   * The label set a request records into on `g`, normalized and admitted exactly as inc and
   * observe do. Cached in `e` unless that folded a value or hit the series cap: those count
   * something on every call, so such a request takes this path every time.
   */
  private series(g: Guarded, e: RequestSeries, field: 'requests' | 'duration' | 'requestSize' | 'responseSize'): Series {
    const raw: Labels = field === 'requestSize' ? { method: e.method, route: e.route } : { method: e.method, route: e.route, status_class: e.statusClass };
    const before = this.sideEffects;
    const labels = this.admit(g, this.normalize(g.spec, raw)) as Record<string, string>;
    const s: Series = { labels, hash: promHash((g.metric as unknown as PromInternals).sortedLabelNames ?? [], labels) };
    if (this.sideEffects === before) e[field] = s;
    return s;
  }

  /** Add to a counter's series (delta checked). */
  private count(g: Guarded, s: Series, delta: number): void {
    const stored = PROM_SERIES_LAYOUT ? (g.metric as unknown as PromInternals).hashMap?.[s.hash] : undefined;
    if (stored !== undefined && typeof stored.value === 'number') stored.value += delta;
    else (g.metric as Counter<string>).inc(s.labels, delta);
  }

  /** Observe into a histogram's series (value checked). */
  private record(g: Guarded, s: Series, value: number): void {
    const stored = PROM_SERIES_LAYOUT ? (g.metric as unknown as PromInternals).hashMap?.[s.hash] : undefined;
    if (stored === undefined || stored.bucketValues === undefined || stored.sum === undefined || stored.count === undefined) {
      (g.metric as Histogram<string>).observe(s.labels, value);
      return;
    }
    stored.sum += value;
    stored.count += 1;
    const bounds = g.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        const key = g.boundKeys[i] as string;
        stored.bucketValues[key] = (stored.bucketValues[key] as number) + 1;
        break;
      }
    }
  }

  /** An application error (not necessarily tied to a request). */
  recordError(e: ErrorObservation, count = 1): void {
    this.inc(M.errors, { type: e.type, route: this.route(e), status_class: statusClass(e.status) }, count);
  }

  setActiveUsers(tier: string, users: number): boolean {
    return this.set(M.activeUsers, { tier }, users);
  }

  addRevenue(product: string, region: string, amount: number): void {
    this.inc(M.revenue, { product, region }, amount);
  }

  /**
   * Count finished transactions. The first time a transaction type is seen, every final status
   * of it starts at 0, so that a ratio such as "failed / all" reads 0 rather than no data before
   * the first failure (and `rate()` sees the first failure as an increase).
   */
  countTransaction(type: string, status: string, count = 1): void {
    if (!this.transactionTypes.has(type)) {
      this.transactionTypes.add(type);
      for (const s of TRANSACTION_STATUSES) this.inc(M.transactions, { type, status: s }, 0);
    }
    this.inc(M.transactions, { type, status }, count);
  }

  countFeatureUse(feature: string, tier: string, count = 1): void {
    this.inc(M.featureUsage, { feature, tier }, count);
  }

  setDbPool(pool: string, s: DbPoolState): void {
    if (s.active !== undefined) this.set(M.dbPoolConnections, { pool, state: 'active' }, s.active);
    if (s.idle !== undefined) this.set(M.dbPoolConnections, { pool, state: 'idle' }, s.idle);
    if (s.max !== undefined) this.set(M.dbPoolMaxConnections, { pool }, s.max);
    if (s.waiters !== undefined) this.set(M.dbPoolWaiters, { pool }, s.waiters);
  }

  observeDbQuery(pool: string, operation: string, seconds: number): void {
    this.observe(M.dbQueryDuration, { pool, operation }, seconds);
  }

  countCache(cache: string, hits: number, misses: number): void {
    if (hits > 0) this.inc(M.cacheHits, { cache }, hits);
    if (misses > 0) this.inc(M.cacheMisses, { cache }, misses);
  }

  setQueueDepth(queue: string, depth: number): boolean {
    return this.set(M.queueDepth, { queue }, depth);
  }

  observeQueueJob(queue: string, seconds: number): void {
    this.observe(M.queueProcessingDuration, { queue }, seconds);
  }

  /** The exposition in the given format. */
  async render(format: ExpositionFormat = 'prometheus'): Promise<string> {
    const families = (await this.registry.getMetricsAsJSON()) as unknown as FamilyJson[];
    return serialize(families, format);
  }
}
