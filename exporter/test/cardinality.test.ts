import { M } from '../src/catalogue';
import { LabelNormalizer, allowListProblems, statusClass, templatePath } from '../src/labels';
import { APP_METRICS } from '../src/catalogue';
import { AppMetrics } from '../src/metrics';
import { sample, seriesOf } from './support/helpers';


describe('label values', () => {
  test('status classes', () => {
    expect(statusClass(200)).toBe('2xx');
    expect(statusClass(204)).toBe('2xx');
    expect(statusClass(304)).toBe('3xx');
    expect(statusClass(499)).toBe('4xx');
    expect(statusClass(503)).toBe('5xx');
    expect(statusClass(99)).toBe('other');
    expect(statusClass(600)).toBe('other');
    expect(statusClass(200.5)).toBe('other');
    expect(statusClass(undefined)).toBe('none');
  });

  test('raw paths become templates', () => {
    expect(templatePath('/users/123')).toBe('/users/:id');
    expect(templatePath('/users/123/orders/9f1c2d3e-1111-2222-3333-444455556666?x=1')).toBe('/users/:id/orders/:id');
    expect(templatePath('/blobs/0123456789abcdef0123')).toBe('/blobs/:id');
    expect(templatePath('/api/products/')).toBe('/api/products');
    expect(templatePath('/')).toBe('/');
    expect(templatePath('/api/search')).toBe('/api/search');
  });

  test('unknown and malformed values fold into other, and each fold is counted', () => {
    const folds: string[] = [];
    const n = new LabelNormalizer({ onFold: (m, l) => folds.push(`${m}.${l}`) });
    expect(n.value('app_active_users', 'tier', 'premium')).toBe('premium');
    expect(n.value('app_active_users', 'tier', 'gold')).toBe('other');
    expect(n.value('app_http_requests_total', 'method', 'get')).toBe('GET');
    expect(n.value('app_http_requests_total', 'method', 'BREW')).toBe('other');
    expect(n.value('app_http_requests_total', 'route', '/users/:id')).toBe('/users/:id');
    expect(n.value('app_http_requests_total', 'route', 'users')).toBe('other');
    expect(n.value('app_http_requests_total', 'route', `/${'a'.repeat(200)}`)).toBe('other');
    expect(n.value('app_revenue_total', 'product', 'pro-plan_2')).toBe('pro-plan_2');
    expect(n.value('app_revenue_total', 'product', 'has space')).toBe('other');
    expect(n.value('app_revenue_total', 'product', 'x'.repeat(65))).toBe('other');
    expect(n.value('app_revenue_total', 'product', 'other')).toBe('other');
    expect(folds).toEqual([
      'app_active_users.tier',
      'app_http_requests_total.method',
      'app_http_requests_total.route',
      'app_http_requests_total.route',
      'app_revenue_total.product',
      'app_revenue_total.product',
    ]);
  });

  test('an allow-list closes open labels and maps raw paths to route templates', () => {
    const n = new LabelNormalizer({ allow: { route: ['/users/:id', '/files/*rest', '/items/{id}/reviews'], product: ['basic', 'pro'], 'app_errors_total.type': ['timeout'] } });
    expect(n.value('app_revenue_total', 'product', 'pro')).toBe('pro');
    expect(n.value('app_revenue_total', 'product', 'gold')).toBe('other');
    expect(n.value('app_errors_total', 'type', 'timeout')).toBe('timeout');
    expect(n.value('app_errors_total', 'type', 'dns')).toBe('other');
    expect(n.value('app_transactions_total', 'type', 'refund')).toBe('refund'); // the metric-specific list applies to its metric only
    expect(n.routeForPath('m', '/users/42?x=y')).toBe('/users/:id');
    expect(n.routeForPath('m', '/files/a/b/c.txt')).toBe('/files/*rest');
    expect(n.routeForPath('m', '/items/7/reviews')).toBe('/items/{id}/reviews');
    expect(n.routeForPath('m', '/admin')).toBe('other');
    expect(n.value('m', 'route', '/admin')).toBe('other');
  });

  test('allow-list problems name the key and the fix', () => {
    expect(allowListProblems({ route: ['/a'], product: ['x'] }, APP_METRICS)).toEqual([]);
    const p = allowListProblems({ tier: ['gold'], nope: ['x'], 'app_nope.route': ['/a'], 'app_active_users.route': ['/a'], route: ['no-slash'], product: [] }, APP_METRICS);
    expect(p).toEqual([
      'tier: label "tier" has a fixed set of values and takes no allow-list',
      'nope: unknown label "nope"',
      'app_nope.route: unknown metric "app_nope"',
      'app_active_users.route: metric app_active_users has no label "route" (it has tier)',
      'route[0]: "no-slash" is not a valid route template (starts with "/")',
      'product: must be a non-empty array of strings',
    ]);
    expect(allowListProblems([], APP_METRICS)[0]).toMatch(/must be a JSON object/);
  });
});

describe('series cap', () => {
  test('counters and histograms fold new label sets into other once the cap is reached; totals stay right', async () => {
    const m = new AppMetrics({ maxSeries: 3, defaultMetrics: false });
    for (let i = 0; i < 10; i++) m.observeRequest({ method: 'GET', route: `/r${i}`, status: i === 9 ? 503 : 200, durationSeconds: 0.01 });
    const text = await m.render();
    const counters = seriesOf(text, M.httpRequests);
    // 3 admitted + 2 overflow series (other/2xx and other/5xx)
    expect(counters).toEqual([
      'app_http_requests_total{method="GET",route="/r0",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/r1",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/r2",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="other",status_class="2xx"} 6',
      'app_http_requests_total{method="GET",route="other",status_class="5xx"} 1',
    ]);
    const total = counters.reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    expect(total).toBe(10);
    // the enum label status_class is kept, so the availability SLI over the counter stays right
    expect(sample(text, `${M.exporterSeriesDropped}{metric="${M.httpRequests}"}`)).toBe(7);
    expect(sample(text, `${M.exporterSeriesDropped}{metric="${M.httpRequestDuration}"}`)).toBe(7);
    expect(sample(text, `${M.exporterSeries}{metric="${M.httpRequests}"}`)).toBe(5);
    expect(sample(text, `${M.httpRequestDuration}_count{method="GET",route="other",status_class="2xx"}`)).toBe(6);
    expect(m.seriesCount(M.httpRequests)).toBe(5);
  });

  test('gauges drop refused label sets instead of summing unrelated values', async () => {
    const m = new AppMetrics({ maxSeries: 2, defaultMetrics: false });
    expect(m.setQueueDepth('a', 1)).toBe(true);
    expect(m.setQueueDepth('b', 2)).toBe(true);
    expect(m.setQueueDepth('c', 3)).toBe(false);
    expect(m.setQueueDepth('a', 4)).toBe(true); // existing series still update
    const text = await m.render();
    expect(seriesOf(text, M.queueDepth)).toEqual(['app_queue_depth{queue="a"} 4', 'app_queue_depth{queue="b"} 2']);
    expect(sample(text, `${M.exporterSeriesDropped}{metric="${M.queueDepth}"}`)).toBe(1);
    // removing a series frees its place
    m.remove(M.queueDepth, { queue: 'b' });
    expect(m.setQueueDepth('c', 3)).toBe(true);
    expect(seriesOf(await m.render(), M.queueDepth)).toEqual(['app_queue_depth{queue="a"} 4', 'app_queue_depth{queue="c"} 3']);
  });

  test('a flood of distinct values stays bounded', async () => {
    const m = new AppMetrics({ maxSeries: 50, defaultMetrics: false });
    for (let i = 0; i < 5000; i++) {
      m.observeRequest({ method: i % 2 ? 'GET' : 'WEIRD', path: `/api/u${i}/x`, status: 200 + (i % 4) * 100, durationSeconds: 0.1 });
      m.addRevenue(`p${i}`, `r${i % 7}`, 1);
    }
    // 50 admitted + at most |method| x |status_class| overflow series (8 x 7)
    expect(m.seriesCount(M.httpRequests)).toBeLessThanOrEqual(50 + 8 * 7);
    expect(m.seriesCount(M.revenue)).toBeLessThanOrEqual(51);
    const text = await m.render();
    expect(sample(text, `${M.exporterSeriesDropped}{metric="${M.revenue}"}`)).toBe(5000 - 50);
    const revenue = seriesOf(text, M.revenue).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    expect(revenue).toBe(5000);
    expect(sample(text, `${M.exporterLabelValuesFolded}{metric="${M.httpRequests}",label="method"}`)).toBe(2500);
  });

  test('the recording API rejects wrong metric types, labels and values with a message', () => {
    const m = new AppMetrics({ defaultMetrics: false });
    expect(() => m.inc(M.activeUsers, { tier: 'free' })).toThrow('app_active_users is a gauge, not a counter');
    expect(() => m.inc(M.cacheHits, {})).toThrow('app_cache_hits_total: label "cache" is required');
    expect(() => m.inc(M.cacheHits, { cache: 'a', x: 'b' })).toThrow('has no label "x"');
    expect(() => m.inc(M.cacheHits, { cache: 'a' }, -1)).toThrow('a counter only goes up');
    expect(() => m.observe(M.dbQueryDuration, { pool: 'p', operation: 'select' }, NaN)).toThrow('finite number >= 0');
    expect(() => m.set('app_nope', {}, 1)).toThrow('"app_nope" is not an application metric');
    expect(() => m.set(M.sloBurnRate, { slo: 'a', window: '5m' }, 1)).toThrow('not an application metric');
    expect(() => new AppMetrics({ maxSeries: 0, defaultMetrics: false })).toThrow('maxSeries must be a positive integer');
  });
});

describe('known label values start at zero', () => {
  test('a transaction type starts every final status at 0, so "failed / all" reads 0 before the first failure', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    expect(seriesOf(await m.render(), M.transactions)).toEqual([]); // nothing before the first transaction of a type
    m.countTransaction('purchase', 'succeeded', 3);
    expect(seriesOf(await m.render(), M.transactions)).toEqual([
      'app_transactions_total{type="purchase",status="succeeded"} 3',
      'app_transactions_total{type="purchase",status="failed"} 0',
      'app_transactions_total{type="purchase",status="cancelled"} 0',
    ]);
    m.countTransaction('purchase', 'failed');
    expect(sample(await m.render(), `${M.transactions}{type="purchase",status="failed"}`)).toBe(1);
    // another type gets its own zeros; the first type's counts are untouched
    m.countTransaction('refund', 'failed', 2);
    const text = await m.render();
    expect(sample(text, `${M.transactions}{type="refund",status="succeeded"}`)).toBe(0);
    expect(sample(text, `${M.transactions}{type="refund",status="failed"}`)).toBe(2);
    expect(sample(text, `${M.transactions}{type="purchase",status="succeeded"}`)).toBe(3);
    expect(seriesOf(text, M.transactions)).toHaveLength(6);
  });
});
