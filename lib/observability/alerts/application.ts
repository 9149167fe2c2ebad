import type { AlertingRule, RuleGroup } from '../rule-group';
import {
  AlertGroupCommonOptions,
  OptionProblems,
  braces,
  checkExtraLabels,
  checkKnownKeys,
  checkLabelList,
  checkMetricName,
  checkRunbookBaseUrl,
  checkSelector,
  makeAlert,
} from './common';
import { AlertThresholdOverrides, resolveAlertThresholds } from './thresholds';

/**
 * Application health alerts over the HTTP RED metrics of a service instrumented like our
 * exporter (prom-client): a request counter and a request-duration histogram.
 *
 * Every alert is computed per `aggregateBy` (default namespace and job) and carries
 * `category="application"`. Ratios are guarded against no traffic: 0/0 is NaN, which no
 * comparison matches, and a minimum request rate keeps a handful of requests from paging.
 */

export interface ApplicationMetricNames {
  /** Counter of requests, with the error label in `errorMatcher`. @default 'app_http_requests_total' */
  readonly requestsTotal?: string;
  /** Histogram of request durations in seconds (base name, without `_bucket`). @default 'app_http_request_duration_seconds' */
  readonly requestDurationSeconds?: string;
}

export const DEFAULT_APPLICATION_METRICS: Required<ApplicationMetricNames> = {
  requestsTotal: 'app_http_requests_total',
  requestDurationSeconds: 'app_http_request_duration_seconds',
};

export interface ApplicationAlertOptions extends AlertGroupCommonOptions {
  readonly thresholds?: AlertThresholdOverrides;
  readonly metrics?: ApplicationMetricNames;
  /** Label matchers selecting a failed request on the counter. @default 'status_class="5xx"' */
  readonly errorMatcher?: string;
  /** Label matchers restricting every series (no braces), e.g. `namespace="shop"`. @default none */
  readonly selector?: string;
  /** Labels each alert is computed per. @default ['namespace', 'job'] */
  readonly aggregateBy?: readonly string[];
  /**
   * Services that must always receive traffic, each as label matchers (no braces), e.g.
   * `job="app-exporter"`. Each gets `AppNoTraffic` when its request rate is exactly zero or
   * its counter is absent. Use equality matchers: absent() copies them into the alert labels.
   * @default none (no AppNoTraffic rule: zero traffic is normal for many services)
   */
  readonly expectedTraffic?: readonly string[];
  /** @default 'application-health' */
  readonly groupName?: string;
}

const OPTION_FIELDS = ['runbookBaseUrl', 'extraLabels', 'interval', 'thresholds', 'metrics', 'errorMatcher', 'selector', 'aggregateBy', 'expectedTraffic', 'groupName'];

/** The application-health rule group. */
export function applicationAlerts(options: ApplicationAlertOptions): RuleGroup {
  const p = new OptionProblems('application alert options');
  checkKnownKeys(p, 'applicationAlerts', options, OPTION_FIELDS);
  p.throwIfAny();
  const runbookBase = checkRunbookBaseUrl(p, 'applicationAlerts.runbookBaseUrl', options.runbookBaseUrl);
  const extraLabels = checkExtraLabels(p, 'applicationAlerts.extraLabels', options.extraLabels);
  if (options.metrics !== undefined) checkKnownKeys(p, 'applicationAlerts.metrics', options.metrics, Object.keys(DEFAULT_APPLICATION_METRICS));
  const total = checkMetricName(p, 'applicationAlerts.metrics.requestsTotal', options.metrics?.requestsTotal ?? DEFAULT_APPLICATION_METRICS.requestsTotal);
  const duration = checkMetricName(p, 'applicationAlerts.metrics.requestDurationSeconds', options.metrics?.requestDurationSeconds ?? DEFAULT_APPLICATION_METRICS.requestDurationSeconds);
  const errorMatcher = checkSelector(p, 'applicationAlerts.errorMatcher', options.errorMatcher ?? 'status_class="5xx"');
  if (errorMatcher === '' && options.errorMatcher !== undefined) p.add('applicationAlerts.errorMatcher', 'must not be empty; it selects the failed requests, e.g. \'status_class="5xx"\'');
  const sel = checkSelector(p, 'applicationAlerts.selector', options.selector);
  const by = checkLabelList(p, 'applicationAlerts.aggregateBy', options.aggregateBy ?? ['namespace', 'job']);
  if (by.includes('le')) p.add('applicationAlerts.aggregateBy', "must not include 'le' (the histogram bucket label)");
  const expected = (options.expectedTraffic ?? []).map((s, i) => {
    const v = checkSelector(p, `applicationAlerts.expectedTraffic[${i}]`, s);
    if (typeof s !== 'string' || s.trim() === '') p.add(`applicationAlerts.expectedTraffic[${i}]`, 'is empty; give label matchers of the service, e.g. \'job="app-exporter"\'');
    return v;
  });
  const groupName = options.groupName ?? 'application-health';
  let t;
  try {
    t = resolveAlertThresholds(options.thresholds).application;
  } catch (err) {
    p.add('applicationAlerts.thresholds', (err as Error).message);
  }
  p.throwIfAny();
  if (!t) throw new Error('unreachable');

  const byList = by.join(', ');
  // `shop/api`; a label the series lacks is skipped (absent() only carries the selector's labels).
  const where = by.map((l, i) => (i < by.length - 1 ? `{{ with $labels.${l} }}{{ . }}/{{ end }}` : `{{ $labels.${l} }}`)).join('');
  const w = t.rateWindow;
  const requests = (window: string, ...extra: string[]): string => `sum by (${byList}) (rate(${total}${braces(sel, ...extra)}[${window}]))`;
  const enoughTraffic = (window: string): string => `and on (${byList})\n  ${requests(window)} > ${t.minRequestRate}`;
  const errorRatio = (window: string): string => `(\n  ${requests(window, errorMatcher)}\n/\n  ${requests(window)}\n)`;
  const quantile = (q: number): string =>
    `histogram_quantile(${q}, sum by (${byList}, le) (rate(${duration}_bucket${braces(sel)}[${w}])))`;
  const enoughObservations = `and on (${byList})\n  sum by (${byList}) (rate(${duration}_count${braces(sel)}[${w}])) > ${t.minRequestRate}`;
  const mk = (spec: Parameters<typeof makeAlert>[0]): AlertingRule => makeAlert(spec, 'application', runbookBase, extraLabels);

  const rules: AlertingRule[] = [
    mk({
      alert: 'AppHighErrorRatio',
      expr: `${errorRatio(w)} > ${t.errorRatio.critical}\n${enoughTraffic(w)}`,
      for: t.errorRatio.criticalFor,
      severity: 'critical',
      summary: `More than ${pct(t.errorRatio.critical)} of requests to ${where} fail.`,
      description: `{{ $value | humanizePercentage }} of requests to ${where} failed over the last ${w} (critical above ${pct(t.errorRatio.critical)}).`,
    }),
    mk({
      alert: 'AppHighErrorRatio',
      expr: `${errorRatio(w)} > ${t.errorRatio.warning}\n${enoughTraffic(w)}`,
      for: t.errorRatio.warningFor,
      severity: 'warning',
      summary: `More than ${pct(t.errorRatio.warning)} of requests to ${where} fail.`,
      description: `{{ $value | humanizePercentage }} of requests to ${where} failed over the last ${w} (warning above ${pct(t.errorRatio.warning)}).`,
    }),
    mk({
      alert: 'AppLatencyP95High',
      expr: `${quantile(0.95)} > ${t.latencyP95.seconds}\n${enoughObservations}`,
      for: t.latencyP95.for,
      severity: t.latencyP95.severity,
      summary: `95th percentile latency of ${where} is above ${t.latencyP95.seconds}s.`,
      description: `95% of requests to ${where} complete within {{ $value | humanizeDuration }} over the last ${w}; the threshold is ${t.latencyP95.seconds}s.`,
    }),
    mk({
      alert: 'AppLatencyP99High',
      expr: `${quantile(0.99)} > ${t.latencyP99.seconds}\n${enoughObservations}`,
      for: t.latencyP99.for,
      severity: t.latencyP99.severity,
      summary: `99th percentile latency of ${where} is above ${t.latencyP99.seconds}s.`,
      description: `99% of requests to ${where} complete within {{ $value | humanizeDuration }} over the last ${w}; the threshold is ${t.latencyP99.seconds}s.`,
    }),
    mk({
      alert: 'AppAvailabilityBelowObjective',
      expr: `(1 - ${errorRatio(t.availability.window).replace(/\n/g, '\n  ')}) < ${t.availability.objective}\n${enoughTraffic(t.availability.window)}`,
      for: t.availability.for,
      severity: t.availability.severity,
      summary: `Availability of ${where} is below its ${pct(t.availability.objective)} objective.`,
      description: `${where} served {{ $value | humanizePercentage }} of requests successfully over the last ${t.availability.window}; the objective is ${pct(t.availability.objective)}.`,
    }),
  ];

  if (expected.length > 0) {
    const parts = expected.map((e) => {
      const s = braces(sel, e);
      return `(\n  sum by (${byList}) (rate(${total}${s}[${t.noTraffic.window}])) == 0\n)\nor\n  absent(${total}${s})`;
    });
    rules.push(
      mk({
        alert: 'AppNoTraffic',
        expr: parts.join('\nor\n'),
        for: t.noTraffic.for,
        severity: t.noTraffic.severity,
        summary: `A service that always has traffic received no requests.`,
        description: `No requests reached ${where} for ${t.noTraffic.window} (or its request counter ${total} is absent); traffic is expected there at all times.`,
      }),
    );
  }

  const group: RuleGroup = { name: groupName, rules };
  return options.interval ? { ...group, interval: options.interval } : group;
}

function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}
