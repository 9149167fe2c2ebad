import { production } from '../lib/config';
import type { StackConfig } from '../lib/config/types';
import { AlertWindow, AlertWindows, DEFAULT_ALERT_WINDOWS, SloDeclaration, burnRateWindows, parseDuration } from '../lib/observability/slo';
import { BoundaryCase, Side, countNear, filesWithAlert, groupName, linear, mutate, runBoundaries, stackRuleFiles } from './support/boundaries';

/**
 * The SLO burn-rate thresholds pinned by behaviour: for every period with default windows
 * (30d, 28d, 7d), every window pair (page quick and slow, ticket quick and slow) of each of
 * the stack's SLOs (the production config's declarations, with that period), an error ratio
 * just above (fires) and just below (stays quiet) the pair's threshold
 * `factor x (1 - objective)`, held over the pair's long window, in the rules the stack renders.
 *
 * The expected factor is computed here from the windows' config (Sloth's definition: the
 * budget percent spent within the long window, over the period), not read from the rules or
 * the engine: `factor = errorBudgetPercent x periodHours / 100 / longWindowHours`.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Requests a minute; errors are whole numbers of them. */
const TOTAL = 1_000_000;
/** Relative distance from the threshold: 0.01 %. A factor rendered 14 instead of 14.4 is 2.8 % off. */
const REL = 1e-4;

type Pair = { readonly severity: 'page' | 'ticket'; readonly speed: 'quick' | 'slow'; readonly window: AlertWindow };

function pairs(w: AlertWindows): Pair[] {
  return (['page', 'ticket'] as const).flatMap((severity) => (['quick', 'slow'] as const).map((speed) => ({ severity, speed, window: w[severity][speed] })));
}

function ms(text: string): number {
  const v = parseDuration(text);
  if (v === undefined) throw new Error(`not a duration: ${text}`);
  return v;
}

/** Sloth's burn-rate factor from the windows' config. */
function expectedFactor(period: string, w: AlertWindow): number {
  return (w.errorBudgetPercent * (ms(period) / HOUR)) / 100 / (ms(w.longWindow) / HOUR);
}

function withPeriod(config: StackConfig, period: string): StackConfig {
  return { ...config, slos: { ...config.slos, declarations: config.slos.declarations.map((d) => ({ ...d, period })) } };
}

const SLOS = production.slos.declarations;
if (SLOS.length === 0) throw new Error('the production config declares no SLOs');

/** The series of one SLO at an error ratio of errors/TOTAL, from its SLI queries (the exporter's: request counter or duration histogram). */
function sloSeries(d: SloDeclaration, errorsPerMinute: number, steps: number) {
  const q = d.sli.events?.errorQuery ?? '';
  const selector = /\{([^}]*job="[^"]+")/.exec(q)?.[1].split(',').find((m) => m.trim().startsWith('job='))?.trim();
  if (!selector) throw new Error(`SLO ${d.name}: no job matcher in its error query ${q}`);
  const histogram = /([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\{[^}]*le="([^"]+)"/.exec(q);
  if (histogram) {
    const [, base, le] = histogram;
    return [
      { series: `${base}_count{${selector}}`, values: linear(TOTAL, steps) },
      { series: `${base}_bucket{${selector}, le="${le}"}`, values: linear(TOTAL - errorsPerMinute, steps) },
    ];
  }
  const counter = /^sum\(rate\(([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/.exec(q.trim());
  const errorMatcher = counter?.[2].split(',').map((m) => m.trim()).find((m) => !m.startsWith('job='));
  const m = errorMatcher && /^([a-zA-Z_]+)="([^"]+)"$/.exec(errorMatcher);
  if (!counter || !m) throw new Error(`SLO ${d.name}: error query ${q} is neither a histogram nor a counter with one equality matcher besides job`);
  const ok = m[1] === 'status_class' ? '2xx' : 'ok';
  return [
    { series: `${counter[1]}{${selector}, ${m[1]}="${m[2]}"}`, values: linear(errorsPerMinute, steps) },
    { series: `${counter[1]}{${selector}, ${m[1]}="${ok}"}`, values: linear(TOTAL - errorsPerMinute, steps) },
  ];
}

interface PeriodCases {
  readonly period: string;
  readonly cases: BoundaryCase[];
  /** The threshold of each case, for the report. */
  readonly thresholds: Array<{ name: string; factor: number; threshold: number }>;
}

/** Every SLO x window pair of a period; data held from 0 to the pair's long window + 1h (rules evaluated hourly). */
function periodCases(windows: AlertWindows): PeriodCases {
  const period = windows.sloPeriod;
  const cases: BoundaryCase[] = [];
  const thresholds: PeriodCases['thresholds'] = [];
  for (const d of SLOS) {
    const objective = d.objective;
    const budget = (100 - objective) / 100;
    const alertname = d.alerting?.name;
    if (!alertname) throw new Error(`SLO ${d.name} has no alert name`);
    for (const p of pairs(windows)) {
      if ((p.severity === 'page' ? d.alerting?.pageAlert : d.alerting?.ticketAlert)?.disable) continue;
      const factor = expectedFactor(period, p.window);
      const threshold = factor * budget;
      const steps = (Math.ceil((ms(p.window.longWindow) + HOUR) / HOUR) * HOUR) / MINUTE;
      const name = `${alertname} ${d.service}-${d.name} ${period} ${p.severity} ${p.speed} ${p.window.longWindow}/${p.window.shortWindow}: ${+factor.toPrecision(6)}x (${p.window.errorBudgetPercent}% of the budget) x ${+budget.toPrecision(6)} = ${+threshold.toPrecision(6)}`;
      thresholds.push({ name, factor, threshold });
      cases.push({
        name,
        series: (side: Side) => sloSeries(d, countNear(threshold, TOTAL, side, REL), steps),
        alert: `alertname="${alertname}", sloth_id="${d.service}-${d.name}", sloth_severity="${p.severity}", sloth_alert_window="${p.window.longWindow}/${p.window.shortWindow}"`,
        firesWhen: 'above',
        evalTime: () => `${steps}m`,
      });
    }
  }
  return { period, cases, thresholds };
}

describe('SLO burn-rate thresholds: just above fires, just below does not (every period, window pair and SLO of the stack)', () => {
  test('the expected factors (Sloth\'s definition over the windows\' config) are the engine\'s, 30d is 14.4 / 6 / 3 / 1', () => {
    for (const w of DEFAULT_ALERT_WINDOWS) {
      expect(burnRateWindows(w).map((x) => x.burnRateFactor)).toEqual(pairs(w).map((p) => expect.closeTo(expectedFactor(w.sloPeriod, p.window), 12)));
    }
    expect(pairs(DEFAULT_ALERT_WINDOWS[0]).map((p) => expectedFactor('30d', p.window))).toEqual([14.4, 6, 3, 1].map((f) => expect.closeTo(f, 12)));
    expect(DEFAULT_ALERT_WINDOWS.map((w) => w.sloPeriod)).toEqual(['30d', '28d', '7d']);
  });

  test.each(DEFAULT_ALERT_WINDOWS.map((w) => [w.sloPeriod, w] as const))('%s: each pair of each SLO fires just above its threshold and not just below', (period, windows) => {
    const config = period === '30d' && SLOS.every((d) => (d.period ?? '30d') === '30d') ? production : withPeriod(production, period);
    const { cases } = periodCases(windows);
    expect(cases).toHaveLength(SLOS.length * 4);
    const files = filesWithAlert(stackRuleFiles(config), SLOS[0].alerting!.name!);
    const res = runBoundaries(files, cases, '1h');
    expect({ failed: res.failed, status: res.status, tail: res.output.slice(-3000) }).toEqual({ failed: [], status: 0, tail: expect.stringContaining('SUCCESS') });
  });

  test('mutation: the 30d page factor rendered 14 instead of 14.4 fails exactly the "just below" cases of that pair', () => {
    const files = filesWithAlert(stackRuleFiles(production), SLOS[0].alerting!.name!);
    const mutated = Object.fromEntries(Object.entries(files).map(([f, text]) => [f, mutate(text, '(14.4 * ', '(14 * ')]));
    const cases = periodCases(DEFAULT_ALERT_WINDOWS[0]).cases.filter((c) => c.name.includes(' page quick '));
    expect(cases).toHaveLength(SLOS.length);
    const res = runBoundaries(mutated, cases, '1h');
    expect(res.status).not.toBe(0);
    expect(res.failed.sort()).toEqual(cases.map((c) => groupName(c, 'below')).sort());
  });
});
