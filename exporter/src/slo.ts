import { DURATION_BUCKETS } from './catalogue';

/**
 * SLOs computed by the exporter over sliding windows of the request outcomes it sees.
 *
 * Definitions (chosen so that PromQL over the exported counters computes the same SLI):
 * - `availability`: good = status below 500; the bad fraction equals
 *   `sum(rate(app_http_requests_total{status_class="5xx"}[w])) / sum(rate(app_http_requests_total[w]))`.
 * - `latency`: good = duration <= threshold (a bucket bound); the good fraction equals
 *   `sum(rate(app_http_request_duration_seconds_bucket{le="<threshold>"}[w])) / sum(rate(app_http_request_duration_seconds_count[w]))`.
 *
 * A window of W seconds is kept as B = min(W, 3600) buckets of r = W/B seconds. An event at
 * time t is in the window at time `now` when floor(t/r) > floor(now/r) - B: the last B
 * buckets, the current partial one included. With r = 1 s (windows up to 1 h) and whole-second
 * times that is exactly (now - W, now]; longer windows are exact to within r (W/3600).
 */

export type SloKind = 'availability' | 'latency';

export interface SloSpec {
  readonly name: string;
  readonly kind: SloKind;
  /** Target fraction of good requests, in (0, 1). */
  readonly objective: number;
  /** Latency SLOs: the duration in seconds a good request stays within; one of DURATION_BUCKETS. */
  readonly thresholdSeconds?: number;
}

export interface WindowSpec {
  /** As written, e.g. `5m`; the `window` label value. */
  readonly label: string;
  readonly seconds: number;
}

export interface RequestOutcome {
  readonly status: number;
  readonly durationSeconds: number;
}

export interface SloWindowValue {
  readonly slo: string;
  readonly window: string;
  readonly objective: number;
  readonly good: number;
  readonly total: number;
  /** good / total; undefined when total is 0. */
  readonly ratio?: number;
  /** (1 - ratio) / (1 - objective); undefined when total is 0. */
  readonly burnRate?: number;
  /** 1 - burnRate; undefined when total is 0. */
  readonly budgetRemaining?: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parse `30s`, `5m`, `1h`, `1d`, `2w` (one unit) into whole seconds; undefined if malformed. */
export function parseWindow(text: string): number | undefined {
  const m = /^([1-9]\d{0,6})([smhdw])$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
}

export const DEFAULT_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'] as const;
export const MAX_BUCKETS = 3600;

/** Good/total counts over a sliding window, in a ring of time buckets. */
export class SlidingWindow {
  readonly buckets: number;
  /** Bucket width in milliseconds. */
  readonly resolutionMs: number;
  private readonly stamp: Float64Array;
  private readonly good: Float64Array;
  private readonly total: Float64Array;

  constructor(readonly seconds: number, maxBuckets = MAX_BUCKETS) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`window must be a whole number of seconds >= 1, got ${seconds}`);
    this.buckets = Math.min(seconds, maxBuckets);
    this.resolutionMs = (seconds * 1000) / this.buckets;
    this.stamp = new Float64Array(this.buckets).fill(-Infinity);
    this.good = new Float64Array(this.buckets);
    this.total = new Float64Array(this.buckets);
  }

  private bucketOf(tMs: number): number {
    return Math.floor(tMs / this.resolutionMs);
  }

  add(tMs: number, good: number, total: number): void {
    const k = this.bucketOf(tMs);
    const slot = ((k % this.buckets) + this.buckets) % this.buckets;
    const s = this.stamp[slot] as number;
    if (s > k) return; // older than what the slot holds now: already outside the window
    if (s < k) {
      this.stamp[slot] = k;
      this.good[slot] = 0;
      this.total[slot] = 0;
    }
    this.good[slot] = (this.good[slot] as number) + good;
    this.total[slot] = (this.total[slot] as number) + total;
  }

  read(nowMs: number): { good: number; total: number } {
    const kNow = this.bucketOf(nowMs);
    let good = 0;
    let total = 0;
    for (let i = 0; i < this.buckets; i++) {
      const s = this.stamp[i] as number;
      if (s > kNow - this.buckets && s <= kNow) {
        good += this.good[i] as number;
        total += this.total[i] as number;
      }
    }
    return { good, total };
  }
}

/** Problems of SLO and window specs, each naming the field and the fix. */
export function sloProblems(slos: readonly SloSpec[], windows: readonly WindowSpec[]): string[] {
  const problems: string[] = [];
  for (const slo of slos) {
    if (!(slo.objective > 0 && slo.objective < 1)) problems.push(`SLO ${slo.name}: objective ${slo.objective} must be a ratio strictly between 0 and 1, e.g. 0.999`);
    if (slo.kind === 'latency') {
      const t = slo.thresholdSeconds;
      if (t === undefined || !(DURATION_BUCKETS as readonly number[]).includes(t)) {
        problems.push(`SLO ${slo.name}: latency threshold ${t} must be one of the request duration buckets (${DURATION_BUCKETS.join(', ')}) so PromQL over the histogram computes the same SLI`);
      }
    }
  }
  if (windows.length === 0) problems.push('at least one SLO window is needed');
  const seen = new Set<string>();
  for (const w of windows) {
    if (seen.has(w.label)) problems.push(`SLO window ${w.label} is listed twice`);
    seen.add(w.label);
  }
  return problems;
}

/** Tracks every SLO over every window. */
export class SloTracker {
  private readonly windows: { spec: WindowSpec; perSlo: SlidingWindow[] }[];

  constructor(readonly slos: readonly SloSpec[], windows: readonly WindowSpec[], maxBuckets = MAX_BUCKETS) {
    const problems = sloProblems(slos, windows);
    if (problems.length) throw new Error(problems.join('; '));
    this.windows = windows.map((spec) => ({ spec, perSlo: slos.map(() => new SlidingWindow(spec.seconds, maxBuckets)) }));
  }

  static isGood(slo: SloSpec, outcome: RequestOutcome): boolean {
    return slo.kind === 'availability' ? outcome.status < 500 : outcome.durationSeconds <= (slo.thresholdSeconds as number);
  }

  record(tMs: number, outcome: RequestOutcome): void {
    this.slos.forEach((slo, i) => {
      const good = SloTracker.isGood(slo, outcome) ? 1 : 0;
      for (const w of this.windows) (w.perSlo[i] as SlidingWindow).add(tMs, good, 1);
    });
  }

  snapshot(nowMs: number): SloWindowValue[] {
    const out: SloWindowValue[] = [];
    this.slos.forEach((slo, i) => {
      for (const w of this.windows) {
        const { good, total } = (w.perSlo[i] as SlidingWindow).read(nowMs);
        const base = { slo: slo.name, window: w.spec.label, objective: slo.objective, good, total };
        if (total === 0) {
          out.push(base);
          continue;
        }
        const ratio = good / total;
        const burnRate = (total - good) / total / (1 - slo.objective);
        out.push({ ...base, ratio, burnRate, budgetRemaining: 1 - burnRate });
      }
    });
    return out;
  }
}
