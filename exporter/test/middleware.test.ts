import express, { Request, Response } from 'express';
import { Server, createServer } from 'http';
import { AddressInfo } from 'net';
import { Readable } from 'stream';
import { M } from '../src/catalogue';
import { instrument, requestMetrics } from '../src/middleware';
import { statusClass } from '../src/labels';
import { AppMetrics } from '../src/metrics';
import { http, sample, seriesOf } from './support/helpers';

describe('instrument(app)', () => {
  let server: Server;
  let base: string;
  let metrics: AppMetrics;

  beforeAll(async () => {
    const app = express();
    metrics = instrument(app, { defaultMetrics: false, exclude: (req) => req.path === '/healthz' });
    const users = express.Router();
    users.get('/:id', (req, res) => {
      res.json({ id: req.params.id, padding: 'x'.repeat(100) });
    });
    users.post('/:id/fail', () => {
      throw new Error('boom');
    });
    app.use('/api/users', users);
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.send('done'), 120);
    });
    app.post('/echo', express.text(), (req, res) => {
      res.write('a');
      res.end(Buffer.from(String(req.body)));
    });
    app.get('/healthz', (_req, res) => {
      res.send('ok');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await http(`${base}/api/users/1`);
    await http(`${base}/api/users/2`);
    await http(`${base}/api/users/3`, { method: 'HEAD' });
    await http(`${base}/api/users/4/fail`, { method: 'POST' });
    await http(`${base}/slow`);
    await http(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello world' });
    await http(`${base}/no/such/page/123`);
    await http(`${base}/healthz`);
    await new Promise((r) => setTimeout(r, 50)); // 'finish' handlers
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('records route templates (with the router mount path), never raw paths', async () => {
    const t = await metrics.render();
    expect(seriesOf(t, M.httpRequests)).toEqual([
      'app_http_requests_total{method="GET",route="/api/users/:id",status_class="2xx"} 2',
      'app_http_requests_total{method="HEAD",route="/api/users/:id",status_class="2xx"} 1',
      // the error went up through the parent router and express answered 500; the template is kept
      'app_http_requests_total{method="POST",route="/api/users/:id/fail",status_class="5xx"} 1',
      'app_http_requests_total{method="GET",route="/slow",status_class="2xx"} 1',
      'app_http_requests_total{method="POST",route="/echo",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="other",status_class="4xx"} 1',
    ]);
  });

  test('durations and sizes', async () => {
    const t = await metrics.render();
    const slow = sample(t, `${M.httpRequestDuration}_sum{method="GET",route="/slow",status_class="2xx"}`) as number;
    expect(slow).toBeGreaterThanOrEqual(0.11);
    expect(slow).toBeLessThan(5);
    expect(sample(t, `${M.httpRequestDuration}_bucket{method="GET",route="/slow",status_class="2xx",le="0.1"}`)).toBe(0);
    expect(sample(t, `${M.httpRequestSize}_sum{method="POST",route="/echo"}`)).toBe(11);
    expect(sample(t, `${M.httpResponseSize}_sum{method="POST",route="/echo",status_class="2xx"}`)).toBe(12); // 'a' + 'hello world'
    const body = JSON.stringify({ id: '1', padding: 'x'.repeat(100) });
    expect(sample(t, `${M.httpResponseSize}_sum{method="GET",route="/api/users/:id",status_class="2xx"}`)).toBe(2 * Buffer.byteLength(body));
    expect(sample(t, `${M.httpResponseSize}_sum{method="HEAD",route="/api/users/:id",status_class="2xx"}`)).toBe(0);
  });

  test('the metrics path and excluded paths are not recorded; the metrics are served', async () => {
    const r = await http(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toContain('app_http_requests_total{method="GET",route="/slow",status_class="2xx"} 1');
    expect(r.body).not.toContain('/metrics');
    expect(r.body).not.toContain('/healthz');
    const om = await http(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
  });

  test('the SLO windows see the requests', () => {
    const v = metrics.slo.snapshot(Date.now()).find((x) => x.slo === 'availability' && x.window === '5m');
    expect(v).toMatchObject({ total: 7, good: 6 });
  });
});

describe('instrument(app): sub-apps, body sizes, requestMetrics alone', () => {
  let server: Server;
  let base: string;
  let metrics: AppMetrics;
  let subMetrics: AppMetrics;
  let aloneMetrics: AppMetrics;

  beforeAll(async () => {
    const app = express();
    metrics = instrument(app, { defaultMetrics: false });
    // a sub-app (its own request/response prototypes) with a router inside
    const admin = express();
    const reports = express.Router();
    reports.get('/:year', (_req, res) => {
      res.send('r'.repeat(10));
    });
    admin.use('/reports', reports);
    admin.get('/stats/:id', (req, res) => {
      res.json({ route: (req.route as { path: string }).path });
    });
    admin.post('/stats/:id/fail', () => {
      throw new Error('boom');
    });
    app.use('/admin', admin);
    // a sub-app instrumented itself too, into other metrics: each records its requests, bytes counted once
    const inner = express();
    subMetrics = instrument(inner, { defaultMetrics: false, metricsPath: false });
    inner.get('/item/:id', (_req, res) => {
      res.write('12345');
      res.end('678');
    });
    app.use('/inner', inner);
    // requestMetrics without instrument(): an app hooked on its first request
    const alone = express();
    aloneMetrics = new AppMetrics({ defaultMetrics: false });
    alone.use(requestMetrics(aloneMetrics));
    alone.get('/thing/:id', (_req, res) => {
      res.send('thing');
    });
    app.use('/alone', alone);

    app.get('/stream', (_req, res) => {
      // chunked: no Content-Length
      res.write('abc');
      res.write(Buffer.from('defg'));
      res.end('hi');
    });
    app.get('/length', (_req, res) => {
      res.setHeader('Content-Length', '5');
      res.end('12345');
    });
    app.get('/pipe', (_req, res) => {
      Readable.from(['aa', 'bbb']).pipe(res);
    });
    app.get('/hex', (_req, res) => {
      res.end('ffff', 'hex');
    });
    app.get('/empty', (_req, res) => {
      res.status(204).end();
    });
    app.get('/route-path', (req, res) => {
      res.send(String((req.route as { path: string }).path));
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    for (const [path, method] of [
      ['/admin/reports/2024', 'GET'],
      ['/admin/reports/2025', 'GET'],
      ['/admin/stats/7', 'GET'],
      ['/admin/stats/7/fail', 'POST'],
      ['/admin/nothing', 'GET'],
      ['/inner/item/1', 'GET'],
      ['/alone/thing/1', 'GET'],
      ['/alone/thing/2', 'GET'],
      ['/stream', 'GET'],
      ['/length', 'GET'],
      ['/pipe', 'GET'],
      ['/hex', 'GET'],
      ['/empty', 'GET'],
      ['/route-path', 'GET'],
      ['/metrics?x=1', 'GET'],
    ] as const) {
      await http(`${base}${path}`, { method });
    }
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('routes of sub-apps and their routers: mount paths included, kept when an error goes up', async () => {
    const t = await metrics.render();
    expect(seriesOf(t, M.httpRequests)).toEqual([
      'app_http_requests_total{method="GET",route="/admin/reports/:year",status_class="2xx"} 2',
      'app_http_requests_total{method="GET",route="/admin/stats/:id",status_class="2xx"} 1',
      'app_http_requests_total{method="POST",route="/admin/stats/:id/fail",status_class="5xx"} 1',
      'app_http_requests_total{method="GET",route="other",status_class="4xx"} 1',
      'app_http_requests_total{method="GET",route="/inner/item/:id",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/alone/thing/:id",status_class="2xx"} 2',
      'app_http_requests_total{method="GET",route="/stream",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/length",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/pipe",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/hex",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/empty",status_class="2xx"} 1',
      'app_http_requests_total{method="GET",route="/route-path",status_class="2xx"} 1',
    ]);
    // req.route still reads as express sets it
    expect((await http(`${base}/route-path`)).body).toBe('/route-path');
    expect(JSON.parse((await http(`${base}/admin/stats/1`)).body)).toEqual({ route: '/stats/:id' });
  });

  test('response bytes: one piece, chunked, piped, encoded, empty', async () => {
    const t = await metrics.render();
    const bytes = (route: string) => sample(t, `${M.httpResponseSize}_sum{method="GET",route="${route}",status_class="2xx"}`);
    expect(bytes('/admin/reports/:year')).toBe(20);
    expect(bytes('/stream')).toBe(9);
    expect(bytes('/length')).toBe(5);
    expect(bytes('/pipe')).toBe(5);
    expect(bytes('/hex')).toBe(2);
    expect(bytes('/empty')).toBe(0);
    expect(bytes('/inner/item/:id')).toBe(8);
    expect(bytes('/alone/thing/:id')).toBe(10);
  });

  test('an instrumented sub-app and requestMetrics alone record their own requests, bytes counted once', async () => {
    const inner = await subMetrics.render();
    expect(seriesOf(inner, M.httpRequests)).toEqual(['app_http_requests_total{method="GET",route="/inner/item/:id",status_class="2xx"} 1']);
    expect(sample(inner, `${M.httpResponseSize}_sum{method="GET",route="/inner/item/:id",status_class="2xx"}`)).toBe(8);
    const alone = await aloneMetrics.render();
    expect(seriesOf(alone, M.httpRequests)).toEqual(['app_http_requests_total{method="GET",route="/alone/thing/:id",status_class="2xx"} 2']);
    expect(sample(alone, `${M.httpResponseSize}_sum{method="GET",route="/alone/thing/:id",status_class="2xx"}`)).toBe(10);
  });
});

describe('requestMetrics outside an express app', () => {
  test('a router in a plain http server: routes and bytes from the request and response objects', async () => {
    const metrics = new AppMetrics({ defaultMetrics: false });
    const router = express.Router();
    router.use(requestMetrics(metrics));
    const users = express.Router();
    users.get('/:id', (_req, res) => {
      res.end('{"id":1}');
    });
    users.get('/:id/fail', (_req, _res, next) => next(new Error('boom')));
    router.use('/users', users);
    const server = createServer((req, res) => {
      router(req as unknown as Request, res as unknown as Response, (err?: unknown) => {
        res.statusCode = err ? 500 : 404;
        res.end('no');
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await http(`${url}/users/1`);
      await http(`${url}/users/1/fail`);
      await http(`${url}/nope`);
      await new Promise((r) => setTimeout(r, 50));
      const t = await metrics.render();
      expect(seriesOf(t, M.httpRequests)).toEqual([
        'app_http_requests_total{method="GET",route="/users/:id",status_class="2xx"} 1',
        'app_http_requests_total{method="GET",route="/users/:id/fail",status_class="5xx"} 1',
        'app_http_requests_total{method="GET",route="other",status_class="4xx"} 1',
      ]);
      expect(sample(t, `${M.httpResponseSize}_sum{method="GET",route="/users/:id",status_class="2xx"}`)).toBe(8);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('observeRequest with cached label sets', () => {
  /** observeRequest as it was before the cache: the general inc and observe on every call. */
  function reference(m: AppMetrics, r: Parameters<AppMetrics['observeRequest']>[0], tMs: number): void {
    const route = r.route as string;
    const status_class = statusClass(r.status);
    const method = r.method;
    m.inc(M.httpRequests, { method, route, status_class });
    m.observe(M.httpRequestDuration, { method, route, status_class }, r.durationSeconds);
    if (r.requestBytes !== undefined) m.observe(M.httpRequestSize, { method, route }, r.requestBytes);
    if (r.responseBytes !== undefined) m.observe(M.httpResponseSize, { method, route, status_class }, r.responseBytes);
    m.slo.record(tMs, { status: r.status, durationSeconds: r.durationSeconds });
  }

  test('records what the general path records: folds, the series cap, errors, resets', async () => {
    const options = { maxSeries: 6, defaultMetrics: false, allow: { route: ['/a', '/b/:id', '/c'] } };
    const cached = new AppMetrics(options);
    const general = new AppMetrics(options);
    const routes = ['/a', '/b/:id', '/c', '/not-allowed', 'bad route', 'other'];
    const methods = ['GET', 'get', 'POST', 'BREW'];
    const statuses = [200, 201, 404, 503, 99, 700];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 3000; i++) {
      const r = {
        method: methods[rnd(methods.length)] as string,
        route: routes[rnd(routes.length)] as string,
        status: statuses[rnd(statuses.length)] as number,
        durationSeconds: [0.001, 0.02, 0.3, 7, 20, NaN][rnd(6)] as number,
        requestBytes: [undefined, 0, 100, -1][rnd(4)],
        responseBytes: [undefined, 10, 5000][rnd(3)],
      };
      const tMs = t0 + i * 100;
      const outcome = (f: () => void) => {
        try {
          f();
          return 'ok';
        } catch (e) {
          return (e as Error).message;
        }
      };
      expect(outcome(() => cached.observeRequest(r, tMs))).toBe(outcome(() => reference(general, r, tMs)));
      if (i === 1500) {
        // a reset (e.g. by the application) drops the series: both start again
        cached.registry.resetMetrics();
        general.registry.resetMetrics();
      }
    }
    expect(await cached.render()).toBe(await general.render());
    expect(cached.slo.snapshot(t0 + 300_000)).toEqual(general.slo.snapshot(t0 + 300_000));
    const text = await cached.render();
    expect(sample(text, `${M.exporterSeriesDropped}{metric="${M.httpRequests}"}`)).toBeGreaterThan(0);
    expect(sample(text, `${M.exporterLabelValuesFolded}{metric="${M.httpRequests}",label="route"}`)).toBeGreaterThan(0);
  });
});
