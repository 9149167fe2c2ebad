import type { FleetClusterConfig, FleetConfig } from './fleet';
import { production } from './production';
import type { StackConfig } from './types';

/**
 * The example fleet (dist/fleet/): an observer and two workload clusters, each with the
 * production stack's settings and its own bucket. Replace the addresses, host names and
 * buckets with yours; the README's "A fleet" section lists the Secrets each cluster needs.
 */

const { environment: _environment, cluster: _cluster, ...productionStack } = production;

/** The production stack of one cluster, with its own bucket. */
function stack(name: string): Omit<StackConfig, 'environment' | 'cluster'> {
  return {
    ...productionStack,
    labels: { 'example.com/team': 'sre', 'example.com/environment': 'production', 'example.com/cluster': name },
    thanos: {
      ...production.thanos,
      // Each cluster's own bucket: its sidecars write it with the credentials of its own
      // thanos-objstore Secret; the observer's store gateway and compactor of that cluster
      // read it with thanos-objstore-<name> in the observer.
      objectStorage: { backend: 's3', bucket: `example-fleet-${name}-metrics`, endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'thanos-objstore' } },
    },
  };
}

/**
 * The example's clusters are on EKS (its buckets are S3): the in-tree controller would build
 * a Classic ELB, which proxies TCP and hides the other clusters' addresses from the
 * NetworkPolicies. These annotations hand the Services to the AWS Load Balancer Controller
 * for an internet-facing NLB with instance targets, which keeps the client's address
 * (with `externalTrafficPolicy: Local`). On GCP, Azure or MetalLB, leave them out.
 */
const EKS_NLB = {
  annotations: {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'instance',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
  },
};

const observer: FleetClusterConfig = {
  name: 'observer',
  roles: ['observer'],
  stack: {
    ...stack('observer'),
    loki: { ...production.loki, objectStorage: { backend: 's3', bucket: 'example-fleet-logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'loki-objstore' } } },
  },
  addresses: { egressCidrs: ['198.51.100.0/28'], loadBalancerCidrs: ['203.0.113.0/28'] },
  endpoints: {
    alertmanagers: ['alertmanager-0.observer.example.com:9093', 'alertmanager-1.observer.example.com:9093', 'alertmanager-2.observer.example.com:9093'],
    loki: 'loki.observer.example.com:3100',
  },
  loadBalancer: EKS_NLB,
};

function workload(name: string, egress: string, loadBalancers: string): FleetClusterConfig {
  return {
    name,
    roles: ['workload'],
    stack: stack(name),
    addresses: { egressCidrs: [egress], loadBalancerCidrs: [loadBalancers] },
    endpoints: { storeApi: `thanos.${name}.example.com:10901` },
    loadBalancer: EKS_NLB,
  };
}

export const exampleFleet: FleetConfig = {
  name: 'fleet',
  clusters: [observer, workload('workload-a', '198.51.100.16/28', '203.0.113.16/28'), workload('workload-b', '198.51.100.32/28', '203.0.113.32/28')],
};
