import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { LogCollectorKind, StackConfig } from '../config/types';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { selectorLabels } from '../k8s/labels';
import { apiServerEgress, endpointEgress, FlowRule, networkPolicy, Peer } from '../k8s/network-policy';
import { HOST_STATE_ROOT, HostAccessException } from '../k8s/security';
import type { ServiceRef } from '../k8s/service-ref';
import { container, httpProbe } from '../k8s/workload';
import { clientTlsFiles, tlsMount, tlsVolume } from '../fleet/tls';
import { makeAlert } from '../observability/alerts/common';
import type { AlertingRule, RuleGroup } from '../observability/rule-group';
import { ScrapeTarget } from '../observability/scrape-target';
import { renderAlloyConfig } from '../render/alloy';
import { FLUENTD_BUFFER_DIR, FLUENTD_BUFFER_LIMIT_BYTES, FLUENTD_METRICS_PORT, FLUENTD_OUTPUT_ID, FLUENTD_PASSWORD_ENV, FLUENTD_STATE_DIR, FLUENTD_USER_ENV, elasticsearchEndpoint, renderFluentdConfig } from '../render/fluentd';
import { PROMTAIL_HTTP_PORT, PROMTAIL_POSITIONS_DIR, renderPromtailYaml } from '../render/promtail';
import { agentsNamespace } from './namespace';

export const ALLOY_HTTP_PORT = 12345;
const METRICS_PORT_NAME = 'http-metrics';
/** Where the kubelet writes container logs (CRI runtimes: containerd, CRI-O). */
export const POD_LOGS_DIR = '/var/log/pods';
/** The kubelet's symlinks `<pod>_<namespace>_<container>-<id>.log` into POD_LOGS_DIR (fluentd only). */
export const CONTAINER_LOG_LINKS_DIR = '/var/log/containers';
/** Keys of the Elasticsearch credentials Secret (logCollector.elasticsearch.credentialsSecret). */
export const ELASTICSEARCH_SECRET_KEYS = { username: 'username', password: 'password' } as const;

/** The text printed at synth time when Promtail is chosen. */
export const PROMTAIL_DEPRECATION_WARNING =
  'WARNING: logCollector.kind is "promtail". Promtail reached end of life on 2026-03-02: it gets no ' +
  'fixes, security or otherwise, and is pinned to its last release (grafana/promtail:3.6.11). ' +
  'Set logCollector.kind to "alloy" (same labels, same Loki): see docs/logging.md, "Moving from Promtail to Alloy".';

export interface LogCollectorProps {
  /** Loki's Service; required for the `alloy` and `promtail` kinds. */
  readonly loki?: ServiceRef;
  /** Pods allowed to scrape the collector's metrics (the stack's Prometheus); same-namespace peers are taken to be in the stack's namespace. */
  readonly scrapers: readonly Peer[];
  /** Receives the Promtail deprecation warning. @default console.warn */
  readonly warn?: (message: string) => void;
  /**
   * A fleet: push over HTTPS with the client certificate of `clientSecret` (a Secret of
   * the node-agents namespace), as the tenant `tenantId`, to the observer's Loki: `loki`
   * in the observer itself, or `remote` (its load balancer at `host:port`, in `cidrs`)
   * from a workload cluster. @default none (plain HTTP to `loki`, one tenant)
   */
  readonly fleet?: {
    readonly clientSecret: string;
    readonly tenantId: string;
    readonly remote?: { readonly host: string; readonly port: number; readonly cidrs: readonly string[] };
  };
}

export interface CollectorAlertOptions {
  readonly runbookBaseUrl: string;
  /** @default 'log-collector' */
  readonly groupName?: string;
}

/**
 * The collector's alerts. Metric names checked upstream:
 * - Alloy: `loki_write_dropped_entries_total`, `loki_write_batch_retries_total` (loki.write
 *   debug metrics, docs loki.write.md; the alloy-mixin alerts/loki.libsonnet uses the same),
 *   `alloy_component_controller_running_components{health_type}` (alloy-mixin
 *   alerts/controller.libsonnet, UnhealthyComponents);
 * - Promtail: `promtail_dropped_entries_total`, `promtail_request_duration_seconds_count
 *   {status_code}` (clients/pkg/promtail/client/metrics.go; loki-mixin promtail alerts);
 * - Fluentd: `fluentd_output_status_num_errors`, `fluentd_output_status_buffer_total_bytes`
 *   (fluent-plugin-prometheus `prometheus_output_monitor`, label plugin_id).
 */
export function collectorRuleGroups(kind: LogCollectorKind, options: CollectorAlertOptions): RuleGroup[] {
  const mk = (spec: Parameters<typeof makeAlert>[0]): AlertingRule => makeAlert(spec, 'infrastructure', options.runbookBaseUrl, {});
  const rules: Record<LogCollectorKind, AlertingRule[]> = {
    alloy: [
      mk({
        alert: 'AlloyLogEntriesDropped',
        expr: 'sum by (namespace, pod) (increase(loki_write_dropped_entries_total[10m])) > 0',
        for: '5m',
        severity: 'warning',
        summary: 'Alloy is dropping log lines.',
        description: 'Alloy {{ $labels.namespace }}/{{ $labels.pod }} gave up sending log lines to Loki after all retries: those lines are lost.',
      }),
      mk({
        alert: 'AlloyLokiWriteRetrying',
        expr: 'sum by (namespace, pod) (rate(loki_write_batch_retries_total[5m])) > 0',
        for: '15m',
        severity: 'warning',
        summary: 'Alloy keeps retrying writes to Loki.',
        description: 'Alloy {{ $labels.namespace }}/{{ $labels.pod }} has retried batches to Loki for 15 minutes: Loki is unreachable, failing or rate limiting (429).',
      }),
      mk({
        alert: 'AlloyUnhealthyComponents',
        expr: 'sum by (namespace, pod) (alloy_component_controller_running_components{health_type!="healthy"}) > 0',
        for: '15m',
        severity: 'warning',
        summary: 'Alloy has unhealthy components.',
        description: 'Alloy {{ $labels.namespace }}/{{ $labels.pod }} has had unhealthy components for 15 minutes; its UI (port 12345) shows which.',
      }),
    ],
    promtail: [
      mk({
        alert: 'PromtailLogEntriesDropped',
        expr: 'sum by (namespace, pod) (increase(promtail_dropped_entries_total[10m])) > 0',
        for: '5m',
        severity: 'warning',
        summary: 'Promtail is dropping log lines.',
        description: 'Promtail {{ $labels.namespace }}/{{ $labels.pod }} gave up sending log lines to Loki after all retries: those lines are lost.',
      }),
      mk({
        alert: 'PromtailRequestErrors',
        expr:
          '100 * sum by (namespace, pod) (rate(promtail_request_duration_seconds_count{status_code=~"5..|failed"}[5m]))\n' +
          '  /\n' +
          'sum by (namespace, pod) (rate(promtail_request_duration_seconds_count[5m]))\n' +
          '  > 10',
        for: '15m',
        severity: 'warning',
        summary: 'Promtail pushes to Loki are failing.',
        description: 'More than 10% of the pushes of Promtail {{ $labels.namespace }}/{{ $labels.pod }} to Loki have failed for 15 minutes.',
      }),
    ],
    fluentd: [
      mk({
        alert: 'FluentdOutputErrors',
        expr: `sum by (namespace, pod) (rate(fluentd_output_status_num_errors{plugin_id="${FLUENTD_OUTPUT_ID}"}[5m])) > 0`,
        for: '15m',
        severity: 'warning',
        summary: 'Fluentd cannot write to Elasticsearch.',
        description: 'Fluentd {{ $labels.namespace }}/{{ $labels.pod }} has failed to flush to Elasticsearch for 15 minutes; logs are piling up in its buffer.',
      }),
      mk({
        alert: 'FluentdBufferNearlyFull',
        expr: `max by (namespace, pod) (fluentd_output_status_buffer_total_bytes{plugin_id="${FLUENTD_OUTPUT_ID}"}) > ${0.8 * FLUENTD_BUFFER_LIMIT_BYTES}`,
        for: '10m',
        severity: 'warning',
        summary: 'Fluentd buffer is over 80% full.',
        description: 'The Elasticsearch buffer of Fluentd {{ $labels.namespace }}/{{ $labels.pod }} is over 80% of its limit; when full, Fluentd stops reading logs and lines rotated away meanwhile are lost.',
      }),
    ],
  };
  return [{ name: options.groupName ?? 'log-collector', rules: rules[kind] }];
}

/** A same-namespace peer of the stack, qualified with the stack namespace (for policies in another namespace). */
function inNamespace(peer: Peer, namespace: string): Peer {
  return 'pods' in peer && !('namespace' in peer) && !('allNamespaces' in peer) ? { namespace, pods: peer.pods } : peer;
}

interface CollectorSpec {
  readonly image: string;
  readonly args?: string[];
  readonly env: k8s.EnvVar[];
  readonly port: number;
  readonly readyPath: string;
  readonly livePath: string;
  readonly configKey: string;
  readonly configText: string;
  readonly configDir: string;
  /**
   * Writable folders: an emptyDir each, or, with `onNode`, a folder of the node under
   * HOST_STATE_ROOT that outlives the pod (read positions).
   */
  readonly writable: readonly { readonly name: string; readonly mountPath: string; readonly sizeLimit: string; readonly onNode?: boolean }[];
  readonly hostDirs: readonly string[];
  readonly rbacResources: readonly string[];
  readonly egress: readonly FlowRule[];
}

const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The log collector chosen by `logCollector.kind`, as a DaemonSet in the node-agents
 * namespace: Grafana Alloy (default) or Promtail (deprecated) shipping to Loki, or Fluentd
 * shipping to Elasticsearch. Every variant reads the node's pod log files, which is the
 * one relaxation of the restricted baseline (see `hostAccess` below).
 */
export class LogCollectorChart extends ComponentChart {
  readonly kind: LogCollectorKind;
  /**
   * The node-agents namespace the DaemonSet runs in. (Not `namespace`: that is cdk8s's
   * Chart default namespace, which would be stamped on the cluster-scoped RBAC objects.)
   */
  readonly agentNamespace: string;
  /** Peer selecting the collector's pods (for Loki's or Elasticsearch's ingress policy). */
  readonly peer: Peer;
  readonly scrapeTarget: ScrapeTarget;

  /**
   * The peer that will select the collector's pods, known from the config alone so that
   * Loki (built first, its ServiceRef is the collector's input) can let it in.
   */
  static peerFor(config: StackConfig): Peer {
    return { namespace: agentsNamespace(config.namespace), pods: selectorLabels(config, config.logCollector.kind) };
  }

  constructor(scope: Construct, ctx: StackContext, props: LogCollectorProps) {
    const kind = ctx.config.logCollector.kind;
    super(scope, ctx, kind, 'logs');
    this.kind = kind;
    const cfg = ctx.config.logCollector;
    const name = kind;
    const namespace = agentsNamespace(this.ns);
    this.agentNamespace = namespace;
    this.peer = { namespace, pods: this.selector };

    if (kind === 'promtail') (props.warn ?? ((m: string) => console.warn(m)))(PROMTAIL_DEPRECATION_WARNING);
    if (kind !== 'fluentd' && !props.loki && !props.fleet?.remote) throw new Error(`logCollector.kind: "${kind}" ships logs to Loki; pass the Loki ServiceRef as props.loki (is loki.enabled false?)`);

    const spec = this.collectorSpec(kind, namespace, props.loki, props.fleet);

    this.scrapeTarget = new ScrapeTarget({ name, port: spec.port, portName: METRICS_PORT_NAME });
    const annotations = { ...this.addScrapeTarget(this.scrapeTarget, { namespace }), 'checksum/config': createHash('sha256').update(spec.configText).digest('hex') };
    this.addRuleGroups(collectorRuleGroups(kind, { runbookBaseUrl: ctx.config.runbookBaseUrl }));

    // RBAC: read-only, only the resources the collector's discovery or metadata lookups use.
    new k8s.KubeServiceAccount(this, 'serviceaccount', { metadata: { name, namespace }, automountServiceAccountToken: false });
    const clusterRoleName = `${this.ns}-${name}`;
    new k8s.KubeClusterRole(this, 'clusterrole', {
      metadata: { name: clusterRoleName },
      rules: [{ apiGroups: [''], resources: [...spec.rbacResources], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'clusterrolebinding', {
      metadata: { name: clusterRoleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });

    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace }, data: { [spec.configKey]: spec.configText } });

    // THE exception to the restricted baseline, and the only one of this component:
    // - read-only hostPath mounts of exactly the directories the kubelet writes container
    //   logs to. /var/log/pods holds the files (containerd and CRI-O write them there
    //   directly); fluentd also needs /var/log/containers, the kubelet's symlinks whose
    //   file names carry pod, namespace and container for its metadata filter.
    //   /var/lib/docker/containers is NOT mounted: it is only where the files live on
    //   nodes still running Docker through cri-dockerd (dockershim was removed in
    //   Kubernetes 1.24); on such nodes the symlinks in /var/log/pods would dangle.
    // - root (UID 0): the log files are 0640/0600 root:root; reading them as their owner
    //   needs no capability, so every capability is still dropped, privilege escalation is
    //   off and the root filesystem is read-only.
    // - one writable folder of the node, HOST_STATE_ROOT/<namespace>/<collector>/<name>:
    //   the read positions (how far each file was read). In an emptyDir they would die with
    //   the pod, and every rollout would re-send up to an hour of every node's logs. The
    //   folder is created by the kubelet (DirectoryOrCreate), holds a few KiB per node and is
    //   the only host path written. fluentd's buffer stays in an emptyDir.
    const stateDir = (w: { name: string }): string => `${HOST_STATE_ROOT}/${namespace}/${name}/${w.name}`;
    const onNode = spec.writable.filter((w) => w.onNode);
    const hostAccess: HostAccessException = {
      reason:
        `${name} tails the node's container log files: read-only hostPath ${spec.hostDirs.join(', ')}, as root because the files are readable by root only (no capabilities)` +
        (onNode.length ? `; keeps its read positions on the node in ${onNode.map(stateDir).join(', ')} so that a rollout does not re-send logs` : ''),
      hostPaths: [...spec.hostDirs],
      stateDirs: onNode.map(stateDir),
      runAsRoot: true,
    };
    const hostVolumeName = (dir: string) => (dir === POD_LOGS_DIR ? 'pod-logs' : 'container-log-links');

    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: this.podTemplate({
          annotations,
          replicas: 1,
          serviceAccountName: name,
          // It watches pods (and fluentd namespaces) through the API server.
          apiAccess: true,
          hostAccess,
          // Every node, whatever its taints: a node without a collector loses its logs.
          tolerations: [{ operator: 'Exists' }],
          terminationGracePeriodSeconds: 30,
          containers: [
            container({
              name,
              image: spec.image,
              args: spec.args,
              env: spec.env,
              ports: [{ name: METRICS_PORT_NAME, containerPort: spec.port }],
              resources: cfg.resources,
              readinessProbe: httpProbe({ path: spec.readyPath, port: METRICS_PORT_NAME, periodSeconds: 10 }),
              livenessProbe: httpProbe({ path: spec.livePath, port: METRICS_PORT_NAME, periodSeconds: 20, failureThreshold: 6, initialDelaySeconds: 10 }),
              securityContext: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
              volumeMounts: [
                { name: 'config', mountPath: spec.configDir, readOnly: true },
                ...spec.hostDirs.map((dir) => ({ name: hostVolumeName(dir), mountPath: dir, readOnly: true })),
                ...spec.writable.map((w) => ({ name: w.name, mountPath: w.mountPath })),
                ...(props.fleet ? [tlsMount('client')] : []),
              ],
            }),
          ],
          volumes: [
            { name: 'config', configMap: { name } },
            ...spec.hostDirs.map((dir) => ({ name: hostVolumeName(dir), hostPath: { path: dir, type: 'Directory' } })),
            ...spec.writable.map((w) =>
              w.onNode ? { name: w.name, hostPath: { path: stateDir(w), type: 'DirectoryOrCreate' } } : { name: w.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(w.sizeLimit) } },
            ),
            ...(props.fleet ? [tlsVolume('client', props.fleet.clientSecret)] : []),
          ],
        }),
      },
    });

    const scrapers = props.scrapers.map((p) => inNamespace(p, this.ns));
    networkPolicy(this, {
      name,
      namespace,
      podSelector: this.selector,
      ingress: [this.scrapeIngress(scrapers)],
      egress: [
        apiServerEgress(ctx.config),
        ...spec.egress,
      ],
    });
  }

  private collectorSpec(kind: LogCollectorKind, namespace: string, loki: ServiceRef | undefined, fleet: LogCollectorProps['fleet']): CollectorSpec {
    const cfg = this.config.logCollector;
    const remote = fleet?.remote;
    const lokiEgress: FlowRule[] = remote
      ? [{ peers: remote.cidrs.map((cidr) => ({ cidr })), ports: [{ port: remote.port }] }]
      : loki
        ? [{ peers: [{ namespace: loki.namespace, pods: loki.podSelector }], ports: [{ port: loki.port }] }]
        : [];
    const pushPath = '/loki/api/v1/push';
    const pushUrl = remote ? `https://${remote.host}:${remote.port}${pushPath}` : (loki?.url(fleet ? 'https' : 'http', pushPath) ?? '');
    // Every stream carries the cluster, like every series; in a fleet, the tenant is the cluster too.
    const client = {
      externalLabels: { cluster: this.config.cluster },
      ...(fleet ? { tenantId: fleet.tenantId, tls: clientTlsFiles() } : {}),
    };
    const tmp = { name: 'tmp', mountPath: '/tmp', sizeLimit: '64Mi' };
    switch (kind) {
      case 'alloy':
        return {
          image: IMAGES.alloy,
          args: ['run', '/etc/alloy/config.alloy', '--storage.path=/var/lib/alloy/data', `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`, '--disable-reporting'],
          env: [fieldEnv('NODE_NAME', 'spec.nodeName')],
          port: ALLOY_HTTP_PORT,
          readyPath: '/-/ready',
          livePath: '/-/ready',
          configKey: 'config.alloy',
          configText: renderAlloyConfig({ lokiPushUrl: pushUrl, podLogsDir: POD_LOGS_DIR, ...client }),
          configDir: '/etc/alloy',
          // --storage.path holds the components' state: loki.source.file's positions.
          writable: [{ name: 'data', mountPath: '/var/lib/alloy/data', sizeLimit: '1Gi', onNode: true }, tmp],
          hostDirs: [POD_LOGS_DIR],
          rbacResources: ['pods'],
          egress: lokiEgress,
        };
      case 'promtail':
        return {
          image: IMAGES.promtail,
          args: ['-config.file=/etc/promtail/promtail.yaml'],
          // Promtail tails only targets whose __host__ is its HOSTNAME.
          env: [fieldEnv('HOSTNAME', 'spec.nodeName')],
          port: PROMTAIL_HTTP_PORT,
          readyPath: '/ready',
          livePath: '/ready',
          configKey: 'promtail.yaml',
          configText: renderPromtailYaml({ lokiPushUrl: pushUrl, podLogsDir: POD_LOGS_DIR, ...client }),
          configDir: '/etc/promtail',
          writable: [{ name: 'positions', mountPath: PROMTAIL_POSITIONS_DIR, sizeLimit: '64Mi', onNode: true }, tmp],
          hostDirs: [POD_LOGS_DIR],
          rbacResources: ['pods'],
          egress: lokiEgress,
        };
      case 'fluentd': {
        const es = cfg.elasticsearch;
        if (!es) throw new Error('logCollector.elasticsearch: is required when kind is "fluentd": set url and credentialsSecret');
        const endpoint = elasticsearchEndpoint(es.url);
        const secret = es.credentialsSecret.name;
        return {
          image: IMAGES.fluentd,
          env: [
            { name: 'FLUENTD_CONF', value: 'fluent.conf' },
            // kubernetes_metadata_filter watches only this node's pods when it is set.
            fieldEnv('K8S_NODE_NAME', 'spec.nodeName'),
            { name: FLUENTD_USER_ENV, valueFrom: { secretKeyRef: { name: secret, key: ELASTICSEARCH_SECRET_KEYS.username } } },
            { name: FLUENTD_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: secret, key: ELASTICSEARCH_SECRET_KEYS.password } } },
            // The root filesystem is read-only; anything Ruby writes under HOME goes to /tmp.
            { name: 'HOME', value: '/tmp' },
          ],
          port: FLUENTD_METRICS_PORT,
          readyPath: '/metrics',
          livePath: '/metrics',
          configKey: 'fluent.conf',
          configText: renderFluentdConfig({
            elasticsearchUrl: es.url,
            // Fluentd's own lines would come back through itself (errors about Elasticsearch
            // while Elasticsearch is down): excluded.
            excludePaths: [`${CONTAINER_LOG_LINKS_DIR}/${kind}-*_${namespace}_*.log`],
          }),
          configDir: '/fluentd/etc',
          writable: [
            // in_tail's pos_file: read positions, on the node like the other collectors'.
            { name: 'state', mountPath: FLUENTD_STATE_DIR, sizeLimit: '64Mi', onNode: true },
            { name: 'buffer', mountPath: FLUENTD_BUFFER_DIR, sizeLimit: '1Gi' },
            tmp,
          ],
          hostDirs: [POD_LOGS_DIR, CONTAINER_LOG_LINKS_DIR],
          rbacResources: ['pods', 'namespaces'],
          egress: endpointEgress(this.config, [endpoint]),
        };
      }
      default:
        throw new Error(`logCollector.kind: "${kind as string}" is not allowed; use "alloy", "promtail" or "fluentd"`);
    }
  }
}
