import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { endpointEgress, hostPortEndpoint, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { container, httpProbe, tcpProbe, volumeClaimTemplate } from '../k8s/workload';
import { tlsFiles, tlsMount, tlsVolume } from '../fleet/tls';
import { FleetLoadBalancerOptions, fleetLoadBalancer } from '../fleet/expose';
import { makeAlert } from '../observability/alerts/common';
import type { RuleGroup } from '../observability/rule-group';
import { ScrapeTarget } from '../observability/scrape-target';
import { LOKI_DATA_DIR, LOKI_GRPC_PORT, LOKI_HTTP_PORT, lokiObjectStoragePort, lokiStorageCredentials, renderLokiYaml } from '../render/loki';

/** The UID/GID the grafana/loki image runs as (`USER 10001` in its Dockerfile). */
export const LOKI_UID = 10001;
export const LOKI_HTTP_PORT_NAME = 'http-metrics';
export const LOKI_GRPC_PORT_NAME = 'grpc';
const CONFIG_DIR = '/etc/loki';

export interface LokiProps {
  /** Pods that push logs to or query Loki: the log collector and Grafana (namespace-qualified peers for other namespaces). */
  readonly clients: readonly Peer[];
  /** Pods allowed to scrape Loki's /metrics (the stack's Prometheus). */
  readonly scrapers: readonly Peer[];
  /**
   * The central Loki of a fleet (its observer): HTTPS only, accepting only clients with a
   * certificate signed by the `ca.crt` of `serverSecret`; one tenant per cluster
   * (`tenants`); the other clusters' collectors from `remoteClients`, through a LoadBalancer
   * Service at `endpoint`. In-cluster clients (Grafana, the collector, Prometheus) present
   * the certificate of `clientSecret`. @default none (plain HTTP, one tenant, in-cluster)
   */
  readonly fleet?: {
    readonly serverSecret: string;
    readonly clientSecret: string;
    readonly remoteClients: readonly Peer[];
    readonly endpoint: { readonly host: string; readonly port: number };
    readonly tenants: readonly string[];
    readonly loadBalancer: FleetLoadBalancerOptions;
  };
}

export interface LokiAlertOptions {
  readonly runbookBaseUrl: string;
  /** @default 'loki' */
  readonly groupName?: string;
}

/**
 * Loki's own alerts, after the loki-mixin (grafana/loki production/loki-mixin): metric
 * names checked in Loki's source: `loki_request_duration_seconds` (server middleware,
 * labels route, status_code), `loki_panic_total`, `loki_discarded_samples_total{reason,
 * tenant}` (pkg/validation), `loki_compactor_apply_retention_operation_total{status}` and
 * `loki_compactor_apply_retention_last_successful_run_timestamp_seconds`
 * (pkg/compactor/metrics.go). No job selector: these names are Loki's alone.
 */
export function lokiRuleGroups(options: LokiAlertOptions): RuleGroup[] {
  const mk = (spec: Parameters<typeof makeAlert>[0]) => makeAlert(spec, 'infrastructure', options.runbookBaseUrl, {});
  return [
    {
      name: options.groupName ?? 'loki',
      rules: [
        mk({
          alert: 'LokiRequestErrors',
          expr:
            '100 * sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{status_code=~"5.."}[5m]))\n' +
            '  /\n' +
            'sum by (namespace, job, route) (rate(loki_request_duration_seconds_count[5m]))\n' +
            '  > 10',
          for: '15m',
          severity: 'critical',
          summary: 'Loki is failing requests.',
          description: 'More than 10% of {{ $labels.route }} requests to {{ $labels.namespace }}/{{ $labels.job }} have failed with a 5xx for 15 minutes: pushes are lost or queries fail.',
        }),
        mk({
          alert: 'LokiRequestPanics',
          expr: 'sum by (namespace, job) (increase(loki_panic_total[10m])) > 0',
          severity: 'critical',
          summary: 'Loki has panicked.',
          description: '{{ $labels.namespace }}/{{ $labels.job }} has recovered from a panic in the last 10 minutes; read its logs.',
        }),
        mk({
          alert: 'LokiDiscardedSamples',
          expr: 'sum by (namespace, job, reason, tenant) (rate(loki_discarded_samples_total[5m])) > 0',
          for: '15m',
          severity: 'warning',
          summary: 'Loki is discarding log lines.',
          description: '{{ $labels.namespace }}/{{ $labels.job }} has discarded log lines with reason {{ $labels.reason }} for 15 minutes (rate_limited, line_too_long, stream_limit, ...): those lines are lost. Raise the limit in loki.limits or reduce the source.',
        }),
        mk({
          alert: 'LokiCompactorRetentionFailing',
          expr: 'sum by (namespace, job) (increase(loki_compactor_apply_retention_operation_total{status="failure"}[1h])) > 2',
          for: '15m',
          severity: 'warning',
          summary: 'Loki retention runs are failing.',
          description: 'The compactor of {{ $labels.namespace }}/{{ $labels.job }} failed to apply retention more than twice in the last hour: expired logs are not deleted and storage keeps growing.',
        }),
        mk({
          alert: 'LokiCompactorRetentionNotRun',
          // With apply_retention_interval unset (0) Loki 3.7 runs retention every compaction
          // interval plus min(10m, interval/2) of jitter: every 15m here (pkg/compactor/config.go,
          // Validate). The gauge is 0 until the first run after a start: `for` covers it.
          expr: '(time() - max by (namespace, job) (loki_compactor_apply_retention_last_successful_run_timestamp_seconds)) > 3 * 3600',
          for: '1h',
          severity: 'warning',
          summary: 'Loki retention has not run for 3 hours.',
          description: 'The compactor of {{ $labels.namespace }}/{{ $labels.job }} has not applied retention successfully for more than 3 hours: expired logs are not deleted and storage keeps growing.',
        }),
      ],
    },
  ];
}

/** Example LogQL queries (docs/logging.md) over the labels the collectors attach. */
export const LOKI_EXAMPLE_QUERIES: Readonly<Record<string, string>> = {
  errorsOfAnApp: '{namespace="shop", app="checkout", level=~"error|critical"}',
  errorRateByApp: 'sum by (namespace, app) (rate({level=~"error|critical"}[5m]))',
  jsonFieldFilter: '{namespace="shop", app="checkout"} | json | status >= 500',
  topNoisyStreams: 'topk(10, sum by (namespace, app) (bytes_over_time({namespace=~".+"}[1h])))',
};

/**
 * Loki 3.x as a single binary: a one-replica StatefulSet (the ring is in memory, so it
 * cannot be scaled) with its data on a PersistentVolumeClaim, TSDB index with schema
 * v13, retention enforced by the compactor, filesystem or object storage.
 */
export class LokiChart extends ComponentChart {
  /** Loki's HTTP API (push, query, metrics). */
  readonly service: ServiceRef;
  readonly scrapeTarget: ScrapeTarget;
  /** Peer selecting Loki's pods from another namespace. */
  readonly peer: Peer;
  /** The name in-cluster clients verify its certificate as (a fleet's central Loki). */
  readonly tlsServerName?: string;
  /** The tenants (a fleet's clusters), for queries across them. */
  readonly tenants?: readonly string[];

  constructor(scope: Construct, ctx: StackContext, props: LokiProps) {
    super(scope, ctx, 'loki', 'logs');
    const cfg = ctx.config.loki;
    const name = 'loki';
    const fleet = props.fleet;
    const server = tlsFiles('server');
    const configText = renderLokiYaml({
      retention: cfg.retention,
      limits: cfg.limits,
      objectStorage: cfg.objectStorage,
      ...(fleet ? { tls: { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: server.caFile }, multiTenant: true } : {}),
    });
    const credentials = lokiStorageCredentials(cfg.objectStorage);
    // In-cluster clients verify the server certificate by the Service's name.
    this.tlsServerName = fleet ? `${name}.${this.ns}.svc` : undefined;
    this.tenants = fleet ? [...fleet.tenants] : undefined;

    this.scrapeTarget = new ScrapeTarget({ name, port: LOKI_HTTP_PORT, portName: LOKI_HTTP_PORT_NAME, ...(fleet ? { tls: { secretName: fleet.clientSecret, serverName: this.tlsServerName! } } : {}) });
    const annotations = {
      ...this.addScrapeTarget(this.scrapeTarget),
      'checksum/config': createHash('sha256').update(configText).digest('hex'),
    };
    this.addRuleGroups(lokiRuleGroups({ runbookBaseUrl: ctx.config.runbookBaseUrl }));

    new k8s.KubeConfigMap(this, 'config', { metadata: this.meta(name), data: { 'loki.yaml': configText } });
    this.serviceAccount(name);

    const env: k8s.EnvVar[] = credentials.env.map((e) => ('value' in e ? { name: e.name, value: e.value } : { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } }));
    const volumeMounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'storage', mountPath: LOKI_DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      ...(fleet ? [tlsMount('server')] : []),
    ];
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ...(fleet ? [tlsVolume('server', fleet.serverSecret)] : []),
    ];
    if (credentials.secretVolume) {
      const s = credentials.secretVolume;
      volumeMounts.push({ name: 'objstore-credentials', mountPath: s.mountPath, readOnly: true });
      volumes.push({ name: 'objstore-credentials', secret: { secretName: s.secretName, items: [{ key: s.key, path: s.fileName }] } });
    }

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.meta(name),
      spec: {
        serviceName: `${name}-headless`,
        replicas: 1,
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate' },
        podManagementPolicy: 'OrderedReady',
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: this.podTemplate({
          annotations,
          replicas: 1,
          uid: LOKI_UID,
          serviceAccountName: name,
          // The ingester's WAL is on the volume; flushing on shutdown is not required.
          terminationGracePeriodSeconds: 60,
          containers: [
            container({
              name,
              image: IMAGES.loki,
              args: [`-config.file=${CONFIG_DIR}/loki.yaml`, '-config.expand-env=true', '-target=all'],
              env: env.length ? env : undefined,
              ports: [
                { name: LOKI_HTTP_PORT_NAME, containerPort: LOKI_HTTP_PORT },
                { name: LOKI_GRPC_PORT_NAME, containerPort: LOKI_GRPC_PORT },
              ],
              resources: cfg.resources,
              // HTTP probes only: recent Loki images have no shell for exec probes. With TLS
              // that requires a client certificate (a fleet's Loki) the kubelet cannot pass
              // the handshake: the probes check the port, so a Loki replaying its WAL is
              // counted ready (pushes get 503 and the collectors retry).
              readinessProbe: fleet ? tcpProbe(LOKI_HTTP_PORT_NAME, 10) : httpProbe({ path: '/ready', port: LOKI_HTTP_PORT_NAME, initialDelaySeconds: 15, periodSeconds: 10 }),
              // Liveness asks whether the HTTP server answers, not /ready: a long WAL replay
              // keeps /ready at 503 and must not get the pod killed.
              livenessProbe: fleet ? tcpProbe(LOKI_HTTP_PORT_NAME, 20, 6) : httpProbe({ path: '/metrics', port: LOKI_HTTP_PORT_NAME, periodSeconds: 20, failureThreshold: 6 }),
              volumeMounts,
            }),
          ],
          volumes,
        }),
        volumeClaimTemplates: [volumeClaimTemplate('storage', cfg.storage)],
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: this.meta(name),
      spec: {
        selector: this.selector,
        ports: [
          { name: LOKI_HTTP_PORT_NAME, port: LOKI_HTTP_PORT, targetPort: k8s.IntOrString.fromString(LOKI_HTTP_PORT_NAME) },
          { name: LOKI_GRPC_PORT_NAME, port: LOKI_GRPC_PORT, targetPort: k8s.IntOrString.fromString(LOKI_GRPC_PORT_NAME) },
        ],
      },
    });
    new k8s.KubeService(this, 'service-headless', {
      metadata: this.meta(`${name}-headless`),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [
          { name: LOKI_HTTP_PORT_NAME, port: LOKI_HTTP_PORT, targetPort: k8s.IntOrString.fromString(LOKI_HTTP_PORT_NAME) },
          { name: LOKI_GRPC_PORT_NAME, port: LOKI_GRPC_PORT, targetPort: k8s.IntOrString.fromString(LOKI_GRPC_PORT_NAME) },
        ],
      },
    });

    this.service = new ServiceRef(name, this.ns, LOKI_HTTP_PORT, LOKI_HTTP_PORT_NAME, this.selector);
    this.peer = { namespace: this.ns, pods: this.selector };
    if (fleet) {
      fleetLoadBalancer(this, 'service-fleet', {
        name: `${name}-fleet`,
        namespace: this.ns,
        host: fleet.endpoint.host,
        selector: this.selector,
        port: fleet.endpoint.port,
        portName: LOKI_HTTP_PORT_NAME,
        targetPort: LOKI_HTTP_PORT_NAME,
        loadBalancer: fleet.loadBalancer,
      });
    }

    // Single binary: its components talk over 127.0.0.1 (not subject to NetworkPolicy),
    // so only the HTTP API is opened, and only to the listed clients and scrapers.
    const storagePort = lokiObjectStoragePort(cfg.objectStorage);
    networkPolicy(this, {
      name,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [{ peers: [...props.clients, ...(fleet?.remoteClients ?? [])], ports: [{ port: LOKI_HTTP_PORT }] }, this.scrapeIngress(props.scrapers)],
      egress: storagePort === undefined ? [] : endpointEgress(ctx.config, [cfg.objectStorage.backend === 's3' ? hostPortEndpoint(cfg.objectStorage.endpoint, storagePort) : { host: cfg.objectStorage.backend, port: storagePort }]),
    });
  }
}
