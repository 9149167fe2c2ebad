import {
  DEFAULT_ALERT_THRESHOLDS,
  alertRuleGroups,
  applicationAlerts,
  infrastructureAlerts,
  resolveAlertThresholds,
  runbookAnchor,
} from '../lib/observability/alerts';
import { AlertingRule, RuleGroup, isAlertingRule, renderRuleFile, ruleGroupProblems } from '../lib/observability/rule-group';
import { toYaml } from '../lib/render/yaml';
import { ToolResult, promtool, withFiles } from './support/tools';

const RUNBOOKS = 'https://runbooks.example.com/alerts';
const rb = (anchor: string): string => `${RUNBOOKS}#${anchor}`;

interface Series {
  readonly series: string;
  readonly values: string;
}
interface ExpAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}
interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpAlert[];
}

/** `promtool test rules` over the given groups: one test case, 1m scrape interval. */
function unitTest(groups: readonly RuleGroup[], input_series: readonly Series[], alert_rule_test: readonly AlertTest[]): ToolResult {
  const tests = toYaml({
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series, alert_rule_test }],
  });
  return withFiles({ 'rules.yml': renderRuleFile(groups), 'tests.yml': tests }, (dir) => promtool(['test', 'rules', 'tests.yml'], { cwd: dir }));
}

function expectPass(res: ToolResult): void {
  expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
}

const app = applicationAlerts({ runbookBaseUrl: RUNBOOKS, expectedTraffic: ['job="app-exporter"', 'job="checkout"', 'job="busy"'] });
const infra = infrastructureAlerts({ runbookBaseUrl: RUNBOOKS });

function alertsNamed(group: RuleGroup, name: string): AlertingRule[] {
  return group.rules.filter(isAlertingRule).filter((r) => r.alert === name);
}

describe('alert library: structure', () => {
  const variants: [string, RuleGroup][] = [
    ['application (defaults)', applicationAlerts({ runbookBaseUrl: RUNBOOKS })],
    ['application (expected traffic)', app],
    [
      'application (custom metrics, selector, aggregation, thresholds)',
      applicationAlerts({
        runbookBaseUrl: RUNBOOKS,
        metrics: { requestsTotal: 'http_requests_total', requestDurationSeconds: 'http_request_duration_seconds' },
        errorMatcher: 'code=~"5.."',
        selector: 'namespace="shop"',
        aggregateBy: ['namespace', 'service'],
        expectedTraffic: ['service="checkout"'],
        thresholds: { application: { errorRatio: { critical: 0.2 }, latencyP99: { seconds: 1, severity: 'critical' } } },
        extraLabels: { team: 'sre' },
        interval: '30s',
      }),
    ],
    ['infrastructure (defaults)', infra],
    [
      'infrastructure (selectors)',
      infrastructureAlerts({
        runbookBaseUrl: RUNBOOKS,
        selectors: { kubeStateMetrics: 'job="kube-state-metrics"', kubelet: 'job="kubelet", metrics_path="/metrics"', cadvisor: 'job="kubelet", metrics_path="/metrics/cadvisor"', up: 'job!=""' },
        thresholds: { infrastructure: { nodePressure: { conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure'] } } },
      }),
    ],
  ];

  it.each(variants)('%s: ruleGroupProblems is empty and promtool check rules accepts it', (_name, group) => {
    expect(ruleGroupProblems(group)).toEqual([]);
    const res = withFiles({ 'rules.yml': renderRuleFile([group]) }, (dir) => promtool(['check', 'rules', 'rules.yml'], { cwd: dir }));
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('every alert has severity, category, summary, description and a runbook anchor', () => {
    for (const [group, category] of [
      [app, 'application'],
      [infra, 'infrastructure'],
    ] as const) {
      for (const rule of group.rules.filter(isAlertingRule)) {
        expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
        expect(rule.labels?.category).toBe(category);
        expect(rule.annotations?.summary).toBeTruthy();
        expect(rule.annotations?.description).toBeTruthy();
        expect(rule.annotations?.runbook_url).toBe(`${RUNBOOKS}#${runbookAnchor(rule.alert)}`);
      }
    }
  });

  it('covers the alerts issue 4 asks for', () => {
    expect([...new Set(app.rules.filter(isAlertingRule).map((r) => r.alert))]).toEqual([
      'AppHighErrorRatio',
      'AppLatencyP95High',
      'AppLatencyP99High',
      'AppAvailabilityBelowObjective',
      'AppNoTraffic',
    ]);
    // TargetDown moved to the general group (lib/observability/alerts/general.ts).
    expect([...new Set(infra.rules.filter(isAlertingRule).map((r) => r.alert))]).toEqual([
      'KubePodCrashLooping',
      'KubePodNotReady',
      'KubeNodeUnderPressure',
      'KubePersistentVolumeFillingUp',
      'CPUThrottlingHigh',
    ]);
    expect(alertsNamed(app, 'AppHighErrorRatio').map((r) => r.labels?.severity)).toEqual(['critical', 'warning']);
    expect(alertsNamed(infra, 'KubePersistentVolumeFillingUp').map((r) => r.labels?.severity)).toEqual(['critical', 'warning']);
  });

  it('runbook anchors are kebab-case alert names', () => {
    expect(runbookAnchor('AppHighErrorRatio')).toBe('app-high-error-ratio');
    expect(runbookAnchor('CPUThrottlingHigh')).toBe('cpu-throttling-high');
    expect(runbookAnchor('AppLatencyP95High')).toBe('app-latency-p95-high');
  });

  it('no AppNoTraffic rule unless traffic is expected somewhere', () => {
    expect(alertsNamed(applicationAlerts({ runbookBaseUrl: RUNBOOKS }), 'AppNoTraffic')).toEqual([]);
  });

  it('thresholds, durations, severities and metric names come from the options', () => {
    const g = applicationAlerts({
      runbookBaseUrl: RUNBOOKS,
      metrics: { requestsTotal: 'http_requests_total', requestDurationSeconds: 'http_request_duration_seconds' },
      thresholds: { application: { errorRatio: { warning: 0.03, criticalFor: '2m' }, latencyP95: { seconds: 0.25, severity: 'info' } } },
    });
    const [crit, warn] = alertsNamed(g, 'AppHighErrorRatio');
    expect(warn.expr).toContain('> 0.03');
    expect(crit.expr).toContain(`> ${DEFAULT_ALERT_THRESHOLDS.application.errorRatio.critical}`);
    expect(crit.for).toBe('2m');
    expect(crit.expr).toContain('http_requests_total{status_class="5xx"}');
    const [p95] = alertsNamed(g, 'AppLatencyP95High');
    expect(p95.expr).toContain('http_request_duration_seconds_bucket');
    expect(p95.expr).toContain('> 0.25');
    expect(p95.labels?.severity).toBe('info');
    expect(alertRuleGroups({ application: { runbookBaseUrl: RUNBOOKS }, infrastructure: { runbookBaseUrl: RUNBOOKS } }).map((x) => x.name)).toEqual([
      'application-health',
      'infrastructure',
    ]);
  });

  it('rejects bad options with the field path and the fix', () => {
    expect(() => resolveAlertThresholds({ application: { errorRatio: { warning: 1.5 } } })).toThrow(/thresholds\.application\.errorRatio\.warning: 1\.5 must be a fraction/);
    expect(() => resolveAlertThresholds({ application: { errorRatio: { warning: 0.2, critical: 0.1 } } })).toThrow(/warning \(0\.2\) must be below critical/);
    expect(() => resolveAlertThresholds({ infrastructure: { podNotReady: { for: '15 minutes' } } })).toThrow(/thresholds\.infrastructure\.podNotReady\.for: "15 minutes" is not a positive Prometheus duration/);
    expect(() => resolveAlertThresholds({ infrastructure: { cpuThrottling: { severity: 'page' as never } } })).toThrow(/cpuThrottling\.severity: "page" is not a severity/);
    expect(() => resolveAlertThresholds({ infrastructure: { nodePressure: { conditions: ['Hot' as never] } } })).toThrow(/conditions\[0\]: "Hot" is not a node condition/);
    expect(() => resolveAlertThresholds({ application: { errorRatoi: {} } as never })).toThrow(/thresholds\.application\.errorRatoi: unknown field/);
    expect(() => applicationAlerts({ runbookBaseUrl: 'runbooks' })).toThrow(/applicationAlerts\.runbookBaseUrl: "runbooks" is not an absolute URL/);
    expect(() => applicationAlerts({ runbookBaseUrl: `${RUNBOOKS}#x` })).toThrow(/must not contain '#'/);
    expect(() => applicationAlerts({ runbookBaseUrl: RUNBOOKS, selector: '{job="x"}' })).toThrow(/applicationAlerts\.selector: .* write them without braces/);
    expect(() => applicationAlerts({ runbookBaseUrl: RUNBOOKS, metrics: { requestsTotal: 'app-requests' } })).toThrow(/metrics\.requestsTotal: "app-requests" is not a metric name/);
    expect(() => applicationAlerts({ runbookBaseUrl: RUNBOOKS, expectedTraffic: [''] })).toThrow(/expectedTraffic\[0\]: is empty/);
    expect(() => applicationAlerts({ runbookBaseUrl: RUNBOOKS, extraLabels: { severity: 'x' } })).toThrow(/extraLabels\.severity: is set by the library/);
    expect(() => infrastructureAlerts({ runbookBaseUrl: RUNBOOKS, selectors: { kubeletSelector: 'x' } as never })).toThrow(/selectors\.kubeletSelector: unknown field/);
    expect(() => infrastructureAlerts({ runbookBaseUrl: RUNBOOKS, thresholds: { infrastructure: { targetDown: { percent: 0 } } } })).toThrow(/targetDown\.percent: 0 must be a percentage/);
  });

  it('the promtool harness can fail (a wrong expectation is reported)', () => {
    const res = unitTest(
      [infra],
      [{ series: 'kube_node_status_condition{node="n1", condition="MemoryPressure", status="true"}', values: '0x20' }],
      [{ eval_time: '10m', alertname: 'KubeNodeUnderPressure', exp_alerts: [{ exp_labels: { node: 'n1', condition: 'MemoryPressure', severity: 'warning', category: 'infrastructure' }, exp_annotations: {} }] }],
    );
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('FAILED');
  });
});

// ------------------------------------------------------------------------------------------
// promtool test rules: each alert fires when it should and stays quiet when it should not.
// Counters are per-minute linear, so rate() is exact: 600/min = 10 req/s.
// ------------------------------------------------------------------------------------------

const APP = { category: 'application' };
const INFRA = { category: 'infrastructure' };

function requests(job: string, statusClass: string, perMinute: number, samples = 40): Series {
  return {
    series: `app_http_requests_total{namespace="shop", job="${job}", route="/api", method="GET", status_class="${statusClass}"}`,
    values: `0+${perMinute}x${samples}`,
  };
}

/** Histogram series with the given per-minute cumulative bucket increments. */
function histogram(job: string, cumulative: Record<string, number>, samples = 40): Series[] {
  const labels = `namespace="shop", job="${job}", route="/api", method="GET", status_class="2xx"`;
  const out: Series[] = Object.entries(cumulative).map(([le, n]) => ({
    series: `app_http_request_duration_seconds_bucket{${labels}, le="${le}"}`,
    values: `0+${n}x${samples}`,
  }));
  out.push({ series: `app_http_request_duration_seconds_count{${labels}}`, values: `0+${cumulative['+Inf']}x${samples}` });
  return out;
}

describe('promtool test rules: application alerts', () => {
  it('AppHighErrorRatio: critical above 10% (for 5m), warning above 2% (for 10m); quiet below, on low traffic and on no traffic', () => {
    const series = [
      // shop/api: 2 of 12 req/s fail (16.67%): critical and warning.
      requests('api', '2xx', 600),
      requests('api', '5xx', 120),
      // shop/web: 0.5 of 10.5 req/s fail (4.762%): warning only.
      requests('web', '2xx', 600),
      requests('web', '5xx', 30),
      // shop/quiet: 0.99% fail: nothing.
      requests('quiet', '2xx', 600),
      requests('quiet', '5xx', 6),
      // shop/rare: 50% fail but only 2 requests a minute (< 0.1 req/s): nothing.
      requests('rare', '2xx', 1),
      requests('rare', '5xx', 1),
      // shop/idle: counters exist but do not move: 0/0 = NaN, nothing.
      { series: 'app_http_requests_total{namespace="shop", job="idle", route="/api", method="GET", status_class="2xx"}', values: '5x40' },
      { series: 'app_http_requests_total{namespace="shop", job="idle", route="/api", method="GET", status_class="5xx"}', values: '1x40' },
    ];
    const alert = (job: string, severity: string, value: string, threshold: string): ExpAlert => ({
      exp_labels: { namespace: 'shop', job, severity, ...APP },
      exp_annotations: {
        summary: `More than ${threshold} of requests to shop/${job} fail.`,
        description: `${value} of requests to shop/${job} failed over the last 5m (${severity} above ${threshold}).`,
        runbook_url: rb('app-high-error-ratio'),
      },
    });
    expectPass(
      unitTest([app], series, [
        { eval_time: '4m', alertname: 'AppHighErrorRatio', exp_alerts: [] },
        { eval_time: '8m', alertname: 'AppHighErrorRatio', exp_alerts: [alert('api', 'critical', '16.67%', '10%')] },
        {
          eval_time: '15m',
          alertname: 'AppHighErrorRatio',
          exp_alerts: [alert('api', 'critical', '16.67%', '10%'), alert('api', 'warning', '16.67%', '2%'), alert('web', 'warning', '4.762%', '2%')],
        },
      ]),
    );
  });

  it('AppLatencyP95High / AppLatencyP99High: from histogram buckets; quiet for fast services and on low traffic', () => {
    const slow = { '0.1': 50, '0.25': 60, '0.5': 70, '1': 80, '2.5': 90, '5': 100, '+Inf': 100 }; // p95 3.75s, p99 4.75s
    const medium = { '0.1': 50, '0.25': 60, '0.5': 90, '1': 100, '2.5': 100, '5': 100, '+Inf': 100 }; // p95 0.75s, p99 0.95s
    const fast = { '0.1': 100, '0.25': 100, '0.5': 100, '1': 100, '2.5': 100, '5': 100, '+Inf': 100 }; // p95 0.095s
    const rare = { '0.1': 0, '0.25': 0, '0.5': 0, '1': 0, '2.5': 1, '5': 1, '+Inf': 1 }; // slow but 1 req/min
    const series = [...histogram('slow', slow), ...histogram('medium', medium), ...histogram('fast', fast), ...histogram('rare', rare)];
    const alert = (q: string, job: string, value: string, threshold: string): ExpAlert => ({
      exp_labels: { namespace: 'shop', job, severity: 'warning', ...APP },
      exp_annotations: {
        summary: `${q}th percentile latency of shop/${job} is above ${threshold}s.`,
        description: `${q}% of requests to shop/${job} complete within ${value} over the last 5m; the threshold is ${threshold}s.`,
        runbook_url: rb(`app-latency-p${q}-high`),
      },
    });
    expectPass(
      unitTest([app], series, [
        { eval_time: '5m', alertname: 'AppLatencyP95High', exp_alerts: [] },
        { eval_time: '15m', alertname: 'AppLatencyP95High', exp_alerts: [alert('95', 'slow', '3.75s', '0.5'), alert('95', 'medium', '750ms', '0.5')] },
        { eval_time: '5m', alertname: 'AppLatencyP99High', exp_alerts: [] },
        { eval_time: '15m', alertname: 'AppLatencyP99High', exp_alerts: [alert('99', 'slow', '4.75s', '2')] },
      ]),
    );
  });

  it('AppAvailabilityBelowObjective: below 99% over 1h fires, above stays quiet', () => {
    const series = [
      requests('api', '2xx', 590, 80), // 10 of 600 fail: 98.33% available
      requests('api', '5xx', 10, 80),
      requests('web', '2xx', 597, 80), // 3 of 600 fail: 99.5% available
      requests('web', '5xx', 3, 80),
    ];
    expectPass(
      unitTest([app], series, [
        { eval_time: '2m', alertname: 'AppAvailabilityBelowObjective', exp_alerts: [] },
        {
          eval_time: '75m',
          alertname: 'AppAvailabilityBelowObjective',
          exp_alerts: [
            {
              exp_labels: { namespace: 'shop', job: 'api', severity: 'critical', ...APP },
              exp_annotations: {
                summary: 'Availability of shop/api is below its 99% objective.',
                description: 'shop/api served 98.33% of requests successfully over the last 1h; the objective is 99%.',
                runbook_url: rb('app-availability-below-objective'),
              },
            },
          ],
        },
      ]),
    );
  });

  it('AppNoTraffic: fires for an expected service whose counter stops or is absent; quiet for busy or unexpected services', () => {
    const series = [
      { series: 'app_http_requests_total{namespace="shop", job="app-exporter", route="/api", method="GET", status_class="2xx"}', values: '100x40' },
      requests('busy', '2xx', 60),
      // not listed in expectedTraffic: zero traffic is fine there
      { series: 'app_http_requests_total{namespace="shop", job="batch", route="/api", method="GET", status_class="2xx"}', values: '7x40' },
      // job="checkout" has no series at all
    ];
    const annotations = (where: string): Record<string, string> => ({
      summary: 'A service that always has traffic received no requests.',
      description: `No requests reached ${where} for 10m (or its request counter app_http_requests_total is absent); traffic is expected there at all times.`,
      runbook_url: rb('app-no-traffic'),
    });
    expectPass(
      unitTest([app], series, [
        { eval_time: '12m', alertname: 'AppNoTraffic', exp_alerts: [] },
        {
          eval_time: '30m',
          alertname: 'AppNoTraffic',
          exp_alerts: [
            { exp_labels: { namespace: 'shop', job: 'app-exporter', severity: 'warning', ...APP }, exp_annotations: annotations('shop/app-exporter') },
            { exp_labels: { job: 'checkout', severity: 'warning', ...APP }, exp_annotations: annotations('checkout') },
          ],
        },
      ]),
    );
  });
});

describe('promtool test rules: infrastructure alerts', () => {
  it('KubePodCrashLooping: CrashLoopBackOff (even flapping) or frequent restarts fire; two restarts and other waiting reasons do not', () => {
    const ksm = 'namespace="shop", container="app"';
    const series = [
      { series: `kube_pod_container_status_waiting_reason{${ksm}, pod="flapping", reason="CrashLoopBackOff"}`, values: '1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1 0 0 1' },
      { series: `kube_pod_container_status_restarts_total{${ksm}, pod="restarting"}`, values: '0+1x30' },
      { series: `kube_pod_container_status_restarts_total{${ksm}, pod="twice"}`, values: '0x5 1x5 2x20' },
      { series: `kube_pod_container_status_waiting_reason{${ksm}, pod="creating", reason="ContainerCreating"}`, values: '1x30' },
      { series: `kube_pod_container_status_restarts_total{${ksm}, pod="flapping"}`, values: '0x30' },
    ];
    const alert = (pod: string): ExpAlert => ({
      exp_labels: { namespace: 'shop', pod, container: 'app', severity: 'warning', ...INFRA },
      exp_annotations: {
        summary: 'A container is crash-looping.',
        description: `Container app of pod shop/${pod} is in CrashLoopBackOff or restarted more than 3 times in 15m.`,
        runbook_url: rb('kube-pod-crash-looping'),
      },
    });
    expectPass(
      unitTest([infra], series, [
        { eval_time: '10m', alertname: 'KubePodCrashLooping', exp_alerts: [] },
        { eval_time: '25m', alertname: 'KubePodCrashLooping', exp_alerts: [alert('flapping'), alert('restarting')] },
      ]),
    );
  });

  it('KubePodNotReady: running-but-unready and Pending pods fire; ready and completed pods do not', () => {
    const s = (metric: string, pod: string, extra: string, values: string): Series => ({ series: `${metric}{namespace="shop", pod="${pod}", ${extra}}`, values });
    const series = [
      s('kube_pod_status_ready', 'unready', 'condition="false"', '1x25'),
      s('kube_pod_status_ready', 'unready', 'condition="true"', '0x25'),
      s('kube_pod_status_phase', 'unready', 'phase="Running"', '1x25'),
      s('kube_pod_status_phase', 'pending', 'phase="Pending"', '1x25'),
      s('kube_pod_status_phase', 'pending', 'phase="Running"', '0x25'),
      s('kube_pod_status_ready', 'done', 'condition="false"', '1x25'),
      s('kube_pod_status_phase', 'done', 'phase="Succeeded"', '1x25'),
      s('kube_pod_status_ready', 'healthy', 'condition="false"', '0x25'),
      s('kube_pod_status_ready', 'healthy', 'condition="true"', '1x25'),
      s('kube_pod_status_phase', 'healthy', 'phase="Running"', '1x25'),
    ];
    const alert = (pod: string): ExpAlert => ({
      exp_labels: { namespace: 'shop', pod, severity: 'warning', ...INFRA },
      exp_annotations: {
        summary: 'A pod is not ready.',
        description: `Pod shop/${pod} has not been ready for more than 15m.`,
        runbook_url: rb('kube-pod-not-ready'),
      },
    });
    expectPass(
      unitTest([infra], series, [
        { eval_time: '10m', alertname: 'KubePodNotReady', exp_alerts: [] },
        { eval_time: '20m', alertname: 'KubePodNotReady', exp_alerts: [alert('unready'), alert('pending')] },
      ]),
    );
  });

  it('KubeNodeUnderPressure: MemoryPressure/DiskPressure=true fires; false and unselected conditions do not', () => {
    const c = (node: string, condition: string, status: string, values: string): Series => ({
      series: `kube_node_status_condition{node="${node}", condition="${condition}", status="${status}"}`,
      values,
    });
    const series = [
      c('n1', 'MemoryPressure', 'true', '1x15'),
      c('n1', 'MemoryPressure', 'false', '0x15'),
      c('n2', 'DiskPressure', 'true', '0x15'),
      c('n2', 'DiskPressure', 'false', '1x15'),
      c('n3', 'PIDPressure', 'true', '1x15'),
      c('n4', 'DiskPressure', 'true', '0x3 1x12'),
    ];
    const alert = (node: string, condition: string): ExpAlert => ({
      exp_labels: { node, condition, severity: 'warning', ...INFRA },
      exp_annotations: {
        summary: 'A node reports resource pressure.',
        description: `Node ${node} has reported ${condition} for more than 5m; the kubelet evicts pods under pressure.`,
        runbook_url: rb('kube-node-under-pressure'),
      },
    });
    expectPass(
      unitTest([infra], series, [
        { eval_time: '4m', alertname: 'KubeNodeUnderPressure', exp_alerts: [] },
        { eval_time: '6m', alertname: 'KubeNodeUnderPressure', exp_alerts: [alert('n1', 'MemoryPressure')] },
        { eval_time: '12m', alertname: 'KubeNodeUnderPressure', exp_alerts: [alert('n1', 'MemoryPressure'), alert('n4', 'DiskPressure')] },
      ]),
    );
  });

  it('KubePersistentVolumeFillingUp: critical under 3% free; warning under 15% free and predicted full in 4d; quiet when stable, read-only or unused', () => {
    const v = (pvc: string, available: string, capacity: number, used: string): Series[] => [
      { series: `kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="${pvc}"}`, values: available },
      { series: `kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="${pvc}"}`, values: `${capacity}x80` },
      { series: `kubelet_volume_stats_used_bytes{namespace="shop", persistentvolumeclaim="${pvc}"}`, values: used },
    ];
    const series = [
      ...v('almost-full', '2x80', 100, '98x80'), // 2% free: critical
      ...v('filling', '140-1x80', 1000, '860+1x80'), // 14% -> 6% free, 1 byte/min: full in < 4d: warning
      ...v('stable', '100x80', 1000, '900x80'), // 10% free, not moving: quiet
      ...v('read-only', '1x80', 100, '99x80'), // 1% free but ReadOnlyMany: quiet
      { series: 'kube_persistentvolumeclaim_access_mode{namespace="shop", persistentvolumeclaim="read-only", access_mode="ReadOnlyMany"}', values: '1x80' },
      ...v('unreported', '1x80', 100, '0x80'), // driver reports used=0: quiet
    ];
    expectPass(
      unitTest([infra], series, [
        {
          eval_time: '5m',
          alertname: 'KubePersistentVolumeFillingUp',
          exp_alerts: [
            {
              exp_labels: { namespace: 'shop', persistentvolumeclaim: 'almost-full', severity: 'critical', ...INFRA },
              exp_annotations: {
                summary: 'A PersistentVolume is almost full.',
                description: 'The volume claimed by shop/almost-full has only 2% free.',
                runbook_url: rb('kube-persistent-volume-filling-up'),
              },
            },
          ],
        },
        {
          eval_time: '70m',
          alertname: 'KubePersistentVolumeFillingUp',
          exp_alerts: [
            {
              exp_labels: { namespace: 'shop', persistentvolumeclaim: 'almost-full', severity: 'critical', ...INFRA },
              exp_annotations: {
                summary: 'A PersistentVolume is almost full.',
                description: 'The volume claimed by shop/almost-full has only 2% free.',
                runbook_url: rb('kube-persistent-volume-filling-up'),
              },
            },
            {
              exp_labels: { namespace: 'shop', persistentvolumeclaim: 'filling', severity: 'warning', ...INFRA },
              exp_annotations: {
                summary: 'A PersistentVolume is predicted to fill up within 4d.',
                description: 'The volume claimed by shop/filling has 7% free and, at the rate of the last 6h, fills up within 4d.',
                runbook_url: rb('kube-persistent-volume-filling-up'),
              },
            },
          ],
        },
      ]),
    );
  });

  it('CPUThrottlingHigh: 30% throttled periods fires (info); 10% and the pod-level cgroup (container="") do not', () => {
    const c = (pod: string, container: string, throttled: number, periods: number): Series[] => [
      { series: `container_cpu_cfs_throttled_periods_total{namespace="shop", pod="${pod}", container="${container}"}`, values: `0+${throttled}x40` },
      { series: `container_cpu_cfs_periods_total{namespace="shop", pod="${pod}", container="${container}"}`, values: `0+${periods}x40` },
    ];
    const series = [...c('hot', 'app', 30, 100), ...c('warm', 'app', 10, 100), ...c('pod-cgroup', '', 90, 100)];
    expectPass(
      unitTest([infra], series, [
        { eval_time: '10m', alertname: 'CPUThrottlingHigh', exp_alerts: [] },
        {
          eval_time: '25m',
          alertname: 'CPUThrottlingHigh',
          exp_alerts: [
            {
              exp_labels: { namespace: 'shop', pod: 'hot', container: 'app', severity: 'info', ...INFRA },
              exp_annotations: {
                summary: 'A container is heavily CPU-throttled.',
                description: 'Container app of pod shop/hot was throttled in 30% of its CPU periods over 5m; raise its CPU limit or remove it.',
                runbook_url: rb('cpu-throttling-high'),
              },
            },
          ],
        },
      ]),
    );
  });
});
