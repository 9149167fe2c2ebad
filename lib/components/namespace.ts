import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ComponentChart, StackContext } from '../k8s/component';
import { dnsEgress, networkPolicy } from '../k8s/network-policy';

/**
 * The environment's namespaces and the namespace-wide network defaults:
 * - `<namespace>`: every workload of the stack, Pod Security Standard "restricted" enforced.
 * - `<namespace>-node-agents`: the agents that must read the node (node-exporter, the log
 *   collector); "privileged" is enforced there because read-only hostPath mounts are not
 *   allowed by "baseline" either; "restricted" is still audited and warned about so any
 *   drift beyond the declared exceptions is visible.
 * Both namespaces deny all traffic by default; each component then allows exactly its flows.
 */
export class NamespaceChart extends ComponentChart {
  /** Namespace of the node-reading agents. */
  readonly agentsNamespace: string;

  constructor(scope: Construct, ctx: StackContext) {
    super(scope, ctx, 'namespace', 'namespace');
    this.agentsNamespace = agentsNamespace(ctx.config.namespace);

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: this.ns,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    new k8s.KubeNamespace(this, 'agents-namespace', {
      metadata: {
        name: this.agentsNamespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });

    for (const namespace of [this.ns, this.agentsNamespace]) {
      // Default deny, both directions, for every pod of the namespace.
      networkPolicy(this, { name: 'default-deny-all', namespace, podSelector: {}, ingress: [], egress: [] });
      // Every pod may resolve names through the cluster DNS (and a NodeLocal DNSCache).
      networkPolicy(this, { name: 'allow-dns-egress', namespace, podSelector: {}, egress: dnsEgress(ctx.config) });
    }
  }
}

/** The namespace of the node-reading agents for a stack namespace. */
export function agentsNamespace(namespace: string): string {
  return `${namespace}-node-agents`;
}
