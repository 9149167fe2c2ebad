import { production } from '../lib/config';
import { promDurationSeconds, resolveAlertThresholds } from '../lib/observability/alerts';
import { BoundaryCase, Series, Side, countNear, groupFile, groupsWithAlert, linear, near, runBoundaries, stackRuleFiles } from './support/boundaries';

/**
 * The application alerts' thresholds (lib/observability/alerts/application.ts) pinned by
 * behaviour: for each configurable threshold of `thresholds.application`, data just above and
 * just below the production config's value, through the `application-health` group the stack
 * renders; for each `for`, the alert checked one evaluation before and at the end of it.
 */

const t = resolveAlertThresholds(production.alerts.thresholds).application;
const files = stackRuleFiles(production);
const groupNames = Object.keys(groupsWithAlert(files, 'AppHighErrorRatio'));
if (groupNames.length !== 1) throw new Error(`AppHighErrorRatio is in ${groupNames.length} groups: ${groupNames.join(', ')}`);
const group = groupFile(files, groupNames[0].split('#')[1]);

const minutes = (d: string): number => {
  const s = promDurationSeconds(d);
  if (s === undefined || s % 60 !== 0) throw new Error(`${d} is not a whole number of minutes`);
  return s / 60;
};
const W = minutes(t.rateWindow);
/** Requests a minute of the busy cases (1000 req/s). */
const N = 60_000;
/** Relative distance from a ratio threshold. */
const REL = 1e-3;
const LABELS = 'namespace="shop", job="api"';

function requests(errorsPerMinute: number, totalPerMinute: number, steps: number): Series[] {
  return [
    { series: `app_http_requests_total{${LABELS}, route="/api", method="GET", status_class="5xx"}`, values: linear(errorsPerMinute, steps) },
    { series: `app_http_requests_total{${LABELS}, route="/api", method="GET", status_class="2xx"}`, values: linear(totalPerMinute - errorsPerMinute, steps) },
  ];
}

/** A duration histogram; `buckets` maps `le` to observations a minute at or below it (cumulative). */
function histogram(buckets: Record<string, number>, totalPerMinute: number, steps: number): Series[] {
  const base = 'app_http_request_duration_seconds';
  return [
    ...Object.entries(buckets).map(([le, n]) => ({ series: `${base}_bucket{${LABELS}, route="/api", method="GET", status_class="2xx", le="${le}"}`, values: linear(n, steps) })),
    { series: `${base}_bucket{${LABELS}, route="/api", method="GET", status_class="2xx", le="+Inf"}`, values: linear(totalPerMinute, steps) },
    { series: `${base}_count{${LABELS}, route="/api", method="GET", status_class="2xx"}`, values: linear(totalPerMinute, steps) },
  ];
}

/**
 * The q-quantile just above / below `seconds`: a bucket `le=seconds` holding q(1 -/+ rel) of
 * 10^6 observations and one `le=2*seconds` holding all. histogram_quantile interpolates
 * linearly: above, seconds x (1 + q rel / (1 - q + q rel)); below, seconds / (1 + rel).
 */
function quantileNear(q: number, seconds: number, side: Side, steps: number): Series[] {
  const total = 1_000_000;
  const atThreshold = Math.round(total * q * (side === 'above' ? 1 - 1e-4 : 1 + 1e-4));
  return histogram({ [String(seconds)]: atThreshold, [String(2 * seconds)]: total }, total, steps);
}

const evalAt = (m: number) => () => `${m}m`;
/** Condition from the first evaluation with two samples (1m); fires `for` later. */
const ONSET = 1;

const valueCases: BoundaryCase[] = [
  ...(['critical', 'warning'] as const).map((severity): BoundaryCase => {
    const ratio = t.errorRatio[severity];
    const forM = minutes(severity === 'critical' ? t.errorRatio.criticalFor : t.errorRatio.warningFor);
    const steps = W + forM + 2;
    return {
      name: `AppHighErrorRatio [${severity}] thresholds.application.errorRatio.${severity} = ${ratio}`,
      series: (side) => requests(countNear(ratio, N, side, REL), N, steps),
      alert: `alertname="AppHighErrorRatio", severity="${severity}", job="api"`,
      firesWhen: 'above',
      evalTime: evalAt(steps),
    };
  }),
  ...(['latencyP95', 'latencyP99'] as const).map((key): BoundaryCase => {
    const q = key === 'latencyP95' ? 0.95 : 0.99;
    const steps = W + minutes(t[key].for) + 2;
    return {
      name: `${key === 'latencyP95' ? 'AppLatencyP95High' : 'AppLatencyP99High'} thresholds.application.${key}.seconds = ${t[key].seconds}`,
      series: (side) => quantileNear(q, t[key].seconds, side, steps),
      alert: `alertname="${key === 'latencyP95' ? 'AppLatencyP95High' : 'AppLatencyP99High'}", job="api"`,
      firesWhen: 'above',
      evalTime: evalAt(steps),
    };
  }),
  (() => {
    const a = t.availability;
    const steps = minutes(a.window) + minutes(a.for) + 2;
    return {
      // "above": the error ratio above 1 - objective, i.e. availability just below the objective.
      name: `AppAvailabilityBelowObjective thresholds.application.availability.objective = ${a.objective} (above: errors just above 1 - objective)`,
      series: (side: Side) => requests(countNear(1 - a.objective, N, side, REL), N, steps),
      alert: 'alertname="AppAvailabilityBelowObjective", job="api"',
      firesWhen: 'above' as const,
      evalTime: evalAt(steps),
    };
  })(),
];

/** Request rate just above / below `minRequestRate`, everything else far beyond its threshold. */
const perMinute = (side: Side) => near(60 * t.minRequestRate, side, REL);
const slowBuckets = (total: number) => ({ [String(t.latencyP95.seconds)]: 0, [String(2 * Math.max(t.latencyP95.seconds, t.latencyP99.seconds))]: total });
const minRateCases: BoundaryCase[] = [
  ...(['critical', 'warning'] as const).map((severity): BoundaryCase => {
    const steps = W + minutes(severity === 'critical' ? t.errorRatio.criticalFor : t.errorRatio.warningFor) + 2;
    return {
      name: `AppHighErrorRatio [${severity}] thresholds.application.minRequestRate = ${t.minRequestRate} (req/s, 50% errors)`,
      series: (side) => requests(perMinute(side) / 2, perMinute(side), steps),
      alert: `alertname="AppHighErrorRatio", severity="${severity}", job="api"`,
      firesWhen: 'above',
      evalTime: evalAt(steps),
    };
  }),
  ...(['latencyP95', 'latencyP99'] as const).map((key): BoundaryCase => {
    const alertname = key === 'latencyP95' ? 'AppLatencyP95High' : 'AppLatencyP99High';
    const steps = W + minutes(t[key].for) + 2;
    return {
      name: `${alertname} thresholds.application.minRequestRate = ${t.minRequestRate} (req/s, all slow)`,
      series: (side) => histogram(slowBuckets(perMinute(side)), perMinute(side), steps),
      alert: `alertname="${alertname}", job="api"`,
      firesWhen: 'above',
      evalTime: evalAt(steps),
    };
  }),
  {
    name: `AppAvailabilityBelowObjective thresholds.application.minRequestRate = ${t.minRequestRate} (req/s over ${t.availability.window}, 50% errors)`,
    series: (side) => requests(perMinute(side) / 2, perMinute(side), minutes(t.availability.window) + minutes(t.availability.for) + 2),
    alert: 'alertname="AppAvailabilityBelowObjective", job="api"',
    firesWhen: 'above',
    evalTime: evalAt(minutes(t.availability.window) + minutes(t.availability.for) + 2),
  },
];

/** `for`: the condition holds from ONSET; "above" checks at ONSET + for (fires), "below" one minute earlier (pending). */
function forCase(alertPath: string, alert: string, forText: string, series: (steps: number) => Series[]): BoundaryCase {
  const f = minutes(forText);
  const steps = ONSET + f + 2;
  return {
    name: `${alertPath} = ${forText} (above: at onset + ${forText}; below: one evaluation earlier)`,
    series: () => series(steps),
    alert,
    firesWhen: 'above',
    evalTime: (side) => `${ONSET + f - (side === 'above' ? 0 : 1)}m`,
  };
}
const failing = (steps: number) => requests(N / 2, N, steps);
const slow = (steps: number) => histogram(slowBuckets(N), N, steps);
const expected = production.alerts.expectedTraffic ?? [];
const forCases: BoundaryCase[] = [
  forCase('AppHighErrorRatio [critical] thresholds.application.errorRatio.criticalFor', 'alertname="AppHighErrorRatio", severity="critical", job="api"', t.errorRatio.criticalFor, failing),
  forCase('AppHighErrorRatio [warning] thresholds.application.errorRatio.warningFor', 'alertname="AppHighErrorRatio", severity="warning", job="api"', t.errorRatio.warningFor, failing),
  forCase('AppLatencyP95High thresholds.application.latencyP95.for', 'alertname="AppLatencyP95High", job="api"', t.latencyP95.for, slow),
  forCase('AppLatencyP99High thresholds.application.latencyP99.for', 'alertname="AppLatencyP99High", job="api"', t.latencyP99.for, slow),
  forCase('AppAvailabilityBelowObjective thresholds.application.availability.for', 'alertname="AppAvailabilityBelowObjective", job="api"', t.availability.for, failing),
  ...expected.slice(0, 1).map((matchers) =>
    forCase(`AppNoTraffic (${matchers}) thresholds.application.noTraffic.for`, `alertname="AppNoTraffic", ${matchers}`, t.noTraffic.for, (steps) => [
      { series: `app_http_requests_total{namespace="monitoring", ${matchers}, route="/api", method="GET", status_class="2xx"}`, values: `100x${steps}` },
    ]),
  ),
];

describe('application alert thresholds: just above fires, just below does not (production config values, rendered application-health group)', () => {
  test.each([
    ['ratio, latency and availability thresholds', valueCases],
    ['minRequestRate, in each alert that uses it', minRateCases],
    ['for: each alert fires at the end of its for, not one evaluation earlier', forCases],
  ] as const)('%s', (_what, cases) => {
    const res = runBoundaries({ [groupNames[0]]: group }, cases);
    expect({ failed: res.failed, status: res.status, tail: res.output.slice(-3000) }).toEqual({ failed: [], status: 0, tail: expect.stringContaining('SUCCESS') });
  });

  test('the cases cover every configurable value of thresholds.application', () => {
    const named = [...valueCases, ...minRateCases, ...forCases].map((c) => /thresholds\.application\.([\w.]+)/.exec(c.name)?.[1]);
    const leaves = (o: object, at: string): string[] => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? leaves(v, `${at}${k}.`) : [`${at}${k}`]));
    // Not thresholds: severities (labels), and the windows of rate() (their lengths are checked by the scenario tests).
    const notThresholds = (p: string) => p.endsWith('severity') || p === 'rateWindow' || p === 'availability.window' || p === 'noTraffic.window';
    expect(leaves(t, '').filter((p) => !notThresholds(p)).sort()).toEqual([...new Set(named)].sort());
  });
});
