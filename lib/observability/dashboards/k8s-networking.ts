import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, drillDown, finalize, promql, queryVariable, row, statPanel, tagLinks, thresholds, timeseriesPanel } from './common';
import { joinTable, K8S_TAG, RULES as R } from './k8s-common';
import type { DashboardOptions } from './types';

/**
 * Kubernetes / Networking: traffic, packets, drops and errors of pods (cAdvisor's per-pod
 * network counters: the containers of a pod share its network namespace, so the counters
 * belong to the pod, not to a container), from the cluster down to one pod's interfaces.
 */

export const NETWORKING_UIDS = {
  cluster: 'k8s-networking-cluster',
  namespace: 'k8s-networking-namespace',
  workload: 'k8s-networking-workload',
  pod: 'k8s-networking-pod',
} as const;

function networkingDashboard(o: DashboardOptions, uid: string, title: string, description: string): dash.DashboardBuilder {
  return baseDashboard({ uid, title: `Kubernetes / Networking / ${title}`, description, tags: [K8S_TAG, 'networking'] })
    .link(tagLinks('Kubernetes', K8S_TAG))
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable());
}

type Counter = 'receive_bytes' | 'transmit_bytes' | 'receive_packets' | 'transmit_packets' | 'receive_packets_dropped' | 'transmit_packets_dropped' | 'receive_errors' | 'transmit_errors';

/** Per-second rate of a cAdvisor network counter, summed by `by`. */
function net(counter: Counter, by: string, matchers: string): string {
  const s = `rate(container_network_${counter}_total{${matchers}}[$__rate_interval])`;
  return by ? `sum by (${by}) (${s})` : `sum(${s})`;
}

/** The same, with pods joined to their workload (for `by` over workload labels). */
function netByWorkload(counter: Counter, by: string, matchers: string, pods: string): string {
  return `sum by (${by}) (\n  rate(container_network_${counter}_total{${matchers}}[$__rate_interval])\n  * on (cluster, namespace, pod) group_left (workload, workload_type)\n  ${pods}\n)`;
}

interface Group {
  /** Legend of one object. */
  readonly legend: string;
  /** What an object is, in titles ("namespace", "pod", ...). */
  readonly noun: string;
  /** Who sends and receives, in descriptions ("each namespace's pods"). */
  readonly subject: string;
  readonly rate: (counter: Counter) => string;
}

/** Bandwidth, packets, drops and errors per object of a group: the panels every level shares. */
function trafficRows(b: dash.DashboardBuilder, g: Group): void {
  b.withRow(row('Bandwidth'))
    .withPanel(timeseriesPanel(`Received by ${g.noun}`, [promql(g.rate('receive_bytes'), g.legend)], { w: 12, h: 8, unit: 'Bps', min: 0, stack: true, description: `Bytes per second received by ${g.subject}, stacked.` }))
    .withPanel(timeseriesPanel(`Sent by ${g.noun}`, [promql(g.rate('transmit_bytes'), g.legend)], { w: 12, h: 8, unit: 'Bps', min: 0, stack: true, description: `Bytes per second sent by ${g.subject}, stacked.` }));
  b.withRow(row('Packets'))
    .withPanel(timeseriesPanel(`Packets received by ${g.noun}`, [promql(g.rate('receive_packets'), g.legend)], { w: 12, h: 8, unit: 'pps', min: 0, stack: true, description: `Packets per second received by ${g.subject}; many small packets cost more CPU than their bytes suggest.` }))
    .withPanel(timeseriesPanel(`Packets sent by ${g.noun}`, [promql(g.rate('transmit_packets'), g.legend)], { w: 12, h: 8, unit: 'pps', min: 0, stack: true, description: `Packets per second sent by ${g.subject}.` }));
  b.withRow(row('Drops and errors'))
    .withPanel(timeseriesPanel(`Dropped packets by ${g.noun}`, [promql(g.rate('receive_packets_dropped'), `${g.legend} received`), promql(g.rate('transmit_packets_dropped'), `${g.legend} sent`)], { w: 12, h: 8, unit: 'pps', min: 0, description: `Packets dropped per second on the interfaces of ${g.subject} (full queues, no buffer, traffic shaping): each one is a retransmission or a lost datagram.` }))
    .withPanel(timeseriesPanel(`Packet errors by ${g.noun}`, [promql(g.rate('receive_errors'), `${g.legend} received`), promql(g.rate('transmit_errors'), `${g.legend} sent`)], { w: 12, h: 8, unit: 'pps', min: 0, description: `Packets with errors per second on the interfaces of ${g.subject}.` }));
}

/** The current rates per object as a table. */
function trafficTable(title: string, keys: readonly string[], rate: (counter: Counter) => string, link: ReturnType<typeof drillDown>): ReturnType<typeof joinTable> {
  return joinTable(
    title,
    keys,
    [
      { name: 'Received', expr: rate('receive_bytes'), unit: 'Bps', decimals: 1 },
      { name: 'Sent', expr: rate('transmit_bytes'), unit: 'Bps', decimals: 1 },
      { name: 'Packets received', expr: rate('receive_packets'), unit: 'pps', decimals: 1 },
      { name: 'Packets sent', expr: rate('transmit_packets'), unit: 'pps', decimals: 1 },
      { name: 'Dropped received', expr: rate('receive_packets_dropped'), unit: 'pps', decimals: 2, thresholds: thresholds('green', [[0.01, 'orange']]) },
      { name: 'Dropped sent', expr: rate('transmit_packets_dropped'), unit: 'pps', decimals: 2, thresholds: thresholds('green', [[0.01, 'orange']]) },
    ],
    { w: 24, h: 9, description: 'Current rates (over the rate interval) per object; the name opens the next level.', sortBy: 'Received', links: [link] },
  );
}

/** Cluster: traffic by namespace, and TCP retransmissions by node. */
export function networkingClusterDashboard(o: DashboardOptions): dash.Dashboard {
  const b = networkingDashboard(o, NETWORKING_UIDS.cluster, 'Cluster', 'Pod network traffic by namespace (bandwidth, packets, drops, errors) and TCP retransmissions by node.');
  const m = 'namespace!=""';
  const rate = (c: Counter) => net(c, 'namespace', m);
  b.withRow(row('Cluster'))
    .withPanel(statPanel('Received by pods', [promql(net('receive_bytes', '', m), '', { instant: true })], { w: 6, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second received by all pods (host-network pods are counted with their node\'s traffic, not here).' }))
    .withPanel(statPanel('Sent by pods', [promql(net('transmit_bytes', '', m), '', { instant: true })], { w: 6, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second sent by all pods.' }))
    .withPanel(statPanel('Dropped packets / s', [promql(`${net('receive_packets_dropped', '', m)} + ${net('transmit_packets_dropped', '', m)}`, '', { instant: true })], { w: 6, h: 4, unit: 'pps', decimals: 2, thresholds: thresholds('green', [[0.01, 'orange']]), description: 'Packets dropped per second on all pod interfaces, both directions.' }))
    .withPanel(statPanel('TCP retransmitted', [promql('sum(rate(node_netstat_Tcp_RetransSegs[$__rate_interval]))\n/\nsum(rate(node_netstat_Tcp_OutSegs[$__rate_interval]))', '', { instant: true })], { w: 6, h: 4, unit: 'percentunit', decimals: 2, thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), description: 'Share of TCP segments the nodes sent that were retransmissions (all nodes, node-exporter).' }));
  trafficRows(b, { legend: '{{namespace}}', noun: 'namespace', subject: 'each namespace\'s pods', rate });
  b.withRow(row('Namespaces')).withPanel(trafficTable('Namespaces', ['namespace'], rate, drillDown('namespace', 'Namespace networking', NETWORKING_UIDS.namespace, { namespace: 'namespace' })));
  b.withRow(row('Nodes'))
    .withPanel(timeseriesPanel('TCP retransmitted segments by node', [promql('sum by (instance) (rate(node_netstat_Tcp_RetransSegs[$__rate_interval]))\n/\nsum by (instance) (rate(node_netstat_Tcp_OutSegs[$__rate_interval]))', '{{instance}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), description: 'Share of sent TCP segments that were retransmissions, per node: loss or congestion on its paths.' }))
    .withPanel(timeseriesPanel('Node received / sent', [promql(R.netReceive, '{{instance}} received'), promql(R.netTransmit, '{{instance}} sent')], { w: 12, h: 8, unit: 'Bps', min: 0, description: 'Bytes per second through each node\'s interfaces (loopback excluded): pod traffic plus host-network pods and the node itself.' }));
  return finalize(b.build());
}

/** Namespace: traffic by pod. */
export function networkingNamespaceDashboard(o: DashboardOptions): dash.Dashboard {
  const b = networkingDashboard(o, NETWORKING_UIDS.namespace, 'Namespace', 'Network traffic of one namespace\'s pods: bandwidth, packets, drops and errors.').withVariable(
    queryVariable('namespace', 'label_values(container_network_receive_bytes_total, namespace)', { label: 'Namespace', multi: false }),
  );
  const m = 'namespace="$namespace"';
  const rate = (c: Counter) => net(c, 'pod', m);
  b.withRow(row('Namespace'))
    .withPanel(statPanel('Received', [promql(net('receive_bytes', '', m), '', { instant: true })], { w: 8, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second received by the namespace\'s pods.' }))
    .withPanel(statPanel('Sent', [promql(net('transmit_bytes', '', m), '', { instant: true })], { w: 8, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second sent by the namespace\'s pods.' }))
    .withPanel(statPanel('Dropped packets / s', [promql(`${net('receive_packets_dropped', '', m)} + ${net('transmit_packets_dropped', '', m)}`, '', { instant: true })], { w: 8, h: 4, unit: 'pps', decimals: 2, thresholds: thresholds('green', [[0.01, 'orange']]), description: 'Packets dropped per second on the namespace\'s pod interfaces.' }));
  trafficRows(b, { legend: '{{pod}}', noun: 'pod', subject: 'each pod', rate });
  b.withRow(row('Pods')).withPanel(trafficTable('Pods', ['pod'], rate, drillDown('pod', 'Pod networking', NETWORKING_UIDS.pod, { pod: 'pod' }, ['namespace'])));
  return finalize(b.build());
}

/** Workload: traffic by workload of one namespace, and by pod of the selected workloads. */
export function networkingWorkloadDashboard(o: DashboardOptions): dash.Dashboard {
  const b = networkingDashboard(o, NETWORKING_UIDS.workload, 'Workload', 'Network traffic of a namespace\'s workloads, and of the pods of the selected ones.')
    .withVariable(queryVariable('namespace', `label_values(${R.workloadPod}, namespace)`, { label: 'Namespace', multi: false }))
    .withVariable(queryVariable('workload_type', `label_values(${R.workloadPod}{namespace="$namespace"}, workload_type)`, { label: 'Workload type' }))
    .withVariable(queryVariable('workload', `label_values(${R.workloadPod}{namespace="$namespace", workload_type=~"$workload_type"}, workload)`, { label: 'Workload' }));
  const m = 'namespace="$namespace"';
  const pods = `${R.workloadPod}{${m}, workload_type=~"$workload_type", workload=~"$workload"}`;
  const by = 'workload, workload_type';
  const rate = (c: Counter) => netByWorkload(c, by, m, pods);
  trafficRows(b, { legend: '{{workload_type}}/{{workload}}', noun: 'workload', subject: 'each workload\'s pods', rate });
  b.withRow(row('Workloads')).withPanel(trafficTable('Workloads', ['workload', 'workload_type'], rate, drillDown('workload', 'Workload compute resources', 'k8s-resources-workload', { workload: 'workload', workload_type: 'workload_type' }, ['namespace'])));
  b.withRow(row('Pods of the selected workloads'))
    .withPanel(timeseriesPanel('Received by pod', [promql(netByWorkload('receive_bytes', 'pod', m, pods), '{{pod}}')], { w: 12, h: 8, unit: 'Bps', min: 0, stack: true, description: 'Bytes per second received by each pod of the selected workloads: an uneven spread points at load balancing or affinity.' }))
    .withPanel(timeseriesPanel('Sent by pod', [promql(netByWorkload('transmit_bytes', 'pod', m, pods), '{{pod}}')], { w: 12, h: 8, unit: 'Bps', min: 0, stack: true, description: 'Bytes per second sent by each pod of the selected workloads.' }));
  return finalize(b.build());
}

/** Pod: one pod's interfaces. */
export function networkingPodDashboard(o: DashboardOptions): dash.Dashboard {
  const b = networkingDashboard(o, NETWORKING_UIDS.pod, 'Pod', 'Network traffic of one pod, per interface: bandwidth, packets, drops and errors.')
    .withVariable(queryVariable('namespace', 'label_values(container_network_receive_bytes_total, namespace)', { label: 'Namespace', multi: false }))
    .withVariable(queryVariable('pod', 'label_values(container_network_receive_bytes_total{namespace="$namespace"}, pod)', { label: 'Pod', multi: false }));
  const m = 'namespace="$namespace", pod="$pod"';
  b.withRow(row('Pod'))
    .withPanel(statPanel('Received', [promql(net('receive_bytes', '', m), '', { instant: true })], { w: 6, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second the pod receives.' }))
    .withPanel(statPanel('Sent', [promql(net('transmit_bytes', '', m), '', { instant: true })], { w: 6, h: 4, unit: 'Bps', decimals: 1, sparkline: true, description: 'Bytes per second the pod sends.' }))
    .withPanel(statPanel('Received in range', [promql(`sum(increase(container_network_receive_bytes_total{${m}}[$__range]))`, '', { instant: true })], { w: 6, h: 4, unit: 'bytes', decimals: 1, description: 'Bytes received over the dashboard time range.' }))
    .withPanel(statPanel('Sent in range', [promql(`sum(increase(container_network_transmit_bytes_total{${m}}[$__range]))`, '', { instant: true })], { w: 6, h: 4, unit: 'bytes', decimals: 1, description: 'Bytes sent over the dashboard time range.' }));
  trafficRows(b, { legend: '{{interface}}', noun: 'interface', subject: 'the pod, per interface', rate: (c) => net(c, 'interface', m) });
  return finalize(b.build());
}
