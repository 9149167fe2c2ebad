import type { StackConfig } from '../../lib/config';
import type { K8sObject } from './synth';

/**
 * A simulated cluster for the NetworkPolicy checks: the pods the synthesized workloads
 * become (replicas, one DaemonSet pod per node), with IPs, plus a kubeadm-like world
 * around them that the stack talks to or is reached from:
 * - two worker nodes and a control-plane node, whose control-plane components are
 *   host-network static pods without declared ports, as kubeadm writes them;
 * - the `kubernetes` Service, its endpoints the API server's addresses (the configured
 *   endpoint CIDRs, or else one on the control-plane node on 6443 and one outside the
 *   cluster on 443, the shapes of self-managed and managed clusters);
 * - CoreDNS (`k8s-app=kube-dns` pods and the `kube-dns` Service in kube-system);
 * - peers the config names (the ingress controller, other Prometheus servers allowed to
 *   scrape), and two bystanders that nothing should admit (a pod of the stack's
 *   namespace that is not the stack's, and a pod of another namespace).
 * Nothing here reads the NetworkPolicies: they are what is checked.
 */

export interface SimNode {
  readonly name: string;
  readonly ip: string;
  readonly labels: Record<string, string>;
}

export interface SimPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly node: SimNode;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** The pod spec (containers, volumes, hostNetwork, ...). */
  readonly spec: any;
  readonly hostNetwork: boolean;
  /** `Kind/name` of the synthesized workload, or undefined for the world's pods. */
  readonly workload?: string;
  /** What a world pod stands for (e.g. `kube-dns`, `ingress-controller`). */
  readonly role?: string;
  /** StatefulSet pods: their DNS subdomain (the governing Service). */
  readonly subdomain?: string;
}

export interface SimServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface SimService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly selector?: Record<string, string>;
  readonly ports: readonly SimServicePort[];
  readonly headless: boolean;
  /** Endpoints of a Service without selector (the API server's). */
  readonly manualEndpoints?: readonly { readonly ip: string; readonly port: number; readonly portName: string }[];
}

/** Where a connection goes: a pod, or an address that is no pod's (node, API server, outside). */
export type Destination = { readonly pod: SimPod } | { readonly ip: string; readonly what: string };

export interface SimCluster {
  readonly config: StackConfig;
  readonly nodes: readonly SimNode[];
  readonly controlPlane: SimNode;
  readonly pods: readonly SimPod[];
  readonly services: readonly SimService[];
  readonly namespaces: readonly string[];
  /** The namespaces the stack creates (its pods', where default-deny applies). */
  readonly stackNamespaces: readonly string[];
  readonly configMaps: ReadonlyMap<string, Record<string, string>>;
  readonly serviceAccounts: ReadonlyMap<string, K8sObject>;
  /** Addresses of the API server (endpoints of `default/kubernetes`). */
  readonly apiServer: readonly { readonly ip: string; readonly port: number }[];
  /** One address in each of `network.externalEgressCidrs`, standing for the outside services. */
  readonly externalIps: readonly string[];
  /** The synthesized objects the cluster was built from (NetworkPolicies included). */
  readonly objects: readonly K8sObject[];
  /** Host names of other clusters' endpoints (a fleet's) and the address each resolves to. */
  readonly remoteHosts: ReadonlyMap<string, string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Whether an IPv4 address is in a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4ToInt(base) / size) * size;
  const n = ipv4ToInt(ip);
  return n >= start && n < start + size;
}

/**
 * One address standing for a CIDR: a public documentation address (203.0.113.10) when the
 * CIDR holds it, else the CIDR's first host address.
 */
export function addressIn(cidr: string): string {
  if (inCidr('203.0.113.10', cidr)) return '203.0.113.10';
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4ToInt(base) / size) * size;
  return intToIpv4(size > 2 ? start + 1 : start);
}

function podSpecOf(o: K8sObject): any {
  return o.spec.template.spec;
}

function isSelected(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface WorldOptions {
  /** Services of the cluster that a config names (e.g. an in-cluster MinIO), one pod each, the Service port = the pod's port. */
  readonly services?: readonly { readonly namespace: string; readonly name: string; readonly port: number }[];
  /** Host names of other clusters' endpoints (a fleet's), each resolved to an address of their load balancers. */
  readonly remoteHosts?: Readonly<Record<string, string>>;
}

/** The simulated cluster of one environment's synthesized objects. */
export function simulateCluster(config: StackConfig, objects: readonly K8sObject[], options: WorldOptions = {}): SimCluster {
  const workers: SimNode[] = [
    { name: 'worker-a', ip: '10.240.0.10', labels: { 'kubernetes.io/hostname': 'worker-a', 'kubernetes.io/os': 'linux' } },
    { name: 'worker-b', ip: '10.240.0.11', labels: { 'kubernetes.io/hostname': 'worker-b', 'kubernetes.io/os': 'linux' } },
  ];
  const controlPlane: SimNode = { name: 'control-plane', ip: '10.240.0.2', labels: { 'kubernetes.io/hostname': 'control-plane', 'node-role.kubernetes.io/control-plane': '' } };
  const nodes = [controlPlane, ...workers];

  const pods: SimPod[] = [];
  let nextIp = ipv4ToInt('10.244.0.10');
  const podIp = (hostNetwork: boolean, node: SimNode) => (hostNetwork ? node.ip : intToIpv4(nextIp++));

  const services: SimService[] = [];
  const configMaps = new Map<string, Record<string, string>>();
  const serviceAccounts = new Map<string, K8sObject>();
  const namespaces = new Set<string>();

  for (const o of objects) {
    if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
    if (o.kind === 'ConfigMap') configMaps.set(`${o.metadata.namespace}/${o.metadata.name}`, o.data ?? {});
    if (o.kind === 'ServiceAccount') serviceAccounts.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    if (o.kind === 'Service') {
      services.push({
        namespace: o.metadata.namespace!,
        name: o.metadata.name,
        labels: o.metadata.labels ?? {},
        annotations: o.metadata.annotations ?? {},
        selector: o.spec.selector,
        headless: o.spec.clusterIP === 'None',
        ports: (o.spec.ports ?? []).map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP' })),
      });
    }
    if (!WORKLOAD_KINDS.has(o.kind)) continue;
    const spec = podSpecOf(o);
    const meta = o.spec.template.metadata ?? {};
    const hostNetwork = spec.hostNetwork === true;
    const instances =
      o.kind === 'DaemonSet' ? workers.map((n) => ({ name: `${o.metadata.name}-${n.name}`, node: n })) : Array.from({ length: o.spec.replicas ?? 1 }, (_, i) => ({ name: `${o.metadata.name}-${i}`, node: workers[i % workers.length] }));
    for (const inst of instances) {
      pods.push({
        namespace: o.metadata.namespace!,
        name: inst.name,
        ip: podIp(hostNetwork, inst.node),
        node: inst.node,
        // The StatefulSet controller labels each pod with its name.
        labels: o.kind === 'StatefulSet' ? { ...(meta.labels ?? {}), 'statefulset.kubernetes.io/pod-name': inst.name } : (meta.labels ?? {}),
        annotations: meta.annotations ?? {},
        spec,
        hostNetwork,
        workload: `${o.kind}/${o.metadata.name}`,
        subdomain: o.kind === 'StatefulSet' ? o.spec.serviceName : undefined,
      });
    }
  }

  const worldPod = (namespace: string, name: string, labels: Record<string, string>, role: string, containers: any[], node: SimNode = workers[0], hostNetwork = false) => {
    namespaces.add(namespace);
    const pod: SimPod = { namespace, name, ip: podIp(hostNetwork, node), node, labels, annotations: {}, spec: { hostNetwork, containers }, hostNetwork, role };
    pods.push(pod);
    return pod;
  };

  // CoreDNS as kubeadm deploys it.
  for (const [i, node] of workers.entries()) {
    worldPod('kube-system', `coredns-${i}`, { 'k8s-app': 'kube-dns' }, 'kube-dns', [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
        ],
      },
    ], node);
  }
  services.push({
    namespace: 'kube-system',
    name: 'kube-dns',
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
    annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    selector: { 'k8s-app': 'kube-dns' },
    headless: false,
    ports: [
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
    ],
  });

  // kubeadm's control-plane static pods: host network, no declared ports.
  for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
    worldPod('kube-system', `${component}-control-plane`, { component, tier: 'control-plane' }, component, [{ name: component, image: `registry.k8s.io/${component}` }], controlPlane, true);
  }

  // The API server's addresses: the configured endpoint CIDRs, else a self-managed and a managed shape.
  const endpointCidrs = config.network.apiServerEndpointCidrs;
  const apiServer = endpointCidrs
    ? endpointCidrs.flatMap((cidr) => [443, 6443].map((port) => ({ ip: addressIn(cidr), port })))
    : [
        { ip: controlPlane.ip, port: 6443 },
        { ip: '192.0.2.10', port: 443 },
      ];
  namespaces.add('default');
  services.push({
    namespace: 'default',
    name: 'kubernetes',
    labels: { component: 'apiserver', provider: 'kubernetes' },
    annotations: {},
    headless: false,
    ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }],
    manualEndpoints: apiServer.map((a) => ({ ...a, portName: 'https' })),
  });

  // Peers the config names.
  const ic = config.network.ingressController;
  if (ic) worldPod(ic.namespace, 'ingress-controller', ic.podLabels ?? { app: 'ingress-controller' }, 'ingress-controller', [{ name: 'controller', image: 'ingress' }]);
  for (const [i, s] of (config.network.additionalScrapers ?? []).entries()) {
    worldPod(s.namespace, `other-prometheus-${i}`, s.podLabels ?? { app: 'other-prometheus' }, 'additional-scraper', [{ name: 'prometheus', image: 'prometheus' }]);
  }
  // Bystanders: a pod in each of the stack's namespaces that is not the stack's, and one elsewhere.
  const stackNamespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  for (const ns of stackNamespaces) worldPod(ns, 'bystander', { app: 'bystander' }, 'bystander', [{ name: 'app', image: 'app' }]);
  worldPod('elsewhere', 'bystander', { app: 'bystander' }, 'bystander', [{ name: 'app', image: 'app' }]);
  for (const s of options.services ?? []) {
    const labels = { app: s.name };
    worldPod(s.namespace, `${s.name}-0`, labels, 'service', [{ name: s.name, image: s.name, ports: [{ name: 'main', containerPort: s.port, protocol: 'TCP' }] }]);
    services.push({ namespace: s.namespace, name: s.name, labels, annotations: {}, selector: labels, headless: false, ports: [{ name: 'main', port: s.port, targetPort: s.port, protocol: 'TCP' }] });
  }

  return {
    config,
    nodes,
    controlPlane,
    pods,
    services,
    namespaces: [...namespaces].sort(),
    stackNamespaces,
    configMaps,
    serviceAccounts,
    apiServer,
    externalIps: config.network.externalEgressCidrs.map(addressIn),
    objects,
    remoteHosts: new Map(Object.entries(options.remoteHosts ?? {})),
  };
}

/** The stack's own pods (from its workloads). */
export function stackPods(cluster: SimCluster): SimPod[] {
  return cluster.pods.filter((p) => p.workload !== undefined);
}

export function podId(p: SimPod): string {
  return `${p.namespace}/${p.name}`;
}

/** Container ports of a pod: name, number, protocol, container. */
export function containerPorts(pod: SimPod): { container: any; name?: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[] {
  return (pod.spec.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => ({ container: c, name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** The pods behind a Service with a selector. */
export function endpointsOf(cluster: SimCluster, svc: SimService): SimPod[] {
  return cluster.pods.filter((p) => p.namespace === svc.namespace && isSelected(svc.selector, p.labels));
}

/** A Service port's target port number on a pod (named target ports resolve by the pod's container port names). */
export function targetPortOn(pod: SimPod, sp: SimServicePort): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  if (/^\d+$/.test(sp.targetPort)) return Number(sp.targetPort);
  return containerPorts(pod).find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.port;
}

export interface Resolved {
  readonly to: Destination;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

function podDestinations(pod: SimPod): Destination[] {
  // A host-network pod is reached at its node's address. Whether NetworkPolicies apply to
  // it at all is up to the network plugin, so both readings must hold: the node address
  // (what the sender's egress sees) and the pod (for plugins that do select it).
  return pod.hostNetwork ? [{ ip: pod.ip, what: `node ${pod.node.name}` }, { pod }] : [{ pod }];
}

/** Where a connection to a pod on a port goes (the protocols the pod declares for that port, else TCP). */
export function toPod(pod: SimPod, port: number, protocols?: readonly ('TCP' | 'UDP' | 'SCTP')[]): Resolved[] {
  const declared = [...new Set(containerPorts(pod).filter((c) => c.port === port).map((c) => c.protocol))];
  const protos = protocols ?? (declared.length ? declared : ['TCP' as const]);
  return podDestinations(pod).flatMap((to) => protos.map((protocol) => ({ to, port, protocol })));
}

/** Where a connection to a Service port goes: each endpoint on its target port. */
export function toServicePort(cluster: SimCluster, svc: SimService, sp: SimServicePort): Resolved[] {
  if (svc.manualEndpoints) return svc.manualEndpoints.map((e) => ({ to: { ip: e.ip, what: `${svc.namespace}/${svc.name} endpoint` }, port: e.port, protocol: sp.protocol }));
  return endpointsOf(cluster, svc).flatMap((pod) => {
    const port = targetPortOn(pod, sp);
    return port === undefined ? [] : podDestinations(pod).map((to) => ({ to, port, protocol: sp.protocol }));
  });
}

const SVC_HOST = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?$/;
const POD_HOST = /^([a-z0-9-]+)\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Where a client connecting to `host:port` ends up, as Kubernetes DNS and Services route
 * it: a Service name gives its endpoints on the target port (both protocols when the
 * Service declares both), a StatefulSet pod's name (`pod.service.namespace.svc`) that pod,
 * an IP the pod or node that has it. Any other name is outside the cluster: undefined.
 */
export function resolveAddress(cluster: SimCluster, host: string, port: number): Resolved[] | undefined {
  if (host === 'localhost' || host.startsWith('127.')) return [];
  const svcMatch = SVC_HOST.exec(host);
  if (svcMatch) {
    const svc = cluster.services.find((s) => s.name === svcMatch[1] && s.namespace === svcMatch[2]);
    if (!svc) throw new Error(`no Service ${svcMatch[2]}/${svcMatch[1]} for ${host}:${port}`);
    const ports = svc.ports.filter((p) => p.port === port);
    if (ports.length === 0) throw new Error(`Service ${svcMatch[2]}/${svcMatch[1]} has no port ${port}`);
    return ports.flatMap((sp) => toServicePort(cluster, svc, sp));
  }
  const podMatch = POD_HOST.exec(host);
  if (podMatch) {
    const pod = cluster.pods.find((p) => p.name === podMatch[1] && p.subdomain === podMatch[2] && p.namespace === podMatch[3]);
    if (!pod) throw new Error(`no pod ${podMatch[3]}/${podMatch[1]} behind Service ${podMatch[2]} for ${host}:${port}`);
    return toPod(pod, port);
  }
  const remote = cluster.remoteHosts.get(host);
  if (remote !== undefined) return [{ to: { ip: remote, what: `another cluster: ${host}` }, port, protocol: 'TCP' }];
  if (IPV4.test(host)) {
    const pod = cluster.pods.find((p) => p.ip === host && !p.hostNetwork);
    if (pod) return toPod(pod, port);
    const node = cluster.nodes.find((n) => n.ip === host);
    const hostPods = cluster.pods.filter((p) => p.hostNetwork && p.ip === host && containerPorts(p).some((c) => c.port === port));
    return [{ to: { ip: host, what: node ? `node ${node.name}` : 'outside' }, port, protocol: 'TCP' as const }, ...hostPods.map((pod) => ({ to: { pod }, port, protocol: 'TCP' as const }))];
  }
  return undefined;
}

/** A Service's port by name. */
export function serviceByName(cluster: SimCluster, namespace: string, name: string): SimService | undefined {
  return cluster.services.find((s) => s.namespace === namespace && s.name === name);
}

/**
 * The text of a file a container reads: the volume mounted at (a parent of) the path, when
 * it is a ConfigMap or a projection of ConfigMaps. Undefined for Secrets, emptyDirs and
 * unknown paths.
 */
export function fileIn(cluster: SimCluster, pod: SimPod, container: any, path: string): string | undefined {
  const mounts = (container.volumeMounts ?? []).filter((m: any) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  mounts.sort((a: any, b: any) => b.mountPath.length - a.mountPath.length);
  for (const m of mounts) {
    const rel = path.slice(m.mountPath.replace(/\/$/, '').length + 1);
    const volume = (pod.spec.volumes ?? []).find((v: any) => v.name === m.name);
    const key = m.subPath ? m.subPath : rel;
    const sources = volume?.configMap ? [volume.configMap] : (volume?.projected?.sources ?? []).map((s: any) => s.configMap).filter(Boolean);
    for (const src of sources) {
      const data = cluster.configMaps.get(`${pod.namespace}/${src.name}`);
      const item = (src.items ?? []).find((i: any) => i.path === key);
      const text = data?.[item ? item.key : key];
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

/** Every ConfigMap text mounted into a container (for finding the addresses it connects to). */
export function mountedTexts(cluster: SimCluster, pod: SimPod, container: any): string[] {
  const out: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v: any) => v.name === m.name);
    const sources = volume?.configMap ? [volume.configMap] : (volume?.projected?.sources ?? []).map((s: any) => s.configMap).filter(Boolean);
    for (const src of sources) out.push(...Object.values(cluster.configMaps.get(`${pod.namespace}/${src.name}`) ?? {}));
  }
  return out;
}

/** Whether the pod has a ServiceAccount token, i.e. talks to the API server. */
export function hasApiToken(cluster: SimCluster, pod: SimPod): boolean {
  if (pod.spec.automountServiceAccountToken !== undefined) return pod.spec.automountServiceAccountToken === true;
  const sa = cluster.serviceAccounts.get(`${pod.namespace}/${pod.spec.serviceAccountName ?? 'default'}`);
  if (sa && sa.automountServiceAccountToken !== undefined) return sa.automountServiceAccountToken === true;
  return pod.workload !== undefined;
}
