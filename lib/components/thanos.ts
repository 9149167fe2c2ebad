import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { OBJECT_STORAGE_SECRET_KEYS, ObjectStorageConfig, Resources, StackConfig } from '../config/types';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { externalEgress, FlowRule, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { container, httpProbe, volumeClaimTemplate } from '../k8s/workload';
import { thanosAlerts } from '../observability/alerts/metrics-pipeline';
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

export function objstoreWiring(rendered: RenderedObjstore, filesystemDir?: string): ObjstoreWiring {
  const c: ObjstoreCredentials = rendered.credentials;
  const env: k8s.EnvVar[] = c.env.map((e) => ('value' in e ? { name: e.name, value: e.value } : { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } }));
  const volumes: k8s.Volume[] = [{ name: 'objstore', configMap: { name: OBJSTORE_CONFIGMAP } }, ...c.secretVolumes.map((v) => ({ name: v.volumeName, secret: { secretName: v.secretName, items: v.items.map((i) => ({ key: i.key, path: i.path })) } }))];
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

/** The Thanos sidecar in every Prometheus pod: uploads 2h blocks and serves the StoreAPI. */
export function thanosSidecar(config: StackConfig): PrometheusSidecar {
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
    servicePorts: [{ name: 'grpc', port: THANOS_GRPC_PORT }],
    egress: rendered.config.type === 'FILESYSTEM' ? [] : [externalEgress(config, [443])],
  };
}

interface ThanosPartProps {
  readonly name: string;
  readonly component: string;
}

/** Shared shape of the three Thanos components. */
abstract class ThanosPart extends ComponentChart {
  readonly rendered: RenderedObjstore;
  constructor(scope: Construct, ctx: StackContext, part: ThanosPartProps) {
    super(scope, ctx, part.name, part.component);
    this.rendered = renderObjstore(objstoreInput(ctx.config.thanos.objectStorage));
  }

  /**
   * A Thanos container. `grpc`: whether the subcommand serves the StoreAPI (query, store,
   * sidecar). `thanos compact` registers no `--grpc-*` flag at all: given one, it exits
   * ("unknown long flag"), so the compactor gets only its HTTP flags.
   */
  protected thanosContainer(args: string[], resources: Resources, mounts: k8s.VolumeMount[], objstore: boolean, grpc = true): k8s.Container {
    const wiring = objstore ? objstoreWiring(this.rendered, filesystemDirOf(this.rendered)) : undefined;
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
    return objstoreWiring(this.rendered, filesystemDirOf(this.rendered)).volumes;
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
    if (this.rendered.config.type === 'FILESYSTEM') return [];
    return [externalEgress(this.config, [443])];
  }
}

/** Store gateway: serves the blocks in the bucket through the StoreAPI; owns the objstore ConfigMap. */
export class ThanosStoreChart extends ThanosPart {
  readonly grpc: ServiceRef;
  constructor(scope: Construct, ctx: StackContext, props: { readonly queriers: readonly Peer[]; readonly scrapers: readonly Peer[] }) {
    super(scope, ctx, { name: 'thanos-store', component: 'long-term-storage' });
    const cfg = ctx.config.thanos.storeGateway;
    new k8s.KubeConfigMap(this, 'objstore', { metadata: this.meta(OBJSTORE_CONFIGMAP), data: { 'objstore.yml': this.rendered.yaml } });
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
        { peers: props.scrapers, ports: [{ port: THANOS_HTTP_PORT }] },
      ],
      egress: this.objectStorageEgress(),
    });
  }
}

/** Compactor: exactly one; compacts, downsamples (5m, 1h) and applies retention in the bucket. */
export class ThanosCompactChart extends ThanosPart {
  constructor(scope: Construct, ctx: StackContext, props: { readonly scrapers: readonly Peer[] }) {
    super(scope, ctx, { name: 'thanos-compact', component: 'long-term-storage' });
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
      ingress: [{ peers: props.scrapers, ports: [{ port: THANOS_HTTP_PORT }] }],
      egress: this.objectStorageEgress(),
    });
  }
}

/** Query: the global PromQL endpoint; deduplicates the Prometheus HA pair by the replica label. */
export class ThanosQueryChart extends ThanosPart {
  readonly http: ServiceRef;
  constructor(
    scope: Construct,
    ctx: StackContext,
    props: {
      readonly replicaLabel: string;
      readonly sidecars: ServiceRef;
      readonly stores: ServiceRef;
      readonly clients: readonly Peer[];
      readonly scrapers: readonly Peer[];
      readonly storeApiPods: readonly Peer[];
      /** StoreAPI endpoints Query should see (sidecars + store gateways + remote): losing one alerts. */
      readonly expectedEndpoints: number;
    },
  ) {
    super(scope, ctx, { name: 'thanos-query', component: 'query' });
    const cfg = ctx.config.thanos.query;
    const annotations = this.addScrapeTarget(new ScrapeTarget({ name: this.componentName, port: THANOS_HTTP_PORT, portName: 'http' }));
    this.addRuleGroups([thanosAlerts({ runbookBaseUrl: ctx.config.runbookBaseUrl, thanosQueryExpectedEndpoints: props.expectedEndpoints })]);
    const endpoints = [`--endpoint=dnssrv+${props.sidecars.srv}`, `--endpoint=dnssrv+${props.stores.srv}`, ...cfg.extraEndpoints.map((e) => `--endpoint=${e}`)];
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: this.meta(this.componentName),
      spec: {
        replicas: cfg.replicas,
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          containers: [this.thanosContainer(['query', `--query.replica-label=${props.replicaLabel}`, '--query.auto-downsampling', ...endpoints], cfg.resources, [], false)],
        }),
      },
    });
    const svc = this.services(false);
    this.http = new ServiceRef(svc.name, svc.namespace, THANOS_HTTP_PORT, 'http', this.selector);
    disruptionBudget(this, this.componentName, this.ns, this.selector, cfg.replicas);
    networkPolicy(this, {
      name: this.componentName,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [{ peers: [...props.clients, ...props.scrapers], ports: [{ port: THANOS_HTTP_PORT }] }],
      egress: [
        { peers: props.storeApiPods, ports: [{ port: THANOS_GRPC_PORT }] },
        // Remote StoreAPI endpoints of other clusters (global view).
        ...(cfg.extraEndpoints.length ? [externalEgress(this.config, cfg.extraEndpoints.map((e) => Number(e.split(':').pop())))] : []),
      ],
    });
  }
}
