import { networkInterfaces } from 'os';
import { M } from '../src/catalogue';
import { ExporterConfig, parseCli } from '../src/config';
import { memoryLogger } from '../src/log';
import { Exporter } from '../src/server';
import { ALL_KINDS } from './support/fixtures';
import { http, postJson, sample, sumOf } from './support/helpers';

function config(args: string[]): ExporterConfig {
  const r = parseCli(['--port', '0', '--host', '127.0.0.1', ...args]);
  if (r.kind !== 'run') throw new Error('expected a run config');
  return r.config;
}

async function started(args: string[]): Promise<{ exporter: Exporter; base: string; log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger();
  const exporter = new Exporter(config(args), { logger: log, defaultMetrics: false });
  const port = await exporter.start();
  return { exporter, base: `http://127.0.0.1:${port}`, log };
}

/** A non-loopback IPv4 address of this machine, to make requests that are not from localhost. */
function externalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address; the remote-write test needs one');
}

describe('HTTP endpoints (events source)', () => {
  let exporter: Exporter;
  let base: string;
  beforeAll(async () => {
    ({ exporter, base } = await started(['--source', 'events', '--max-body-bytes', '2048']));
  });
  afterAll(() => exporter.stop());

  test('GET /metrics: Prometheus text by default, OpenMetrics when the Accept header prefers it', async () => {
    const text = await http(`${base}/metrics`);
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('# TYPE app_http_requests_total counter');
    expect(text.body).toContain('app_exporter_build_info{version="0.1.0",source="events"} 1');

    // what Prometheus 2.x/3.x sends
    const accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await http(`${base}/metrics`, { headers: { accept } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toContain('# TYPE app_http_requests counter');
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);
    // rendering OpenMetrics did not rename the counters for the next text scrape
    expect((await http(`${base}/metrics`)).body).toContain('# TYPE app_http_requests_total counter');
    // a browser or curl gets text
    const browser = await http(`${base}/metrics`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(browser.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  test('GET /healthz, /readyz, /', async () => {
    expect(await http(`${base}/healthz`)).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await http(`${base}/readyz`)).toMatchObject({ status: 200, body: '{"status":"ready"}' });
    const index = JSON.parse((await http(`${base}/`)).body);
    expect(index).toEqual({ name: 'app-exporter', version: '0.1.0', sources: ['events'], endpoints: ['/metrics', '/healthz', '/readyz', '/v1/events'] });
  });

  test('POST /v1/events: a valid batch is applied once', async () => {
    const before = sumOf(await exporter.metrics.render(), M.httpRequests);
    const r = await postJson(`${base}/v1/events`, { events: ALL_KINDS });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: ALL_KINDS.length });
    const t = await exporter.metrics.render();
    expect(sumOf(t, M.httpRequests) - before).toBe(2);
    expect(sample(t, `${M.exporterEventBatches}{outcome="accepted"}`)).toBeGreaterThanOrEqual(1);
  });

  test('POST /v1/events: an invalid batch gets 400 naming each problem, and nothing of it is applied', async () => {
    const before = await exporter.metrics.render();
    const r = await postJson(`${base}/v1/events`, {
      events: [
        { kind: 'request', method: 'GET', route: '/ok', status: 200, durationSeconds: 0.1 },
        { kind: 'request', method: 'GET', route: '/ok', status: 200, durationSeconds: '100ms' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error: 'invalid batch: 1 problem(s); nothing was applied, fix and resend the whole batch',
      problems: ['events[1].durationSeconds: must be a number of seconds >= 0 (not milliseconds), got "100ms"'],
    });
    const after = await exporter.metrics.render();
    expect(sumOf(after, M.httpRequests)).toBe(sumOf(before, M.httpRequests));
    expect(after).not.toContain('route="/ok"');
    expect(sample(after, `${M.exporterEvents}{outcome="rejected"}`)).toBe(2);
  });

  test('POST /v1/events: malformed JSON 400, wrong content type 415, no body 400, too large 413', async () => {
    const bad = await http(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events": [' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/^the body is not valid JSON: /);

    const form = await http(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'events' });
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body)).toEqual({ error: 'Content-Type must be application/json, got "text/plain"' });

    const empty = await http(`${base}/v1/events`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body).error).toMatch(/no body/);

    const big = { events: Array.from({ length: 100 }, () => ({ kind: 'cache', cache: 'c', hits: 1 })) };
    const large = await postJson(`${base}/v1/events`, big);
    expect(large.status).toBe(413);
    expect(large.json).toEqual({ error: 'the request body is larger than the limit of 2048 bytes (--max-body-bytes); split the batch' });

    // chunked bodies without a Content-Length are limited too
    const chunked = await http(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: JSON.stringify(big) });
    expect(chunked.status).toBe(413);

    const t = await exporter.metrics.render();
    expect(sample(t, `${M.exporterEventBatches}{outcome="too_large"}`)).toBe(2);
    expect(sample(t, `${M.exporterEventBatches}{outcome="unsupported_media_type"}`)).toBe(1);
    expect(sample(t, `${M.exporterEventBatches}{outcome="malformed"}`)).toBe(2);
    expect(sample(t, `${M.cacheHits}{cache="c"}`)).toBeUndefined();
  });

  test('POST /v1/events: a retried batchId is acknowledged and not counted twice; reuse with other events is 409', async () => {
    const batch = { batchId: 'retry-1', events: [{ kind: 'cache', cache: 'retry', hits: 5 }] };
    expect((await postJson(`${base}/v1/events`, batch)).json).toEqual({ accepted: 1, batchId: 'retry-1' });
    expect((await postJson(`${base}/v1/events`, batch)).json).toEqual({ accepted: 0, duplicate: true, batchId: 'retry-1' });
    const conflict = await postJson(`${base}/v1/events`, { batchId: 'retry-1', events: [{ kind: 'cache', cache: 'retry', hits: 6 }] });
    expect(conflict.status).toBe(409);
    const t = await exporter.metrics.render();
    expect(sample(t, `${M.cacheHits}{cache="retry"}`)).toBe(5);
    expect(sample(t, `${M.exporterEventBatches}{outcome="duplicate"}`)).toBe(1);
    expect(sample(t, `${M.exporterEventBatches}{outcome="conflict"}`)).toBe(1);
  });

  test('wrong methods and paths', async () => {
    const get = await http(`${base}/v1/events`);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const incident = await postJson(`${base}/v1/incident`, { errorRatio: 0.5 });
    expect(incident.status).toBe(404);
    expect(incident.json.error).toMatch(/only simulated with --source simulate/);
    const nope = await http(`${base}/nope`);
    expect(nope.status).toBe(404);
    expect(JSON.parse(nope.body)).toEqual({ error: 'no endpoint GET /nope; see GET /' });
  });
});

describe('HTTP endpoints (simulate source)', () => {
  let exporter: Exporter;
  let base: string;
  beforeAll(async () => {
    ({ exporter, base } = await started(['--source', 'simulate', '--interval', '0.2', '--seed', '3', '--requests-per-second', '200']));
  });
  afterAll(() => exporter.stop());

  test('GET/POST/DELETE /v1/incident start and stop an error burst at run time', async () => {
    expect(JSON.parse((await http(`${base}/v1/incident`)).body)).toEqual({ active: false, errorRatio: 0, latencyFactor: 1 });
    const bad = await postJson(`${base}/v1/incident`, { errorRatio: 5 });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual(['errorRatio: must be a number in (0, 1], e.g. 0.5, got 5']);

    const started = await postJson(`${base}/v1/incident`, { errorRatio: 1, durationSeconds: 300 });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ active: true, errorRatio: 1, latencyFactor: 1 });
    const t0 = await exporter.metrics.render();
    const fiveXX0 = sumOf(t0.split('\n').filter((l) => l.includes('status_class="5xx"')).join('\n'), M.httpRequests);
    await new Promise((r) => setTimeout(r, 700));
    const t1 = (await http(`${base}/metrics`)).body;
    expect(sample(t1, M.exporterIncidentActive)).toBe(1);
    const fiveXX1 = sumOf(t1.split('\n').filter((l) => l.includes('status_class="5xx"')).join('\n'), M.httpRequests);
    expect(fiveXX1).toBeGreaterThan(fiveXX0);

    const stopped = await http(`${base}/v1/incident`, { method: 'DELETE' });
    expect(JSON.parse(stopped.body)).toEqual({ active: false, errorRatio: 0, latencyFactor: 1 });
    expect(sample((await http(`${base}/metrics`)).body, M.exporterIncidentActive)).toBe(0);
  });

  test('events are not accepted without the events source', async () => {
    const r = await postJson(`${base}/v1/events`, { events: [] });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatch(/start with --source events/);
  });
});

describe('writes from the network', () => {
  test('POST endpoints refuse non-loopback clients unless --allow-remote-writes', async () => {
    const ip = externalAddress();
    for (const allow of [false, true]) {
      const log = memoryLogger();
      const exporter = new Exporter(config(['--source', 'events', '--host', '0.0.0.0', ...(allow ? ['--allow-remote-writes'] : [])]), { logger: log, defaultMetrics: false });
      const port = await exporter.start();
      try {
        const body = JSON.stringify({ events: [] });
        const remote = await http(`http://${ip}:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, localAddress: ip });
        expect(remote.status).toBe(allow ? 200 : 403);
        if (!allow) expect(JSON.parse(remote.body).error).toMatch(/localhost only .*--allow-remote-writes/);
        // reads are open to the network: Prometheus scrapes from another pod
        expect((await http(`http://${ip}:${port}/metrics`, { localAddress: ip })).status).toBe(200);
      } finally {
        await exporter.stop();
      }
    }
  });
});

describe('lifecycle', () => {
  test('/readyz is 503 before start; stopping refuses new connections and lets a request in flight finish', async () => {
    const log = memoryLogger();
    const exporter = new Exporter(config(['--source', 'events', '--shutdown-timeout', '5']), { logger: log, defaultMetrics: false });
    const res = { statusCode: 0, body: '' };
    // not started: the app answers 503 on /readyz
    const app = exporter.app;
    await new Promise<void>((resolve) => {
      const fake = { method: 'GET', url: '/readyz', headers: {} } as never;
      const out = {
        statusCode: 200,
        setHeader() {},
        getHeader() {},
        removeHeader() {},
        status(c: number) {
          this.statusCode = c;
          return this;
        },
        end(b: string) {
          res.statusCode = this.statusCode;
          res.body = String(b);
          resolve();
        },
      };
      (app as unknown as (a: unknown, b: unknown, c: () => void) => void)(fake, out, () => resolve());
    });
    expect(res).toEqual({ statusCode: 503, body: '{"status":"not ready","reason":"starting"}' });

    const port = await exporter.start();
    const base = `http://127.0.0.1:${port}`;
    // a slow client: headers now, body later
    const { request } = await import('http');
    const body = JSON.stringify({ events: [{ kind: 'cache', cache: 'inflight', hits: 1 }] });
    const inflight = new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 800);
    });
    await new Promise((r) => setTimeout(r, 300));
    const stopping = exporter.stop();
    expect(exporter.ready).toBe(false);
    // new connections are refused
    await expect(http(`${base}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    expect(await inflight).toBe(200);
    await stopping;
    expect(sample(await exporter.metrics.render(), `${M.cacheHits}{cache="inflight"}`)).toBe(1);
    expect(log.records.map((r) => r.msg)).toEqual(['exporter started', 'exporter stopped']);
    expect(log.records[0]).toMatchObject({ port, sources: ['events'], uid: process.getuid?.() });
  });
});
