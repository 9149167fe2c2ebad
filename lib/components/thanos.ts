import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { OBJECT_STORAGE_SECRET_KEYS, ObjectStorageConfig, Resources, StackConfig } from '../config/types';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { endpointEgress, FlowRule, hostPortEndpoint, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { container, httpProbe, volumeClaimTemplate } from '../k8s/workload';
import { thanosAlerts, ThanosAlertOptions } from '../observability/alerts/metrics-pipeline';
import type { RuleGroup } from '../observability/rule-group';
import { clientTlsFiles, tlsFiles, tlsMount, tlsVolume } from '../fleet/tls';
import { FleetLoadBalancerOptions, fleetLoadBalancer } from '../fleet/expose';
import { toYaml } from '../render/yaml';
import { ScrapeTarget } from '../observability/scrape-target';
import { ObjstoreCredentials, ObjstoreInput, renderObjstore, RenderedObjstore } from '../render/objstore';
import type { PrometheusSidecar } from './prometheus';

export const THANOS_GRPC_PORT = 10901;
export const THANOS_HTTP_PORT = 10902;
const OBJSTORE_DIR = '/etc/thanos/objstore';
export const OBJSTORE_CONFIGMAP = 'thanos-objstore';

/** Keys of the object-storage credentials Secret (README: "Secrets"). */
export const OBJSTORE_SECRET_KEYS = OBJECT_STORAGE_SECRET_KEYS;

/**
 * The typed objstore input of a config: a named Secret gives static credentials, no
 * Secret means workload identity (IRSA, GKE Workload Identity, Azure managed identity).
 */
export function objstoreInput(o: ObjectStorageConfig): ObjstoreInput {
  switch (o.backend) {
    case 's3':
      return {
        backend: 's3',
        bucket: o.bucket,
        endpoint: o.endpoint,
        region: o.region,
        credentials: o.credentialsSecret
          ? { kind: 'secret', accessKeyId: { name: o.credentialsSecret.name, key: OBJSTORE_SECRET_KEYS.s3AccessKeyId }, secretAccessKey: { name: o.credentialsSecret.name, key: OBJSTORE_SECRET_KEYS.s3SecretAccessKey } }
          : { kind: 'workload-identity' },
      };
    case 'gcs':
      return { backend: 'gcs', bucket: o.bucket, credentials: o.credentialsSecret ? { kind: 'secret', serviceAccountKey: { name: o.credentialsSecret.name, key: OBJSTORE_SECRET_KEYS.gcsServiceAccount } } : { kind: 'workload-identity' } };
    case 'azure':
      return {
        backend: 'azure',
        storageAccount: o.storageAccount,
        container: o.container,
        credentials: o.credentialsSecret ? { kind: 'secret', accountKey: { name: o.credentialsSecret.name, key: OBJSTORE_SECRET_KEYS.azureAccountKey } } : { kind: 'managed-identity' },
      };
    case 'filesystem':
      // Testing only: each pod gets its own emptyDir, so sidecar uploads are not seen by the
      // store gateway. Staging uses it to run without a bucket; production must not.
      return { backend: 'filesystem', testingOnly: true };
  }
}

/** What a Thanos container needs to reach the bucket: the config file, env vars and Secret volumes. */
export interface ObjstoreWiring {
  readonly args: string[];
  readonly env: k8s.EnvVar[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly volumes: k8s.Volume[];
}

export function objstoreWiring(rendered: RenderedObjstore, filesystemDir?: string, configMap: string = OBJSTORE_CONFIGMAP): ObjstoreWiring {
  const c: ObjstoreCredentials = rendered.credentials;
  const env: k8s.EnvVar[] = c.env.map((e) => ('value' in e ? { name: e.name, value: e.value } : { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } }));
  const volumes: k8s.Volume[] = [{ name: 'objstore', configMap: { name: configMap } }, ...c.secretVolumes.map((v) => ({ name: v.volumeName, secret: { secretName: v.secretName, items: v.items.map((i) => ({ key: i.key, path: i.path })) } }))];
  const volumeMounts: k8s.VolumeMount[] = [{ name: 'objstore', mountPath: OBJSTORE_DIR, readOnly: true }, ...c.secretVolumes.map((v) => ({ name: v.volumeName, mountPath: v.mountPath, readOnly: true }))];
  if (rendered.config.type === 'FILESYSTEM' && filesystemDir) {
    volumes.push({ name: 'objstore-fs', emptyDir: {} });
    volumeMounts.push({ name: 'objstore-fs', mountPath: filesystemDir });
  }
  return { args: [`--objstore.config-file=${OBJSTORE_DIR}/objstore.yml`], env, volumeMounts, volumes };
}

function filesystemDirOf(rendered: RenderedObjstore): string | undefined {
  return rendered.config.type === 'FILESYSTEM' ? String((rendered.config.config as { directory: string }).directory) : undefined;
}

/** Egress of the Thanos components to the bucket: the S3 endpoint's port (443 by default), HTTPS for GCS and Azure. */
function objectStorageEgress(config: StackConfig, o: ObjectStorageConfig = config.thanos.objectStorage): FlowRule[] {
  switch (o.backend) {
    case 'filesystem':
      return [];
    case 's3':
      return endpointEgress(config, [hostPortEndpoint(o.endpoint, 443)]);
    default:
      return endpointEgress(config, [{ host: o.backend, port: 443 }]);
  }
}

/**
 * The Thanos sidecar in every Prometheus pod: uploads 2h blocks and serves the StoreAPI to
 * `storeApiClients` (Thanos Query).
 */
export function thanosSidecar(config: StackConfig, props: { readonly storeApiClients: readonly Peer[]; readonly ownsObjstoreConfigMap?: boolean }): PrometheusSidecar {
  const rendered = renderObjstore(objstoreInput(config.thanos.objectStorage));
  const wiring = objstoreWiring(rendered, filesystemDirOf(rendered));
  return {
    container: container({
      name: 'thanos-sidecar',
      image: IMAGES.thanos,
      args: ['sidecar', '--tsdb.path=/prometheus', '--prometheus.url=http://127.0.0.1:9090', `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`, `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`, ...wiring.args],
      env: wiring.env,
      ports: [
        { name: 'grpc', containerPort: THANOS_GRPC_PORT },
        { name: 'thanos-http', containerPort: THANOS_HTTP_PORT },
      ],
      resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      readinessProbe: httpProbe({ path: '/-/ready', port: 'thanos-http' }),
      livenessProbe: httpProbe({ path: '/-/healthy', port: 'thanos-http', periodSeconds: 30 }),
      volumeMounts: [{ name: 'data', mountPath: '/prometheus' }, ...wiring.volumeMounts],
    }),
    volumes: wiring.volumes,
    // Prometheus cuts 2h blocks and never compacts them itself: the compactor does, in the bucket.
    prometheusArgs: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'],
    scrapeJob: { job: 'thanos-sidecar', portName: 'thanos-http' },
    servicePorts: [{ name: 'grpc', port: THANOS_GRPC_PORT, clients: props.storeApiClients }],
    egress: objectStorageEgress(config),
    // No store gateway in this cluster (a fleet's workload cluster): the bucket config is the sidecar's.
    configMaps: props.ownsObjstoreConfigMap ? [{ name: OBJSTORE_CONFIGMAP, data: { 'objstore.yml': rendered.yaml } }] : [],
  };
}

interface ThanosPartProps {
  readonly name: string;
  readonly component: string;
  /** The bucket. @default the config's `thanos.objectStorage` */
  readonly objectStorage?: ObjectStorageConfig;
  /** The ConfigMap holding its objstore.yml. @default OBJSTORE_CONFIGMAP */
  readonly objstoreConfigMap?: string;
}

/** The bucket a store gateway or compactor reads: the stack's own, or another cluster's (a fleet's observer). */
export interface ThanosBucket {
  /** Names the component, `thanos-store-<suffix>` (none: `thanos-store`). */
  readonly suffix?: string;
  readonly objectStorage: ObjectStorageConfig;
  /** The `cluster` whose blocks it holds (alerts about it carry that label). @default the stack's */
  readonly cluster?: string;
}

/** The ConfigMap of a bucket's objstore.yml. */
export function objstoreConfigMapName(bucket?: ThanosBucket): string {
  return bucket?.suffix ? `${OBJSTORE_CONFIGMAP}-${bucket.suffix}` : OBJSTORE_CONFIGMAP;
}

/** Shared shape of the three Thanos components. */
abstract class ThanosPart extends ComponentChart {
  readonly rendered: RenderedObjstore;
  readonly objectStorage: ObjectStorageConfig;
  readonly objstoreConfigMap: string;
  constructor(scope: Construct, ctx: StackContext, part: ThanosPartProps) {
    super(scope, ctx, part.name, part.component);
    this.objectStorage = part.objectStorage ?? ctx.config.thanos.objectStorage;
    this.objstoreConfigMap = part.objstoreConfigMap ?? OBJSTORE_CONFIGMAP;
    this.rendered = renderObjstore(objstoreInput(this.objectStorage));
  }

  /**
   * A Thanos container. `grpc`: whether the subcommand serves the StoreAPI (query, store,
   * sidecar). `thanos compact` registers no `--grpc-*` flag at all: given one, it exits
   * ("unknown long flag"), so the compactor gets only its HTTP flags.
   */
  protected thanosContainer(args: string[], resources: Resources, mounts: k8s.VolumeMount[], objstore: boolean, grpc = true): k8s.Container {
    const wiring = objstore ? objstoreWiring(this.rendered, filesystemDirOf(this.rendered), this.objstoreConfigMap) : undefined;
    return container({
      name: this.componentName,
      image: IMAGES.thanos,
      args: [...args, ...(grpc ? [`--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`] : []), `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`, ...(wiring?.args ?? [])],
      env: wiring?.env,
      ports: [...(grpc ? [{ name: 'grpc', containerPort: THANOS_GRPC_PORT }] : []), { name: 'http', containerPort: THANOS_HTTP_PORT }],
      resources,
      readinessProbe: httpProbe({ path: '/-/ready', port: 'http' }),
      livenessProbe: httpProbe({ path: '/-/healthy', port: 'http', periodSeconds: 30 }),
      volumeMounts: [...mounts, ...(wiring?.volumeMounts ?? [])],
    });
  }

  protected objstoreVolumes(): k8s.Volume[] {
    return objstoreWiring(this.rendered, filesystemDirOf(this.rendered), this.objstoreConfigMap).volumes;
  }


  protected services(headless: boolean, grpc = true): ServiceRef {
    new k8s.KubeService(this, 'service', {
      metadata: this.meta(headless ? `${this.componentName}-headless` : this.componentName),
      spec: {
        clusterIp: headless ? 'None' : undefined,
        selector: this.selector,
        ports: [
          ...(grpc ? [{ name: 'grpc', port: THANOS_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc') }] : []),
          { name: 'http', port: THANOS_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http') },
        ],
      },
    });
    return new ServiceRef(headless ? `${this.componentName}-headless` : this.componentName, this.ns, THANOS_GRPC_PORT, 'grpc', this.selector);
  }

  protected objectStorageEgress(): FlowRule[] {
    return objectStorageEgress(this.config, this.objectStorage);
  }
}

/** Store gateway: serves the blocks in the bucket through the StoreAPI; owns the objstore ConfigMap. */
export class ThanosStoreChart extends ThanosPart {
  readonly grpc: ServiceRef;
  constructor(scope: Construct, ctx: StackContext, props: { readonly queriers: readonly Peer[]; readonly scrapers: readonly Peer[]; readonly bucket?: ThanosBucket }) {
    super(scope, ctx, {
      name: props.bucket?.suffix ? `thanos-store-${props.bucket.suffix}` : 'thanos-store',
      component: 'long-term-storage',
      objectStorage: props.bucket?.objectStorage,
      objstoreConfigMap: objstoreConfigMapName(props.bucket),
    });
    const cfg = ctx.config.thanos.storeGateway;
    new k8s.KubeConfigMap(this, 'objstore', { metadata: this.meta(this.objstoreConfigMap), data: { 'objstore.yml': this.rendered.yaml } });
    const annotations = this.addScrapeTarget(new ScrapeTarget({ name: this.componentName, port: THANOS_HTTP_PORT, portName: 'http' }));
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.meta(this.componentName),
      spec: {
        serviceName: `${this.componentName}-headless`,
        replicas: cfg.replicas,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          containers: [this.thanosContainer(['store', '--data-dir=/var/thanos/store'], cfg.resources, [{ name: 'data', mountPath: '/var/thanos/store' }], true)],
          volumes: this.objstoreVolumes(),
        }),
        volumeClaimTemplates: [volumeClaimTemplate('data', cfg.storage)],
      },
    });
    this.grpc = this.services(true);
    disruptionBudget(this, this.componentName, this.ns, this.selector, cfg.replicas);
    networkPolicy(this, {
      name: this.componentName,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [
        { peers: props.queriers, ports: [{ port: THANOS_GRPC_PORT }] },
        this.scrapeIngress(props.scrapers),
      ],
      egress: this.objectStorageEgress(),
    });
  }
}

/** Compactor: exactly one; compacts, downsamples (5m, 1h) and applies retention in the bucket. */
export class ThanosCompactChart extends ThanosPart {
  constructor(scope: Construct, ctx: StackContext, props: { readonly scrapers: readonly Peer[]; readonly bucket?: ThanosBucket }) {
    super(scope, ctx, {
      name: props.bucket?.suffix ? `thanos-compact-${props.bucket.suffix}` : 'thanos-compact',
      component: 'long-term-storage',
      objectStorage: props.bucket?.objectStorage,
      objstoreConfigMap: objstoreConfigMapName(props.bucket),
    });
    const cfg = ctx.config.thanos.compactor;
    const annotations = this.addScrapeTarget(new ScrapeTarget({ name: this.componentName, port: THANOS_HTTP_PORT, portName: 'http' }));
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.meta(this.componentName),
      spec: {
        serviceName: `${this.componentName}-headless`,
        // Never more than one: two compactors on one bucket corrupt it.
        replicas: 1,
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: 1,
          containers: [
            this.thanosContainer(
              [
                'compact',
                '--wait',
                '--data-dir=/var/thanos/compact',
                `--retention.resolution-raw=${cfg.retentionRaw}`,
                `--retention.resolution-5m=${cfg.retention5m}`,
                `--retention.resolution-1h=${cfg.retention1h}`,
              ],
              cfg.resources,
              [{ name: 'data', mountPath: '/var/thanos/compact' }],
              true,
              false,
            ),
          ],
          volumes: this.objstoreVolumes(),
        }),
        volumeClaimTemplates: [volumeClaimTemplate('data', cfg.storage)],
      },
    });
    this.services(true, false);
    networkPolicy(this, {
      name: this.componentName,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [this.scrapeIngress(props.scrapers)],
      egress: this.objectStorageEgress(),
    });
  }
}

/** Another cluster's StoreAPI gateway, queried over gRPC with the client certificate (a fleet's observer). */
export interface RemoteStoreApi {
  /** The cluster it serves. */
  readonly cluster: string;
  readonly host: string;
  readonly port: number;
  /** Where its load balancer is (egress). */
  readonly cidrs: readonly string[];
}

export interface ThanosQueryProps {
  readonly replicaLabel: string;
  readonly sidecars: ServiceRef;
  /** Store gateways (one per bucket). */
  readonly stores: readonly ServiceRef[];
  readonly clients: readonly Peer[];
  readonly scrapers: readonly Peer[];
  readonly storeApiPods: readonly Peer[];
  /** StoreAPI endpoints Query should see (sidecars + store gateways + remote): losing one alerts. */
  readonly expectedEndpoints: number;
  /** Other clusters' StoreAPI gateways, over TLS with the client certificate of `clientSecret`. @default none */
  readonly remoteStores?: { readonly clientSecret: string; readonly endpoints: readonly RemoteStoreApi[] };
  /**
   * This Query is its cluster's StoreAPI gateway for a fleet's observer: its gRPC port
   * serves TLS with `serverSecret` and accepts only clients with a certificate its `ca.crt`
   * signed; a LoadBalancer Service named `thanos-query-fleet` exposes it as `endpoint`, to
   * `remoteClients` only. @default none (plain gRPC, in-cluster)
   */
  readonly gateway?: { readonly serverSecret: string; readonly remoteClients: readonly Peer[]; readonly endpoint: { readonly host: string; readonly port: number }; readonly loadBalancer: FleetLoadBalancerOptions };
  /** Extra rule groups evaluated over this Query's metrics (a fleet's cluster-lost alerts). @default none */
  readonly ruleGroups?: readonly RuleGroup[];
  /** Options of the Thanos alerts (which store gateways and compactors there are). */
  readonly alerts?: Omit<ThanosAlertOptions, 'runbookBaseUrl' | 'thanosQueryExpectedEndpoints'>;
}

/** Where the endpoint config of remote StoreAPIs is mounted. */
const ENDPOINTS_DIR = '/etc/thanos/endpoints';
export const QUERY_ENDPOINTS_CONFIGMAP = 'thanos-query-endpoints';

/**
 * The `--endpoint.sd-config-file` of remote StoreAPI gateways (Thanos v0.42: `endpoints[]`
 * with `address` and a per-endpoint `client_config`; cmd/thanos/endpointset.go). Each
 * remote endpoint gets its own TLS client config, so the in-cluster sidecars and store
 * gateways (`--endpoint` flags) stay plain gRPC: the global `--grpc-client-tls-*` flags
 * would apply TLS to every endpoint.
 */
export function remoteEndpointsConfig(endpoints: readonly RemoteStoreApi[]): Record<string, unknown> {
  const tls = clientTlsFiles();
  return {
    endpoints: endpoints.map((e) => ({
      address: `${e.host}:${e.port}`,
      client_config: {
        server_name: e.host,
        tls_config: { enabled: true, cert_file: tls.certFile, key_file: tls.keyFile, ca_file: tls.caFile },
      },
    })),
  };
}

/** Query: the global PromQL endpoint; deduplicates the Prometheus HA pair by the replica label. */
export class ThanosQueryChart extends ThanosPart {
  readonly http: ServiceRef;
  /** The endpoint config file's text (remote StoreAPIs), when there are any. */
  readonly endpointsConfig?: string;
  constructor(scope: Construct, ctx: StackContext, props: ThanosQueryProps) {
    super(scope, ctx, { name: 'thanos-query', component: 'query' });
    const cfg = ctx.config.thanos.query;
    const annotations = this.addScrapeTarget(new ScrapeTarget({ name: this.componentName, port: THANOS_HTTP_PORT, portName: 'http' }));
    this.addRuleGroups([
      thanosAlerts({ ...props.alerts, runbookBaseUrl: ctx.config.runbookBaseUrl, thanosQueryExpectedEndpoints: props.expectedEndpoints }),
      ...(props.ruleGroups ?? []),
    ]);
    const remote = props.remoteStores?.endpoints ?? [];
    const endpoints = [`--endpoint=dnssrv+${props.sidecars.srv}`, ...props.stores.map((s) => `--endpoint=dnssrv+${s.srv}`), ...cfg.extraEndpoints.map((e) => `--endpoint=${e}`)];
    const args = ['query', `--query.replica-label=${props.replicaLabel}`, '--query.auto-downsampling', ...endpoints];
    const mounts: k8s.VolumeMount[] = [];
    const volumes: k8s.Volume[] = [];
    if (remote.length > 0) {
      this.endpointsConfig = toYaml(remoteEndpointsConfig(remote));
      new k8s.KubeConfigMap(this, 'endpoints', { metadata: this.meta(QUERY_ENDPOINTS_CONFIGMAP), data: { 'endpoints.yaml': this.endpointsConfig } });
      args.push(`--endpoint.sd-config-file=${ENDPOINTS_DIR}/endpoints.yaml`);
      mounts.push({ name: 'endpoints', mountPath: ENDPOINTS_DIR, readOnly: true }, tlsMount('client'));
      volumes.push({ name: 'endpoints', configMap: { name: QUERY_ENDPOINTS_CONFIGMAP } }, tlsVolume('client', props.remoteStores!.clientSecret));
    }
    if (props.gateway) {
      const server = tlsFiles('server');
      args.push(`--grpc-server-tls-cert=${server.certFile}`, `--grpc-server-tls-key=${server.keyFile}`, `--grpc-server-tls-client-ca=${server.caFile}`);
      mounts.push(tlsMount('server'));
      volumes.push(tlsVolume('server', props.gateway.serverSecret));
    }
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: this.meta(this.componentName),
      spec: {
        replicas: cfg.replicas,
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          // The gateway serves gRPC: a replica of its own too, so that it keeps the StoreAPI up.
          containers: [this.thanosContainer(args, cfg.resources, mounts, false, true)],
          volumes: volumes.length ? volumes : undefined,
        }),
      },
    });
    const svc = this.services(false);
    this.http = new ServiceRef(svc.name, svc.namespace, THANOS_HTTP_PORT, 'http', this.selector);
    if (props.gateway) {
      // The observer's Query reaches this one through a load balancer: gRPC pins a connection
      // to one pod, which is fine here, since each replica fans out to every sidecar.
      fleetLoadBalancer(this, 'service-fleet', {
        name: `${this.componentName}-fleet`,
        namespace: this.ns,
        host: props.gateway.endpoint.host,
        selector: this.selector,
        port: props.gateway.endpoint.port,
        portName: 'grpc',
        targetPort: 'grpc',
        loadBalancer: props.gateway.loadBalancer,
      });
    }
    disruptionBudget(this, this.componentName, this.ns, this.selector, cfg.replicas);
    networkPolicy(this, {
      name: this.componentName,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [
        { peers: props.clients, ports: [{ port: THANOS_HTTP_PORT }] },
        this.scrapeIngress(props.scrapers),
        ...(props.gateway ? [{ peers: props.gateway.remoteClients, ports: [{ port: THANOS_GRPC_PORT }] }] : []),
      ],
      egress: [
        { peers: props.storeApiPods, ports: [{ port: THANOS_GRPC_PORT }] },
        // Remote StoreAPI endpoints of other clusters (global view).
        ...endpointEgress(this.config, cfg.extraEndpoints.map((e) => hostPortEndpoint(e, 10901))),
        // Other clusters' StoreAPI gateways, at their load balancers.
        ...remote.map((e) => ({ peers: e.cidrs.map((cidr) => ({ cidr })), ports: [{ port: e.port }] })),
      ],
    });
  }
}
