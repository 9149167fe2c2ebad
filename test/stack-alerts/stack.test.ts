import { configProblems, production, StackConfig } from '../../lib/config';
import { PUBLIC_RUNBOOKS_URL, upstreamRunbookUrl } from '../../lib/observability/alerts/common';
import { generalAlerts, GENERAL_GROUP } from '../../lib/observability/alerts/general';
import { prometheusAlerts } from '../../lib/observability/alerts/metrics-pipeline';
import { nodeAlerts } from '../../lib/observability/alerts/node';
import { alertmanagerAlerts, configReloaderAlerts, grafanaRequestsFailingAlert } from '../../lib/observability/alerts/stack';
import {
  AlertmanagerThresholds,
  DEFAULT_ALERTMANAGER_THRESHOLDS,
  DEFAULT_GRAFANA_THRESHOLDS,
  DEFAULT_PROMETHEUS_THRESHOLDS,
  GrafanaThresholds,
  PrometheusThresholds,
} from '../../lib/observability/alerts/stack-thresholds';
import { DEFAULT_ALERT_THRESHOLDS, resolveAlertThresholds } from '../../lib/observability/alerts/thresholds';
import { renderRuleFile, RuleGroup, ruleGroupProblems } from '../../lib/observability/rule-group';
import { promtool, withFiles } from '../support/tools';
import { AlertCase, alertingRules, counter, coverageProblems, flat, leafPaths, Pins, pinsThatDoNotBite, runPromtoolTests, series, Series, withValueOf } from './harness';

const RB = 'https://runbooks.example.com/observability';
const warn = { severity: 'warning', category: 'infrastructure' };
const crit = { severity: 'critical', category: 'infrastructure' };
const EPS = 0.01;
const above = (v: number) => v * (1 + EPS);
const below = (v: number) => v * (1 - EPS);

// ---- general: TargetDown, Watchdog, InfoInhibitor ---------------------------------------

const general = [generalAlerts({ runbookBaseUrl: RB })];
const up = (labels: Record<string, string>, values: string) => series('up', labels, values);
const ALERTS = (labels: Record<string, string>, values = '1x20') => series('ALERTS', labels, values);

const WATCHDOG =
  "This alert fires all the time, by design. It is routed to a dead man's switch receiver only, which raises the alarm when the notifications stop: then Prometheus, its rules, Alertmanager or the route to the receiver is broken, and no other alert can arrive either.";

const generalCases: AlertCase[] = [
  {
    name: 'TargetDown: half of a job\'s pods down fires about that job and namespace; 1 of 20 down and all up stay quiet',
    input: [
      up({ job: 'checkout', namespace: 'shop', pod: 'checkout-a', instance: '10.0.0.1:8080' }, '1x30'),
      up({ job: 'checkout', namespace: 'shop', pod: 'checkout-b', instance: '10.0.0.2:8080' }, '0x30'),
      ...Array.from({ length: 20 }, (_, i) => up({ job: 'web', namespace: 'shop', pod: `web-${i}`, instance: `10.0.1.${i}:80` }, i === 0 ? '0x30' : '1x30')),
      up({ job: 'cart', namespace: 'shop', pod: 'cart-a', instance: '10.0.2.1:80' }, '1x30'),
    ],
    checks: [
      { at: '9m', alertname: 'TargetDown', expect: [] },
      {
        at: '10m',
        alertname: 'TargetDown',
        expect: [{ labels: { job: 'checkout', namespace: 'shop', ...warn }, description: '50% of the checkout targets in namespace shop have been unreachable for 10m (threshold 10%): their metrics, and the alerts built on them, are missing.' }],
      },
    ],
  },
  {
    name: 'TargetDown: per service for service endpoints; a node-level job (no namespace) too',
    input: [
      ...Array.from({ length: 4 }, (_, i) => up({ job: 'api', namespace: 'shop', service: 'api', pod: `api-${i}` }, i === 0 ? '0x30' : '1x30')),
      up({ job: 'kubelet', instance: 'node-a', node: 'node-a' }, '0x30'),
      up({ job: 'kubelet', instance: 'node-b', node: 'node-b' }, '1x30'),
    ],
    checks: [
      {
        at: '15m',
        alertname: 'TargetDown',
        expect: [
          { labels: { job: 'api', namespace: 'shop', service: 'api', ...warn }, description: '25% of the api targets in namespace shop (service api) have been unreachable for 10m (threshold 10%): their metrics, and the alerts built on them, are missing.' },
          { labels: { job: 'kubelet', ...warn }, description: '50% of the kubelet targets have been unreachable for 10m (threshold 10%): their metrics, and the alerts built on them, are missing.' },
        ],
      },
    ],
  },
  {
    name: 'Watchdog fires from the first evaluation on, with severity none and nothing else',
    input: [],
    checks: [
      { at: '0m', alertname: 'Watchdog', expect: [{ labels: { severity: 'none' }, description: WATCHDOG }] },
      { at: '600m', alertname: 'Watchdog', expect: [{ labels: { severity: 'none' }, description: WATCHDOG }] },
    ],
  },
  {
    name: 'InfoInhibitor fires per namespace where info alerts fire and no warning or critical does (pending ones do not count)',
    input: [
      // shop: an info alert, a pending critical one: held back.
      ALERTS({ alertname: 'CPUThrottlingHigh', alertstate: 'firing', severity: 'info', namespace: 'shop', pod: 'web-1' }),
      ALERTS({ alertname: 'KubePodCrashLooping', alertstate: 'pending', severity: 'critical', namespace: 'shop', pod: 'web-2' }),
      // cart: an info alert next to a firing warning: shown.
      ALERTS({ alertname: 'CPUThrottlingHigh', alertstate: 'firing', severity: 'info', namespace: 'cart', pod: 'cart-1' }),
      ALERTS({ alertname: 'KubePodNotReady', alertstate: 'firing', severity: 'warning', namespace: 'cart', pod: 'cart-2' }),
      // billing: only a pending info alert: nothing to hold back.
      ALERTS({ alertname: 'CPUThrottlingHigh', alertstate: 'pending', severity: 'info', namespace: 'billing', pod: 'b-1' }),
      // an info alert without a namespace.
      ALERTS({ alertname: 'SomeClusterInfo', alertstate: 'firing', severity: 'info' }),
    ],
    checks: [
      {
        at: '5m',
        alertname: 'InfoInhibitor',
        expect: [
          {
            labels: { namespace: 'shop', severity: 'none' },
            description: 'Fires while info alerts with namespace="shop" fire and no warning or critical alert with that namespace does. Alertmanager inhibits the info alerts of the namespace while this fires, so that info alerts are seen only next to a warning or critical alert of the same namespace. It is routed to a receiver that sends nothing.',
          },
          {
            labels: { severity: 'none' },
            description: 'Fires while info alerts with namespace="" fire and no warning or critical alert with that namespace does. Alertmanager inhibits the info alerts of the namespace while this fires, so that info alerts are seen only next to a warning or critical alert of the same namespace. It is routed to a receiver that sends nothing.',
          },
        ],
      },
    ],
  },
  {
    name: 'InfoInhibitor stays quiet when a warning or critical alert fires in the namespace',
    input: [
      ALERTS({ alertname: 'CPUThrottlingHigh', alertstate: 'firing', severity: 'info', namespace: 'shop', pod: 'web-1' }),
      ALERTS({ alertname: 'KubePodCrashLooping', alertstate: 'firing', severity: 'critical', namespace: 'shop', pod: 'web-2' }),
    ],
    checks: [{ at: '5m', alertname: 'InfoInhibitor', expect: [] }],
  },
];

function generalPins(t: { percent: number; for: string; severity: string }, gs: readonly RuleGroup[]): Pins {
  const pins = new Pins(gs);
  // 400 targets of one job: the most down targets strictly under the threshold, and the fewest
  // strictly over it (never exactly at it: the mean of 0s and 1s is not exact in floating point).
  const n = 400;
  const under = Math.ceil((t.percent * n) / 100) - 1;
  const over = Math.floor((t.percent * n) / 100) + 1;
  const targets = (down: number) => Array.from({ length: n }, (_, i) => up({ job: 'api', namespace: 'shop', pod: `api-${i}` }, i < down ? '0x3' : '1x3'));
  pins.value('percent', 'TargetDown', t.severity, 1, targets(over), targets(under), { job: 'api', namespace: 'shop' });
  const pair = [up({ job: 'api', namespace: 'shop', pod: 'a' }, `0x${30 + 10}`), up({ job: 'api', namespace: 'shop', pod: 'b' }, '0x40')];
  pins.duration('TargetDown', [{ field: 'for', severity: t.severity, for: t.for }], pair, { job: 'api', namespace: 'shop' }, [0, 0]);
  // The severity comes from the config: the fired alert carries it (checked by the duration case).
  pins.pinned.add('severity');
  return pins;
}

describe('general group: TargetDown, Watchdog, InfoInhibitor', () => {
  test('one group "general", valid', () => {
    expect(general.map((g) => g.name)).toEqual([GENERAL_GROUP]);
    expect(ruleGroupProblems(general[0])).toEqual([]);
    expect(alertingRules(general).map((r) => r.alert)).toEqual(['TargetDown', 'Watchdog', 'InfoInhibitor']);
  });

  test('Watchdog and InfoInhibitor: severity none and no category (routed by alertname); TargetDown: warning, infrastructure', () => {
    const byName = Object.fromEntries(alertingRules(general).map((r) => [r.alert, r]));
    expect(byName.Watchdog.labels).toEqual({ severity: 'none' });
    expect(byName.Watchdog.expr).toBe('vector(1)');
    expect(byName.InfoInhibitor.labels).toEqual({ severity: 'none' });
    expect(byName.TargetDown.labels).toEqual(warn);
  });

  test('every alert fires in a case, and each but Watchdog (always firing by design) stays quiet in one', () => {
    expect(coverageProblems(general, generalCases)).toEqual(['Watchdog (none): no case keeps it quiet']);
  });

  test('promtool test rules: the cases', () => {
    expect(runPromtoolTests(general, generalCases)).toContain('SUCCESS');
  });

  const custom = { percent: 25, for: '3m', severity: 'critical' as const };
  test.each([
    ['defaults', DEFAULT_ALERT_THRESHOLDS.infrastructure.targetDown],
    ['custom', custom],
  ] as const)('TargetDown thresholds (%s: infrastructure.targetDown) pinned by data on either side', (_, t) => {
    const gs = [generalAlerts({ runbookBaseUrl: RB, thresholds: { infrastructure: { targetDown: t } } })];
    const pins = generalPins(t, gs);
    expect([...pins.pinned].sort()).toEqual(leafPaths(t).sort());
    expect(runPromtoolTests(gs, pins.cases, pins.exprs)).toContain('SUCCESS');
  });

  test('TargetDown pins bite', () => {
    const def = DEFAULT_ALERT_THRESHOLDS.infrastructure.targetDown;
    expect(
      pinsThatDoNotBite(['percent', 'for'], (field) => {
        const gs = [generalAlerts({ runbookBaseUrl: RB, thresholds: { infrastructure: { targetDown: withValueOf(custom, def, field) } } })];
        return { groups: gs, pins: generalPins(custom, gs) };
      }),
    ).toEqual([]);
    // The severity: the custom cases (critical) against rules with the default severity (warning).
    const customGroups = [generalAlerts({ runbookBaseUrl: RB, thresholds: { infrastructure: { targetDown: custom } } })];
    const warningGroups = [generalAlerts({ runbookBaseUrl: RB, thresholds: { infrastructure: { targetDown: { ...custom, severity: 'warning' } } } })];
    expect(() => runPromtoolTests(warningGroups, generalPins(custom, customGroups).cases)).toThrow(/FAILED/);
  });
});

// ---- Alertmanager ------------------------------------------------------------------------

const AM = (i: number, container = 'alertmanager') => ({ job: 'alertmanager', namespace: 'monitoring', pod: `alertmanager-${i}`, container, instance: `10.244.1.${10 + i}:${container === 'alertmanager' ? 9093 : 8080}`, node: `node-${i}` });
const amGroups = [alertmanagerAlerts({ runbookBaseUrl: RB, expectedMembers: 3 })];
const cluster = { job: 'alertmanager', namespace: 'monitoring' };
/** notifications_total and failed (with a reason) of one replica and integration. */
const notifications = (i: number, integration: string, perMinute: number, failedPerMinute: number, n = 30): Series[] => [
  series('alertmanager_notifications_total', { ...AM(i), integration }, counter(perMinute, n, 1e4)),
  series('alertmanager_notifications_failed_total', { ...AM(i), integration, reason: 'serverError' }, counter(failedPerMinute, n, 100)),
  series('alertmanager_notifications_failed_total', { ...AM(i), integration, reason: 'clientError' }, flat(7, n)),
];

const amCases: AlertCase[] = [
  {
    name: 'a failed reload fires after 10m (critical); a good one does not',
    input: [series('alertmanager_config_last_reload_successful', AM(0), '0x20'), series('alertmanager_config_last_reload_successful', AM(1), '1x20')],
    checks: [
      { at: '9m', alertname: 'AlertmanagerFailedReload', expect: [] },
      {
        at: '10m',
        alertname: 'AlertmanagerFailedReload',
        expect: [{ labels: { ...AM(0), ...crit }, description: 'Alertmanager monitoring/alertmanager-0 has failed to reload its configuration for 10 minutes; it keeps routing with the previous one. `amtool check-config` or its log names the error.' }],
      },
    ],
  },
  {
    name: 'a replica seeing 2 of 3 members fires about it; the others do not',
    input: [series('alertmanager_cluster_members', AM(0), '2x30'), series('alertmanager_cluster_members', AM(1), '3x30'), series('alertmanager_cluster_members', AM(2), '3x30')],
    checks: [
      { at: '14m', alertname: 'AlertmanagerMembersInconsistent', expect: [] },
      {
        at: '15m',
        alertname: 'AlertmanagerMembersInconsistent',
        expect: [{ labels: { ...AM(0), ...crit }, description: 'Alertmanager monitoring/alertmanager-0 sees 2 members of its cluster, not 3: alerts may be notified twice and silences not shared. Check the mesh port (9094 TCP and UDP) between the pods.' }],
      },
    ],
  },
  {
    name: 'one replica failing 10% of its Slack notifications fires about it and Slack; a healthy integration and replica do not',
    input: [...notifications(0, 'slack', 60, 6), ...notifications(0, 'webhook', 60, 0), ...notifications(1, 'slack', 60, 0)],
    checks: [
      { at: '5m', alertname: 'AlertmanagerFailedToSendAlerts', expect: [] },
      {
        at: '10m',
        alertname: 'AlertmanagerFailedToSendAlerts',
        expect: [{ labels: { ...AM(0), integration: 'slack', ...warn }, description: 'Alertmanager monitoring/alertmanager-0 failed to send 10% of its notifications to slack over 15 minutes.' }],
      },
      { at: '10m', alertname: 'AlertmanagerClusterFailedToSendAlerts', expect: [] },
    ],
  },
  {
    name: 'every sending replica failing PagerDuty fires the cluster alert (the smallest ratio); a replica that sends nothing is skipped',
    input: [...notifications(0, 'pagerduty', 60, 30), ...notifications(1, 'pagerduty', 60, 12), ...notifications(2, 'pagerduty', 0, 0)],
    checks: [
      {
        at: '10m',
        alertname: 'AlertmanagerClusterFailedToSendAlerts',
        expect: [
          {
            labels: { ...cluster, integration: 'pagerduty', ...crit },
            description: "The Alertmanager cluster alertmanager in namespace monitoring fails to send at least 20% of its notifications to pagerduty, from every replica: those notifications are lost. Check the receiver's credentials (the receivers Secret) and reachability.",
          },
        ],
      },
    ],
  },
  {
    name: 'replicas on two configurations for 20m fire; one configuration does not',
    input: [series('alertmanager_config_hash', AM(0), '123456x30'), series('alertmanager_config_hash', AM(1), '123456x30'), series('alertmanager_config_hash', AM(2), '654321x30')],
    checks: [
      { at: '19m', alertname: 'AlertmanagerConfigInconsistent', expect: [] },
      {
        at: '20m',
        alertname: 'AlertmanagerConfigInconsistent',
        expect: [{ labels: { ...cluster, ...crit }, description: 'The Alertmanager cluster alertmanager in namespace monitoring has run 2 different configurations for 20 minutes: alerts are routed differently depending on the replica. One replica failed to reload (see AlertmanagerFailedReload).' }],
      },
    ],
  },
  { name: 'one configuration: quiet', input: [0, 1, 2].map((i) => series('alertmanager_config_hash', AM(i), '123456x30')), checks: [{ at: '25m', alertname: 'AlertmanagerConfigInconsistent', expect: [] }] },
  {
    name: 'two of three replicas down fire the cluster alert (their config reloaders, up, do not count)',
    input: [up(AM(0), '0x20'), up(AM(1), '0x20'), up(AM(2), '1x20'), ...[0, 1, 2].map((i) => up(AM(i, 'config-reloader'), '1x20'))],
    checks: [
      { at: '4m', alertname: 'AlertmanagerClusterDown', expect: [] },
      {
        at: '5m',
        alertname: 'AlertmanagerClusterDown',
        expect: [{ labels: { ...cluster, ...crit }, description: '66.67% of the replicas of the Alertmanager cluster alertmanager in namespace monitoring have been unreachable for most of 5 minutes: notifications may not go out.' }],
      },
    ],
  },
  { name: 'one of three replicas down: quiet', input: [up(AM(0), '0x20'), up(AM(1), '1x20'), up(AM(2), '1x20')], checks: [{ at: '10m', alertname: 'AlertmanagerClusterDown', expect: [] }] },
  {
    name: 'two of three replicas restarting every minute fire the crash-loop alert (the reloaders do not count)',
    input: [
      series('process_start_time_seconds', AM(0), '1e9+60x20'),
      series('process_start_time_seconds', AM(1), '1e9+60x20'),
      series('process_start_time_seconds', AM(2), '1e9x20'),
      ...[0, 1, 2].map((i) => series('process_start_time_seconds', AM(i, 'config-reloader'), '1e9x20')),
    ],
    checks: [
      { at: '9m', alertname: 'AlertmanagerClusterCrashlooping', expect: [] },
      {
        at: '12m',
        alertname: 'AlertmanagerClusterCrashlooping',
        expect: [{ labels: { ...cluster, ...crit }, description: '66.67% of the replicas of the Alertmanager cluster alertmanager in namespace monitoring restarted more than 4 times in 10 minutes: notifications may not go out.' }],
      },
    ],
  },
  { name: 'one replica of three restarting: quiet', input: [series('process_start_time_seconds', AM(0), '1e9+60x20'), series('process_start_time_seconds', AM(1), '1e9x20'), series('process_start_time_seconds', AM(2), '1e9x20')], checks: [{ at: '12m', alertname: 'AlertmanagerClusterCrashlooping', expect: [] }] },
  {
    name: 'a replica with an unreachable peer for 15m fires',
    input: [series('alertmanager_cluster_failed_peers', AM(0), '1x20'), series('alertmanager_cluster_failed_peers', AM(1), '0x20')],
    checks: [
      { at: '14m', alertname: 'AlertmanagerClusterFailedPeers', expect: [] },
      {
        at: '15m',
        alertname: 'AlertmanagerClusterFailedPeers',
        expect: [{ labels: { ...AM(0), ...warn }, description: 'Alertmanager monitoring/alertmanager-0 has had 1 unreachable cluster peers for 15 minutes: notifications may be sent twice and silences not shared.' }],
      },
    ],
  },
];

function amPins(t: AlertmanagerThresholds, gs: readonly RuleGroup[]): Pins {
  const pins = new Pins(gs);
  const f = t.failedToSendAlerts;
  pins.value('failedToSendAlerts.ratio', 'AlertmanagerFailedToSendAlerts', 'warning', 20, notifications(0, 'slack', 600, 600 * above(f.ratio)), notifications(0, 'slack', 600, 600 * below(f.ratio)), { ...AM(0), integration: 'slack' });
  pins.value(
    'failedToSendAlerts.ratio',
    'AlertmanagerClusterFailedToSendAlerts',
    'critical',
    20,
    [...notifications(0, 'slack', 600, 600 * above(f.ratio)), ...notifications(1, 'slack', 600, 600 * 0.5)],
    [...notifications(0, 'slack', 600, 600 * below(f.ratio)), ...notifications(1, 'slack', 600, 600 * 0.5)],
    { ...cluster, integration: 'slack' },
  );
  const n = 30 + 10;
  pins.duration('AlertmanagerFailedToSendAlerts', [{ field: 'failedToSendAlerts.for', severity: 'warning', for: f.for }], notifications(0, 'slack', 600, 300, n), { ...AM(0), integration: 'slack' }, [1, 1]);
  pins.duration('AlertmanagerClusterFailedToSendAlerts', [{ field: 'failedToSendAlerts.for', severity: 'critical', for: f.for }], notifications(0, 'slack', 600, 300, n), { ...cluster, integration: 'slack' }, [1, 1]);
  return pins;
}

describe('alertmanager group', () => {
  test('valid; the kube-prometheus names', () => {
    expect(ruleGroupProblems(amGroups[0])).toEqual([]);
    expect(alertingRules(amGroups).map((r) => r.alert)).toEqual([
      'AlertmanagerFailedReload',
      'AlertmanagerMembersInconsistent',
      'AlertmanagerFailedToSendAlerts',
      'AlertmanagerClusterFailedToSendAlerts',
      'AlertmanagerConfigInconsistent',
      'AlertmanagerClusterDown',
      'AlertmanagerClusterCrashlooping',
      'AlertmanagerClusterFailedPeers',
    ]);
  });

  test('every alert fires in a case and stays quiet in one', () => {
    expect(coverageProblems(amGroups, amCases)).toEqual([]);
  });

  test('promtool test rules: the cases', () => {
    expect(runPromtoolTests(amGroups, amCases)).toContain('SUCCESS');
  });

  test('without expectedMembers, each replica must see as many members as there are Alertmanagers of its job and namespace', () => {
    const gs = [alertmanagerAlerts({ runbookBaseUrl: RB })];
    const cases: AlertCase[] = [
      {
        name: 'a replica seeing 2 of 3 Alertmanagers fires',
        input: [series('alertmanager_cluster_members', AM(0), '2x30'), series('alertmanager_cluster_members', AM(1), '3x30'), series('alertmanager_cluster_members', AM(2), '3x30')],
        checks: [
          {
            at: '15m',
            alertname: 'AlertmanagerMembersInconsistent',
            expect: [{ labels: { ...AM(0), ...crit }, description: 'Alertmanager monitoring/alertmanager-0 sees 2 members of its cluster, fewer than there are Alertmanagers: alerts may be notified twice and silences not shared. Check the mesh port (9094 TCP and UDP) between the pods.' }],
          },
        ],
      },
      { name: 'all see all: quiet', input: [0, 1, 2].map((i) => series('alertmanager_cluster_members', AM(i), '3x30')), checks: [{ at: '15m', alertname: 'AlertmanagerMembersInconsistent', expect: [] }] },
    ];
    expect(runPromtoolTests(gs, cases)).toContain('SUCCESS');
  });

  const custom: AlertmanagerThresholds = { failedToSendAlerts: { ratio: 0.05, for: '10m' } };
  test.each([
    ['defaults', DEFAULT_ALERTMANAGER_THRESHOLDS],
    ['custom', custom],
  ] as const)('thresholds (%s) pinned by data on either side; the pins bite', (name, t) => {
    const gs = [alertmanagerAlerts({ runbookBaseUrl: RB, thresholds: { alertmanager: t } })];
    const pins = amPins(t, gs);
    expect([...pins.pinned].sort()).toEqual(leafPaths(t).sort());
    expect(runPromtoolTests(gs, pins.cases, pins.exprs)).toContain('SUCCESS');
    if (name === 'custom') {
      expect(
        pinsThatDoNotBite(leafPaths(custom), (field) => {
          const other = [alertmanagerAlerts({ runbookBaseUrl: RB, thresholds: { alertmanager: withValueOf(custom, DEFAULT_ALERTMANAGER_THRESHOLDS, field) } })];
          return { groups: other, pins: amPins(custom, other) };
        }),
      ).toEqual([]);
    }
  });
});

// ---- config reloaders, Grafana --------------------------------------------------------------

describe('config-reloaders group and GrafanaRequestsFailing', () => {
  const reloaders = [configReloaderAlerts({ runbookBaseUrl: RB })];
  const R = { job: 'prometheus', namespace: 'monitoring', pod: 'prometheus-0', container: 'config-reloader', instance: '10.244.1.7:8080', node: 'node-a' };
  test('ConfigReloaderSidecarErrors fires about the pod after 10m of failed reloads; a recovered reloader does not', () => {
    expect(ruleGroupProblems(reloaders[0])).toEqual([]);
    const cases: AlertCase[] = [
      {
        name: 'failing reloads',
        input: [series('reloader_last_reload_successful', R, '0x20'), series('reloader_last_reload_successful', { ...R, job: 'alertmanager', pod: 'alertmanager-0' }, '0 0 1x20')],
        checks: [
          { at: '9m', alertname: 'ConfigReloaderSidecarErrors', expect: [] },
          {
            at: '10m',
            alertname: 'ConfigReloaderSidecarErrors',
            expect: [{ labels: { ...R, ...warn }, description: 'The config reloader of monitoring/prometheus-0 fails to apply the changed configuration or rules to its server (the reload call or the config rendering fails): the server runs a stale configuration. Its log names the error.' }],
          },
        ],
      },
    ];
    expect(coverageProblems(reloaders, cases)).toEqual([]);
    expect(runPromtoolTests(reloaders, cases)).toContain('SUCCESS');
  });

  const G = { job: 'grafana', namespace: 'monitoring' };
  const grafanaGroup = (t: GrafanaThresholds): RuleGroup[] => [{ name: 'grafana', rules: [grafanaRequestsFailingAlert({ runbookBaseUrl: RB, selector: 'job="grafana", namespace="monitoring"', thresholds: { grafana: t } })] }];
  /** Requests per second of one handler and the fraction of them failing (5xx). */
  const requests = (perSecond: number, failing: number, n = 30, handler = '/api/search'): Series[] => [
    series('grafana_http_request_duration_seconds_count', { ...G, pod: 'grafana-0', handler, status_code: '200' }, counter(60 * perSecond * (1 - failing), n, 1e4)),
    series('grafana_http_request_duration_seconds_count', { ...G, pod: 'grafana-0', handler, status_code: '500' }, counter(60 * perSecond * failing, n, 1e3)),
  ];
  function grafanaPins(t: GrafanaThresholds, gs: readonly RuleGroup[]): Pins {
    const pins = new Pins(gs);
    const r = t.requestsFailing;
    const handler = { ...G, handler: '/api/search' };
    pins.value('requestsFailing.ratio', 'GrafanaRequestsFailing', 'warning', 10, requests(1, above(r.ratio)), requests(1, below(r.ratio)), handler);
    pins.value('requestsFailing.minRequestRate', 'GrafanaRequestsFailing', 'warning', 10, requests(above(r.minRequestRate), 1), requests(below(r.minRequestRate), 1), handler);
    // Enough traffic that rate() over the first minute (30% of the rate: the window is not yet covered) is above the minimum.
    pins.duration('GrafanaRequestsFailing', [{ field: 'requestsFailing.for', severity: 'warning', for: r.for }], requests(10 * Math.max(1, r.minRequestRate), 1, 40), handler, [1, 1]);
    return pins;
  }
  const custom: GrafanaThresholds = { requestsFailing: { ratio: 0.2, minRequestRate: 0.5, for: '5m' } };
  test.each([
    ['defaults', DEFAULT_GRAFANA_THRESHOLDS],
    ['custom', custom],
  ] as const)('GrafanaRequestsFailing thresholds (%s) pinned by data on either side; the pins bite', (name, t) => {
    const gs = grafanaGroup(t);
    const pins = grafanaPins(t, gs);
    expect([...pins.pinned].sort()).toEqual(leafPaths(t).sort());
    expect(runPromtoolTests(gs, pins.cases, pins.exprs)).toContain('SUCCESS');
    if (name === 'custom') {
      expect(pinsThatDoNotBite(leafPaths(custom), (field) => ({ groups: grafanaGroup(withValueOf(custom, DEFAULT_GRAFANA_THRESHOLDS, field)), pins: grafanaPins(custom, grafanaGroup(withValueOf(custom, DEFAULT_GRAFANA_THRESHOLDS, field))) }))).toEqual([]);
    }
  });
});

// ---- Prometheus: thresholds and remote write -------------------------------------------------

const PROM = { job: 'prometheus', namespace: 'monitoring', pod: 'prometheus-0', container: 'prometheus', instance: '10.244.1.10:9090', node: 'node-a' };
const RW = { remote_name: 'mimir', url: 'https://mimir.example.com/api/v1/push' };

/** Alerts sent to one Alertmanager and the fraction failing. */
const sending = (am: string, failing: number, n = 30): Series[] => [
  series('prometheus_notifications_sent_total', { ...PROM, alertmanager: am }, counter(600, n, 1e5)),
  series('prometheus_notifications_errors_total', { ...PROM, alertmanager: am }, counter(600 * failing, n, 1e3)),
];
const remoteSamples = (failing: number, n = 30): Series[] => [
  series('prometheus_remote_storage_samples_total', { ...PROM, ...RW }, counter(60000, n, 1e7)),
  series('prometheus_remote_storage_samples_failed_total', { ...PROM, ...RW }, counter(60000 * failing, n, 1e4)),
];
/** Newest sample appended at t, newest sent `lag` seconds earlier. */
const remoteLag = (lag: number, n = 30): Series[] => [
  series('prometheus_remote_storage_highest_timestamp_in_seconds', PROM, counter(60, n, 1.7e9)),
  series('prometheus_remote_storage_queue_highest_sent_timestamp_seconds', { ...PROM, ...RW }, counter(60, n, 1.7e9 - lag)),
];
const queries = (ratio: number, n = 30): Series[] => [series('prometheus_engine_queries', PROM, flat(20 * ratio, n)), series('prometheus_engine_queries_concurrent_max', PROM, flat(20, n))];

function prometheusPins(t: PrometheusThresholds, gs: readonly RuleGroup[]): Pins {
  const pins = new Pins(gs);
  const am1 = 'http://10.244.1.20:9093/api/v2/alerts';
  const am2 = 'http://10.244.2.21:9093/api/v2/alerts';
  const some = t.errorSendingAlertsToSome;
  pins.value('errorSendingAlertsToSome.ratio', 'PrometheusErrorSendingAlertsToSomeAlertmanagers', 'warning', 10, sending(am1, above(some.ratio)), sending(am1, below(some.ratio)), { ...PROM, alertmanager: am1 });
  pins.duration('PrometheusErrorSendingAlertsToSomeAlertmanagers', [{ field: 'errorSendingAlertsToSome.for', severity: 'warning', for: some.for }], sending(am1, 0.9, 40), { ...PROM, alertmanager: am1 }, [1, 1]);
  const any = t.errorSendingAlertsToAny;
  pins.value('errorSendingAlertsToAny.ratio', 'PrometheusErrorSendingAlertsToAnyAlertmanager', 'critical', 10, [...sending(am1, above(any.ratio)), ...sending(am2, 0.9)], [...sending(am1, below(any.ratio)), ...sending(am2, 0.9)], PROM);
  pins.duration('PrometheusErrorSendingAlertsToAnyAlertmanager', [{ field: 'errorSendingAlertsToAny.for', severity: 'critical', for: any.for }], [...sending(am1, 0.9, 40), ...sending(am2, 0.9, 40)], PROM, [1, 1]);
  const q = t.highQueryLoad;
  pins.value('highQueryLoad.ratio', 'PrometheusHighQueryLoad', 'warning', 10, queries(above(q.ratio)), queries(below(q.ratio)), PROM);
  pins.duration('PrometheusHighQueryLoad', [{ field: 'highQueryLoad.for', severity: 'warning', for: q.for }], queries(1, 40), PROM, [0, 0]);
  const f = t.remoteStorageFailures;
  pins.value('remoteStorageFailures.ratio', 'PrometheusRemoteStorageFailures', 'critical', 10, remoteSamples(above(f.ratio)), remoteSamples(below(f.ratio)), { ...PROM, ...RW });
  pins.duration('PrometheusRemoteStorageFailures', [{ field: 'remoteStorageFailures.for', severity: 'critical', for: f.for }], remoteSamples(0.9, 40), { ...PROM, ...RW }, [1, 1]);
  const b = t.remoteWriteBehind;
  pins.value('remoteWriteBehind.seconds', 'PrometheusRemoteWriteBehind', 'critical', 10, remoteLag(above(b.seconds)), remoteLag(below(b.seconds)), { ...PROM, ...RW });
  pins.duration('PrometheusRemoteWriteBehind', [{ field: 'remoteWriteBehind.for', severity: 'critical', for: b.for }], remoteLag(b.seconds * 10, 40), { ...PROM, ...RW }, [0, 0]);
  return pins;
}

describe('prometheus group: thresholds and remote write', () => {
  const custom: PrometheusThresholds = {
    errorSendingAlertsToSome: { ratio: 0.05, for: '10m' },
    errorSendingAlertsToAny: { ratio: 0.1, for: '5m' },
    highQueryLoad: { ratio: 0.6, for: '20m' },
    remoteStorageFailures: { ratio: 0.02, for: '10m' },
    remoteWriteBehind: { seconds: 300, for: '5m' },
  };
  test.each([
    ['defaults', DEFAULT_PROMETHEUS_THRESHOLDS],
    ['custom', custom],
  ] as const)('thresholds (%s) pinned by data on either side; the pins bite', (name, t) => {
    const gs = [prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true, thresholds: { prometheus: t } })];
    const pins = prometheusPins(t, gs);
    expect([...pins.pinned].sort()).toEqual(leafPaths(t).sort());
    expect(runPromtoolTests(gs, pins.cases, pins.exprs)).toContain('SUCCESS');
    if (name === 'custom') {
      expect(
        pinsThatDoNotBite(leafPaths(custom), (field) => {
          const other = [prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true, thresholds: { prometheus: withValueOf(custom, DEFAULT_PROMETHEUS_THRESHOLDS, field) } })];
          return { groups: other, pins: prometheusPins(custom, other) };
        }),
      ).toEqual([]);
    }
  });

  const REMOTE = ['PrometheusRemoteStorageFailures', 'PrometheusRemoteWriteBehind', 'PrometheusRemoteWriteDesiredShards'];
  test('remote-write alerts only with remoteWrite (off by default)', () => {
    const names = (g: RuleGroup) => alertingRules([g]).map((r) => r.alert);
    expect(names(prometheusAlerts({ runbookBaseUrl: RB })).filter((a) => REMOTE.includes(a))).toEqual([]);
    expect(names(prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: false })).filter((a) => REMOTE.includes(a))).toEqual([]);
    expect(names(prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true })).filter((a) => REMOTE.includes(a))).toEqual(REMOTE);
  });

  test('promtool test rules: the remote-write alerts fire about the right queue, and stay quiet', () => {
    const gs = [prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true })];
    const shards = (desired: number, max: number): Series[] => [series('prometheus_remote_storage_shards_desired', { ...PROM, ...RW }, flat(desired, 30)), series('prometheus_remote_storage_shards_max', { ...PROM, ...RW }, flat(max, 30))];
    const cases: AlertCase[] = [
      {
        name: '5% of the samples failing fires (critical)',
        input: remoteSamples(0.05),
        checks: [
          {
            at: '20m',
            alertname: 'PrometheusRemoteStorageFailures',
            expect: [{ labels: { ...PROM, ...RW, ...crit }, description: 'Prometheus monitoring/prometheus-0 failed to send 5% of its samples to remote storage mimir (https://mimir.example.com/api/v1/push) for 15m: those samples are lost for it.' }],
          },
        ],
      },
      { name: 'no failures: quiet', input: remoteSamples(0), checks: [{ at: '20m', alertname: 'PrometheusRemoteStorageFailures', expect: [] }] },
      {
        name: '10 minutes behind fires (critical) about the queue',
        input: remoteLag(600),
        checks: [
          {
            at: '20m',
            alertname: 'PrometheusRemoteWriteBehind',
            expect: [{ labels: { ...PROM, ...RW, ...crit }, description: 'Remote write of Prometheus monitoring/prometheus-0 to mimir (https://mimir.example.com/api/v1/push) is 10m 0s behind (threshold 120s); once it is behind by more than the WAL holds (about 2h), samples are lost.' }],
          },
        ],
      },
      { name: '30 s behind: quiet', input: remoteLag(30), checks: [{ at: '20m', alertname: 'PrometheusRemoteWriteBehind', expect: [] }] },
      {
        name: 'more shards wanted than allowed fires',
        input: shards(12, 10),
        checks: [
          {
            at: '15m',
            alertname: 'PrometheusRemoteWriteDesiredShards',
            expect: [{ labels: { ...PROM, ...RW, ...warn }, description: 'Remote write of Prometheus monitoring/prometheus-0 to mimir (https://mimir.example.com/api/v1/push) would need 12 shards to keep up, more than its max_shards: raise queue_config.max_shards or find why sending is slow.' }],
          },
        ],
      },
      { name: 'enough shards: quiet', input: shards(4, 10), checks: [{ at: '15m', alertname: 'PrometheusRemoteWriteDesiredShards', expect: [] }] },
    ];
    expect(coverageProblems([{ name: 'rw', rules: alertingRules(gs).filter((r) => REMOTE.includes(r.alert)) }], cases)).toEqual([]);
    expect(runPromtoolTests(gs, cases)).toContain('SUCCESS');
  });
});

// ---- runbook links, config ------------------------------------------------------------------

describe('runbook links and config', () => {
  test('kube-prometheus-named alerts link the public runbooks by default, the environment\'s with upstreamRunbooks "runbookBaseUrl"; the stack\'s own always the environment\'s', () => {
    expect(upstreamRunbookUrl({ runbookBaseUrl: RB }, 'node', 'NodeFilesystemSpaceFillingUp')).toBe(`${PUBLIC_RUNBOOKS_URL}/node/nodefilesystemspacefillingup`);
    expect(PUBLIC_RUNBOOKS_URL).toBe('https://runbooks.prometheus-operator.dev/runbooks');
    expect(upstreamRunbookUrl({ runbookBaseUrl: RB, upstreamRunbooks: 'runbookBaseUrl' }, 'node', 'NodeFilesystemSpaceFillingUp')).toBe(`${RB}#node-filesystem-space-filling-up`);
    expect(() => upstreamRunbookUrl({ runbookBaseUrl: RB, upstreamRunbooks: 'github' as never }, 'node', 'X')).toThrow(/upstreamRunbooks: "github" is not allowed; use one of "public", "runbookBaseUrl"/);

    const own = { runbookBaseUrl: RB, upstreamRunbooks: 'runbookBaseUrl' as const };
    const all = (o: { runbookBaseUrl: string; upstreamRunbooks?: 'public' | 'runbookBaseUrl' }) =>
      alertingRules([...nodeAlerts(o), generalAlerts(o), prometheusAlerts({ ...o, remoteWrite: true }), alertmanagerAlerts(o), configReloaderAlerts(o)]);
    for (const r of all({ runbookBaseUrl: RB })) {
      const url = r.annotations!.runbook_url;
      if (r.alert === 'PrometheusWALCorruptions') expect(url).toBe(`${RB}#prometheus-wal-corruptions`);
      else expect(url).toMatch(new RegExp(`^${PUBLIC_RUNBOOKS_URL}/(node|general|prometheus|alertmanager|prometheus-operator)/${r.alert.toLowerCase()}$`));
    }
    for (const r of all(own)) expect(r.annotations!.runbook_url).toMatch(new RegExp(`^${RB}#[a-z0-9-]+$`));
  });

  test('alerts.upstreamRunbooks and the new threshold sections are validated with the field named', () => {
    const withAlerts = (alerts: object): StackConfig => ({ ...production, alerts: { ...production.alerts, ...alerts } as StackConfig['alerts'] });
    const msgs = (c: StackConfig) => configProblems(c).map((p) => `${p.path}: ${p.message}`);
    expect(msgs(withAlerts({ upstreamRunbooks: 'runbookBaseUrl' }))).toEqual([]);
    expect(msgs(withAlerts({ upstreamRunbooks: 'wiki' }))).toEqual(['alerts.upstreamRunbooks: "wiki" is not allowed; use one of "public", "runbookBaseUrl"']);
    expect(msgs(withAlerts({ thresholds: { node: { conntrack: { usedRatio: 75 } } } }))).toEqual(['alerts.thresholds.node.conntrack.usedRatio: 75 must be a fraction strictly between 0 and 1 (e.g. 0.05 for 5%)']);
    expect(msgs(withAlerts({ thresholds: { node: { conntrak: {} } } }))).toEqual([
      'alerts.thresholds.node.conntrak: unknown field of alerts.thresholds.node (did you mean "conntrack"?); allowed: filesystemSpaceFillingUp, filesystemAlmostOutOfSpace, filesystemFilesFillingUp, filesystemAlmostOutOfFiles, networkErrors, conntrack, clockSkew, fileDescriptors, cpuHighUsage, systemSaturation, memoryMajorPageFaults, memoryHighUtilization, diskIOSaturation, systemdServiceCrashlooping, networkInterfaceFlapping',
    ]);
    expect(msgs(withAlerts({ thresholds: { prometheus: { remoteWriteBehind: { for: '15 min' } }, alertmanager: { failedToSendAlerts: { ratio: 0 } } } }))).toEqual([
      'alerts.thresholds.prometheus.remoteWriteBehind.for: "15 min" is not a positive Prometheus duration; use e.g. "5m", "1h" or "4d"',
      'alerts.thresholds.alertmanager.failedToSendAlerts.ratio: 0 must be a fraction strictly between 0 and 1 (e.g. 0.05 for 5%)',
    ]);
    expect(msgs(withAlerts({ thresholds: { node: { fileDescriptors: { critical: { usedRatio: 0.5 } }, filesystemSpaceFillingUp: { critical: { predictionHorizon: '2d' } } } } }))).toEqual([
      'alerts.thresholds.node.filesystemSpaceFillingUp.critical.predictionHorizon: "2d" is longer than warning.predictionHorizon "24h"; critical must be the nearer horizon',
      'alerts.thresholds.node.fileDescriptors.critical.usedRatio: 0.5 must be above warning.usedRatio 0.7',
    ]);
  });

  test('the defaults are the documented ones (each @default in stack-thresholds.ts)', () => {
    const t = resolveAlertThresholds({});
    expect(t.node.filesystemSpaceFillingUp).toEqual({ warning: { availableRatio: 0.15, predictionHorizon: '24h', for: '1h' }, critical: { availableRatio: 0.1, predictionHorizon: '4h', for: '1h' } });
    expect(t.node.conntrack).toEqual({ usedRatio: 0.75, for: '5m' });
    expect(t.prometheus.remoteWriteBehind).toEqual({ seconds: 120, for: '15m' });
    expect(t.alertmanager).toEqual({ failedToSendAlerts: { ratio: 0.01, for: '5m' } });
    expect(t.grafana).toEqual({ requestsFailing: { ratio: 0.05, minRequestRate: 0.05, for: '15m' } });
  });

  test('promtool check rules accepts every group of these files together', () => {
    const gs: RuleGroup[] = [...nodeAlerts({ runbookBaseUrl: RB }), ...general, prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true }), ...amGroups, configReloaderAlerts({ runbookBaseUrl: RB })];
    for (const g of gs) expect(ruleGroupProblems(g)).toEqual([]);
    const res = withFiles({ 'all.rules.yaml': renderRuleFile(gs) }, (dir) => promtool(['check', 'rules', 'all.rules.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });
});
