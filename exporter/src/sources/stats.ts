import { readFileSync } from 'fs';
import { APP_METRICS, LABELS, MetricSpec } from '../catalogue';
import { Logger } from '../log';
import { AppMetrics } from '../metrics';

/**
 * The `stats` source: polls the application's JSON stats endpoint every --interval seconds
 * and maps its fields to catalogue metrics with a mapping file:
 *
 * ```json
 * { "fields": [
 *   { "path": "users.active.free", "metric": "app_active_users", "labels": { "tier": "free" } },
 *   { "path": "caches.*.hits", "metric": "app_cache_hits_total", "labels": { "cache": "$1" } },
 *   { "path": "db.latencyMs", "metric": "app_db_pool_waiters", "labels": { "pool": "main" }, "scale": 1 }
 * ] }
 * ```
 *
 * - `path` is dot-separated; a `*` segment matches every key (or array index) at that level,
 *   and `$1`, `$2`, ... in label values are the keys the stars matched.
 * - gauges are set to the value; counters take the application's cumulative count and add
 *   its increase since the previous poll (a decrease means the application restarted: the
 *   new value is the increase). Histograms cannot come from a single number: use events.
 * - `scale` multiplies the value (e.g. 0.001 for milliseconds to seconds).
 *
 * An unreachable endpoint, an HTTP error or a body that is not JSON is counted in
 * app_exporter_stats_polls_total{outcome}, sets app_exporter_stats_up to 0, is logged, and
 * removes the gauges this source set (a stale gauge would look current); counters keep their
 * value. A mapped field that is missing or not a number makes the poll `incomplete` and
 * removes that gauge.
 */

export interface MappingField {
  readonly path: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly scale: number;
}

export interface Mapping {
  readonly fields: readonly MappingField[];
}

/** Validate a parsed mapping file; problems name the field path and the fix. */
export function parseMapping(raw: unknown, file = 'mapping'): Mapping {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { fields?: unknown }).fields)) {
    throw new Error(`${file}: must be a JSON object {"fields": [{"path", "metric", "labels"?, "scale"?}, ...]}`);
  }
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'fields') problems.push(`${file}.${k}: unknown field; the mapping has only "fields"`);
  const fields: MappingField[] = [];
  (top.fields as unknown[]).forEach((f, i) => {
    const at = `${file}.fields[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      problems.push(`${at}: must be an object {"path", "metric", "labels"?, "scale"?}`);
      return;
    }
    const o = f as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['path', 'metric', 'labels', 'scale'].includes(k)) problems.push(`${at}.${k}: unknown field; allowed: path, metric, labels, scale`);
    const path = o.path;
    if (typeof path !== 'string' || path === '' || path.split('.').some((s) => s === '')) {
      problems.push(`${at}.path: must be a dot-separated path like "db.pool.active" (a "*" segment matches every key)`);
      return;
    }
    const stars = path.split('.').filter((s) => s === '*').length;
    const spec: MetricSpec | undefined = APP_METRICS.find((m) => m.name === o.metric);
    if (!spec || spec.category === 'slo' || spec.category === 'exporter') {
      problems.push(`${at}.metric: ${JSON.stringify(o.metric)} is not an application metric of the catalogue; use one of ${APP_METRICS.filter((m) => m.category !== 'slo' && m.category !== 'exporter' && m.type !== 'histogram').map((m) => m.name).join(', ')}`);
      return;
    }
    if (spec.type === 'histogram') {
      problems.push(`${at}.metric: ${spec.name} is a histogram, which a single number cannot feed; send its observations as events (POST /v1/events)`);
      return;
    }
    const labels = o.labels ?? {};
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      problems.push(`${at}.labels: must be an object of label name to value`);
      return;
    }
    const lab = labels as Record<string, unknown>;
    for (const name of spec.labels) {
      if (lab[name] === undefined) problems.push(`${at}.labels.${name}: ${spec.name} needs label "${name}" (${LABELS[name]?.description ?? ''})`);
    }
    for (const [name, v] of Object.entries(lab)) {
      if (!spec.labels.includes(name)) {
        problems.push(`${at}.labels.${name}: ${spec.name} has no label "${name}"; its labels are ${spec.labels.join(', ') || 'none'}`);
        continue;
      }
      if (typeof v !== 'string' || v === '') {
        problems.push(`${at}.labels.${name}: must be a non-empty string`);
        continue;
      }
      for (const ref of v.match(/\$(\d+)/g) ?? []) {
        const n = Number(ref.slice(1));
        if (n < 1 || n > stars) problems.push(`${at}.labels.${name}: ${ref} refers to a "*" the path does not have (it has ${stars})`);
      }
    }
    const scale = o.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) problems.push(`${at}.scale: must be a number > 0, got ${JSON.stringify(scale)}`);
    fields.push({ path, metric: spec.name, labels: lab as Record<string, string>, scale: scale as number });
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return { fields };
}

export function loadMapping(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--mapping ${file}: cannot read the file (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`--mapping ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseMapping(raw, file);
}

/** Every (value, captured keys) the path reaches in a document. */
export function resolvePath(doc: unknown, path: string): { value: unknown; captures: string[] }[] {
  let frontier: { node: unknown; captures: string[] }[] = [{ node: doc, captures: [] }];
  for (const seg of path.split('.')) {
    const next: typeof frontier = [];
    for (const { node, captures } of frontier) {
      if (typeof node !== 'object' || node === null) continue;
      if (seg === '*') {
        for (const [k, v] of Object.entries(node)) next.push({ node: v, captures: [...captures, k] });
      } else if (Object.prototype.hasOwnProperty.call(node, seg)) {
        next.push({ node: (node as Record<string, unknown>)[seg], captures });
      }
    }
    frontier = next;
  }
  return frontier.map((f) => ({ value: f.node, captures: f.captures }));
}

export type PollOutcome = 'success' | 'incomplete' | 'unreachable' | 'timeout' | 'http_error' | 'malformed';

export interface StatsPollerOptions {
  readonly url: string;
  readonly mapping: Mapping;
  readonly intervalSeconds: number;
  /** @default min(intervalSeconds, 10) */
  readonly timeoutSeconds?: number;
  /** Largest stats body read. @default 10 MiB */
  readonly maxBodyBytes?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class StatsPoller {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<PollOutcome>;
  private stopped = false;
  /** Last cumulative value per counter field instance. */
  private readonly lastCounter = new Map<string, number>();
  /** Gauge series set by the previous poll: key -> (metric, labels). */
  private gauges = new Map<string, { metric: string; labels: Record<string, string> }>();
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  polls = 0;

  constructor(
    private readonly metrics: AppMetrics,
    private readonly options: StatsPollerOptions,
  ) {
    this.timeoutMs = (options.timeoutSeconds ?? Math.min(options.intervalSeconds, 10)) * 1000;
    this.maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
    this.now = options.now ?? Date.now;
    metrics.exporter.statsUp.set(0);
  }

  /** Poll now, then every interval. Never throws. */
  start(): void {
    this.stopped = false;
    const loop = async () => {
      await this.pollOnce();
      if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalSeconds * 1000);
    };
    void loop();
  }

  /** Stop polling; resolves when a poll in flight has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
  }

  /** One poll; never rejects. Concurrent calls share the poll in flight. */
  pollOnce(): Promise<PollOutcome> {
    if (!this.inFlight) {
      this.inFlight = this.poll()
        .catch((e: unknown) => {
          this.options.logger.error('stats poll failed unexpectedly', { error: e });
          return 'malformed' as PollOutcome;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private fail(outcome: PollOutcome, detail: string): PollOutcome {
    const m = this.metrics;
    m.exporter.statsPolls.inc({ outcome });
    m.exporter.statsUp.set(0);
    for (const g of this.gauges.values()) m.remove(g.metric, g.labels);
    this.gauges.clear();
    this.options.logger.warn('stats endpoint poll failed', { url: this.options.url, outcome, detail });
    return outcome;
  }

  private async poll(): Promise<PollOutcome> {
    this.polls++;
    let body: string;
    try {
      const res = await fetch(this.options.url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return this.fail('http_error', `HTTP ${res.status} ${res.statusText}`);
      }
      body = await readLimited(res, this.maxBodyBytes);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') return this.fail('timeout', `no answer within ${this.timeoutMs / 1000}s`);
      if (err.name === 'BodyTooLarge') return this.fail('malformed', err.message);
      return this.fail('unreachable', err.cause?.code ?? err.cause?.message ?? err.message);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      return this.fail('malformed', `not JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null) return this.fail('malformed', 'the stats document must be a JSON object or array');
    return this.apply(doc);
  }

  private apply(doc: unknown): PollOutcome {
    const m = this.metrics;
    const missing: string[] = [];
    const gauges = new Map<string, { metric: string; labels: Record<string, string> }>();
    for (const field of this.options.mapping.fields) {
      const hits = resolvePath(doc, field.path);
      if (hits.length === 0) missing.push(`${field.path}: not found`);
      for (const { value, captures } of hits) {
        const labels = Object.fromEntries(Object.entries(field.labels).map(([k, v]) => [k, v.replace(/\$(\d+)/g, (_, n: string) => captures[Number(n) - 1] ?? '')]));
        const key = `${field.metric}|${JSON.stringify(labels)}|${field.path}|${captures.join('.')}`;
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          missing.push(`${field.path}${captures.length ? ` (${captures.join('.')})` : ''}: ${JSON.stringify(value)} is not a number >= 0`);
          continue;
        }
        const v = value * field.scale;
        const spec = APP_METRICS.find((s) => s.name === field.metric) as MetricSpec;
        if (spec.type === 'gauge') {
          if (m.set(field.metric, labels, v)) gauges.set(`${field.metric}|${JSON.stringify(labels)}`, { metric: field.metric, labels });
        } else {
          const last = this.lastCounter.get(key);
          const delta = last === undefined || v < last ? v : v - last;
          this.lastCounter.set(key, v);
          m.inc(field.metric, labels, delta);
        }
      }
    }
    for (const [k, g] of this.gauges) if (!gauges.has(k)) m.remove(g.metric, g.labels);
    this.gauges = gauges;
    m.exporter.statsUp.set(1);
    m.exporter.statsLastSuccess.set(this.now() / 1000);
    if (missing.length) {
      m.exporter.statsPolls.inc({ outcome: 'incomplete' });
      this.options.logger.warn('stats fields missing or not numeric', { url: this.options.url, problems: missing.slice(0, 20), count: missing.length });
      return 'incomplete';
    }
    m.exporter.statsPolls.inc({ outcome: 'success' });
    return 'success';
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  const tooLarge = () => Object.assign(new Error(`the stats body is larger than ${max} bytes`), { name: 'BodyTooLarge' });
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
