import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';

// The PromQL grammar ships a CommonJS build with ESM-only type declarations (see ../query.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser: promqlParser } = require('@prometheus-io/lezer-promql') as typeof import('@prometheus-io/lezer-promql', { with: { 'resolution-mode': 'import' } });

/**
 * The queries inside a dashboard, where they are, and what they read: used by the tests that
 * check every query parses and every metric is produced by something in the stack, and by
 * scripts/render-dashboards.ts.
 */

export type QueryLanguage = 'promql' | 'logql';

export interface DashboardQuery {
  /** e.g. `stack-slo-portfolio: panel 3 "Burn rate" target B`. */
  readonly where: string;
  readonly language: QueryLanguage;
  /** The query as written, with Grafana variables. */
  readonly expr: string;
}

function languageOf(ds: { type?: string } | undefined, where: string): QueryLanguage {
  if (ds?.type === 'prometheus') return 'promql';
  if (ds?.type === 'loki') return 'logql';
  throw new Error(`${where}: datasource type "${ds?.type}" is neither prometheus nor loki`);
}

/**
 * The selector or expression inside a query variable's query, or undefined when it holds
 * none: `label_values(metric{...}, label)` -> `metric{...}`; `label_values(label)` -> none;
 * `query_result(expr)` -> `expr`.
 */
export function variableQueryExpression(query: string, where: string): string | undefined {
  const q = query.trim();
  const lv = /^label_values\((.*)\)$/s.exec(q);
  if (lv) {
    const args = lv[1];
    const comma = args.lastIndexOf(',');
    if (comma < 0) return undefined;
    return args.slice(0, comma).trim();
  }
  const qr = /^query_result\((.*)\)$/s.exec(q);
  if (qr) return qr[1].trim();
  throw new Error(`${where}: variable query "${query}" is neither label_values(...) nor query_result(...)`);
}

function panelsOf(d: dash.Dashboard): dash.Panel[] {
  const out: dash.Panel[] = [];
  for (const p of d.panels ?? []) {
    if (p.type === 'row') out.push(...(p as dash.RowPanel).panels);
    else out.push(p as dash.Panel);
  }
  return out;
}

/** Every query of a dashboard: panel targets, annotation expressions, query variables. */
export function dashboardQueries(d: dash.Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const uid = d.uid ?? d.title ?? '?';
  for (const p of panelsOf(d)) {
    (p.targets ?? []).forEach((t, i) => {
      const target = t as unknown as { expr?: string; refId?: string; datasource?: { type?: string } };
      const where = `${uid}: panel ${p.id} "${p.title}" target ${target.refId ?? i}`;
      if (typeof target.expr !== 'string') throw new Error(`${where}: target has no expr`);
      out.push({ where, language: languageOf(target.datasource ?? p.datasource, where), expr: target.expr });
    });
  }
  for (const a of d.annotations?.list ?? []) {
    if (a.builtIn) continue;
    const where = `${uid}: annotation "${a.name}"`;
    const expr = a.expr ?? (a.target as unknown as { expr?: string } | undefined)?.expr;
    if (typeof expr !== 'string') throw new Error(`${where}: annotation has no expr`);
    out.push({ where, language: languageOf(a.datasource, where), expr });
  }
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const where = `${uid}: variable ${v.name}`;
    if (typeof v.query !== 'string') throw new Error(`${where}: query is not a string`);
    const expr = variableQueryExpression(v.query, where);
    if (expr !== undefined) out.push({ where, language: languageOf(v.datasource, where), expr });
  }
  return out;
}

/**
 * Representative values for Grafana's variables, so a query can be parsed: `$__rate_interval`
 * and friends become durations, dashboard variables (`$x`, `${x}`, `${x:regex}`, `[[x]]`)
 * become a plain word. A query valid with these values is valid for any value of the same shape.
 */
export const VARIABLE_SAMPLES: Readonly<Record<string, string>> = {
  __rate_interval: '5m',
  __interval: '1m',
  __interval_ms: '60000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __auto: '1m',
};

export function substituteVariables(expr: string): string {
  const value = (name: string) => VARIABLE_SAMPLES[name] ?? 'value';
  return expr
    .replace(/\$\{(\w+)(?::[^}]*)?\}/g, (_, name: string) => value(name))
    .replace(/\[\[(\w+)(?::[^\]]*)?\]\]/g, (_, name: string) => value(name))
    .replace(/\$(\w+)/g, (_, name: string) => value(name));
}

/**
 * The metric names a PromQL expression reads, from the lezer parse tree: the `Identifier` of
 * each `VectorSelector`, or its `__name__="..."` matcher. A selector without a metric name is
 * reported as `{}` (it would read every metric matching its labels). Throws on a syntax error.
 */
export function promqlMetricNames(expr: string): string[] {
  const tree = promqlParser.parse(expr);
  const names = new Set<string>();
  let error: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) error ??= `syntax error at ${node.from}`;
      if (node.name !== 'VectorSelector') return undefined;
      let name: string | undefined;
      const cursor = node.node.cursor();
      if (cursor.firstChild()) {
        do {
          if (cursor.name === 'Identifier') name = expr.slice(cursor.from, cursor.to);
          if (cursor.name === 'LabelMatchers') {
            const m = cursor.node.cursor();
            if (m.firstChild()) {
              do {
                const label = m.node.getChild('LabelName');
                const value = m.node.getChild('StringLiteral');
                const op = m.node.getChild('MatchOp');
                if (label && value && op && expr.slice(label.from, label.to) === '__name__' && expr.slice(op.from, op.to) === '=') {
                  name = JSON.parse(expr.slice(value.from, value.to).replace(/^'|'$/g, '"')) as string;
                }
              } while (m.nextSibling());
            }
          }
        } while (cursor.nextSibling());
      }
      names.add(name ?? '{}');
      return false;
    },
  });
  if (error) throw new Error(`invalid PromQL (${error}): ${expr}`);
  return [...names].sort();
}

/**
 * The same text with every Grafana variable (`$x`, `${x}`, `${x:fmt}`) replaced by a duration
 * of the same length (`999s`), so positions in a parse of the copy are positions in the
 * original. Inside a string literal the replacement is just other characters; outside one,
 * Grafana variables only stand for durations here (`[$__rate_interval]`, `offset $__interval`).
 */
function sameLengthPlaceholders(expr: string): string {
  if (/\[\[\w+/.test(expr)) throw new Error(`the [[var]] syntax is deprecated in Grafana; write \${var}: ${expr}`);
  return expr.replace(/\$\{\w+(?::[^}]*)?\}|\$\w+/g, (m) => '9'.repeat(m.length - 1) + 's');
}

/** The label that names the cluster of a series: Thanos Query adds it from each Prometheus's external labels. */
export const CLUSTER_LABEL = 'cluster';
/** The matcher every PromQL selector of the stack's dashboards carries. */
export const CLUSTER_MATCHER = `${CLUSTER_LABEL}=~"$${CLUSTER_LABEL}"`;

/**
 * The PromQL expression with `cluster=~"$cluster"` added to every vector selector that has no
 * `cluster` matcher yet (found in the lezer parse tree, so label values, function names and
 * strings are never touched). With the variable's "All" value `.*`, the matcher also matches
 * series that have no `cluster` label at all (PromQL treats a missing label as the empty
 * string), so the same query works on one Prometheus (no external labels on its own series)
 * and on Thanos Query (every series carries its Prometheus's `cluster`). Throws on a syntax
 * error.
 */
export function withClusterMatcher(expr: string): string {
  let out = clusterMatched.get(expr);
  if (out === undefined) {
    out = addClusterMatcher(expr);
    clusterMatched.set(expr, out);
  }
  return out;
}

/** withClusterMatcher's results: every environment's dashboards hold the same queries, parsed once. */
const clusterMatched = new Map<string, string>();

function addClusterMatcher(expr: string): string {
  const copy = sameLengthPlaceholders(expr);
  const tree = promqlParser.parse(copy);
  const inserts: Array<{ at: number; text: string }> = [];
  let error: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) error ??= node.from;
      if (node.name !== 'VectorSelector') return undefined;
      const matchers = node.node.getChild('LabelMatchers');
      const name = node.node.getChild('Identifier');
      if (matchers) {
        const children: string[] = [];
        const c = matchers.cursor();
        if (c.firstChild()) {
          do {
            const label = c.node.getChild('LabelName') ?? c.node.getChild('QuotedLabelName');
            children.push(label ? copy.slice(label.from, label.to).replace(/^"|"$/g, '') : '');
          } while (c.nextSibling());
        }
        if (children.includes(CLUSTER_LABEL)) return false;
        inserts.push({ at: matchers.from + 1, text: children.length > 0 ? `${CLUSTER_MATCHER}, ` : CLUSTER_MATCHER });
      } else if (name) {
        inserts.push({ at: name.to, text: `{${CLUSTER_MATCHER}}` });
      } else {
        error ??= node.from;
      }
      return false;
    },
  });
  if (error !== undefined) throw new Error(`invalid PromQL (syntax error at ${error}): ${expr}`);
  let out = expr;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

export interface SelectorMatcher {
  readonly label: string;
  /** `=`, `!=`, `=~` or `!~`. */
  readonly op: string;
  /** The value as written between the quotes (Grafana variables not interpolated). */
  readonly value: string;
}

/**
 * The label matchers of each vector selector of a PromQL expression, in order (for the test
 * that every selector is filtered by cluster, and for the live check that tells which
 * queries are about the jobs that run).
 */
export function selectorMatchers(expr: string): SelectorMatcher[][] {
  const copy = sameLengthPlaceholders(expr);
  const tree = promqlParser.parse(copy);
  const out: SelectorMatcher[][] = [];
  tree.iterate({
    enter: (node) => {
      if (node.name !== 'VectorSelector') return undefined;
      const matchers: SelectorMatcher[] = [];
      const c = node.node.getChild('LabelMatchers')?.cursor();
      if (c?.firstChild()) {
        do {
          const label = c.node.getChild('LabelName') ?? c.node.getChild('QuotedLabelName');
          const op = c.node.getChild('MatchOp');
          const value = c.node.getChild('StringLiteral');
          if (label && op && value) matchers.push({ label: copy.slice(label.from, label.to).replace(/^"|"$/g, ''), op: copy.slice(op.from, op.to), value: expr.slice(value.from + 1, value.to - 1) });
        } while (c.nextSibling());
      }
      out.push(matchers);
      return false;
    },
  });
  return out;
}

/** The label names of the matchers of each vector selector of a PromQL expression. */
export function selectorMatcherLabels(expr: string): string[][] {
  return selectorMatchers(expr).map((m) => m.map((x) => x.label));
}
