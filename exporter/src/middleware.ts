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

/** On the request and response prototypes of an app whose prototypes carry the hooks below. */
const HOOKED = Symbol('requestMetricsHooks');
/** On the write/end functions that count body bytes. */
const COUNTS = Symbol('countsBodyBytes');

type Hooked = { [HOOKED]?: true };
type Body = (chunk?: unknown, encoding?: unknown, cb?: unknown) => unknown;
/** What express sets on every app: the prototypes of its requests and responses. */
type AppPrototypes = { readonly request: object; readonly response: object };

/** What requestMetrics keeps for one response it records. */
class RequestState {
  bytes = 0;
  /** The route the router set last, and its template (mount path + route path) at that moment. */
  route: unknown = undefined;
  template: string | undefined = undefined;
  constructor(
    readonly metrics: AppMetrics,
    readonly start: number,
  ) {}
}

/**
 * The state of each recorded response, by response. Not a property of the response: express
 * gives every request and response object its app's prototypes (`Object.setPrototypeOf`), after
 * which V8 no longer shares hidden classes between them, and adding a property to one costs
 * a new hidden class each time (about 1 to 4 µs here, more than all the rest of the recording).
 */
const states = new WeakMap<object, RequestState>();

function routePath(route: unknown): string | undefined {
  const p = (route as { path?: unknown } | undefined)?.path;
  return typeof p === 'string' ? p : undefined;
}

/** The template of a route the router sets now: `req.baseUrl` is the mount path of the router that matched it. */
function templateOf(req: Request, route: unknown): string {
  const path = routePath(route);
  return path === undefined ? 'other' : `${req.baseUrl ?? ''}${path}` || '/';
}

/**
 * The `route` accessor on the request prototype: remembers the route template when the router
 * assigns `req.route`; at that moment `req.baseUrl` is the mount path of the router that
 * matched, which it no longer is by the time the response finishes if an error went up through
 * the parent routers. A request that is not recorded gets `route` as the plain property express
 * would have given it.
 */
const ROUTE_ACCESSOR: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: Request): unknown {
    return states.get(this.res as object)?.route;
  },
  set(this: Request, value: unknown) {
    const state = states.get(this.res as object);
    if (state === undefined) {
      Object.defineProperty(this, 'route', { configurable: true, enumerable: true, writable: true, value });
      return;
    }
    state.route = value;
    state.template = templateOf(this, value);
  },
};

/** Bytes of a body chunk as write() and end() take it. */
function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0; // nothing, or a callback
}

/**
 * Hooks on an express app's request and response prototypes (`app.request`, `app.response`),
 * set once instead of on every request: the `route` accessor, and write/end that add the body
 * bytes to the response's RequestState (when it has one). Defining own properties on every
 * request and response object cost more than the rest of the middleware (bench/README.md,
 * finding 6). A sub-app mounted with `app.use` gets its prototypes chained to its parent's
 * (express's `mount` event), so the hooks apply to its requests too. The write/end hooks call
 * the next write/end up the prototype chain, looked up on each call (the chain changes when an
 * app is mounted), and leave the counting to that one if it counts too (a sub-app instrumented
 * itself, mounted in an instrumented app), so that a body is counted once.
 */
function installHooks(app: Application): void {
  const reqProto = (app as unknown as AppPrototypes).request;
  const resProto = (app as unknown as AppPrototypes).response;
  if (Object.prototype.hasOwnProperty.call(reqProto, HOOKED) && Object.prototype.hasOwnProperty.call(resProto, HOOKED)) return;
  Object.defineProperty(reqProto, 'route', ROUTE_ACCESSOR);
  type Counting = Body & { [COUNTS]?: true };
  const parent = () => Object.getPrototypeOf(resProto) as Record<'write' | 'end', Counting>;
  for (const name of ['write', 'end'] as const) {
    const hook = function (this: Response, chunk?: unknown, encoding?: unknown) {
      const next = parent()[name];
      if (next[COUNTS] !== true) {
        const state = states.get(this);
        if (state !== undefined) state.bytes += chunkBytes(chunk, encoding);
      }
      // eslint-disable-next-line prefer-rest-params
      return next.apply(this, arguments as unknown as Parameters<Body>);
    };
    Object.defineProperty(hook, COUNTS, { value: true });
    Object.defineProperty(resProto, name, { configurable: true, enumerable: false, writable: true, value: hook });
  }
  Object.defineProperty(reqProto, HOOKED, { configurable: true, value: true });
  Object.defineProperty(resProto, HOOKED, { configurable: true, value: true });
}

/** Record one finished response (`this`); shared by every request, no closure per request. */
function onFinish(this: Response): void {
  const state = states.get(this) as RequestState;
  record(state.metrics, this.req, this, (performance.now() - state.start) / 1e3, state.template, state.bytes);
}

function record(metrics: AppMetrics, req: Request, res: Response, durationSeconds: number, template: string | undefined, bodyBytes: number): void {
  const len = req.headers['content-length'];
  const requestBytes = len !== undefined && /^\d+$/.test(len) ? Number(len) : req.headers['transfer-encoding'] ? undefined : 0;
  try {
    metrics.observeRequest({
      method: req.method,
      route: template ?? 'other',
      status: res.statusCode,
      durationSeconds,
      requestBytes,
      responseBytes: req.method === 'HEAD' ? 0 : bodyBytes,
    });
  } catch {
    // Recording must never break the application's response path.
  }
}

/**
 * Without the prototype hooks (a request outside an express app, or a response that another
 * requestMetrics records too): the same with an own `route` accessor on the request and own
 * write/end on the response, as this middleware did for every request before the hooks.
 */
function recordOwnProperties(metrics: AppMetrics, req: Request, res: Response): void {
  const start = performance.now();
  let current: unknown = (req as { route?: unknown }).route;
  let template: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value: unknown) => {
      current = value;
      template = templateOf(req, value);
      const shared = states.get(res); // another requestMetrics records this response from the prototype hooks
      if (shared !== undefined) {
        shared.route = value;
        shared.template = template;
      }
    },
  });
  let bytes = 0;
  const write = res.write.bind(res) as (...args: unknown[]) => unknown;
  const end = res.end.bind(res) as (...args: unknown[]) => unknown;
  (res as unknown as { write: unknown }).write = (...args: unknown[]) => {
    bytes += chunkBytes(args[0], args[1]);
    return write(...args);
  };
  (res as unknown as { end: unknown }).end = (...args: unknown[]) => {
    bytes += chunkBytes(args[0], args[1]);
    return end(...args);
  };
  res.once('finish', () => record(metrics, req, res, (performance.now() - start) / 1e3, template, bytes));
}

/** The request-recording middleware alone (instrument() installs it). */
export function requestMetrics(metrics: AppMetrics, options: { exclude?: (req: Request) => boolean } = {}): RequestHandler {
  const exclude = options.exclude;
  return function recordRequest(req: Request, res: Response, next: NextFunction) {
    if (exclude !== undefined && exclude(req)) return next();
    if (hooked(req, res)) {
      if (!states.has(res)) {
        states.set(res, new RequestState(metrics, performance.now()));
        res.on('finish', onFinish);
        return next();
      }
    }
    recordOwnProperties(metrics, req, res);
    next();
  };
}

/** Prototypes known to carry the hooks (through their own or an inherited HOOKED). */
const hookedPrototypes = new WeakSet<object>();

/**
 * Whether this request and response get the prototype hooks. Tested on their prototypes, not on
 * them: every property read on a request or response object costs a hidden-class miss (see
 * `states`). requestMetrics used without instrument() hooks its app on the first request.
 */
function hooked(req: Request, res: Response): boolean {
  const reqProto = Object.getPrototypeOf(req) as object | null;
  const resProto = Object.getPrototypeOf(res) as object | null;
  if (reqProto !== null && resProto !== null && hookedPrototypes.has(reqProto) && hookedPrototypes.has(resProto)) return true;
  const app = req.app as (Application & AppPrototypes) | undefined;
  if (app !== undefined && reqProto === app.request && resProto === app.response) installHooks(app);
  if (reqProto === null || resProto === null || (reqProto as Hooked)[HOOKED] !== true || (resProto as Hooked)[HOOKED] !== true || req.res !== res) return false;
  hookedPrototypes.add(reqProto);
  hookedPrototypes.add(resProto);
  return true;
}

/** Record every request of an express app; serve the metrics at `metricsPath`. Call it before adding routes. */
export function instrument(app: Application, options: InstrumentOptions = {}): AppMetrics {
  const metrics = options.metrics ?? new AppMetrics({ source: 'middleware', ...options });
  const metricsPath = options.metricsPath ?? '/metrics';
  const userExclude = options.exclude;
  // req.path is the path of req.url (which may be absolute-form): compare when it can match
  const exclude = (req: Request) => (metricsPath !== false && (req.url.charCodeAt(0) !== 47 || req.url.startsWith(metricsPath)) && req.path === metricsPath) || (userExclude !== undefined && userExclude(req));
  installHooks(app);
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
