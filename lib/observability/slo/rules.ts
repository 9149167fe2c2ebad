import { AlertingRule, RecordingRule, RuleGroup, renderRuleFile, ruleGroupProblems } from '../rule-group';
import { formatDuration, goFloat, goFloatFixed } from './format';
import { Slo, SloAlert, SloValidationError } from './model';
import { isEventAggregation } from './promql';
import { renderWindow } from './validate';
import { BurnRateWindow } from './windows';

/**
 * Validated SLO -> Prometheus rule groups, compatible with Sloth's output (same group names,
 * metric names, labels and alert semantics), so Sloth's Grafana dashboards work unchanged:
 *
 * - `sloth-slo-sli-recordings-<id>`: `slo:sli_error:ratio_rate<w>` for every alert window
 *   (5m 30m 1h 2h 6h 1d 3d for 30d) and the period (`30d`; Prometheus spells 28d `4w` and
 *   7d `1w`, and so does Sloth), labels `sloth_id`, `sloth_service`, `sloth_slo`, `sloth_window`.
 * - `sloth-slo-meta-recordings-<id>`: `slo:objective:ratio`, `slo:error_budget:ratio`,
 *   `slo:time_period:days`, `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
 *   `slo:period_error_budget_remaining:ratio`, `sloth_slo_info`.
 * - `sloth-slo-alerts-<id>`: the multi-window multi-burn-rate alerts.
 *
 * Where it differs from Sloth, on purpose:
 *
 * 1. No NaN without traffic. Sloth records `(errors) / (total)`, which is 0/0 = NaN while
 *    nothing is requested; one NaN in the period window makes `slo:sli_error:ratio_rate30d`,
 *    the period burn rate and the remaining budget NaN for the next 30 days. We record
 *
 *        (errors) / clamp_min((total), 1e-12)
 *
 *    - no traffic (total = 0, errors = 0): 0 / 1e-12 = 0. No requests means no failed
 *      requests: the ratio is 0, below every threshold, so nothing fires (NaN did not either).
 *    - traffic: `clamp_min` leaves any total above 1e-12 untouched (the smallest non-zero
 *      rate() is one event in 3 days, 3.9e-6/s), so the ratio is Sloth's bit for bit and
 *      every threshold comparison, hence every alert, is the same.
 *    - errors with zero total (inconsistent counters): a huge ratio fires, as Sloth's +Inf does.
 *    - an error counter that does not exist yet (created on the first 5xx): when the error
 *      query is one label-free aggregation (`sum(rate(x{code=~"5.."}[w]))`,
 *      `sum_over_time((count(...))[w:])`; see promql.ts) it becomes
 *      `(errors) or on() vector(0)`, so the ratio is 0 where Sloth records nothing
 *      ("No data"). Not for grouped queries (`sum by (x)`: which label sets would we fill?)
 *      nor for `sum(a) - sum(b)` (a latency bucket missing because its `le` is spelled
 *      differently must stay "No data", not read as zero slow requests): Sloth's behaviour.
 *      The flip side: an error query with a misspelt metric reads as 0 errors instead of
 *      "No data"; the SLO unit tests and `promtool test rules` are where to catch that.
 *      The total query is evaluated once, as in Sloth (long windows are the costly part).
 *    A raw SLI is `(query) >= -Inf`, which keeps every number and drops only NaN (a raw query
 *    that divides 0 by 0): no NaN is recorded, and none reaches the period window.
 *
 * 2. A label says which window pair fired. Sloth has one alert rule per severity whose
 *    expression is `(quick short and quick long) or (slow short and slow long)`. So do we (same
 *    rule count, same selectors), with each branch labelled by a constant:
 *
 *        label_replace(quick short and quick long, "sloth_alert_window", "1h/5m", "", "")
 *        or
 *        label_replace(slow short and slow long, "sloth_alert_window", "6h/30m", "", "")
 *
 *    (`<long>/<short>`; an empty regex matches the empty value of the absent source label "",
 *    so the label is always set). The label is fixed by the branch, never computed from values:
 *    each branch yields its own series, `or` keeps both (their label sets differ), and
 *    Prometheus keys alert instances, their `for:` timers and their activeAt by label set. So
 *    each window pair is its own alert instance, exactly as if it were its own rule: a pair
 *    that starts or stops holding neither resolves nor re-fires the other pair's alert, and
 *    `for:` applies to each window pair, not to the OR. Without `for`, an alert of the severity
 *    fires at an evaluation exactly when Sloth's OR fires (same firing times: the conformance
 *    suite checks it with promtool); when both pairs hold, two alerts fire (a route grouping by
 *    alertname or sloth_id sends them as one notification). Checked with `promtool test rules`
 *    (test/slo.test.ts): both pairs firing give two alerts; with `for:`, a pair that holds long
 *    enough fires while the other, interrupted, stays pending, with the same states and
 *    activeAt as one rule per pair. The `description` annotation picks the pair's text by the
 *    label (`{{ if eq $labels.sloth_alert_window ... }}`). (Custom windows giving both pairs the
 *    same long/short windows would give both branches one label set: `or` then keeps one
 *    series, one alert instance for either condition, which is still Sloth's OR.)
 *
 * 3. `for:` can be set (per SLO, per severity). Sloth has none; the default stays none. With
 *    `for`, each window pair's condition must hold for that long (the workbook's semantics;
 *    see point 2).
 *
 * 4. Alert rules also carry `sloth_id`, `sloth_service` and `sloth_slo` as rule labels (the
 *    values the series already have, so alerts are unchanged): two SLOs sharing an alert name
 *    would otherwise be duplicate rules to `promtool check rules`. Alerts get a `description`
 *    annotation (objective, factor, windows, time to exhaustion, current short-window ratio)
 *    unless the spec sets one. `sloth_slo_info` says `sloth_mode: observability-stack`.
 */

export interface SloRuleOptions {
  /** Labels added to every recording rule, like Sloth's `--extra-labels`. @default none */
  readonly extraLabels?: Record<string, string>;
  /** Labels of the `sloth_slo_info` series. @default mode 'observability-stack', spec 'prometheus/v1', no version */
  readonly info?: { readonly mode?: string; readonly spec?: string; readonly version?: string };
}

export const SLI_ERROR_METRIC_PREFIX = 'slo:sli_error:ratio_rate';
/** The alert label naming the window pair that fired, `<long>/<short>`. */
export const ALERT_WINDOW_LABEL = 'sloth_alert_window';

/** `slo:sli_error:ratio_rate<window>`. */
export function sliErrorMetric(window: string): string {
  return `${SLI_ERROR_METRIC_PREFIX}${window}`;
}

/** The labels identifying an SLO's series. */
export function sloIdLabels(slo: Slo): Record<string, string> {
  return { sloth_id: slo.id, sloth_service: slo.service, sloth_slo: slo.name };
}

/** `{sloth_id="...", sloth_service="...", sloth_slo="..."}`, as Sloth writes it. */
export function sloFilter(slo: Slo): string {
  const labels = sloIdLabels(slo);
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k as keyof typeof labels])}`)
    .join(', ')}}`;
}

/** The windows that get an SLI recording: every alert window, ascending, then the period. */
export function sliWindows(slo: Slo): Array<{ window: string; ms: number }> {
  const byMs = new Map<number, string>();
  for (const w of slo.burnRateWindows) {
    byMs.set(w.shortWindowMs, w.shortWindow);
    byMs.set(w.longWindowMs, w.longWindow);
  }
  const out = [...byMs.entries()].sort((a, b) => a[0] - b[0]).map(([ms, window]) => ({ window, ms }));
  if (!byMs.has(slo.periodMs)) out.push({ window: slo.period, ms: slo.periodMs });
  return out;
}

/** The SLI error-ratio expression of one window (see the header: guarded against 0/0). */
export function sliExpression(slo: Slo, window: string): string {
  if (slo.sli.kind === 'events') {
    const errors = renderWindow(slo.sli.errorQuery, window).trim();
    const total = renderWindow(slo.sli.totalQuery, window).trim();
    const numerator = isEventAggregation(errors) ? `(${errors}) or on() vector(0)` : errors;
    return `(${numerator})\n/\nclamp_min((${total}), 1e-12)\n`;
  }
  return `(${renderWindow(slo.sli.errorRatioQuery, window).trim()}) >= -Inf\n`;
}

function merge(...records: Array<Record<string, string> | undefined>): Record<string, string> {
  return Object.assign({}, ...records.filter(Boolean));
}

/** Step 1: the SLI error-ratio recordings. */
export function sliRecordingRules(slo: Slo, options: SloRuleOptions = {}): RecordingRule[] {
  const labels = merge(sloIdLabels(slo), slo.labels, options.extraLabels);
  const shortest = slo.burnRateWindows.find((w) => w.severity === 'page' && w.speed === 'quick')!.shortWindow;
  const filter = sloFilter(slo);
  return sliWindows(slo).map(({ window, ms }) => {
    if (ms === slo.periodMs) {
      // Sloth's optimisation for the period: the mean of the shortest window's ratio over the
      // period (a ratio of sums, not an average of averages), instead of a 30d rate().
      const metric = `${sliErrorMetric(shortest)}${filter}`;
      return {
        record: sliErrorMetric(window),
        expr: `sum_over_time(${metric}[${window}])\n/ ignoring (sloth_window)\ncount_over_time(${metric}[${window}])\n`,
        labels: merge(labels, { sloth_window: window }),
      };
    }
    return { record: sliErrorMetric(window), expr: sliExpression(slo, window), labels: merge(labels, { sloth_window: window }) };
  });
}

function burnRateExpr(metric: string, filter: string): string {
  return `${metric}${filter}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${filter}\n`;
}

/** Step 2: the metadata recordings Sloth's dashboards read. */
export function metaRecordingRules(slo: Slo, options: SloRuleOptions = {}): RecordingRule[] {
  const labels = merge(sloIdLabels(slo), slo.labels, options.extraLabels);
  const filter = sloFilter(slo);
  const ratio = goFloat(slo.objective / 100);
  const shortest = slo.burnRateWindows.find((w) => w.severity === 'page' && w.speed === 'quick')!.shortWindow;
  const info = options.info ?? {};
  return [
    { record: 'slo:objective:ratio', expr: `vector(${ratio})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(1-${ratio})`, labels },
    { record: 'slo:time_period:days', expr: `vector(${goFloat(slo.periodMs / 86_400_000)})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: burnRateExpr(sliErrorMetric(shortest), filter), labels },
    { record: 'slo:period_burn_rate:ratio', expr: burnRateExpr(sliErrorMetric(slo.period), filter), labels },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${filter}`, labels },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: merge(labels, {
        sloth_mode: info.mode ?? 'observability-stack',
        sloth_spec: info.spec ?? 'prometheus/v1',
        ...(info.version ? { sloth_version: info.version } : {}),
        sloth_objective: goFloatFixed(slo.objective),
      }),
    },
  ];
}

/** `<long>/<short>`, the value of `sloth_alert_window`. */
export function windowPairName(w: BurnRateWindow): string {
  return `${w.longWindow}/${w.shortWindow}`;
}

function roundedDuration(ms: number): string {
  return formatDuration(Math.max(60_000, Math.round(ms / 60_000) * 60_000));
}

/** The condition of one window pair: one side of Sloth's OR. */
export function burnRateAlertExpression(slo: Slo, w: BurnRateWindow): string {
  const filter = sloFilter(slo);
  const threshold = `(${goFloat(w.burnRateFactor)} * ${goFloat((100 - slo.objective) / 100)})`;
  const side = (window: string) => `max(${sliErrorMetric(window)}${filter} > ${threshold}) without (sloth_window)`;
  return `${side(w.shortWindow)}\nand\n${side(w.longWindow)}\n`;
}

/**
 * The expression of a severity's alert: Sloth's OR of its window pairs, each branch labelled
 * with a constant `sloth_alert_window` (see the header, point 2).
 */
export function severityAlertExpression(slo: Slo, alert: SloAlert): string {
  const indent = (text: string) => text.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
  return `${alert.windows
    .map((w) => `label_replace(\n${indent(burnRateAlertExpression(slo, w))},\n  ${JSON.stringify(ALERT_WINDOW_LABEL)}, ${JSON.stringify(windowPairName(w))}, "", ""\n)`)
    .join('\nor\n')}\n`;
}

/** The default description of one window pair's alert. */
function pairDescription(slo: Slo, w: BurnRateWindow): string {
  const factor = +w.burnRateFactor.toPrecision(4);
  const exhaustion = roundedDuration(slo.periodMs / w.burnRateFactor);
  return (
    `${factor}x the sustainable rate over both the last ${w.longWindow} and ${w.shortWindow} ` +
    `(${w.errorBudgetPercent}% of the ${slo.period} budget in ${w.longWindow}; at this rate the whole budget lasts ${exhaustion}). ` +
    `Error ratio over ${w.shortWindow}`
  );
}

function alertRule(slo: Slo, alert: SloAlert): AlertingRule {
  // One alert rule, one alert instance per window pair: the text of the pair that fired.
  const [first, ...others] = alert.windows;
  const perPair =
    `{{ if eq $labels.${ALERT_WINDOW_LABEL} ${JSON.stringify(windowPairName(first))} }}${pairDescription(slo, first)}` +
    others.map((w, i) => (i === others.length - 1 ? `{{ else }}` : `{{ else if eq $labels.${ALERT_WINDOW_LABEL} ${JSON.stringify(windowPairName(w))} }}`) + pairDescription(slo, w)).join('') +
    '{{ end }}';
  const defaults = {
    title: `(${alert.severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.`,
    summary: '{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.',
    description:
      `${slo.service} ${slo.name} (objective ${goFloatFixed(slo.objective)}% over ${slo.period}) is burning its error budget at more than ` +
      `${perPair}: {{ $value | humanizePercentage }}.`,
  };
  return {
    alert: alert.name,
    expr: severityAlertExpression(slo, alert),
    ...(alert.for ? { for: alert.for } : {}),
    // The SLO's id labels are on the series already; repeating them on the rule (same values)
    // keeps two SLOs that share an alert name (Sloth's multifile example) from being
    // duplicate rules to `promtool check rules`. `sloth_alert_window` comes from the
    // expression (a rule label would override it).
    labels: merge(alert.labels, sloIdLabels(slo), { sloth_severity: alert.severity }),
    annotations: merge(defaults, alert.annotations),
  };
}

/** Step 3: the alerts, one rule per severity (page, ticket), like Sloth's. */
export function sloAlertRules(slo: Slo): AlertingRule[] {
  return [slo.pageAlert, slo.ticketAlert].filter((a): a is SloAlert => !!a).map((alert) => alertRule(slo, alert));
}

/**
 * Sloth's group name for an SLO, made a valid rule-group name here (lower case, `_` -> `-`;
 * the group name also names a rule file and ConfigMap key). `sloth_id` keeps the exact id.
 */
export function sloGroupName(kind: 'sli-recordings' | 'meta-recordings' | 'alerts', slo: Slo): string {
  return `sloth-slo-${kind}-${slo.id.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
}

/** All groups of one SLO, in Sloth's order; the alerts group only when an alert is enabled. */
export function sloRuleGroups(slo: Slo, options: SloRuleOptions = {}): RuleGroup[] {
  const groups: RuleGroup[] = [
    { name: sloGroupName('sli-recordings', slo), rules: sliRecordingRules(slo, options) },
    { name: sloGroupName('meta-recordings', slo), rules: metaRecordingRules(slo, options) },
  ];
  const alerts = sloAlertRules(slo);
  if (alerts.length > 0) groups.push({ name: sloGroupName('alerts', slo), rules: alerts });
  return groups;
}

/**
 * The groups of several SLOs, checked with the rule-group building block's validation
 * (`ruleGroupProblems`) and for group names that two SLOs would share.
 */
export function generateSloRuleGroups(slos: readonly Slo[], options: SloRuleOptions = {}): RuleGroup[] {
  const groups = slos.flatMap((slo) => sloRuleGroups(slo, options));
  const problems: string[] = [];
  const owner = new Map<string, string>();
  slos.forEach((slo) => {
    const name = sloGroupName('sli-recordings', slo);
    const other = owner.get(name);
    if (other !== undefined) problems.push(`SLOs "${other}" and "${slo.id}" would share the rule groups *-${name.slice('sloth-slo-sli-recordings-'.length)}; rename one (group names are lower-cased, '_' becomes '-')`);
    else owner.set(name, slo.id);
  });
  for (const [key, value] of Object.entries(options.extraLabels ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key) || key.startsWith('__') || key.startsWith('sloth_')) problems.push(`extraLabels.${key}: not a usable label name (letters, digits, '_'; not '__' or 'sloth_' prefixed)`);
    if (value === '') problems.push(`extraLabels.${key}: empty value`);
  }
  for (const g of groups) problems.push(...ruleGroupProblems(g));
  if (problems.length > 0) throw new SloValidationError(problems);
  return groups;
}

/** A Prometheus rule file of the SLOs' groups (`renderRuleFile` of the building block). */
export function sloRuleFile(slos: readonly Slo[], options: SloRuleOptions = {}): string {
  return renderRuleFile(generateSloRuleGroups(slos, options));
}
