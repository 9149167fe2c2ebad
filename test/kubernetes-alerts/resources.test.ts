import { GROUPS, KSM, Mutation, Series, T, all, cadvisor, expectPinned, fired, group, minutes, only, pct, ramp, s, shift, unitTest } from './harness';

/**
 * kubernetes-resources. The overcommit alerts read the per-namespace request sums (recording
 * rules tested in recording.test.ts): here they are input series, as Prometheus stores them.
 */

const resources = [group('kubernetes-resources', GROUPS)];
const R = T.resources;
const ksm = (metric: string, labels: Record<string, string>, values: string): Series => ({ series: s(metric, { ...labels, ...KSM }), values });
const forMoved = (d: string): Mutation[] => [{ for: shift(d, 2) }, { for: shift(d, -2) }];

/** Nodes with their allocatable amount of `resource`; `cordoned` ones are unschedulable. */
function nodes(resource: string, unit: string, amounts: number[], len: number, cordoned: number[] = []): Series[] {
  return amounts.flatMap((a, i) => [
    ksm('kube_node_status_allocatable', { node: `n${i + 1}`, resource, unit }, `${a}x${len}`),
    ksm('kube_node_spec_unschedulable', { node: `n${i + 1}` }, `${cordoned.includes(i) ? 1 : 0}x${len}`),
  ]);
}

describe('kubernetes-resources', () => {
  it.each([
    ['KubeCPUOvercommit', 'cpu', 'core', 4, 'humanize'],
    ['KubeMemoryOvercommit', 'memory', 'byte', 16 * 2 ** 30, 'humanize1024'],
  ] as const)('%s: requests that would not fit without the largest schedulable node (or beyond a single node)', (alertname, resource, unit, size, how) => {
    const f = minutes(R.overcommit.for);
    const len = f + 5;
    const rec = `namespace_${resource}:kube_pod_container_resource_requests:sum`;
    const requests = (total: number): Series[] => [
      { series: s(rec, { namespace: 'shop' }), values: `${total * 0.75}x${len}` },
      { series: s(rec, { namespace: 'batch' }), values: `${total * 0.25}x${len}` },
    ];
    const half = size / 8;
    // Three schedulable nodes of `size` and a cordoned one: 2 x size remain if one fails.
    const cluster = (total: number) => [...nodes(resource, unit, [size, size, size, size], len, [3]), ...requests(total)];
    const single = (total: number) => [...nodes(resource, unit, [size], len), ...requests(total)];
    const shown = how === 'humanize' ? '500m' : '2Gi'; // humanize writes 0.5 (cores) as 500m, like a Kubernetes quantity
    const description =
      `Pods that are not finished request ${shown} more ${resource === 'cpu' ? 'CPU' : 'memory'} than the schedulable nodes would offer without the largest of them ` +
      '(or, with a single node, than it offers): if a node fails, some pods cannot be rescheduled.';
    const alert = fired(alertname, {}, description);
    const run = (g: typeof resources) =>
      all(
        unitTest(g, cluster(2 * size + half), [
          { eval_time: `${f - 1}m`, alertname, exp_alerts: [] },
          { eval_time: `${f + 1}m`, alertname, exp_alerts: [alert] },
        ]),
        unitTest(g, cluster(2 * size - half), [{ eval_time: `${f + 1}m`, alertname, exp_alerts: [] }]),
        unitTest(g, single(size + half), [{ eval_time: `${f + 1}m`, alertname, exp_alerts: [alert] }]),
        unitTest(g, single(size - half), [{ eval_time: `${f + 1}m`, alertname, exp_alerts: [] }]),
      );
    expectPinned(run, only(resources, alertname), alertname, [...forMoved(R.overcommit.for), { expr: ['unless on (node)', 'and on (node)'], all: true }]);
  });

  it.each([
    ['KubeCPUQuotaOvercommit', 'cpu', 'CPU', 4],
    ['KubeMemoryQuotaOvercommit', 'memory', 'memory', 16 * 2 ** 30],
  ] as const)('%s: hard quotas above the configured factor of the allocatable amount; the smaller of a quota\'s two limits counts', (alertname, resource, what, size) => {
    const { factor } = R.quotaOvercommit;
    const f = minutes(R.quotaOvercommit.for);
    const len = f + 5;
    const allocatable = 3 * size;
    const quota = (namespace: string, res: string, hard: number) => ksm('kube_resourcequota', { namespace, resourcequota: 'compute', resource: res, type: 'hard' }, `${hard}x${len}`);
    // Quotas adding up to factor x allocatable +- 2% of it; namespace a limits both spellings.
    const quotas = (sum: number): Series[] => [
      quota('a', resource, sum / 2 + size),
      quota('a', `requests.${resource}`, sum / 2),
      quota('b', `requests.${resource}`, sum / 2),
      quota('b', 'pods', 1000),
    ];
    const above = factor * allocatable * 1.02;
    const cluster = (sum: number) => [...nodes(resource, resource === 'cpu' ? 'core' : 'byte', [size, size, size], len), ...quotas(sum)];
    const alert = fired(alertname, {}, `The hard ${what} quotas of all namespaces add up to ${pct(above / allocatable)} of the nodes' allocatable ${what} (threshold ${factor * 100}%).`);
    const run = (g: typeof resources) =>
      all(
        unitTest(g, cluster(above), [
          { eval_time: `${f - 1}m`, alertname, exp_alerts: [] },
          { eval_time: `${f + 1}m`, alertname, exp_alerts: [alert] },
        ]),
        unitTest(g, cluster(factor * allocatable * 0.98), [{ eval_time: `${f + 1}m`, alertname, exp_alerts: [] }]),
      );
    expectPinned(run, only(resources, alertname), alertname, [
      ...forMoved(R.quotaOvercommit.for),
      { expr: [`> ${factor}`, `> ${factor * 1.04}`] },
      { expr: [`> ${factor}`, `> ${factor * 0.96}`] },
    ]);
  });

  it('KubeQuotaAlmostFull, KubeQuotaFullyUsed, KubeQuotaExceeded: per quota and resource; a zero limit is skipped', () => {
    const { usedRatio } = R.quotaAlmostFull;
    const fs = [R.quotaAlmostFull.for, R.quotaFullyUsed.for, R.quotaExceeded.for].map(minutes);
    const len = Math.max(...fs) + 5;
    const q = (namespace: string, resourcequota: string, resource: string, hard: number, used: number): Series[] => [
      ksm('kube_resourcequota', { namespace, resourcequota, resource, type: 'hard' }, `${hard}x${len}`),
      ksm('kube_resourcequota', { namespace, resourcequota, resource, type: 'used' }, `${used}x${len}`),
    ];
    const series = [
      ...q('shop', 'compute', 'requests.cpu', 100, Math.round((usedRatio + 0.01) * 100)),
      ...q('shop', 'compute', 'requests.memory', 100, Math.round((usedRatio - 0.01) * 100)),
      ...q('shop', 'objects', 'pods', 20, 20),
      ...q('batch', 'compute', 'requests.cpu', 4, 5),
      ...q('batch', 'compute', 'services.loadbalancers', 0, 0),
    ];
    const d = (ns: string, quota: string, res: string, v: number, tail: string) => `Namespace ${ns} uses ${pct(v)} of its ${res} quota (${quota})${tail}`;
    const almost = fired('KubeQuotaAlmostFull', { namespace: 'shop', resourcequota: 'compute', resource: 'requests.cpu' }, d('shop', 'compute', 'requests.cpu', usedRatio + 0.01, `; above ${usedRatio * 100}% new objects may soon be refused.`));
    const full = fired('KubeQuotaFullyUsed', { namespace: 'shop', resourcequota: 'objects', resource: 'pods' }, d('shop', 'objects', 'pods', 1, ': new objects that need more are refused.'));
    const exceeded = fired('KubeQuotaExceeded', { namespace: 'batch', resourcequota: 'compute', resource: 'requests.cpu' }, d('batch', 'compute', 'requests.cpu', 1.25, ' (the quota was lowered below what already exists).'));
    const run = (g: typeof resources) =>
      unitTest(g, series, [
        { eval_time: `${fs[0] - 1}m`, alertname: 'KubeQuotaAlmostFull', exp_alerts: [] },
        { eval_time: `${fs[0] + 1}m`, alertname: 'KubeQuotaAlmostFull', exp_alerts: [almost] },
        { eval_time: `${fs[1] - 1}m`, alertname: 'KubeQuotaFullyUsed', exp_alerts: [] },
        { eval_time: `${fs[1] + 1}m`, alertname: 'KubeQuotaFullyUsed', exp_alerts: [full] },
        { eval_time: `${fs[2] - 1}m`, alertname: 'KubeQuotaExceeded', exp_alerts: [] },
        { eval_time: `${fs[2] + 1}m`, alertname: 'KubeQuotaExceeded', exp_alerts: [exceeded] },
      ]);
    const g = only(resources, 'KubeQuotaAlmostFull', 'KubeQuotaFullyUsed', 'KubeQuotaExceeded');
    expectPinned(run, g, 'KubeQuotaAlmostFull', [
      ...forMoved(R.quotaAlmostFull.for),
      { expr: [`> ${usedRatio} <`, `> ${usedRatio + 0.02} <`] },
      { expr: [`> ${usedRatio} <`, `> ${usedRatio - 0.02} <`] },
    ]);
    expectPinned(run, g, 'KubeQuotaExceeded', [{ expr: ['> 1', '>= 1'] }]);
    expectPinned(run, g, 'KubeQuotaFullyUsed', [{ expr: ['== 1', '>= 1'] }]);
  });

  it('CPUThrottlingHigh: share of throttled CFS periods per container above the configured ratio; not the pod-level cgroup', () => {
    const { ratio, window } = R.cpuThrottling;
    const f = minutes(R.cpuThrottling.for);
    const w = minutes(window);
    const len = w + f + 10;
    const c = (pod: string, container: string, throttled: number): Series[] => {
      const labels = { namespace: 'shop', pod, container, id: `/kubepods/burstable/pod-${pod}/${container}`, image: 'registry.example.com/app:1.2.3', name: `${pod}-${container}`, ...cadvisor('n1') };
      return [
        { series: s('container_cpu_cfs_throttled_periods_total', labels), values: ramp(0, throttled, len) },
        { series: s('container_cpu_cfs_periods_total', labels), values: ramp(0, 600, len) },
      ];
    };
    const series = [...c('hot', 'app', 600 * (ratio + 0.01)), ...c('warm', 'app', 600 * (ratio - 0.01)), ...c('pod-cgroup', '', 600 * 0.9)];
    const alert = fired(
      'CPUThrottlingHigh',
      { namespace: 'shop', pod: 'hot', container: 'app' },
      `Container app of pod shop/hot was throttled in ${pct(ratio + 0.01)} of its CPU periods over ${window}; raise its CPU limit or remove it.`,
    );
    const run = (g: typeof resources) =>
      unitTest(g, series, [
        { eval_time: `${f - 1}m`, alertname: 'CPUThrottlingHigh', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'CPUThrottlingHigh', exp_alerts: [alert] },
      ]);
    expectPinned(run, only(resources, 'CPUThrottlingHigh'), 'CPUThrottlingHigh', [
      ...forMoved(R.cpuThrottling.for),
      { expr: [`> ${ratio}`, `> ${ratio + 0.02}`] },
      { expr: [`> ${ratio}`, `> ${ratio - 0.02}`] },
    ]);
  });
});
