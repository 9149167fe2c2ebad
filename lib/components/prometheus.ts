import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { apiServerEgress, externalEgress, FlowRule, networkPolicy, Peer } from '../k8s/network-policy';
import { generalAlerts } from '../observability/alerts/general';
import { exporterAlerts, prometheusAlerts } from '../observability/alerts/metrics-pipeline';
import { configReloaderAlerts } from '../observability/alerts/stack';
import { ServiceRef } from '../k8s/service-ref';
import { CONFIG_RELOADER_PORT, CONFIG_RELOADER_PORT_NAME, configReloader, container, httpProbe, volumeClaimTemplate } from '../k8s/workload';
import { stackSelector } from '../k8s/labels';
import { clientTlsFiles, tlsMount, tlsVolume } from '../fleet/tls';
import { ScrapeTarget } from '../observability/scrape-target';
import type { RemoteWriteConfig, StackConfig } from '../config/types';
import * as mon from '../../imports/monitoring.coreos.com';
import {
  AlertmanagerRef,
  ExtraScrapeConfig,
  clusterComponents,
  COREDNS_METRICS_PORT,
  CONTROLLER_MANAGER_PORT,
  DROPPED_SERIES,
  JOB_APISERVER,
  JOB_COREDNS,
  SERVICE_ACCOUNT_CA_PATH,
  SERVICE_ACCOUNT_TOKEN_PATH,
  PodScrapeJob,
  SCHEDULER_PORT,
  prometheusConfigYaml,
  prometheusDiscoveryAccess,
  prometheusFeatureFlags,
  PrometheusConfigInput,
  RemoteWriteInput,
  renderPrometheusConfig,
  replicaLabelEnv,
  DEFAULT_REPLICA_LABEL,
  PROMETHEUS_SECRETS_DIR,
} from '../render/prometheus';

export const PROMETHEUS_PORT = 9090;
/**
 * Largest rules ConfigMap: under 1 MiB (the API server's limit) and under 256 KiB, the
 * limit of the last-applied-configuration annotation of a client-side `kubectl apply`.
 */
export const RULES_CONFIGMAP_MAX_BYTES = 200 * 1024;
const RULES_VOLUME_INDEX = 1;
const CONFIG_DIR = '/etc/prometheus/config';

const RULES_DIR = '/etc/prometheus/rules';
const DATA_DIR = '/prometheus';

/** A container that runs in every Prometheus pod (the Thanos sidecar). */
export interface PrometheusSidecar {
  readonly container: k8s.Container;
  readonly volumes: readonly k8s.Volume[];
  /** Extra flags Prometheus needs for it (e.g. 2h blocks for Thanos uploads). */
  readonly prometheusArgs: readonly string[];
  /** A secondary metrics port to scrape in the same pods. */
  readonly scrapeJob?: Omit<PodScrapeJob, 'namespace' | 'podLabels'>;
  /**
   * Named ports the sidecar serves, exposed on the headless Service (e.g. Thanos gRPC), and
   * who connects to each (admitted by the Prometheus pods' NetworkPolicy).
   */
  readonly servicePorts: readonly { readonly name: string; readonly port: number; readonly clients: readonly Peer[] }[];
  /** Outbound flows the sidecar needs (object storage). */
  readonly egress: readonly FlowRule[];
  /** ConfigMaps the sidecar reads that no other component writes (written with Prometheus). @default none */
  readonly configMaps?: readonly { readonly name: string; readonly data: Record<string, string> }[];
}

export interface PrometheusProps {
  /** The stack's Alertmanager (its headless Service), when enabled. */
  readonly alertmanager?: AlertmanagerRef;
  /** Sidecars of every Prometheus pod. */
  readonly sidecars?: readonly PrometheusSidecar[];
  /** Who queries Prometheus's HTTP API (Grafana). */
  readonly queriers: readonly Peer[];
  /** Dedicated scrape jobs of the other components' targets (their `scrapeJobs`). */
  readonly scrapeJobs?: readonly PodScrapeJob[];
  /** Who scrapes Prometheus's own metrics (besides the Prometheus pods themselves). */
  readonly scrapers: readonly Peer[];
  /** Ports Prometheus scrapes on node addresses: the kubelet's, host-network exporters'. */
  readonly nodePorts: readonly number[];
  /**
   * The Alertmanager replicas of another cluster (a fleet's observer), each at its own
   * `host:port`, over HTTPS with the client certificate (`clientTlsSecret`); `cidrs` is
   * where their load balancers are. @default none
   */
  readonly remoteAlertmanagers?: { readonly targets: readonly { readonly host: string; readonly port: number }[]; readonly cidrs: readonly string[] };
  /**
   * A Secret with a client certificate (keys `tls.crt`, `tls.key`, `ca.crt`), mounted at
   * lib/fleet/tls.ts's CLIENT_TLS_DIR: what the remote Alertmanagers and TLS scrape targets
   * (a fleet's observer's Alertmanager and Loki) are reached with. @default none
   */
  readonly clientTlsSecret?: string;
}

/** The config reloaders of every pod of the stack (Prometheus, Alertmanager): one job, `config-reloader`. */
export const CONFIG_RELOADER_JOB = 'config-reloader';

/** The kubelet's port on every node (what node discovery puts in `__address__`). */
export const KUBELET_PORT = 10250;

/**
 * Prometheus, an HA pair (production) that both scrape everything; Thanos Query
 * deduplicates them by the replica external label. Config and rules are reloaded in
 * place by the config-reloader sidecar rather than rolled by a hash annotation: a
 * restart replays the WAL (minutes on a busy server) and would open a gap in both
 * replicas' data if a config change rolled them in turn.
 */
export class PrometheusChart extends ComponentChart {
  /** The ClusterIP Service (queries). */
  readonly service: ServiceRef;
  /** The headless Service (StatefulSet identity; DNS SRV of the sidecars' ports). */
  readonly headless: ServiceRef;
  readonly replicaLabel = DEFAULT_REPLICA_LABEL;
  readonly scrapeTarget: ScrapeTarget;
  /** The rendered prometheus.yml (for tests and the e2e harness). */
  readonly configYaml: string;
  readonly configInput: PrometheusConfigInput;
  private readonly statefulSet: k8s.KubeStatefulSet;

  /**
   * The rule files of every component (the same groups as their PrometheusRules). The
   * stack calls this once, after every component has registered its rule groups.
   */
  addRulesConfigMap(maxBytes: number = RULES_CONFIGMAP_MAX_BYTES): void {
    const files = this.ctx.rules.ruleFiles(maxBytes);
    // Pack the files, in name order, into ConfigMaps of at most maxBytes each.
    const maps: Record<string, string>[] = [{}];
    let size = 0;
    for (const [name, text] of Object.entries(files)) {
      const bytes = Buffer.byteLength(text);
      if (size > 0 && size + bytes > maxBytes) {
        maps.push({});
        size = 0;
      }
      maps[maps.length - 1][name] = text;
      size += bytes;
    }
    const names = maps.map((_, i) => (i === 0 ? 'prometheus-rules' : `prometheus-rules-${i + 1}`));
    maps.forEach((data, i) => new k8s.KubeConfigMap(this, i === 0 ? 'rules' : `rules-${i + 1}`, { metadata: this.meta(names[i]), data }));
    if (maps.length > 1) {
      // One directory, several ConfigMaps: a projected volume replaces the plain one.
      const volume = { name: 'rules', projected: { sources: names.map((name) => ({ configMap: { name } })) } };
      ApiObject.of(this.statefulSet).addJsonPatch(JsonPatch.replace(`/spec/template/spec/volumes/${RULES_VOLUME_INDEX}`, volume));
    }
  }

  /**
   * prometheus-operator clusters: the API server (a ServiceMonitor of the `kubernetes`
   * Service, which every cluster has) and CoreDNS (a PodMonitor), with the same jobs, labels
   * and dropped series as the stack's own Prometheus. Not the kubelets (a ServiceMonitor
   * needs a kubelet Service, which exists only where the operator runs with
   * `--kubelet-service`), nor the controller manager and scheduler (no Service selects them
   * on most clusters): there, the cluster's existing monitors (kube-prometheus) or the
   * operator's kubelet Service are the way; see docs/kubernetes-scrapes.md.
   */
  private clusterComponentMonitors(components: ReturnType<typeof clusterComponents>): void {
    if (components.apiServer) {
      const drops = DROPPED_SERIES[JOB_APISERVER];
      new mon.ServiceMonitor(this, 'servicemonitor-apiserver', {
        metadata: { name: JOB_APISERVER, namespace: this.ns },
        spec: {
          jobLabel: 'component',
          selector: { matchLabels: { component: 'apiserver', provider: 'kubernetes' } },
          namespaceSelector: { matchNames: ['default'] },
          endpoints: [
            {
              port: 'https',
              scheme: mon.ServiceMonitorSpecEndpointsScheme.HTTPS,
              // The pod's own ServiceAccount token: `authorization` takes only a Secret.
              bearerTokenFile: SERVICE_ACCOUNT_TOKEN_PATH,
              tlsConfig: { caFile: SERVICE_ACCOUNT_CA_PATH, serverName: 'kubernetes' },
              relabelings: [{ targetLabel: 'job', replacement: JOB_APISERVER, action: mon.ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE }],
              metricRelabelings: [{ sourceLabels: ['__name__'], regex: drops.join('|'), action: mon.ServiceMonitorSpecEndpointsMetricRelabelingsAction.DROP }],
            },
          ],
        },
      });
    }
    if (components.coreDns) {
      new mon.PodMonitor(this, 'podmonitor-coredns', {
        metadata: { name: JOB_COREDNS, namespace: this.ns },
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          namespaceSelector: { matchNames: ['kube-system'] },
          podMetricsEndpoints: [
            {
              portNumber: COREDNS_METRICS_PORT,
              path: '/metrics',
              scheme: mon.PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
              relabelings: [{ targetLabel: 'job', replacement: JOB_COREDNS, action: mon.PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE }],
            },
          ],
        },
      });
    }
  }

  constructor(scope: Construct, ctx: StackContext, props: PrometheusProps) {
    super(scope, ctx, 'prometheus', 'metrics');
    const cfg = ctx.config.prometheus;
    const sidecars = props.sidecars ?? [];
    const name = 'prometheus';
    const secretNames = prometheusSecretNames(ctx.config);

    // The config reloaders of the stack's pods, in this namespace: one job for all.
    const reloaders = new ScrapeTarget({ name: CONFIG_RELOADER_JOB, job: CONFIG_RELOADER_JOB, port: CONFIG_RELOADER_PORT, portName: CONFIG_RELOADER_PORT_NAME });
    this.addMetricsPort(CONFIG_RELOADER_PORT);
    reloaders.podMonitor(this, this.ns, stackSelector(ctx.config));

    const k8sParts = ctx.config.kubernetesComponents ?? {};
    this.configInput = {
      cluster: ctx.config.cluster,
      replicaLabel: this.replicaLabel,
      scrapeInterval: cfg.scrapeInterval,
      scrapeTimeout: cfg.scrapeTimeout,
      evaluationInterval: cfg.evaluationInterval,
      ruleFiles: [`${RULES_DIR}/*.yaml`],
      alertmanagers: props.alertmanager ? [props.alertmanager] : [],
      staticAlertmanagers: props.remoteAlertmanagers ? [{ targets: props.remoteAlertmanagers.targets.map((t) => `${t.host}:${t.port}`), tls: clientTlsFiles() }] : undefined,
      kubelet: { enabled: k8sParts.kubelet ?? true, tls: k8sParts.kubeletTls ?? 'insecure-skip-verify' },
      clusterComponents: { apiServer: k8sParts.apiServer, coreDns: k8sParts.coreDns, controllerManager: k8sParts.controllerManager, scheduler: k8sParts.scheduler },
      podScrapeJobs: [
        ...sidecars.filter((s) => s.scrapeJob).map((s) => ({ ...s.scrapeJob!, namespace: this.ns, podLabels: this.selector })),
        reloaders.podScrapeJob(this.ns, stackSelector(ctx.config)),
        ...(props.scrapeJobs ?? []),
      ],
      externalLabels: cfg.externalLabels,
      extraScrapeConfigs: cfg.extraScrapeConfigs as readonly ExtraScrapeConfig[] | undefined,
      remoteWrite: cfg.remoteWrite?.map(remoteWriteInput),
    };
    const components = clusterComponents(this.configInput);
    this.clusterComponentMonitors(components);
    this.configYaml = prometheusConfigYaml(this.configInput);
    const access = prometheusDiscoveryAccess(renderPrometheusConfig(this.configInput));

    this.scrapeTarget = new ScrapeTarget({ name, port: PROMETHEUS_PORT, portName: 'web' });
    const annotations = this.addScrapeTarget(this.scrapeTarget);
    const { runbookBaseUrl, kubeStateMetrics, nodeExporter, alerts } = ctx.config;
    const { upstreamRunbooks, thresholds } = alerts;
    // The alerting pipeline as a whole (TargetDown, Watchdog, InfoInhibitor), Prometheus itself,
    // the config reloaders of Prometheus and Alertmanager, and the exporters being up.
    this.addRuleGroups([
      generalAlerts({ runbookBaseUrl, upstreamRunbooks, thresholds }),
      prometheusAlerts({ runbookBaseUrl, upstreamRunbooks, thresholds }),
      configReloaderAlerts({ runbookBaseUrl, upstreamRunbooks }),
      ...exporterAlerts({ runbookBaseUrl, kubeStateMetrics: kubeStateMetrics.enabled, nodeExporter: nodeExporter.enabled }),
    ]);

    // ---- RBAC: exactly what discovery needs, no wildcards.
    this.serviceAccount(name);
    const clusterName = `${this.ns}-prometheus`;
    new k8s.KubeClusterRole(this, 'clusterrole', {
      metadata: { name: clusterName },
      rules: access.clusterRules.map((r) => ('nonResourceURLs' in r ? { nonResourceUrLs: [...r.nonResourceURLs], verbs: [...r.verbs] } : { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    });
    new k8s.KubeClusterRoleBinding(this, 'clusterrolebinding', {
      metadata: { name: clusterName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name, namespace: this.ns }],
    });
    // Discovery restricted to named namespaces (extra scrape configs): a Role in each.
    for (const { namespace, rules } of access.namespaceRules) {
      new k8s.KubeRole(this, `role-${namespace}`, {
        metadata: { name: clusterName, namespace },
        rules: rules.map((r) => ('nonResourceURLs' in r ? { nonResourceUrLs: [...r.nonResourceURLs], verbs: [...r.verbs] } : { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
      });
      new k8s.KubeRoleBinding(this, `rolebinding-${namespace}`, {
        metadata: { name: clusterName, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: clusterName },
        subjects: [{ kind: 'ServiceAccount', name, namespace: this.ns }],
      });
    }

    // ---- Config and rules.
    new k8s.KubeConfigMap(this, 'config', { metadata: this.meta('prometheus-config'), data: { 'prometheus.yml': this.configYaml } });
    for (const cm of sidecars.flatMap((sc) => sc.configMaps ?? [])) new k8s.KubeConfigMap(this, `configmap-${cm.name}`, { metadata: this.meta(cm.name), data: cm.data });

    const args = [
      `--config.file=${CONFIG_DIR}/prometheus.yml`,
      `--storage.tsdb.path=${DATA_DIR}`,
      `--storage.tsdb.retention.time=${cfg.retention}`,
      '--web.enable-lifecycle',
      '--web.route-prefix=/',
      ...(cfg.externalUrl ? [`--web.external-url=${cfg.externalUrl}`] : []),
      ...prometheusFeatureFlags(IMAGES.prometheus),
      ...sidecars.flatMap((s) => s.prometheusArgs),
    ];

    const prometheus = container({
      name: 'prometheus',
      image: IMAGES.prometheus,
      args,
      env: [{ name: replicaLabelEnv(this.configInput).name, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      ports: [{ name: 'web', containerPort: PROMETHEUS_PORT }],
      resources: cfg.resources,
      readinessProbe: httpProbe({ path: '/-/ready', port: 'web', periodSeconds: 5 }),
      livenessProbe: httpProbe({ path: '/-/healthy', port: 'web', periodSeconds: 15, failureThreshold: 4 }),
      // WAL replay after a restart can take many minutes: allow up to 30 minutes before liveness applies.
      startupProbe: httpProbe({ path: '/-/ready', port: 'web', periodSeconds: 15, failureThreshold: 120 }),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'rules', mountPath: RULES_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
        ...secretNames.map((secret, i) => ({ name: `secret-${i + 1}`, mountPath: `${PROMETHEUS_SECRETS_DIR}/${secret}`, readOnly: true })),
        ...(props.clientTlsSecret ? [tlsMount('client')] : []),
      ],
    });
    const reloader = configReloader({
      reloadUrl: `http://127.0.0.1:${PROMETHEUS_PORT}/-/reload`,
      configFile: `${CONFIG_DIR}/prometheus.yml`,
      watchedDirs: [RULES_DIR],
      // The config it watches is what the server reads: the server's read-only mounts.
      volumeMounts: (prometheus.volumeMounts ?? []).filter((m) => m.readOnly && (m.name === 'config' || m.name === 'rules')),
    });

    const headlessName = 'prometheus-headless';
    this.statefulSet = new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.meta(name),
      spec: {
        serviceName: headlessName,
        replicas: cfg.replicas,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          serviceAccountName: name,
          apiAccess: true,
          terminationGracePeriodSeconds: 600,
          containers: [prometheus, reloader, ...sidecars.map((s) => s.container)],
          volumes: [
            { name: 'config', configMap: { name: 'prometheus-config' } },
            { name: 'rules', configMap: { name: 'prometheus-rules' } },
            ...sidecars.flatMap((s) => s.volumes),
            ...secretNames.map((secret, i) => ({ name: `secret-${i + 1}`, secret: { secretName: secret, defaultMode: 0o440 } })),
            ...(props.clientTlsSecret ? [tlsVolume('client', props.clientTlsSecret)] : []),
          ],
        }),
        volumeClaimTemplates: [volumeClaimTemplate('data', cfg.storage)],
      },
    });

    const sidecarPorts = sidecars.flatMap((s) => s.servicePorts);
    // The sidecars' metrics ports: only this Prometheus scrapes them (its podScrapeJobs).
    const sidecarMetricsPorts = sidecars.flatMap((s) => {
      if (!s.scrapeJob) return [];
      const port = (s.container.ports ?? []).find((p) => p.name === s.scrapeJob!.portName);
      if (!port) throw new Error(`sidecar ${s.container.name}: scrapeJob.portName "${s.scrapeJob.portName}" is not one of its ports`);
      return [port.containerPort];
    });
    new k8s.KubeService(this, 'service', {
      metadata: this.meta(name),
      spec: { selector: this.selector, ports: [{ name: 'web', port: PROMETHEUS_PORT, targetPort: k8s.IntOrString.fromString('web') }] },
    });
    new k8s.KubeService(this, 'headless', {
      metadata: this.meta(headlessName),
      spec: {
        clusterIp: 'None',
        selector: this.selector,
        ports: [
          { name: 'web', port: PROMETHEUS_PORT, targetPort: k8s.IntOrString.fromString('web') },
          ...sidecarPorts.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name) })),
        ],
      },
    });
    this.service = new ServiceRef(name, this.ns, PROMETHEUS_PORT, 'web', this.selector);
    this.headless = new ServiceRef(headlessName, this.ns, PROMETHEUS_PORT, 'web', this.selector);

    disruptionBudget(this, name, this.ns, this.selector, cfg.replicas);

    const replicas: Peer[] = cfg.replicas > 1 ? [{ pods: this.selector }] : [];
    networkPolicy(this, {
      name,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [
        // The HTTP API (PromQL).
        { peers: props.queriers, ports: [{ port: PROMETHEUS_PORT }] },
        // Its own metrics and its config reloader's (the `config-reloader` job and PodMonitor):
        // every replica scrapes the others (a pod always reaches itself), other scrapers too;
        // the sidecars' metrics only the replicas.
        this.scrapeIngress([...replicas, ...props.scrapers]),
        { peers: replicas, ports: sidecarMetricsPorts.map((port) => ({ port })) },
        ...sidecarPorts.map((p) => ({ peers: p.clients, ports: [{ port: p.port }] })),
      ],
      egress: [
        // Scrapes: annotated pods in every namespace, on whatever port they declare.
        { peers: [{ allNamespaces: true }], ports: 'all' },
        // Kubelets, host-network agents (node-exporter) and, when scraped, the controller
        // manager and the scheduler listen on node addresses, which no pod selector matches;
        // not an ipBlock either, which Cilium by default does not match against the
        // cluster's nodes.
        {
          peers: 'any',
          ports: [...new Set([...props.nodePorts, ...(components.controllerManager ? [CONTROLLER_MANAGER_PORT] : []), ...(components.scheduler ? [SCHEDULER_PORT] : [])])].map((port) => ({ port })),
        },
        // The Kubernetes API (discovery).
        apiServerEgress(ctx.config),
        ...sidecars.flatMap((s) => s.egress),
        // Remote-write receivers and static targets of extra scrape configs outside the cluster.
        ...(outsidePorts(ctx.config).length > 0 ? [externalEgress(ctx.config, outsidePorts(ctx.config))] : []),
        // The remote Alertmanagers, at their load balancers.
        ...(props.remoteAlertmanagers ? [{ peers: props.remoteAlertmanagers.cidrs.map((cidr) => ({ cidr })), ports: [...new Set(props.remoteAlertmanagers.targets.map((t) => t.port))].map((port) => ({ port })) }] : []),
      ],
    });
  }
}

/** The Secrets mounted into Prometheus: `prometheus.secrets`, then those of `remoteWrite[].auth`, each once. */
export function prometheusSecretNames(config: StackConfig): string[] {
  const cfg = config.prometheus;
  const names = [...(cfg.secrets ?? []).map((s) => s.name), ...(cfg.remoteWrite ?? []).flatMap((rw) => (rw.auth ? [rw.auth.secret.name] : []))];
  return names.filter((n, i) => names.indexOf(n) === i);
}

/** The file of a key of a Secret mounted into Prometheus. */
export function prometheusSecretFile(secret: string, key: string): string {
  return `${PROMETHEUS_SECRETS_DIR}/${secret}/${key}`;
}

function remoteWriteInput(rw: RemoteWriteConfig): RemoteWriteInput {
  const auth = rw.auth;
  return {
    url: rw.url,
    name: rw.name,
    remoteTimeout: rw.remoteTimeout,
    headers: rw.headers,
    basicAuth: auth?.type === 'basic' ? { username: auth.username, passwordFile: prometheusSecretFile(auth.secret.name, auth.passwordKey ?? 'password') } : undefined,
    bearerTokenFile: auth?.type === 'bearer' ? prometheusSecretFile(auth.secret.name, auth.tokenKey ?? 'token') : undefined,
    writeRelabelConfigs: rw.writeRelabelConfigs as readonly Readonly<Record<string, unknown>>[] | undefined,
  };
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Ports Prometheus reaches outside the cluster: remote-write receivers and static scrape targets. */
function outsidePorts(config: StackConfig): number[] {
  const ports = (config.prometheus.remoteWrite ?? []).map((rw) => portOf(new URL(rw.url)));
  for (const sc of config.prometheus.extraScrapeConfigs ?? []) {
    for (const group of sc.static_configs ?? []) {
      for (const target of group.targets) {
        const m = /:(\d+)$/.exec(target);
        ports.push(m ? Number(m[1]) : sc.scheme === 'https' ? 443 : 80);
      }
    }
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}
