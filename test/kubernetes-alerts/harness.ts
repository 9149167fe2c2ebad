import { DEFAULT_KUBERNETES_THRESHOLDS, KubernetesRuleOptions, KubernetesThresholds, kubernetesRuleGroups } from '../../lib/observability/alerts';
import { AlertingRule, RuleGroup, isAlertingRule, renderRuleFile } from '../../lib/observability/rule-group';
import { toYaml } from '../../lib/render/yaml';
import { ToolResult, promtool, withFiles } from '../support/tools';

/**
 * `promtool test rules` for the Kubernetes groups: the series are what the exporters expose
 * at the versions the stack deploys (kube-state-metrics v2: object labels, `uid`, `job_name`;
 * kubelet and cAdvisor series with the `node` label of their scrape target; the API server's
 * `job="apiserver"`), with the extra labels the scrape adds (`job`, `instance`), so that an
 * alert is checked to be about the object (namespace, workload, pod, node, claim), not about
 * the scrape target.
 */

export const RUNBOOKS = 'https://runbooks.example.com/alerts';
export const T: KubernetesThresholds = DEFAULT_KUBERNETES_THRESHOLDS;
export const INFRA = { category: 'infrastructure' } as const;

/** Every group, every part scraped (so the scheduler's and controller manager's groups exist). */
export function allGroups(options: Partial<KubernetesRuleOptions> = {}): RuleGroup[] {
  return kubernetesRuleGroups({ runbookBaseUrl: RUNBOOKS, scraped: { scheduler: true, controllerManager: true }, ...options });
}

export const GROUPS = allGroups();

export function group(name: string, groups: readonly RuleGroup[] = GROUPS): RuleGroup {
  const g = groups.find((x) => x.name === name);
  if (!g) throw new Error(`no group ${name}`);
  return g;
}

export function alertRules(groups: readonly RuleGroup[] = GROUPS): AlertingRule[] {
  return groups.flatMap((g) => g.rules.filter(isAlertingRule));
}

export function rule(name: string, severity?: string, groups: readonly RuleGroup[] = GROUPS): AlertingRule {
  const found = alertRules(groups).filter((r) => r.alert === name && (severity === undefined || r.labels?.severity === severity));
  if (found.length !== 1) throw new Error(`${found.length} rules ${name} ${severity ?? ''}`);
  return found[0];
}

export function publicRunbook(alert: string, dir = 'kubernetes'): string {
  return `https://runbooks.prometheus-operator.dev/runbooks/${dir}/${alert.toLowerCase()}`;
}

export interface Series {
  readonly series: string;
  readonly values: string;
}
export interface ExpAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}
export interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpAlert[];
}
export interface ExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: ReadonlyArray<{ readonly labels: string; readonly value: number }>;
}

/** One promtool test case over the given groups (1m scrape and evaluation interval). */
export function unitTest(groups: readonly RuleGroup[], input_series: readonly Series[], alert_rule_test: readonly AlertTest[], promql_expr_test: readonly ExprTest[] = []): ToolResult {
  const tests = toYaml({
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series, alert_rule_test, ...(promql_expr_test.length > 0 ? { promql_expr_test } : {}) }],
  });
  return withFiles({ 'rules.yml': renderRuleFile(groups), 'tests.yml': tests }, (dir) => promtool(['test', 'rules', 'tests.yml'], { cwd: dir }));
}

export function expectPass(res: ToolResult): void {
  expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
}

/**
 * An expected alert: its labels (with severity and category) and its annotations: the
 * rule's summary (checked to be static text), the description as rendered, the runbook.
 */
export function fired(name: string, labels: Record<string, string>, description: string, opts: { severity?: string; dir?: string; groups?: readonly RuleGroup[] } = {}): ExpAlert {
  const r = rule(name, opts.severity, opts.groups);
  const summary = r.annotations?.summary ?? '';
  return {
    exp_labels: { ...labels, severity: r.labels!.severity, ...INFRA },
    exp_annotations: { summary, description, runbook_url: publicRunbook(name, opts.dir) },
  };
}

/** `<name>{labels}` as promtool's series notation. */
export function s(metric: string, labels: Record<string, string | number>): string {
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

/** Labels the kube-state-metrics scrape adds (honor_labels keeps the object's own). */
export const KSM = { job: 'kube-state-metrics', instance: '10.1.2.3:8080' } as const;
/** The kube-state-metrics telemetry scrape. */
export const KSM_SELF = { job: 'kube-state-metrics-self', instance: '10.1.2.3:8081' } as const;
/** Labels of a kubelet /metrics target on node `node`. */
export const kubelet = (node: string, ip = '10.0.0.1') => ({ job: 'kubelet', instance: `${ip}:10250`, node, metrics_path: '/metrics' });
/** Labels of a cAdvisor target on node `node`. */
export const cadvisor = (node: string, ip = '10.0.0.1') => ({ job: 'cadvisor', instance: `${ip}:10250`, node, metrics_path: '/metrics/cadvisor' });
/** Labels of an API server target. */
export const apiserver = (ip = '10.0.0.10') => ({ job: 'apiserver', instance: `${ip}:6443` });

/** Minutes of a Prometheus duration made of whole minutes/hours/days. */
export function minutes(duration: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  if (!m || duration === '') throw new Error(`${duration}: not whole minutes`);
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** `0+<step>x<n>` written so promtool reads it (a negative step is `0-1x3`). */
export function ramp(start: number, step: number, n: number): string {
  return `${start}${step < 0 ? '-' : '+'}${Math.abs(step)}x${n}`;
}

/** The promtool run of a scenario failed (a wrong expectation or a mutated rule). */
export function expectFail(res: ToolResult): void {
  expect({ status: res.status, failed: res.output.includes('FAILED') }).toEqual({ status: 1, failed: true });
}

/** A copy of `groups` where the rules named `alert` (of `severity`, if given) are edited. */
export function mutate(groups: readonly RuleGroup[], alert: string, edit: (r: AlertingRule) => AlertingRule, severity?: string): RuleGroup[] {
  let hits = 0;
  const out = groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => {
      if (!isAlertingRule(r) || r.alert !== alert || (severity !== undefined && r.labels?.severity !== severity)) return r;
      hits += 1;
      return edit(r);
    }),
  }));
  if (hits === 0) throw new Error(`mutate: no rule ${alert} ${severity ?? ''}`);
  return out;
}

/** `text` with `from` replaced by `to`; `from` must occur exactly once (the mutation is the intended one). */
export function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`replaceOnce: ${JSON.stringify(from)} occurs ${parts.length - 1} times in ${text}`);
  return parts.join(to);
}

/** Mutations of an alert's expression (`from` -> `to`) or `for`, each of which the scenario must catch. */
export type Mutation = { readonly expr: readonly [string, string]; readonly all?: true; readonly severity?: string } | { readonly for: string; readonly severity?: string };

/**
 * The scenario passes with the rules as generated, and fails when the threshold in the
 * expression (or the `for`) is moved either way: the data pins the value by behaviour.
 */
export function expectPinned(run: (groups: RuleGroup[]) => ToolResult, groups: RuleGroup[], alert: string, mutations: readonly Mutation[]): void {
  expectPass(run(groups));
  for (const m of mutations) {
    const edit = (r: AlertingRule): AlertingRule => {
      if (!('expr' in m)) return { ...r, for: m.for };
      if (!m.all) return { ...r, expr: replaceOnce(r.expr, m.expr[0], m.expr[1]) };
      if (!r.expr.includes(m.expr[0])) throw new Error(`mutation: ${JSON.stringify(m.expr[0])} not in ${r.expr}`);
      return { ...r, expr: r.expr.split(m.expr[0]).join(m.expr[1]) };
    };
    const g = mutate(groups, alert, edit, m.severity);
    const res = run(g);
    if (res.status === 0) throw new Error(`${alert}: the scenario still passes with the mutation ${JSON.stringify(m)}`);
    expectFail(res);
  }
}

/** `5m` -> `7m`: a Prometheus duration shifted by whole minutes. */
export function shift(duration: string, byMinutes: number): string {
  return `${minutes(duration) + byMinutes}m`;
}

/** Only the rules named `alerts` (a long scenario evaluates fewer rules). */
export function only(groups: readonly RuleGroup[], ...alerts: string[]): RuleGroup[] {
  return groups
    .map((g) => ({ ...g, rules: g.rules.filter((r) => isAlertingRule(r) && alerts.includes(r.alert)) }))
    .filter((g) => g.rules.length > 0);
}

/** Several promtool runs as one result: fails if any fails (one scenario per cluster state). */
export function all(...results: ToolResult[]): ToolResult {
  const failed = results.find((r) => r.status !== 0);
  return failed ?? results[0];
}

/** `{{ $value | humanizePercentage }}` of a fraction (Go's %.4g of x*100, then %). */
export function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`;
}

/**
 * Whether the promtool in use is Prometheus 3 or later: its range selectors are left-open
 * (`[5m]` at t holds the samples in (t-5m, t], one fewer than Prometheus 2's [t-5m, t]), which
 * changes the value (not the firing) of a few `increase()` and `avg_over_time()` alerts at
 * the edge of their window. Those tests compute the value each version gives.
 */
export const LEFT_OPEN_RANGES = ((): boolean => {
  const m = /version (\d+)\./.exec(promtool(['--version']).output);
  return m !== null && Number(m[1]) >= 3;
})();

/** The samples (one a minute from 0m) that a range `[w]` evaluated at `t` (minutes) selects. */
export function window(values: ReadonlyArray<number | undefined>, t: number, w: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = LEFT_OPEN_RANGES ? t - w + 1 : t - w; i <= t; i++) if (i >= 0 && values[i] !== undefined) out.push([i, values[i] as number]);
  return out;
}

/** PromQL's `increase()` of a counter (no resets) sampled once a minute, extrapolated as Prometheus does. */
export function increase(values: ReadonlyArray<number | undefined>, t: number, w: number): number | undefined {
  const pts = window(values, t, w);
  if (pts.length < 2) return undefined;
  const [t0, first] = pts[0];
  const [t1, last] = pts[pts.length - 1];
  const result = last - first;
  const sampled = t1 - t0;
  const avg = sampled / (pts.length - 1);
  let toStart = t0 - (t - w);
  let toEnd = t - t1;
  if (toStart >= avg * 1.1) toStart = avg / 2;
  if (toEnd >= avg * 1.1) toEnd = avg / 2;
  if (result > 0 && first >= 0) toStart = Math.min(toStart, sampled * (first / result));
  return result * ((sampled + toStart + toEnd) / sampled);
}

/** `{{ $value | humanize }}` for values from 1 to 999 (Go's %.4g). */
export function humanize(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** `{{ $value | humanizeDuration }}` (Prometheus's template function) for values of at least 1s. */
export function humanizeDuration(v: number): string {
  const sign = v < 0 ? '-' : '';
  const x = Math.abs(v);
  const secs = Math.floor(x);
  const [d, h, m, sec] = [Math.floor(secs / 86400), Math.floor(secs / 3600) % 24, Math.floor(secs / 60) % 60, secs % 60];
  if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${sec}s`;
  if (h !== 0) return `${sign}${h}h ${m}m ${sec}s`;
  if (m !== 0) return `${sign}${m}m ${sec}s`;
  return `${sign}${Number(x.toPrecision(4))}s`;
}

/** A bucket bound as Go's text exposition writes it (`604800`, `2.592e+06`, `0.5`). */
export { goFloat as leText } from '../../lib/observability/slo/format';
