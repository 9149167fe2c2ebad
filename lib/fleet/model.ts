import {
  DEFAULT_FLEET_CLIENT_SECRET,
  DEFAULT_FLEET_SERVER_SECRET,
  FleetClusterConfig,
  FleetConfig,
  FleetRole,
} from '../config/fleet';
import type { ObjectStorageConfig, StackConfig } from '../config/types';
import { ConfigProblem } from '../config/validate';
import { EXTERNAL_DNS_ANNOTATION } from './expose';

/**
 * The fleet declaration, validated and resolved: what each cluster runs, where the others
 * reach it, and the per-cluster stack configs the synth builds. Data flows one way: the
 * declaration (lib/config/fleet.ts) -> this model -> each cluster's MonitoringStack, which
 * reads its `FleetContext` and wires the cross-cluster flows from it.
 */

/** A `host:port` endpoint. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ResolvedFleetCluster {
  readonly name: string;
  readonly workload: boolean;
  readonly observer: boolean;
  /** The namespace of its stack. */
  readonly namespace: string;
  readonly egressCidrs: readonly string[];
  readonly loadBalancerCidrs: readonly string[];
  /** Its StoreAPI gateway, reached by the observer (workload clusters that are not the observer). */
  readonly storeApi?: HostPort;
  /** The observer: one per Alertmanager replica. */
  readonly alertmanagers: readonly HostPort[];
  /** The observer: Loki's push endpoint. */
  readonly loki?: HostPort;
  /** Its bucket (its sidecars write it; the observer's store gateway and compactor of it read it). */
  readonly objectStorage: ObjectStorageConfig;
  /** The Secret with this bucket's credentials in the observer's namespace (undefined: workload identity). */
  readonly observerBucketSecret?: string;
  /** Its Prometheus replicas (sidecars behind its gateway). */
  readonly prometheusReplicas: number;
  /** Annotations of its cross-cluster LoadBalancer Services (`loadBalancer.annotations`). */
  readonly loadBalancerAnnotations: Readonly<Record<string, string>>;
}

export interface ResolvedFleet {
  readonly name: string;
  readonly clusters: readonly ResolvedFleetCluster[];
  readonly observer: ResolvedFleetCluster;
  readonly tls: { readonly serverSecret: string; readonly clientSecret: string };
}

/** What one cluster's stack needs of the fleet: the whole model and which cluster it is. */
export interface FleetContext {
  readonly fleet: ResolvedFleet;
  readonly self: ResolvedFleetCluster;
}

/** The clusters the observer reaches through a StoreAPI gateway: workload clusters other than itself. */
export function remoteWorkloads(fleet: ResolvedFleet): ResolvedFleetCluster[] {
  return fleet.clusters.filter((c) => c.workload && !c.observer);
}

/** Whether a cluster sends its alerts and logs across to the observer (it is not the observer). */
export function isRemote(ctx: FleetContext): boolean {
  return !ctx.self.observer;
}

/** Thrown when a fleet declaration is invalid; lists every problem with its field path. */
export class FleetValidationError extends Error {
  constructor(readonly fleet: string, readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid fleet "${fleet}" (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'FleetValidationError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Kubernetes annotation key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
const ANNOTATION_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOST_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const ROLES: readonly FleetRole[] = ['workload', 'observer'];
/** `thanos-compact-<name>` is a StatefulSet of the observer: at most 52 characters. */
export const MAX_CLUSTER_NAME = 52 - 'thanos-compact-'.length;
const CLUSTER_FIELDS = ['name', 'roles', 'stack', 'addresses', 'endpoints', 'observerBucketSecret', 'loadBalancer'];
const FLEET_FIELDS = ['name', 'clusters', 'tls'];

function parseHostPort(value: unknown): HostPort | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([^:]+):(\d{1,5})$/.exec(value);
  if (!m || !HOST_NAME.test(m[1]) || /^\d+(\.\d+){3}$/.test(m[1])) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1].toLowerCase(), port } : undefined;
}

function bucketKey(o: ObjectStorageConfig): string {
  switch (o.backend) {
    case 's3':
      return `s3:${o.endpoint}/${o.bucket}`;
    case 'gcs':
      return `gcs:${o.bucket}`;
    case 'azure':
      return `azure:${o.storageAccount}/${o.container}`;
    default:
      return o.backend;
  }
}

/** Problems of a fleet declaration, each with its path (e.g. `clusters[1].endpoints.storeApi`). */
export function fleetProblems(fleet: FleetConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  for (const key of Object.keys(fleet)) if (!FLEET_FIELDS.includes(key)) add(key, `is not a field of a fleet; use ${FLEET_FIELDS.join(', ')}`);
  if (typeof fleet.name !== 'string' || !DNS_LABEL.test(fleet.name) || fleet.name.length > 63) add('name', `${JSON.stringify(fleet.name)} is not a DNS label; use lower-case letters, digits and '-', e.g. "fleet"`);
  if (fleet.tls !== undefined) {
    for (const key of Object.keys(fleet.tls)) if (!['serverSecret', 'clientSecret'].includes(key)) add(`tls.${key}`, 'is not a field; use serverSecret or clientSecret');
    for (const key of ['serverSecret', 'clientSecret'] as const) {
      const v = fleet.tls[key];
      if (v !== undefined && (typeof v !== 'string' || !DNS_SUBDOMAIN.test(v) || v.length > 253)) add(`tls.${key}`, `${JSON.stringify(v)} is not a Secret name; use lower-case letters, digits, '-' and '.'`);
    }
    if (fleet.tls.serverSecret !== undefined && fleet.tls.serverSecret === fleet.tls.clientSecret) add('tls.clientSecret', 'is the server Secret too; the client and server certificates are different certificates in two Secrets');
  }
  if (!Array.isArray(fleet.clusters) || fleet.clusters.length === 0) {
    add('clusters', 'list the clusters: one observer and the workload clusters');
    return problems;
  }
  const names = new Set<string>();
  const buckets = new Map<string, string>();
  const hosts = new Map<string, string>();
  const observers: string[] = [];
  fleet.clusters.forEach((c: FleetClusterConfig, i) => {
    const at = `clusters[${i}]`;
    for (const key of Object.keys(c)) if (!CLUSTER_FIELDS.includes(key)) add(`${at}.${key}`, `is not a field of a fleet cluster; use ${CLUSTER_FIELDS.join(', ')}`);
    if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name) || c.name.length > MAX_CLUSTER_NAME) {
      add(
        `${at}.name`,
        `${JSON.stringify(c.name)} is not allowed; use at most ${MAX_CLUSTER_NAME} lower-case letters, digits and '-': it names a folder, a label value, a Loki tenant and the observer's StatefulSet thanos-compact-<name>, whose pods Kubernetes cannot create when the StatefulSet's name is longer than 52 characters (their controller-revision-hash label would exceed 63)`,
      );
    } else if (names.has(c.name)) add(`${at}.name`, `"${c.name}" is used by two clusters; cluster names must be unique (they are the cluster label)`);
    names.add(c.name);
    const roles = Array.isArray(c.roles) ? c.roles : [];
    if (roles.length === 0 || roles.some((r) => !ROLES.includes(r)) || new Set(roles).size !== roles.length) {
      add(`${at}.roles`, `${JSON.stringify(c.roles)} is not allowed; use ["workload"], ["observer"] or ["workload", "observer"]`);
    }
    const workload = roles.includes('workload');
    const observer = roles.includes('observer');
    if (observer) observers.push(c.name);
    const stack = c.stack as Partial<StackConfig> | undefined;
    if (!stack || typeof stack !== 'object') {
      add(`${at}.stack`, 'is required: the stack config of this cluster (as for an environment, without environment and cluster)');
      return;
    }
    for (const key of ['environment', 'cluster'] as const) {
      if ((stack as Record<string, unknown>)[key] !== undefined) add(`${at}.stack.${key}`, `is set from the cluster's name ("${c.name}"); remove it`);
    }
    if (stack.prometheus?.enabled !== true) add(`${at}.stack.prometheus.enabled`, 'must be true in a fleet: every cluster runs its Prometheus HA pair');
    if (stack.thanos?.enabled !== true) add(`${at}.stack.thanos.enabled`, 'must be true in a fleet: the Thanos sidecar serves recent data and uploads to the cluster\'s bucket');
    const bucket = stack.thanos?.objectStorage;
    if (bucket?.backend === 'filesystem') {
      add(`${at}.stack.thanos.objectStorage`, 'is "filesystem", which only the pod writing it can read; a fleet\'s observer reads every cluster\'s bucket: use s3, gcs or azure');
    } else if (bucket) {
      const key = bucketKey(bucket);
      const other = buckets.get(key);
      if (other !== undefined) add(`${at}.stack.thanos.objectStorage`, `is the bucket of cluster "${other}" too; give each cluster its own bucket (one compactor per bucket, and a cluster's credentials write only its own)`);
      buckets.set(key, String(c.name));
    }
    if (stack.logCollector?.enabled && stack.logCollector.kind === 'fluentd') {
      add(`${at}.stack.logCollector.kind`, '"fluentd" ships to Elasticsearch; in a fleet every cluster\'s logs go to the observer\'s Loki: use "alloy" (or "promtail")');
    }
    if (observer) {
      for (const part of ['alertmanager', 'grafana', 'loki'] as const) {
        if (stack[part]?.enabled !== true) add(`${at}.stack.${part}.enabled`, `must be true on the observer (it holds the fleet's ${part === 'alertmanager' ? 'central Alertmanager' : part === 'grafana' ? 'Grafana' : 'logs'})`);
      }
    }
    if (c.loadBalancer !== undefined) {
      const lb = c.loadBalancer as unknown;
      if (!lb || typeof lb !== 'object' || Array.isArray(lb)) add(`${at}.loadBalancer`, 'is an object: { annotations: { "<key>": "<value>" } }');
      else {
        for (const key of Object.keys(lb)) if (key !== 'annotations') add(`${at}.loadBalancer.${key}`, 'is not a field; use annotations');
        const ann = (lb as { annotations?: unknown }).annotations;
        if (ann !== undefined && (!ann || typeof ann !== 'object' || Array.isArray(ann))) add(`${at}.loadBalancer.annotations`, 'is a map of annotation keys to string values');
        else if (ann) {
          for (const [k, v] of Object.entries(ann)) {
            if (!ANNOTATION_KEY.test(k)) add(`${at}.loadBalancer.annotations`, `${JSON.stringify(k)} is not an annotation key ([prefix/]name, e.g. "service.beta.kubernetes.io/aws-load-balancer-type")`);
            else if (typeof v !== 'string') add(`${at}.loadBalancer.annotations.${k}`, `is ${JSON.stringify(v)}; annotation values are strings (quote it)`);
            else if (k === EXTERNAL_DNS_ANNOTATION) add(`${at}.loadBalancer.annotations.${k}`, 'is set from the endpoint\'s host name (endpoints); remove it');
          }
        }
      }
    }
    if (c.observerBucketSecret !== undefined && (typeof c.observerBucketSecret !== 'string' || !DNS_SUBDOMAIN.test(c.observerBucketSecret))) {
      add(`${at}.observerBucketSecret`, `${JSON.stringify(c.observerBucketSecret)} is not a Secret name`);
    }

    // Addresses.
    const addr = c.addresses;
    if (!addr || typeof addr !== 'object') add(`${at}.addresses`, 'is required: { egressCidrs, loadBalancerCidrs }');
    else {
      for (const key of Object.keys(addr)) if (!['egressCidrs', 'loadBalancerCidrs'].includes(key)) add(`${at}.addresses.${key}`, 'is not a field; use egressCidrs or loadBalancerCidrs');
      for (const key of ['egressCidrs', 'loadBalancerCidrs'] as const) {
        const list = addr[key];
        if (!Array.isArray(list) || list.length === 0) {
          add(`${at}.addresses.${key}`, key === 'egressCidrs' ? 'list where this cluster\'s connections come from as the others see them (its nodes\' or NAT gateway\'s addresses), e.g. ["198.51.100.0/28"]' : 'list where this cluster\'s load balancers get their addresses, e.g. ["203.0.113.0/28"]');
          continue;
        }
        list.forEach((cidr, j) => {
          const m = typeof cidr === 'string' ? CIDR.exec(cidr) : null;
          if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) add(`${at}.addresses.${key}[${j}]`, `${JSON.stringify(cidr)} is not an IPv4 CIDR, e.g. "198.51.100.0/28"`);
          else if (Number(m[5]) === 0) add(`${at}.addresses.${key}[${j}]`, `"${cidr}" is every address: the policies would admit anyone on the fleet ports; give the cluster's own ranges`);
        });
      }
    }

    // Endpoints: exactly those the roles need.
    const ep = c.endpoints ?? {};
    for (const key of Object.keys(ep)) if (!['storeApi', 'alertmanagers', 'loki'].includes(key)) add(`${at}.endpoints.${key}`, 'is not a field; use storeApi, alertmanagers or loki');
    const claim = (path: string, hp: HostPort | undefined) => {
      if (!hp) return;
      const other = hosts.get(hp.host);
      if (other !== undefined && other !== path) add(path, `host "${hp.host}" is also ${other}; each endpoint needs its own name (its own load balancer)`);
      hosts.set(hp.host, path);
    };
    if (workload && !observer) {
      const hp = parseHostPort(ep.storeApi);
      if (!hp) add(`${at}.endpoints.storeApi`, `${JSON.stringify(ep.storeApi)} is not allowed: a workload cluster's StoreAPI gateway is reached by the observer at "host:port" (a DNS name of its load balancer), e.g. "thanos.${c.name}.example.com:10901"`);
      claim(`${at}.endpoints.storeApi`, hp);
    } else if (ep.storeApi !== undefined) {
      add(`${at}.endpoints.storeApi`, observer ? 'is not used: the observer queries its own sidecars in-cluster; remove it' : 'is not used');
    }
    if (observer) {
      const list = ep.alertmanagers;
      const replicas = stack.alertmanager?.replicas;
      if (!Array.isArray(list) || list.length === 0) add(`${at}.endpoints.alertmanagers`, 'list one "host:port" per Alertmanager replica (every Prometheus of the fleet sends to each), e.g. ["alertmanager-0.observer.example.com:9093"]');
      else {
        if (typeof replicas === 'number' && list.length !== replicas) add(`${at}.endpoints.alertmanagers`, `lists ${list.length} endpoints for ${replicas} Alertmanager replicas; list one per replica, in replica order`);
        list.forEach((e, j) => {
          const hp = parseHostPort(e);
          if (!hp) add(`${at}.endpoints.alertmanagers[${j}]`, `${JSON.stringify(e)} is not "host:port" of a DNS name, e.g. "alertmanager-${j}.${c.name}.example.com:9093"`);
          claim(`${at}.endpoints.alertmanagers[${j}]`, hp);
        });
      }
      const hp = parseHostPort(ep.loki);
      if (!hp) add(`${at}.endpoints.loki`, `${JSON.stringify(ep.loki)} is not allowed: the collectors of the fleet push to "host:port" of the observer's Loki, e.g. "loki.${c.name}.example.com:3100"`);
      claim(`${at}.endpoints.loki`, hp);
    } else {
      if (ep.alertmanagers !== undefined) add(`${at}.endpoints.alertmanagers`, 'is the observer\'s; remove it from a workload cluster');
      if (ep.loki !== undefined) add(`${at}.endpoints.loki`, 'is the observer\'s; remove it from a workload cluster');
    }
  });
  if (observers.length !== 1) add('clusters', `${observers.length === 0 ? 'no cluster has' : `${observers.length} clusters (${observers.join(', ')}) have`} the "observer" role; exactly one holds the global view`);
  return problems;
}

/** Validates and resolves a fleet; throws FleetValidationError listing every problem. */
export function resolveFleet(fleet: FleetConfig): ResolvedFleet {
  const problems = fleetProblems(fleet);
  if (problems.length > 0) throw new FleetValidationError(String(fleet.name), problems);
  const clusters: ResolvedFleetCluster[] = fleet.clusters.map((c) => {
    const o = c.stack.thanos.objectStorage;
    const credentials = 'credentialsSecret' in o && o.credentialsSecret !== undefined;
    return {
      name: c.name,
      workload: c.roles.includes('workload'),
      observer: c.roles.includes('observer'),
      namespace: c.stack.namespace,
      egressCidrs: [...c.addresses.egressCidrs],
      loadBalancerCidrs: [...c.addresses.loadBalancerCidrs],
      storeApi: c.endpoints.storeApi !== undefined ? parseHostPort(c.endpoints.storeApi) : undefined,
      alertmanagers: (c.endpoints.alertmanagers ?? []).map((e) => parseHostPort(e)!),
      loki: c.endpoints.loki !== undefined ? parseHostPort(c.endpoints.loki) : undefined,
      objectStorage: o,
      observerBucketSecret: c.observerBucketSecret ?? (credentials ? `thanos-objstore-${c.name}` : undefined),
      prometheusReplicas: c.stack.prometheus.replicas,
      loadBalancerAnnotations: { ...(c.loadBalancer?.annotations ?? {}) },
    };
  });
  return {
    name: fleet.name,
    clusters,
    observer: clusters.find((c) => c.observer)!,
    tls: { serverSecret: fleet.tls?.serverSecret ?? DEFAULT_FLEET_SERVER_SECRET, clientSecret: fleet.tls?.clientSecret ?? DEFAULT_FLEET_CLIENT_SECRET },
  };
}

/**
 * The stack config of one cluster of the fleet: its `stack` with `environment` and `cluster`
 * set to its name, and the components its roles leave out switched off.
 */
export function fleetStackConfig(fleet: FleetConfig, name: string): StackConfig {
  const c = fleet.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`fleet "${fleet.name}" has no cluster "${name}"`);
  const observer = c.roles.includes('observer');
  const workload = c.roles.includes('workload');
  const s = c.stack;
  return {
    ...s,
    environment: c.name,
    cluster: c.name,
    alertmanager: { ...s.alertmanager, enabled: observer },
    grafana: { ...s.grafana, enabled: observer },
    loki: { ...s.loki, enabled: observer },
    exporter: { ...s.exporter, enabled: workload && s.exporter.enabled },
  };
}
