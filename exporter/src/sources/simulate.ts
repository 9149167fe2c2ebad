import { Logger } from '../log';
import { AppMetrics } from '../metrics';
import { Random } from '../random';

/**
 * The `simulate` source: synthetic but plausible traffic for an online shop, so that every
 * dashboard and alert of the stack has data without a real application.
 *
 * - Reproducible: the same `seed` and the same step times give the same metrics.
 * - Daily pattern: traffic follows the UTC hour, lowest at 03:00 (0.5x), highest at 15:00 (1.5x).
 * - Error bursts: on average `burstsPerDay` bursts a day (`--bursts-per-day`, default 4; 0 = none)
 *   of 1 to 5 minutes at 2 % to 15 % errors (baseline 0.05 %, half the 99.9 % availability
 *   budget). Each start is logged ("simulated error burst started").
 * - Incidents on demand: `--incident` at start or POST /v1/incident at run time forces an
 *   error ratio (and optionally slower responses) until stopped or for a duration. The forced
 *   ratio is exact, not drawn at random: every request at which the running share of failures
 *   would fall below it fails (one in 400 for 0.25 %), so the error ratio over any window that
 *   the incident fills is the incident's, and one that it partly fills moves monotonically
 *   towards it. An alert threshold it crosses is crossed once, not back and forth with the
 *   noise of random draws (which, near a threshold, made an alert flap). Bursts and the
 *   baseline stay random.
 */

export interface IncidentSpec {
  /** Fraction of requests that fail with 5xx, in (0, 1]. */
  readonly errorRatio: number;
  /** 0 = until stopped. */
  readonly durationSeconds: number;
  /** Response times are multiplied by this. @default 1 */
  readonly latencyFactor?: number;
}

export interface IncidentState {
  readonly active: boolean;
  readonly errorRatio: number;
  readonly latencyFactor: number;
  readonly startedAt?: string;
  /** ISO time, or null when it runs until stopped. */
  readonly endsAt?: string | null;
}

export function incidentProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['body: must be a JSON object {"errorRatio": 0.5, "durationSeconds": 300, "latencyFactor"?: 1}'];
  const o = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!['errorRatio', 'durationSeconds', 'latencyFactor'].includes(k)) problems.push(`${k}: unknown field; allowed: errorRatio, durationSeconds, latencyFactor`);
  const r = o.errorRatio;
  if (typeof r !== 'number' || !(r > 0 && r <= 1)) problems.push(`errorRatio: must be a number in (0, 1], e.g. 0.5, got ${JSON.stringify(r)}`);
  const d = o.durationSeconds ?? 0;
  if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) problems.push(`durationSeconds: must be a number of seconds >= 0 (0 = until DELETE /v1/incident), got ${JSON.stringify(d)}`);
  const f = o.latencyFactor ?? 1;
  if (typeof f !== 'number' || !(f >= 1 && f <= 100)) problems.push(`latencyFactor: must be a number from 1 to 100, got ${JSON.stringify(f)}`);
  return problems;
}

interface Route {
  readonly method: string;
  readonly route: string;
  readonly weight: number;
  readonly latency: number;
  readonly responseBytes: number;
  readonly queries: number;
  readonly cache?: string;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', route: '/api/products', weight: 30, latency: 0.04, responseBytes: 12000, queries: 1, cache: 'products' },
  { method: 'GET', route: '/api/products/:id', weight: 25, latency: 0.025, responseBytes: 2200, queries: 1, cache: 'products' },
  { method: 'GET', route: '/api/cart', weight: 12, latency: 0.03, responseBytes: 1500, queries: 1 },
  { method: 'POST', route: '/api/cart/items', weight: 10, latency: 0.06, responseBytes: 600, queries: 2 },
  { method: 'POST', route: '/api/checkout', weight: 5, latency: 0.25, responseBytes: 900, queries: 3 },
  { method: 'GET', route: '/api/users/:id', weight: 10, latency: 0.02, responseBytes: 800, queries: 1, cache: 'users' },
  { method: 'POST', route: '/api/login', weight: 5, latency: 0.12, responseBytes: 400, queries: 1 },
  { method: 'GET', route: '/api/search', weight: 3, latency: 0.15, responseBytes: 8000, queries: 2 },
];
const PRODUCTS = [
  { name: 'basic', price: 9.99, weight: 50 },
  { name: 'pro', price: 29.99, weight: 30 },
  { name: 'team', price: 99, weight: 15 },
  { name: 'enterprise', price: 499, weight: 5 },
];
const REGIONS = [
  { name: 'eu-west', weight: 40 },
  { name: 'us-east', weight: 40 },
  { name: 'ap-southeast', weight: 20 },
];
const TIERS = [
  { name: 'free', weight: 70, users: 1200 },
  { name: 'premium', weight: 25, users: 300 },
  { name: 'enterprise', weight: 5, users: 60 },
];
const FEATURES = [
  { name: 'search', perSecond: 1.5 },
  { name: 'recommendations', perSecond: 2 },
  { name: 'export', perSecond: 0.1 },
  { name: 'share', perSecond: 0.3 },
  { name: 'wishlist', perSecond: 0.5 },
];
const SERVER_ERRORS = [
  { type: 'dependency', status: 503, weight: 50 },
  { type: 'timeout', status: 504, weight: 30 },
  { type: 'internal', status: 500, weight: 20 },
];
const BASELINE_ERROR_RATIO = 0.0005;
const CLIENT_ERROR_RATIO = 0.02;
const POOL_MAX = 20;

export interface SimulatorOptions {
  readonly seed: number;
  /** Mean requests per second at the daily average. @default 20 */
  readonly requestsPerSecond?: number;
  /** Mean spontaneous error bursts per day; 0 = none. @default 4 */
  readonly burstsPerDay?: number;
  readonly logger?: Logger;
  /** Clock in milliseconds for the timer loop. @default Date.now */
  readonly now?: () => number;
}

/** Traffic multiplier for a time: 0.5 at 03:00 UTC, 1.5 at 15:00 UTC. */
export function dailyTraffic(tMs: number): number {
  const hour = (tMs / 3_600_000) % 24;
  return 1 + 0.5 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
}

export class Simulator {
  private readonly rng: Random;
  private readonly rps: number;
  private readonly burstsPerDay: number;
  private readonly now: () => number;
  private incidentSpec?: { errorRatio: number; latencyFactor: number; startMs: number; endMs: number | null };
  /** Failures owed by the incident: its ratio accumulates per request, a whole one fails a request. */
  private incidentErrorDebt = 0;
  private burst?: { startMs: number; endMs: number; errorRatio: number };
  private queueDepth = { emails: 20, orders: 5 };
  private timer?: NodeJS.Timeout;
  private lastStepMs?: number;
  steps = 0;

  constructor(
    private readonly metrics: AppMetrics,
    private readonly options: SimulatorOptions,
  ) {
    this.rng = new Random(options.seed);
    this.rps = options.requestsPerSecond ?? 20;
    this.burstsPerDay = options.burstsPerDay ?? 4;
    this.now = options.now ?? Date.now;
  }

  startIncident(spec: IncidentSpec, nowMs = this.now()): IncidentState {
    const p = incidentProblems(spec);
    if (p.length) throw new Error(p.join('; '));
    this.incidentSpec = {
      errorRatio: spec.errorRatio,
      latencyFactor: spec.latencyFactor ?? 1,
      startMs: nowMs,
      endMs: spec.durationSeconds > 0 ? nowMs + spec.durationSeconds * 1000 : null,
    };
    this.incidentErrorDebt = 0;
    const state = this.incident(nowMs);
    this.publishIncident(nowMs);
    this.options.logger?.warn('simulated incident started', { ...state });
    return state;
  }

  stopIncident(nowMs = this.now()): IncidentState {
    if (this.incidentSpec) this.options.logger?.info('simulated incident stopped', {});
    this.incidentSpec = undefined;
    this.publishIncident(nowMs);
    return this.incident(nowMs);
  }

  private incidentAt(tMs: number): { errorRatio: number; latencyFactor: number } | undefined {
    const i = this.incidentSpec;
    if (!i || tMs < i.startMs || (i.endMs !== null && tMs >= i.endMs)) return undefined;
    return i;
  }

  incident(nowMs = this.now()): IncidentState {
    const i = this.incidentSpec;
    if (!i || !this.incidentAt(nowMs)) return { active: false, errorRatio: 0, latencyFactor: 1 };
    return {
      active: true,
      errorRatio: i.errorRatio,
      latencyFactor: i.latencyFactor,
      startedAt: new Date(i.startMs).toISOString(),
      endsAt: i.endMs === null ? null : new Date(i.endMs).toISOString(),
    };
  }

  private publishIncident(nowMs: number): void {
    const s = this.incident(nowMs);
    this.metrics.exporter.incidentActive.set(s.active ? 1 : 0);
    this.metrics.exporter.incidentErrorRatio.set(s.errorRatio);
  }

  /** Simulate the `dtSeconds` that end at `nowMs`. */
  step(nowMs: number, dtSeconds: number): void {
    const dt = Math.min(Math.max(dtSeconds, 0), 60);
    const rng = this.rng;
    const m = this.metrics;
    const traffic = dailyTraffic(nowMs) * (1 + 0.05 * rng.normal());
    const startMs = nowMs - dt * 1000;
    this.steps++;

    // spontaneous error bursts
    if (this.burst && this.burst.endMs <= startMs) this.burst = undefined;
    if (!this.burst && rng.chance(1 - Math.exp((-this.burstsPerDay * dt) / 86400))) {
      const begin = startMs + rng.uniform(0, dt * 1000);
      this.burst = { startMs: begin, endMs: begin + rng.uniform(60, 300) * 1000, errorRatio: rng.uniform(0.02, 0.15) };
      this.options.logger?.warn('simulated error burst started', {
        startedAt: new Date(this.burst.startMs).toISOString(),
        endsAt: new Date(this.burst.endMs).toISOString(),
        errorRatio: this.burst.errorRatio,
      });
    }

    let checkouts = 0;
    const n = rng.poisson(this.rps * dt * traffic);
    for (let i = 0; i < n; i++) {
      const t = startMs + ((i + 0.5) / n) * dt * 1000;
      const incident = this.incidentAt(t);
      const inBurst = this.burst && t >= this.burst.startMs && t < this.burst.endMs ? this.burst.errorRatio : 0;
      const errorRatio = Math.max(BASELINE_ERROR_RATIO, inBurst, incident?.errorRatio ?? 0);
      const latencyFactor = incident?.latencyFactor ?? 1;
      const r = rng.pick(ROUTES, (x) => x.weight);
      let duration = rng.logNormal(r.latency, 0.5) * latencyFactor;
      let status: number;
      let errorType: string | undefined;
      let fails: boolean;
      if (incident && incident.errorRatio >= errorRatio) {
        // Exact: the debt grows by the ratio per request; a whole failure owed fails this one.
        this.incidentErrorDebt += incident.errorRatio;
        fails = this.incidentErrorDebt >= 1 - 1e-9;
        if (fails) this.incidentErrorDebt -= 1;
      } else {
        fails = rng.chance(errorRatio);
      }
      if (fails) {
        const e = rng.pick(SERVER_ERRORS, (x) => x.weight);
        status = e.status;
        errorType = e.type;
        if (e.type === 'timeout') duration = rng.uniform(2.5, 5);
      } else if (rng.chance(CLIENT_ERROR_RATIO)) {
        if (r.route === '/api/login') [status, errorType] = [401, 'unauthorized'];
        else if (r.method === 'POST') [status, errorType] = [400, 'validation'];
        else [status, errorType] = [404, 'not_found'];
      } else if (r.method === 'GET' && rng.chance(0.03)) {
        status = 304;
      } else {
        status = r.method === 'POST' && r.route !== '/api/login' ? 201 : 200;
      }
      const requestBytes = r.method === 'POST' ? Math.round(rng.logNormal(900, 0.6)) : 0;
      const responseBytes = status === 304 ? 0 : Math.round(rng.logNormal(status >= 400 ? 200 : r.responseBytes, 0.4));
      m.observeRequest({ method: r.method, route: r.route, status, durationSeconds: duration, requestBytes, responseBytes, errorType }, t);

      for (let q = 0; q < r.queries; q++) {
        const operation = r.method === 'GET' ? 'select' : rng.pick(['insert', 'update', 'select'], (o) => (o === 'select' ? 2 : 1));
        m.observeDbQuery('main', operation, rng.logNormal(0.004, 0.8) * latencyFactor);
      }
      if (r.cache) {
        const hit = rng.chance(incident ? 0.6 : 0.93);
        m.countCache(r.cache, hit ? 1 : 0, hit ? 0 : 1);
      }
      const sessionHit = rng.chance(0.985);
      m.countCache('sessions', sessionHit ? 1 : 0, sessionHit ? 0 : 1);

      if (r.route === '/api/checkout') {
        if (status < 300) {
          checkouts++;
          const p = rng.pick(PRODUCTS, (x) => x.weight);
          m.countTransaction('purchase', 'succeeded');
          m.addRevenue(p.name, rng.pick(REGIONS, (x) => x.weight).name, p.price);
        } else {
          m.countTransaction('purchase', status >= 500 ? 'failed' : 'cancelled');
        }
      }
    }
    const refunds = rng.poisson(0.002 * dt * traffic);
    if (refunds > 0) m.countTransaction('refund', 'succeeded', refunds);

    // business gauges and counters
    for (const tier of TIERS) {
      m.setActiveUsers(tier.name, Math.max(0, Math.round(tier.users * traffic * (1 + 0.03 * rng.normal()))));
    }
    for (const f of FEATURES) {
      const uses = rng.poisson(f.perSecond * dt * traffic);
      for (let u = 0; u < uses; u++) m.countFeatureUse(f.name, rng.pick(TIERS, (x) => x.weight).name);
    }

    // infrastructure gauges
    const stepIncident = this.incidentAt(nowMs);
    const load = traffic * (stepIncident?.latencyFactor ?? 1) * (stepIncident ? 2 : 1);
    const active = Math.min(POOL_MAX, Math.max(0, Math.round(4 * load + rng.normal())));
    const idle = Math.max(0, Math.min(POOL_MAX - active, 6 + Math.round(rng.normal())));
    const waiters = active >= POOL_MAX ? rng.poisson(3 * load) : 0;
    m.setDbPool('main', { active, idle, max: POOL_MAX, waiters });

    this.queueDepth.emails = Math.max(0, Math.round(this.queueDepth.emails + 0.3 * (20 * traffic - this.queueDepth.emails) + 3 * rng.normal()));
    this.queueDepth.orders = Math.max(0, Math.round(this.queueDepth.orders + 0.3 * (checkouts + 2 - this.queueDepth.orders) + rng.normal()));
    m.setQueueDepth('emails', this.queueDepth.emails);
    m.setQueueDepth('orders', this.queueDepth.orders);
    for (let j = rng.poisson(1.5 * dt * traffic); j > 0; j--) m.observeQueueJob('emails', rng.logNormal(0.2, 0.5));
    for (let j = checkouts; j > 0; j--) m.observeQueueJob('orders', rng.logNormal(0.8, 0.5) * (stepIncident?.latencyFactor ?? 1));

    this.publishIncident(nowMs);
  }

  /** Step now and then every interval; each step covers the time since the previous one. */
  start(intervalSeconds: number): void {
    const tick = () => {
      const now = this.now();
      const dt = this.lastStepMs === undefined ? intervalSeconds : (now - this.lastStepMs) / 1000;
      this.lastStepMs = now;
      try {
        this.step(now, dt);
      } catch (e) {
        this.options.logger?.error('simulation step failed', { error: e });
      }
    };
    tick();
    this.timer = setInterval(tick, intervalSeconds * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
