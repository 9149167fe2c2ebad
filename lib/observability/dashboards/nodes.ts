import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, drillDown, finalize, promql, queryVariable, row, statPanel, tagLinks, thresholds, timeseriesPanel } from './common';
import { joinTable, K8S_TAG, RULES as R, UTILISATION_COLOURS, weightedCpuBusy } from './k8s-common';
import type { DashboardOptions } from './types';

/**
 * Nodes: the USE method (utilisation, saturation, errors) for every resource of a node, from
 * node-exporter. `instance` is the node name (the contract's node-exporter job), so these
 * dashboards and the Kubernetes ones name nodes alike.
 */

export const NODE_UIDS = {
  cluster: 'nodes-use-cluster',
  node: 'nodes-use-node',
} as const;

/** Filesystems whose fullness matters (in-memory ones are left out). */
const FS = 'fstype!~"tmpfs|ramfs"';

function nodesDashboard(o: DashboardOptions, uid: string, title: string, description: string): dash.DashboardBuilder {
  return baseDashboard({ uid, title: `Nodes / USE Method / ${title}`, description, tags: [K8S_TAG, 'nodes', 'use'] })
    .link(tagLinks('Kubernetes', K8S_TAG))
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable());
}

/** USE across the cluster's nodes: one line per node for each resource. */
export function nodesClusterDashboard(o: DashboardOptions): dash.Dashboard {
  const b = nodesDashboard(o, NODE_UIDS.cluster, 'Cluster', 'Utilisation and saturation of every node\'s CPU, memory, network, disks and filesystems (node-exporter): which node is hot, and on what.');
  const cpuBusy = weightedCpuBusy();
  const fullest = `max by (instance) (\n  1 - node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}\n)`;

  b.withRow(row('Cluster'))
    .withPanel(statPanel('Nodes', [promql('count(node_uname_info)', '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Nodes whose node-exporter answers.' }))
    .withPanel(statPanel('CPUs', [promql(`sum(${R.nodeCpus})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Logical CPUs of all nodes.' }))
    .withPanel(statPanel('CPU utilisation', [promql(cpuBusy, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Busy share of all CPUs, weighted by each node\'s CPU count.' }))
    .withPanel(statPanel('Load per CPU', [promql(`sum(node_load1)\n/\nsum(${R.nodeCpus})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, sparkline: true, thresholds: thresholds('green', [[1, 'orange'], [2, 'red']]), description: 'Runnable and uninterruptible tasks (1-minute load) per CPU over all nodes; above 1 tasks wait for a CPU or for I/O.' }))
    .withPanel(statPanel('Memory utilisation', [promql('1 - sum(node_memory_MemAvailable_bytes)\n/\nsum(node_memory_MemTotal_bytes)', '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Memory not available to new allocations over all nodes (1 - MemAvailable / MemTotal).' }))
    .withPanel(statPanel('Filesystems over 85 % full', [promql(`count(\n  node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.15\n) or vector(0)`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, thresholds: thresholds('green', [[1, 'orange']]), description: 'Filesystems (all nodes, in-memory ones excluded) with less than 15 % space left.' }));

  b.withRow(row('CPU'))
    .withPanel(timeseriesPanel('CPU utilisation by node', [promql(R.nodeCpuUtilisation, '{{instance}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Busy share of each node\'s CPUs (not idle, iowait or steal), 5m rate.' }))
    .withPanel(timeseriesPanel('CPU saturation: load per CPU', [promql(R.nodeLoadPerCpu, '{{instance}}')], { w: 12, h: 8, unit: 'short', min: 0, decimals: 2, thresholds: thresholds('green', [[1, 'orange']]), description: '1-minute load average over the node\'s CPU count; above 1 tasks queue for a CPU (or wait for I/O).' }));

  b.withRow(row('Memory'))
    .withPanel(timeseriesPanel('Memory utilisation by node', [promql(R.nodeMemoryUtilisation, '{{instance}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Share of each node\'s memory not available to new allocations.' }))
    .withPanel(timeseriesPanel('Memory saturation: major page faults / s', [promql(R.nodeMajorFaults, '{{instance}}')], { w: 12, h: 8, unit: 'short', min: 0, description: 'Page faults that had to read from disk, per second: a node short of memory re-reads the pages it evicted (thrashing).' }));

  b.withRow(row('Network'))
    .withPanel(timeseriesPanel('Network received / sent by node', [promql(R.netReceive, '{{instance}} received'), promql(R.netTransmit, '{{instance}} sent')], { w: 12, h: 8, unit: 'Bps', min: 0, description: 'Bytes per second over all interfaces but loopback.' }))
    .withPanel(timeseriesPanel('Network saturation: dropped packets by node', [promql(R.netReceiveDrops, '{{instance}} received'), promql(R.netTransmitDrops, '{{instance}} sent')], { w: 12, h: 8, unit: 'pps', min: 0, description: 'Packets the kernel dropped per second (full queues, no buffer), all interfaces but loopback.' }));

  b.withRow(row('Disks and filesystems'))
    .withPanel(timeseriesPanel('Disk utilisation: busiest device by node', [promql(`max by (instance) (${R.diskIoTime})`, '{{instance}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Share of time the node\'s busiest block device had I/O in flight. Near 100 % a spinning disk is saturated; SSDs and network volumes serve requests in parallel and can go further.' }))
    .withPanel(timeseriesPanel('Disk saturation: average queue by node', [promql(`max by (instance) (${R.diskIoTimeWeighted})`, '{{instance}}')], { w: 8, h: 8, unit: 'short', min: 0, decimals: 2, description: 'Average number of I/O requests in flight on the node\'s busiest device (weighted I/O time per second); growing queues mean growing I/O latency.' }))
    .withPanel(timeseriesPanel('Fullest filesystem by node', [promql(fullest, '{{instance}}')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: thresholds('green', [[0.85, 'orange'], [0.95, 'red']]), description: 'Used share of each node\'s fullest filesystem (space available to unprivileged users). The kubelet evicts pods when the node\'s root or image filesystem gets full.' }));

  b.withRow(row('Nodes')).withPanel(
    joinTable(
      'Nodes',
      ['instance'],
      [
        { name: 'CPUs', expr: `sum by (instance) (${R.nodeCpus})`, decimals: 0 },
        { name: 'CPU utilisation', expr: `max by (instance) (${R.nodeCpuUtilisation})`, unit: 'percentunit', decimals: 0, thresholds: UTILISATION_COLOURS() },
        { name: 'Load per CPU', expr: `max by (instance) (${R.nodeLoadPerCpu})`, decimals: 2, thresholds: thresholds('green', [[1, 'orange']]) },
        { name: 'Memory utilisation', expr: `max by (instance) (${R.nodeMemoryUtilisation})`, unit: 'percentunit', decimals: 0, thresholds: UTILISATION_COLOURS() },
        { name: 'Major faults / s', expr: `max by (instance) (${R.nodeMajorFaults})`, decimals: 1 },
        { name: 'Busiest disk', expr: `max by (instance) (${R.diskIoTime})`, unit: 'percentunit', decimals: 0, thresholds: UTILISATION_COLOURS() },
        { name: 'Fullest filesystem', expr: fullest, unit: 'percentunit', decimals: 0, thresholds: thresholds('green', [[0.85, 'orange'], [0.95, 'red']]) },
        { name: 'Received', expr: `max by (instance) (${R.netReceive})`, unit: 'Bps', decimals: 1 },
        { name: 'Sent', expr: `max by (instance) (${R.netTransmit})`, unit: 'Bps', decimals: 1 },
      ],
      { w: 24, h: 10, description: 'Every node with the utilisation and saturation of each resource now; the node name opens its own dashboard.', sortBy: 'CPU utilisation', links: [drillDown('instance', 'Node (USE)', NODE_UIDS.node, { instance: 'instance' })] },
    ),
  );

  return finalize(b.build());
}

/** USE of one node, per CPU mode, device, mountpoint and interface. */
export function nodeDashboard(o: DashboardOptions): dash.Dashboard {
  const b = nodesDashboard(o, NODE_UIDS.node, 'Node', 'One node\'s CPU, memory, disks, filesystems and network (node-exporter): utilisation, saturation (load, queues, pressure stall information) and errors.').withVariable(
    queryVariable('instance', 'label_values(node_uname_info, instance)', { label: 'Node', multi: false }),
  );
  const i = 'instance="$instance"';
  const rate = (metric: string, extra = '') => `rate(${metric}{${i}${extra}}[$__rate_interval])`;
  const cpus = `count(node_cpu_seconds_total{${i}, mode="idle"})`;

  b.withRow(row('Node'))
    .withPanel(statPanel('CPUs', [promql(`sum(${R.nodeCpus}{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 0, description: 'Logical CPUs of the node.' }))
    .withPanel(statPanel('Memory', [promql(`sum(node_memory_MemTotal_bytes{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'bytes', decimals: 1, description: 'Memory the kernel manages (MemTotal).' }))
    .withPanel(statPanel('Up for', [promql(`time() - max(node_boot_time_seconds{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'dtdurations', description: 'Time since the node booted.' }))
    .withPanel(statPanel('CPU utilisation', [promql(`max(${R.nodeCpuUtilisation}{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Busy share of the node\'s CPUs (5m rate).' }))
    .withPanel(statPanel('Memory utilisation', [promql(`max(${R.nodeMemoryUtilisation}{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, sparkline: true, thresholds: UTILISATION_COLOURS(), description: 'Share of memory not available to new allocations.' }))
    .withPanel(statPanel('Load per CPU', [promql(`max(${R.nodeLoadPerCpu}{${i}})`, '', { instant: true })], { w: 4, h: 4, unit: 'short', decimals: 2, sparkline: true, thresholds: thresholds('green', [[1, 'orange'], [2, 'red']]), description: '1-minute load average over the CPU count.' }));

  b.withRow(row('CPU'))
    .withPanel(timeseriesPanel('CPU time by mode', [promql(`sum by (mode) (${rate('node_cpu_seconds_total', ', mode!="idle"')})`, '{{mode}}'), promql(cpus, 'CPUs')], { w: 8, h: 8, unit: 'short', min: 0, stack: true, dashed: 'CPUs', description: 'CPUs busy per mode (user, system, iowait, steal, ...), stacked; dashed: the CPU count. Steal is time the hypervisor gave to other guests; iowait is idle time with I/O outstanding.' }))
    .withPanel(timeseriesPanel('Load average', [promql(`max(node_load1{${i}})`, '1m'), promql(`max(node_load5{${i}})`, '5m'), promql(`max(node_load15{${i}})`, '15m'), promql(cpus, 'CPUs')], { w: 8, h: 8, unit: 'short', min: 0, dashed: 'CPUs', description: 'Runnable plus uninterruptible tasks, averaged over 1, 5 and 15 minutes; dashed: the CPU count.' }))
    .withPanel(timeseriesPanel('CPU pressure', [promql(`max(${rate('node_pressure_cpu_waiting_seconds_total')})`, 'some task waiting')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, description: 'Share of time at least one task waited for a CPU (Linux pressure stall information; needs a kernel with PSI).' }));

  b.withRow(row('Memory'))
    .withPanel(
      timeseriesPanel(
        'Memory',
        [
          promql(`max(node_memory_MemTotal_bytes{${i}} - node_memory_MemAvailable_bytes{${i}})`, 'not available'),
          promql(`max(node_memory_Cached_bytes{${i}})`, 'page cache'),
          promql(`max(node_memory_Buffers_bytes{${i}})`, 'buffers'),
          promql(`max(node_memory_MemFree_bytes{${i}})`, 'free'),
          promql(`max(node_memory_MemTotal_bytes{${i}})`, 'total'),
        ],
        { w: 8, h: 8, unit: 'bytes', min: 0, dashed: 'total', description: 'Memory not available to new allocations (MemTotal - MemAvailable), page cache and buffers (mostly reclaimable), and free; dashed: total.' },
      ),
    )
    .withPanel(timeseriesPanel('Major page faults / s', [promql(`max(${R.nodeMajorFaults}{${i}})`, 'major faults')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Page faults served from disk per second; a steady rise with high memory utilisation means the node is thrashing.' }))
    .withPanel(timeseriesPanel('Memory pressure', [promql(`max(${rate('node_pressure_memory_waiting_seconds_total')})`, 'some task stalled'), promql(`max(${rate('node_pressure_memory_stalled_seconds_total')})`, 'all tasks stalled')], { w: 8, h: 8, unit: 'percentunit', min: 0, max: 1, description: 'Share of time some (or all non-idle) tasks stalled on memory: reclaim, swap-in, refaults (pressure stall information).' }));

  b.withRow(row('Disks'))
    .withPanel(timeseriesPanel('Disk utilisation by device', [promql(`${R.diskIoTime}{${i}}`, '{{device}}')], { w: 6, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: UTILISATION_COLOURS(), description: 'Share of time each block device had I/O in flight.' }))
    .withPanel(timeseriesPanel('Disk queue by device', [promql(`${R.diskIoTimeWeighted}{${i}}`, '{{device}}')], { w: 6, h: 8, unit: 'short', min: 0, decimals: 2, description: 'Average I/O requests in flight per device (weighted I/O time per second): saturation.' }))
    .withPanel(timeseriesPanel('Disk throughput by device', [promql(`sum by (device) (${rate('node_disk_read_bytes_total')})`, '{{device}} read'), promql(`sum by (device) (${rate('node_disk_written_bytes_total')})`, '{{device}} written')], { w: 6, h: 8, unit: 'Bps', min: 0, description: 'Bytes read and written per second per block device.' }))
    .withPanel(timeseriesPanel('I/O pressure', [promql(`max(${rate('node_pressure_io_waiting_seconds_total')})`, 'some task waiting'), promql(`max(${rate('node_pressure_io_stalled_seconds_total')})`, 'all tasks stalled')], { w: 6, h: 8, unit: 'percentunit', min: 0, max: 1, description: 'Share of time some (or all non-idle) tasks waited for I/O (pressure stall information).' }));

  const fsUsed = (avail: string, size: string) => `max by (mountpoint) (\n  1 - ${avail}{${i}, ${FS}} / ${size}{${i}, ${FS}}\n)`;
  b.withRow(row('Filesystems'))
    .withPanel(timeseriesPanel('Filesystem space used', [promql(fsUsed('node_filesystem_avail_bytes', 'node_filesystem_size_bytes'), '{{mountpoint}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: thresholds('green', [[0.85, 'orange'], [0.95, 'red']]), description: 'Used share of each filesystem (space available to unprivileged users counts as free).' }))
    .withPanel(timeseriesPanel('Filesystem inodes used', [promql(fsUsed('node_filesystem_files_free', 'node_filesystem_files'), '{{mountpoint}}')], { w: 12, h: 8, unit: 'percentunit', min: 0, max: 1, thresholds: thresholds('green', [[0.85, 'orange'], [0.95, 'red']]), description: 'Used share of each filesystem\'s inodes; at 100 % no file can be created even with space left.' }));

  const dev = ', device!="lo"';
  b.withRow(row('Network'))
    .withPanel(timeseriesPanel('Network traffic by interface', [promql(`sum by (device) (${rate('node_network_receive_bytes_total', dev)})`, '{{device}} received'), promql(`sum by (device) (${rate('node_network_transmit_bytes_total', dev)})`, '{{device}} sent')], { w: 8, h: 8, unit: 'Bps', min: 0, description: 'Bytes per second per interface (loopback excluded).' }))
    .withPanel(
      timeseriesPanel(
        'Network errors and drops by interface',
        [
          promql(`sum by (device) (${rate('node_network_receive_errs_total', dev)})`, '{{device}} receive errors'),
          promql(`sum by (device) (${rate('node_network_transmit_errs_total', dev)})`, '{{device}} transmit errors'),
          promql(`sum by (device) (${rate('node_network_receive_drop_total', dev)})`, '{{device}} receive drops'),
          promql(`sum by (device) (${rate('node_network_transmit_drop_total', dev)})`, '{{device}} transmit drops'),
        ],
        { w: 8, h: 8, unit: 'pps', min: 0, description: 'Packets with errors (bad frames, carrier problems) and packets dropped (full queues) per second per interface.' },
      ),
    )
    .withPanel(timeseriesPanel('TCP retransmitted segments', [promql(`sum(${rate('node_netstat_Tcp_RetransSegs')})\n/\nsum(${rate('node_netstat_Tcp_OutSegs')})`, 'retransmitted / sent')], { w: 8, h: 8, unit: 'percentunit', min: 0, thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]), description: 'Share of sent TCP segments that were retransmissions: packet loss or congestion on the node\'s paths.' }));

  return finalize(b.build());
}
