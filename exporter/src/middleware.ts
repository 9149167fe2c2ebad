import type { Application, NextFunction, Request, RequestHandler, Response } from 'express';
import { CONTENT_TYPES, negotiateFormat } from './exposition';
import { AppMetrics, AppMetricsOptions } from './metrics';

/**
 * For Node services that embed the exporter instead of running it as a sidecar:
 *
 * ```ts
 * const app = express();
 * const metrics = instrument(app);          // before the routes
 * app.get('/users/:id', handler);           // -> route="/users/:id"
 * metrics.countTransaction('purchase', 'succeeded');   // business metrics, same registry
 * ```
 *
 * Every finished response is recorded with its route template (mount path + route path, as
 * matched; `other` when no route matched, e.g. a 404), method, status class, duration and
 * sizes, and feeds the SLO windows. The metrics path itself is not recorded. Requests the
 * client aborts before the response finished are not recorded (they have no status).
 */

export interface InstrumentOptions extends AppMetricsOptions {
  /** Record into these metrics instead of creating new ones. */
  readonly metrics?: AppMetrics;
  /** Where to serve the metrics on the app; false to not serve them. @default '/metrics' */
  readonly metricsPath?: string | false;
  /** Requests not to record, e.g. health checks. @default none */
  readonly exclude?: (req: Request) => boolean;
}

const TEMPLATE = Symbol('routeTemplate');

type Tracked = Request & { [TEMPLATE]?: string };

function routePath(route: unknown): string | undefined {
  const p = (route as { path?: unknown } | undefined)?.path;
  return typeof p === 'string' ? p : undefined;
}

/**
 * Remember the route template when the router assigns `req.route`: at that moment
 * `req.baseUrl` is the mount path of the router that matched, which it no longer is by the
 * time the response finishes if an error went up through the parent routers.
 */
function trackRoute(req: Tracked): void {
  let current: unknown = (req as { route?: unknown }).route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value: unknown) => {
      current = value;
      const path = routePath(value);
      req[TEMPLATE] = path === undefined ? 'other' : `${req.baseUrl ?? ''}${path}` || '/';
    },
  });
}

/** Bytes of the response body, counted as it is written. */
function countBody(res: Response): () => number {
  let bytes = 0;
  const add = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  (res as unknown as { write: unknown }).write = (...args: unknown[]) => {
    add(args[0], args[1]);
    return write(...args);
  };
  (res as unknown as { end: unknown }).end = (...args: unknown[]) => {
    add(args[0], args[1]);
    return end(...args);
  };
  return () => bytes;
}

/** The request-recording middleware alone (instrument() installs it). */
export function requestMetrics(metrics: AppMetrics, options: { exclude?: (req: Request) => boolean } = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (options.exclude?.(req)) return next();
    const start = process.hrtime.bigint();
    const t = req as Tracked;
    trackRoute(t);
    const bodyBytes = countBody(res);
    res.once('finish', () => {
      const durationSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      const len = req.headers['content-length'];
      const requestBytes = len !== undefined && /^\d+$/.test(len) ? Number(len) : req.headers['transfer-encoding'] ? undefined : 0;
      try {
        metrics.observeRequest({
          method: req.method,
          route: t[TEMPLATE] ?? 'other',
          status: res.statusCode,
          durationSeconds,
          requestBytes,
          responseBytes: req.method === 'HEAD' ? 0 : bodyBytes(),
        });
      } catch {
        // Recording must never break the application's response path.
      }
    });
    next();
  };
}

/** Record every request of an express app; serve the metrics at `metricsPath`. Call it before adding routes. */
export function instrument(app: Application, options: InstrumentOptions = {}): AppMetrics {
  const metrics = options.metrics ?? new AppMetrics({ source: 'middleware', ...options });
  const metricsPath = options.metricsPath ?? '/metrics';
  const exclude = (req: Request) => (metricsPath !== false && req.path === metricsPath) || (options.exclude?.(req) ?? false);
  app.use(requestMetrics(metrics, { exclude }));
  if (metricsPath !== false) {
    app.get(metricsPath, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const format = negotiateFormat(req.get('accept'));
        const body = await metrics.render(format);
        res.set('Content-Type', CONTENT_TYPES[format]).send(body);
      } catch (e) {
        next(e);
      }
    });
  }
  return metrics;
}
