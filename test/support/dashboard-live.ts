import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboardQueries, promqlMetricNames, substituteVariables, variableQueryExpression } from '../../lib/observability/dashboards';
import { selectorMatchers } from '../../lib/observability/dashboards/queries';
import { isAlertingRule } from '../../lib/observability/rule-group';
import type { RuleGroup } from '../../lib/observability/rule-group';

/**
 * Runs a dashboard's PromQL against a live Prometheus the way Grafana would: variables resolved
 * in order from the Prometheus label-values API (All where the variable defaults to All, else
 * the current value if it exists, else the first value), Grafana's built-in intervals replaced
 * by fixed values, each query evaluated as an instant query. Used by
 * test/dashboards-live.test.ts (and usable by the e2e harness) to check that the queries about
 * what really runs return data.
 */

/** Grafana's built-in interval variables, sized for a Prometheus that scrapes every second. */
export const LIVE_INTERVALS: Readonly<Record<string, string>> = {
  __rate_interval: '15s',
  __interval: '2s',
  __interval_ms: '2000',
  __range: '1m',
  __range_s: '60',
  __range_ms: '60000',
};

export interface LiveVariable {
  readonly name: string;
  /** The interpolated value, or undefined when it cannot be resolved here (a Loki variable). */
  readonly value: string | undefined;
  /** The values the variable's query found. */
  readonly options: readonly string[];
}

export interface LiveQuery {
  /** e.g. `k8s-apiserver: panel 3 "Requests / s" target A`. */
  readonly where: string;
  /** The query as interpolated (undefined when a variable could not be resolved). */
  readonly query: string | undefined;
  readonly metrics: readonly string[];
  /** The `job` matchers of the query's selectors, variables interpolated (`=~` values as regexes). */
  readonly jobs: ReadonlyArray<{ readonly op: string; readonly value: string }>;
  /** `data`: at least one sample; `empty`: none; `error`: Prometheus refused it; `unresolved`: a variable has no value here. */
  readonly status: 'data' | 'empty' | 'error' | 'unresolved';
  readonly detail?: string;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  const body = (await res.json()) as any;
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`);
  return body.data;
}

/** `$x`, `${x}`, `${x:fmt}` replaced by resolved values; undefined when one of them has none. */
export function interpolate(expr: string, values: ReadonlyMap<string, string | undefined>): string | undefined {
  let unresolved = false;
  const value = (name: string): string => {
    if (name in LIVE_INTERVALS) return LIVE_INTERVALS[name];
    const v = values.get(name);
    if (v === undefined) unresolved = true;
    return v ?? '';
  };
  const out = expr.replace(/\$\{(\w+)(?::[^}]*)?\}/g, (_, n: string) => value(n)).replace(/\$(\w+)/g, (_, n: string) => value(n));
  return unresolved ? undefined : out;
}

/** Resolves the dashboard's variables in order against the live Prometheus. */
export async function resolveVariables(prometheus: string, d: dash.Dashboard): Promise<LiveVariable[]> {
  const out: LiveVariable[] = [];
  const values = new Map<string, string | undefined>();
  for (const v of (d.templating?.list ?? []) as any[]) {
    let value: string | undefined;
    let options: string[] = [];
    const isAll = (c: any) => (Array.isArray(c?.value) ? c.value[0] : c?.value) === '$__all';
    const current = Array.isArray(v.current?.value) ? v.current.value[0] : v.current?.value;
    if (v.type === 'datasource') continue;
    if (v.type === 'textbox') value = v.current?.value ?? '';
    else if (v.type === 'custom') {
      options = String(v.query ?? '').split(',').filter((x) => x !== '');
      value = isAll(v.current) ? (v.allValue ?? `(${options.map(escapeRegex).join('|')})`) : current;
    } else if (v.type === 'query' && v.datasource?.type === 'prometheus') {
      const query = interpolate(v.query, values);
      if (query !== undefined) {
        const label = /,\s*(\w+)\s*\)\s*$/.exec(query)?.[1] ?? /^label_values\(\s*(\w+)\s*\)$/.exec(query)?.[1];
        if (!label) throw new Error(`${d.uid}: variable ${v.name}: cannot read "${query}"`);
        const selector = variableQueryExpression(query, `${d.uid}: variable ${v.name}`);
        const params = selector ? `?match[]=${encodeURIComponent(selector)}` : '';
        options = ((await getJson(`${prometheus}/api/v1/label/${label}/values${params}`)) as string[]).sort();
        if (!isAll(v.current) && current !== undefined && options.includes(current)) value = v.multi ? escapeRegex(current) : current;
        else if (v.includeAll) value = v.allValue ?? `(${options.map(escapeRegex).join('|')})`;
        else value = options[0] ?? '';
      }
    }
    values.set(v.name, value);
    out.push({ name: v.name, value, options });
  }
  return out;
}

/**
 * Every PromQL panel query of the dashboard, interpolated and evaluated now. In a row repeated
 * for a variable (one row per SLO), the variable takes each row's single value: the first one.
 */
export async function evaluateDashboard(prometheus: string, d: dash.Dashboard): Promise<{ variables: LiveVariable[]; queries: LiveQuery[] }> {
  const variables = await resolveVariables(prometheus, d);
  const values = new Map(variables.map((v) => [v.name, v.value]));
  const repeated = new Map<number, string>();
  // An expanded row's panels follow it at the top level; a collapsed row holds them.
  let rowRepeat: string | undefined;
  for (const p of (d.panels ?? []) as any[]) {
    if (p.type === 'row') {
      rowRepeat = p.repeat;
      for (const c of p.panels ?? []) if (p.repeat) repeated.set(c.id, p.repeat);
    } else if (rowRepeat) repeated.set(p.id, rowRepeat);
  }
  const queries: LiveQuery[] = [];
  for (const q of dashboardQueries(d)) {
    const panel = /: panel (\d+)/.exec(q.where);
    if (q.language !== 'promql' || !panel) continue;
    const repeat = repeated.get(Number(panel[1]));
    const scope = new Map(values);
    if (repeat) scope.set(repeat, variables.find((v) => v.name === repeat)?.options[0]);
    const metrics = promqlMetricNames(substituteVariables(q.expr));
    const jobs = selectorMatchers(q.expr)
      .flat()
      .filter((m) => m.label === 'job')
      .map((m) => ({ op: m.op, value: interpolate(m.value, scope) ?? '' }));
    const query = interpolate(q.expr, scope);
    if (query === undefined) {
      queries.push({ where: q.where, query, metrics, jobs, status: 'unresolved' });
      continue;
    }
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as any;
    if (body.status !== 'success') queries.push({ where: q.where, query, metrics, jobs, status: 'error', detail: body.error });
    else {
      const r = body.data.result;
      const has = Array.isArray(r) ? r.length > 0 : r !== null && r !== undefined;
      queries.push({ where: q.where, query, metrics, jobs, status: has ? 'data' : 'empty' });
    }
  }
  return { variables, queries };
}

/** Whether every `job` matcher of the query selects one of these jobs (negative matchers always do). */
export function selectsJobs(q: LiveQuery, jobs: readonly string[]): boolean {
  return q.jobs.every((m) => {
    if (m.op === '!=' || m.op === '!~') return true;
    if (m.op === '=') return jobs.includes(m.value);
    const re = new RegExp(`^(?:${m.value})$`);
    return jobs.some((j) => re.test(j));
  });
}

/**
 * The recording rules of `groups` computable from `live` series: those whose every input is
 * live or is itself such a rule (to a fixpoint). A rule that also reads something absent is
 * left out, even when an `or` would let part of it through.
 */
export function liveRecordingRules(groups: readonly RuleGroup[], live: ReadonlySet<string>): Set<string> {
  const rules = groups.flatMap((g) => g.rules.filter((r) => !isAlertingRule(r))) as Array<{ record: string; expr: string }>;
  const inputs = new Map<string, string[]>();
  for (const r of rules) inputs.set(r.record, [...(inputs.get(r.record) ?? []), ...promqlMetricNames(r.expr)]);
  const out = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [record, names] of inputs) {
      if (out.has(record)) continue;
      if (names.every((n) => live.has(n) || out.has(n))) {
        out.add(record);
        changed = true;
      }
    }
  }
  return out;
}
