import { CLIENT_CERT_EXPIRATION_BUCKETS } from '../../lib/observability/alerts';
import { bucketMatcher } from '../../lib/observability/slo/defaults';
import {
  GROUPS,
  LEFT_OPEN_RANGES,
  Mutation,
  Series,
  T,
  all,
  apiserver,
  expectPinned,
  fired,
  group,
  leText,
  minutes,
  only,
  pct,
  ramp,
  s,
  shift,
  unitTest,
} from './harness';

/** kubernetes-system-apiserver (the SLOs are in slo.test.ts). */

const apiGroup = [group('kubernetes-system-apiserver', GROUPS)];
const P = T.apiServer;
const forMoved = (d: string, severity?: string): Mutation[] => [
  { for: shift(d, 2), severity },
  { for: shift(d, -2), severity },
];
const DAY = 86400;

describe('kubernetes-system-apiserver', () => {
  it('KubeClientCertificateExpiration: requests authenticated by certificates expiring within each horizon, per API server; the horizon is a bucket bound', () => {
    const { warningHorizon, criticalHorizon } = P.clientCertificateExpiration;
    const f = minutes(P.clientCertificateExpiration.for);
    const len = f + 5;
    const warnS = minutes(warningHorizon) * 60;
    const critS = minutes(criticalHorizon) * 60;
    /** The histogram of an API server whose clients present certificates with `remaining` seconds left, `perMinute` requests a minute. */
    const histogram = (ip: string, remaining: number[], perMinute: number): Series[] => {
      const target = apiserver(ip);
      const buckets = [...CLIENT_CERT_EXPIRATION_BUCKETS, Infinity].map((le) => ({
        series: s('apiserver_client_certificate_expiration_seconds_bucket', { ...target, le: le === Infinity ? '+Inf' : leText(le) }),
        values: ramp(0, perMinute * remaining.filter((r) => r <= le).length, len),
      }));
      return [...buckets, { series: s('apiserver_client_certificate_expiration_seconds_count', target), values: ramp(0, perMinute * remaining.length, len) }];
    };
    // 10.0.0.10: one client just inside the warning horizon; 10.0.0.11: one just inside the
    // critical one; 10.0.0.12: clients just outside the warning horizon (and far beyond);
    // 10.0.0.13: one just outside the critical horizon.
    const series = [
      ...histogram('10.0.0.10', [warnS - 3600], 2),
      ...histogram('10.0.0.11', [critS - 3600], 2),
      ...histogram('10.0.0.12', [warnS + 3600, 365 * DAY], 2),
      ...histogram('10.0.0.13', [critS + 3600], 2),
    ];
    const alert = (ip: string, horizon: string, severity: string) =>
      fired(
        'KubeClientCertificateExpiration',
        { instance: `${ip}:6443` },
        `API server ${ip}:6443 received about 10 request(s) in 5m authenticated with a client certificate that expires within ${horizon}; renew it before the client is locked out (the audit log names the user).`,
        { severity },
      );
    const run = (g: typeof apiGroup) =>
      unitTest(only(g, 'KubeClientCertificateExpiration'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeClientCertificateExpiration', exp_alerts: [] },
        {
          eval_time: `${f + 2}m`,
          alertname: 'KubeClientCertificateExpiration',
          exp_alerts: [
            alert('10.0.0.10', warningHorizon, 'warning'),
            alert('10.0.0.11', warningHorizon, 'warning'),
            alert('10.0.0.11', criticalHorizon, 'critical'),
            alert('10.0.0.13', warningHorizon, 'warning'),
          ],
        },
      ]);
    // The neighbouring bucket bounds of each horizon.
    const next = (b: number, by: number) => CLIENT_CERT_EXPIRATION_BUCKETS[CLIENT_CERT_EXPIRATION_BUCKETS.indexOf(b) + by];
    expectPinned(run, apiGroup, 'KubeClientCertificateExpiration', [
      ...forMoved(P.clientCertificateExpiration.for, 'warning'),
      { expr: [bucketMatcher(warnS), bucketMatcher(next(warnS, -1))], severity: 'warning' },
      { expr: [bucketMatcher(warnS), bucketMatcher(next(warnS, 1))], severity: 'warning' },
      { expr: [bucketMatcher(critS), bucketMatcher(next(critS, -1))], severity: 'critical' },
      { expr: [bucketMatcher(critS), bucketMatcher(next(critS, 1))], severity: 'critical' },
      { expr: ['job="apiserver"', 'job="metrics-server"'], severity: 'critical' },
    ]);
  });

  it('KubeAggregatedAPIErrors: an APIService reported unavailable in every 5 minutes, by name and reason; not a one-off, not from another server', () => {
    const f = minutes(P.aggregatedApiErrors.for);
    const len = f + 10;
    const counter = (target: Record<string, string>, name: string, reason: string, values: string): Series => ({
      series: s('aggregator_unavailable_apiservice_total', { ...target, name, reason }),
      values,
    });
    const series = [
      counter(apiserver(), 'v1beta1.metrics.k8s.io', 'MissingEndpoints', Array.from({ length: len + 1 }, (_, i) => Math.floor(i / 2)).join(' ')),
      counter(apiserver(), 'v1.example.com', 'FailedDiscoveryCheck', `0x3 1x${len - 3}`),
      counter({ job: 'metrics-server', instance: '10.2.0.5:10250' }, 'v1.other.example.com', 'MissingEndpoints', ramp(0, 1, len)),
    ];
    const alert = fired(
      'KubeAggregatedAPIErrors',
      { name: 'v1beta1.metrics.k8s.io', reason: 'MissingEndpoints' },
      `The API server has reported APIService v1beta1.metrics.k8s.io unavailable (MissingEndpoints) in every 5 minutes for ${P.aggregatedApiErrors.for}: requests to its API group fail intermittently.`,
    );
    const run = (g: typeof apiGroup) =>
      unitTest(only(g, 'KubeAggregatedAPIErrors'), series, [
        { eval_time: `${f}m`, alertname: 'KubeAggregatedAPIErrors', exp_alerts: [] },
        { eval_time: `${f + 3}m`, alertname: 'KubeAggregatedAPIErrors', exp_alerts: [alert] },
      ]);
    expectPinned(run, apiGroup, 'KubeAggregatedAPIErrors', [{ for: shift(P.aggregatedApiErrors.for, 3) }, { for: shift(P.aggregatedApiErrors.for, -3) }]);
  });

  it('KubeAggregatedAPIDown: unavailable more than the configured share of the window; a rarer outage is quiet', () => {
    const { unavailableRatio, window } = P.aggregatedApiDown;
    const w = minutes(window);
    const f = minutes(P.aggregatedApiDown.for);
    const len = w + f + 10;
    // Unavailable in a fixed share of each `window`-long period: ratio + 5% and ratio - 5%.
    const share = (frac: number) => Array.from({ length: len + 1 }, (_, i) => (i % w < Math.round(frac * w) ? 1 : 0));
    const down = share(unavailableRatio + 0.05);
    const series: Series[] = [
      { series: s('aggregator_unavailable_apiservice', { ...apiserver(), name: 'v1beta1.metrics.k8s.io' }), values: down.join(' ') },
      { series: s('aggregator_unavailable_apiservice', { ...apiserver(), name: 'v1.example.com' }), values: share(unavailableRatio - 0.05).join(' ') },
      { series: s('aggregator_unavailable_apiservice', { ...apiserver(), name: 'v1.healthy.example.com' }), values: `0x${len}` },
    ];
    const t = w + f + 3;
    const inWindow = down.slice(LEFT_OPEN_RANGES ? t - w + 1 : t - w, t + 1);
    const avg = inWindow.reduce((a: number, b) => a + b, 0) / inWindow.length;
    const alert = fired(
      'KubeAggregatedAPIDown',
      { name: 'v1beta1.metrics.k8s.io' },
      `APIService v1beta1.metrics.k8s.io was unavailable ${pct(avg)} of the last ${window} (threshold ${unavailableRatio * 100}%): requests to its API group fail (kubectl get apiservice shows why).`,
    );
    const run = (g: typeof apiGroup) => unitTest(only(g, 'KubeAggregatedAPIDown'), series, [{ eval_time: `${t}m`, alertname: 'KubeAggregatedAPIDown', exp_alerts: [alert] }]);
    expectPinned(run, apiGroup, 'KubeAggregatedAPIDown', [
      { expr: [`> ${unavailableRatio}`, `> ${unavailableRatio + 0.1}`] },
      { expr: [`> ${unavailableRatio}`, `> ${unavailableRatio - 0.1}`] },
    ]);
  });

  it('KubeAPIDown and KubeAPIInstanceUnreachable: every API server down (or none discovered) vs one of them', () => {
    const f1 = minutes(P.down.for);
    const f2 = minutes(P.instanceUnreachable.for);
    const len = Math.max(f1, f2) + 5;
    const up = (ip: string, v: number): Series => ({ series: s('up', apiserver(ip)), values: `${v}x${len}` });
    const other = { series: s('up', { job: 'kubelet', instance: '10.0.0.1:10250', node: 'n1' }), values: `1x${len}` };
    const down = fired('KubeAPIDown', {}, `No target of job apiserver has been up for ${P.down.for}: the API servers are down or unreachable from Prometheus.`);
    const unreachable = (ip: string) => fired('KubeAPIInstanceUnreachable', { ...apiserver(ip) }, `API server ${ip}:6443 has been unreachable from Prometheus for ${P.instanceUnreachable.for}.`);
    const tests = (downAlerts: ReturnType<typeof fired>[], unreachableAlerts: ReturnType<typeof fired>[]) => [
      { eval_time: `${f1 - 1}m`, alertname: 'KubeAPIDown', exp_alerts: [] },
      { eval_time: `${f1 + 1}m`, alertname: 'KubeAPIDown', exp_alerts: downAlerts },
      { eval_time: `${f2 - 1}m`, alertname: 'KubeAPIInstanceUnreachable', exp_alerts: [] },
      { eval_time: `${f2 + 1}m`, alertname: 'KubeAPIInstanceUnreachable', exp_alerts: unreachableAlerts },
    ];
    const run = (g: typeof apiGroup) =>
      all(
        unitTest(g, [up('10.0.0.10', 0), up('10.0.0.11', 0), other], tests([down], [unreachable('10.0.0.10'), unreachable('10.0.0.11')])),
        unitTest(g, [up('10.0.0.10', 1), up('10.0.0.11', 0), other], tests([], [unreachable('10.0.0.11')])),
        unitTest(g, [other], tests([down], [])),
      );
    const g = only(apiGroup, 'KubeAPIDown', 'KubeAPIInstanceUnreachable');
    expectPinned(run, g, 'KubeAPIDown', forMoved(P.down.for));
    expectPinned(run, g, 'KubeAPIInstanceUnreachable', forMoved(P.instanceUnreachable.for));
  });

  it('KubeAPITerminatedRequests: per API server, the share of requests it terminated above the configured ratio', () => {
    const { ratio, window } = P.terminatedRequests;
    const f = minutes(P.terminatedRequests.for);
    const len = minutes(window) + f + 5;
    const server = (ip: string, share: number): Series[] => [
      { series: s('apiserver_request_total', { ...apiserver(ip), verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'cluster', component: 'apiserver', code: '200', dry_run: '' }), values: ramp(0, 6000 * (1 - share), len) },
      { series: s('apiserver_request_total', { ...apiserver(ip), verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'cluster', component: 'apiserver', code: '429', dry_run: '' }), values: ramp(0, 6000 * share, len) },
      { series: s('apiserver_request_terminations_total', { ...apiserver(ip), verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'cluster', component: 'apiserver', code: '429' }), values: ramp(0, 6000 * share, len) },
    ];
    const series = [...server('10.0.0.10', ratio + 0.01), ...server('10.0.0.11', ratio - 0.01)];
    const alert = fired(
      'KubeAPITerminatedRequests',
      { instance: '10.0.0.10:6443' },
      `API server 10.0.0.10:6443 terminated ${pct(ratio + 0.01)} of its requests over ${window} to protect itself (threshold ${ratio * 100}%): it is overloaded.`,
    );
    const run = (g: typeof apiGroup) =>
      unitTest(only(g, 'KubeAPITerminatedRequests'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeAPITerminatedRequests', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeAPITerminatedRequests', exp_alerts: [alert] },
      ]);
    expectPinned(run, apiGroup, 'KubeAPITerminatedRequests', [
      ...forMoved(P.terminatedRequests.for),
      { expr: [`> ${ratio}`, `> ${ratio + 0.02}`] },
      { expr: [`> ${ratio}`, `> ${ratio - 0.02}`] },
    ]);
  });
});
