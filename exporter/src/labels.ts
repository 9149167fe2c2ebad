import { LABELS, METHODS, OTHER } from './catalogue';

/**
 * Label value bounding: every value a source hands in is mapped to a value from a bounded
 * set before it reaches prom-client. Unknown or malformed values become `other`.
 */

/** Allowed values per label (`route`, `product`) or per metric and label (`app_errors_total.type`). */
export type LabelAllowList = Readonly<Record<string, readonly string[]>>;

const OPEN_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** A route template: starts with '/', path characters plus template syntax (`:id`, `{id}`, `*rest`). */
const ROUTE_TEMPLATE = /^\/[A-Za-z0-9_.~:{}*@!$&'()+,;=%\/-]{0,127}$/;
const SPECIAL_ROUTES = new Set(['none', OTHER]);

/** Raw path segments that are identifiers, not part of a route. */
const ID_SEGMENT = [
  /^\d+$/, // 123
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUID
  /^[0-9a-f]{16,}$/i, // hashes, object ids
  /^(?=.*\d)[A-Za-z0-9_-]{20,}$/, // long tokens with digits
];

export function statusClass(status: number | undefined): string {
  if (status === undefined) return 'none';
  if (!Number.isInteger(status) || status < 100 || status > 599) return OTHER;
  return `${Math.floor(status / 100)}xx`;
}

export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return (METHODS as readonly string[]).includes(upper) ? upper : OTHER;
}

/** Turn a raw request path into a template: drops the query, replaces id-like segments with `:id`. */
export function templatePath(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  const segments = bare.split('/').map((s) => (ID_SEGMENT.some((re) => re.test(s)) ? ':id' : s));
  const joined = segments.join('/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined || '/';
}

/** A compiled route template that raw paths can be matched against. */
interface CompiledRoute {
  readonly template: string;
  readonly re: RegExp;
}

function compileRoute(template: string): CompiledRoute {
  const parts = template.split('/').map((seg) => {
    if (/^:[A-Za-z0-9_]+\??$/.test(seg) || /^\{[A-Za-z0-9_]+\}$/.test(seg)) return '[^/]+';
    if (/^\*/.test(seg)) return '.*';
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return { template, re: new RegExp(`^${parts.join('/')}/?$`) };
}

export interface LabelNormalizerOptions {
  readonly allow?: LabelAllowList;
  /** Called once per value folded into `other`. */
  readonly onFold?: (metric: string, label: string) => void;
}

/** Problems of an allow-list (as loaded from --label-values), each naming the key and the fix. */
export function allowListProblems(allow: unknown, knownMetrics: readonly { name: string; labels: readonly string[] }[]): string[] {
  if (typeof allow !== 'object' || allow === null || Array.isArray(allow)) return ['must be a JSON object mapping a label name (or "metric.label") to an array of allowed values'];
  const problems: string[] = [];
  for (const [key, values] of Object.entries(allow)) {
    const [a, b] = key.includes('.') ? [key.slice(0, key.lastIndexOf('.')), key.slice(key.lastIndexOf('.') + 1)] : [undefined, key];
    if (a !== undefined) {
      const metric = knownMetrics.find((m) => m.name === a);
      if (!metric) {
        problems.push(`${key}: unknown metric "${a}"`);
        continue;
      }
      if (!metric.labels.includes(b)) {
        problems.push(`${key}: metric ${a} has no label "${b}" (it has ${metric.labels.join(', ') || 'none'})`);
        continue;
      }
    }
    const spec = LABELS[b];
    if (!spec) {
      problems.push(`${key}: unknown label "${b}"`);
      continue;
    }
    if (spec.kind !== 'open' && spec.kind !== 'route') {
      problems.push(`${key}: label "${b}" has a fixed set of values and takes no allow-list`);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`${key}: must be a non-empty array of strings`);
      continue;
    }
    values.forEach((v, i) => {
      const ok = typeof v === 'string' && (spec.kind === 'route' ? ROUTE_TEMPLATE.test(v) : OPEN_VALUE.test(v));
      if (!ok) problems.push(`${key}[${i}]: ${JSON.stringify(v)} is not a valid ${spec.kind === 'route' ? 'route template (starts with "/")' : 'value (letters, digits, "_.:-", at most 64 characters)'}`);
    });
  }
  return problems;
}

/**
 * Maps a raw label value to its bounded value for one metric. Enum labels keep known values,
 * routes and open labels are checked for shape and against the allow-list.
 */
export class LabelNormalizer {
  private readonly allow: LabelAllowList;
  private readonly hasAllow: boolean;
  private readonly routes: CompiledRoute[];
  private readonly onFold: (metric: string, label: string) => void;

  constructor(options: LabelNormalizerOptions = {}) {
    this.allow = options.allow ?? {};
    this.hasAllow = Object.keys(this.allow).length > 0;
    this.routes = (this.allow.route ?? []).map(compileRoute);
    this.onFold = options.onFold ?? (() => undefined);
  }

  private allowed(metric: string, label: string): readonly string[] | undefined {
    if (!this.hasAllow) return undefined;
    return this.allow[`${metric}.${label}`] ?? this.allow[label];
  }

  private fold(metric: string, label: string): string {
    this.onFold(metric, label);
    return OTHER;
  }

  /** The bounded value of `label` on `metric` for a raw value. */
  value(metric: string, label: string, raw: string): string {
    const spec = LABELS[label];
    if (!spec) throw new Error(`label "${label}" is not in the catalogue`);
    switch (spec.kind) {
      case 'internal':
        return raw;
      case 'enum': {
        const v = label === 'method' ? raw.toUpperCase() : raw;
        return v === OTHER || (spec.values ?? []).includes(v) ? v : this.fold(metric, label);
      }
      case 'route': {
        if (SPECIAL_ROUTES.has(raw)) return raw;
        if (!ROUTE_TEMPLATE.test(raw)) return this.fold(metric, label);
        const allowed = this.allowed(metric, label);
        if (allowed && !allowed.includes(raw)) return this.fold(metric, label);
        return raw;
      }
      case 'open': {
        if (raw === OTHER) return raw;
        if (!OPEN_VALUE.test(raw)) return this.fold(metric, label);
        const allowed = this.allowed(metric, label);
        if (allowed && !allowed.includes(raw)) return this.fold(metric, label);
        return raw;
      }
    }
  }

  /**
   * The route template for a raw request path: the allow-listed template it matches if an
   * allow-list of routes is configured (else `other`), otherwise the path with id-like
   * segments replaced by `:id`.
   */
  routeForPath(metric: string, path: string): string {
    const bare = path.split(/[?#]/, 1)[0] ?? '';
    if (this.routes.length > 0) {
      const hit = this.routes.find((r) => r.re.test(bare));
      return hit ? hit.template : this.fold(metric, 'route');
    }
    return this.value(metric, 'route', templatePath(bare));
  }
}

/** Whether a label of this kind is folded into `other` when a metric hits its series cap. */
export function isOpenLabel(label: string): boolean {
  const kind = LABELS[label]?.kind;
  return kind === 'open' || kind === 'route';
}
