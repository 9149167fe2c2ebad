import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { StackConfig } from '../config/types';

/** Who may connect: pods of this namespace, pods of another namespace, or a CIDR. */
export type Peer =
  | { readonly pods: Record<string, string> }
  | { readonly namespace: string; readonly pods?: Record<string, string> }
  /** Pods (optionally with these labels) in every namespace. */
  | { readonly allNamespaces: true; readonly pods?: Record<string, string> }
  | { readonly cidr: string; readonly except?: readonly string[] };

export interface PortSpec {
  readonly port: number | string;
  /** @default TCP */
  readonly protocol?: 'TCP' | 'UDP';
}

export interface FlowRule {
  /** Who: these peers, or `'any'` (every pod and address). An empty list allows nothing: the rule is left out. */
  readonly peers: readonly Peer[] | 'any';
  /** On which ports: these, or `'all'`. An empty list allows nothing: the rule is left out. */
  readonly ports: readonly PortSpec[] | 'all';
}

export interface NetworkPolicySpec {
  readonly name: string;
  readonly namespace: string;
  /** Pods the policy applies to (empty: every pod of the namespace). */
  readonly podSelector: Record<string, string>;
  /** Allowed inbound flows; undefined leaves ingress unrestricted by this policy. */
  readonly ingress?: readonly FlowRule[];
  /** Allowed outbound flows; undefined leaves egress unrestricted by this policy. */
  readonly egress?: readonly FlowRule[];
}

function peer(p: Peer): k8s.NetworkPolicyPeer {
  if ('cidr' in p) return { ipBlock: { cidr: p.cidr, except: p.except ? [...p.except] : undefined } };
  if ('allNamespaces' in p) return { namespaceSelector: {}, podSelector: p.pods ? { matchLabels: p.pods } : undefined };
  if ('namespace' in p) {
    return {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } },
      podSelector: p.pods ? { matchLabels: p.pods } : undefined,
    };
  }
  return { podSelector: { matchLabels: p.pods } };
}

function ports(list: readonly PortSpec[] | 'all'): k8s.NetworkPolicyPort[] | undefined {
  if (list === 'all') return undefined;
  return list.map((p) => ({
    protocol: p.protocol ?? 'TCP',
    port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
  }));
}

const key = (x: unknown) => JSON.stringify(x);
const portKey = (p: PortSpec) => key({ port: p.port, protocol: p.protocol ?? 'TCP' });

function unique<T>(list: readonly T[], keyOf: (x: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const x of list) if (!byKey.has(keyOf(x))) byKey.set(keyOf(x), x);
  return [...byKey.values()];
}

/** Whether rule `a` allows everything rule `b` allows. */
function covers(a: FlowRule, b: FlowRule): boolean {
  const peers = a.peers === 'any' || (b.peers !== 'any' && b.peers.every((p) => (a.peers as readonly Peer[]).some((q) => key(q) === key(p))));
  const portsOk = a.ports === 'all' || (b.ports !== 'all' && b.ports.every((p) => (a.ports as readonly PortSpec[]).some((q) => portKey(q) === portKey(p))));
  return peers && portsOk;
}

/**
 * The rules as written to the policy, so that every peer and every port of every rule
 * allows something nothing else in the policy does (a test removes each one and expects
 * the needed flows to break):
 * - rules that allow nothing (no peers or no ports) are left out;
 * - rules with `any` peer or `all` ports are merged by port set, and one that another
 *   covers is dropped (e.g. the sidecar's HTTPS to object storage when the API server rule
 *   allows port 443 to any address);
 * - the other rules are taken apart into (peer, port) pairs, pairs a broader rule already
 *   allows are dropped, and the rest regrouped: one rule per set of ports, listing the peers
 *   that have exactly that set. A peer that is both a client (9093) and a scraper (9093,
 *   8080) of Alertmanager thus appears once, on both ports.
 */
export function normalizeRules(rules: readonly FlowRule[]): FlowRule[] {
  const live = rules
    .map((r) => ({ peers: r.peers === 'any' ? ('any' as const) : unique(r.peers, key), ports: r.ports === 'all' ? ('all' as const) : unique(r.ports, portKey) }))
    .filter((r) => r.peers.length > 0 && r.ports.length > 0);

  const broadByPorts = new Map<string, FlowRule>();
  for (const r of live.filter((x) => x.peers === 'any' || x.ports === 'all')) {
    const portsKey = r.ports === 'all' ? 'all' : key(r.ports.map(portKey).sort());
    const seen = broadByPorts.get(portsKey);
    const merged = !seen ? r.peers : seen.peers === 'any' || r.peers === 'any' ? ('any' as const) : unique([...seen.peers, ...r.peers], key);
    broadByPorts.set(portsKey, { peers: merged, ports: seen?.ports ?? r.ports });
  }
  const broad = [...broadByPorts.values()];
  const kept: FlowRule[] = [];
  broad.forEach((r, i) => {
    if (!broad.some((o, j) => j !== i && covers(o, r) && (!covers(r, o) || j < i))) kept.push(r);
  });

  // (peer, port) pairs of the finite rules, in the order written, each once.
  const byPeer = new Map<string, { peer: Peer; ports: Map<string, PortSpec> }>();
  for (const r of live.filter((x) => x.peers !== 'any' && x.ports !== 'all')) {
    for (const p of r.peers as readonly Peer[]) {
      for (const port of r.ports as readonly PortSpec[]) {
        if (kept.some((b) => covers(b, { peers: [p], ports: [port] }))) continue;
        const entry = byPeer.get(key(p)) ?? { peer: p, ports: new Map<string, PortSpec>() };
        entry.ports.set(portKey(port), port);
        byPeer.set(key(p), entry);
      }
    }
  }
  const byPortSet = new Map<string, { peers: Peer[]; ports: PortSpec[] }>();
  for (const { peer: p, ports: portMap } of byPeer.values()) {
    if (portMap.size === 0) continue;
    const portsKey = key([...portMap.keys()].sort());
    const group = byPortSet.get(portsKey) ?? { peers: [], ports: [...portMap.values()] };
    group.peers.push(p);
    byPortSet.set(portsKey, group);
  }
  return [...kept, ...byPortSet.values()];
}

/**
 * A NetworkPolicy allowing exactly the listed flows for the selected pods. With the
 * namespace's default-deny policy in place, anything not listed is refused.
 */
export function networkPolicy(scope: Construct, spec: NetworkPolicySpec): k8s.KubeNetworkPolicy {
  const policyTypes: string[] = [];
  if (spec.ingress) policyTypes.push('Ingress');
  if (spec.egress) policyTypes.push('Egress');
  return new k8s.KubeNetworkPolicy(scope, `netpol-${spec.namespace}-${spec.name}`, {
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      podSelector: { matchLabels: spec.podSelector },
      policyTypes,
      ingress: spec.ingress && normalizeRules(spec.ingress).map((r) => ({ from: r.peers === 'any' ? undefined : r.peers.map(peer), ports: ports(r.ports) })),
      egress: spec.egress && normalizeRules(spec.egress).map((r) => ({ to: r.peers === 'any' ? undefined : r.peers.map(peer), ports: ports(r.ports) })),
    },
  });
}

/** The ports the API server listens on: 443 (managed control planes) or 6443 (kubeadm and most self-managed ones). */
export const API_SERVER_PORTS = [443, 6443] as const;

/**
 * Egress to the Kubernetes API server (discovery, watches): TCP 443 and 6443 to its
 * endpoint addresses when `network.apiServerEndpointCidrs` gives them, else to any
 * address. Not to the `kubernetes` Service's ClusterIP: the dataplane rewrites it to an
 * endpoint before the policy is checked. Not `ipBlock 0.0.0.0/0` for "any" either: Cilium
 * by default matches no ipBlock against the cluster's nodes, where a self-managed API
 * server runs.
 */
export function apiServerEgress(config: StackConfig): FlowRule {
  const cidrs = config.network.apiServerEndpointCidrs;
  return { peers: cidrs ? cidrs.map((cidr) => ({ cidr })) : 'any', ports: API_SERVER_PORTS.map((port) => ({ port })) };
}

/** Egress to services outside the cluster (receivers, object storage, remote endpoints) on these ports. */
export function externalEgress(config: StackConfig, ports: readonly number[]): FlowRule {
  return { peers: config.network.externalEgressCidrs.map((cidr) => ({ cidr })), ports: [...new Set(ports)].map((port) => ({ port })) };
}

/** A host and TCP port a component's config tells it to connect to. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

const SERVICE_HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;

/** The host and port of a URL (the scheme's port when it has none). */
export function urlEndpoint(url: string): Endpoint {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

/** The host and port of `host[:port]` (`defaultPort` when it has none). */
export function hostPortEndpoint(hostPort: string, defaultPort: number): Endpoint {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(hostPort)!;
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

/**
 * Egress to the endpoints a config names. An in-cluster Service name
 * (`name.namespace.svc[.cluster.local]`, e.g. a MinIO or Elasticsearch of the cluster)
 * gives the pods of that namespace on the port: an ipBlock matches no pod on most
 * dataplanes, and the Service's pods are not known by label (so the Service's port must be
 * the port its pods listen on). Any other host is outside: `network.externalEgressCidrs`.
 */
export function endpointEgress(config: StackConfig, endpoints: readonly Endpoint[]): FlowRule[] {
  const external = endpoints.filter((e) => !SERVICE_HOST.test(e.host)).map((e) => e.port);
  const byNamespace = new Map<string, number[]>();
  for (const e of endpoints) {
    const m = SERVICE_HOST.exec(e.host);
    if (m) byNamespace.set(m[2], [...(byNamespace.get(m[2]) ?? []), e.port]);
  }
  return [
    ...(external.length ? [externalEgress(config, external)] : []),
    ...[...byNamespace].map(([namespace, ports]) => ({ peers: [{ namespace }], ports: [...new Set(ports)].map((port) => ({ port })) })),
  ];
}

/**
 * Egress for name resolution: UDP and TCP 53 to the cluster DNS pods (`k8s-app=kube-dns`
 * in kube-system, CoreDNS's label in kubeadm, EKS, GKE and AKS) and, with
 * `network.nodeLocalDnsCache`, to the addresses the node-local cache listens on (it runs
 * in the node's network, which no pod selector matches).
 */
export function dnsEgress(config: StackConfig): FlowRule[] {
  const dns: PortSpec[] = [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ];
  const nodeLocal = config.network.nodeLocalDnsCache?.addresses ?? [];
  return [
    { peers: [{ namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } }], ports: dns },
    { peers: nodeLocal.map((address) => ({ cidr: `${address}/32` })), ports: dns },
  ];
}
