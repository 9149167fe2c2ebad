import { isAlertingRule, renderRuleFile, Rule, RuleGroup } from '../../lib/observability/rule-group';
import { toYaml } from '../../lib/render/yaml';
import { promtool, withFiles } from '../support/tools';

/**
 * promtool unit tests of alert groups, built from typed cases:
 * - `AlertCase`: input series and alert checks at given times, each check listing the alerts
 *   expected (labels, and the description when given: then summary and runbook_url are
 *   compared too, from the rule), or none;
 * - `ExprCase`: an expression (an alert's condition) evaluated at one instant, with the label
 *   sets expected in its result; used to pin a threshold by data just above and just below it.
 *
 * Input series are written at `interval` (default 1m) from t=0; rules are evaluated every minute.
 * Prometheus 2.x includes a sample exactly at the start of a range selector, 3.x does not: the
 * cases keep samples at range boundaries equal to their neighbours (or counters linear), so that
 * both give the same result.
 */

export interface Series {
  readonly series: string;
  readonly values: string;
}

export function series(name: string, labels: Record<string, string>, values: string): Series {
  const ls = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return { series: `${name}{${ls}}`, values };
}

export interface ExpectedAlert {
  readonly labels: Record<string, string>;
  /** When given, the annotations are compared: this description, and the rule's summary and runbook_url. */
  readonly description?: string;
}

export interface AlertCheck {
  readonly at: string;
  readonly alertname: string;
  readonly expect: readonly ExpectedAlert[];
}

export interface AlertCase {
  readonly name: string;
  readonly interval?: string;
  readonly input: readonly Series[];
  readonly checks: readonly AlertCheck[];
}

export interface ExprCase {
  readonly name: string;
  readonly interval?: string;
  readonly input: readonly Series[];
  readonly at: string;
  readonly expr: string;
  /** Label sets of the result (metric name excluded); empty: no result. */
  readonly expect: readonly Record<string, string>[];
  /**
   * Values of the result, in the order of `expect`, compared as round(value * scale) (exact
   * integers). @default none: only the label sets are compared
   */
  readonly values?: readonly number[];
  /** @default 10000 */
  readonly scale?: number;
}

export function alertingRules(groups: readonly RuleGroup[]) {
  return groups.flatMap((g) => g.rules).filter(isAlertingRule);
}

/** The rule with this name whose labels (severity) match the expected alert. */
function ruleFor(groups: readonly RuleGroup[], alertname: string, labels: Record<string, string>) {
  const rules = alertingRules(groups).filter((r) => r.alert === alertname && Object.entries(r.labels ?? {}).every(([k, v]) => labels[k] === v));
  if (rules.length === 0) throw new Error(`no rule ${alertname} with labels ${JSON.stringify(labels)}`);
  return rules[0];
}

/** The groups without annotations: for cases that check labels only. */
function withoutAnnotations(groups: readonly RuleGroup[]): RuleGroup[] {
  return groups.map((g) => ({ ...g, rules: g.rules.map((r: Rule) => (isAlertingRule(r) ? { ...r, annotations: undefined } : r)) }));
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

function testFile(ruleFile: string, groups: readonly RuleGroup[], cases: readonly AlertCase[], exprs: readonly ExprCase[], annotated: boolean): string {
  return toYaml({
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: [
      ...cases.map((c) => ({
        name: c.name,
        interval: c.interval ?? '1m',
        input_series: c.input,
        alert_rule_test: c.checks.map((k) => ({
          eval_time: k.at,
          alertname: k.alertname,
          exp_alerts: k.expect.map((e) => {
            if (!annotated) return { exp_labels: e.labels };
            const rule = ruleFor(groups, k.alertname, e.labels);
            return { exp_labels: e.labels, exp_annotations: { summary: rule.annotations!.summary, description: e.description!, runbook_url: rule.annotations!.runbook_url } };
          }),
        })),
      })),
      ...exprs.map((c) => ({
        name: c.name,
        interval: c.interval ?? '1m',
        input_series: c.input,
        // 0 * (...) keeps the labels of the result and gives a value to compare exactly; the
        // comment names the case in promtool's report of a failure.
        promql_expr_test: [
          c.values
            ? {
                expr: `# ${c.name.replace(/\n/g, ' ')}\nround((${c.expr}) * ${c.scale ?? 10000})`,
                eval_time: c.at,
                exp_samples: c.expect.map((l, i) => ({ labels: labelText(l), value: Math.round(c.values![i] * (c.scale ?? 10000)) })),
              }
            : { expr: `# ${c.name.replace(/\n/g, ' ')}\n0 * (${c.expr})`, eval_time: c.at, exp_samples: c.expect.map((l) => ({ labels: labelText(l), value: 0 })) },
        ],
      })),
    ],
  });
}

/**
 * Runs the cases through `promtool test rules`: those whose expected alerts all have a
 * description against the groups as they are, the others (and the expression cases) against
 * the groups without annotations. Throws with promtool's output on failure.
 */
export function runPromtoolTests(groups: readonly RuleGroup[], cases: readonly AlertCase[], exprs: readonly ExprCase[] = []): string {
  const annotated = cases.filter((c) => c.checks.every((k) => k.expect.every((e) => e.description !== undefined)) && c.checks.some((k) => k.expect.length > 0));
  const plain = cases.filter((c) => !annotated.includes(c));
  const files: Record<string, string> = {
    'rules.yaml': renderRuleFile(groups),
    'plain.yaml': renderRuleFile(withoutAnnotations(groups)),
    'annotated.test.yaml': testFile('rules.yaml', groups, annotated, [], true),
    'plain.test.yaml': testFile('plain.yaml', groups, plain, exprs, false),
  };
  const tests = ['annotated.test.yaml', 'plain.test.yaml'].filter((f) => (f === 'annotated.test.yaml' ? annotated.length : plain.length + exprs.length) > 0);
  const res = withFiles(files, (dir) => promtool(['test', 'rules', ...tests], { cwd: dir }));
  if (res.status !== 0) throw new Error(`promtool test rules failed:\n${res.output}`);
  return res.output;
}

/** Every alert (by name and severity) has a case where it fires and a check where its name stays quiet. */
export function coverageProblems(groups: readonly RuleGroup[], cases: readonly AlertCase[]): string[] {
  const problems: string[] = [];
  const checks = cases.flatMap((c) => c.checks);
  for (const rule of alertingRules(groups)) {
    const severity = rule.labels?.severity;
    const own = checks.filter((k) => k.alertname === rule.alert);
    if (!own.some((k) => k.expect.some((e) => e.labels.severity === severity))) problems.push(`${rule.alert} (${severity}): no case fires it`);
    if (!own.some((k) => k.expect.every((e) => e.labels.severity !== severity))) problems.push(`${rule.alert} (${severity}): no case keeps it quiet`);
  }
  return problems;
}

/** Minutes of a duration such as `1h30m`, `5m`. */
export function minutes(duration: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  if (!m || duration === '') throw new Error(`test duration ${duration}: use whole minutes (d, h, m)`);
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export const min = (n: number): string => `${n}m`;

/** promtool values: `v` repeated `n` more times (n+1 samples). */
export const flat = (v: number, n: number): string => `${v}x${n}`;

/** A counter from `start` growing by `step` per sample, n+1 samples. */
export const counter = (step: number, n: number, start = 0): string => `${start}+${step}x${n}`;

/** The leaf paths of a thresholds object (`filesystemSpaceFillingUp.warning.for`, ...). */
export function leafPaths(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' ? leafPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** `o` with the value at `path` replaced by the one in `from` (deep copy). */
export function withValueOf<T extends object>(o: T, from: T, path: string): T {
  const copy = JSON.parse(JSON.stringify(o));
  const keys = path.split('.');
  const last = keys.pop()!;
  const get = (x: any) => keys.reduce((v, k) => v[k], x);
  get(copy)[last] = get(from)[last];
  return copy;
}

export interface Level {
  /** The threshold field, e.g. `fileDescriptors.warning.for`. */
  readonly field: string;
  readonly severity: string;
  readonly for: string;
}

/**
 * Cases that pin thresholds, named `<field>: ...`:
 * - `value`: the alert's condition (its expression, as rendered from the config) at one
 *   instant, with data just beyond the value (a result about the expected object) and just short
 *   of it (no result);
 * - `duration`: the alert with data far beyond its threshold from t=0, so that the condition
 *   holds from a known minute (`active`: a range when it reads a recorded series, as the
 *   recording and alert groups may be evaluated in either order): it fires `for` later, and not
 *   a minute earlier.
 */
export class Pins {
  readonly exprs: ExprCase[] = [];
  readonly cases: AlertCase[] = [];
  readonly pinned = new Set<string>();

  constructor(private readonly groups: readonly RuleGroup[], private readonly ruleLabels: Record<string, string> = { category: 'infrastructure' }) {}

  exprOf(alert: string, severity: string): string {
    const rule = alertingRules(this.groups).find((r) => r.alert === alert && r.labels?.severity === severity);
    if (!rule) throw new Error(`no ${alert} ${severity}`);
    return rule.expr;
  }

  value(field: string, alert: string, severity: string, at: number, fires: readonly Series[], quiet: readonly Series[], labels: Record<string, string>, interval?: string): void {
    this.pinned.add(field);
    const expr = this.exprOf(alert, severity);
    this.exprs.push({ name: `${field}: ${alert} ${severity} fires just beyond`, input: fires, at: min(at), expr, expect: [labels], interval });
    this.exprs.push({ name: `${field}: ${alert} ${severity} quiet just short`, input: quiet, at: min(at), expr, expect: [], interval });
  }

  duration(alert: string, levels: readonly Level[], input: readonly Series[], labels: Record<string, string>, active: readonly [number, number], interval?: string): void {
    const alertLabels = (l: Level) => ({ labels: { ...labels, severity: l.severity, ...this.ruleLabels } });
    for (const l of levels) {
      this.pinned.add(l.field);
      const f = minutes(l.for);
      const before = active[0] + f - 1;
      const after = active[1] + f;
      this.cases.push({
        name: `${l.field}: ${alert} ${l.severity} fires ${l.for} after its condition holds, not a minute earlier`,
        interval,
        input,
        checks: [
          { at: min(before), alertname: alert, expect: levels.filter((o) => o !== l && active[1] + minutes(o.for) <= before).map(alertLabels) },
          { at: min(after), alertname: alert, expect: levels.filter((o) => active[1] + minutes(o.for) <= after).map(alertLabels) },
        ],
      });
    }
  }

  /** Only the cases of one field. */
  of(field: string): { cases: AlertCase[]; exprs: ExprCase[] } {
    const own = (name: string) => name.startsWith(`${field}:`);
    return { cases: this.cases.filter((c) => own(c.name)), exprs: this.exprs.filter((c) => own(c.name)) };
  }
}

/**
 * The fields whose cases do NOT fail when the rules are built with that one field back at its
 * default (`build(field)` gives those rules and the pins of the custom thresholds for them):
 * empty when every pin bites.
 */
export function pinsThatDoNotBite(fields: readonly string[], build: (field: string) => { groups: readonly RuleGroup[]; pins: Pins }): string[] {
  const missed: string[] = [];
  for (const field of fields) {
    const { groups, pins } = build(field);
    const own = pins.of(field);
    try {
      runPromtoolTests(groups, own.cases, own.exprs);
      missed.push(field);
    } catch (err) {
      if (!(err as Error).message.includes('FAILED')) throw err;
    }
  }
  return missed;
}
