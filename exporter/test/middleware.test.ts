import express from 'express';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { M } from '../src/catalogue';
import { instrument } from '../src/middleware';
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
