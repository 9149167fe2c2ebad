import { ExpAlert, GROUPS, KSM_SELF, Mutation, Series, T, all, allGroups, expectPinned, fired, group, minutes, only, pct, ramp, rule, s, shift, unitTest } from './harness';

/** kubernetes-system-scheduler, kubernetes-system-controller-manager and kube-state-metrics. */

const C = T.controlPlane;
const forMoved = (d: string): Mutation[] => [{ for: shift(d, 2) }, { for: shift(d, -2) }];

describe.each([
  ['kubernetes-system-scheduler', 'KubeScheduler', 'kube-scheduler', 10259],
  ['kubernetes-system-controller-manager', 'KubeControllerManager', 'kube-controller-manager', 10257],
] as const)('%s', (groupName, prefix, job, port) => {
  const g = [group(groupName, GROUPS)];
  const target = (node: string) => ({ job, instance: `10.0.0.${node.slice(2)}:${port}`, namespace: 'kube-system', pod: `${job}-${node}`, container: job, node });

  it(`${prefix}Down and ${prefix}InstanceUnreachable: none up (or none discovered) vs one instance down`, () => {
    const f1 = minutes(C.down.for);
    const f2 = minutes(C.instanceUnreachable.for);
    const len = Math.max(f1, f2) + 5;
    const up = (node: string, v: number): Series => ({ series: s('up', target(node)), values: `${v}x${len}` });
    const other = { series: s('up', { job: 'apiserver', instance: '10.0.0.10:6443' }), values: `1x${len}` };
    const what = job;
    const unreachable = (node: string) => fired(`${prefix}InstanceUnreachable`, target(node), `${what} 10.0.0.${node.slice(2)}:${port} (node ${node}) has been unreachable from Prometheus for ${C.instanceUnreachable.for}.`);
    const downDescription = rule(`${prefix}Down`, undefined, g).annotations!.description;
    expect(downDescription).toMatch(new RegExp(`^No target of job ${job} has been up for ${C.down.for}: ${job} is down or unreachable from Prometheus, and if it is really down `));
    const downAlert = fired(`${prefix}Down`, {}, downDescription);
    const tests = (d: ExpAlert[], u: ExpAlert[]) => [
      { eval_time: `${f1 - 1}m`, alertname: `${prefix}Down`, exp_alerts: [] },
      { eval_time: `${f1 + 1}m`, alertname: `${prefix}Down`, exp_alerts: d },
      { eval_time: `${f2 - 1}m`, alertname: `${prefix}InstanceUnreachable`, exp_alerts: [] },
      { eval_time: `${f2 + 1}m`, alertname: `${prefix}InstanceUnreachable`, exp_alerts: u },
    ];
    const run = (rules: typeof g) =>
      all(
        unitTest(rules, [up('cp1', 0), up('cp2', 1), other], tests([], [unreachable('cp1')])),
        unitTest(rules, [up('cp1', 0), up('cp2', 0), other], tests([downAlert], [unreachable('cp1'), unreachable('cp2')])),
        unitTest(rules, [other], tests([downAlert], [])),
      );
    expectPinned(run, g, `${prefix}Down`, forMoved(C.down.for));
    expectPinned(run, g, `${prefix}InstanceUnreachable`, forMoved(C.instanceUnreachable.for));
  });

  it('exists only when the component is scraped', () => {
    const names = (scraped: Record<string, boolean>) => allGroups({ scraped }).map((x) => x.name);
    const key = prefix === 'KubeScheduler' ? 'scheduler' : 'controllerManager';
    expect(names({ [key]: true })).toContain(groupName);
    expect(names({ [key]: false })).not.toContain(groupName);
  });
});

describe('kube-state-metrics', () => {
  const ksmGroup = [group('kube-state-metrics', GROUPS)];
  const K = T.kubeStateMetrics;

  it.each([
    ['KubeStateMetricsListErrors', 'kube_state_metrics_list_total', 'list'],
    ['KubeStateMetricsWatchErrors', 'kube_state_metrics_watch_total', 'watch'],
  ])('%s: per resource, failing calls above the configured share', (alertname, metric, call) => {
    const { errorRatio } = K.listWatchErrors;
    const f = minutes(K.listWatchErrors.for);
    const len = f + 5;
    const calls = (resource: string, result: string, perMinute: number): Series => ({ series: s(metric, { ...KSM_SELF, resource, result }), values: ramp(0, perMinute, len) });
    const above = errorRatio + 0.002;
    const below = errorRatio - 0.002;
    const series = [
      calls('*v1.ResourceQuota', 'success', 1000 * (1 - above)),
      calls('*v1.ResourceQuota', 'error', 1000 * above),
      calls('*v1.Pod', 'success', 1000 * (1 - below)),
      calls('*v1.Pod', 'error', 1000 * below),
      calls('*v1.Node', 'success', 1000),
    ];
    const alert = fired(
      alertname,
      { resource: '*v1.ResourceQuota' },
      `${pct(above)} of kube-state-metrics' ${call} calls for *v1.ResourceQuota failed over 5m (threshold ${errorRatio * 100}%): the metrics of those objects are stale or missing (check its RBAC and the API server).`,
      { dir: 'kube-state-metrics' },
    );
    const run = (rules: typeof ksmGroup) =>
      unitTest(only(rules, alertname), series, [
        { eval_time: `${f - 1}m`, alertname, exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname, exp_alerts: [alert] },
      ]);
    expectPinned(run, ksmGroup, alertname, [...forMoved(K.listWatchErrors.for), { expr: [`> ${errorRatio}`, `> ${errorRatio + 0.004}`] }, { expr: [`> ${errorRatio}`, `> ${errorRatio - 0.004}`] }]);
  });

  it('KubeStateMetricsShardingMismatch and KubeStateMetricsShardsMissing: shards disagreeing on the count, or a shard not reporting', () => {
    const f = minutes(K.sharding.for);
    const len = f + 5;
    /** One kube-state-metrics shard: its ordinal (as label and value) and the shard count it was given. */
    const shard = (pod: string, ordinal: number, total: number): Series[] => {
      const target = { ...KSM_SELF, instance: `10.1.2.${ordinal + 3}:8081`, pod };
      return [
        { series: s('kube_state_metrics_shard_ordinal', { ...target, shard_ordinal: String(ordinal) }), values: `${ordinal}x${len}` },
        { series: s('kube_state_metrics_total_shards', target), values: `${total}x${len}` },
      ];
    };
    const mismatch = fired('KubeStateMetricsShardingMismatch', {}, 'kube-state-metrics instances run with different --total-shards: some objects are exported twice, others not at all.', { dir: 'kube-state-metrics' });
    const missing = (n: number) => fired('KubeStateMetricsShardsMissing', {}, `${n} shard(s) of kube-state-metrics report no metrics: the objects of those shards are not exported.`, { dir: 'kube-state-metrics' });
    const tests = (a: ExpAlert[], b: ExpAlert[]) => [
      { eval_time: `${f - 1}m`, alertname: 'KubeStateMetricsShardingMismatch', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubeStateMetricsShardingMismatch', exp_alerts: a },
      { eval_time: `${f - 1}m`, alertname: 'KubeStateMetricsShardsMissing', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubeStateMetricsShardsMissing', exp_alerts: b },
    ];
    const run = (rules: typeof ksmGroup) =>
      all(
        // Three shards, all reporting: fine. One instance (no sharding): fine.
        unitTest(rules, [...shard('ksm-0', 0, 3), ...shard('ksm-1', 1, 3), ...shard('ksm-2', 2, 3)], tests([], [])),
        unitTest(rules, shard('ksm-0', 0, 1), tests([], [])),
        // Shard 1 of 3 is gone.
        unitTest(rules, [...shard('ksm-0', 0, 3), ...shard('ksm-2', 2, 3)], tests([], [missing(1)])),
        // Two pods both run as shard 0 of 2: shard 1 is missing.
        unitTest(rules, [...shard('ksm-0', 0, 2), ...shard('ksm-0b', 0, 2)], tests([], [missing(1)])),
        // One pod still runs with --total-shards=2 (a rollout that did not finish).
        unitTest(rules, [...shard('ksm-0', 0, 3), ...shard('ksm-1', 1, 2), ...shard('ksm-2', 2, 3)], tests([mismatch], [])),
      );
    const g = only(ksmGroup, 'KubeStateMetricsShardingMismatch', 'KubeStateMetricsShardsMissing');
    expectPinned(run, g, 'KubeStateMetricsShardingMismatch', forMoved(K.sharding.for));
    expectPinned(run, g, 'KubeStateMetricsShardsMissing', [...forMoved(K.sharding.for), { expr: ['count(count by (shard_ordinal)', 'count(count by (pod)'] }]);
  });
});
