import { production } from '../lib/config';
import { promDurationSeconds, resolveAlertThresholds } from '../lib/observability/alerts';
import { BoundaryCase, Series, Side, countNear, groupName, groupsWithAlert, linear, mutate, near, runBoundaries, stackRuleFiles } from './support/boundaries';

/**
 * Boundary cases of the infrastructure thresholds (`thresholds.infrastructure`), keyed by alert
 * name and threshold path, run against every rule group of the stack that holds the alert
 * (TargetDown is in the `infrastructure` group and in `metrics-pipeline-prometheus`, which
 * spells its 10 % itself): data just above and just below the production config's value.
 * Kept apart from the application and SLO cases (test/alerts-boundaries.test.ts,
 * test/slo-boundaries.test.ts) because these groups are being restructured: keep or drop
 * a case by its key.
 */

const t = resolveAlertThresholds(production.alerts.thresholds).infrastructure;
const files = stackRuleFiles(production);
const REL = 1e-3;

const minutes = (d: string): number => {
  const s = promDurationSeconds(d);
  if (s === undefined || s % 60 !== 0) throw new Error(`${d} is not a whole number of minutes`);
  return s / 60;
};

interface Keyed {
  readonly alert: string;
  readonly path: string;
  readonly make: (name: string) => BoundaryCase;
}

const TARGETS = 1001;
const targetDown: Keyed = {
  alert: 'TargetDown',
  path: 'infrastructure.targetDown.percent',
  make: (name) => {
    const steps = minutes(t.targetDown.for) + 2;
    return {
      name,
      // k of 1001 targets down: 101 (10.09 %) above 10 %, 100 (9.99 %) below.
      series: (side: Side) => {
        const down = countNear(t.targetDown.percent / 100, TARGETS, side, 1e-9);
        return Array.from({ length: TARGETS }, (_, i): Series => ({ series: `up{job="b", namespace="shop", service="b", instance="10.0.${Math.floor(i / 250)}.${i % 250}:8080"}`, values: `${i < down ? 0 : 1}x${steps}` }));
      },
      alert: 'alertname="TargetDown", job="b"',
      firesWhen: 'above',
      evalTime: () => `${steps}m`,
    };
  },
};

const cases: Keyed[] = [
  targetDown,
  {
    alert: 'KubePodCrashLooping',
    path: 'infrastructure.crashLooping.restarts',
    make: (name) => {
      const w = minutes(t.crashLooping.window);
      const steps = w + minutes(t.crashLooping.for) + 2;
      return {
        name,
        // A steady restart rate: increase() over the window is exactly restarts x (1 +/- 0.1 %).
        series: (side) => [{ series: 'kube_pod_container_status_restarts_total{namespace="shop", pod="p", container="app"}', values: linear(near(t.crashLooping.restarts, side, REL) / w, steps) }],
        alert: 'alertname="KubePodCrashLooping", pod="p"',
        firesWhen: 'above',
        evalTime: () => `${steps}m`,
      };
    },
  },
  {
    alert: 'KubePersistentVolumeFillingUp',
    path: 'infrastructure.volumeFillingUp.criticalAvailableRatio',
    make: (name) => {
      const steps = minutes(t.volumeFillingUp.criticalFor) + 3;
      const capacity = 1e9;
      return {
        name,
        series: (side) => {
          const available = Math.round(near(t.volumeFillingUp.criticalAvailableRatio, side, REL) * capacity);
          return [
            { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `${available}x${steps}` },
            { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `${capacity}x${steps}` },
            { series: 'kubelet_volume_stats_used_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `${capacity - available}x${steps}` },
          ];
        },
        alert: 'alertname="KubePersistentVolumeFillingUp", severity="critical", persistentvolumeclaim="v"',
        firesWhen: 'below',
        evalTime: () => `${steps}m`,
      };
    },
  },
  {
    alert: 'KubePersistentVolumeFillingUp',
    path: 'infrastructure.volumeFillingUp.warningAvailableRatio',
    make: (name) => {
      const v = t.volumeFillingUp;
      const forM = minutes(v.warningFor);
      const steps = minutes(v.predictionWindow) + forM + 2;
      const capacity = 1e12;
      // Filling at a steady rate that empties it `zero` minutes after the last evaluation, well
      // within the horizon over the whole `for`; the free ratio changes by (for+1)/zero over it,
      // so the distance from the threshold is 1.5 times that (about 2 %).
      const zero = 0.8 * minutes(v.predictionHorizon) - forM;
      const rel = (1.5 * (forM + 1)) / zero;
      return {
        name: `${name} (distance ${(rel * 100).toFixed(1)} %: the volume must be filling for predict_linear)`,
        series: (side) => {
          const last = Math.round(near(v.warningAvailableRatio, side, rel) * capacity);
          const perMinute = Math.round(last / zero);
          const first = last + perMinute * (steps - 1);
          return [
            { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="v"}', values: linear(-perMinute, steps - 1, first) },
            { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `${capacity}x${steps - 1}` },
            { series: 'kubelet_volume_stats_used_bytes{namespace="shop", persistentvolumeclaim="v"}', values: linear(perMinute, steps - 1, capacity - first) },
          ];
        },
        alert: 'alertname="KubePersistentVolumeFillingUp", severity="warning", persistentvolumeclaim="v"',
        firesWhen: 'below',
        evalTime: () => `${steps - 1}m`,
      };
    },
  },
  {
    alert: 'CPUThrottlingHigh',
    path: 'infrastructure.cpuThrottling.ratio',
    make: (name) => {
      const steps = minutes(t.cpuThrottling.window) + minutes(t.cpuThrottling.for) + 2;
      const periods = 100_000;
      return {
        name,
        series: (side) => [
          { series: 'container_cpu_cfs_throttled_periods_total{namespace="shop", pod="p", container="app"}', values: linear(countNear(t.cpuThrottling.ratio, periods, side, REL), steps) },
          { series: 'container_cpu_cfs_periods_total{namespace="shop", pod="p", container="app"}', values: linear(periods, steps) },
        ],
        alert: 'alertname="CPUThrottlingHigh", pod="p"',
        firesWhen: 'above',
        evalTime: () => `${steps}m`,
      };
    },
  },
];

/** A volume at 10 % free (below the warning ratio), filling at a steady rate that empties it `zeroIn` minutes after the evaluation. */
function filling(zeroIn: number, steps: number): Series[] {
  const capacity = 1e12;
  const last = Math.round(0.1 * capacity);
  if (0.1 >= t.volumeFillingUp.warningAvailableRatio) throw new Error('the filling volume must be below the warning ratio');
  const perMinute = Math.round(last / zeroIn);
  const first = last + perMinute * steps;
  return [
    { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="v"}', values: linear(-perMinute, steps, first) },
    { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `${capacity}x${steps}` },
    { series: 'kubelet_volume_stats_used_bytes{namespace="shop", persistentvolumeclaim="v"}', values: linear(perMinute, steps, capacity - first) },
  ];
}

cases.push({
  alert: 'KubePersistentVolumeFillingUp',
  path: 'infrastructure.volumeFillingUp.predictionHorizon',
  make: (name) => {
    const v = t.volumeFillingUp;
    const horizon = minutes(v.predictionHorizon);
    const forM = minutes(v.warningFor);
    const steps = minutes(v.predictionWindow) + forM + 2;
    // Predicted empty at the evaluation `zero` minutes ahead; an evaluation `for` earlier
    // predicts `for` more. Above: empty just after the horizon at the last evaluation (quiet);
    // below: just before it at the first evaluation of the `for` (fires).
    const zero = (side: Side) => (side === 'above' ? horizon + 10 : horizon - forM - 10);
    return {
      name: `${name} (above: predicted empty ${horizon + 10}m ahead; below: ${horizon - forM - 10}m ahead)`,
      series: (side) => filling(zero(side), steps),
      alert: 'alertname="KubePersistentVolumeFillingUp", severity="warning", persistentvolumeclaim="v"',
      firesWhen: 'below',
      evalTime: () => `${steps}m`,
    };
  },
});

/**
 * `for`: the condition holds from `onset` (0 for an instant condition, 1m for one that needs
 * two samples); "above" checks at onset + for (fires), "below" one minute earlier (pending).
 */
function forCase(alert: string, path: string, matchers: string, onset: number, series: (steps: number) => Series[]): Keyed {
  return {
    alert,
    path,
    make: (name) => {
      const f = minutes(String(valueAt(path)));
      const steps = onset + f + 2;
      return {
        name: `${name} (above: at onset ${onset}m + for; below: one evaluation earlier)`,
        series: () => series(steps),
        alert: matchers,
        firesWhen: 'above',
        evalTime: (side) => `${onset + f - (side === 'above' ? 0 : 1)}m`,
      };
    },
  };
}
const ksm = 'namespace="shop", pod="p"';
cases.push(
  forCase('TargetDown', 'infrastructure.targetDown.for', 'alertname="TargetDown", job="b"', 0, (steps) => [
    { series: 'up{job="b", namespace="shop", service="b", instance="10.0.0.1:8080"}', values: `0x${steps}` },
    { series: 'up{job="b", namespace="shop", service="b", instance="10.0.0.2:8080"}', values: `1x${steps}` },
  ]),
  forCase('KubePodCrashLooping', 'infrastructure.crashLooping.for', 'alertname="KubePodCrashLooping", pod="p"', 0, (steps) => [
    { series: `kube_pod_container_status_waiting_reason{${ksm}, container="app", reason="CrashLoopBackOff"}`, values: `1x${steps}` },
  ]),
  forCase('KubePodNotReady', 'infrastructure.podNotReady.for', 'alertname="KubePodNotReady", pod="p"', 0, (steps) => [
    { series: `kube_pod_status_ready{${ksm}, condition="false"}`, values: `1x${steps}` },
    { series: `kube_pod_status_phase{${ksm}, phase="Running"}`, values: `1x${steps}` },
  ]),
  forCase('KubeNodeUnderPressure', 'infrastructure.nodePressure.for', 'alertname="KubeNodeUnderPressure", node="n"', 0, (steps) => [
    { series: `kube_node_status_condition{node="n", condition="${t.nodePressure.conditions[0]}", status="true"}`, values: `1x${steps}` },
  ]),
  forCase('KubePersistentVolumeFillingUp', 'infrastructure.volumeFillingUp.criticalFor', 'alertname="KubePersistentVolumeFillingUp", severity="critical", persistentvolumeclaim="v"', 0, (steps) => [
    { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `1x${steps}` },
    { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `1000x${steps}` },
    { series: 'kubelet_volume_stats_used_bytes{namespace="shop", persistentvolumeclaim="v"}', values: `999x${steps}` },
  ]),
  forCase('KubePersistentVolumeFillingUp', 'infrastructure.volumeFillingUp.warningFor', 'alertname="KubePersistentVolumeFillingUp", severity="warning", persistentvolumeclaim="v"', 1, (steps) =>
    filling(minutes(t.volumeFillingUp.predictionHorizon) / 4, steps),
  ),
  forCase('CPUThrottlingHigh', 'infrastructure.cpuThrottling.for', 'alertname="CPUThrottlingHigh", pod="p"', 1, (steps) => [
    { series: 'container_cpu_cfs_throttled_periods_total{namespace="shop", pod="p", container="app"}', values: linear(90, steps) },
    { series: 'container_cpu_cfs_periods_total{namespace="shop", pod="p", container="app"}', values: linear(100, steps) },
  ]),
);

const valueAt = (path: string): unknown => path.split('.').slice(1).reduce<any>((o, k) => o[k], t);

/** `[alert, group, path]` for every group of the stack holding the alert. */
const rows = cases.flatMap((k) => Object.entries(groupsWithAlert(files, k.alert)).map(([group, text]) => ({ key: `${k.alert} [${group.split('#')[1]}] thresholds.${k.path} = ${String(valueAt(k.path))}`, group, text, k })));

test('the cases cover every configurable value of thresholds.infrastructure', () => {
  const leaves = (o: object, at: string): string[] => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leaves(v, `${at}${k}.`) : [`${at}${k}`]));
  // Not thresholds: severities (labels), node conditions (a list), and the ranges of increase() and predict_linear().
  const notThresholds = (p: string) => /(severity|conditions|\.window|predictionWindow)$/.test(p);
  expect(leaves(t, 'infrastructure.').filter((p) => !notThresholds(p)).sort()).toEqual([...new Set(cases.map((k) => k.path))].sort());
});

describe('infrastructure alert thresholds: just above fires, just below does not (keyed by alert, group and threshold path)', () => {
  test.each(rows.map((r) => [r.key, r] as const))('%s', (_key, r) => {
    const res = runBoundaries({ [r.group]: r.text }, [r.k.make(r.key)]);
    expect({ failed: res.failed, status: res.status, tail: res.output.slice(-3000) }).toEqual({ failed: [], status: 0, tail: expect.stringContaining('SUCCESS') });
  });

  test('mutation: TargetDown rendered "> 30" instead of the config\'s 10 fails the "just above" case, in each group that holds it', () => {
    const percent = t.targetDown.percent;
    for (const r of rows.filter((x) => x.k === targetDown)) {
      const mutated = mutate(r.text, new RegExp(`\\) > ${percent}$`, 'm'), `) > ${percent * 3}`, 1);
      const c = targetDown.make(r.key);
      const res = runBoundaries({ [r.group]: mutated }, [c]);
      expect({ group: r.group, status: res.status === 0 ? 0 : 'failed', failed: res.failed }).toEqual({ group: r.group, status: 'failed', failed: [groupName(c, 'above')] });
    }
  });
});
