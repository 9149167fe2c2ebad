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
  /** Empty list: any peer. */
  readonly peers: readonly Peer[];
  readonly ports: readonly PortSpec[];
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

function ports(list: readonly PortSpec[]): k8s.NetworkPolicyPort[] | undefined {
  if (list.length === 0) return undefined;
  return list.map((p) => ({
    protocol: p.protocol ?? 'TCP',
    port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
  }));
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
      ingress: spec.ingress?.map((r) => ({ from: r.peers.length ? r.peers.map(peer) : undefined, ports: ports(r.ports) })),
      egress: spec.egress?.map((r) => ({ to: r.peers.length ? r.peers.map(peer) : undefined, ports: ports(r.ports) })),
    },
  });
}

/** Egress to the Kubernetes API server (discovery, watches). */
export function apiServerEgress(config: StackConfig): FlowRule {
  return { peers: config.network.apiServerCidrs.map((cidr) => ({ cidr })), ports: [{ port: 443 }, { port: 6443 }] };
}

/** Egress to services outside the cluster (receivers, object storage, remote endpoints) on these ports. */
export function externalEgress(config: StackConfig, ports: readonly number[]): FlowRule {
  return { peers: config.network.externalEgressCidrs.map((cidr) => ({ cidr })), ports: [...new Set(ports)].map((port) => ({ port })) };
}
