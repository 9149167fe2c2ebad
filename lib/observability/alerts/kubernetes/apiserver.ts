import type { AlertingRule, RuleGroup } from '../../rule-group';
import { bucketMatcher } from '../../slo/defaults';
import { KubernetesRuleContext, percent, seconds } from './common';

/**
 * `kubernetes-system-apiserver`: reachability of the API servers, client certificates about
 * to expire, aggregated APIs, and requests the API server terminates to protect itself. The
 * API server's availability and latency are SLOs (slo.ts, `KubeAPIErrorBudgetBurn`).
 * `apiserver_*` and `aggregator_*` families are exposed by every server built on
 * k8s.io/apiserver (metrics-server, other aggregated APIs): they are read from the API
 * server's job only.
 */
export function apiServerAlerts(c: KubernetesRuleContext): RuleGroup {
  const a = c.t.apiServer;
  const job = `job="${c.jobs.apiServer}"`;
  const cert = a.clientCertificateExpiration;
  const expiring = (severity: 'warning' | 'critical', horizon: string): AlertingRule =>
    c.alert({
      alert: 'KubeClientCertificateExpiration',
      // The histogram observes the remaining lifetime of the certificate of each request
      // authenticated by one; its bucket at the horizon counts those expiring within it.
      expr: `sum by (instance) (increase(apiserver_client_certificate_expiration_seconds_bucket{${job}, ${bucketMatcher(seconds(horizon))}}[5m])) > 0`,
      for: cert.for,
      severity,
      summary: `A client authenticates with a certificate that expires within ${horizon}.`,
      description:
        `API server {{ $labels.instance }} received about {{ $value | humanize }} request(s) in 5m authenticated with a client certificate that expires within ${horizon}; ` +
        'renew it before the client is locked out (the audit log names the user).',
    });
  return c.group('kubernetes-system-apiserver', [
    expiring('warning', cert.warningHorizon),
    expiring('critical', cert.criticalHorizon),
    c.alert({
      alert: 'KubeAggregatedAPIErrors',
      expr: `sum by (name, reason) (increase(aggregator_unavailable_apiservice_total{${job}}[5m])) > 0`,
      for: a.aggregatedApiErrors.for,
      severity: a.aggregatedApiErrors.severity,
      summary: 'An aggregated API keeps being reported unavailable.',
      description:
        `The API server has reported APIService {{ $labels.name }} unavailable ({{ $labels.reason }}) in every 5 minutes for ${a.aggregatedApiErrors.for}: ` +
        'requests to its API group fail intermittently.',
    }),
    c.alert({
      alert: 'KubeAggregatedAPIDown',
      expr: `max by (name) (avg_over_time(aggregator_unavailable_apiservice{${job}}[${a.aggregatedApiDown.window}])) > ${a.aggregatedApiDown.unavailableRatio}`,
      for: a.aggregatedApiDown.for,
      severity: a.aggregatedApiDown.severity,
      summary: 'An aggregated API is down.',
      description:
        `APIService {{ $labels.name }} was unavailable {{ $value | humanizePercentage }} of the last ${a.aggregatedApiDown.window} ` +
        `(threshold ${percent(a.aggregatedApiDown.unavailableRatio)}%): requests to its API group fail (kubectl get apiservice shows why).`,
    }),
    // Only when the API servers are scraped (otherwise the absence would be permanent).
    ...(c.scraped.apiServer
      ? [
          c.alert({
            alert: 'KubeAPIDown',
            expr: `absent(up{${job}} == 1)`,
            for: a.down.for,
            severity: a.down.severity,
            summary: 'No Kubernetes API server can be scraped.',
            description: `No target of job ${c.jobs.apiServer} has been up for ${a.down.for}: the API servers are down or unreachable from Prometheus.`,
          }),
          c.alert({
            alert: 'KubeAPIInstanceUnreachable',
            expr: `up{${job}} == 0`,
            for: a.instanceUnreachable.for,
            severity: a.instanceUnreachable.severity,
            summary: 'A Kubernetes API server cannot be scraped.',
            description: `API server {{ $labels.instance }} has been unreachable from Prometheus for ${a.instanceUnreachable.for}.`,
          }),
        ]
      : []),
    c.alert({
      alert: 'KubeAPITerminatedRequests',
      // Requests the API server ended in self-defense (timeouts, the in-flight limit); those it
      // rejected are counted in apiserver_request_total too (code 429), so the ratio is of all
      // requests it received.
      expr:
        `sum by (instance) (rate(apiserver_request_terminations_total{${job}}[${a.terminatedRequests.window}]))\n/\n` +
        `sum by (instance) (rate(apiserver_request_total{${job}}[${a.terminatedRequests.window}]))\n> ${a.terminatedRequests.ratio}`,
      for: a.terminatedRequests.for,
      severity: a.terminatedRequests.severity,
      summary: 'A Kubernetes API server terminates many requests.',
      description:
        `API server {{ $labels.instance }} terminated {{ $value | humanizePercentage }} of its requests over ${a.terminatedRequests.window} to protect itself ` +
        `(threshold ${percent(a.terminatedRequests.ratio)}%): it is overloaded.`,
    }),
  ]);
}
