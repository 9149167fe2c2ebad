import { goFloat } from './format';
import { SloDeclaration } from './model';

/** Options of the stack's own SLOs for the app exporter's HTTP traffic. */
export interface ExporterSloOptions {
  /** The `service` (and `sloth_service`) of both SLOs. @default 'app-exporter' */
  readonly service?: string;
  /**
   * Label matchers that select the exporter's series, without braces, e.g.
   * `job="app-exporter", namespace="monitoring"`. @default none (every series of the metrics)
   */
  readonly selector?: string;
  /** Counter of HTTP requests. @default 'app_http_requests_total' */
  readonly requestsMetric?: string;
  /** Matcher that marks a failed request on `requestsMetric`. @default 'status_class="5xx"' */
  readonly errorMatcher?: string;
  /** Base name of the request-duration histogram (`_bucket`, `_count` are appended). @default 'app_http_request_duration_seconds' */
  readonly durationHistogram?: string;
  /**
   * A request slower than this is a latency error. Must be one of the histogram's bucket
   * bounds (`le`), or every request counts as slow. @default 0.5
   */
  readonly latencyThresholdSeconds?: number;
  /** @default 99.9 */
  readonly availabilityObjective?: number;
  /** @default 99 */
  readonly latencyObjective?: number;
  /** @default '30d' */
  readonly period?: string;
  /** Labels on every recording rule (e.g. `environment`). @default none */
  readonly labels?: Record<string, string>;
  /** Prometheus duration the burn-rate conditions must hold. @default none (Sloth's behaviour) */
  readonly for?: { readonly page?: string; readonly ticket?: string };
  /** `runbook_url` annotation of the alerts. @default none */
  readonly runbookUrl?: string;
  /** Generate the ticket (slow-burn) alerts. @default true */
  readonly ticketAlerts?: boolean;
}

/**
 * The `le` matcher for a bucket bound. prom-client writes `le="1"`, and Prometheus 3 rewrites
 * integral bounds of classic histograms to `le="1.0"` on ingestion while Prometheus 2 keeps
 * them: an integral bound matches both spellings.
 */
export function bucketMatcher(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`latencyThresholdSeconds: ${seconds} must be a positive number of seconds (a bucket bound of the histogram)`);
  const forms = [String(seconds), goFloat(seconds)];
  if (Number.isInteger(seconds)) forms.push(`${seconds}.0`);
  const unique = forms.filter((f, i) => forms.indexOf(f) === i);
  if (unique.length === 1) return `le="${unique[0]}"`;
  return `le=~"${unique.map((f) => f.replace(/[.+]/g, (c) => `\\\\${c}`)).join('|')}"`;
}

function selector(...matchers: Array<string | undefined>): string {
  const parts = matchers.map((m) => m?.trim()).filter((m): m is string => !!m);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '';
}

/**
 * The default SLOs of the stack's own exporter: HTTP availability (5xx over all requests)
 * and latency (requests slower than a bucket bound over all requests). Page alerts carry
 * `severity: critical`, ticket alerts `severity: warning`, both `category: application`.
 */
export function exporterSlos(options: ExporterSloOptions = {}): SloDeclaration[] {
  const service = options.service ?? 'app-exporter';
  const requests = options.requestsMetric ?? 'app_http_requests_total';
  const histogram = options.durationHistogram ?? 'app_http_request_duration_seconds';
  const threshold = options.latencyThresholdSeconds ?? 0.5;
  const sel = options.selector;
  const alerting = (name: string, summary: string) => ({
    name,
    labels: { category: 'application' },
    annotations: { summary, ...(options.runbookUrl ? { runbook_url: options.runbookUrl } : {}) },
    pageAlert: { labels: { severity: 'critical' }, ...(options.for?.page ? { for: options.for.page } : {}) },
    ticketAlert: {
      labels: { severity: 'warning' },
      ...(options.for?.ticket ? { for: options.for.ticket } : {}),
      ...(options.ticketAlerts === false ? { disable: true } : {}),
    },
  });
  const common = {
    service,
    ...(options.labels ? { labels: { ...options.labels } } : {}),
    ...(options.period ? { period: options.period } : {}),
  };
  return [
    {
      ...common,
      name: 'http-availability',
      objective: options.availabilityObjective ?? 99.9,
      description: `HTTP requests to ${service} that do not fail with a 5xx response.`,
      sli: {
        events: {
          errorQuery: `sum(rate(${requests}${selector(sel, options.errorMatcher ?? 'status_class="5xx"')}[{{.window}}]))`,
          totalQuery: `sum(rate(${requests}${selector(sel)}[{{.window}}]))`,
        },
      },
      alerting: alerting('AppHttpAvailabilityBudgetBurn', `${service} is failing too many HTTP requests (5xx) for its availability SLO`),
    },
    {
      ...common,
      name: 'http-latency',
      objective: options.latencyObjective ?? 99,
      description: `HTTP requests to ${service} answered within ${threshold}s.`,
      sli: {
        events: {
          errorQuery:
            `sum(rate(${histogram}_count${selector(sel)}[{{.window}}]))\n-\n` +
            `sum(rate(${histogram}_bucket${selector(sel, bucketMatcher(threshold))}[{{.window}}]))`,
          totalQuery: `sum(rate(${histogram}_count${selector(sel)}[{{.window}}]))`,
        },
      },
      alerting: alerting('AppHttpLatencyBudgetBurn', `${service} answers too many HTTP requests slower than ${threshold}s for its latency SLO`),
    },
  ];
}
