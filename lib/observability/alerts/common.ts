import { promqlError } from '../query';
import type { AlertingRule, Category, Severity } from '../rule-group';

/** Options every alert group of the library shares. */
export interface AlertGroupCommonOptions {
  /**
   * Base URL of the runbooks; each alert links to `<base>#<alert-name-in-kebab-case>`,
   * e.g. `https://runbooks.example.com/alerts#app-high-error-ratio`.
   */
  readonly runbookBaseUrl: string;
  /** Labels added to every alert (e.g. `team`); may not override `severity` or `category`. @default none */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Evaluation interval of the group. @default the global evaluation interval */
  readonly interval?: string;
}

/** `AppHighErrorRatio` -> `app-high-error-ratio`, `CPUThrottlingHigh` -> `cpu-throttling-high`. */
export function runbookAnchor(alertName: string): string {
  return alertName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export function runbookUrl(base: string, alertName: string): string {
  return `${base}#${runbookAnchor(alertName)}`;
}

/**
 * The public runbooks of prometheus-operator (github.com/prometheus-operator/runbooks): one
 * page per alert of kube-prometheus, at `<this>/<folder>/<alert name in lower case>` (the
 * site lower-cases the `content/runbooks/<folder>/<AlertName>.md` paths), e.g.
 * https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup.
 */
export const PUBLIC_RUNBOOKS_URL = 'https://runbooks.prometheus-operator.dev/runbooks';

/**
 * Where the `runbook_url` of an alert that kube-prometheus also has (same name, same meaning)
 * points:
 * - `'public'`: the public runbook, `PUBLIC_RUNBOOKS_URL/<folder>/<alertname in lower case>`;
 * - `'runbookBaseUrl'`: the environment's own runbooks, `<runbookBaseUrl>#<alert-name-in-kebab-case>`,
 *   like the stack's own alerts.
 */
export type UpstreamRunbooks = 'public' | 'runbookBaseUrl';
export const UPSTREAM_RUNBOOKS: readonly UpstreamRunbooks[] = ['public', 'runbookBaseUrl'];

/** Folders of the public runbooks (the subject of the alert, as kube-prometheus links them). */
export type RunbookDir = 'general' | 'node' | 'prometheus' | 'alertmanager' | 'kubernetes' | 'kube-state-metrics' | 'prometheus-operator' | 'grafana' | 'etcd';

/** What decides the runbook link of an alert kube-prometheus also has. */
export interface RunbookLinks {
  /** The environment's own runbooks (see `runbookUrl`). */
  readonly runbookBaseUrl: string;
  /** @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
}

/**
 * `runbook_url` of an alert that kube-prometheus also has: the public runbook by default, the
 * environment's own when `upstreamRunbooks` is `'runbookBaseUrl'`. The stack's own alerts use
 * `runbookUrl` (always the environment's).
 */
export function upstreamRunbookUrl(links: RunbookLinks, dir: RunbookDir, alertName: string): string {
  const policy = links.upstreamRunbooks ?? 'public';
  if (!UPSTREAM_RUNBOOKS.includes(policy)) {
    throw new Error(`upstreamRunbooks: "${String(policy)}" is not allowed; use one of ${UPSTREAM_RUNBOOKS.map((u) => `"${u}"`).join(', ')}`);
  }
  return policy === 'public' ? `${PUBLIC_RUNBOOKS_URL}/${dir}/${alertName.toLowerCase()}` : runbookUrl(links.runbookBaseUrl, alertName);
}

export function checkUpstreamRunbooks(p: OptionProblems, path: string, value: unknown): UpstreamRunbooks {
  if (value === undefined) return 'public';
  if (!UPSTREAM_RUNBOOKS.includes(value as UpstreamRunbooks)) {
    p.add(path, `"${String(value)}" is not allowed; use one of ${UPSTREAM_RUNBOOKS.map((u) => `"${u}"`).join(', ')}`);
    return 'public';
  }
  return value as UpstreamRunbooks;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Collects problems; `throwIfAny` raises one Error listing them all. */
export class OptionProblems {
  readonly list: string[] = [];
  constructor(private readonly what: string) {}
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new Error(`Invalid ${this.what}:\n  - ${this.list.join('\n  - ')}`);
  }
}

export function checkRunbookBaseUrl(p: OptionProblems, path: string, value: unknown): string {
  if (typeof value !== 'string') {
    p.add(path, 'is required; set the base URL of your runbooks, e.g. "https://runbooks.example.com/alerts"');
    return '';
  }
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') p.add(path, `"${value}" must be an http(s) URL`);
    if (url.hash || value.includes('#')) p.add(path, `"${value}" must not contain '#': each alert appends its own anchor`);
  } catch {
    p.add(path, `"${value}" is not an absolute URL; use e.g. "https://runbooks.example.com/alerts"`);
  }
  return value;
}

/** A label-matcher list such as `job="api", namespace=~"shop|cart"` (no braces), or ''. */
export function checkSelector(p: OptionProblems, path: string, value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string' || value.includes('{') || value.includes('}') || promqlError(`m{${value}}`)) {
    p.add(path, `"${String(value)}" is not a list of PromQL label matchers; write them without braces, e.g. 'job="app", namespace="shop"'`);
    return '';
  }
  return value.trim();
}

export function checkMetricName(p: OptionProblems, path: string, value: unknown): string {
  if (typeof value !== 'string' || !METRIC_NAME.test(value)) {
    p.add(path, `"${String(value)}" is not a metric name; use letters, digits, '_' and ':'`);
    return 'invalid';
  }
  return value;
}

export function checkLabelList(p: OptionProblems, path: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    p.add(path, 'must be a non-empty list of label names');
    return ['invalid'];
  }
  value.forEach((l, i) => {
    if (typeof l !== 'string' || !LABEL_NAME.test(l)) p.add(`${path}[${i}]`, `"${String(l)}" is not a label name; use letters, digits and '_'`);
  });
  return value as string[];
}

export function checkExtraLabels(p: OptionProblems, path: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    p.add(path, 'must be an object of label name -> value');
    return {};
  }
  for (const [k, v] of Object.entries(value)) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) p.add(`${path}.${k}`, 'is not a valid label name; use letters, digits and \'_\'');
    if (k === 'severity' || k === 'category') p.add(`${path}.${k}`, `is set by the library; remove it (override the alert's severity through thresholds instead)`);
    if (typeof v !== 'string') p.add(`${path}.${k}`, 'must be a string');
  }
  return value as Record<string, string>;
}

export function checkKnownKeys(p: OptionProblems, path: string, value: unknown, allowed: readonly string[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    p.add(path, `must be an object with fields ${allowed.join(', ')}`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) p.add(`${path}.${key}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
  }
}

/** `{a, b}` from matcher lists, skipping empty ones; '' when there is none. */
export function braces(...matchers: string[]): string {
  const parts = matchers.map((m) => m.trim()).filter((m) => m !== '');
  return parts.length > 0 ? `{${parts.join(', ')}}` : '';
}

export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** An alerting rule with the library's labels and annotations. */
export function makeAlert(spec: AlertSpec, category: Category, runbookBase: string, extraLabels: Record<string, string>): AlertingRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { ...extraLabels, severity: spec.severity, category },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: runbookUrl(runbookBase, spec.alert),
    },
  };
}

/**
 * An alerting rule of an alert kube-prometheus also has (same name, same meaning): the
 * library's labels and annotations, and the runbook link of `upstreamRunbookUrl`.
 */
export function makeUpstreamAlert(
  spec: AlertSpec,
  dir: RunbookDir,
  category: Category,
  links: RunbookLinks,
  extraLabels: Record<string, string>,
): AlertingRule {
  const rule = makeAlert(spec, category, links.runbookBaseUrl, extraLabels);
  return { ...rule, annotations: { ...rule.annotations, runbook_url: upstreamRunbookUrl(links, dir, spec.alert) } };
}

/** Prometheus duration -> whole seconds as text, for predict_linear's horizon. */
export function secondsOf(seconds: number): string {
  return String(Math.round(seconds));
}
