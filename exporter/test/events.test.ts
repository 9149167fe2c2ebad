import { M } from '../src/catalogue';
import { AppMetrics } from '../src/metrics';
import { BatchLedger, EVENT_FIELDS, applyEvents, validateBatch } from '../src/sources/events';
import { Random } from '../src/random';
import { sample, sumOf } from './support/helpers';
import { ALL_KINDS } from './support/fixtures';

describe('events source: validation', () => {
  test('every kind of event is covered by ALL_KINDS', () => {
    expect(new Set(ALL_KINDS.map((e) => e.kind))).toEqual(new Set(Object.keys(EVENT_FIELDS)));
  });

  test('a valid batch', () => {
    const r = validateBatch({ events: ALL_KINDS, batchId: 'b-1' });
    expect(r).toEqual({ ok: true, batchId: 'b-1', events: ALL_KINDS });
    expect(validateBatch({ events: [] })).toEqual({ ok: true, batchId: undefined, events: [] });
  });

  test('problems name the event, the field and what is expected', () => {
    const r = validateBatch({
      events: [
        { kind: 'request', method: 'GET', route: '/a', status: 200, durationSeconds: 0.1 },
        { kind: 'request', method: 'GET', route: '/a', status: '200', durationSeconds: -1 },
        { kind: 'request', method: 'GET', status: 200, durationSeconds: 0.1 },
        { kind: 'request', method: 'GET', route: 'a', path: '/a', status: 700, durationSeconds: 0.1, duration: 3 },
        { kind: 'purchase' },
        'nope',
        { kind: 'db_pool', pool: 'main' },
        { kind: 'cache', cache: 'c', hits: 1.5 },
        { kind: 'active_users', tier: 'free', users: Infinity },
      ],
      extra: 1,
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      'extra: unknown field; a batch has "events" and optionally "batchId"',
      'events[1].status: must be an HTTP status code, an integer from 100 to 599, got "200"',
      'events[1].durationSeconds: must be a number of seconds >= 0 (not milliseconds), got -1',
      'events[2].route: is required for kind "request" (or give "path")',
      'events[3].status: must be an HTTP status code, an integer from 100 to 599, got 700',
      'events[3].duration: unknown field for kind "request"; allowed: method, route, path, status, durationSeconds, requestBytes, responseBytes, error',
      'events[3]: give "route" (a template like /users/:id) or "path" (the raw path), not both',
      'events[3].route: must start with "/", got "a"',
      'events[4].kind: "purchase" is not an event kind; use one of request, error, active_users, revenue, transaction, feature_usage, db_pool, db_query, cache, queue_depth, queue_job',
      'events[5]: must be an object with a "kind" field',
      'events[6]: a db_pool event needs at least one of active, idle, max, waiters',
      'events[7].hits: must be an integer >= 0, got 1.5',
      'events[8].users: must be a finite number >= 0, got Infinity',
    ]);
  });

  test('the body must be an object with an events array and a well-formed batchId', () => {
    expect(validateBatch([{ kind: 'cache' }])).toEqual({ ok: false, problems: ['body: must be a JSON object {"events": [...], "batchId"?: "..."}'] });
    expect(validateBatch({})).toEqual({ ok: false, problems: ['events: must be an array of events, got undefined'] });
    expect(validateBatch({ events: [], batchId: 'has space' })).toEqual({ ok: false, problems: ['batchId: must be 1 to 128 characters from letters, digits and "_.:-", got "has space"'] });
  });
});

describe('events source: applying', () => {
  test('each kind lands in its metric', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    applyEvents(m, validateBatchOk({ events: ALL_KINDS }));
    const t = await m.render();
    expect(sample(t, `${M.httpRequests}{method="GET",route="/users/:id",status_class="2xx"}`)).toBe(1);
    expect(sample(t, `${M.httpRequests}{method="POST",route="/orders/:id",status_class="5xx"}`)).toBe(1);
    expect(sample(t, `${M.httpRequestDuration}_sum{method="GET",route="/users/:id",status_class="2xx"}`)).toBe(0.042);
    expect(sample(t, `${M.httpResponseSize}_bucket{method="GET",route="/users/:id",status_class="2xx",le="4096"}`)).toBe(1);
    expect(sample(t, `${M.httpRequestSize}_count{method="GET",route="/users/:id"}`)).toBe(1);
    // sizes not given: not observed
    expect(sample(t, `${M.httpRequestSize}_count{method="POST",route="/orders/:id"}`)).toBeUndefined();
    expect(sample(t, `${M.errors}{type="dependency",route="/orders/:id",status_class="5xx"}`)).toBe(1);
    expect(sample(t, `${M.errors}{type="timeout",route="/users/:id",status_class="5xx"}`)).toBe(1);
    expect(sample(t, `${M.errors}{type="job_failed",route="none",status_class="none"}`)).toBe(2);
    expect(sample(t, `${M.activeUsers}{tier="premium"}`)).toBe(42);
    expect(sample(t, `${M.revenue}{product="pro",region="eu-west"}`)).toBe(29.99);
    expect(sample(t, `${M.transactions}{type="purchase",status="succeeded"}`)).toBe(1);
    expect(sample(t, `${M.featureUsage}{feature="export",tier="free"}`)).toBe(3);
    expect(sample(t, `${M.dbPoolConnections}{pool="main",state="active"}`)).toBe(3);
    expect(sample(t, `${M.dbPoolConnections}{pool="main",state="idle"}`)).toBe(7);
    expect(sample(t, `${M.dbPoolMaxConnections}{pool="main"}`)).toBe(10);
    expect(sample(t, `${M.dbPoolWaiters}{pool="main"}`)).toBe(0);
    expect(sample(t, `${M.dbQueryDuration}_count{pool="main",operation="select"}`)).toBe(1);
    expect(sample(t, `${M.cacheHits}{cache="sessions"}`)).toBe(10);
    expect(sample(t, `${M.cacheMisses}{cache="sessions"}`)).toBe(1);
    expect(sample(t, `${M.queueDepth}{queue="emails"}`)).toBe(17);
    expect(sample(t, `${M.queueProcessingDuration}_count{queue="emails"}`)).toBe(1);
  });

  test('unknown values fold into other rather than being rejected', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    applyEvents(m, validateBatchOk({ events: [{ kind: 'active_users', tier: 'gold', users: 5 }, { kind: 'transaction', type: 'purchase', status: 'weird' }] }));
    const t = await m.render();
    expect(sample(t, `${M.activeUsers}{tier="other"}`)).toBe(5);
    expect(sample(t, `${M.transactions}{type="purchase",status="other"}`)).toBe(1);
  });

  test('any batch that validates applies without throwing (atomicity needs that), and counts each event once', async () => {
    const rng = new Random(3);
    const m = new AppMetrics({ maxSeries: 20, defaultMetrics: false });
    let requests = 0;
    const weird = ['x', 'has space', '', 'ü', '/a/b', '::', 'other', 'none', 'GET', '0'.repeat(300)];
    for (let b = 0; b < 200; b++) {
      const events: Record<string, unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        const base = ALL_KINDS[Math.floor(rng.next() * ALL_KINDS.length)] as Record<string, unknown>;
        const e: Record<string, unknown> = { ...base };
        for (const k of Object.keys(e)) if (typeof e[k] === 'string' && k !== 'kind' && rng.chance(0.3)) e[k] = weird[Math.floor(rng.next() * weird.length)];
        events.push(e);
      }
      const r = validateBatch({ events });
      if (!r.ok) continue;
      expect(() => applyEvents(m, r.events)).not.toThrow();
      requests += r.events.filter((e) => e.kind === 'request').length;
    }
    expect(requests).toBeGreaterThan(50);
    expect(sumOf(await m.render(), M.httpRequests)).toBe(requests);
  });
});

describe('batch ledger', () => {
  test('duplicate, conflict, expiry', () => {
    const l = new BatchLedger(1000, 3);
    const d1 = BatchLedger.digest([ALL_KINDS[0] as never]);
    const d2 = BatchLedger.digest([ALL_KINDS[1] as never]);
    expect(l.check('a', d1, 0)).toBe('new');
    l.remember('a', d1, 0);
    expect(l.check('a', d1, 500)).toBe('duplicate');
    expect(l.check('a', d2, 500)).toBe('conflict');
    expect(l.check('a', d1, 1000)).toBe('new'); // expired after ttl
    for (const id of ['b', 'c', 'd', 'e']) l.remember(id, d1, 1100);
    expect(l.size).toBe(3); // bounded
  });
});

function validateBatchOk(body: unknown) {
  const r = validateBatch(body);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.events;
}
