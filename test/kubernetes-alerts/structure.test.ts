import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { KSM_RESOURCES } from '../../lib/components/infrastructure-exporters';
import { production, staging } from '../../lib/config';
import type { StackConfig } from '../../lib/config/types';
import { DEFAULT_KUBERNETES_THRESHOLDS, KUBERNETES_METRICS, kubernetesRuleGroups, resolveAlertThresholds, runbookAnchor } from '../../lib/observability/alerts';
import { promqlMetricNames } from '../../lib/observability/dashboards/queries';
import { RuleGroup, isAlertingRule, renderRuleFile, ruleGroupProblems } from '../../lib/observability/rule-group';
import { seriesNames } from '../../lib/observability/upstream-metrics';
import { MonitoringStack } from '../../lib/stack';
import { promtool, withFiles } from '../support/tools';
import { GROUPS, RUNBOOKS, alertRules, allGroups, publicRunbook } from './harness';

/** Names, labels, annotations, options and their validation; the metrics the rules read. */

const ALERTS_BY_GROUP: Record<string, string[]> = {
  'kubernetes-apps': [
    'KubePodCrashLooping',
    'KubePodNotReady',
    'KubeContainerWaiting',
    'KubeDeploymentGenerationMismatch',
    'KubeDeploymentReplicasMismatch',
    'KubeDeploymentRolloutStuck',
    'KubeStatefulSetReplicasMismatch',
    'KubeStatefulSetGenerationMismatch',
    'KubeStatefulSetUpdateNotRolledOut',
    'KubeDaemonSetRolloutStuck',
    'KubeDaemonSetNotScheduled',
    'KubeDaemonSetMisScheduled',
    'KubeJobNotCompleted',
    'KubeJobFailed',
    'KubeHpaReplicasMismatch',
    'KubeHpaMaxedOut',
    'KubePdbNotEnoughHealthyPods',
  ],
  'kubernetes-resources': [
    'KubeCPUOvercommit',
    'KubeMemoryOvercommit',
    'KubeCPUQuotaOvercommit',
    'KubeMemoryQuotaOvercommit',
    'KubeQuotaAlmostFull',
    'KubeQuotaFullyUsed',
    'KubeQuotaExceeded',
    'CPUThrottlingHigh',
  ],
  'kubernetes-storage': ['KubePersistentVolumeFillingUp', 'KubePersistentVolumeInodesFillingUp', 'KubePersistentVolumeErrors'],
  'kubernetes-system': ['KubeVersionMismatch', 'KubeClientErrors'],
  'kubernetes-system-apiserver': ['KubeClientCertificateExpiration', 'KubeAggregatedAPIErrors', 'KubeAggregatedAPIDown', 'KubeAPIDown', 'KubeAPIInstanceUnreachable', 'KubeAPITerminatedRequests'],
  'kubernetes-system-kubelet': [
    'KubeNodeNotReady',
    'KubeNodePressure',
    'KubeNodeUnreachable',
    'KubeletTooManyPods',
    'KubeNodeReadinessFlapping',
    'KubeNodeEviction',
    'KubeletPlegDurationHigh',
    'KubeletPodStartUpLatencyHigh',
    'KubeletClientCertificateExpiration',
    'KubeletServerCertificateExpiration',
    'KubeletClientCertificateRenewalErrors',
    'KubeletServerCertificateRenewalErrors',
    'KubeletInstanceUnreachable',
    'KubeletDown',
  ],
  'kubernetes-system-scheduler': ['KubeSchedulerDown', 'KubeSchedulerInstanceUnreachable'],
  'kubernetes-system-controller-manager': ['KubeControllerManagerDown', 'KubeControllerManagerInstanceUnreachable'],
  'kube-state-metrics': ['KubeStateMetricsListErrors', 'KubeStateMetricsWatchErrors', 'KubeStateMetricsShardingMismatch', 'KubeStateMetricsShardsMissing'],
  'sloth-slo-alerts-kube-apiserver-availability': ['KubeAPIErrorBudgetBurn'],
  'sloth-slo-alerts-kube-apiserver-latency': ['KubeAPIErrorBudgetBurn'],
};

const names = (groups: readonly RuleGroup[]) => Object.fromEntries(groups.filter((g) => g.rules.some(isAlertingRule)).map((g) => [g.name, [...new Set(g.rules.filter(isAlertingRule).map((r) => r.alert))]]));

function checkRules(groups: readonly RuleGroup[]): void {
  for (const g of groups) expect({ group: g.name, problems: ruleGroupProblems(g) }).toEqual({ group: g.name, problems: [] });
  const res = withFiles({ 'rules.yml': renderRuleFile(groups) }, (dir) => promtool(['check', 'rules', 'rules.yml'], { cwd: dir }));
  expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
}

describe('Kubernetes rule groups: structure', () => {
  it('alert groups by subject with kube-prometheus\'s alert names', () => {
    expect(names(GROUPS)).toEqual(ALERTS_BY_GROUP);
    // By default (managed clusters) the scheduler and controller manager are not scraped.
    const defaults = kubernetesRuleGroups({ runbookBaseUrl: RUNBOOKS });
    expect(Object.keys(names(defaults))).toEqual(Object.keys(ALERTS_BY_GROUP).filter((g) => !/scheduler|controller-manager/.test(g)));
  });

  it('every alert: severity, category, summary, description, and the public runbook of its folder by default', () => {
    for (const r of alertRules()) {
      expect(['critical', 'warning', 'info']).toContain(r.labels?.severity);
      expect(r.labels?.category).toBe('infrastructure');
      expect(r.annotations?.summary).toMatch(/\S/);
      expect(r.annotations?.description).toMatch(/\S/);
      expect(r.annotations?.runbook_url).toBe(publicRunbook(r.alert, r.alert.startsWith('KubeStateMetrics') ? 'kube-state-metrics' : 'kubernetes'));
    }
  });

  it('with upstreamRunbooks "runbookBaseUrl", every alert links to the environment\'s runbooks instead', () => {
    const rules = alertRules(allGroups({ upstreamRunbooks: 'runbookBaseUrl' }));
    expect(rules.length).toBe(alertRules().length);
    for (const r of rules) expect(r.annotations?.runbook_url).toBe(`${RUNBOOKS}#${runbookAnchor(r.alert)}`);
  });

  it.each([
    ['defaults', {}],
    ['everything scraped, extra labels, an interval', { scraped: { scheduler: true, controllerManager: true }, extraLabels: { team: 'platform' }, interval: '30s' }],
    ['other job names', { jobs: { apiServer: 'kubernetes-apiservers', kubelet: 'kubernetes-nodes', scheduler: 'scheduler.kube-system', controllerManager: 'cm' } }],
    ['nothing of the control plane scraped', { scraped: { apiServer: false, kubelet: false } }],
    ['other thresholds', { thresholds: { kubernetes: { apps: { crashLooping: { restarts: 5, window: '30m' } }, kubelet: { nodePressure: { conditions: ['MemoryPressure' as const] } }, apiServer: { clientCertificateExpiration: { warningHorizon: '30d', criticalHorizon: '2d' } } } } }],
  ])('%s: valid rule groups (ruleGroupProblems and promtool check rules)', (_name, options) => {
    checkRules(kubernetesRuleGroups({ runbookBaseUrl: RUNBOOKS, ...options }));
  });

  it('thresholds and options reach the expressions, labels and interval', () => {
    const g = kubernetesRuleGroups({
      runbookBaseUrl: RUNBOOKS,
      extraLabels: { team: 'platform' },
      interval: '30s',
      jobs: { apiServer: 'kubernetes-apiservers' },
      thresholds: { kubernetes: { apps: { crashLooping: { restarts: 5, window: '30m', severity: 'critical' } } } },
    });
    const crash = alertRules(g).find((r) => r.alert === 'KubePodCrashLooping')!;
    expect(crash.expr).toContain('[30m])) > 5');
    expect(crash.labels).toEqual({ severity: 'critical', category: 'infrastructure', team: 'platform' });
    expect(alertRules(g).find((r) => r.alert === 'KubeAPIDown')!.expr).toBe('absent(up{job="kubernetes-apiservers"} == 1)');
    for (const grp of g.filter((x) => !x.name.startsWith('sloth-'))) expect(grp.interval).toBe('30s');
    for (const r of alertRules(g).filter((x) => x.alert === 'KubeAPIErrorBudgetBurn')) expect(r.labels?.team).toBe('platform');
  });

  it('no rule aggregates by or matches on `cluster` (an external label, not on series in one Prometheus)', () => {
    for (const g of GROUPS) for (const r of g.rules) expect(r.expr).not.toMatch(/\bcluster\b(?!_quantile|:|")/);
  });

  it('a job name is used only for metrics several programs expose (up, the API server\'s families, kubernetes_build_info)', () => {
    const shared = /^(up|apiserver_.*|aggregator_.*|kubernetes_build_info)$/;
    for (const g of GROUPS) {
      for (const r of g.rules) {
        for (const m of r.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\bjob=/g)) expect({ rule: g.name, metric: m[1] }).toEqual({ rule: g.name, metric: expect.stringMatching(shared) });
      }
    }
  });

  it('read exactly the catalogued metrics (and their own recording rules); every kube-state-metrics resource is collected by the stack\'s kube-state-metrics', () => {
    const recorded = new Set(GROUPS.flatMap((g) => g.rules.flatMap((r) => (isAlertingRule(r) ? [] : [r.record]))));
    const read = new Set(GROUPS.flatMap((g) => g.rules.flatMap((r) => promqlMetricNames(r.expr))).filter((n) => !recorded.has(n)));
    const catalogued = new Map(KUBERNETES_METRICS.flatMap((m) => seriesNames(m.name, m.type).map((s) => [s, m] as const)));
    expect([...read].filter((n) => !catalogued.has(n)).sort()).toEqual([]);
    const unused = KUBERNETES_METRICS.filter((m) => !seriesNames(m.name, m.type).some((s) => read.has(s))).map((m) => m.name);
    expect(unused).toEqual([]);
    const collected = new Set(KSM_RESOURCES.map((r) => r.flag));
    for (const m of KUBERNETES_METRICS.filter((x) => x.producer === 'kube-state-metrics')) expect({ metric: m.name, collected: collected.has(m.ksmResource!) }).toEqual({ metric: m.name, collected: true });
    for (const m of KUBERNETES_METRICS) {
      if (m.type === 'counter') expect(m.name).toMatch(/_total$|^kubelet_(evictions|certificate_manager_client_expiration_renew_errors|server_expiration_renew_errors)$/);
      else expect(m.name).not.toMatch(/_total$/);
    }
  });
});

describe('docs/kubernetes-alerts.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'kubernetes-alerts.md'), 'utf8');
  it('lists every alert, every threshold field of each section, and every recording rule', () => {
    for (const name of new Set(alertRules().map((r) => r.alert))) expect({ name, listed: doc.includes(name) }).toEqual({ name, listed: true });
    for (const [section, fields] of Object.entries(DEFAULT_KUBERNETES_THRESHOLDS)) {
      expect({ section, listed: doc.includes(`thresholds.kubernetes.${section}`) }).toEqual({ section, listed: true });
      for (const field of Object.keys(fields)) expect({ section, field, listed: doc.includes(`\`${field}\``) }).toEqual({ section, field, listed: true });
    }
    const records = new Set(GROUPS.filter((g) => !g.name.startsWith('sloth-')).flatMap((g) => g.rules.flatMap((r) => (isAlertingRule(r) ? [] : [r.record]))));
    const abbreviated = (r: string) => doc.includes(r) || doc.includes(`\`...${r.split(':').pop()}\``) || doc.includes(`_${r.split('_').pop()}\``);
    for (const r of records) expect({ record: r, listed: abbreviated(r) }).toEqual({ record: r, listed: true });
  });
});

describe('Kubernetes rule groups: bad options and thresholds fail naming the field and the fix', () => {
  const build = (options: object) => () => kubernetesRuleGroups({ runbookBaseUrl: RUNBOOKS, ...options } as never);

  it.each([
    [{ upstreamRunbook: 'public' }, /kubernetesRuleGroups\.upstreamRunbook: unknown field; allowed fields are .*upstreamRunbooks/],
    [{ upstreamRunbooks: 'wiki' }, /kubernetesRuleGroups\.upstreamRunbooks: "wiki" is not allowed; use one of "public", "runbookBaseUrl"/],
    [{ jobs: { apiserver: 'x' } }, /kubernetesRuleGroups\.jobs\.apiserver: unknown field; allowed fields are apiServer, kubelet, scheduler, controllerManager/],
    [{ jobs: { kubelet: 'kube let' } }, /kubernetesRuleGroups\.jobs\.kubelet: "kube let" is not a job name/],
    [{ scraped: { scheduler: 'yes' } }, /kubernetesRuleGroups\.scraped\.scheduler: "yes" is not allowed; use true or false/],
    [{ runbookBaseUrl: 'runbooks' }, /kubernetesRuleGroups\.runbookBaseUrl: "runbooks" is not an absolute URL/],
    [{ extraLabels: { severity: 'x' } }, /extraLabels\.severity: is set by the library/],
  ])('%j', (options, message) => {
    expect(build(options)).toThrow(message);
  });

  it.each([
    [{ kubernetes: { apps: { crashLooping: { for: '15 minutes' } } } }, /thresholds\.kubernetes\.apps\.crashLooping\.for: "15 minutes" is not a positive Prometheus duration/],
    [{ kubernetes: { apps: { jobNotCompleted: { activeFor: 'soon' } } } }, /thresholds\.kubernetes\.apps\.jobNotCompleted\.activeFor: "soon" is not a positive Prometheus duration/],
    [{ kubernetes: { resources: { quotaAlmostFull: { usedRatio: 90 } } } }, /thresholds\.kubernetes\.resources\.quotaAlmostFull\.usedRatio: 90 must be a fraction/],
    [{ kubernetes: { resources: { quotaOvercommit: { factor: -1 } } } }, /thresholds\.kubernetes\.resources\.quotaOvercommit\.factor: -1 must be a positive number/],
    [{ kubernetes: { kubelet: { nodePressure: { conditions: ['Hot'] } } } }, /thresholds\.kubernetes\.kubelet\.nodePressure\.conditions\[0\]: "Hot" is not a node condition/],
    [{ kubernetes: { kubelet: { nodeNotReady: { severity: 'page' } } } }, /thresholds\.kubernetes\.kubelet\.nodeNotReady\.severity: "page" is not a severity/],
    [{ kubernetes: { storage: { volumeInodesFillingUp: { criticalAvailableRatio: 0.2 } } } }, /thresholds\.kubernetes\.storage\.volumeInodesFillingUp: criticalAvailableRatio \(0\.2\) must be below warningAvailableRatio \(0\.15\)/],
    [{ kubernetes: { apiServer: { clientCertificateExpiration: { warningHorizon: '10d' } } } }, /thresholds\.kubernetes\.apiServer\.clientCertificateExpiration\.warningHorizon: "10d" is not a bucket bound of apiserver_client_certificate_expiration_seconds; use one of 30m, 1h, 2h, 6h, 12h, 1d, 2d, 4d, 7d, 30d, 90d, 180d, 360d/],
    [{ kubernetes: { kubelet: { certificateExpiration: { criticalHorizon: '7d' } } } }, /thresholds\.kubernetes\.kubelet\.certificateExpiration: criticalHorizon \(7d\) must be shorter than warningHorizon \(7d\)/],
    [{ kubernetes: { apiServer: { latencySlo: { namespaceSeconds: 7 } } } }, /thresholds\.kubernetes\.apiServer\.latencySlo\.namespaceSeconds: 7 is not a bucket bound of apiserver_request_sli_duration_seconds/],
    [{ kubernetes: { apiServer: { availabilitySlo: { objective: 99.9 } } } }, /thresholds\.kubernetes\.apiServer\.availabilitySlo\.objective: 99\.9 must be a fraction/],
    [{ kubernetes: { kubelet: { plegDuration: { seconds: 30 } } } }, /thresholds\.kubernetes\.kubelet\.plegDuration\.seconds: 30 is above 10, the largest bucket bound of kubelet_pleg_relist_duration_seconds/],
    [{ kubernetes: { kubelet: { readinessFlapping: { changes: 2.5 } } } }, /readinessFlapping\.changes: 2\.5 must be a whole number/],
    [{ kubernetes: { kubelet: { nodeNotReady: { forr: '5m' } } } }, /thresholds\.kubernetes\.kubelet\.nodeNotReady\.forr: unknown field; allowed fields are for, severity/],
  ])('%j', (thresholds, message) => {
    expect(() => resolveAlertThresholds(thresholds as never)).toThrow(message);
    expect(build({ thresholds })).toThrow(message);
  });

  it('a config written for the former thresholds.infrastructure section names where each Kubernetes field went; targetDown stays', () => {
    const err = (() => {
      try {
        resolveAlertThresholds({ infrastructure: { crashLooping: { restarts: 5 }, nodePressure: {}, volumeFillingUp: {}, cpuThrottling: {}, podNotReady: {}, targetDown: { percent: 20 }, typo: {} } } as never);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err.split('\n').slice(1)).toEqual([
      '  - thresholds.infrastructure.crashLooping: moved; set thresholds.kubernetes.apps.crashLooping instead (same fields)',
      '  - thresholds.infrastructure.nodePressure: moved; set thresholds.kubernetes.kubelet.nodePressure (the alert is now KubeNodePressure) instead (same fields)',
      '  - thresholds.infrastructure.volumeFillingUp: moved; set thresholds.kubernetes.storage.volumeFillingUp instead (same fields)',
      '  - thresholds.infrastructure.cpuThrottling: moved; set thresholds.kubernetes.resources.cpuThrottling instead (same fields)',
      '  - thresholds.infrastructure.podNotReady: moved; set thresholds.kubernetes.apps.podNotReady instead (same fields)',
      '  - thresholds.infrastructure.typo: unknown field; allowed fields are targetDown',
    ]);
    expect(resolveAlertThresholds({ infrastructure: { targetDown: { percent: 20 } } }).infrastructure.targetDown).toEqual({ percent: 20, for: '10m', severity: 'warning' });
  });

  it('the defaults are valid and resolve to themselves', () => {
    expect(resolveAlertThresholds().kubernetes).toEqual(DEFAULT_KUBERNETES_THRESHOLDS);
  });
});

describe('in the stack', () => {
  const objects = (config: StackConfig) => {
    const app = Testing.app();
    const stack = new MonitoringStack(app, 'stack', config);
    return { stack, manifests: stack.charts.flatMap((c) => Testing.synth(c)) };
  };

  it.each([staging, production])('$environment: the kubernetes-rules component registers the groups and emits them as PrometheusRules', (config) => {
    const { stack, manifests } = objects(config);
    const groups = stack.context.rules.groups('kubernetes-rules');
    expect(groups.map((g) => g.name)).toEqual(kubernetesRuleGroups({ runbookBaseUrl: config.runbookBaseUrl, thresholds: config.alerts.thresholds }).map((g) => g.name));
    const rules = manifests.filter((m) => m.kind === 'PrometheusRule' && m.metadata.name.startsWith('kubernetes-rules'));
    expect(rules.flatMap((r) => r.spec.groups.map((g: { name: string }) => g.name))).toEqual(groups.map((g) => g.name));
    expect(stack.context.rules.groups('alert-rules').map((g) => g.name)).toEqual(['application-health']);
    expect(Object.keys(stack.context.rules.ruleFiles())).toContain('kubernetes-rules.rules.yaml');
  });

  it('follows the config\'s scrape switches (kubernetesComponents): the scheduler\'s groups when it is scraped, no API server groups when it is not', () => {
    const groupNames = (kubernetesComponents: object) =>
      objects({ ...production, kubernetesComponents, alerts: production.alerts } as StackConfig)
        .stack.context.rules.groups('kubernetes-rules')
        .map((g) => g.name);
    const on = groupNames({ scheduler: true, controllerManager: true, coreDns: true, kubeletTls: 'cluster-ca' });
    expect(on).toEqual(expect.arrayContaining(['kubernetes-system-scheduler', 'kubernetes-system-controller-manager', 'kube-scheduler.rules']));
    const off = groupNames({ apiServer: false });
    expect(off.filter((n) => /apiserver|scheduler|controller-manager/.test(n))).toEqual(['kubernetes-system-apiserver']);
    const apiAlerts = objects({ ...production, kubernetesComponents: { apiServer: false } } as StackConfig).stack.context.rules.groups('kubernetes-rules').find((g) => g.name === 'kubernetes-system-apiserver')!;
    expect(apiAlerts.rules.filter(isAlertingRule).map((r) => r.alert)).not.toContain('KubeAPIDown');
  });

  it('alerts.upstreamRunbooks and alerts.thresholds.kubernetes of the config reach the rules; a bad value fails the synth naming the field', () => {
    const own = objects({ ...production, alerts: { ...production.alerts, upstreamRunbooks: 'runbookBaseUrl', thresholds: { kubernetes: { kubelet: { nodeNotReady: { for: '30m' } } } } } }).stack;
    const rules = own.context.rules.groups('kubernetes-rules').flatMap((g) => g.rules.filter(isAlertingRule));
    const notReady = rules.find((r) => r.alert === 'KubeNodeNotReady')!;
    expect(notReady.for).toBe('30m');
    expect(notReady.annotations?.runbook_url).toBe(`${production.runbookBaseUrl}#kube-node-not-ready`);
    expect(() => objects({ ...production, alerts: { ...production.alerts, upstreamRunbooks: 'own' as never } })).toThrow(/alerts\.upstreamRunbooks: "own" is not allowed/);
    expect(() => objects({ ...production, alerts: { ...production.alerts, thresholds: { kubernetes: { apps: { podNotReady: { for: 'x' } } } } } })).toThrow(/alerts\.thresholds\.kubernetes\.apps\.podNotReady\.for: "x" is not a positive Prometheus duration/);
  });
});
