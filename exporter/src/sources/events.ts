import { createHash } from 'crypto';
import { AppMetrics } from '../metrics';

/**
 * The `events` source: the application posts JSON batches to POST /v1/events.
 *
 * A batch is `{"events": [...], "batchId"?: "..."}`. It is atomic: every event is validated
 * first, and if any is invalid the whole batch is rejected (400, listing each problem by
 * path) and nothing is applied, so the client can fix and resend it without double counting.
 * A valid batch is applied at once, in one turn of the event loop, so no scrape sees half of
 * it. A `batchId` makes retries safe: a batch whose id was applied in the last 10 minutes is
 * acknowledged again and not applied twice (the same id with different events is a 409).
 */

export interface RequestEvent {
  readonly kind: 'request';
  readonly method: string;
  readonly route?: string;
  readonly path?: string;
  readonly status: number;
  readonly durationSeconds: number;
  readonly requestBytes?: number;
  readonly responseBytes?: number;
  readonly error?: string;
}
export interface ErrorEvent {
  readonly kind: 'error';
  readonly type: string;
  readonly route?: string;
  readonly path?: string;
  readonly status?: number;
  readonly count?: number;
}
export interface ActiveUsersEvent {
  readonly kind: 'active_users';
  readonly tier: string;
  readonly users: number;
}
export interface RevenueEvent {
  readonly kind: 'revenue';
  readonly product: string;
  readonly region: string;
  readonly amount: number;
}
export interface TransactionEvent {
  readonly kind: 'transaction';
  readonly type: string;
  readonly status: string;
  readonly count?: number;
}
export interface FeatureUsageEvent {
  readonly kind: 'feature_usage';
  readonly feature: string;
  readonly tier: string;
  readonly count?: number;
}
export interface DbPoolEvent {
  readonly kind: 'db_pool';
  readonly pool: string;
  readonly active?: number;
  readonly idle?: number;
  readonly max?: number;
  readonly waiters?: number;
}
export interface DbQueryEvent {
  readonly kind: 'db_query';
  readonly pool: string;
  readonly operation: string;
  readonly durationSeconds: number;
}
export interface CacheEvent {
  readonly kind: 'cache';
  readonly cache: string;
  readonly hits?: number;
  readonly misses?: number;
}
export interface QueueDepthEvent {
  readonly kind: 'queue_depth';
  readonly queue: string;
  readonly depth: number;
}
export interface QueueJobEvent {
  readonly kind: 'queue_job';
  readonly queue: string;
  readonly durationSeconds: number;
}

export type AppEvent =
  | RequestEvent
  | ErrorEvent
  | ActiveUsersEvent
  | RevenueEvent
  | TransactionEvent
  | FeatureUsageEvent
  | DbPoolEvent
  | DbQueryEvent
  | CacheEvent
  | QueueDepthEvent
  | QueueJobEvent;

type FieldType = 'label' | 'text' | 'status' | 'seconds' | 'count' | 'amount' | 'gauge';

interface FieldRule {
  readonly type: FieldType;
  readonly required: boolean;
}

const req = (type: FieldType): FieldRule => ({ type, required: true });
const opt = (type: FieldType): FieldRule => ({ type, required: false });

/** Fields of each event kind; `route`/`path` are checked separately (one of them is needed for requests). */
export const EVENT_FIELDS: Readonly<Record<AppEvent['kind'], Readonly<Record<string, FieldRule>>>> = {
  request: { method: req('label'), route: opt('text'), path: opt('text'), status: req('status'), durationSeconds: req('seconds'), requestBytes: opt('gauge'), responseBytes: opt('gauge'), error: opt('label') },
  error: { type: req('label'), route: opt('text'), path: opt('text'), status: opt('status'), count: opt('count') },
  active_users: { tier: req('label'), users: req('gauge') },
  revenue: { product: req('label'), region: req('label'), amount: req('amount') },
  transaction: { type: req('label'), status: req('label'), count: opt('count') },
  feature_usage: { feature: req('label'), tier: req('label'), count: opt('count') },
  db_pool: { pool: req('label'), active: opt('gauge'), idle: opt('gauge'), max: opt('gauge'), waiters: opt('gauge') },
  db_query: { pool: req('label'), operation: req('label'), durationSeconds: req('seconds') },
  cache: { cache: req('label'), hits: opt('count'), misses: opt('count') },
  queue_depth: { queue: req('label'), depth: req('gauge') },
  queue_job: { queue: req('label'), durationSeconds: req('seconds') },
};

const KINDS = Object.keys(EVENT_FIELDS) as AppEvent['kind'][];

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fieldProblem(rule: FieldRule, v: unknown): string | undefined {
  switch (rule.type) {
    case 'label':
      return typeof v === 'string' && v.length > 0 && v.length <= 256 ? undefined : 'must be a non-empty string of at most 256 characters';
    case 'text':
      return typeof v === 'string' && v.length > 0 && v.length <= 2048 ? undefined : 'must be a non-empty string of at most 2048 characters';
    case 'status':
      return Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599 ? undefined : 'must be an HTTP status code, an integer from 100 to 599';
    case 'seconds':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number of seconds >= 0 (not milliseconds)';
    case 'count':
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= Number.MAX_SAFE_INTEGER ? undefined : 'must be an integer >= 0';
    case 'amount':
    case 'gauge':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a finite number >= 0';
  }
}

/** Problems of one event, each prefixed with its path (`events[3].status`). */
export function eventProblems(e: unknown, at: string): string[] {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return [`${at}: must be an object with a "kind" field`];
  const obj = e as Record<string, unknown>;
  const kind = obj.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind as AppEvent['kind'])) {
    return [`${at}.kind: ${show(kind)} is not an event kind; use one of ${KINDS.join(', ')}`];
  }
  const fields = EVENT_FIELDS[kind as AppEvent['kind']];
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(fields)) {
    const v = obj[name];
    if (v === undefined) {
      if (rule.required) problems.push(`${at}.${name}: is required for kind "${kind}"`);
      continue;
    }
    const p = fieldProblem(rule, v);
    if (p) problems.push(`${at}.${name}: ${p}, got ${show(v)}`);
  }
  for (const name of Object.keys(obj)) {
    if (name !== 'kind' && !(name in fields)) problems.push(`${at}.${name}: unknown field for kind "${kind}"; allowed: ${Object.keys(fields).join(', ')}`);
  }
  if ('route' in fields) {
    const both = obj.route !== undefined && obj.path !== undefined;
    if (both) problems.push(`${at}: give "route" (a template like /users/:id) or "path" (the raw path), not both`);
    if (kind === 'request' && obj.route === undefined && obj.path === undefined) problems.push(`${at}.route: is required for kind "request" (or give "path")`);
    if (typeof obj.route === 'string' && !obj.route.startsWith('/')) problems.push(`${at}.route: must start with "/", got ${show(obj.route)}`);
  }
  if (kind === 'db_pool' && ['active', 'idle', 'max', 'waiters'].every((k) => obj[k] === undefined)) {
    problems.push(`${at}: a db_pool event needs at least one of active, idle, max, waiters`);
  }
  if (kind === 'cache' && obj.hits === undefined && obj.misses === undefined) problems.push(`${at}: a cache event needs hits or misses`);
  return problems;
}

export type BatchResult = { readonly ok: true; readonly batchId?: string; readonly events: readonly AppEvent[] } | { readonly ok: false; readonly problems: readonly string[] };

/** Validate a parsed request body. */
export function validateBatch(body: unknown): BatchResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: ['body: must be a JSON object {"events": [...], "batchId"?: "..."}'] };
  }
  const obj = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(obj)) {
    if (key !== 'events' && key !== 'batchId') problems.push(`${key}: unknown field; a batch has "events" and optionally "batchId"`);
  }
  const batchId = obj.batchId;
  if (batchId !== undefined && (typeof batchId !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(batchId))) {
    problems.push(`batchId: must be 1 to 128 characters from letters, digits and "_.:-", got ${show(batchId)}`);
  }
  if (!Array.isArray(obj.events)) {
    problems.push(`events: must be an array of events, got ${show(obj.events)}`);
    return { ok: false, problems };
  }
  obj.events.forEach((e, i) => problems.push(...eventProblems(e, `events[${i}]`)));
  if (problems.length) return { ok: false, problems };
  return { ok: true, batchId: batchId as string | undefined, events: obj.events as AppEvent[] };
}

/** Apply validated events. Label values are bounded by AppMetrics (unknown values become `other`). */
export function applyEvents(metrics: AppMetrics, events: readonly AppEvent[], tMs?: number): void {
  for (const e of events) {
    switch (e.kind) {
      case 'request':
        metrics.observeRequest(
          { method: e.method, route: e.route, path: e.path, status: e.status, durationSeconds: e.durationSeconds, requestBytes: e.requestBytes, responseBytes: e.responseBytes, errorType: e.error },
          tMs,
        );
        break;
      case 'error':
        metrics.recordError({ type: e.type, route: e.route, path: e.path, status: e.status }, e.count ?? 1);
        break;
      case 'active_users':
        metrics.setActiveUsers(e.tier, e.users);
        break;
      case 'revenue':
        metrics.addRevenue(e.product, e.region, e.amount);
        break;
      case 'transaction':
        metrics.countTransaction(e.type, e.status, e.count ?? 1);
        break;
      case 'feature_usage':
        metrics.countFeatureUse(e.feature, e.tier, e.count ?? 1);
        break;
      case 'db_pool':
        metrics.setDbPool(e.pool, e);
        break;
      case 'db_query':
        metrics.observeDbQuery(e.pool, e.operation, e.durationSeconds);
        break;
      case 'cache':
        metrics.countCache(e.cache, e.hits ?? 0, e.misses ?? 0);
        break;
      case 'queue_depth':
        metrics.setQueueDepth(e.queue, e.depth);
        break;
      case 'queue_job':
        metrics.observeQueueJob(e.queue, e.durationSeconds);
        break;
    }
  }
}

/** Remembers applied batch ids so that a retried batch is not counted twice. */
export class BatchLedger {
  private readonly seen = new Map<string, { digest: string; at: number }>();

  constructor(
    readonly ttlMs = 10 * 60_000,
    readonly maxEntries = 100_000,
  ) {}

  static digest(events: readonly AppEvent[]): string {
    return createHash('sha256').update(JSON.stringify(events)).digest('hex');
  }

  private expire(nowMs: number): void {
    // Map iteration is insertion order, so the oldest entries come first.
    for (const [id, v] of this.seen) {
      if (nowMs - v.at < this.ttlMs && this.seen.size <= this.maxEntries) break;
      this.seen.delete(id);
    }
  }

  check(batchId: string, digest: string, nowMs: number): 'new' | 'duplicate' | 'conflict' {
    this.expire(nowMs);
    const prior = this.seen.get(batchId);
    if (!prior) return 'new';
    return prior.digest === digest ? 'duplicate' : 'conflict';
  }

  remember(batchId: string, digest: string, nowMs: number): void {
    this.seen.set(batchId, { digest, at: nowMs });
    this.expire(nowMs);
  }

  get size(): number {
    return this.seen.size;
  }
}
