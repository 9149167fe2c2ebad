/**
 * The app of the middleware benchmark, bundled by esbuild and run in its own process:
 *
 *   node middleware-server.cjs MODE PORT
 *
 * GET /users/:id answers a small JSON document; MODE is `none` (no instrumentation, the
 * baseline), `instrument` (this project's `instrument(app)`, exporter/src/middleware.ts) or
 * `epm` (express-prometheus-middleware, which mounts an express 4 sub-app with prom-client 13,
 * its own peers, resolved from the repository root).
 *
 * The app is the exporter's express 5 (`bench-express5`, an esbuild alias; see servers.ts).
 * Each mode's library is required in its branch: the bundle evaluates only what it runs.
 */
import type { Express, Request, Response } from 'express';

type ExpressModule = typeof import('express');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express = require('bench-express5') as ExpressModule;

function usersRoute(app: Express): void {
  app.get('/users/:id', (req: Request, res: Response) => {
    res.json({ id: req.params.id, name: 'Ada Lovelace', plan: 'pro' });
  });
}

function main(): void {
  const [mode, portText] = process.argv.slice(2);
  const port = Number(portText);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (mode === 'instrument') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { instrument } = require('../../exporter/src/middleware') as typeof import('../../exporter/src/middleware');
    instrument(app);
  } else if (mode === 'epm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const promMid = require('express-prometheus-middleware') as (options: Record<string, unknown>) => (req: unknown, res: unknown, next: unknown) => void;
    app.use(promMid({ metricsPath: '/metrics', collectDefaultMetrics: true }));
  } else if (mode !== 'none') throw new Error(`unknown mode ${mode}; use none, instrument or epm`);
  usersRoute(app);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const server = app.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${port}\n`);
  });
  server.keepAliveTimeout = 30_000;
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
