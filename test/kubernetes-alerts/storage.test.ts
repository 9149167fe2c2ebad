import type { VolumeFillingUpThresholds } from '../../lib/observability/alerts';
import { GROUPS, KSM, Mutation, Series, T, expectPinned, fired, group, kubelet, minutes, only, pct, s, shift, unitTest } from './harness';

/**
 * kubernetes-storage: one alert per claim (not per node that mounts it), on the claim's
 * namespace and name; the free-share and prediction thresholds pinned by data either side.
 */

const storage = [group('kubernetes-storage', GROUPS)];
const S = T.storage;

interface Kind {
  readonly alert: string;
  readonly t: VolumeFillingUpThresholds;
  readonly free: string;
  readonly total: string;
  readonly used: string;
  readonly what: string;
  /** Capacity of every test volume (bytes or inodes). */
  readonly capacity: number;
}

const kinds: Kind[] = [
  { alert: 'KubePersistentVolumeFillingUp', t: S.volumeFillingUp, free: 'kubelet_volume_stats_available_bytes', total: 'kubelet_volume_stats_capacity_bytes', used: 'kubelet_volume_stats_used_bytes', what: 'space', capacity: 10_000_000 },
  { alert: 'KubePersistentVolumeInodesFillingUp', t: S.volumeInodesFillingUp, free: 'kubelet_volume_stats_inodes_free', total: 'kubelet_volume_stats_inodes', used: 'kubelet_volume_stats_inodes_used', what: 'inodes', capacity: 6_553_600 },
];

describe('kubernetes-storage', () => {
  describe.each(kinds)('$alert', (k) => {
    const { t, capacity } = k;
    const horizonMin = minutes(t.predictionHorizon);
    const claim = (pvc: string) => ({ namespace: 'shop', persistentvolumeclaim: pvc });
    /** One claim as a kubelet on `node` reports it: free follows `free(i)` at minute i. */
    const volume = (pvc: string, node: string, free: (i: number) => number, len: number, usedZero = false): Series[] => {
      const l = { ...claim(pvc), ...kubelet(node, node === 'n1' ? '10.0.0.1' : '10.0.0.2') };
      const values = (fn: (i: number) => number) => Array.from({ length: len + 1 }, (_, i) => fn(i)).join(' ');
      return [
        { series: s(k.free, l), values: values(free) },
        { series: s(k.total, l), values: `${capacity}x${len}` },
        { series: s(k.used, l), values: usedZero ? `0x${len}` : values((i) => capacity - free(i)) },
      ];
    };

    it('critical: less free than the configured share, whatever the trend; one alert for a claim mounted on two nodes; not read-only or unreported volumes', () => {
      const ratio = t.criticalAvailableRatio;
      const f = minutes(t.criticalFor);
      const len = f + 5;
      const below = capacity * ratio * 0.97;
      const above = capacity * ratio * 1.03;
      const series = [
        ...volume('almost-full', 'n1', () => below, len),
        ...volume('almost-full', 'n2', () => below, len),
        ...volume('just-enough', 'n1', () => above, len),
        ...volume('read-only', 'n1', () => capacity * ratio * 0.5, len),
        { series: s('kube_persistentvolumeclaim_access_mode', { ...claim('read-only'), access_mode: 'ReadOnlyMany', ...KSM }), values: `1x${len}` },
        ...volume('unreported', 'n1', () => capacity * ratio * 0.5, len, true),
      ];
      const alert = fired(k.alert, claim('almost-full'), `The volume claimed by shop/almost-full has only ${pct(below / capacity)} of its ${k.what} free.`, { severity: 'critical' });
      const run = (g: typeof storage) =>
        unitTest(only(g, k.alert), series, [
          ...(f > 1 ? [{ eval_time: `${f - 1}m`, alertname: k.alert, exp_alerts: [] }] : []),
          { eval_time: `${f + 1}m`, alertname: k.alert, exp_alerts: [alert] },
        ]);
      const mutations: Mutation[] = [
        { expr: [`< ${ratio}\n`, `< ${ratio * 0.95}\n`], severity: 'critical' },
        { expr: [`< ${ratio}\n`, `< ${ratio * 1.05}\n`], severity: 'critical' },
        { expr: ['access_mode="ReadOnlyMany"', 'access_mode="ReadWriteOnce"'], severity: 'critical' },
        { expr: [') > 0', ') >= 0'], severity: 'critical' },
      ];
      expectPinned(run, storage, k.alert, mutations);
    });

    it('warning: under the configured share AND predicted to run out within the horizon; not when merely low, nor when slower than the horizon', () => {
      const ratio = t.warningAvailableRatio;
      const f = minutes(t.warningFor);
      const len = f + 5;
      const at = (start: number, perMinute: number) => (i: number) => start - perMinute * i;
      // Just under the share, running out at 0.92 x the horizon (at the last 6h's rate).
      const fillingStart = capacity * (ratio - 0.001);
      const filling = at(fillingStart, fillingStart / (0.92 * horizonMin));
      // Just over the share, falling fast: only the share keeps it quiet.
      const ampleStart = capacity * (ratio + 0.005);
      const ample = at(ampleStart, ampleStart / (0.5 * horizonMin));
      // Under the share, running out at 1.1 x the horizon: not yet.
      const slowStart = capacity * (ratio - 0.01);
      const slow = at(slowStart, slowStart / (1.1 * horizonMin));
      const series = [...volume('filling', 'n1', filling, len), ...volume('ample', 'n1', ample, len), ...volume('slow', 'n2', slow, len)];
      const alert = fired(
        k.alert,
        claim('filling'),
        `The volume claimed by shop/filling has ${pct(filling(f + 1) / capacity)} of its ${k.what} free and, at the rate of the last ${t.predictionWindow}, runs out within ${t.predictionHorizon}.`,
        { severity: 'warning' },
      );
      const run = (g: typeof storage) =>
        unitTest(only(g, k.alert), series, [
          { eval_time: `${f - 1}m`, alertname: k.alert, exp_alerts: [] },
          { eval_time: `${f + 1}m`, alertname: k.alert, exp_alerts: [alert] },
        ]);
      const horizonS = horizonMin * 60;
      expectPinned(run, storage, k.alert, [
        { for: shift(t.warningFor, 2), severity: 'warning' },
        { for: shift(t.warningFor, -2), severity: 'warning' },
        { expr: [`< ${ratio}\n`, `< ${ratio - 0.003}\n`], severity: 'warning' },
        { expr: [`< ${ratio}\n`, `< ${ratio + 0.01}\n`], severity: 'warning' },
        { expr: [`, ${horizonS}))`, `, ${Math.round(horizonS * 1.2)}))`], severity: 'warning' },
        { expr: [`, ${horizonS}))`, `, ${Math.round(horizonS * 0.85)}))`], severity: 'warning' },
      ]);
    });
  });

  it('KubePersistentVolumeErrors: a PersistentVolume in phase Failed or Pending, named with its phase; not Bound or Released ones', () => {
    const f = minutes(S.volumeErrors.for);
    const len = f + 5;
    const phases = ['Pending', 'Available', 'Bound', 'Released', 'Failed'];
    const pv = (name: string, phase: string): Series[] =>
      phases.map((p) => ({ series: s('kube_persistentvolume_status_phase', { persistentvolume: name, phase: p, ...KSM }), values: `${p === phase ? 1 : 0}x${len}` }));
    const series = [...pv('pv-failed', 'Failed'), ...pv('pv-pending', 'Pending'), ...pv('pv-bound', 'Bound'), ...pv('pv-released', 'Released')];
    const alert = (name: string, phase: string) =>
      fired('KubePersistentVolumeErrors', { persistentvolume: name, phase }, `PersistentVolume ${name} has been in phase ${phase} for ${S.volumeErrors.for} (Failed: reclamation failed; Pending: not available for binding).`);
    const run = (g: typeof storage) =>
      unitTest(only(g, 'KubePersistentVolumeErrors'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubePersistentVolumeErrors', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubePersistentVolumeErrors', exp_alerts: [alert('pv-failed', 'Failed'), alert('pv-pending', 'Pending')] },
      ]);
    expectPinned(run, storage, 'KubePersistentVolumeErrors', [{ for: shift(S.volumeErrors.for, 2) }, { for: shift(S.volumeErrors.for, -2) }]);
  });
});
