import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, promql, queryVariable, row, statPanel, tagLinks, thresholds, timeseriesPanel } from './common';
import { joinTable, K8S_TAG } from './k8s-common';
import type { DashboardOptions } from './types';

export const PERSISTENT_VOLUMES_UID = 'k8s-persistent-volumes';

const FULLNESS = () => thresholds('green', [[0.8, 'orange'], [0.9, 'red']]);

/**
 * Persistent volumes: how full each claim is (space and inodes, from the kubelet that mounts
 * it), where it is heading, and claims or volumes stuck outside Bound (kube-state-metrics).
 * The kubelet reports a volume only while a pod on its node mounts it.
 */
export function persistentVolumesDashboard(o: DashboardOptions): dash.Dashboard {
  const b = baseDashboard({
    uid: PERSISTENT_VOLUMES_UID,
    title: 'Kubernetes / Storage / Persistent Volumes',
    description: 'Space and inodes used per PersistentVolumeClaim, the trend towards full, and claims or volumes that are not bound.',
    tags: [K8S_TAG, 'storage'],
  })
    .link(tagLinks('Kubernetes', K8S_TAG))
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', 'label_values(kube_persistentvolumeclaim_info, namespace)', { label: 'Namespace' }))
    .withVariable(queryVariable('persistentvolumeclaim', 'label_values(kube_persistentvolumeclaim_info{namespace=~"$namespace"}, persistentvolumeclaim)', { label: 'Claim' }));
  const v = 'namespace=~"$namespace", persistentvolumeclaim=~"$persistentvolumeclaim"';
  const by = 'namespace, persistentvolumeclaim';
  const max = (metric: string) => `max by (${by}) (${metric}{${v}})`;
  const used = `${max('kubelet_volume_stats_used_bytes')}\n/\n${max('kubelet_volume_stats_capacity_bytes')}`;
  const inodes = `${max('kubelet_volume_stats_inodes_used')}\n/\n${max('kubelet_volume_stats_inodes')}`;

  b.withRow(row('Claims'))
    .withPanel(statPanel('Claims', [promql(`count(kube_persistentvolumeclaim_info{${v}})`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 0, description: 'PersistentVolumeClaims of the selected namespaces.' }))
    .withPanel(statPanel('Claims not bound', [promql(`sum(kube_persistentvolumeclaim_status_phase{${v}, phase!="Bound"})`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 0, noValue: '0', thresholds: thresholds('green', [[1, 'red']]), description: 'Claims Pending (no volume provisioned or matched yet: their pods cannot start) or Lost (their volume is gone).' }))
    .withPanel(statPanel('Fullest volume', [promql(`max(\n${used}\n)`, '', { instant: true })], { w: 6, h: 4, unit: 'percentunit', decimals: 1, thresholds: FULLNESS(), description: 'Used share of the fullest mounted volume of the selected claims.' }))
    .withPanel(statPanel('Volumes failed or pending', [promql('sum(kube_persistentvolume_status_phase{phase=~"Failed|Pending"})', '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 0, noValue: '0', thresholds: thresholds('green', [[1, 'red']]), description: 'PersistentVolumes (cluster-wide, any namespace) whose reclamation failed or that are not available yet.' }));

  b.withRow(row('Usage'))
    .withPanel(timeseriesPanel('Space used', [promql(used, '{{namespace}}/{{persistentvolumeclaim}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: FULLNESS(), description: 'Used share of each volume\'s filesystem, as the kubelet that mounts it sees it.' }))
    .withPanel(timeseriesPanel('Inodes used', [promql(inodes, '{{namespace}}/{{persistentvolumeclaim}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: FULLNESS(), description: 'Used share of each volume\'s inodes; at 100 % no file can be created even with space left (many small files).' }))
    .withPanel(timeseriesPanel('Space used (bytes)', [promql(max('kubelet_volume_stats_used_bytes'), '{{namespace}}/{{persistentvolumeclaim}}')], { w: 12, h: 8, unit: 'bytes', min: 0, description: 'Bytes used on each volume.' }))
    .withPanel(
      timeseriesPanel('Free space in 24 h at the 6 h trend', [promql(`min by (${by}) (\n  predict_linear(kubelet_volume_stats_available_bytes{${v}}[6h], 86400)\n)`, '{{namespace}}/{{persistentvolumeclaim}}')], {
        w: 12,
        h: 8,
        unit: 'bytes',
        thresholds: thresholds('red', [[0, 'transparent']]),
        description: 'Free space each volume would have in 24 hours if it kept filling (or emptying) as over the last 6 hours; below 0 it fills up within a day.',
      }),
    );

  b.withRow(row('Volumes')).withPanel(
    joinTable(
      'Claims',
      ['namespace', 'persistentvolumeclaim'],
      [
        { name: 'Requested', expr: max('kube_persistentvolumeclaim_resource_requests_storage_bytes'), unit: 'bytes', decimals: 1 },
        { name: 'Capacity', expr: max('kubelet_volume_stats_capacity_bytes'), unit: 'bytes', decimals: 1 },
        { name: 'Used', expr: max('kubelet_volume_stats_used_bytes'), unit: 'bytes', decimals: 1 },
        { name: 'Available', expr: max('kubelet_volume_stats_available_bytes'), unit: 'bytes', decimals: 1 },
        { name: 'Space used', expr: used, unit: 'percentunit', decimals: 1, thresholds: FULLNESS() },
        { name: 'Inodes used', expr: inodes, unit: 'percentunit', decimals: 1, thresholds: FULLNESS() },
      ],
      { w: 24, h: 10, noValue: '—', description: 'Every claim: the size it asked for, the filesystem it got and how full it is (empty when no pod mounts it now).', sortBy: 'Space used' },
    ),
  );

  return finalize(b.build());
}
