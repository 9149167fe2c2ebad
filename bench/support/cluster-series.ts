/**
 * Synthetic series of a Kubernetes cluster (issue 17's benchmark): kube-state-metrics, and per
 * node the kubelet (/metrics, /metrics/cadvisor, /metrics/probes) and node-exporter, with the
 * names and labels the exporters use (kube-state-metrics v2, kubelet 1.3x, node_exporter 1.x)
 * and a realistic number of series per object. Deterministic: the same sizes give the same
 * series; counters grow at a fixed rate from `t0`, so any scrape continues the previous one.
 *
 * Built in: a few things the alert rules look for, the same for every rule set: 1 % of the
 * containers crash-looping (waiting in CrashLoopBackOff, restarts growing), 1 % of the pods
 * Pending, one node NotReady, 3 % of the PVCs 97 % full.
 */

export interface ClusterSize {
  readonly nodes: number;
  readonly pods: number;
}

/** One exposition (one scrape target): series lines and how their value moves. */
export class Exposition {
  private readonly prefixes: string[] = [];
  private readonly rates: number[] = [];
  private readonly values: number[] = [];
  private readonly types = new Map<string, string>();

  /** A counter growing at `perSecond` from t0 (plus `start`). */
  counter(name: string, labels: Record<string, string>, perSecond: number, start = 0): void {
    this.add(name, 'counter', labels, perSecond, start);
  }

  gauge(name: string, labels: Record<string, string>, value: number): void {
    this.add(name, 'gauge', labels, 0, value);
  }

  /** A histogram with the given bucket bounds; `perSecond` observations, all of `value` seconds. */
  histogram(name: string, labels: Record<string, string>, bounds: readonly number[], perSecond: number, value: number): void {
    for (const le of bounds) this.add(`${name}_bucket`, 'histogram', { ...labels, le: String(le) }, le >= value ? perSecond : 0, 0, name);
    this.add(`${name}_bucket`, 'histogram', { ...labels, le: '+Inf' }, perSecond, 0, name);
    this.add(`${name}_sum`, 'histogram', labels, perSecond * value, 0, name);
    this.add(`${name}_count`, 'histogram', labels, perSecond, 0, name);
  }

  private add(name: string, type: string, labels: Record<string, string>, rate: number, value: number, family = name): void {
    if (!this.types.has(family)) this.types.set(family, type);
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    this.prefixes.push(`${name}{${l}} `);
    this.rates.push(rate);
    this.values.push(value);
  }

  get size(): number {
    return this.prefixes.length;
  }

  /** The text exposition at time `t` (seconds). */
  render(t0: number, t: number): string {
    const parts: string[] = [];
    for (const [family, type] of this.types) parts.push(`# TYPE ${family} ${type}\n`);
    const dt = t - t0;
    for (let i = 0; i < this.prefixes.length; i++) {
      const v = this.values[i] + this.rates[i] * dt;
      parts.push(`${this.prefixes[i]}${Number.isInteger(v) ? v : v.toFixed(3)}\n`);
    }
    return parts.join('');
  }
}

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CPUS = 8;
const nodeName = (i: number) => `node-${String(i).padStart(3, '0')}`;

interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly node: number;
  readonly deployment: string;
  readonly replicaset: string;
  readonly containers: readonly string[];
  readonly pending: boolean;
  readonly pvc?: string;
}

export interface Cluster {
  readonly size: ClusterSize;
  readonly ksm: Exposition;
  /** Per node: kubelet, cadvisor, probes, node-exporter. */
  readonly nodes: readonly { readonly name: string; readonly kubelet: Exposition; readonly cadvisor: Exposition; readonly probes: Exposition; readonly nodeExporter: Exposition }[];
}

export function syntheticCluster(size: ClusterSize): Cluster {
  const namespaces = Array.from({ length: Math.max(1, Math.round(size.pods / 100)) }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  const pods: Pod[] = [];
  for (let i = 0; i < size.pods; i++) {
    const ns = namespaces[i % namespaces.length];
    const deployment = `app-${String(Math.floor(i / 3)).padStart(4, '0')}`;
    const replicaset = `${deployment}-5d8f7c9b6`;
    pods.push({
      namespace: ns,
      name: `${replicaset}-${String(i).padStart(5, '0')}`,
      uid: `uid-${i}`,
      node: i % size.nodes,
      deployment,
      replicaset,
      containers: i % 3 === 0 ? ['app', 'proxy'] : ['app'],
      pending: i % 100 === 99,
      pvc: i % 10 === 0 ? `data-${i}` : undefined,
    });
  }

  // ---- kube-state-metrics
  const ksm = new Exposition();
  for (let n = 0; n < size.nodes; n++) {
    const node = nodeName(n);
    ksm.gauge('kube_node_info', { node, kernel_version: '6.1.0', os_image: 'Ubuntu 24.04', container_runtime_version: 'containerd://1.7.27', kubelet_version: 'v1.33.1', internal_ip: `10.0.${n >> 8}.${n & 255}` }, 1);
    ksm.gauge('kube_node_spec_unschedulable', { node }, 0);
    ksm.gauge('kube_node_role', { node, role: 'worker' }, 1);
    for (const condition of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']) {
      for (const status of ['true', 'false', 'unknown']) {
        const ok = condition === 'Ready' ? status === 'true' : status === 'false';
        const notReady = n === size.nodes - 1 && condition === 'Ready';
        ksm.gauge('kube_node_status_condition', { node, condition, status }, notReady ? (status === 'false' ? 1 : 0) : ok ? 1 : 0);
      }
    }
    for (const [resource, unit, cap] of [['cpu', 'core', CPUS], ['memory', 'byte', 32 * 2 ** 30], ['pods', 'integer', 110], ['ephemeral_storage', 'byte', 100 * 2 ** 30]] as const) {
      ksm.gauge('kube_node_status_capacity', { node, resource, unit }, cap);
      ksm.gauge('kube_node_status_allocatable', { node, resource, unit }, cap * 0.95);
    }
  }
  for (const ns of namespaces) for (const phase of ['Active', 'Terminating']) ksm.gauge('kube_namespace_status_phase', { namespace: ns, phase }, phase === 'Active' ? 1 : 0);
  const deployments = new Map<string, Pod[]>();
  for (const p of pods) deployments.set(`${p.namespace}/${p.deployment}`, [...(deployments.get(`${p.namespace}/${p.deployment}`) ?? []), p]);
  for (const [key, ps] of deployments) {
    const [namespace, deployment] = key.split('/');
    const ready = ps.filter((p) => !p.pending).length;
    const d = { namespace, deployment };
    ksm.gauge('kube_deployment_spec_replicas', d, ps.length);
    ksm.gauge('kube_deployment_status_replicas', d, ps.length);
    ksm.gauge('kube_deployment_status_replicas_available', d, ready);
    ksm.gauge('kube_deployment_status_replicas_unavailable', d, ps.length - ready);
    ksm.gauge('kube_deployment_status_replicas_updated', d, ps.length);
    ksm.gauge('kube_deployment_status_replicas_ready', d, ready);
    ksm.gauge('kube_deployment_metadata_generation', d, 3);
    ksm.gauge('kube_deployment_status_observed_generation', d, 3);
    ksm.gauge('kube_deployment_spec_paused', d, 0);
    ksm.gauge('kube_deployment_created', d, 1.7e9);
    for (const condition of ['Available', 'Progressing']) for (const status of ['true', 'false', 'unknown']) ksm.gauge('kube_deployment_status_condition', { ...d, condition, status }, status === 'true' ? 1 : 0);
    const rs = { namespace, replicaset: ps[0].replicaset };
    ksm.gauge('kube_replicaset_owner', { ...rs, owner_kind: 'Deployment', owner_name: deployment, owner_is_controller: 'true' }, 1);
    ksm.gauge('kube_replicaset_spec_replicas', rs, ps.length);
    ksm.gauge('kube_replicaset_status_ready_replicas', rs, ready);
    ksm.gauge('kube_replicaset_created', rs, 1.7e9);
  }
  let crashLooping = 0;
  for (const [i, p] of pods.entries()) {
    const pod = { namespace: p.namespace, pod: p.name, uid: p.uid };
    const node = nodeName(p.node);
    ksm.gauge('kube_pod_info', { ...pod, host_ip: `10.0.${p.node >> 8}.${p.node & 255}`, pod_ip: `10.244.${p.node}.${i % 250}`, node, created_by_kind: 'ReplicaSet', created_by_name: p.replicaset, priority_class: '', host_network: 'false' }, 1);
    ksm.gauge('kube_pod_owner', { ...pod, owner_kind: 'ReplicaSet', owner_name: p.replicaset, owner_is_controller: 'true' }, 1);
    ksm.gauge('kube_pod_start_time', pod, 1.7e9);
    ksm.gauge('kube_pod_created', pod, 1.7e9);
    ksm.gauge('kube_pod_restart_policy', { ...pod, type: 'Always' }, 1);
    ksm.gauge('kube_pod_service_account', { ...pod, service_account: 'default' }, 1);
    for (const qos of ['BestEffort', 'Burstable', 'Guaranteed']) ksm.gauge('kube_pod_status_qos_class', { ...pod, qos_class: qos }, qos === 'Burstable' ? 1 : 0);
    for (const phase of ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']) ksm.gauge('kube_pod_status_phase', { ...pod, phase }, (p.pending ? 'Pending' : 'Running') === phase ? 1 : 0);
    for (const condition of ['true', 'false', 'unknown']) ksm.gauge('kube_pod_status_ready', { ...pod, condition }, (p.pending ? 'false' : 'true') === condition ? 1 : 0);
    for (const condition of ['true', 'false', 'unknown']) ksm.gauge('kube_pod_status_scheduled', { ...pod, condition }, condition === 'true' ? 1 : 0);
    if (p.pvc) ksm.gauge('kube_pod_spec_volumes_persistentvolumeclaims_info', { ...pod, volume: 'data', persistentvolumeclaim: p.pvc }, 1);
    for (const container of p.containers) {
      const c = { ...pod, container };
      const looping = !p.pending && container === 'app' && i % 100 === 7;
      if (looping) crashLooping++;
      ksm.gauge('kube_pod_container_info', { ...c, image: `registry.example.com/${p.deployment}:1.0`, image_id: 'sha256:0', container_id: `containerd://${p.uid}-${container}` }, 1);
      ksm.gauge('kube_pod_container_status_ready', c, p.pending || looping ? 0 : 1);
      ksm.gauge('kube_pod_container_status_running', c, p.pending || looping ? 0 : 1);
      ksm.gauge('kube_pod_container_status_terminated', c, 0);
      ksm.gauge('kube_pod_container_status_waiting', c, p.pending || looping ? 1 : 0);
      if (looping) ksm.gauge('kube_pod_container_status_waiting_reason', { ...c, reason: 'CrashLoopBackOff' }, 1);
      if (p.pending) ksm.gauge('kube_pod_container_status_waiting_reason', { ...c, reason: 'ContainerCreating' }, 1);
      if (looping) ksm.gauge('kube_pod_container_status_last_terminated_reason', { ...c, reason: 'Error' }, 1);
      ksm.counter('kube_pod_container_status_restarts_total', c, looping ? 1 / 120 : 0, looping ? 40 : 0);
      ksm.gauge('kube_pod_container_state_started', c, 1.7e9);
      const cpu = container === 'app' ? 0.25 : 0.05;
      const mem = container === 'app' ? 512 * 2 ** 20 : 64 * 2 ** 20;
      ksm.gauge('kube_pod_container_resource_requests', { ...c, node, resource: 'cpu', unit: 'core' }, cpu);
      ksm.gauge('kube_pod_container_resource_requests', { ...c, node, resource: 'memory', unit: 'byte' }, mem);
      ksm.gauge('kube_pod_container_resource_limits', { ...c, node, resource: 'cpu', unit: 'core' }, cpu * 2);
      ksm.gauge('kube_pod_container_resource_limits', { ...c, node, resource: 'memory', unit: 'byte' }, mem * 2);
    }
    if (p.pvc) {
      const pvc = { namespace: p.namespace, persistentvolumeclaim: p.pvc };
      ksm.gauge('kube_persistentvolumeclaim_info', { ...pvc, storageclass: 'standard', volumename: `pv-${p.pvc}` }, 1);
      for (const phase of ['Lost', 'Bound', 'Pending']) ksm.gauge('kube_persistentvolumeclaim_status_phase', { ...pvc, phase }, phase === 'Bound' ? 1 : 0);
      ksm.gauge('kube_persistentvolumeclaim_access_mode', { ...pvc, access_mode: 'ReadWriteOnce' }, 1);
      ksm.gauge('kube_persistentvolumeclaim_resource_requests_storage_bytes', pvc, 10 * 2 ** 30);
      ksm.gauge('kube_persistentvolumeclaim_labels', pvc, 1);
      for (const phase of ['Pending', 'Available', 'Bound', 'Released', 'Failed']) ksm.gauge('kube_persistentvolume_status_phase', { persistentvolume: `pv-${p.pvc}`, phase }, phase === 'Bound' ? 1 : 0);
      ksm.gauge('kube_persistentvolume_capacity_bytes', { persistentvolume: `pv-${p.pvc}` }, 10 * 2 ** 30);
    }
  }
  // A few DaemonSets and StatefulSets (the stack's own, CNI, CSI).
  for (const ds of ['node-exporter', 'log-collector', 'kube-proxy', 'cni', 'csi-node']) {
    const d = { namespace: 'kube-system', daemonset: ds };
    for (const m of ['current_number_scheduled', 'desired_number_scheduled', 'number_available', 'number_ready', 'updated_number_scheduled']) ksm.gauge(`kube_daemonset_status_${m}`, d, size.nodes);
    ksm.gauge('kube_daemonset_status_number_misscheduled', d, 0);
    ksm.gauge('kube_daemonset_status_number_unavailable', d, 0);
  }
  // kube-state-metrics' own telemetry is its own job (kube-state-metrics-self): not here.

  // ---- per node
  const nodes = Array.from({ length: size.nodes }, (_, n) => {
    const node = nodeName(n);
    const onNode = pods.filter((p) => p.node === n);
    const kubelet = new Exposition();
    const cadvisor = new Exposition();
    const probes = new Exposition();
    const nodeExporter = new Exposition();

    // kubelet /metrics
    kubelet.gauge('kubelet_node_name', { node }, 1);
    kubelet.gauge('kubelet_running_pods', {}, onNode.filter((p) => !p.pending).length);
    for (const state of ['running', 'exited', 'created']) kubelet.gauge('kubelet_running_containers', { container_state: state }, state === 'running' ? onNode.length * 1.3 : 1);
    kubelet.histogram('kubelet_pleg_relist_duration_seconds', {}, LATENCY, 1, 0.02);
    kubelet.histogram('kubelet_pleg_relist_interval_seconds', {}, [0.6, 0.8, 1, 1.2, 1.4, 1.6, 2, 3, 5], 1, 1.01);
    kubelet.histogram('kubelet_pod_start_duration_seconds', {}, LATENCY, 0.01, 2);
    for (const op of ['create_pod', 'sync', 'update']) kubelet.histogram('kubelet_pod_worker_duration_seconds', { operation_type: op }, LATENCY, 0.1, 0.05);
    const runtimeOps = ['container_status', 'create_container', 'exec_sync', 'image_status', 'list_containers', 'list_images', 'list_podsandbox', 'podsandbox_status', 'pull_image', 'remove_container', 'run_podsandbox', 'start_container', 'status', 'stop_container', 'stop_podsandbox', 'version', 'container_stats', 'list_container_stats', 'image_fs_info', 'update_runtime_config'];
    for (const op of runtimeOps) {
      kubelet.counter('kubelet_runtime_operations_total', { operation_type: op }, 0.5);
      kubelet.counter('kubelet_runtime_operations_errors_total', { operation_type: op }, 0);
      kubelet.histogram('kubelet_runtime_operations_duration_seconds', { operation_type: op }, LATENCY, 0.5, 0.01);
    }
    for (const plugin of ['kubernetes.io/projected', 'kubernetes.io/configmap', 'kubernetes.io/csi:ebs.csi.aws.com']) {
      for (const op of ['volume_mount', 'volume_unmount', 'verify_controller_attached_volume', 'unmount_device']) {
        kubelet.histogram('storage_operation_duration_seconds', { migrated: 'false', operation_name: op, status: 'success', volume_plugin: plugin }, LATENCY, 0.01, 0.1);
      }
    }
    for (const path of ['metrics', 'metrics/cadvisor', 'metrics/probes', 'pods', 'stats', 'healthz']) {
      kubelet.histogram('kubelet_http_requests_duration_seconds', { long_running: 'false', method: 'GET', path, server_type: 'readwrite' }, LATENCY, 0.05, 0.05);
      kubelet.counter('kubelet_http_requests_total', { long_running: 'false', method: 'GET', path, server_type: 'readwrite' }, 0.05);
    }
    for (const op of ['create', 'destroy', 'update']) kubelet.histogram('kubelet_cgroup_manager_duration_seconds', { operation_type: op }, LATENCY, 0.1, 0.005);
    for (const verb of ['GET', 'PATCH', 'POST', 'PUT', 'WATCH']) {
      kubelet.histogram('rest_client_request_duration_seconds', { host: '10.0.0.1:443', verb }, [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60], 0.2, 0.02);
      kubelet.counter('rest_client_requests_total', { code: '200', host: '10.0.0.1:443', method: verb }, 0.2);
    }
    kubelet.gauge('kubelet_certificate_manager_client_ttl_seconds', {}, 3e7);
    kubelet.counter('kubelet_certificate_manager_client_expiration_renew_errors', {}, 0);
    kubelet.counter('kubelet_server_expiration_renew_errors', {}, 0);
    for (const p of onNode.filter((x) => x.pvc)) {
      const v = { namespace: p.namespace, persistentvolumeclaim: p.pvc! };
      const full = Number(p.uid.slice(4)) % 300 === 0;
      kubelet.gauge('kubelet_volume_stats_capacity_bytes', v, 10 * 2 ** 30);
      kubelet.gauge('kubelet_volume_stats_used_bytes', v, (full ? 0.97 : 0.4) * 10 * 2 ** 30);
      kubelet.gauge('kubelet_volume_stats_available_bytes', v, (full ? 0.03 : 0.6) * 10 * 2 ** 30);
      kubelet.gauge('kubelet_volume_stats_inodes', v, 655360);
      kubelet.gauge('kubelet_volume_stats_inodes_free', v, 600000);
      kubelet.gauge('kubelet_volume_stats_inodes_used', v, 55360);
    }
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_start_time_seconds', 'go_goroutines', 'go_threads', 'go_memstats_alloc_bytes', 'go_memstats_heap_inuse_bytes']) kubelet.gauge(name, {}, 1);

    // kubelet /metrics/cadvisor
    const cgroup = (id: string, labels: Record<string, string>, full: boolean) => {
      const c = { id, ...labels };
      cadvisor.counter('container_cpu_usage_seconds_total', { ...c, cpu: 'total' }, 0.1);
      cadvisor.gauge('container_memory_working_set_bytes', c, 200 * 2 ** 20);
      cadvisor.gauge('container_memory_usage_bytes', c, 260 * 2 ** 20);
      cadvisor.gauge('container_memory_rss', c, 180 * 2 ** 20);
      cadvisor.gauge('container_memory_cache', c, 60 * 2 ** 20);
      cadvisor.gauge('container_memory_swap', c, 0);
      for (const s of ['spec_cpu_period', 'spec_cpu_shares', 'spec_memory_limit_bytes', 'spec_memory_reservation_limit_bytes', 'spec_memory_swap_limit_bytes']) cadvisor.gauge(`container_${s}`, c, 1);
      if (!full) return;
      cadvisor.counter('container_cpu_user_seconds_total', c, 0.07);
      cadvisor.counter('container_cpu_system_seconds_total', c, 0.03);
      cadvisor.counter('container_cpu_cfs_periods_total', c, 10);
      cadvisor.counter('container_cpu_cfs_throttled_periods_total', c, 0.2);
      cadvisor.counter('container_cpu_cfs_throttled_seconds_total', c, 0.01);
      cadvisor.gauge('container_cpu_load_average_10s', c, 0);
      cadvisor.gauge('container_spec_cpu_quota', c, 50000);
      cadvisor.gauge('container_memory_mapped_file', c, 2 ** 20);
      cadvisor.gauge('container_memory_max_usage_bytes', c, 300 * 2 ** 20);
      cadvisor.counter('container_memory_failcnt', c, 0);
      for (const failure_type of ['pgfault', 'pgmajfault']) for (const scope of ['container', 'hierarchy']) cadvisor.counter('container_memory_failures_total', { ...c, failure_type, scope }, 1);
      const dev = { ...c, device: '/dev/nvme0n1' };
      for (const m of ['fs_reads_bytes_total', 'fs_writes_bytes_total', 'fs_reads_total', 'fs_writes_total', 'fs_reads_merged_total', 'fs_writes_merged_total', 'fs_sector_reads_total', 'fs_sector_writes_total', 'fs_io_time_seconds_total', 'fs_io_time_weighted_seconds_total']) cadvisor.counter(`container_${m}`, dev, 1);
      for (const m of ['fs_usage_bytes', 'fs_limit_bytes', 'fs_inodes_free', 'fs_inodes_total', 'fs_io_current']) cadvisor.gauge(`container_${m}`, dev, 1);
      for (const operation of ['Read', 'Write']) cadvisor.counter('container_blkio_device_usage_total', { ...dev, major: '259', minor: '0', operation }, 10);
      for (const m of ['last_seen', 'start_time_seconds', 'file_descriptors', 'sockets', 'threads', 'threads_max', 'processes', 'ulimits_soft']) cadvisor.gauge(`container_${m}`, m === 'ulimits_soft' ? { ...c, ulimit: 'max_open_files' } : c, 1);
      cadvisor.counter('container_oom_events_total', c, 0);
      for (const state of ['iowaiting', 'running', 'sleeping', 'stopped', 'uninterruptible']) cadvisor.gauge('container_tasks_state', { ...c, state }, state === 'sleeping' ? 10 : 0);
    };
    for (const p of onNode) {
      const base = { namespace: p.namespace, pod: p.name, image: '' };
      const podCgroup = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${p.uid}.slice`;
      cgroup(podCgroup, { ...base, container: '', name: '' }, false);
      for (const m of ['receive_bytes_total', 'transmit_bytes_total', 'receive_packets_total', 'transmit_packets_total', 'receive_errors_total', 'transmit_errors_total', 'receive_packets_dropped_total', 'transmit_packets_dropped_total']) {
        cadvisor.counter(`container_network_${m}`, { id: podCgroup, ...base, container: '', name: '', interface: 'eth0' }, 100);
      }
      if (p.pending) continue;
      for (const container of p.containers) cgroup(`${podCgroup}/cri-containerd-${p.uid}-${container}.scope`, { ...base, container, image: `registry.example.com/${p.deployment}:1.0`, name: `${p.uid}-${container}` }, true);
    }
    for (const id of ['/', '/kubepods.slice', '/kubepods.slice/kubepods-burstable.slice', '/kubepods.slice/kubepods-besteffort.slice', '/system.slice', '/system.slice/containerd.service', '/system.slice/kubelet.service', '/system.slice/systemd-journald.service', '/user.slice', '/init.scope']) {
      cgroup(id, { namespace: '', pod: '', container: '', image: '', name: '' }, true);
    }

    // kubelet /metrics/probes
    for (const p of onNode) {
      for (const container of p.containers) {
        for (const probe_type of ['Liveness', 'Readiness']) probes.counter('prober_probe_total', { container, namespace: p.namespace, pod: p.name, pod_uid: p.uid, probe_type, result: 'successful' }, 0.1);
      }
    }

    // node-exporter (virtual interfaces and pods' mounts already left out by its flags)
    for (let cpu = 0; cpu < CPUS; cpu++) {
      for (const [mode, share] of [['idle', 0.6], ['user', 0.25], ['system', 0.1], ['iowait', 0.02], ['irq', 0.005], ['softirq', 0.01], ['steal', 0.01], ['nice', 0.005]] as const) {
        nodeExporter.counter('node_cpu_seconds_total', { cpu: String(cpu), mode }, share);
      }
      nodeExporter.counter('node_softnet_dropped_total', { cpu: String(cpu) }, 0);
      nodeExporter.counter('node_softnet_processed_total', { cpu: String(cpu) }, 100);
      nodeExporter.counter('node_softnet_times_squeezed_total', { cpu: String(cpu) }, 0);
      for (const m of ['running_seconds_total', 'waiting_seconds_total', 'timeslices_total']) nodeExporter.counter(`node_schedstat_${m}`, { cpu: String(cpu) }, 0.5);
      for (const m of ['frequency_hertz', 'frequency_max_hertz', 'frequency_min_hertz']) nodeExporter.gauge(`node_cpu_scaling_${m}`, { cpu: String(cpu) }, 3e9);
    }
    for (const [i, l] of [1, 5, 15].entries()) nodeExporter.gauge(`node_load${l}`, {}, 2 + i);
    const memory = ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive', 'Active_anon', 'Inactive_anon', 'Active_file', 'Inactive_file', 'Unevictable', 'Mlocked', 'SwapTotal', 'SwapFree', 'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed', 'HugePages_Total', 'HugePages_Free', 'Hugepagesize'];
    for (const m of memory) nodeExporter.gauge(`node_memory_${m}_bytes`, {}, m === 'MemTotal' ? 32 * 2 ** 30 : m === 'MemAvailable' ? 12 * 2 ** 30 : 2 ** 30);
    for (const [mountpoint, device] of [['/', '/dev/nvme0n1p1'], ['/boot', '/dev/nvme0n1p2'], ['/var/lib/kubelet', '/dev/nvme1n1']]) {
      const f = { device, fstype: 'ext4', mountpoint };
      for (const [m, v] of [['size_bytes', 100e9], ['avail_bytes', 60e9], ['free_bytes', 62e9], ['files', 6e6], ['files_free', 5e6], ['readonly', 0], ['device_error', 0]] as const) nodeExporter.gauge(`node_filesystem_${m}`, f, v);
    }
    for (const device of ['lo', 'eth0']) {
      for (const dir of ['receive', 'transmit']) for (const m of ['bytes', 'packets', 'errs', 'drop', 'fifo', 'compressed', 'multicast']) nodeExporter.counter(`node_network_${dir}_${m}_total`, { device }, m === 'bytes' ? 1e6 : m === 'packets' ? 1000 : 0);
      nodeExporter.gauge('node_network_up', { device }, 1);
      nodeExporter.gauge('node_network_info', { device, operstate: 'up', address: '00:00:00:00:00:00', broadcast: 'ff:ff:ff:ff:ff:ff', duplex: 'full', ifalias: '' }, 1);
      nodeExporter.gauge('node_network_mtu_bytes', { device }, 1500);
      nodeExporter.gauge('node_network_speed_bytes', { device }, 1.25e9);
    }
    for (const device of ['nvme0n1', 'nvme1n1']) {
      for (const m of ['reads_completed_total', 'writes_completed_total', 'read_bytes_total', 'written_bytes_total', 'io_time_seconds_total', 'io_time_weighted_seconds_total', 'read_time_seconds_total', 'write_time_seconds_total', 'reads_merged_total', 'writes_merged_total', 'discards_completed_total', 'flush_requests_total']) {
        nodeExporter.counter(`node_disk_${m}`, { device }, m.includes('time') ? 0.05 : 100);
      }
      nodeExporter.gauge('node_disk_io_now', { device }, 0);
    }
    for (const m of ['pgmajfault', 'pgfault', 'pgpgin', 'pgpgout', 'pswpin', 'pswpout', 'oom_kill']) nodeExporter.counter(`node_vmstat_${m}`, {}, m === 'pgfault' ? 1000 : 1);
    for (const [m, v] of [['node_context_switches_total', 5000], ['node_intr_total', 3000], ['node_forks_total', 10]] as const) nodeExporter.counter(m, {}, v);
    for (const [m, v] of [
      ['node_boot_time_seconds', 1.7e9],
      ['node_time_seconds', 1.7e9],
      ['node_timex_offset_seconds', 0],
      ['node_timex_sync_status', 1],
      ['node_timex_maxerror_seconds', 0.01],
      ['node_filefd_allocated', 20000],
      ['node_filefd_maximum', 9e18],
      ['node_nf_conntrack_entries', 5000],
      ['node_nf_conntrack_entries_limit', 262144],
      ['node_procs_running', 3],
      ['node_procs_blocked', 0],
      ['node_textfile_scrape_error', 0],
      ['node_entropy_available_bits', 256],
    ] as const) {
      nodeExporter.gauge(m, {}, v);
    }
    nodeExporter.gauge('node_uname_info', { nodename: node, release: '6.1.0', machine: 'x86_64', sysname: 'Linux', domainname: '(none)', version: '#1 SMP' }, 1);
    nodeExporter.gauge('node_os_info', { id: 'ubuntu', name: 'Ubuntu', version_id: '24.04' }, 1);
    for (const r of ['cpu', 'io', 'memory']) for (const k of ['waiting', 'stalled']) if (!(r === 'cpu' && k === 'stalled')) nodeExporter.counter(`node_pressure_${r}_${k}_seconds_total`, {}, 0.001);
    for (const m of ['TCP_alloc', 'TCP_inuse', 'TCP_mem', 'TCP_mem_bytes', 'TCP_orphan', 'TCP_tw', 'UDP_inuse', 'UDP_mem', 'UDP_mem_bytes', 'sockets_used', 'FRAG_inuse', 'RAW_inuse']) nodeExporter.gauge(`node_sockstat_${m}`, {}, 100);
    for (const m of ['Tcp_ActiveOpens', 'Tcp_PassiveOpens', 'Tcp_RetransSegs', 'Tcp_InSegs', 'Tcp_OutSegs', 'Tcp_InErrs', 'Tcp_CurrEstab', 'Udp_InDatagrams', 'Udp_OutDatagrams', 'Udp_InErrors', 'Udp_NoPorts', 'TcpExt_ListenOverflows', 'TcpExt_ListenDrops', 'TcpExt_SyncookiesSent', 'TcpExt_TCPSynRetrans', 'Ip_Forwarding', 'IpExt_InOctets', 'IpExt_OutOctets', 'Icmp_InMsgs', 'Icmp_OutMsgs']) {
      nodeExporter.counter(`node_netstat_${m}`, {}, 10);
    }
    const collectors = ['arp', 'bcache', 'bonding', 'btrfs', 'conntrack', 'cpu', 'cpufreq', 'diskstats', 'dmi', 'edac', 'entropy', 'fibrechannel', 'filefd', 'filesystem', 'hwmon', 'infiniband', 'ipvs', 'loadavg', 'mdadm', 'meminfo', 'netclass', 'netdev', 'netstat', 'nfs', 'nfsd', 'nvme', 'os', 'powersupplyclass', 'pressure', 'rapl', 'schedstat', 'selinux', 'sockstat', 'softnet', 'stat', 'tapestats', 'textfile', 'thermal_zone', 'time', 'timex', 'udp_queues', 'uname', 'vmstat', 'watchdog', 'xfs', 'zfs'];
    for (const collector of collectors) {
      nodeExporter.gauge('node_scrape_collector_success', { collector }, 1);
      nodeExporter.gauge('node_scrape_collector_duration_seconds', { collector }, 0.001);
    }
    for (const [chip, sensor] of [['platform_coretemp_0', 'temp1'], ['platform_coretemp_0', 'temp2'], ['nvme_nvme0', 'temp1'], ['nvme_nvme1', 'temp1']]) nodeExporter.gauge('node_hwmon_temp_celsius', { chip, sensor }, 45);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_start_time_seconds', 'go_goroutines', 'go_threads', 'go_memstats_alloc_bytes', 'go_memstats_heap_inuse_bytes']) nodeExporter.gauge(name, {}, 1);

    return { name: node, kubelet, cadvisor, probes, nodeExporter };
  });

  if (crashLooping === 0 && size.pods >= 100) throw new Error('synthetic cluster: no crash-looping container');
  return { size, ksm, nodes };
}
