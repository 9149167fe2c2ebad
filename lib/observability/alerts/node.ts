import type { AlertingRule, RecordingRule, RuleGroup } from '../rule-group';
import {
  AlertGroupCommonOptions,
  AlertSpec,
  OptionProblems,
  UpstreamRunbooks,
  braces,
  checkExtraLabels,
  checkKnownKeys,
  checkRunbookBaseUrl,
  checkSelector,
  checkUpstreamRunbooks,
  makeUpstreamAlert,
  secondsOf,
} from './common';
import type { FillingUpLevel, AlmostOutLevel, NodeThresholds } from './stack-thresholds';
import { AlertThresholdOverrides, promDurationSeconds, resolveAlertThresholds } from './thresholds';

/**
 * Node alerts and recording rules, from node-exporter's metrics (names and severities of
 * kube-prometheus's `node-exporter` and `node-network` groups; expressions and texts our own).
 *
 * node-exporter's metric names (`node_*`) are its own, so no `job` selector is needed; the
 * series keep their target labels (`instance`, `node`, `namespace`, `pod`, `job`), and every
 * alert is about one target (one node) and, where it applies, one mount point, device,
 * interface, RAID array, bond or systemd unit.
 *
 * The expressions do not rely on node-exporter's own exclusions (its flags may differ): they
 * leave out, themselves,
 * - filesystems that are not the node's disk space (`PSEUDO_FSTYPES`: memory-backed tmpfs,
 *   container image layers, read-only images, kernel pseudo filesystems) and the mount points
 *   of containers and pods (`CONTAINER_MOUNTPOINTS`: their volumes are watched per
 *   PersistentVolumeClaim by the Kubernetes alerts), and read-only mounts;
 * - block devices that are not disks of their own (`NON_DISK_DEVICES`: loop, RAM, optical,
 *   and partitions, whose I/O is their disk's);
 * - per-pod virtual interfaces in the flapping alert (`POD_INTERFACES`).
 */

export const NODE_RECORDING_GROUP = 'node-exporter.rules';
export const NODE_EXPORTER_GROUP = 'node-exporter';
export const NODE_NETWORK_GROUP = 'node-network';

/**
 * Filesystem types whose space is not disk space of the node: memory-backed (tmpfs, ramfs:
 * their space is memory, which the memory alerts watch; kubelet also mounts one per Secret
 * volume), container image layers (overlay), read-only images (squashfs, erofs, iso9660) and
 * kernel pseudo filesystems.
 */
export const PSEUDO_FSTYPES =
  'tmpfs|ramfs|devtmpfs|overlay|squashfs|erofs|iso9660|nsfs|proc|procfs|sysfs|cgroup2?|autofs|binfmt_misc|bpf|configfs|debugfs|devpts|fusectl|fuse\\\\.lxcfs|hugetlbfs|mqueue|pstore|rpc_pipefs|securityfs|selinuxfs|tracefs|efivarfs';

/**
 * Mount points inside containers' and pods' storage: container root filesystems and pod
 * volumes (PersistentVolumes are watched by KubePersistentVolumeFillingUp, per claim), as the
 * node sees them. The directories themselves (e.g. `/var/lib/containerd` on its own disk) stay.
 */
export const CONTAINER_MOUNTPOINTS =
  '/var/lib/kubelet/(pods|plugins)/.+|/var/lib/docker/.+|/var/lib/containerd/.+|/run/containerd/.+|/var/lib/rancher/.+/containerd/.+|/run/k3s/containerd/.+|/(var/)?run/netns/.+';

/** Block devices without a queue of their own: loop, RAM and floppy/optical devices, and partitions (their I/O is their disk's). */
export const NON_DISK_DEVICES = '(loop|ram|zram|fd|sr)[0-9]+|(h|s|v|xv)d[a-z]+[0-9]+|nvme[0-9]+n[0-9]+p[0-9]+|mmcblk[0-9]+p[0-9]+';

/** Per-pod virtual interfaces (veth pairs of bridge CNIs, Calico, Cilium): they come and go with pods. */
export const POD_INTERFACES = 'veth.+|cali.+|lxc.+';

/** The window of the filesystem trend (predict_linear). */
const TREND_WINDOW = '6h';

/** The node's name in a description: the `node` label, or `instance` where there is none. */
const NODE = '{{ with $labels.node }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }}';

export interface NodeAlertOptions extends AlertGroupCommonOptions {
  /** Where the alerts (all of them kube-prometheus names) link their runbook. @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /** `node` is read. @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: AlertThresholdOverrides;
  /**
   * Matchers added to every node-exporter series, e.g. `job="node-exporter"` when a second job
   * scrapes node-exporter too. @default none
   */
  readonly selector?: string;
}

const OPTION_FIELDS = ['runbookBaseUrl', 'extraLabels', 'interval', 'upstreamRunbooks', 'thresholds', 'selector'];

/** `node_cpu_seconds_total` has one `idle` series per CPU: counting them counts the CPUs. */
const cpuCount = (sel: string) => `count without (cpu, mode) (node_cpu_seconds_total${braces(sel, 'mode="idle"')})`;
/** CPU-seconds per second spent working: every mode but idle, waiting for I/O (idle too) and stolen by the hypervisor. */
const busyCpu = (sel: string, by: string) => `${by} (rate(node_cpu_seconds_total${braces(sel, 'mode!~"idle|iowait|steal"')}[5m]))`;

/**
 * The `node-exporter.rules` group. Each `instance:`/`instance_device:` series keeps the labels
 * of its node-exporter target (`instance`, `node`, `namespace`, `pod`, `job`, `container`),
 * plus `device` for the per-device ones.
 */
export function nodeRecordingRules(selector = ''): RuleGroup {
  const s = selector;
  const rate5m = (metric: string, extra = '') => `rate(${metric}${braces(s, extra)}[5m])`;
  const rules: RecordingRule[] = [
    { record: 'instance:node_num_cpu:sum', expr: cpuCount(s) },
    // Fraction of the node's CPU time spent working, 0..1.
    { record: 'instance:node_cpu_utilisation:rate5m', expr: `${busyCpu(s, 'sum without (cpu, mode)')}\n/\n${cpuCount(s)}` },
    { record: 'instance:node_load1_per_cpu:ratio', expr: `node_load1${braces(s)}\n/\n${cpuCount(s)}` },
    // Fraction of memory not available to start new applications without swapping.
    { record: 'instance:node_memory_utilisation:ratio', expr: `1 - node_memory_MemAvailable_bytes${braces(s)} / node_memory_MemTotal_bytes${braces(s)}` },
    { record: 'instance:node_vmstat_pgmajfault:rate5m', expr: rate5m('node_vmstat_pgmajfault') },
    // Fraction of time the device was busy (1 = always at least one request in flight).
    { record: 'instance_device:node_disk_io_time_seconds:rate5m', expr: rate5m('node_disk_io_time_seconds_total', `device!~"${NON_DISK_DEVICES}"`) },
    // Average number of requests in flight on the device (its queue length).
    { record: 'instance_device:node_disk_io_time_weighted_seconds:rate5m', expr: rate5m('node_disk_io_time_weighted_seconds_total', `device!~"${NON_DISK_DEVICES}"`) },
    ...(['receive', 'transmit'] as const).flatMap((dir) =>
      (['bytes', 'drop'] as const).map((what) => ({
        record: `instance:node_network_${dir}_${what}_excluding_lo:rate5m`,
        expr: `sum without (device) (${rate5m(`node_network_${dir}_${what}_total`, 'device!="lo"')})`,
      })),
    ),
    // The whole cluster's fraction of CPU time spent working.
    { record: 'cluster:node_cpu:ratio_rate5m', expr: `${busyCpu(s, 'sum')}\n/\ncount (node_cpu_seconds_total${braces(s, 'mode="idle"')})` },
    { record: 'node:node_num_cpu:sum', expr: `count by (node) (node_cpu_seconds_total${braces(s, 'mode="idle"')})` },
    { record: ':node_memory_MemAvailable_bytes:sum', expr: `sum (node_memory_MemAvailable_bytes${braces(s)})` },
  ];
  return { name: NODE_RECORDING_GROUP, rules };
}

interface Ctx {
  readonly t: NodeThresholds;
  readonly sel: string;
  readonly mk: (spec: AlertSpec, dir?: 'node' | 'general') => AlertingRule;
}

function filesystemAlerts({ t, sel, mk }: Ctx): AlertingRule[] {
  // The filesystems are chosen once, on the first operand: the others match it label for label.
  const fs = braces(sel, `fstype!~"${PSEUDO_FSTYPES}"`, `mountpoint!~"${CONTAINER_MOUNTPOINTS}"`);
  const all = braces(sel);
  const writable = `node_filesystem_readonly${all} == 0`;
  const where = `filesystem {{ $labels.mountpoint }} ({{ $labels.device }}, {{ $labels.fstype }}) of node ${NODE}`;
  const kinds = [
    { what: 'space', free: 'node_filesystem_avail_bytes', size: 'node_filesystem_size_bytes', filling: 'NodeFilesystemSpaceFillingUp', out: 'NodeFilesystemAlmostOutOfSpace', fillT: t.filesystemSpaceFillingUp, outT: t.filesystemAlmostOutOfSpace, unit: 'space' },
    { what: 'inodes', free: 'node_filesystem_files_free', size: 'node_filesystem_files', filling: 'NodeFilesystemFilesFillingUp', out: 'NodeFilesystemAlmostOutOfFiles', fillT: t.filesystemFilesFillingUp, outT: t.filesystemAlmostOutOfFiles, unit: 'inodes (files)' },
  ] as const;
  const rules: AlertingRule[] = [];
  for (const k of kinds) {
    // Available fraction. A filesystem without an inode limit reports 0 files: 0/0 is NaN, which no comparison matches.
    const left = `${k.free}${fs} / ${k.size}${all}`;
    const filling = (severity: 'warning' | 'critical', l: FillingUpLevel): AlertingRule =>
      mk({
        alert: k.filling,
        expr: `(\n  ${left} < ${l.availableRatio}\nand\n  predict_linear(${k.free}${all}[${TREND_WINDOW}], ${secondsOf(promDurationSeconds(l.predictionHorizon) ?? 0)}) < 0\n)\nand\n  ${writable}`,
        for: l.for,
        severity,
        summary: `A node filesystem is predicted to run out of ${k.unit} within ${l.predictionHorizon}.`,
        description: `The ${where} has {{ $value | humanizePercentage }} of its ${k.unit} left and, at the rate of the last ${TREND_WINDOW}, runs out within ${l.predictionHorizon}.`,
      });
    const out = (severity: 'warning' | 'critical', l: AlmostOutLevel): AlertingRule =>
      mk({
        alert: k.out,
        expr: `${left} < ${l.availableRatio}\nand\n  ${writable}`,
        for: l.for,
        severity,
        summary: `A node filesystem has less than ${pct(l.availableRatio)} of its ${k.unit} left.`,
        description: `The ${where} has only {{ $value | humanizePercentage }} of its ${k.unit} left (for ${l.for}); writes fail when it reaches zero.`,
      });
    rules.push(filling('warning', k.fillT.warning), filling('critical', k.fillT.critical), out('warning', k.outT.warning), out('critical', k.outT.critical));
  }
  return rules;
}

const pct = (ratio: number) => `${Number((ratio * 100).toPrecision(6))}%`;

function otherAlerts({ t, sel, mk }: Ctx): AlertingRule[] {
  const s = (extra = '') => braces(sel, extra);
  // The recorded series (instance:*) are already restricted by the selector.
  const rules: AlertingRule[] = [];
  for (const [alert, dir] of [['NodeNetworkReceiveErrs', 'receive'], ['NodeNetworkTransmitErrs', 'transmit']] as const) {
    rules.push(
      mk({
        alert,
        expr: `rate(node_network_${dir}_errs_total${s()}[5m])\n/\nrate(node_network_${dir}_packets_total${s()}[5m])\n> ${t.networkErrors.ratio}`,
        for: t.networkErrors.for,
        severity: 'warning',
        summary: `A network interface of a node has ${dir} errors.`,
        description: `Interface {{ $labels.device }} of node ${NODE} has had ${dir} errors on {{ $value | humanizePercentage }} of its packets for ${t.networkErrors.for}: check the cable, NIC, driver or virtual network.`,
      }),
    );
  }
  rules.push(
    mk({
      alert: 'NodeHighNumberConntrackEntriesUsed',
      expr: `node_nf_conntrack_entries${s()} / node_nf_conntrack_entries_limit${s()} > ${t.conntrack.usedRatio}`,
      for: t.conntrack.for,
      severity: 'warning',
      summary: 'The connection tracking table of a node is filling up.',
      description: `Node ${NODE} uses {{ $value | humanizePercentage }} of its conntrack table; once it is full, the kernel drops new connections (raise net.netfilter.nf_conntrack_max or find the connection leak).`,
    }),
    mk({
      alert: 'NodeTextFileCollectorScrapeError',
      expr: `node_textfile_scrape_error${s()} == 1`,
      for: '5m',
      severity: 'warning',
      summary: 'node-exporter cannot read its text-file metrics.',
      description: `node-exporter on node ${NODE} fails to open or parse a file of its text-file collector directory: the metrics written there (by cron jobs, scripts) are missing. Its log names the file.`,
    }),
    mk({
      alert: 'NodeClockSkewDetected',
      // Offset beyond the threshold either way, and not shrinking: the offset and its trend have the same sign (or no trend).
      expr: `abs(node_timex_offset_seconds${s()}) > ${t.clockSkew.offsetSeconds}\nand\n  node_timex_offset_seconds${s()} * deriv(node_timex_offset_seconds${s()}[5m]) >= 0`,
      for: t.clockSkew.for,
      severity: 'warning',
      summary: 'The clock of a node is off and not being corrected.',
      description: `The clock of node ${NODE} is {{ $value | humanizeDuration }} off its time source and the offset is not shrinking: check its NTP daemon (chrony, systemd-timesyncd).`,
    }),
    mk({
      alert: 'NodeClockNotSynchronising',
      // The kernel flags the clock unsynchronised, and its maximum error estimate has grown to 16 s, the limit the kernel reaches without NTP updates.
      expr: `max_over_time(node_timex_sync_status${s()}[5m]) == 0\nand\n  node_timex_maxerror_seconds${s()} >= 16`,
      for: '10m',
      severity: 'warning',
      summary: 'The clock of a node is not synchronised.',
      description: `The kernel of node ${NODE} reports its clock unsynchronised, with a maximum error of 16 s or more: no NTP daemon is disciplining it (or it cannot reach a server).`,
    }),
    mk({
      alert: 'NodeRAIDDegraded',
      // Disks the array needs minus the disks active in it: missing members.
      expr: `node_md_disks_required${s()}\n- ignoring (state)\n  node_md_disks${s('state="active"')}\n> 0`,
      for: '15m',
      severity: 'critical',
      summary: 'A RAID array of a node is degraded.',
      description: `RAID array {{ $labels.device }} of node ${NODE} runs with {{ $value }} disk(s) fewer than it needs: one more failure may lose data. Replace the failed disk.`,
    }),
    mk({
      alert: 'NodeRAIDDiskFailure',
      expr: `node_md_disks${s('state="failed"')} > 0`,
      severity: 'warning',
      summary: 'A disk of a RAID array of a node has failed.',
      description: `RAID array {{ $labels.device }} of node ${NODE} has {{ $value }} failed disk(s); replace them.`,
    }),
  );
  for (const [severity, l] of [['warning', t.fileDescriptors.warning], ['critical', t.fileDescriptors.critical]] as const) {
    rules.push(
      mk({
        alert: 'NodeFileDescriptorLimit',
        expr: `node_filefd_allocated${s()} / node_filefd_maximum${s()} > ${l.usedRatio}`,
        for: l.for,
        severity,
        summary: `A node has allocated more than ${pct(l.usedRatio)} of its file handles.`,
        description: `Node ${NODE} has allocated {{ $value | humanizePercentage }} of the kernel's file handles (fs.file-max); at the limit, opening files and sockets fails.`,
      }),
    );
  }
  rules.push(
    mk({
      alert: 'NodeCPUHighUsage',
      expr: `instance:node_cpu_utilisation:rate5m > ${t.cpuHighUsage.usedRatio}`,
      for: t.cpuHighUsage.for,
      severity: 'info',
      summary: 'A node\'s CPUs are busy.',
      description: `The CPUs of node ${NODE} have been {{ $value | humanizePercentage }} busy (threshold ${pct(t.cpuHighUsage.usedRatio)}) for ${t.cpuHighUsage.for}.`,
    }),
    mk({
      alert: 'NodeSystemSaturation',
      expr: `instance:node_load1_per_cpu:ratio > ${t.systemSaturation.loadPerCpu}`,
      for: t.systemSaturation.for,
      severity: 'warning',
      summary: 'A node has more runnable tasks than CPUs can serve.',
      description: `Node ${NODE} has had a load average of {{ printf "%.2f" $value }} per CPU for ${t.systemSaturation.for} (threshold ${t.systemSaturation.loadPerCpu}): tasks wait for CPU or I/O and the node may become unresponsive.`,
    }),
    mk({
      alert: 'NodeMemoryMajorPagesFaults',
      expr: `instance:node_vmstat_pgmajfault:rate5m > ${t.memoryMajorPageFaults.perSecond}`,
      for: t.memoryMajorPageFaults.for,
      severity: 'warning',
      summary: 'A node reads memory pages back from disk at a high rate.',
      description: `Node ${NODE} has {{ printf "%.0f" $value }} major page faults per second (threshold ${t.memoryMajorPageFaults.perSecond}): memory is short and pages are read back from disk (swap or evicted file pages), which slows every process.`,
    }),
    mk({
      alert: 'NodeMemoryHighUtilization',
      expr: `instance:node_memory_utilisation:ratio > ${t.memoryHighUtilization.usedRatio}`,
      for: t.memoryHighUtilization.for,
      severity: 'warning',
      summary: 'A node is running out of memory.',
      description: `Node ${NODE} has {{ $value | humanizePercentage }} of its memory in use (not available to new allocations) for ${t.memoryHighUtilization.for}; the kubelet evicts pods and the kernel OOM-kills processes when it runs out.`,
    }),
    mk({
      alert: 'NodeDiskIOSaturation',
      expr: `instance_device:node_disk_io_time_weighted_seconds:rate5m > ${t.diskIOSaturation.queueLength}`,
      for: t.diskIOSaturation.for,
      severity: 'warning',
      summary: 'A disk of a node has a long I/O queue.',
      description: `Disk {{ $labels.device }} of node ${NODE} has had {{ printf "%.1f" $value }} I/O requests in flight on average for ${t.diskIOSaturation.for} (threshold ${t.diskIOSaturation.queueLength}): it cannot keep up, and I/O latency grows.`,
    }),
    mk({
      alert: 'NodeSystemdServiceFailed',
      // Needs node-exporter's systemd collector (--collector.systemd); quiet without it.
      expr: `node_systemd_unit_state${s('state="failed"')} == 1`,
      for: '5m',
      severity: 'warning',
      summary: 'A systemd unit of a node has failed.',
      description: `systemd unit {{ $labels.name }} of node ${NODE} is in the failed state: see \`systemctl status {{ $labels.name }}\` on the node.`,
    }),
    mk({
      alert: 'NodeSystemdServiceCrashlooping',
      // Needs --collector.systemd and --collector.systemd.enable-restarts-metrics; quiet without them.
      expr: `increase(node_systemd_service_restart_total${s()}[${t.systemdServiceCrashlooping.window}]) > ${t.systemdServiceCrashlooping.restarts}`,
      for: t.systemdServiceCrashlooping.for,
      severity: 'warning',
      summary: 'A systemd service of a node keeps restarting.',
      description: `systemd service {{ $labels.name }} of node ${NODE} restarted about {{ printf "%.0f" $value }} times in ${t.systemdServiceCrashlooping.window} (threshold ${t.systemdServiceCrashlooping.restarts}), for ${t.systemdServiceCrashlooping.for}: see \`journalctl -u {{ $labels.name }}\` on the node.`,
    }),
    mk({
      alert: 'NodeBondingDegraded',
      // Members of the bond minus the active ones.
      expr: `node_bonding_slaves${s()} - node_bonding_active${s()} > 0`,
      for: '5m',
      severity: 'warning',
      summary: 'A bonded network interface of a node lost members.',
      description: `Bond {{ $labels.master }} of node ${NODE} has {{ $value }} inactive member interface(s): it runs without its redundancy (or bandwidth).`,
    }),
  );
  return rules;
}

function networkAlerts({ t, sel, mk }: Ctx): AlertingRule[] {
  const f = t.networkInterfaceFlapping;
  return [
    mk(
      {
        alert: 'NodeNetworkInterfaceFlapping',
        // changes() counts every switch of the up state, without extrapolation.
        expr: `changes(node_network_up${braces(sel, `device!~"${POD_INTERFACES}"`)}[${f.window}]) > ${f.changes}`,
        for: f.for,
        severity: 'warning',
        summary: 'A network interface of a node keeps going up and down.',
        description: `Interface {{ $labels.device }} of node ${NODE} changed its up state {{ $value }} times in ${f.window} (threshold ${f.changes}): check the link (cable, switch port, NIC).`,
      },
      'general',
    ),
  ];
}

/**
 * The node groups: `node-exporter.rules` (recording rules, which some alerts read),
 * `node-exporter` and `node-network` (alerts, `category="infrastructure"`).
 */
export function nodeAlerts(options: NodeAlertOptions): RuleGroup[] {
  const p = new OptionProblems('node alert options');
  checkKnownKeys(p, 'nodeAlerts', options, OPTION_FIELDS);
  p.throwIfAny();
  const runbookBaseUrl = checkRunbookBaseUrl(p, 'nodeAlerts.runbookBaseUrl', options.runbookBaseUrl);
  const upstreamRunbooks = checkUpstreamRunbooks(p, 'nodeAlerts.upstreamRunbooks', options.upstreamRunbooks);
  const extraLabels = checkExtraLabels(p, 'nodeAlerts.extraLabels', options.extraLabels);
  const sel = checkSelector(p, 'nodeAlerts.selector', options.selector);
  let t: NodeThresholds | undefined;
  try {
    t = resolveAlertThresholds(options.thresholds).node;
  } catch (err) {
    p.add('nodeAlerts.thresholds', (err as Error).message);
  }
  p.throwIfAny();
  if (!t) throw new Error('unreachable');
  const links = { runbookBaseUrl, upstreamRunbooks };
  const ctx: Ctx = { t, sel, mk: (spec, dir = 'node') => makeUpstreamAlert(spec, dir, 'infrastructure', links, extraLabels) };
  const withInterval = (g: RuleGroup): RuleGroup => (options.interval ? { ...g, interval: options.interval } : g);
  return [
    withInterval(nodeRecordingRules(sel)),
    withInterval({ name: NODE_EXPORTER_GROUP, rules: [...filesystemAlerts(ctx), ...otherAlerts(ctx)] }),
    withInterval({ name: NODE_NETWORK_GROUP, rules: networkAlerts(ctx) }),
  ];
}
