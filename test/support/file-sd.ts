import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';

/**
 * Debian's prometheus/promtool 2.42 are built without Kubernetes service discovery, so a
 * config with `kubernetes_sd_configs` cannot be loaded by them. This transform replaces
 * each `kubernetes_sd_configs` block (in scrape configs and in `alerting.alertmanagers`)
 * by `file_sd_configs` pointing at a JSON file of target groups that carry the same
 * `__meta_kubernetes_*` labels Kubernetes discovery would produce for a fixture cluster.
 * Relabelling is then done by the real Prometheus, on the labels the real discovery
 * would give it.
 *
 * The label sets follow Prometheus's discovery code (discovery/kubernetes/pod.go,
 * endpointslice.go, node.go, and addObjectMetaLabels in kubernetes.go): one target per
 * (container, port) for pods, plus one port-less target per container without ports;
 * for endpoint slices one target per (endpoint address, port) with service and pod
 * labels, plus the backing pods' container ports that no endpoint port covers; for
 * nodes one target per node at `<address>:<kubelet port>` with `instance` = node name.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly controller?: boolean }[];
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  /** @default TCP (the API server's default) */
  readonly protocol?: string;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly ports?: readonly ContainerPort[];
}

export interface Pod {
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: { readonly nodeName?: string; readonly containers: readonly Container[]; readonly initContainers?: readonly Container[] };
  readonly status: {
    readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    readonly podIP?: string;
    readonly hostIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: 'True' | 'False' | 'Unknown' }[];
    readonly containerStatuses?: readonly { readonly name: string; readonly containerID?: string }[];
    readonly initContainerStatuses?: readonly { readonly name: string; readonly containerID?: string }[];
  };
}

export interface Service {
  readonly metadata: ObjectMeta & { readonly namespace: string };
}

export interface EndpointSlice {
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly addressType: 'IPv4' | 'IPv6';
  readonly endpoints: readonly {
    readonly addresses: readonly string[];
    readonly conditions?: { readonly ready?: boolean; readonly serving?: boolean; readonly terminating?: boolean };
    readonly hostname?: string;
    readonly nodeName?: string;
    readonly zone?: string;
    readonly targetRef?: { readonly kind: string; readonly name: string; readonly namespace?: string };
  }[];
  readonly ports: readonly { readonly name?: string; readonly port?: number; readonly protocol?: string; readonly appProtocol?: string }[];
}

export interface Node {
  readonly metadata: ObjectMeta;
  readonly spec?: { readonly providerID?: string };
  readonly status: {
    readonly addresses: readonly { readonly type: string; readonly address: string }[];
    readonly daemonEndpoints: { readonly kubeletEndpoint: { readonly Port: number } };
  };
}

export interface ClusterFixture {
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly nodes: readonly Node[];
}

/** A file_sd target group. */
export interface TargetGroup {
  readonly targets: string[];
  readonly labels: Record<string, string>;
}

type Labels = Record<string, string>;

const META = '__meta_kubernetes_';

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function objectMetaLabels(meta: ObjectMeta, role: string): Labels {
  const ls: Labels = { [`${META}${role}_name`]: meta.name };
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    ls[`${META}${role}_label_${sanitize(k)}`] = v;
    ls[`${META}${role}_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    ls[`${META}${role}_annotation_${sanitize(k)}`] = v;
    ls[`${META}${role}_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return ls;
}

function podReady(pod: Pod): string {
  const c = (pod.status.conditions ?? []).find((x) => x.type === 'Ready');
  return (c?.status ?? 'Unknown').toLowerCase();
}

function podLabels(pod: Pod): Labels {
  const ls: Labels = {
    [`${META}pod_ip`]: pod.status.podIP ?? '',
    [`${META}pod_ready`]: podReady(pod),
    [`${META}pod_phase`]: pod.status.phase,
    [`${META}pod_node_name`]: pod.spec.nodeName ?? '',
    [`${META}pod_host_ip`]: pod.status.hostIP ?? '',
    [`${META}pod_uid`]: pod.metadata.uid ?? '',
    ...objectMetaLabels(pod.metadata, 'pod'),
  };
  const controller = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (controller) {
    ls[`${META}pod_controller_kind`] = controller.kind;
    ls[`${META}pod_controller_name`] = controller.name;
  }
  return ls;
}

function containersOf(pod: Pod): { c: Container; init: boolean; id: string }[] {
  const id = (statuses: Pod['status']['containerStatuses'], name: string) => statuses?.find((s) => s.name === name)?.containerID ?? '';
  return [
    ...pod.spec.containers.map((c) => ({ c, init: false, id: id(pod.status.containerStatuses, c.name) })),
    ...(pod.spec.initContainers ?? []).map((c) => ({ c, init: true, id: id(pod.status.initContainerStatuses, c.name) })),
  ];
}

function containerPortLabels(c: Container, init: boolean, id: string, p: ContainerPort): Labels {
  return {
    [`${META}pod_container_name`]: c.name,
    [`${META}pod_container_id`]: id,
    [`${META}pod_container_image`]: c.image,
    [`${META}pod_container_port_number`]: String(p.containerPort),
    [`${META}pod_container_port_name`]: p.name ?? '',
    [`${META}pod_container_port_protocol`]: p.protocol ?? 'TCP',
    [`${META}pod_container_init`]: String(init),
  };
}

function inNamespaces(ns: string, names: readonly string[] | undefined): boolean {
  return !names || names.includes(ns);
}

/** One group per target, labels = group labels overridden by target labels (as Prometheus merges them). */
function flatten(groupLabels: Labels, targets: Labels[]): TargetGroup[] {
  return targets.map((t) => {
    const { __address__: address, ...rest } = { ...groupLabels, ...t };
    return { targets: [address], labels: sortKeys(rest) };
  });
}

function sortKeys(l: Labels): Labels {
  return Object.fromEntries(Object.keys(l).sort().map((k) => [k, l[k]]));
}

export function discoverPods(cluster: ClusterFixture, namespaces?: readonly string[]): TargetGroup[] {
  const out: TargetGroup[] = [];
  for (const pod of cluster.pods) {
    if (!inNamespaces(pod.metadata.namespace, namespaces)) continue;
    const ip = pod.status.podIP;
    if (!ip) continue; // Prometheus sends an empty group for pods without an IP.
    const group = { ...podLabels(pod), [`${META}namespace`]: pod.metadata.namespace };
    const targets: Labels[] = [];
    for (const { c, init, id } of containersOf(pod)) {
      if (!c.ports || c.ports.length === 0) {
        targets.push({
          __address__: ip.includes(':') ? `[${ip}]` : ip,
          [`${META}pod_container_name`]: c.name,
          [`${META}pod_container_id`]: id,
          [`${META}pod_container_image`]: c.image,
          [`${META}pod_container_init`]: String(init),
        });
        continue;
      }
      for (const p of c.ports) targets.push({ __address__: joinHostPort(ip, p.containerPort), ...containerPortLabels(c, init, id, p) });
    }
    out.push(...flatten(group, targets));
  }
  return out;
}

export function discoverEndpointSlices(cluster: ClusterFixture, namespaces?: readonly string[]): TargetGroup[] {
  const out: TargetGroup[] = [];
  for (const eps of cluster.endpointSlices) {
    const ns = eps.metadata.namespace;
    if (!inNamespaces(ns, namespaces)) continue;
    let group: Labels = { [`${META}namespace`]: ns, [`${META}endpointslice_address_type`]: eps.addressType, ...objectMetaLabels(eps.metadata, 'endpointslice') };
    const serviceName = eps.metadata.labels?.['kubernetes.io/service-name'];
    const svc = serviceName === undefined ? undefined : cluster.services.find((s) => s.metadata.namespace === ns && s.metadata.name === serviceName);
    if (svc) group = { ...group, [`${META}namespace`]: ns, ...objectMetaLabels(svc.metadata, 'service') };

    const targets: Labels[] = [];
    const seenPods = new Map<string, { pod: Pod; ports: number[] }>();
    for (const ep of eps.endpoints) {
      for (const port of eps.ports) {
        for (const addr of ep.addresses) {
          const t: Labels = { __address__: port.port === undefined ? addr : joinHostPort(addr, port.port) };
          if (port.name !== undefined) t[`${META}endpointslice_port_name`] = port.name;
          if (port.protocol !== undefined) t[`${META}endpointslice_port_protocol`] = port.protocol;
          if (port.port !== undefined) t[`${META}endpointslice_port`] = String(port.port);
          if (port.appProtocol !== undefined) t[`${META}endpointslice_port_app_protocol`] = port.appProtocol;
          const cond = ep.conditions ?? {};
          if (cond.ready !== undefined) t[`${META}endpointslice_endpoint_conditions_ready`] = String(cond.ready);
          if (cond.serving !== undefined) t[`${META}endpointslice_endpoint_conditions_serving`] = String(cond.serving);
          if (cond.terminating !== undefined) t[`${META}endpointslice_endpoint_conditions_terminating`] = String(cond.terminating);
          if (ep.hostname !== undefined) t[`${META}endpointslice_endpoint_hostname`] = ep.hostname;
          if (ep.targetRef) {
            t[`${META}endpointslice_address_target_kind`] = ep.targetRef.kind;
            t[`${META}endpointslice_address_target_name`] = ep.targetRef.name;
          }
          if (ep.nodeName !== undefined) t[`${META}endpointslice_endpoint_node_name`] = ep.nodeName;
          if (ep.zone !== undefined) t[`${META}endpointslice_endpoint_zone`] = ep.zone;
          const ref = ep.targetRef;
          const pod = ref?.kind === 'Pod' ? cluster.pods.find((p) => p.metadata.namespace === (ref.namespace ?? ns) && p.metadata.name === ref.name) : undefined;
          if (!pod) {
            targets.push(t);
            continue;
          }
          const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
          const seen = seenPods.get(key) ?? { pod, ports: [] };
          seenPods.set(key, seen);
          Object.assign(t, podLabels(pod));
          if (port.port !== undefined) {
            outer: for (const { c, init, id } of containersOf(pod)) {
              for (const cp of c.ports ?? []) {
                if (cp.containerPort === port.port) {
                  Object.assign(t, containerPortLabels(c, init, id, cp));
                  break outer;
                }
              }
            }
            seen.ports.push(port.port);
          }
          targets.push(t);
        }
      }
    }
    // Container ports of the backing pods that no endpoint port covers.
    for (const { pod, ports } of seenPods.values()) {
      if (!pod.status.podIP) continue;
      for (const { c, init, id } of containersOf(pod)) {
        for (const cp of c.ports ?? []) {
          if (ports.includes(cp.containerPort)) continue;
          targets.push({ __address__: joinHostPort(pod.status.podIP, cp.containerPort), ...containerPortLabels(c, init, id, cp), ...podLabels(pod) });
        }
      }
    }
    out.push(...flatten(group, targets));
  }
  return out;
}

const NODE_ADDRESS_PRIORITY = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname'];

export function discoverNodes(cluster: ClusterFixture): TargetGroup[] {
  const out: TargetGroup[] = [];
  for (const node of cluster.nodes) {
    const group: Labels = { ...objectMetaLabels(node.metadata, 'node'), [`${META}node_provider_id`]: node.spec?.providerID ?? '' };
    const byType = new Map<string, string[]>();
    for (const a of node.status.addresses) byType.set(a.type, [...(byType.get(a.type) ?? []), a.address]);
    const type = NODE_ADDRESS_PRIORITY.find((t) => byType.has(t));
    if (!type) continue; // "No node address found": Prometheus skips the node.
    const t: Labels = { __address__: joinHostPort(byType.get(type)![0], node.status.daemonEndpoints.kubeletEndpoint.Port), instance: node.metadata.name };
    for (const [ty, addrs] of byType) t[`${META}node_address_${sanitize(ty)}`] = addrs[0];
    out.push(...flatten(group, [t]));
  }
  return out;
}

type Obj = Record<string, unknown>;

const SUPPORTED_SD_FIELDS = new Set(['role', 'namespaces']);

/** Target groups the given `kubernetes_sd_configs` entry would discover in the fixture cluster. */
export function discover(sd: Obj, cluster: ClusterFixture): TargetGroup[] {
  for (const key of Object.keys(sd)) {
    if (!SUPPORTED_SD_FIELDS.has(key)) throw new Error(`file-sd: kubernetes_sd_configs field "${key}" is not emulated; extend test/support/file-sd.ts before using it`);
  }
  const nsBlock = sd.namespaces as Obj | undefined;
  if (nsBlock && Object.keys(nsBlock).some((k) => k !== 'names')) throw new Error('file-sd: only namespaces.names is emulated');
  const names = nsBlock?.names as string[] | undefined;
  switch (sd.role) {
    case 'pod':
      return discoverPods(cluster, names);
    case 'endpointslice':
      return discoverEndpointSlices(cluster, names);
    case 'node':
      return discoverNodes(cluster);
    default:
      throw new Error(`file-sd: role "${String(sd.role)}" is not emulated`);
  }
}

export interface FileSdOptions {
  /** Directory the target-group JSON files are written to (absolute). */
  readonly dir: string;
  /**
   * Path prefixes to rewrite in every string of the config (ServiceAccount token, CA,
   * rule files): in-cluster path prefix -> local path prefix.
   */
  readonly rewritePaths?: Readonly<Record<string, string>>;
}

export interface FileSdResult {
  /** The config with every `kubernetes_sd_configs` replaced. */
  readonly config: Record<string, unknown>;
  /** Written files: absolute path -> content. */
  readonly files: Readonly<Record<string, string>>;
}

function rewriteStrings(value: unknown, rewrites: readonly [string, string][]): unknown {
  if (typeof value === 'string') {
    for (const [from, to] of rewrites) if (value.startsWith(from)) return to + value.slice(from.length);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteStrings(v, rewrites));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteStrings(v, rewrites)]));
  return value;
}

function replaceIn(holder: Obj, fileStem: string, cluster: ClusterFixture, dir: string, files: Record<string, string>): Obj {
  const sds = holder.kubernetes_sd_configs as Obj[] | undefined;
  if (!sds) return holder;
  const { kubernetes_sd_configs: _replaced, ...rest } = holder;
  const fileSd = [...((rest.file_sd_configs as Obj[] | undefined) ?? [])];
  sds.forEach((sd, i) => {
    const path = join(dir, `${fileStem}-${i}.json`);
    files[path] = `${JSON.stringify(discover(sd, cluster), null, 2)}\n`;
    fileSd.push({ files: [path] });
  });
  // Keep the key where kubernetes_sd_configs was, so the rest of the job reads the same.
  const out: Obj = {};
  for (const key of Object.keys(holder)) {
    if (key === 'kubernetes_sd_configs') out.file_sd_configs = fileSd;
    else if (key !== 'file_sd_configs') out[key] = rest[key];
  }
  return out;
}

/**
 * Replace every `kubernetes_sd_configs` block by `file_sd_configs` with the fixture's
 * target groups, and write the JSON files under `options.dir`.
 */
export function replaceKubernetesSd(config: Record<string, unknown>, cluster: ClusterFixture, options: FileSdOptions): FileSdResult {
  const files: Record<string, string> = {};
  const dir = join(options.dir, 'file-sd');
  const out: Obj = { ...config };
  if (Array.isArray(config.scrape_configs)) {
    out.scrape_configs = (config.scrape_configs as Obj[]).map((sc) => replaceIn(sc, `job-${String(sc.job_name)}`, cluster, dir, files));
  }
  const alerting = config.alerting as Obj | undefined;
  if (alerting && Array.isArray(alerting.alertmanagers)) {
    out.alerting = { ...alerting, alertmanagers: (alerting.alertmanagers as Obj[]).map((am, i) => replaceIn(am, `alertmanagers-${i}`, cluster, dir, files)) };
  }
  const rewritten = rewriteStrings(out, Object.entries(options.rewritePaths ?? {})) as Obj;
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return { config: rewritten, files };
}
