import { bucketMatcher } from '../../lib/observability/slo/defaults';
import { APISERVER_SLI_BUCKETS, API_SERVER_SLO_ALERT } from '../../lib/observability/alerts';
import { RuleGroup, isAlertingRule } from '../../lib/observability/rule-group';
import { ExpAlert, ExprTest, GROUPS, INFRA, Series, T, apiserver, expectFail, expectPass, leText, pct, publicRunbook, ramp, s, unitTest } from './harness';

/**
 * The API server SLOs (`KubeAPIErrorBudgetBurn`) through the stack's SLO engine: the SLIs
 * (what counts as an error) on realistic API server series, and the burn-rate alerts' labels
 * and annotations. The engine's windows and factors are the SLO suite's (test/slo.test.ts).
 */

const slo = GROUPS.filter((g) => g.name.includes('kube-apiserver'));
const sliGroups = slo.filter((g) => !g.name.includes('-alerts-'));
const LEN = 20;
const S = T.apiServer;

/** An API server request label set (apiserver_request_total has dry_run and code too). */
function req(verb: string, resource: string, scope: string, extra: Record<string, string> = {}, target = apiserver()): Record<string, string> {
  return { ...target, verb, group: '', version: 'v1', resource, subresource: '', scope, component: 'apiserver', ...extra };
}
const counter = (labels: Record<string, string>, perMinute: number, len = LEN): Series => ({ series: s('apiserver_request_total', { ...labels, dry_run: '' }), values: ramp(0, perMinute, len) });

/** The 5m SLI of an SLO, rounded (a ratio of float rates). */
function sli(name: 'availability' | 'latency', value: number, at = '10m'): ExprTest {
  return {
    expr: `round(slo:sli_error:ratio_rate5m{sloth_slo="${name}"}, 0.000001)`,
    eval_time: at,
    exp_samples: [{ labels: s('', { sloth_id: `kube-apiserver-${name}`, sloth_service: 'kube-apiserver', sloth_slo: name, sloth_window: '5m' }), value }],
  };
}

/** `groups` with `from` replaced by `to` in every recording rule of the latency SLI. */
function mutateLatencySli(groups: RuleGroup[], from: string, to: string): RuleGroup[] {
  let hits = 0;
  const out = groups.map((g) =>
    g.name !== 'sloth-slo-sli-recordings-kube-apiserver-latency'
      ? g
      : {
          ...g,
          rules: g.rules.map((r) => {
            if (isAlertingRule(r) || !r.expr.includes(from)) return r;
            hits += 1;
            return { ...r, expr: r.expr.split(from).join(to) };
          }),
        },
  );
  if (hits === 0) throw new Error(`no latency SLI rule contains ${from}`);
  return out;
}

describe('API server SLOs', () => {
  it('availability SLI: 5xx over the short requests of resource APIs; not long-running verbs, non-resource paths or other servers', () => {
    const series = [
      counter(req('GET', 'pods', 'resource', { code: '200' }), 760),
      counter(req('GET', 'pods', 'resource', { code: '500' }), 190),
      counter(req('LIST', 'pods', 'cluster', { code: '200' }), 40),
      counter(req('POST', 'events', 'resource', { code: '201' }), 0),
      counter(req('PATCH', 'events', 'resource', { code: '503' }), 10),
      // Not counted: a failing WATCH, a health check, an aggregated API server's own errors.
      counter(req('WATCH', 'pods', 'namespace', { code: '500' }), 100),
      counter(req('GET', '', '', { code: '500' }), 100),
      counter(req('GET', 'nodes', 'resource', { code: '500' }, { job: 'metrics-server', instance: '10.2.0.5:10250' }), 100),
    ];
    expectPass(unitTest(sliGroups, series, [], [sli('availability', 0.2)]));
  });

  it('latency SLI: slower than the limit of its kind (one object and writes, LIST in a namespace, cluster-wide LIST); each limit pinned by observations either side', () => {
    const { resourceSeconds, namespaceSeconds, clusterSeconds } = S.latencySlo;
    const bounds = [...APISERVER_SLI_BUCKETS];
    const below = (b: number) => bounds[bounds.indexOf(b) - 1];
    const above = (b: number) => bounds[bounds.indexOf(b) + 1];
    /** 100 requests a minute: `slow` in the bucket just over `limit`, 10 in the bucket just under it, the rest in the one below. */
    const histogram = (labels: Record<string, string>, limit: number, slow: number): Series[] => {
      const cumulative = (le: number) => (le < below(limit) ? 0 : le < limit ? 90 - slow : le < above(limit) ? 100 - slow : 100);
      return [
        ...[...bounds, Infinity].map((le) => ({
          series: s('apiserver_request_sli_duration_seconds_bucket', { ...labels, le: le === Infinity ? '+Inf' : leText(le) }),
          values: ramp(0, cumulative(le), LEN),
        })),
        { series: s('apiserver_request_sli_duration_seconds_count', labels), values: ramp(0, 100, LEN) },
      ];
    };
    const series = [
      ...histogram(req('GET', 'pods', 'resource'), resourceSeconds, 2),
      ...histogram(req('POST', 'pods', 'resource'), resourceSeconds, 1),
      ...histogram(req('LIST', 'pods', 'namespace'), namespaceSeconds, 3),
      ...histogram(req('LIST', 'pods', 'cluster'), clusterSeconds, 4),
      // Not counted: WATCH (its duration is the watch's), another server.
      ...histogram(req('WATCH', 'pods', 'namespace'), resourceSeconds, 50),
      ...histogram(req('GET', 'nodes', 'resource', {}, { job: 'metrics-server', instance: '10.2.0.5:10250' }), resourceSeconds, 50),
    ];
    const run = (g: RuleGroup[]) => unitTest(g, series, [], [sli('latency', 10 / 400)]);
    expectPass(run(sliGroups));
    for (const limit of [resourceSeconds, namespaceSeconds, clusterSeconds]) {
      for (const moved of [below(limit), above(limit)]) expectFail(run(mutateLatencySli(sliGroups, bucketMatcher(limit), bucketMatcher(moved))));
    }
  });

  it(`${API_SERVER_SLO_ALERT}: fast and slow burns page (critical) and ticket (warning) with the public runbook; an error rate within the budget is quiet`, () => {
    const len = 20;
    const traffic = (errorsPerThousand: number): Series[] => [
      counter(req('GET', 'pods', 'resource', { code: '200' }), 1000 - errorsPerThousand, len),
      counter(req('GET', 'pods', 'resource', { code: '500' }), errorsPerThousand, len),
    ];
    const rules = slo.flatMap((g) => g.rules).filter(isAlertingRule);
    expect(rules.map((r) => [r.alert, r.labels?.sloth_slo, r.labels?.severity])).toEqual([
      [API_SERVER_SLO_ALERT, 'availability', 'critical'],
      [API_SERVER_SLO_ALERT, 'availability', 'warning'],
      [API_SERVER_SLO_ALERT, 'latency', 'critical'],
      [API_SERVER_SLO_ALERT, 'latency', 'warning'],
    ]);
    for (const r of rules) {
      expect(r.annotations?.runbook_url).toBe(publicRunbook(API_SERVER_SLO_ALERT));
      expect(r.labels?.category).toBe('infrastructure');
    }
    // 20% of requests fail: 20x the 1% budget, above every window pair's factor.
    const burning = 0.2;
    const availability = rules.filter((r) => r.labels?.sloth_slo === 'availability');
    const alert = (severity: string, pair: string): ExpAlert => {
      const r = availability.find((x) => x.labels?.severity === severity)!;
      // The description picks the text of the window pair that fired; $value is the short window's ratio.
      const template = r.annotations!.description;
      const branch = new RegExp(`\\{\\{ (?:else )?if eq \\$labels\\.sloth_alert_window "${pair}" \\}\\}(.*?)\\{\\{ (?:else|end)`).exec(template)?.[1] ?? new RegExp('\\{\\{ else \\}\\}(.*?)\\{\\{ end \\}\\}').exec(template)![1];
      const description = template.replace(/\{\{ if .*\{\{ end \}\}/, branch).replace('{{ $value | humanizePercentage }}', pct(burning));
      return {
        exp_labels: { sloth_id: 'kube-apiserver-availability', sloth_service: 'kube-apiserver', sloth_slo: 'availability', sloth_severity: severity === 'critical' ? 'page' : 'ticket', sloth_alert_window: pair, severity, ...INFRA },
        exp_annotations: {
          summary: r.annotations!.summary,
          title: r.annotations!.title.replace('{{$labels.sloth_service}}', 'kube-apiserver').replace('{{$labels.sloth_slo}}', 'availability'),
          description,
          runbook_url: publicRunbook(API_SERVER_SLO_ALERT),
        },
      };
    };
    expectPass(
      unitTest(slo, traffic(burning * 1000), [
        {
          eval_time: '10m',
          alertname: API_SERVER_SLO_ALERT,
          exp_alerts: [alert('critical', '1h/5m'), alert('critical', '6h/30m'), alert('warning', '1d/2h'), alert('warning', '3d/6h')],
        },
      ]),
    );
    // Half the budget: no window pair burns faster than 1x.
    const availabilityObjective = S.availabilitySlo.objective;
    expectPass(unitTest(slo, traffic((1 - availabilityObjective) * 500), [{ eval_time: '10m', alertname: API_SERVER_SLO_ALERT, exp_alerts: [] }]));
  });
});
