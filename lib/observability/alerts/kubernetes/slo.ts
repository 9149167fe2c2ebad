import type { RuleGroup } from '../../rule-group';
import { generateSloRuleGroups, validateSlos } from '../../slo';
import { bucketMatcher } from '../../slo/defaults';
import type { SloDeclaration } from '../../slo/model';
import { KubernetesRuleContext, kubernetesRunbookUrl } from './common';

/** The alert of both API server SLOs: kube-prometheus's name, so its runbook applies. */
export const API_SERVER_SLO_ALERT = 'KubeAPIErrorBudgetBurn';
/** `service` (and `sloth_service`) of the API server SLOs. */
export const API_SERVER_SLO_SERVICE = 'kube-apiserver';

/** Verbs of the API server's short requests (WATCH, CONNECT and PROXY are long-running). */
const READ_VERBS = 'GET|LIST';
const WRITE_VERBS = 'POST|PUT|PATCH|DELETE|APPLY';

/**
 * The API server's availability and latency as two SLOs of the stack's SLO engine (30 days,
 * multi-window multi-burn-rate alerts named `KubeAPIErrorBudgetBurn`, page = critical,
 * ticket = warning), over the requests of resource APIs that are not long-running:
 *
 * - availability: requests that do not fail with a 5xx response (`apiserver_request_total`);
 * - latency: requests answered within the limits of the Kubernetes API call latency SLO
 *   (`apiserver_request_sli_duration_seconds`, which leaves out admission webhooks and
 *   priority-and-fairness queueing): a GET of one object and every write within
 *   `resourceSeconds`, a LIST in one namespace within `namespaceSeconds`, a cluster-wide
 *   LIST within `clusterSeconds`. Each limit is a bucket bound of the histogram (checked
 *   with the thresholds), so the count of fast requests is exact.
 */
export function kubeApiServerSlos(c: KubernetesRuleContext): SloDeclaration[] {
  const a = c.t.apiServer;
  const job = `job="${c.jobs.apiServer}"`;
  const scopes = 'scope=~"resource|namespace|cluster"';
  const requests = (extra = '') => `sum(rate(apiserver_request_total{${job}, verb=~"${READ_VERBS}|${WRITE_VERBS}", ${scopes}${extra}}[{{.window}}]))`;
  const sli = 'apiserver_request_sli_duration_seconds';
  const fast = (verbs: string, scope: string, limit: number) => `rate(${sli}_bucket{${job}, verb=~"${verbs}", ${scope}, ${bucketMatcher(limit)}}[{{.window}}])`;
  const total = `sum(rate(${sli}_count{${job}, verb=~"${READ_VERBS}|${WRITE_VERBS}", ${scopes}}[{{.window}}]))`;
  const s = a.latencySlo;
  // Disjoint selections (verb, scope, le differ): `or` is their union.
  const good = [
    fast(WRITE_VERBS, scopes, s.resourceSeconds),
    fast(READ_VERBS, 'scope="resource"', s.resourceSeconds),
    fast(READ_VERBS, 'scope="namespace"', s.namespaceSeconds),
    fast(READ_VERBS, 'scope="cluster"', s.clusterSeconds),
  ].join('\n  or\n  ');
  const alerting = (summary: string) => ({
    name: API_SERVER_SLO_ALERT,
    labels: { category: 'infrastructure', ...c.extraLabels },
    annotations: { summary, runbook_url: kubernetesRunbookUrl(c.runbookBaseUrl, c.upstreamRunbooks, 'kubernetes', API_SERVER_SLO_ALERT) },
    pageAlert: { labels: { severity: 'critical' } },
    ticketAlert: { labels: { severity: 'warning' } },
  });
  const objective = (fraction: number) => Number((fraction * 100).toPrecision(12));
  return [
    {
      service: API_SERVER_SLO_SERVICE,
      name: 'availability',
      objective: objective(a.availabilitySlo.objective),
      description: 'Requests to the Kubernetes API (resource requests, not long-running) that do not fail with a 5xx response.',
      sli: { events: { errorQuery: requests(', code=~"5.."'), totalQuery: requests() } },
      alerting: alerting('The Kubernetes API server fails too many requests for its availability SLO.'),
    },
    {
      service: API_SERVER_SLO_SERVICE,
      name: 'latency',
      objective: objective(s.objective),
      description:
        `Requests to the Kubernetes API answered within ${s.resourceSeconds}s (one object, and writes), ${s.namespaceSeconds}s (LIST in a namespace) ` +
        `or ${s.clusterSeconds}s (LIST across the cluster), without webhooks and queueing.`,
      sli: { events: { errorQuery: `${total}\n-\nsum(\n  ${good}\n)`, totalQuery: total } },
      alerting: alerting('The Kubernetes API server answers too many requests too slowly for its latency SLO.'),
    },
  ];
}

/** The SLO engine's recording and alert groups of the API server SLOs. */
export function kubeApiServerSloGroups(c: KubernetesRuleContext): RuleGroup[] {
  return generateSloRuleGroups(validateSlos(kubeApiServerSlos(c), { path: 'kubernetes.apiServerSlos' }));
}
