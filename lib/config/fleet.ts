import type { StackConfig } from './types';

/**
 * A fleet: several Kubernetes clusters monitored from one place, declared once. Each
 * cluster synthesizes to its own folder (`dist/<fleet>/<cluster>/`); the observer's global
 * view (Thanos Query over every cluster, the store gateways and compactors of every
 * cluster's bucket, Grafana, the central Alertmanager, Loki) is wired from the same
 * declarations, so adding a cluster is one entry of `clusters`.
 *
 * How data crosses clusters (docs/fleet.md gives the reasons):
 * - recent metrics: the observer's Thanos Query reaches each workload cluster's StoreAPI
 *   gateway (a Thanos Query in that cluster fanning out to its Prometheus sidecars) over
 *   gRPC with TLS and client certificates; older metrics are read by the observer's store
 *   gateway of each cluster's bucket;
 * - alerts: every cluster's Prometheus sends to the observer's Alertmanager replicas over
 *   HTTPS with a client certificate; the `cluster` external label names the cluster;
 * - logs: every cluster's collector pushes to the observer's Loki over HTTPS with a client
 *   certificate, as the Loki tenant named after the cluster, with a `cluster` label on
 *   every stream.
 */

/**
 * What a cluster does in the fleet.
 * - `workload`: runs the workloads being monitored: the Prometheus HA pair with the Thanos
 *   sidecar uploading to the cluster's own bucket, kube-state-metrics, node-exporter, the log
 *   collector, the app exporter, and the StoreAPI gateway the observer queries.
 * - `observer`: holds the global view: Thanos Query across every cluster, a store gateway
 *   and a compactor per cluster bucket, Grafana, the central Alertmanager and Loki. It
 *   watches its own Kubernetes too (Prometheus HA pair with the sidecar, kube-state-metrics,
 *   node-exporter, the collector), but runs no app exporter.
 */
export type FleetRole = 'workload' | 'observer';

/**
 * The addresses other clusters see this cluster at, for the NetworkPolicies of both ends:
 * an ipBlock for each. Each must be a CIDR outside every cluster's pod network.
 */
export interface FleetClusterAddresses {
  /**
   * Where this cluster's outbound connections come from, as the other clusters see them:
   * the nodes' addresses, or the NAT gateway's when the nodes are behind one. The observer
   * admits these on its Alertmanager and Loki ports; a workload cluster admits the
   * observer's on its StoreAPI gateway.
   */
  readonly egressCidrs: readonly string[];
  /**
   * Where this cluster's load balancers are (the addresses the `*.fleet` LoadBalancer
   * Services get): the other clusters may connect there. Their Services keep the client's
   * address (`externalTrafficPolicy: Local`), or the policies on this side could not tell
   * the clusters apart.
   */
  readonly loadBalancerCidrs: readonly string[];
}

/**
 * The host names (and ports) under which this cluster's cross-cluster endpoints are
 * reached from the other clusters: names you point at the LoadBalancer Services the synth
 * writes (each carries them in an `external-dns.alpha.kubernetes.io/hostname` annotation)
 * and that the server certificate of the cluster holds.
 */
export interface FleetClusterEndpoints {
  /** Workload clusters: the StoreAPI gateway (gRPC), `host:port`, e.g. `thanos.workload-a.example.com:10901`. */
  readonly storeApi?: string;
  /**
   * The observer: one `host:port` per Alertmanager replica, in replica order (every
   * Prometheus must reach every replica; a load balancer in front of all of them would
   * deliver each alert to one replica only), e.g. `alertmanager-0.observer.example.com:9093`.
   */
  readonly alertmanagers?: readonly string[];
  /** The observer: Loki's push endpoint, `host:port`, e.g. `loki.observer.example.com:3100`. */
  readonly loki?: string;
}

/** One cluster of the fleet. */
export interface FleetClusterConfig {
  /**
   * The cluster's name: the value of its `cluster` label (external label of its Prometheus,
   * label of its log streams, its Loki tenant) and its folder `dist/<fleet>/<name>/`.
   * A DNS label of at most 37 characters (it also names the observer's StatefulSets of its bucket).
   */
  readonly name: string;
  /** One role or both. */
  readonly roles: readonly FleetRole[];
  /**
   * The stack of this cluster, as for a single environment; `environment` and `cluster` are
   * set to `name`. What the roles leave out is switched off whatever its `enabled` says
   * (e.g. Grafana, Loki and Alertmanager of a workload cluster); the observer's Thanos
   * sections configure its store gateways, compactors and global Query; each cluster's
   * `thanos.objectStorage` is its own bucket, which its sidecars write and the observer's
   * store gateway and compactor of that cluster read.
   */
  readonly stack: Omit<StackConfig, 'environment' | 'cluster'>;
  readonly addresses: FleetClusterAddresses;
  readonly endpoints: FleetClusterEndpoints;
  /**
   * The observer only: the Secret, in the observer's namespace, with the credentials of
   * this cluster's bucket (the same keys as `thanos.objectStorage.credentialsSecret`),
   * read by the observer's store gateway and compactor of this cluster.
   * @default `thanos-objstore-<name>` when this cluster's bucket has a `credentialsSecret`
   */
  readonly observerBucketSecret?: string;
  /**
   * The LoadBalancer Services of this cluster's cross-cluster endpoints (its StoreAPI
   * gateway; the observer's Alertmanager replicas and Loki).
   * @default no annotations: the cloud's default load balancer
   */
  readonly loadBalancer?: FleetLoadBalancerConfig;
}

/**
 * How this cluster's cross-cluster endpoints are exposed. The NetworkPolicies behind them
 * admit the other clusters by their `egressCidrs`, so the load balancer must pass the
 * client's address through to the pod: a layer-4 pass-through load balancer with
 * `externalTrafficPolicy: Local` (GCP's and Azure's defaults, MetalLB, an AWS NLB with
 * instance targets, or with IP targets and client IP preservation on). A proxying load
 * balancer (AWS's Classic ELB, the in-tree default on EKS) shows the pod its own address,
 * and every cross-cluster connection is refused; docs/fleet.md lists the annotations per
 * cloud.
 */
export interface FleetLoadBalancerConfig {
  /**
   * Annotations for the cloud's load-balancer controller, e.g. on EKS with the AWS Load
   * Balancer Controller: `{ 'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
   * 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'instance',
   * 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }`.
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The Secrets holding the TLS material of the cross-cluster connections. You create them
 * (README, "A fleet"; e.g. with cert-manager `Certificate`s, whose Secrets have exactly
 * these keys); nothing is generated into `dist/`. Each holds `tls.crt` (the certificate,
 * PEM), `tls.key` (its private key) and `ca.crt` (the CA that signed the other side's
 * certificates).
 */
export interface FleetTlsConfig {
  /**
   * The server certificate of a cluster's cross-cluster endpoints (a workload cluster's
   * StoreAPI gateway; the observer's Alertmanager and Loki), with the host names of
   * `endpoints` and the in-cluster Service names (docs/fleet.md lists them per cluster);
   * `ca.crt` verifies the clients. In the stack's namespace.
   * @default 'fleet-server-tls'
   */
  readonly serverSecret?: string;
  /**
   * The client certificate a cluster presents to the others' endpoints (and, on the
   * observer, to its own Alertmanager and Loki, which accept nothing else); `ca.crt`
   * verifies the servers. In the stack's namespace and, for the log collector, in the
   * node-agents namespace.
   * @default 'fleet-client-tls'
   */
  readonly clientSecret?: string;
}

/** A fleet of clusters (see the top of this file). */
export interface FleetConfig {
  /** The fleet's name: its output folder `dist/<name>/`. A DNS label, not an environment's name. */
  readonly name: string;
  /** The clusters: exactly one observer (which may also be a workload cluster), any number of workload clusters. */
  readonly clusters: readonly FleetClusterConfig[];
  /** The TLS Secrets. @default `{ serverSecret: 'fleet-server-tls', clientSecret: 'fleet-client-tls' }` */
  readonly tls?: FleetTlsConfig;
}

/** Secret key names of the TLS Secrets (those of a cert-manager Certificate's Secret). */
export const FLEET_TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

export const DEFAULT_FLEET_SERVER_SECRET = 'fleet-server-tls';
export const DEFAULT_FLEET_CLIENT_SECRET = 'fleet-client-tls';
