import { ChildProcess, spawn } from 'child_process';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { promtool, tempFiles, toolPath } from '../../test/support/tools';
import { M } from '../src/catalogue';
import { ExporterConfig, parseCli } from '../src/config';
import { memoryLogger } from '../src/log';
import { Exporter } from '../src/server';
import { ALL_KINDS } from './support/fixtures';
import { freePort, http, postJson } from './support/helpers';

/**
 * The real tools judge the real output: `promtool check metrics` (Prometheus 2.42's linter)
 * on /metrics of each source, and a real Prometheus 2.42 scraping the exporter, which
 * negotiates OpenMetrics and reports any parse error as the target's lastError.
 */

function config(args: string[]): ExporterConfig {
  const r = parseCli(['--port', '0', '--host', '127.0.0.1', ...args]);
  if (r.kind !== 'run') throw new Error('expected a run config');
  return r.config;
}

async function scrape(args: string[], feed: (base: string) => Promise<void>): Promise<string> {
  const exporter = new Exporter(config(args), { logger: memoryLogger() });
  const port = await exporter.start();
  const base = `http://127.0.0.1:${port}`;
  try {
    await feed(base);
    const r = await http(`${base}/metrics`);
    expect(r.status).toBe(200);
    return r.body;
  } finally {
    await exporter.stop();
  }
}

function expectClean(text: string): void {
  const r = promtool(['check', 'metrics'], { input: text });
  expect(r.output).toBe('');
  expect(r.status).toBe(0);
}

describe('promtool check metrics on real /metrics output', () => {
  test('simulate (with an incident, all SLO windows populated, runtime metrics)', async () => {
    const text = await scrape(['--source', 'simulate', '--interval', '0.2', '--incident', '--incident-duration', '60'], () => new Promise((r) => setTimeout(r, 700)));
    expect(text).toContain('app_slo_burn_rate{slo="availability",window="30d"}');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_gc_duration_seconds');
    expectClean(text);
  });

  test('events (every kind of event, folded values, a rejected batch)', async () => {
    const text = await scrape(['--source', 'events', '--max-series', '3'], async (base) => {
      expect((await postJson(`${base}/v1/events`, { events: ALL_KINDS })).status).toBe(200);
      const many = Array.from({ length: 10 }, (_, i) => ({ kind: 'request', method: i % 2 ? 'PROPFIND' : 'GET', path: `/w${i}/items/${i}`, status: 200 + i * 30, durationSeconds: 0.1 }));
      many.push({ kind: 'request', method: 'GET', path: '/weird path/x"y\\z', status: 200, durationSeconds: 0.1 });
      expect((await postJson(`${base}/v1/events`, { events: many })).status).toBe(200);
      expect((await postJson(`${base}/v1/events`, { events: [{ kind: 'x' }] })).status).toBe(400);
    });
    expect(text).toContain('app_exporter_series_dropped_total{metric="app_http_requests_total"}');
    expectClean(text);
  });

  test('stats (a good poll, then an unreachable endpoint)', async () => {
    const files = tempFiles({
      'map.json': JSON.stringify({
        fields: [
          { path: 'users.*', metric: M.activeUsers, labels: { tier: '$1' } },
          { path: 'hits', metric: M.cacheHits, labels: { cache: 'main' } },
        ],
      }),
    });
    const app: Server = createServer((_req, res) => res.end(JSON.stringify({ users: { free: 3, premium: 2 }, hits: 10 })));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/stats`;
    try {
      const text = await scrape(['--source', 'stats', '--stats-url', url, '--mapping', files.path('map.json'), '--interval', '0.2'], async () => {
        await new Promise((r) => setTimeout(r, 300));
        await new Promise<void>((r) => app.close(() => r()));
        await new Promise((r) => setTimeout(r, 500));
      });
      expect(text).toContain('app_exporter_stats_polls_total{outcome="success"}');
      expect(text).toContain('app_exporter_stats_polls_total{outcome="unreachable"}');
      expectClean(text);
    } finally {
      files.cleanup();
      app.close();
    }
  });
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('a real Prometheus scrapes the exporter', () => {
  test('OpenMetrics is negotiated and parsed; the SLO series are queryable', async () => {
    const log = memoryLogger();
    const exporter = new Exporter(config(['--source', 'simulate', '--interval', '0.5']), { logger: Object.assign(log, {}) });
    const port = await exporter.start();
    const promPort = await freePort();
    const files = tempFiles({
      'prometheus.yml': [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: app-exporter',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '',
      ].join('\n'),
    });
    let prom: ChildProcess | undefined;
    try {
      prom = spawn(toolPath('prometheus'), [`--config.file=${files.path('prometheus.yml')}`, `--storage.tsdb.path=${files.path('data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
      const api = `http://127.0.0.1:${promPort}/api/v1`;
      const query = async (q: string) => {
        const r = await http(`${api}/query?query=${encodeURIComponent(q)}`);
        return JSON.parse(r.body).data.result as { metric: Record<string, string>; value: [number, string] }[];
      };
      const target = await waitFor('a scrape of the exporter', async () => {
        const r = await http(`${api}/targets`);
        const t = JSON.parse(r.body).data.activeTargets[0];
        return t && t.lastScrape !== '0001-01-01T00:00:00Z' && t.health !== 'unknown' ? t : undefined;
      });
      expect(target.lastError).toBe('');
      expect(target.health).toBe('up');
      expect(log.records.some((r) => r.msg === 'scrape' && r.format === 'openmetrics')).toBe(true);

      const samples = await waitFor('samples', async () => {
        const r = await query('scrape_samples_scraped{job="app-exporter"}');
        return r.length ? Number(r[0]?.value[1]) : undefined;
      });
      expect(samples).toBeGreaterThan(300);
      // counters keep their _total name through OpenMetrics
      expect((await query('sum(app_http_requests_total)')).length).toBe(1);
      expect((await query('app_http_request_duration_seconds_bucket{le="0.5"}')).length).toBeGreaterThan(0);
      expect((await query('app_slo_burn_rate{slo="availability",window="5m"}')).length).toBe(1);
      expect((await query('nodejs_version_info')).length).toBe(1);
      // no sample was dropped for a bad name or label
      expect(Number((await query('scrape_samples_post_metric_relabeling{job="app-exporter"}'))[0]?.value[1])).toBe(samples);
    } finally {
      prom?.kill('SIGTERM');
      await new Promise((r) => (prom && prom.exitCode === null ? prom.once('exit', r) : r(undefined)));
      await exporter.stop();
      files.cleanup();
    }
  });
});
