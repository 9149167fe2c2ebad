/**
 * The exporter under load, each figure against a baseline measured in the same run.
 *
 *   npx tsx bench/exporter.ts [startup|metrics|events|memory ...] [--seconds=8] [--duration=30]
 *
 * The exporter runs as it ships: exporter/src/main.ts bundled by esbuild to one file (the
 * image's /app/exporter.cjs), in its own process, on loopback; autocannon loads it from another.
 * The baselines are small express 5 apps (bench/support/servers.ts), bundled the same way and run
 * in their own process.
 *
 * - startup: spawn -> first successful GET /metrics (200), simulate mode; baseline: an express
 *   app that serves a static page (Node start + express + listen).
 * - metrics: GET /metrics with Prometheus's Accept header (it negotiates OpenMetrics) on 2
 *   connections back to back (--scrapers; the two replicas of an HA pair), median and p99
 *   latency and req/s, (a) at default cardinality: simulate mode, the whole catalogue
 *   filled by the simulated shop; (b) at the cardinality cap: events mode, every application
 *   metric filled to --max-series (500) label sets through POST /v1/events. Baseline: the same
 *   page's bytes served statically by an express app: the ratio is the cost of rendering.
 * - events: POST /v1/events, batches of 100 and of 1 event, events/s and p99; baseline: an
 *   express app that only parses the same JSON body (express.json, same limit).
 * - memory: resident memory (VmRSS) under steady load for --duration seconds (default 30; the
 *   issue's figure is --duration=600): events mode, 200 batches/s of 20 events whose routes carry
 *   a random id (so the series cap is hit and held), and a scrape every second. Reported against
 *   the RSS after start-up, sampled every 5 s.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  Child,
  EXPORTER_DIR,
  ROOT,
  LoadResult,
  assertClean,
  bundle,
  fixed,
  freePort,
  load,
  median,
  numberOption,
  parseArgs,
  percentile,
  printMachine,
  removeTempDir,
  sleep,
  startChild,
  table,
  tempDir,
  waitForOk,
} from './support/common';

/** What Prometheus 2.42 sends when it scrapes. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const MAX_SERIES = 500;

interface Ctx {
  readonly dir: string;
  readonly exporter: string;
  readonly servers: string;
  readonly seconds: number;
  /** Connections of the POST /v1/events load. */
  readonly connections: number;
  /** Connections of the GET /metrics load: 2, the two Prometheus replicas of an HA pair. */
  readonly scrapers: number;
}

async function startExporter(ctx: Ctx, args: readonly string[], timeoutMs = 15 * 60_000): Promise<{ child: Child; port: number; startedMs: number; readyMs: number }> {
  const port = await freePort();
  const t = performance.now();
  const child = startChild(process.execPath, [ctx.exporter, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn', ...args], { timeoutMs });
  const ok = await waitForOk(`http://127.0.0.1:${port}/metrics`, 20_000, 2, child);
  return { child, port, startedMs: t, readyMs: ok - t };
}

async function startServer(ctx: Ctx, mode: string, extra: string[] = [], env: Record<string, string> = {}, timeoutMs = 10 * 60_000): Promise<{ child: Child; port: number; readyMs: number }> {
  const port = await freePort();
  const t = performance.now();
  const child = startChild(process.execPath, [ctx.servers, mode, String(port), ...extra], { env: { ...process.env, ...env }, timeoutMs });
  const ok = await waitForOk(`http://127.0.0.1:${port}/${mode === 'static' ? 'metrics' : 'healthz'}`, 20_000, 2, child);
  return { child, port, readyMs: ok - t };
}

function row(name: string, r: LoadResult, base?: LoadResult, unit = 'req/s', perRequest = 1): string[] {
  return [
    name,
    `${fixed(r.rps * perRequest)} ${unit}`,
    base ? `${fixed(r.rps / base.rps, 2)}x` : '1.00x',
    `${fixed(r.latencyMedianMs, 1)} ms`,
    `${fixed(r.latencyP99Ms, 1)} ms`,
    base ? `${fixed(r.latencyP99Ms / base.latencyP99Ms, 2)}x` : '1.00x',
  ];
}

const LOAD_HEADER = ['', 'throughput', 'vs baseline', 'latency p50', 'p99', 'p99 vs baseline'];

// ---------------------------------------------------------------------------------------------

async function benchStartup(ctx: Ctx, runs = 5): Promise<void> {
  console.log(`\n-- start-up to the first successful scrape (${runs} runs each, interleaved)`);
  const page = join(ctx.dir, 'startup-page.txt');
  writeFileSync(page, '# a static page\nup 1\n');
  const exporter: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    const e = await startExporter(ctx, ['--source', 'simulate']);
    exporter.push(e.readyMs);
    await e.child.stop();
    const b = await startServer(ctx, 'static', [page]);
    baseline.push(b.readyMs);
    await b.child.stop();
  }
  table(
    ['', 'median', 'p90', 'vs baseline'],
    [
      ['express app serving a static page (baseline)', `${fixed(median(baseline))} ms`, `${fixed(percentile(baseline, 90))} ms`, '1.00x'],
      ['exporter (simulate), first 200 on /metrics', `${fixed(median(exporter))} ms`, `${fixed(percentile(exporter, 90))} ms`, `${fixed(median(exporter) / median(baseline), 2)}x`],
    ],
  );
}

// ---------------------------------------------------------------------------------------------

/** Distinct identifier values, `prefix-0000` ... */
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/** Batches that give every application metric more label sets than the cap. */
export function capBatches(n = MAX_SERIES + 100): unknown[][] {
  const routes = ids('/r', n).map((r) => r.replace('/r-', '/r/'));
  const statuses = [200, 404, 500];
  const batches: unknown[][] = [];
  batches.push(routes.map((route, i) => ({ kind: 'request', method: i % 2 ? 'GET' : 'POST', route, status: statuses[i % 3], durationSeconds: 0.01 * (i % 50), requestBytes: 100 + i, responseBytes: 1000 + i })));
  batches.push(routes.map((route, i) => ({ kind: 'error', type: `e${i % 40}`, route, status: 500 })));
  batches.push(ids('p', n).map((product, i) => ({ kind: 'revenue', product, region: `reg-${i % 7}`, amount: 1 + (i % 100) })));
  batches.push(ids('t', n).map((type, i) => ({ kind: 'transaction', type, status: ['succeeded', 'failed', 'cancelled'][i % 3] })));
  batches.push(ids('f', n).map((feature, i) => ({ kind: 'feature_usage', feature, tier: ['free', 'premium', 'enterprise'][i % 3] })));
  batches.push(ids('pool', n).map((pool, i) => ({ kind: 'db_pool', pool, active: i % 10, idle: 5, max: 20, waiters: i % 3 })));
  batches.push(ids('pool', n).map((pool, i) => ({ kind: 'db_query', pool, operation: ['select', 'insert', 'update', 'delete'][i % 4], durationSeconds: 0.001 * (i % 100) })));
  batches.push(ids('cache', n).map((cache, i) => ({ kind: 'cache', cache, hits: i, misses: i % 7 })));
  batches.push(ids('queue', n).map((queue, i) => ({ kind: 'queue_depth', queue, depth: i })));
  batches.push(ids('queue', n).map((queue, i) => ({ kind: 'queue_job', queue, durationSeconds: 0.1 * (i % 30) })));
  batches.push(['free', 'premium', 'enterprise'].map((tier, i) => ({ kind: 'active_users', tier, users: 100 * (i + 1) })));
  return batches;
}

async function post(port: number, events: unknown[]): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST /v1/events answered ${r.status}: ${text.slice(0, 2000)}`);
}

async function scrape(port: number): Promise<{ body: string; contentType: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
  if (!r.ok) throw new Error(`GET /metrics answered ${r.status}`);
  return { body: await r.text(), contentType: r.headers.get('content-type') ?? '' };
}

function seriesCount(page: string): number {
  return page.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

async function measureMetrics(ctx: Ctx, name: string, exporterArgs: string[], fill?: (port: number) => Promise<void>): Promise<string[][]> {
  const e = await startExporter(ctx, exporterArgs);
  let page: { body: string; contentType: string };
  let exp: LoadResult;
  try {
    if (fill) await fill(e.port);
    else await sleep(3000); // a few simulation steps (--interval 1)
    page = await scrape(e.port);
    exp = assertClean(`${name} /metrics`, await load({ url: `http://127.0.0.1:${e.port}/metrics`, headers: { accept: PROMETHEUS_ACCEPT }, connections: ctx.scrapers, durationSeconds: ctx.seconds, warmupSeconds: 2 }));
  } finally {
    await e.child.stop();
  }
  const file = join(ctx.dir, `${name}.page`);
  writeFileSync(file, page.body);
  const b = await startServer(ctx, 'static', [file], { BENCH_CONTENT_TYPE: page.contentType });
  let base: LoadResult;
  try {
    base = assertClean(`${name} static`, await load({ url: `http://127.0.0.1:${b.port}/metrics`, headers: { accept: PROMETHEUS_ACCEPT }, connections: ctx.scrapers, durationSeconds: ctx.seconds, warmupSeconds: 2 }));
  } finally {
    await b.child.stop();
  }
  const size = `${fixed(Buffer.byteLength(page.body) / 1024)} KiB, ${fixed(seriesCount(page.body))} samples`;
  return [row(`${name}: same bytes served statically (baseline; ${size})`, base), row(`${name}: exporter /metrics`, exp, base)];
}

async function benchMetrics(ctx: Ctx): Promise<void> {
  console.log(`\n-- GET /metrics (Prometheus's Accept header), ${ctx.scrapers} connections back to back (an HA pair scraping at once), ${ctx.seconds} s each`);
  const rows = [
    ...(await measureMetrics(ctx, 'default cardinality (simulate)', ['--source', 'simulate', '--interval', '1'])),
    ...(await measureMetrics(ctx, `cardinality cap (${MAX_SERIES} per metric)`, ['--source', 'events', '--max-series', String(MAX_SERIES)], async (port) => {
      for (const batch of capBatches()) await post(port, batch);
      const page = (await scrape(port)).body;
      const admitted = page.split('\n').filter((l) => l.startsWith('app_exporter_series{'));
      const full = admitted.filter((l) => Number(l.slice(l.lastIndexOf(' ') + 1)) >= MAX_SERIES);
      if (full.length < 10) throw new Error(`only ${full.length} metrics reached the cap:\n${admitted.join('\n')}`);
    })),
  ];
  table(LOAD_HEADER, rows);
}

// ---------------------------------------------------------------------------------------------

export function eventBatch(n: number): { events: unknown[] } {
  const routes = ['/users/:id', '/products/:id', '/cart', '/checkout', '/search', '/login', '/orders/:id', '/health'];
  const events: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 7) events.push({ kind: 'request', method: i % 5 ? 'GET' : 'POST', route: routes[i % routes.length], status: i % 50 ? 200 : 500, durationSeconds: 0.005 * (1 + (i % 40)), responseBytes: 512 + i });
    else if (k === 7) events.push({ kind: 'transaction', type: 'purchase', status: 'succeeded' });
    else if (k === 8) events.push({ kind: 'revenue', product: 'pro', region: 'eu-west', amount: 29.99 });
    else events.push({ kind: 'db_query', pool: 'main', operation: 'select', durationSeconds: 0.002 });
  }
  return { events };
}

async function benchEvents(ctx: Ctx): Promise<void> {
  console.log(`\n-- POST /v1/events, ${ctx.connections} connections, ${ctx.seconds} s each`);
  const rows: string[][] = [];
  for (const size of [100, 1]) {
    const body = JSON.stringify(eventBatch(size));
    const opts = { method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: ctx.connections, durationSeconds: ctx.seconds, warmupSeconds: 2 };
    const b = await startServer(ctx, 'events');
    let base: LoadResult;
    try {
      base = assertClean('events baseline', await load({ url: `http://127.0.0.1:${b.port}/v1/events`, ...opts }));
    } finally {
      await b.child.stop();
    }
    const e = await startExporter(ctx, ['--source', 'events']);
    let exp: LoadResult;
    try {
      exp = assertClean('events', await load({ url: `http://127.0.0.1:${e.port}/v1/events`, ...opts }));
      // the events were applied, not only answered
      const page = (await scrape(e.port)).body;
      const line = page.split('\n').find((l) => l.startsWith('app_exporter_events_total{outcome="accepted"}'));
      const accepted = line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      if (accepted < exp.requests * size) throw new Error(`the exporter counted ${accepted} accepted events for ${exp.requests * size} sent`);
    } finally {
      await e.child.stop();
    }
    rows.push(row(`batches of ${size}: JSON parse only (baseline, ${fixed(body.length)} B)`, base, undefined, 'events/s', size));
    rows.push(row(`batches of ${size}: exporter (validate + apply)`, exp, base, 'events/s', size));
  }
  table(LOAD_HEADER, rows);
}

// ---------------------------------------------------------------------------------------------

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

async function benchMemory(ctx: Ctx, durationSeconds: number): Promise<void> {
  console.log(`\n-- resident memory under steady load for ${durationSeconds} s: 200 batches/s x 20 events (random route ids, past the series cap) + 1 scrape/s`);
  const idlePage = join(ctx.dir, 'idle.txt');
  writeFileSync(idlePage, 'up 1\n');
  const b = await startServer(ctx, 'static', [idlePage]);
  await sleep(1000);
  const baselineKiB = rssKiB(b.child.pid);
  await b.child.stop();

  const e = await startExporter(ctx, ['--source', 'events'], (durationSeconds + 120) * 1000);
  try {
    await sleep(1000);
    const startKiB = rssKiB(e.child.pid);
    const batch = eventBatch(20) as { events: Array<Record<string, unknown>> };
    batch.events.forEach((ev, i) => {
      if (ev.kind === 'request' && i % 2 === 0) ev.route = '/items/[<id>]';
    });
    const writes = load({ url: `http://127.0.0.1:${e.port}/v1/events`, method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' }, connections: 4, durationSeconds, rate: 200, idReplacement: true });
    const scrapes = load({ url: `http://127.0.0.1:${e.port}/metrics`, headers: { accept: PROMETHEUS_ACCEPT }, connections: 1, durationSeconds, rate: 1 });
    const samples: number[] = [];
    const t0 = performance.now();
    const sampler = (async () => {
      while (performance.now() - t0 < durationSeconds * 1000) {
        await sleep(5000);
        samples.push(rssKiB(e.child.pid));
      }
    })();
    const [w, s] = await Promise.all([writes, scrapes, sampler]);
    assertClean('memory: event writes', w);
    assertClean('memory: scrapes', s);
    const endKiB = rssKiB(e.child.pid);
    const page = (await scrape(e.port)).body;
    const dropped = page.split('\n').find((l) => l.startsWith('app_exporter_series_dropped_total{metric="app_http_requests_total"}'));
    const mib = (k: number) => `${fixed(k / 1024, 1)} MiB`;
    table(
      ['', 'RSS', 'vs after start'],
      [
        ['express app, idle (baseline)', mib(baselineKiB), `${fixed(baselineKiB / startKiB, 2)}x`],
        ['exporter after start', mib(startKiB), '1.00x'],
        [`exporter, max during load`, mib(Math.max(...samples, endKiB)), `${fixed(Math.max(...samples, endKiB) / startKiB, 2)}x`],
        [`exporter after ${durationSeconds} s of load`, mib(endKiB), `${fixed(endKiB / startKiB, 2)}x`],
      ],
    );
    const half = samples.slice(Math.floor(samples.length / 2));
    console.log(
      `${fixed(w.requests)} batches (${fixed(w.requests * 20)} events), ${fixed(s.requests)} scrapes; ` +
        `RSS samples every 5 s (MiB): ${samples.map((k) => fixed(k / 1024, 0)).join(' ')}; ` +
        `second half: ${mib(Math.min(...half))}..${mib(Math.max(...half))}; ${dropped ?? 'no series dropped'}`,
    );
  } finally {
    await e.child.stop();
  }
}

// ---------------------------------------------------------------------------------------------

export async function benchExporter(argv: readonly string[]): Promise<void> {
  const { positional, options } = parseArgs(argv, ['seconds', 'duration', 'connections', 'scrapers']);
  const parts = positional.length > 0 ? positional : ['startup', 'metrics', 'events', 'memory'];
  const unknown = parts.filter((p) => !['startup', 'metrics', 'events', 'memory'].includes(p));
  if (unknown.length) throw new Error(`unknown part(s) ${unknown.join(', ')}; use startup, metrics, events, memory`);
  const duration = numberOption(options, 'duration', 30);
  printMachine(`exporter: ${parts.join(', ')}`);
  const dir = tempDir('exporter');
  try {
    const ctx: Ctx = {
      dir,
      exporter: await bundle(join(EXPORTER_DIR, 'src', 'main.ts'), join(dir, 'exporter.cjs')),
      servers: await bundle(join(ROOT, 'bench', 'support', 'servers.ts'), join(dir, 'servers.cjs')),
      seconds: numberOption(options, 'seconds', 8),
      connections: numberOption(options, 'connections', 10),
      scrapers: numberOption(options, 'scrapers', 2),
    };
    if (parts.includes('startup')) await benchStartup(ctx);
    if (parts.includes('metrics')) await benchMetrics(ctx);
    if (parts.includes('events')) await benchEvents(ctx);
    if (parts.includes('memory')) await benchMemory(ctx, duration);
  } finally {
    removeTempDir(dir);
  }
}

if (require.main === module) {
  benchExporter(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
