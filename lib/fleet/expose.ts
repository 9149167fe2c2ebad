import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';

/** external-dns reads a Service's DNS name from this annotation; each fleet load balancer carries its endpoint's host. */
export const EXTERNAL_DNS_ANNOTATION = 'external-dns.alpha.kubernetes.io/hostname';

export interface FleetLoadBalancerSpec {
  /** The Service's name (`<component>-fleet`, `alertmanager-fleet-<i>`). */
  readonly name: string;
  readonly namespace: string;
  /** The host name other clusters connect to (the server certificate holds it). */
  readonly host: string;
  /** The pods behind it. */
  readonly selector: Record<string, string>;
  readonly port: number;
  /** The pods' port, by name. */
  readonly targetPort: string;
  readonly portName: string;
  /** Who may connect, and how the cloud builds the load balancer. */
  readonly loadBalancer: FleetLoadBalancerOptions;
}

/** The other clusters' egress ranges and this cluster's load-balancer annotations. */
export interface FleetLoadBalancerOptions {
  /** The other clusters' `egressCidrs`: the load balancer's own allow-list (`loadBalancerSourceRanges`). */
  readonly sourceRanges: readonly string[];
  /** The cluster's `loadBalancer.annotations`. */
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * A LoadBalancer Service for one cross-cluster endpoint of a fleet. TLS passes through it
 * to the pods (a layer-4 load balancer; no certificate there). `externalTrafficPolicy:
 * Local` keeps the client's source address, which the pods' NetworkPolicy checks against
 * the other clusters' egress CIDRs (with `Cluster`, the node would rewrite it to its own).
 * `loadBalancerSourceRanges` repeats those CIDRs at the load balancer (or the nodes' firewall
 * rules, as the cloud implements it), so the ports are closed to the Internet even where
 * NetworkPolicies are not enforced.
 */
export function fleetLoadBalancer(scope: Construct, id: string, spec: FleetLoadBalancerSpec): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, annotations: { ...spec.loadBalancer.annotations, [EXTERNAL_DNS_ANNOTATION]: spec.host } },
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      loadBalancerSourceRanges: [...new Set(spec.loadBalancer.sourceRanges)].sort(),
      selector: spec.selector,
      ports: [{ name: spec.portName, port: spec.port, targetPort: k8s.IntOrString.fromString(spec.targetPort) }],
    },
  });
}
