import { nodeAlerts, NODE_EXPORTER_GROUP, NODE_NETWORK_GROUP, NODE_RECORDING_GROUP } from '../../lib/observability/alerts/node';
import { DEFAULT_NODE_THRESHOLDS, NodeThresholds } from '../../lib/observability/alerts/stack-thresholds';
import { isAlertingRule, renderRuleFile, RuleGroup, ruleGroupProblems } from '../../lib/observability/rule-group';
import { promtool, withFiles } from '../support/tools';
import { AlertCase, alertingRules, coverageProblems, counter, ExprCase, flat, leafPaths, Level, min, minutes, Pins, pinsThatDoNotBite, runPromtoolTests, series, Series, withValueOf } from './harness';

const RB = 'https://runbooks.example.com/observability';
const groups = nodeAlerts({ runbookBaseUrl: RB });

/** A node-exporter target as the stack's scrape config labels it. */
const NE = { job: 'node-exporter', namespace: 'monitoring-node-agents', pod: 'node-exporter-x7k2p', container: 'node-exporter', instance: 'node-a', node: 'node-a' };
/** A target without a `node` label (scraped by a job of the user's): descriptions name its instance. */
const NO_NODE = Object.fromEntries(Object.entries(NE).filter(([k]) => k !== 'node'));
const warn = { severity: 'warning', category: 'infrastructure' };
const crit = { severity: 'critical', category: 'infrastructure' };
const info = { severity: 'info', category: 'infrastructure' };

const fsLabels = (mountpoint: string, device: string, fstype: string) => ({ ...NE, mountpoint, device, fstype });
/** A filesystem: size, available (values), read-only flag. */
function filesystem(l: Record<string, string>, size: number, avail: string, readonly = 0, n = 240): Series[] {
  return [series('node_filesystem_size_bytes', l, flat(size, n)), series('node_filesystem_avail_bytes', l, avail), series('node_filesystem_readonly', l, flat(readonly, n))];
}
function inodes(l: Record<string, string>, files: number, free: string, readonly = 0, n = 240): Series[] {
  return [series('node_filesystem_files', l, flat(files, n)), series('node_filesystem_files_free', l, free), series('node_filesystem_readonly', l, flat(readonly, n))];
}
const ROOT = fsLabels('/', '/dev/nvme0n1p1', 'ext4');
/** The same declining data on filesystems that are not the node's disk, or read-only: never an alert. */
const NOT_NODE_DISK = [
  fsLabels('/run', 'tmpfs', 'tmpfs'),
  fsLabels('/run/containerd/io.containerd.runtime.v2.task/k8s.io/3f2a/rootfs', 'overlay', 'overlay'),
  fsLabels('/var/lib/kubelet/pods/5c1d/volumes/kubernetes.io~csi/pvc-42/mount', '/dev/sdc', 'ext4'),
  fsLabels('/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount', '/dev/sdc', 'ext4'),
  fsLabels('/snap/core/1234', '/dev/loop3', 'squashfs'),
];
const RO = fsLabels('/mnt/iso', '/dev/sr0', 'ext4');
const where = (mount: string, device: string, fstype: string) => `The filesystem ${mount} (${device}, ${fstype}) of node node-a`;

const cpu = (n: number, modes: Record<string, number>, samples = 60): Series[] =>
  Array.from({ length: n }, (_, c) => Object.entries(modes).map(([mode, perMinute]) => series('node_cpu_seconds_total', { ...NE, cpu: String(c), mode }, counter(perMinute, samples, 1000)))).flat();

/** `1 1 0 0` repeated every 10 s: a change every 20 s, and the samples at whole minutes equal to the next one. */
const flapping = (samples: number) => Array.from({ length: samples + 1 }, (_, i) => (i % 4 < 2 ? 1 : 0)).join(' ');

const cases: AlertCase[] = [
  {
    name: 'root filesystem filling up: warning about / only (tmpfs, overlay, pod and CSI volumes, squashfs and read-only mounts left out)',
    input: [
      ...filesystem(ROOT, 100e9, '16e9-0.02e9x240'),
      ...NOT_NODE_DISK.flatMap((l) => filesystem(l, 100e9, '16e9-0.02e9x240')),
      ...filesystem(RO, 100e9, '16e9-0.02e9x240', 1),
    ],
    checks: [
      // 15.4% left at 30m: above the 15% threshold.
      { at: '30m', alertname: 'NodeFilesystemSpaceFillingUp', expect: [] },
      {
        at: '150m',
        alertname: 'NodeFilesystemSpaceFillingUp',
        expect: [{ labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 13% of its space left and, at the rate of the last 6h, runs out within 24h.` }],
      },
      { at: '150m', alertname: 'NodeFilesystemAlmostOutOfSpace', expect: [] },
    ],
  },
  {
    name: 'filesystem filling up fast: warning and critical; then almost out of space (warning, not yet critical)',
    input: filesystem(ROOT, 100e9, '12e9-0.05e9x230'),
    checks: [
      {
        at: '120m',
        alertname: 'NodeFilesystemSpaceFillingUp',
        expect: [
          { labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 6% of its space left and, at the rate of the last 6h, runs out within 24h.` },
          { labels: { ...ROOT, ...crit }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 6% of its space left and, at the rate of the last 6h, runs out within 4h.` },
        ],
      },
      { at: '120m', alertname: 'NodeFilesystemAlmostOutOfSpace', expect: [] },
      { at: '175m', alertname: 'NodeFilesystemAlmostOutOfSpace', expect: [{ labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has only 3.25% of its space left (for 30m); writes fail when it reaches zero.` }] },
    ],
  },
  {
    name: 'almost full but stable: almost out of space (warning and critical), not filling up; /var/lib/containerd itself is watched',
    input: filesystem(fsLabels('/var/lib/containerd', '/dev/sdb', 'xfs'), 100e9, flat(2e9, 60)),
    checks: [
      {
        at: '30m',
        alertname: 'NodeFilesystemAlmostOutOfSpace',
        expect: [
          { labels: { ...fsLabels('/var/lib/containerd', '/dev/sdb', 'xfs'), ...warn }, description: `${where('/var/lib/containerd', '/dev/sdb', 'xfs')} has only 2% of its space left (for 30m); writes fail when it reaches zero.` },
          { labels: { ...fsLabels('/var/lib/containerd', '/dev/sdb', 'xfs'), ...crit }, description: `${where('/var/lib/containerd', '/dev/sdb', 'xfs')} has only 2% of its space left (for 30m); writes fail when it reaches zero.` },
        ],
      },
      { at: '30m', alertname: 'NodeFilesystemSpaceFillingUp', expect: [] },
    ],
  },
  {
    name: 'inodes filling up: warning only',
    input: inodes(ROOT, 1e6, '380000-500x200'),
    checks: [
      {
        at: '90m',
        alertname: 'NodeFilesystemFilesFillingUp',
        expect: [{ labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 33.5% of its inodes (files) left and, at the rate of the last 6h, runs out within 24h.` }],
      },
      { at: '90m', alertname: 'NodeFilesystemAlmostOutOfFiles', expect: [] },
    ],
  },
  {
    name: 'inodes filling up fast: warning and critical',
    input: inodes(ROOT, 1e6, '190000-1000x100'),
    checks: [
      {
        at: '70m',
        alertname: 'NodeFilesystemFilesFillingUp',
        expect: [
          { labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 12% of its inodes (files) left and, at the rate of the last 6h, runs out within 24h.` },
          { labels: { ...ROOT, ...crit }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has 12% of its inodes (files) left and, at the rate of the last 6h, runs out within 4h.` },
        ],
      },
    ],
  },
  {
    name: 'almost out of inodes: warning and critical; a filesystem without an inode limit (0 files, btrfs) stays quiet',
    input: [...inodes(ROOT, 1e6, flat(20000, 70)), ...inodes(fsLabels('/data', '/dev/sdd', 'btrfs'), 0, flat(0, 70))],
    checks: [
      {
        at: '60m',
        alertname: 'NodeFilesystemAlmostOutOfFiles',
        expect: [
          { labels: { ...ROOT, ...warn }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has only 2% of its inodes (files) left (for 1h); writes fail when it reaches zero.` },
          { labels: { ...ROOT, ...crit }, description: `${where('/', '/dev/nvme0n1p1', 'ext4')} has only 2% of its inodes (files) left (for 1h); writes fail when it reaches zero.` },
        ],
      },
      { at: '60m', alertname: 'NodeFilesystemFilesFillingUp', expect: [] },
    ],
  },
  {
    name: 'receive and transmit errors on 2% of eth0\'s packets fire; 0.5% on eth1 and an idle interface do not',
    input: [
      series('node_network_receive_packets_total', { ...NE, device: 'eth0' }, counter(6000, 70)),
      series('node_network_receive_errs_total', { ...NE, device: 'eth0' }, counter(120, 70)),
      series('node_network_transmit_packets_total', { ...NE, device: 'eth0' }, counter(6000, 70)),
      series('node_network_transmit_errs_total', { ...NE, device: 'eth0' }, counter(120, 70)),
      series('node_network_receive_packets_total', { ...NE, device: 'eth1' }, counter(6000, 70)),
      series('node_network_receive_errs_total', { ...NE, device: 'eth1' }, counter(30, 70)),
      series('node_network_receive_packets_total', { ...NE, device: 'eth2' }, flat(5, 70)),
      series('node_network_receive_errs_total', { ...NE, device: 'eth2' }, flat(5, 70)),
    ],
    checks: [
      { at: '60m', alertname: 'NodeNetworkReceiveErrs', expect: [] },
      {
        at: '65m',
        alertname: 'NodeNetworkReceiveErrs',
        expect: [{ labels: { ...NE, device: 'eth0', ...warn }, description: 'Interface eth0 of node node-a has had receive errors on 2% of its packets for 1h: check the cable, NIC, driver or virtual network.' }],
      },
      {
        at: '65m',
        alertname: 'NodeNetworkTransmitErrs',
        expect: [{ labels: { ...NE, device: 'eth0', ...warn }, description: 'Interface eth0 of node node-a has had transmit errors on 2% of its packets for 1h: check the cable, NIC, driver or virtual network.' }],
      },
    ],
  },
  { name: 'no transmit errors: quiet', input: [series('node_network_transmit_packets_total', { ...NE, device: 'eth0' }, counter(6000, 70)), series('node_network_transmit_errs_total', { ...NE, device: 'eth0' }, flat(3, 70))], checks: [{ at: '65m', alertname: 'NodeNetworkTransmitErrs', expect: [] }] },
  {
    name: 'conntrack table 80% full fires; 40% does not',
    input: [series('node_nf_conntrack_entries', NE, flat(200000, 10)), series('node_nf_conntrack_entries_limit', NE, flat(250000, 10)), series('node_nf_conntrack_entries', { ...NE, instance: 'node-b', node: 'node-b' }, flat(100000, 10)), series('node_nf_conntrack_entries_limit', { ...NE, instance: 'node-b', node: 'node-b' }, flat(250000, 10))],
    checks: [
      { at: '4m', alertname: 'NodeHighNumberConntrackEntriesUsed', expect: [] },
      {
        at: '5m',
        alertname: 'NodeHighNumberConntrackEntriesUsed',
        expect: [{ labels: { ...NE, ...warn }, description: 'Node node-a uses 80% of its conntrack table; once it is full, the kernel drops new connections (raise net.netfilter.nf_conntrack_max or find the connection leak).' }],
      },
    ],
  },
  {
    name: 'text-file collector error for 5m fires; a one-scrape error does not',
    input: [series('node_textfile_scrape_error', NE, flat(1, 10)), series('node_textfile_scrape_error', { ...NE, instance: 'node-b', node: 'node-b' }, '0 0 1 0 0 0 0 0 0 0 0')],
    checks: [
      { at: '4m', alertname: 'NodeTextFileCollectorScrapeError', expect: [] },
      {
        at: '6m',
        alertname: 'NodeTextFileCollectorScrapeError',
        expect: [{ labels: { ...NE, ...warn }, description: 'node-exporter on node node-a fails to open or parse a file of its text-file collector directory: the metrics written there (by cron jobs, scripts) are missing. Its log names the file.' }],
      },
    ],
  },
  {
    name: 'a clock 100 ms off, not corrected, fires; one being corrected and one within 50 ms do not; the node label falls back to instance',
    input: [
      series('node_timex_offset_seconds', { ...NO_NODE, instance: '10.0.3.7:9100' }, flat(0.1, 20)),
      series('node_timex_offset_seconds', { ...NE, instance: 'node-b', node: 'node-b' }, '0.2-0.005x20'),
      series('node_timex_offset_seconds', { ...NE, instance: 'node-c', node: 'node-c' }, flat(-0.03, 20)),
    ],
    checks: [
      {
        at: '12m',
        alertname: 'NodeClockSkewDetected',
        expect: [{ labels: { ...NO_NODE, instance: '10.0.3.7:9100', ...warn }, description: 'The clock of node 10.0.3.7:9100 is 100ms off its time source and the offset is not shrinking: check its NTP daemon (chrony, systemd-timesyncd).' }],
      },
    ],
  },
  { name: 'a clock drifting away the other way fires', input: [series('node_timex_offset_seconds', NE, '-0.06-0.001x20')], checks: [{ at: '15m', alertname: 'NodeClockSkewDetected', expect: [{ labels: { ...NE, ...warn } }] }] },
  { name: 'a clock within 50 ms stays quiet', input: [series('node_timex_offset_seconds', NE, flat(0.04, 20))], checks: [{ at: '15m', alertname: 'NodeClockSkewDetected', expect: [] }] },
  {
    name: 'an unsynchronised clock with 16 s max error fires; synchronised, or unsynchronised with a small error, does not',
    input: [
      series('node_timex_sync_status', NE, flat(0, 20)),
      series('node_timex_maxerror_seconds', NE, flat(16, 20)),
      series('node_timex_sync_status', { ...NE, instance: 'node-b', node: 'node-b' }, flat(1, 20)),
      series('node_timex_maxerror_seconds', { ...NE, instance: 'node-b', node: 'node-b' }, flat(16, 20)),
      series('node_timex_sync_status', { ...NE, instance: 'node-c', node: 'node-c' }, flat(0, 20)),
      series('node_timex_maxerror_seconds', { ...NE, instance: 'node-c', node: 'node-c' }, flat(0.5, 20)),
    ],
    checks: [
      { at: '9m', alertname: 'NodeClockNotSynchronising', expect: [] },
      {
        at: '10m',
        alertname: 'NodeClockNotSynchronising',
        expect: [{ labels: { ...NE, ...warn }, description: 'The kernel of node node-a reports its clock unsynchronised, with a maximum error of 16 s or more: no NTP daemon is disciplining it (or it cannot reach a server).' }],
      },
    ],
  },
  {
    name: 'a RAID array with a failed disk: degraded (critical, after 15m) and disk failure (warning, at once); a healthy array neither',
    input: [
      series('node_md_disks_required', { ...NE, device: 'md0' }, flat(2, 20)),
      series('node_md_disks', { ...NE, device: 'md0', state: 'active' }, flat(1, 20)),
      series('node_md_disks', { ...NE, device: 'md0', state: 'failed' }, flat(1, 20)),
      series('node_md_disks', { ...NE, device: 'md0', state: 'spare' }, flat(0, 20)),
      series('node_md_disks_required', { ...NE, device: 'md1' }, flat(2, 20)),
      series('node_md_disks', { ...NE, device: 'md1', state: 'active' }, flat(2, 20)),
      series('node_md_disks', { ...NE, device: 'md1', state: 'failed' }, flat(0, 20)),
    ],
    checks: [
      { at: '14m', alertname: 'NodeRAIDDegraded', expect: [] },
      {
        at: '15m',
        alertname: 'NodeRAIDDegraded',
        expect: [{ labels: { ...NE, device: 'md0', ...crit }, description: 'RAID array md0 of node node-a runs with 1 disk(s) fewer than it needs: one more failure may lose data. Replace the failed disk.' }],
      },
      {
        at: '0m',
        alertname: 'NodeRAIDDiskFailure',
        expect: [{ labels: { ...NE, device: 'md0', state: 'failed', ...warn }, description: 'RAID array md0 of node node-a has 1 failed disk(s); replace them.' }],
      },
    ],
  },
  { name: 'a healthy RAID array: no disk failure', input: [series('node_md_disks', { ...NE, device: 'md1', state: 'failed' }, flat(0, 5))], checks: [{ at: '5m', alertname: 'NodeRAIDDiskFailure', expect: [] }] },
  {
    name: 'file handles: 80% allocated warns, 95% is critical too, 50% is quiet',
    input: [
      series('node_filefd_allocated', NE, flat(80000, 20)),
      series('node_filefd_maximum', NE, flat(100000, 20)),
      series('node_filefd_allocated', { ...NE, instance: 'node-b', node: 'node-b' }, flat(95000, 20)),
      series('node_filefd_maximum', { ...NE, instance: 'node-b', node: 'node-b' }, flat(100000, 20)),
      series('node_filefd_allocated', { ...NE, instance: 'node-c', node: 'node-c' }, flat(50000, 20)),
      series('node_filefd_maximum', { ...NE, instance: 'node-c', node: 'node-c' }, flat(100000, 20)),
    ],
    checks: [
      { at: '14m', alertname: 'NodeFileDescriptorLimit', expect: [] },
      {
        at: '15m',
        alertname: 'NodeFileDescriptorLimit',
        expect: [
          { labels: { ...NE, ...warn }, description: "Node node-a has allocated 80% of the kernel's file handles (fs.file-max); at the limit, opening files and sockets fails." },
          { labels: { ...NE, instance: 'node-b', node: 'node-b', ...warn }, description: "Node node-b has allocated 95% of the kernel's file handles (fs.file-max); at the limit, opening files and sockets fails." },
          { labels: { ...NE, instance: 'node-b', node: 'node-b', ...crit }, description: "Node node-b has allocated 95% of the kernel's file handles (fs.file-max); at the limit, opening files and sockets fails." },
        ],
      },
    ],
  },
  {
    name: 'CPUs 95% busy (iowait and steal are not busy) fire the info alert; 60% does not',
    input: [
      ...cpu(2, { user: 54, system: 3, idle: 1.2, iowait: 0.6, steal: 1.2 }),
      ...cpu(2, { user: 30, system: 6, idle: 24 }).map((s) => ({ ...s, series: s.series.replace('instance="node-a"', 'instance="node-b"').replace('node="node-a"', 'node="node-b"') })),
    ],
    checks: [
      { at: '15m', alertname: 'NodeCPUHighUsage', expect: [] },
      // rate() over a window not yet full of samples reads low: 95% from t=5m, firing 15m later.
      { at: '22m', alertname: 'NodeCPUHighUsage', expect: [{ labels: { ...NE, ...info }, description: 'The CPUs of node node-a have been 95% busy (threshold 90%) for 15m.' }] },
    ],
  },
  {
    name: 'load 5 on 2 CPUs (2.5 per CPU) fires; load 3 does not',
    input: [...cpu(2, { idle: 60 }, 30), series('node_load1', NE, flat(5, 30)), ...cpu(2, { idle: 60 }, 30).map((s) => ({ ...s, series: s.series.replace(/node-a/g, 'node-b') })), series('node_load1', { ...NE, instance: 'node-b', node: 'node-b' }, flat(3, 30))],
    checks: [
      { at: '14m', alertname: 'NodeSystemSaturation', expect: [] },
      {
        at: '17m',
        alertname: 'NodeSystemSaturation',
        expect: [{ labels: { ...NE, ...warn }, description: 'Node node-a has had a load average of 2.50 per CPU for 15m (threshold 2): tasks wait for CPU or I/O and the node may become unresponsive.' }],
      },
    ],
  },
  {
    name: '600 major page faults per second fire; 100 do not',
    input: [series('node_vmstat_pgmajfault', NE, counter(36000, 30)), series('node_vmstat_pgmajfault', { ...NE, instance: 'node-b', node: 'node-b' }, counter(6000, 30))],
    checks: [
      { at: '15m', alertname: 'NodeMemoryMajorPagesFaults', expect: [] },
      {
        at: '22m',
        alertname: 'NodeMemoryMajorPagesFaults',
        expect: [{ labels: { ...NE, ...warn }, description: 'Node node-a has 600 major page faults per second (threshold 500): memory is short and pages are read back from disk (swap or evicted file pages), which slows every process.' }],
      },
    ],
  },
  {
    name: 'memory 93.75% used fires; 50% does not',
    input: [
      series('node_memory_MemTotal_bytes', NE, flat(16e9, 30)),
      series('node_memory_MemAvailable_bytes', NE, flat(1e9, 30)),
      series('node_memory_MemTotal_bytes', { ...NE, instance: 'node-b', node: 'node-b' }, flat(16e9, 30)),
      series('node_memory_MemAvailable_bytes', { ...NE, instance: 'node-b', node: 'node-b' }, flat(8e9, 30)),
    ],
    checks: [
      { at: '14m', alertname: 'NodeMemoryHighUtilization', expect: [] },
      {
        at: '16m',
        alertname: 'NodeMemoryHighUtilization',
        expect: [{ labels: { ...NE, ...warn }, description: 'Node node-a has 93.75% of its memory in use (not available to new allocations) for 15m; the kubelet evicts pods and the kernel OOM-kills processes when it runs out.' }],
      },
    ],
  },
  {
    name: 'a disk with 12 requests in flight fires; its partition, a loop device and an idle disk do not',
    input: [
      series('node_disk_io_time_weighted_seconds_total', { ...NE, device: 'nvme0n1' }, counter(720, 40)),
      series('node_disk_io_time_weighted_seconds_total', { ...NE, device: 'nvme0n1p1' }, counter(720, 40)),
      series('node_disk_io_time_weighted_seconds_total', { ...NE, device: 'loop0' }, counter(720, 40)),
      series('node_disk_io_time_weighted_seconds_total', { ...NE, device: 'sdb' }, counter(60, 40)),
    ],
    checks: [
      { at: '30m', alertname: 'NodeDiskIOSaturation', expect: [] },
      {
        at: '37m',
        alertname: 'NodeDiskIOSaturation',
        expect: [{ labels: { ...NE, device: 'nvme0n1', ...warn }, description: 'Disk nvme0n1 of node node-a has had 12.0 I/O requests in flight on average for 30m (threshold 10): it cannot keep up, and I/O latency grows.' }],
      },
    ],
  },
  {
    name: 'a failed systemd unit fires after 5m; an active one does not',
    input: [
      series('node_systemd_unit_state', { ...NE, name: 'kubelet.service', state: 'failed', type: 'simple' }, flat(1, 10)),
      series('node_systemd_unit_state', { ...NE, name: 'kubelet.service', state: 'active', type: 'simple' }, flat(0, 10)),
      series('node_systemd_unit_state', { ...NE, name: 'containerd.service', state: 'failed', type: 'simple' }, flat(0, 10)),
      series('node_systemd_unit_state', { ...NE, name: 'containerd.service', state: 'active', type: 'simple' }, flat(1, 10)),
    ],
    checks: [
      { at: '4m', alertname: 'NodeSystemdServiceFailed', expect: [] },
      {
        at: '5m',
        alertname: 'NodeSystemdServiceFailed',
        expect: [{ labels: { ...NE, name: 'kubelet.service', state: 'failed', type: 'simple', ...warn }, description: 'systemd unit kubelet.service of node node-a is in the failed state: see `systemctl status kubelet.service` on the node.' }],
      },
    ],
  },
  {
    name: 'a service restarting every minute fires; one restart does not',
    input: [series('node_systemd_service_restart_total', { ...NE, name: 'containerd.service' }, counter(1, 30)), series('node_systemd_service_restart_total', { ...NE, name: 'kubelet.service' }, '0x10 1x20')],
    checks: [
      { at: '15m', alertname: 'NodeSystemdServiceCrashlooping', expect: [] },
      {
        at: '20m',
        alertname: 'NodeSystemdServiceCrashlooping',
        expect: [{ labels: { ...NE, name: 'containerd.service', ...warn }, description: 'systemd service containerd.service of node node-a restarted about 5 times in 5m (threshold 2), for 15m: see `journalctl -u containerd.service` on the node.' }],
      },
    ],
  },
  {
    name: 'a bond with one of two members active fires; a full bond does not',
    input: [
      series('node_bonding_slaves', { ...NE, master: 'bond0' }, flat(2, 10)),
      series('node_bonding_active', { ...NE, master: 'bond0' }, flat(1, 10)),
      series('node_bonding_slaves', { ...NE, master: 'bond1' }, flat(2, 10)),
      series('node_bonding_active', { ...NE, master: 'bond1' }, flat(2, 10)),
    ],
    checks: [
      { at: '4m', alertname: 'NodeBondingDegraded', expect: [] },
      { at: '5m', alertname: 'NodeBondingDegraded', expect: [{ labels: { ...NE, master: 'bond0', ...warn }, description: 'Bond bond0 of node node-a has 1 inactive member interface(s): it runs without its redundancy (or bandwidth).' }] },
    ],
  },
  {
    name: 'an interface going up and down every 20 s fires; a pod veth doing the same and a stable interface do not',
    interval: '10s',
    input: [series('node_network_up', { ...NE, device: 'eth1' }, flapping(60)), series('node_network_up', { ...NE, device: 'veth3a9f' }, flapping(60)), series('node_network_up', { ...NE, device: 'eth0' }, flat(1, 60))],
    checks: [
      {
        at: '5m',
        alertname: 'NodeNetworkInterfaceFlapping',
        expect: [{ labels: { ...NE, device: 'eth1', ...warn }, description: 'Interface eth1 of node node-a changed its up state 6 times in 2m (threshold 2): check the link (cable, switch port, NIC).' }],
      },
    ],
  },
  { name: 'a stable interface stays quiet', input: [series('node_network_up', { ...NE, device: 'eth0' }, flat(1, 10))], checks: [{ at: '10m', alertname: 'NodeNetworkInterfaceFlapping', expect: [] }] },
];

// ---- thresholds pinned by data just above and just below the configured value ----------

const EPS = 0.01;
const above = (v: number) => v * (1 + EPS);
const below = (v: number) => v * (1 - EPS);

/** Every threshold value of `t` pinned by the alert's condition, every `for` by the alert (see `Pins`). */
function pinning(t: NodeThresholds, gs: readonly RuleGroup[]): Pins {
  const pins = new Pins(gs);
  const pin = pins.value.bind(pins);
  const pinFor = pins.duration.bind(pins);
  const exprs = pins.exprs;
  const pinned = pins.pinned;
  const exprOf = (_: readonly RuleGroup[], alert: string, severity: string) => pins.exprOf(alert, severity);
  const levels = (name: string, lv: Record<'warning' | 'critical', { for: string }>): Level[] =>
    (['warning', 'critical'] as const).map((severity) => ({ field: `${name}.${severity}.for`, severity, for: lv[severity].for }));

  // ---- filesystems: space (bytes) and inodes
  const kinds = [
    { name: 'filesystemSpaceFillingUp', outName: 'filesystemAlmostOutOfSpace', free: 'node_filesystem_avail_bytes', size: 'node_filesystem_size_bytes', filling: 'NodeFilesystemSpaceFillingUp', out: 'NodeFilesystemAlmostOutOfSpace', total: 1e12 },
    { name: 'filesystemFilesFillingUp', outName: 'filesystemAlmostOutOfFiles', free: 'node_filesystem_files_free', size: 'node_filesystem_files', filling: 'NodeFilesystemFilesFillingUp', out: 'NodeFilesystemAlmostOutOfFiles', total: 1e8 },
  ] as const;
  const T = 60;
  for (const k of kinds) {
    const fillT = t[k.name];
    const outT = t[k.outName];
    /** Free declining linearly over n minutes: `left` (a fraction) at minute `at`, empty `tte` minutes after it. */
    const declining = (left: number, tte: number, at = T, n = T): Series[] => {
      const freeAt = left * k.total;
      const perMinute = freeAt / tte;
      return [series(k.size, ROOT, flat(k.total, n)), series(k.free, ROOT, `${freeAt + perMinute * at}-${perMinute}x${n}`), series('node_filesystem_readonly', ROOT, flat(0, n))];
    };
    const steady = (left: number, n: number): Series[] => [series(k.size, ROOT, flat(k.total, n)), series(k.free, ROOT, flat(left * k.total, n)), series('node_filesystem_readonly', ROOT, flat(0, n))];
    for (const severity of ['warning', 'critical'] as const) {
      const l = fillT[severity];
      const h = minutes(l.predictionHorizon);
      pin(`${k.name}.${severity}.availableRatio`, k.filling, severity, T, declining(below(l.availableRatio), h / 2), declining(above(l.availableRatio), h / 2), ROOT);
      pin(`${k.name}.${severity}.predictionHorizon`, k.filling, severity, T, declining(l.availableRatio / 2, below(h)), declining(l.availableRatio / 2, above(h)), ROOT);
      const o = outT[severity];
      pin(`${k.outName}.${severity}.availableRatio`, k.out, severity, 10, steady(below(o.availableRatio), 10), steady(above(o.availableRatio), 10), ROOT);
    }
    // for: below both ratios and emptying within both horizons over the whole run (predict_linear needs two samples: from t=1m).
    const run = Math.max(minutes(fillT.warning.for), minutes(fillT.critical.for)) + 3;
    const tte = run + 10;
    expect(tte).toBeLessThan(Math.min(minutes(fillT.warning.predictionHorizon), minutes(fillT.critical.predictionHorizon)));
    pinFor(k.filling, levels(k.name, fillT), declining(Math.min(fillT.warning.availableRatio, fillT.critical.availableRatio) / 2, tte, 0, run), ROOT, [1, 1]);
    const outRun = Math.max(minutes(outT.warning.for), minutes(outT.critical.for)) + 3;
    pinFor(k.out, levels(k.outName, outT), steady(Math.min(outT.warning.availableRatio, outT.critical.availableRatio) / 2, outRun), ROOT, [0, 0]);
  }

  // ---- network errors: errors over packets, counters far from zero
  const eth0 = { ...NE, device: 'eth0' };
  for (const [alert, dir] of [['NodeNetworkReceiveErrs', 'receive'], ['NodeNetworkTransmitErrs', 'transmit']] as const) {
    const traffic = (ratio: number, n: number) => [series(`node_network_${dir}_packets_total`, eth0, counter(6000, n, 1e6)), series(`node_network_${dir}_errs_total`, eth0, counter(6000 * ratio, n, 1e4))];
    pin('networkErrors.ratio', alert, 'warning', 10, traffic(above(t.networkErrors.ratio), 10), traffic(below(t.networkErrors.ratio), 10), eth0);
    pinFor(alert, [{ field: 'networkErrors.for', severity: 'warning', for: t.networkErrors.for }], traffic(0.5, minutes(t.networkErrors.for) + 3), eth0, [1, 1]);
  }

  // ---- gauges over a limit
  const ratioOf = (num: string, den: string, ratio: number, n: number, scale = 1e6) => [series(num, NE, flat(ratio * scale, n)), series(den, NE, flat(scale, n))];
  pin('conntrack.usedRatio', 'NodeHighNumberConntrackEntriesUsed', 'warning', 1, ratioOf('node_nf_conntrack_entries', 'node_nf_conntrack_entries_limit', above(t.conntrack.usedRatio), 2), ratioOf('node_nf_conntrack_entries', 'node_nf_conntrack_entries_limit', below(t.conntrack.usedRatio), 2), NE);
  pinFor('NodeHighNumberConntrackEntriesUsed', [{ field: 'conntrack.for', severity: 'warning', for: t.conntrack.for }], ratioOf('node_nf_conntrack_entries', 'node_nf_conntrack_entries_limit', 1, minutes(t.conntrack.for) + 3), NE, [0, 0]);
  for (const severity of ['warning', 'critical'] as const) {
    const u = t.fileDescriptors[severity].usedRatio;
    pin(`fileDescriptors.${severity}.usedRatio`, 'NodeFileDescriptorLimit', severity, 1, ratioOf('node_filefd_allocated', 'node_filefd_maximum', above(u), 2, 1e7), ratioOf('node_filefd_allocated', 'node_filefd_maximum', below(u), 2, 1e7), NE);
  }
  const fdRun = Math.max(minutes(t.fileDescriptors.warning.for), minutes(t.fileDescriptors.critical.for)) + 3;
  pinFor('NodeFileDescriptorLimit', levels('fileDescriptors', t.fileDescriptors), ratioOf('node_filefd_allocated', 'node_filefd_maximum', 0.999, fdRun, 1e7), NE, [0, 0]);

  // ---- clock offset, either way, not shrinking (flat)
  const off = t.clockSkew.offsetSeconds;
  for (const sign of [1, -1]) {
    pin('clockSkew.offsetSeconds', 'NodeClockSkewDetected', 'warning', 10, [series('node_timex_offset_seconds', NE, flat(sign * above(off), 10))], [series('node_timex_offset_seconds', NE, flat(sign * below(off), 10))], NE);
  }
  pinFor('NodeClockSkewDetected', [{ field: 'clockSkew.for', severity: 'warning', for: t.clockSkew.for }], [series('node_timex_offset_seconds', NE, flat(off * 10, minutes(t.clockSkew.for) + 3))], NE, [1, 1]);

  // ---- CPU, load, page faults, memory, disk queue (through the recording rules)
  const busy = (u: number, n: number) => cpu(1, { user: 60 * u, idle: 60 * (1 - u) }, n);
  expect(above(t.cpuHighUsage.usedRatio)).toBeLessThan(1);
  pin('cpuHighUsage.usedRatio', 'NodeCPUHighUsage', 'info', 10, busy(above(t.cpuHighUsage.usedRatio), 10), busy(below(t.cpuHighUsage.usedRatio), 10), NE);
  {
    // rate() over a window not yet covered by samples reads low: (t + 0.5m) / 5m of the rate until t=4m.
    const u = (1 + t.cpuHighUsage.usedRatio) / 2;
    const first = [1, 2, 3, 4].find((m) => u * (m >= 4 ? 1 : (m + 0.5) / 5) > t.cpuHighUsage.usedRatio)!;
    pinFor('NodeCPUHighUsage', [{ field: 'cpuHighUsage.for', severity: 'info', for: t.cpuHighUsage.for }], busy(u, minutes(t.cpuHighUsage.for) + 8), NE, [first, first + 1]);
  }
  const load = (perCpu: number, n: number) => [...cpu(2, { idle: 60 }, n), series('node_load1', NE, flat(2 * perCpu, n))];
  pin('systemSaturation.loadPerCpu', 'NodeSystemSaturation', 'warning', 1, load(above(t.systemSaturation.loadPerCpu), 2), load(below(t.systemSaturation.loadPerCpu), 2), NE);
  pinFor('NodeSystemSaturation', [{ field: 'systemSaturation.for', severity: 'warning', for: t.systemSaturation.for }], load(t.systemSaturation.loadPerCpu * 10, minutes(t.systemSaturation.for) + 3), NE, [0, 1]);
  const faults = (perSecond: number, n: number) => [series('node_vmstat_pgmajfault', NE, counter(60 * perSecond, n, 1e7))];
  pin('memoryMajorPageFaults.perSecond', 'NodeMemoryMajorPagesFaults', 'warning', 10, faults(above(t.memoryMajorPageFaults.perSecond), 10), faults(below(t.memoryMajorPageFaults.perSecond), 10), NE);
  pinFor('NodeMemoryMajorPagesFaults', [{ field: 'memoryMajorPageFaults.for', severity: 'warning', for: t.memoryMajorPageFaults.for }], faults(100 * t.memoryMajorPageFaults.perSecond, minutes(t.memoryMajorPageFaults.for) + 3), NE, [1, 2]);
  const memory = (used: number, n: number) => [series('node_memory_MemTotal_bytes', NE, flat(1e10, n)), series('node_memory_MemAvailable_bytes', NE, flat((1 - used) * 1e10, n))];
  pin('memoryHighUtilization.usedRatio', 'NodeMemoryHighUtilization', 'warning', 1, memory(above(t.memoryHighUtilization.usedRatio), 2), memory(below(t.memoryHighUtilization.usedRatio), 2), NE);
  pinFor('NodeMemoryHighUtilization', [{ field: 'memoryHighUtilization.for', severity: 'warning', for: t.memoryHighUtilization.for }], memory(0.999, minutes(t.memoryHighUtilization.for) + 3), NE, [0, 1]);
  const sda = { ...NE, device: 'sda' };
  const queue = (q: number, n: number) => [series('node_disk_io_time_weighted_seconds_total', sda, counter(60 * q, n, 1e6))];
  pin('diskIOSaturation.queueLength', 'NodeDiskIOSaturation', 'warning', 10, queue(above(t.diskIOSaturation.queueLength), 10), queue(below(t.diskIOSaturation.queueLength), 10), sda);
  pinFor('NodeDiskIOSaturation', [{ field: 'diskIOSaturation.for', severity: 'warning', for: t.diskIOSaturation.for }], queue(100 * t.diskIOSaturation.queueLength, minutes(t.diskIOSaturation.for) + 3), sda, [1, 2]);

  // ---- systemd restarts within a window
  const svc = { ...NE, name: 'containerd.service' };
  const c = t.systemdServiceCrashlooping;
  const w = minutes(c.window);
  const restarts = (total: number, n: number) => [series('node_systemd_service_restart_total', svc, counter(total / w, n, 1000))];
  pin('systemdServiceCrashlooping.restarts', 'NodeSystemdServiceCrashlooping', 'warning', w + 5, restarts(above(c.restarts), w + 5), restarts(below(c.restarts), w + 5), svc);
  {
    // One burst of restarts + 1, a minute after the window's start (inside) or 30 s before it (outside); samples every 30 s.
    const at = w + 5;
    const start = (at - w) * 2;
    const burst = (afterIndex: number) => Array.from({ length: at * 2 + 1 }, (_, i) => (i > afterIndex ? 1000 + c.restarts + 1 : 1000)).join(' ');
    pinned.add('systemdServiceCrashlooping.window');
    const expr = exprOf(gs, 'NodeSystemdServiceCrashlooping', 'warning');
    exprs.push({ name: `systemdServiceCrashlooping.window: restarts a minute inside the ${c.window} window fire`, interval: '30s', input: [series('node_systemd_service_restart_total', svc, burst(start + 1))], at: min(at), expr, expect: [svc] });
    exprs.push({ name: `systemdServiceCrashlooping.window: restarts 30 s before the ${c.window} window stay quiet`, interval: '30s', input: [series('node_systemd_service_restart_total', svc, burst(start - 1))], at: min(at), expr, expect: [] });
  }
  pinFor('NodeSystemdServiceCrashlooping', [{ field: 'systemdServiceCrashlooping.for', severity: 'warning', for: c.for }], restarts(10 * c.restarts * w, minutes(c.for) + 3), svc, [1, 1]);

  // ---- interface flapping: changes of node_network_up within a window (samples every 10 s)
  const f = t.networkInterfaceFlapping;
  const fw = minutes(f.window);
  const eth1 = { ...NE, device: 'eth1' };
  {
    const at = fw + 2;
    const s0 = (at - fw) * 6; // index of the sample at the window's start
    /** Value 1, toggled at the given sample indices. */
    const toggles = (idx: number[]) => {
      let v = 1;
      return Array.from({ length: at * 6 + 1 }, (_, i) => (idx.includes(i) ? (v = 1 - v) : v)).join(' ');
    };
    const every2 = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + 2 * i);
    expect(2 * (f.changes + 1)).toBeLessThanOrEqual(6 * fw);
    const expr = exprOf(gs, 'NodeNetworkInterfaceFlapping', 'warning');
    pinned.add('networkInterfaceFlapping.changes').add('networkInterfaceFlapping.window');
    // A change counts when both its samples are in the window; the sample at the window's start is in it for Prometheus 2, not 3: no change lands right after it.
    exprs.push({ name: `networkInterfaceFlapping.changes: ${f.changes + 1} changes in the window fire`, interval: '10s', input: [series('node_network_up', eth1, toggles(every2(s0 + 2, f.changes + 1)))], at: min(at), expr, expect: [eth1] });
    exprs.push({ name: `networkInterfaceFlapping.changes: ${f.changes} changes stay quiet`, interval: '10s', input: [series('node_network_up', eth1, toggles(every2(s0 + 2, f.changes)))], at: min(at), expr, expect: [] });
    exprs.push({ name: `networkInterfaceFlapping.window: ${f.changes + 1} changes, the first 20 s after the window's start, fire`, interval: '10s', input: [series('node_network_up', eth1, toggles(every2(s0 + 2, f.changes + 1)))], at: min(at), expr, expect: [eth1] });
    exprs.push({ name: `networkInterfaceFlapping.window: the same changes, the first at the window's start, stay quiet`, interval: '10s', input: [series('node_network_up', eth1, toggles(every2(s0, f.changes + 1)))], at: min(at), expr, expect: [] });
  }
  {
    // A change every 10 s from t=0: 6 a minute, more than `changes` from minute floor(changes / 6) + 1.
    const first = Math.floor(f.changes / 6) + 1;
    expect(first).toBeLessThanOrEqual(fw);
    const n = (first + minutes(f.for) + 3) * 6;
    pinFor('NodeNetworkInterfaceFlapping', [{ field: 'networkInterfaceFlapping.for', severity: 'warning', for: f.for }], [series('node_network_up', eth1, Array.from({ length: n + 1 }, (_, i) => i % 2).join(' '))], eth1, [first, first], '10s');
  }
  return pins;
}

// ---- recording rules: values and labels on two nodes
const NB = { ...NE, pod: 'node-exporter-q9d4m', instance: 'node-b', node: 'node-b' };
const onNode = (labels: Record<string, string>, list: Series[]) => list.map((x) => ({ ...x, series: x.series.replace(/instance="node-a"/, `instance="${labels.instance}"`).replace(/node="node-a"/, `node="${labels.node}"`).replace(/pod="node-exporter-x7k2p"/, `pod="${labels.pod}"`) }));
const recordingInput: Series[] = [
  ...cpu(2, { user: 54, system: 3, idle: 1.2, iowait: 0.6, steal: 1.2 }, 12),
  ...onNode(NB, cpu(4, { user: 30, idle: 30 }, 12)),
  series('node_load1', NE, flat(5, 12)),
  series('node_memory_MemTotal_bytes', NE, flat(16e9, 12)),
  series('node_memory_MemAvailable_bytes', NE, flat(1e9, 12)),
  series('node_memory_MemTotal_bytes', NB, flat(16e9, 12)),
  series('node_memory_MemAvailable_bytes', NB, flat(8e9, 12)),
  series('node_vmstat_pgmajfault', NE, counter(36000, 12, 1e6)),
  ...['nvme0n1', 'nvme0n1p1', 'loop0'].flatMap((device) => [
    series('node_disk_io_time_seconds_total', { ...NE, device }, counter(30, 12, 1e5)),
    series('node_disk_io_time_weighted_seconds_total', { ...NE, device }, counter(720, 12, 1e6)),
  ]),
  ...([['eth0', 6e6, 3e6, 60, 120], ['eth1', 1.2e6, 0, 0, 0], ['lo', 6e7, 6e7, 600, 600]] as const).flatMap(([device, rx, tx, rxDrop, txDrop]) => [
    series('node_network_receive_bytes_total', { ...NE, device }, counter(rx, 12, 1e9)),
    series('node_network_transmit_bytes_total', { ...NE, device }, counter(tx, 12, 1e9)),
    series('node_network_receive_drop_total', { ...NE, device }, counter(rxDrop, 12, 1e3)),
    series('node_network_transmit_drop_total', { ...NE, device }, counter(txDrop, 12, 1e3)),
  ]),
];
const recorded = (record: string, expect: Record<string, string>[], values: number[]): ExprCase => ({ name: record, input: recordingInput, at: '10m', expr: record, expect, values });
const recordingCases: ExprCase[] = [
  recorded('instance:node_num_cpu:sum', [NE, NB], [2, 4]),
  // iowait and steal are not busy time.
  recorded('instance:node_cpu_utilisation:rate5m', [NE, NB], [0.95, 0.5]),
  recorded('instance:node_load1_per_cpu:ratio', [NE], [2.5]),
  recorded('instance:node_memory_utilisation:ratio', [NE, NB], [0.9375, 0.5]),
  recorded('instance:node_vmstat_pgmajfault:rate5m', [NE], [600]),
  // Partitions and loop devices left out.
  recorded('instance_device:node_disk_io_time_seconds:rate5m', [{ ...NE, device: 'nvme0n1' }], [0.5]),
  recorded('instance_device:node_disk_io_time_weighted_seconds:rate5m', [{ ...NE, device: 'nvme0n1' }], [12]),
  // Every interface but lo, summed.
  recorded('instance:node_network_receive_bytes_excluding_lo:rate5m', [NE], [1.2e5]),
  recorded('instance:node_network_transmit_bytes_excluding_lo:rate5m', [NE], [5e4]),
  recorded('instance:node_network_receive_drop_excluding_lo:rate5m', [NE], [1]),
  recorded('instance:node_network_transmit_drop_excluding_lo:rate5m', [NE], [2]),
  // (2 CPUs x 95% + 4 CPUs x 50%) / 6 CPUs.
  recorded('cluster:node_cpu:ratio_rate5m', [{}], [0.65]),
  recorded('node:node_num_cpu:sum', [{ node: 'node-a' }, { node: 'node-b' }], [2, 4]),
  recorded(':node_memory_MemAvailable_bytes:sum', [{}], [9e9]),
];

describe('node alerts and recording rules', () => {
  test('recording rules: each series, its labels (the target\'s, plus device) and its value', () => {
    const records = groups[0].rules.map((r) => (isAlertingRule(r) ? r.alert : r.record));
    expect(recordingCases.map((c) => c.expr).sort()).toEqual([...records].sort());
    expect(runPromtoolTests(groups, [], recordingCases)).toContain('SUCCESS');
  });

  test('groups: node-exporter.rules, node-exporter, node-network; valid by the rule-group building block', () => {
    expect(groups.map((g) => g.name)).toEqual([NODE_RECORDING_GROUP, NODE_EXPORTER_GROUP, NODE_NETWORK_GROUP]);
    for (const g of groups) expect(ruleGroupProblems(g)).toEqual([]);
    const res = withFiles({ 'node.rules.yaml': renderRuleFile(groups) }, (dir) => promtool(['check', 'rules', 'node.rules.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
  });

  test('every alert has a case where it fires and one where it stays quiet', () => {
    expect(coverageProblems(groups, cases)).toEqual([]);
  });

  test('promtool test rules: each alert fires about the right node, mount point, device, interface, array, bond or unit, and stays quiet otherwise', () => {
    expect(runPromtoolTests(groups, cases)).toContain('SUCCESS');
  });

  /** Different from every default, to show that each value comes from the config. */
  const custom: NodeThresholds = {
    filesystemSpaceFillingUp: { warning: { availableRatio: 0.2, predictionHorizon: '12h', for: '45m' }, critical: { availableRatio: 0.08, predictionHorizon: '3h', for: '30m' } },
    filesystemAlmostOutOfSpace: { warning: { availableRatio: 0.07, for: '20m' }, critical: { availableRatio: 0.02, for: '10m' } },
    filesystemFilesFillingUp: { warning: { availableRatio: 0.3, predictionHorizon: '2d', for: '2h' }, critical: { availableRatio: 0.1, predictionHorizon: '6h', for: '20m' } },
    filesystemAlmostOutOfFiles: { warning: { availableRatio: 0.1, for: '15m' }, critical: { availableRatio: 0.04, for: '5m' } },
    networkErrors: { ratio: 0.05, for: '30m' },
    conntrack: { usedRatio: 0.6, for: '10m' },
    clockSkew: { offsetSeconds: 0.2, for: '3m' },
    fileDescriptors: { warning: { usedRatio: 0.6, for: '5m' }, critical: { usedRatio: 0.8, for: '2m' } },
    cpuHighUsage: { usedRatio: 0.75, for: '30m' },
    systemSaturation: { loadPerCpu: 1.5, for: '10m' },
    memoryMajorPageFaults: { perSecond: 200, for: '5m' },
    memoryHighUtilization: { usedRatio: 0.8, for: '20m' },
    diskIOSaturation: { queueLength: 4, for: '10m' },
    systemdServiceCrashlooping: { restarts: 5, window: '10m', for: '5m' },
    networkInterfaceFlapping: { changes: 5, window: '3m', for: '4m' },
  };

  test('the custom thresholds differ from the defaults in every field', () => {
    const get = (o: object, path: string) => path.split('.').reduce((v: any, k) => v[k], o);
    for (const path of leafPaths(DEFAULT_NODE_THRESHOLDS)) expect({ path, same: get(custom, path) === get(DEFAULT_NODE_THRESHOLDS, path) }).toEqual({ path, same: false });
  });

  test.each([
    ['defaults', DEFAULT_NODE_THRESHOLDS],
    ['custom', custom],
  ] as const)('every threshold (%s) is pinned by data just above and just below its configured value', (_, t) => {
    const gs = nodeAlerts({ runbookBaseUrl: RB, thresholds: { node: t } });
    const p = pinning(t, gs);
    expect([...p.pinned].sort()).toEqual(leafPaths(t).sort());
    expect(runPromtoolTests(gs, p.cases, p.exprs)).toContain('SUCCESS');
  });

  test('the pins bite: with any one value back at its default, that value\'s cases fail', () => {
    expect(
      pinsThatDoNotBite(leafPaths(custom), (field) => {
        const gs = nodeAlerts({ runbookBaseUrl: RB, thresholds: { node: withValueOf(custom, DEFAULT_NODE_THRESHOLDS, field) } });
        return { groups: gs, pins: pinning(custom, gs) };
      }),
    ).toEqual([]);
  });

  test('every rule is an alerting rule with severity, category, summary, description and a runbook link', () => {
    for (const r of alertingRules(groups)) {
      expect(['critical', 'warning', 'info']).toContain(r.labels?.severity);
      expect(r.labels?.category).toBe('infrastructure');
      expect(r.annotations?.summary).toMatch(/\S/);
      expect(r.annotations?.description).toMatch(/\S/);
    }
    expect(groups[0].rules.every((r) => !isAlertingRule(r))).toBe(true);
  });
});
