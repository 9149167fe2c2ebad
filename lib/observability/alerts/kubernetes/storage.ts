import type { AlertingRule, RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, maxBy, seconds } from './common';
import type { VolumeFillingUpThresholds } from './thresholds';

const PVC = 'namespace, persistentvolumeclaim';

/**
 * `kubernetes-storage`: PersistentVolumes filling up (bytes and inodes, as the kubelet sees
 * the mounted volume: `kubelet_volume_stats_*`, one series per node that mounts it, hence
 * one alert per claim), and PersistentVolumes in a failed or pending phase.
 */
export function storageAlerts(c: KubernetesRuleContext): RuleGroup {
  const s = c.t.storage;
  // A ReadOnlyMany claim cannot be filled through this workload; a volume whose driver
  // reports 0 used (or no inodes used) does not report usage at all.
  const notReadOnly = `unless on (${PVC})\n  ${maxBy(PVC, 'kube_persistentvolumeclaim_access_mode{access_mode="ReadOnlyMany"}')} == 1`;
  const fillingUp = (alert: string, v: VolumeFillingUpThresholds, free: string, total: string, used: string, what: string): AlertingRule[] => {
    const ratio = `min by (${PVC}) (\n  ${free}\n/\n  ${total}\n)`;
    const reported = `and on (${PVC})\n  ${maxBy(PVC, used)} > 0`;
    return [
      c.alert({
        alert,
        expr: `${ratio} < ${v.criticalAvailableRatio}\n${reported}\n${notReadOnly}`,
        for: v.criticalFor,
        severity: 'critical',
        summary: `A PersistentVolume is almost out of ${what}.`,
        description: `The volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has only {{ $value | humanizePercentage }} of its ${what} free.`,
      }),
      c.alert({
        alert,
        expr:
          `${ratio} < ${v.warningAvailableRatio}\n${reported}\n` +
          `and on (${PVC})\n  min by (${PVC}) (predict_linear(${free}[${v.predictionWindow}], ${seconds(v.predictionHorizon)})) < 0\n${notReadOnly}`,
        for: v.warningFor,
        severity: 'warning',
        summary: `A PersistentVolume is predicted to run out of ${what} within ${v.predictionHorizon}.`,
        description:
          `The volume claimed by {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} of its ${what} free ` +
          `and, at the rate of the last ${v.predictionWindow}, runs out within ${v.predictionHorizon}.`,
      }),
    ];
  };
  return c.group('kubernetes-storage', [
    ...fillingUp('KubePersistentVolumeFillingUp', s.volumeFillingUp, 'kubelet_volume_stats_available_bytes', 'kubelet_volume_stats_capacity_bytes', 'kubelet_volume_stats_used_bytes', 'space'),
    ...fillingUp('KubePersistentVolumeInodesFillingUp', s.volumeInodesFillingUp, 'kubelet_volume_stats_inodes_free', 'kubelet_volume_stats_inodes', 'kubelet_volume_stats_inodes_used', 'inodes'),
    c.alert({
      alert: 'KubePersistentVolumeErrors',
      expr: `${maxBy('persistentvolume, phase', 'kube_persistentvolume_status_phase{phase=~"Failed|Pending"}')} == 1`,
      for: s.volumeErrors.for,
      severity: s.volumeErrors.severity,
      summary: 'A PersistentVolume is failed or pending.',
      description: `PersistentVolume {{ $labels.persistentvolume }} has been in phase {{ $labels.phase }} for ${s.volumeErrors.for} (Failed: reclamation failed; Pending: not available for binding).`,
    }),
  ]);
}
