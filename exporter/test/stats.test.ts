import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { M } from '../src/catalogue';
import { memoryLogger } from '../src/log';
import { AppMetrics } from '../src/metrics';
import { StatsPoller, parseMapping, resolvePath } from '../src/sources/stats';
import { sample, seriesOf } from './support/helpers';

/** A stats endpoint whose answer the test sets per request. */
class FakeApp {
  server: Server;
  answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{}' };
  requests = 0;
  constructor() {
    this.server = createServer((req, res) => {
      this.requests++;
      const a = this.answer;
      const send = () => {
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body);
      };
      if (a.delayMs) setTimeout(send, a.delayMs).unref();
      else send();
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/stats`;
  }
  json(doc: unknown) {
    this.answer = { status: 200, body: JSON.stringify(doc) };
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const MAPPING = parseMapping({
  fields: [
    { path: 'users.*', metric: M.activeUsers, labels: { tier: '$1' } },
    { path: 'db.pools.*.active', metric: M.dbPoolConnections, labels: { pool: '$1', state: 'active' } },
    { path: 'db.pools.*.waiting', metric: M.dbPoolWaiters, labels: { pool: '$1' } },
    { path: 'caches.*.hits', metric: M.cacheHits, labels: { cache: '$1' } },
    { path: 'queue.depthThousands', metric: M.queueDepth, labels: { queue: 'jobs' }, scale: 1000 },
  ],
});

function doc(over: { hits?: number; free?: number } = {}) {
  return {
    users: { free: over.free ?? 100, premium: 20, enterprise: 3 },
    db: { pools: { main: { active: 4, waiting: 0 }, replica: { active: 1, waiting: 2 } } },
    caches: { sessions: { hits: over.hits ?? 1000 }, products: { hits: 50 } },
    queue: { depthThousands: 0.012 },
  };
}

describe('stats mapping', () => {
  test('a valid mapping', () => {
    expect(MAPPING.fields).toHaveLength(5);
    expect(MAPPING.fields[4]).toEqual({ path: 'queue.depthThousands', metric: M.queueDepth, labels: { queue: 'jobs' }, scale: 1000 });
  });

  test('problems name the field path and the fix', () => {
    const bad = () =>
      parseMapping(
        {
          fields: [
            { path: 'a..b', metric: M.activeUsers, labels: { tier: 'free' } },
            { path: 'a', metric: 'app_nope' },
            { path: 'a', metric: M.httpRequestDuration, labels: {} },
            { path: 'a.*', metric: M.activeUsers, labels: { tier: '$2', nope: 'x' } },
            { path: 'a', metric: M.cacheHits, labels: {}, scale: 0, unit: 'ms' },
          ],
          version: 2,
        },
        'map.json',
      );
    expect(bad).toThrow(
      [
        'map.json.version: unknown field; the mapping has only "fields"',
        'map.json.fields[0].path: must be a dot-separated path like "db.pool.active" (a "*" segment matches every key)',
        'map.json.fields[1].metric: "app_nope" is not an application metric of the catalogue; use one of app_active_users, app_revenue_total, app_transactions_total, app_feature_usage_total, app_http_requests_total, app_errors_total, app_db_pool_connections, app_db_pool_max_connections, app_db_pool_waiters, app_cache_hits_total, app_cache_misses_total, app_queue_depth',
        'map.json.fields[2].metric: app_http_request_duration_seconds is a histogram, which a single number cannot feed; send its observations as events (POST /v1/events)',
        'map.json.fields[3].labels.tier: $2 refers to a "*" the path does not have (it has 1)',
        'map.json.fields[3].labels.nope: app_active_users has no label "nope"; its labels are tier',
        'map.json.fields[4].unit: unknown field; allowed: path, metric, labels, scale',
        'map.json.fields[4].labels.cache: app_cache_hits_total needs label "cache" (cache name)',
        'map.json.fields[4].scale: must be a number > 0, got 0',
      ].join('\n'),
    );
    expect(() => parseMapping([])).toThrow('must be a JSON object {"fields"');
  });

  test('paths with stars capture keys', () => {
    expect(resolvePath({ a: { x: { v: 1 }, y: { v: 2 } } }, 'a.*.v')).toEqual([
      { value: 1, captures: ['x'] },
      { value: 2, captures: ['y'] },
    ]);
    expect(resolvePath({ a: [5, 6] }, 'a.1')).toEqual([{ value: 6, captures: [] }]);
    expect(resolvePath({ a: 1 }, 'a.b')).toEqual([]);
  });
});

describe('stats poller', () => {
  let app: FakeApp;
  let url: string;
  beforeEach(async () => {
    app = new FakeApp();
    url = await app.listen();
  });
  afterEach(() => app.close());

  const poller = (metrics: AppMetrics, logger = memoryLogger(), u = url, timeoutSeconds = 2) =>
    new StatsPoller(metrics, { url: u, mapping: MAPPING, intervalSeconds: 5, timeoutSeconds, logger, now: () => 1_700_000_000_000 });

  test('maps gauges, counters (as increases, across an application restart) and scale', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    const p = poller(m);
    app.json(doc());
    expect(await p.pollOnce()).toBe('success');
    let t = await m.render();
    expect(seriesOf(t, M.activeUsers)).toEqual(['app_active_users{tier="free"} 100', 'app_active_users{tier="premium"} 20', 'app_active_users{tier="enterprise"} 3']);
    expect(sample(t, `${M.dbPoolConnections}{pool="replica",state="active"}`)).toBe(1);
    expect(sample(t, `${M.dbPoolWaiters}{pool="replica"}`)).toBe(2);
    expect(sample(t, `${M.cacheHits}{cache="sessions"}`)).toBe(1000);
    expect(sample(t, `${M.queueDepth}{queue="jobs"}`)).toBe(12);
    expect(sample(t, `${M.exporterStatsUp}`)).toBe(1);
    expect(sample(t, `${M.exporterStatsLastSuccess}`)).toBe(1_700_000_000);
    expect(sample(t, `${M.exporterStatsPolls}{outcome="success"}`)).toBe(1);

    app.json(doc({ hits: 1300 }));
    await p.pollOnce();
    expect(sample(await m.render(), `${M.cacheHits}{cache="sessions"}`)).toBe(1300);
    // the application restarted: its counter went back to 40, which is the increase since
    app.json(doc({ hits: 40 }));
    await p.pollOnce();
    t = await m.render();
    expect(sample(t, `${M.cacheHits}{cache="sessions"}`)).toBe(1340);
    expect(sample(t, `${M.cacheHits}{cache="products"}`)).toBe(50); // unchanged value adds nothing
  });

  test('unreachable endpoint: a metric and a log line, gauges removed, counters kept, no crash', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    const log = memoryLogger();
    const p = poller(m, log);
    app.json(doc());
    await p.pollOnce();
    await app.close();
    expect(await p.pollOnce()).toBe('unreachable');
    const t = await m.render();
    expect(sample(t, `${M.exporterStatsUp}`)).toBe(0);
    expect(sample(t, `${M.exporterStatsPolls}{outcome="unreachable"}`)).toBe(1);
    expect(seriesOf(t, M.activeUsers)).toEqual([]);
    expect(sample(t, `${M.cacheHits}{cache="sessions"}`)).toBe(1000);
    expect(log.records.at(-1)).toMatchObject({ level: 'warn', msg: 'stats endpoint poll failed', outcome: 'unreachable', detail: 'ECONNREFUSED', url });
    app = new FakeApp(); // for afterEach
    await app.listen();
  });

  test('HTTP error, malformed body, timeout, non-object', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    const log = memoryLogger();
    const p = poller(m, log, url, 0.3);
    app.answer = { status: 500, body: 'boom' };
    expect(await p.pollOnce()).toBe('http_error');
    app.answer = { status: 200, body: '{"users": {' };
    expect(await p.pollOnce()).toBe('malformed');
    app.answer = { status: 200, body: '42' };
    expect(await p.pollOnce()).toBe('malformed');
    app.answer = { status: 200, body: '{}', delayMs: 2000 };
    expect(await p.pollOnce()).toBe('timeout');
    const t = await m.render();
    for (const o of ['http_error', 'timeout']) expect(sample(t, `${M.exporterStatsPolls}{outcome="${o}"}`)).toBe(1);
    expect(sample(t, `${M.exporterStatsPolls}{outcome="malformed"}`)).toBe(2);
    expect(log.records.map((r) => r.outcome)).toEqual(['http_error', 'malformed', 'malformed', 'timeout']);
    expect(log.records[0]?.detail).toBe('HTTP 500 Internal Server Error');
  });

  test('a missing or non-numeric field: incomplete, its gauge removed, the rest applied', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    const log = memoryLogger();
    const p = poller(m, log);
    app.json(doc());
    await p.pollOnce();
    const d = doc({ free: 'many' as unknown as number }) as Record<string, unknown>;
    delete (d as { queue?: unknown }).queue;
    app.json(d);
    expect(await p.pollOnce()).toBe('incomplete');
    const t = await m.render();
    expect(sample(t, `${M.activeUsers}{tier="free"}`)).toBeUndefined();
    expect(sample(t, `${M.activeUsers}{tier="premium"}`)).toBe(20);
    expect(sample(t, `${M.queueDepth}{queue="jobs"}`)).toBeUndefined();
    expect(sample(t, `${M.exporterStatsUp}`)).toBe(1);
    expect(log.records.at(-1)).toMatchObject({ msg: 'stats fields missing or not numeric', problems: ['users.* (free): "many" is not a number >= 0', 'queue.depthThousands: not found'] });
  });

  test('start() polls on the interval, stop() ends it; concurrent polls share one request', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    app.json(doc());
    const p = new StatsPoller(m, { url, mapping: MAPPING, intervalSeconds: 0.1, logger: memoryLogger() });
    const [a, b] = await Promise.all([p.pollOnce(), p.pollOnce()]);
    expect([a, b]).toEqual(['success', 'success']);
    expect(app.requests).toBe(1);
    p.start();
    await new Promise((r) => setTimeout(r, 650));
    await p.stop();
    const n = app.requests;
    expect(n).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 250));
    expect(app.requests).toBe(n);
  });
});
