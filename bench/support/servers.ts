/**
 * The baseline apps of the exporter benchmark, bundled by esbuild (like the exporter itself)
 * and run in their own process:
 *
 *   node servers.cjs MODE PORT [FILE]
 *
 * - `static FILE`: GET /metrics answers FILE's bytes (a /metrics page the exporter rendered),
 *   GET /healthz answers `{"status":"ok"}`: the cost of serving the same bytes without
 *   rendering them, the baseline of the exporter's /metrics figures, of its start-up and memory;
 * - `events`: POST /v1/events parses the JSON body (same parser and limit as the exporter) and
 *   answers `{"accepted": n}` without validating or applying it: the baseline of ingestion.
 *
 * express is the exporter's express 5: `bench-express5` is an esbuild alias of the module the
 * exporter resolves (the repository root resolves `express` to express 4, the peer of
 * express-prometheus-middleware).
 */
import type { Express } from 'express';
import { readFileSync } from 'fs';

type ExpressModule = typeof import('express');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express = require('bench-express5') as ExpressModule;

export function listen(app: Express, port: number): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const server = app.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${port}\n`);
  });
  server.keepAliveTimeout = 30_000;
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

function main(): void {
  const [mode, portText, file] = process.argv.slice(2);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (mode === 'static') {
    if (!file) throw new Error('static needs the file to serve');
    const body = readFileSync(file);
    const contentType = process.env.BENCH_CONTENT_TYPE ?? 'text/plain; version=0.0.4; charset=utf-8';
    app.get('/metrics', (_req, res) => {
      res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
    });
  } else if (mode === 'events') {
    app.post('/v1/events', express.json({ limit: 1_048_576, strict: false, type: () => true }), (req, res) => {
      const events = (req.body as { events?: unknown[] } | undefined)?.events;
      res.json({ accepted: Array.isArray(events) ? events.length : 0 });
    });
  } else throw new Error(`unknown mode ${mode}; use static or events`);
  listen(app, Number(portText));
}

main();
