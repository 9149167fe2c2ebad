import { ChildProcess, spawn } from 'child_process';
import { mkdirSync } from 'fs';
import * as net from 'net';
import { IMAGES } from '../lib/images';
import { NODE_EXPORTER_EXCLUDED_INTERFACES, NODE_EXPORTER_EXCLUDED_MOUNT_POINTS, nodeExporterArgs } from '../lib/components/infrastructure-exporters';
import { runTool, tempFiles, toolPath } from './support/tools';

/**
 * node-exporter's flags, checked with the real binary (`node_exporter` on PATH, built at the
 * version lib/images.ts pins): every flag the DaemonSet passes exists, and with the node's
 * /proc and / replaced by a busy node's (pod veth pairs of several CNIs, the kubelet's and the
 * runtime's per-pod mounts), the interfaces and mount points of pods make no series while the
 * node's own do.
 */

const PINNED = /:v(\d+\.\d+\.\d+)$/.exec(IMAGES.nodeExporter)![1];

const NODE_INTERFACES = ['lo', 'eth0', 'ens5', 'enp0s31f6', 'bond0', 'wlp2s0'];
const POD_INTERFACES = [
  'veth3a1b2c4d', // bridge CNIs, flannel, kindnet
  'cali12ab34cd56e', // Calico
  'lxc9f8e7d6c5b4a', // Cilium
  'lxc_health',
  'eni0a1b2c3d4e5', // AWS VPC CNI
  'gke1a2b3c4d5e6', // GKE
  'azv1a2b3c4d5e6', // Azure CNI
  'tap0',
  'flannel.1',
  'cni0',
  'docker0',
  'br-3f2a1b0c9d8e',
  'cilium_host',
  'cilium_vxlan',
  'vxlan.calico',
  'tunl0',
  'kube-ipvs0',
  'kube-bridge',
  'nodelocaldns',
  'weave',
  'genev_sys_6081',
  'ovn-k8s-mp0',
  'antrea-gw0',
];

/** /proc/net/dev with the given interfaces. */
function procNetDev(names: readonly string[]): string {
  const header = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  return header + names.map((n, i) => `${n.padStart(6)}: ${1000 + i} 10 0 0 0 0 0 0 ${2000 + i} 20 0 0 0 0 0 0`).join('\n') + '\n';
}

const NODE_MOUNTS = ['/', '/var/lib/kubelet', '/var/lib/containerd', '/boot', '/var/log'];
const POD_MOUNTS = [
  '/var/lib/kubelet/pods/0f1e2d3c-aaaa-bbbb-cccc-000000000001/volumes/kubernetes.io~projected/kube-api-access-x7k2p',
  '/var/lib/kubelet/pods/0f1e2d3c-aaaa-bbbb-cccc-000000000001/volumes/kubernetes.io~csi/pvc-1234/mount',
  '/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount',
  '/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4b3c2d1e/shm',
  '/run/k3s/containerd/io.containerd.grpc.v1.cri/sandboxes/4b3c2d1e/shm',
  '/var/lib/docker/containers/4b3c2d1e/mounts/shm',
  '/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/4b3c2d1e/shm',
  '/var/lib/containers/storage/overlay-containers/4b3c2d1e/userdata/shm',
  '/var/lib/rancher/rke2/agent/containerd/io.containerd.grpc.v1.cri/sandboxes/4b3c2d1e/shm',
  '/run/netns/cni-1a2b3c4d',
  '/run/credentials/systemd-journald.service',
];

/** /proc/1/mountinfo: ext4 for the node's mounts, tmpfs for the pods' (the fs types node-exporter keeps). */
function mountinfo(): string {
  const line = (id: number, mount: string, fs: string, source: string) => `${id} 1 ${fs === 'ext4' ? '259:1' : '0:' + id} / ${mount} rw,relatime shared:1 - ${fs} ${source} rw`;
  return [...NODE_MOUNTS.map((m, i) => line(20 + i, m, 'ext4', `/dev/nvme0n1p${i + 1}`)), ...POD_MOUNTS.map((m, i) => line(40 + i, m, 'tmpfs', 'tmpfs'))].join('\n') + '\n';
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
  await new Promise((r) => s.close(r));
  return port;
}

describe('node-exporter flags, with the real node_exporter', () => {
  const binary = toolPath('node_exporter');
  let help = '';
  beforeAll(() => {
    const res = runTool('node_exporter', ['--help']);
    help = res.output;
    if (!help.includes('--collector.netdev.device-exclude')) throw new Error(`${binary} --help:\n${help}`);
  });

  test('the binary is the pinned version when it says which it is', () => {
    // `go install` leaves the version empty; release builds and `npm run tools` set it.
    const version = /node_exporter, version (\S*)/.exec(runTool('node_exporter', ['--version']).output)?.[1] ?? '';
    if (version !== '' && version !== '(branch:') expect(version).toBe(PINNED);
  });

  test('every flag the DaemonSet passes is one the binary knows', () => {
    for (const arg of nodeExporterArgs()) {
      const flag = arg.split('=')[0];
      expect({ flag, known: help.includes(`${flag}=`) }).toEqual({ flag, known: true });
    }
  });

  describe('on a busy node: pods\' interfaces and mounts make no series, the node\'s do', () => {
    let files: ReturnType<typeof tempFiles>;
    let proc: ChildProcess | undefined;
    let log = '';
    let page = '';
    beforeAll(async () => {
      files = tempFiles({
        'proc/net/dev': procNetDev([...NODE_INTERFACES, ...POD_INTERFACES]),
        'proc/1/mountinfo': mountinfo(),
      });
      mkdirSync(files.path('sys'));
      for (const m of [...NODE_MOUNTS, ...POD_MOUNTS]) mkdirSync(files.path(`root${m}`), { recursive: true });
      const port = await freePort();
      const args = nodeExporterArgs()
        .map((a) => a.replace('/host/proc', files.path('proc')).replace('/host/sys', files.path('sys')).replace('/host/root', files.path('root')))
        .map((a) => (a.startsWith('--web.listen-address=') ? `--web.listen-address=127.0.0.1:${port}` : a));
      // Only the collectors under test; netdev from /proc/net/dev (not the test machine's netlink).
      proc = spawn(binary, [...args, '--collector.disable-defaults', '--collector.netdev', '--collector.filesystem', '--no-collector.netdev.netlink'], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout!.on('data', (d) => (log += d));
      proc.stderr!.on('data', (d) => (log += d));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`node_exporter exited ${proc.exitCode}:\n${log}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/metrics`);
          if (res.ok) {
            page = await res.text();
            break;
          }
        } catch {
          /* not listening yet */
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      if (!page) throw new Error(`node_exporter did not answer:\n${log}`);
    }, 30_000);
    afterAll(() => {
      proc?.kill('SIGTERM');
      files?.cleanup();
    });

    const labelValues = (metric: string, label: string) =>
      new Set(
        page
          .split('\n')
          .filter((l) => l.startsWith(`${metric}{`))
          .map((l) => new RegExp(`${label}="([^"]*)"`).exec(l)?.[1])
          .filter((v): v is string => v !== undefined),
      );

    test('network: the node\'s interfaces only', () => {
      expect([...labelValues('node_network_receive_bytes_total', 'device')].sort()).toEqual([...NODE_INTERFACES].sort());
    });

    test('filesystems: the node\'s mount points only, the kubelet\'s and containerd\'s own disks included', () => {
      expect([...labelValues('node_filesystem_size_bytes', 'mountpoint')].sort()).toEqual([...NODE_MOUNTS].sort());
      expect([...labelValues('node_filesystem_device_error', 'mountpoint')].sort()).toEqual([...NODE_MOUNTS].sort());
    });

    test('the exclusions are what removes them (without the flags, the same node shows every pod)', () => {
      const iface = new RegExp(NODE_EXPORTER_EXCLUDED_INTERFACES);
      const mount = new RegExp(NODE_EXPORTER_EXCLUDED_MOUNT_POINTS);
      expect(POD_INTERFACES.filter((n) => !iface.test(n))).toEqual([]);
      expect(NODE_INTERFACES.filter((n) => iface.test(n))).toEqual([]);
      expect(POD_MOUNTS.filter((m) => !mount.test(m))).toEqual([]);
      expect(NODE_MOUNTS.filter((m) => mount.test(m))).toEqual([]);
    });
  });
});
