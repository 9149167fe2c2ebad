import express, { NextFunction, Request, Response } from 'express';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { ExporterConfig } from './config';
import { CONTENT_TYPES, negotiateFormat } from './exposition';
import { Logger, createLogger } from './log';
import { AppMetrics } from './metrics';
import { BatchLedger, applyEvents, validateBatch } from './sources/events';
import { IncidentSpec, Simulator, incidentProblems } from './sources/simulate';
import { StatsPoller } from './sources/stats';
import { VERSION } from './version';

/**
 * The exporter process minus the command line: the HTTP endpoints, the sources, start and
 * graceful stop.
 *
 * | Endpoint              | Answer                                                              |
 * |-----------------------|---------------------------------------------------------------------|
 * | GET /metrics          | Prometheus text 0.0.4, or OpenMetrics 1.0.0 when Accept prefers it  |
 * | GET /healthz          | 200 while the process serves HTTP (liveness)                        |
 * | GET /readyz           | 200 once the sources started, 503 before and during shutdown        |
 * | POST /v1/events       | events source: 200 applied, 400 invalid, 409, 413, 415              |
 * | GET/POST/DELETE /v1/incident | simulate source: show, start, stop a forced incident         |
 *
 * POST endpoints accept requests from loopback addresses only (the application in the same
 * pod, or `kubectl port-forward`), unless `allowRemoteWrites`.
 */

export interface ExporterDeps {
  readonly logger?: Logger;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Export prom-client's runtime metrics. @default true */
  readonly defaultMetrics?: boolean;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function problemResponse(res: Response, status: number, error: string, problems?: readonly string[]): void {
  const shown = problems && problems.length > 50 ? [...problems.slice(0, 50), `... and ${problems.length - 50} more`] : problems;
  res.status(status).json(shown ? { error, problems: shown } : { error });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export class Exporter {
  readonly metrics: AppMetrics;
  readonly app: express.Express;
  readonly logger: Logger;
  readonly simulator?: Simulator;
  readonly poller?: StatsPoller;
  readonly ledger = new BatchLedger();
  private server?: Server;
  private state: 'starting' | 'ready' | 'stopping' | 'stopped' = 'starting';
  private readonly now: () => number;

  constructor(
    readonly config: ExporterConfig,
    deps: ExporterDeps = {},
  ) {
    this.logger = deps.logger ?? createLogger(config.logLevel);
    this.now = deps.now ?? Date.now;
    this.metrics = new AppMetrics({
      maxSeries: config.maxSeries,
      allow: config.allow,
      slos: config.slos,
      windows: config.windows,
      now: this.now,
      defaultMetrics: deps.defaultMetrics ?? true,
      source: config.sources.join('+'),
    });
    if (config.sources.includes('simulate')) {
      this.simulator = new Simulator(this.metrics, { seed: config.seed, requestsPerSecond: config.requestsPerSecond, burstsPerDay: config.burstsPerDay, logger: this.logger, now: this.now });
    }
    if (config.sources.includes('stats') && config.statsUrl && config.mapping) {
      this.poller = new StatsPoller(this.metrics, {
        url: config.statsUrl,
        mapping: config.mapping,
        intervalSeconds: config.intervalSeconds,
        timeoutSeconds: config.statsTimeoutSeconds,
        logger: this.logger,
        now: this.now,
      });
    }
    this.app = this.buildApp();
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  private writesAllowed(req: Request, res: Response): boolean {
    if (this.config.allowRemoteWrites || isLoopback(req.socket.remoteAddress)) return true;
    problemResponse(res, 403, `writes are accepted from localhost only (this request came from ${req.socket.remoteAddress}); start the exporter with --allow-remote-writes to accept them from the network`);
    return false;
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    const m = this.metrics;

    app.get('/metrics', async (req, res, next) => {
      try {
        const format = negotiateFormat(req.get('accept'));
        const body = await m.render(format);
        res.set('Content-Type', CONTENT_TYPES[format]).set('Cache-Control', 'no-store').send(body);
        this.logger.debug('scrape', { format, bytes: body.length, client: req.socket.remoteAddress });
      } catch (e) {
        next(e);
      }
    });
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get('/readyz', (_req, res) => {
      if (this.ready) res.json({ status: 'ready' });
      else res.status(503).json({ status: 'not ready', reason: this.state });
    });
    app.get('/', (_req, res) => {
      res.json({
        name: 'app-exporter',
        version: VERSION,
        sources: this.config.sources,
        endpoints: ['/metrics', '/healthz', '/readyz', ...(this.config.sources.includes('events') ? ['/v1/events'] : []), ...(this.simulator ? ['/v1/incident'] : [])],
      });
    });

    const jsonBody = (limit: number) => express.json({ limit, strict: false, type: () => true });
    /** 415 for a body that is not JSON, 400 for no body; `count` records the outcome. */
    const requireJson = (count: (outcome: string) => void) => (req: Request, res: Response, next: NextFunction) => {
      if (req.is('application/json') || req.is('application/*+json')) return next();
      const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      if (hasBody) {
        count('unsupported_media_type');
        return problemResponse(res, 415, `Content-Type must be application/json, got ${JSON.stringify(req.get('content-type') ?? '')}`);
      }
      count('malformed');
      return problemResponse(res, 400, 'the request has no body; send a JSON object with Content-Type: application/json');
    };
    const countBatch = (outcome: string) => m.exporter.eventBatches.inc({ outcome });

    const events = express.Router();
    events.post(
      '/',
      (req, res, next) => (this.writesAllowed(req, res) ? next() : undefined),
      requireJson(countBatch),
      jsonBody(this.config.maxBodyBytes),
      (req, res) => this.handleEvents(req, res),
    );
    if (this.config.sources.includes('events')) {
      app.use('/v1/events', events);
    } else {
      app.post('/v1/events', (_req, res) => problemResponse(res, 404, `the events source is not enabled (sources: ${this.config.sources.join(',')}); start with --source events`));
    }
    app.all('/v1/events', (_req, res) => {
      res.set('Allow', 'POST');
      problemResponse(res, 405, 'use POST /v1/events');
    });

    const sim = this.simulator;
    if (sim) {
      app.get('/v1/incident', (_req, res) => {
        res.json(sim.incident());
      });
      app.post(
        '/v1/incident',
        (req, res, next) => (this.writesAllowed(req, res) ? next() : undefined),
        requireJson(() => undefined),
        jsonBody(4096),
        (req, res) => {
          const problems = incidentProblems(req.body);
          if (problems.length) return problemResponse(res, 400, 'invalid incident', problems);
          const state = sim.startIncident(req.body as IncidentSpec);
          res.status(201).json(state);
        },
      );
      app.delete('/v1/incident', (req, res) => {
        if (!this.writesAllowed(req, res)) return;
        res.json(sim.stopIncident());
      });
      app.all('/v1/incident', (_req, res) => {
        res.set('Allow', 'GET, POST, DELETE');
        problemResponse(res, 405, 'use GET, POST or DELETE /v1/incident');
      });
    } else {
      app.all('/v1/incident', (_req, res) => problemResponse(res, 404, `incidents are only simulated with --source simulate (sources: ${this.config.sources.join(',')})`));
    }

    app.use((req, res) => problemResponse(res, 404, `no endpoint ${req.method} ${req.path}; see GET /`));
    // Body parser and unexpected errors.
    app.use((err: BodyParserError, req: Request, res: Response, _next: NextFunction) => {
      const isEvents = req.path.startsWith('/v1/events');
      const count = (outcome: string) => {
        if (isEvents) m.exporter.eventBatches.inc({ outcome });
      };
      if (err.type === 'entity.too.large') {
        count('too_large');
        this.logger.warn('request body too large', { path: req.path, limit: err.limit });
        return problemResponse(res, 413, `the request body is larger than the limit of ${err.limit} bytes${isEvents ? ' (--max-body-bytes); split the batch' : ''}`);
      }
      if (err.type === 'entity.parse.failed') {
        count('malformed');
        return problemResponse(res, 400, `the body is not valid JSON: ${err.message}`);
      }
      if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
        count('unsupported_media_type');
        return problemResponse(res, 415, err.message);
      }
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        count('malformed');
        return problemResponse(res, err.status, err.message);
      }
      this.logger.error('request failed', { path: req.path, error: err });
      return problemResponse(res, 500, 'internal error; see the exporter log');
    });
    return app;
  }

  private handleEvents(req: Request, res: Response): void {
    const m = this.metrics;
    const body: unknown = req.body;
    const result = validateBatch(body);
    if (!result.ok) {
      const n = Array.isArray((body as { events?: unknown } | null)?.events) ? ((body as { events: unknown[] }).events.length) : 0;
      m.exporter.eventBatches.inc({ outcome: 'invalid' });
      m.exporter.events.inc({ outcome: 'rejected' }, n);
      this.logger.warn('event batch rejected', { problems: result.problems.slice(0, 5), count: result.problems.length, events: n });
      return problemResponse(res, 400, `invalid batch: ${result.problems.length} problem(s); nothing was applied, fix and resend the whole batch`, result.problems);
    }
    const now = this.now();
    if (result.batchId !== undefined) {
      const digest = BatchLedger.digest(result.events);
      const seen = this.ledger.check(result.batchId, digest, now);
      if (seen === 'duplicate') {
        m.exporter.eventBatches.inc({ outcome: 'duplicate' });
        res.json({ accepted: 0, duplicate: true, batchId: result.batchId });
        return;
      }
      if (seen === 'conflict') {
        m.exporter.eventBatches.inc({ outcome: 'conflict' });
        return problemResponse(res, 409, `batchId ${result.batchId} was already applied with different events; use a new batchId for a new batch`);
      }
      applyEvents(m, result.events, now);
      this.ledger.remember(result.batchId, digest, now);
    } else {
      applyEvents(m, result.events, now);
    }
    m.exporter.eventBatches.inc({ outcome: 'accepted' });
    m.exporter.events.inc({ outcome: 'accepted' }, result.events.length);
    res.json({ accepted: result.events.length, ...(result.batchId !== undefined ? { batchId: result.batchId } : {}) });
  }

  /** Listen, start the sources, become ready. Resolves with the bound port. */
  async start(): Promise<number> {
    const server = this.app.listen(this.config.port, this.config.host);
    this.server = server;
    server.requestTimeout = 30_000;
    server.headersTimeout = 20_000;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const port = (server.address() as AddressInfo).port;
    if (this.simulator) {
      if (this.config.incident) this.simulator.startIncident(this.config.incident, this.now() - this.config.intervalSeconds * 1000);
      this.simulator.start(this.config.intervalSeconds);
    }
    this.poller?.start();
    this.state = 'ready';
    this.logger.info('exporter started', {
      version: VERSION,
      port,
      host: this.config.host,
      sources: this.config.sources,
      interval: this.config.intervalSeconds,
      pid: process.pid,
      uid: process.getuid?.(),
      gid: process.getgid?.(),
    });
    return port;
  }

  /**
   * Graceful stop: not ready, stop the sources, stop accepting connections, let requests in
   * flight finish, and close what is left after the shutdown timeout.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.simulator?.stop();
    await this.poller?.stop();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.logger.warn('shutdown timeout reached; closing open connections', { timeoutSeconds: this.config.shutdownTimeoutSeconds });
          server.closeAllConnections();
        }, this.config.shutdownTimeoutSeconds * 1000);
        timer.unref();
        // keep-alive connections become idle when their request in flight is answered
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(idle);
          resolve();
        });
        server.closeIdleConnections();
      });
    }
    this.state = 'stopped';
    this.logger.info('exporter stopped', {});
  }
}
