import { Construct } from 'constructs';
import type { ObjectStorageConfig, StackConfig } from './config/types';
import { FleetContext, remoteWorkloads, ResolvedFleetCluster } from './fleet/model';
import { fleetAlerts } from './fleet/alerts';
import { validateConfig } from './config/validate';
import { ComponentChart, StackContext } from './k8s/component';
import { selectorLabels } from './k8s/labels';
import type { Peer } from './k8s/network-policy';
import { RuleRegistry } from './observability/rule-registry';
import { NamespaceChart } from './components/namespace';
import { AppExporterChart } from './components/app-exporter';
import { KUBELET_PORT, PrometheusChart } from './components/prometheus';
import { AlertmanagerChart } from './components/alertmanager';
import { AlertRulesChart } from './components/alert-rules';
import { KubernetesRulesChart } from './components/kubernetes-rules';
import { SlosChart } from './components/slos';
import { ExtraRulesChart } from './components/extra-rules';
import { LokiChart } from './components/loki';
import { GrafanaChart } from './components/grafana';
import { LogCollectorChart } from './components/log-collector';
import { THANOS_GRPC_PORT, ThanosBucket, ThanosCompactChart, ThanosQueryChart, ThanosStoreChart, thanosSidecar } from './components/thanos';
import { KubeStateMetricsChart, NodeExporterChart } from './components/infrastructure-exporters';

/** How a stack is built beyond its config. */
export interface MonitoringStackOptions {
  /**
   * The stack is one cluster of a fleet (lib/fleet/model.ts `resolveFleet`): it wires the
   * cross-cluster flows (StoreAPI gateway or global Query, alerts and logs to the observer)
   * from the fleet's declarations. @default a single environment
   */
  readonly fleet?: FleetContext;
}

const cidrPeers = (cidrs: readonly string[]): Peer[] => cidrs.map((cidr) => ({ cidr }));

/** A cluster's bucket as the observer reads it: with the Secret named for it in the observer. */
function observerBucket(c: ResolvedFleetCluster): ThanosBucket {
  const o = c.objectStorage;
  let objectStorage: ObjectStorageConfig = o;
  if (o.backend !== 'filesystem') {
    const { credentialsSecret: _own, ...rest } = o;
    objectStorage = (c.observerBucketSecret ? { ...rest, credentialsSecret: { name: c.observerBucketSecret } } : rest) as ObjectStorageConfig;
  }
  return { suffix: c.name, objectStorage, cluster: c.name };
}

/**
 * The whole stack of one environment: validates the config, then composes the
 * components. Data flows one way: config -> stack -> components; what one component
 * needs of another (a Service, a URL, a selector) is passed in by the stack.
 *
 * Everything is built in the constructor, from the config as it is then: the config's plain
 * data is frozen (a later change throws instead of being ignored; class instances such as
 * dashboard builders are left alone), and rule groups added to `context.rules` afterwards
 * throw (declare them in `alerts.extraRuleGroups`).
 */
export class MonitoringStack extends Construct {
  readonly config: StackConfig;
  readonly context: StackContext;
  /** The component charts in creation order; each becomes one file. */
  readonly charts: readonly ComponentChart[];
  private readonly componentCharts: ComponentChart[] = [];

  constructor(scope: Construct, id: string, config: StackConfig, options: MonitoringStackOptions = {}) {
    super(scope, id);
    this.charts = this.componentCharts;
    const fleet = options.fleet;
    this.config = freezePlainData(validateConfig(config, { lokiElsewhere: fleet !== undefined && !fleet.self.observer }));
    this.context = { config, rules: new RuleRegistry(), fleet };
    const ctx = this.context;

    // A fleet: who this cluster is, where the observer is, who the others are.
    const self = fleet?.self;
    const observer = fleet?.fleet.observer;
    const tls = fleet?.fleet.tls;
    // A workload cluster that is not the observer: alerts, logs and queries cross to the observer.
    const remote = fleet !== undefined && !fleet.self.observer;
    const others = fleet ? fleet.fleet.clusters.filter((c) => c.name !== fleet.self.name) : [];
    // The observer's endpoints (Alertmanager, Loki) admit the other clusters at the load balancer too.
    const fromOthers = self ? { sourceRanges: others.flatMap((c) => c.egressCidrs), annotations: self.loadBalancerAnnotations } : undefined;

    this.add(new NamespaceChart(this, ctx));

    // Selectors of the stack's own pods, for NetworkPolicy peers. The stack's Prometheus
    // pods scrape every component, and so do the other Prometheus servers the config names
    // (e.g. an operator-managed one using the operator/ monitors), on the metrics ports only.
    const prometheusPods = { pods: selectorLabels(config, 'prometheus') };
    // Grafana's pods, where it runs (a fleet's workload cluster has none).
    const grafanaPods = { pods: selectorLabels(config, 'grafana') };
    const grafanaClients = config.grafana.enabled ? [grafanaPods] : [];
    const thanosQueryPods = { pods: selectorLabels(config, 'thanos-query') };
    const additionalScrapers: Peer[] = (config.network.additionalScrapers ?? []).map((s) => ({ namespace: s.namespace, pods: s.podLabels }));
    const scrapers: Peer[] = [prometheusPods, ...additionalScrapers];

    if (config.exporter.enabled) this.add(new AppExporterChart(this, ctx, { scrapers }));
    if (config.kubeStateMetrics.enabled) this.add(new KubeStateMetricsChart(this, ctx, { scrapers }));
    const nodeExporter = config.nodeExporter.enabled ? this.add(new NodeExporterChart(this, ctx, { scrapers })) : undefined;
    this.add(new AlertRulesChart(this, ctx));
    this.add(new KubernetesRulesChart(this, ctx));
    if (config.slos.declarations.length > 0) this.add(new SlosChart(this, ctx));

    // The fleet's observer: its Alertmanager and Loki take the other clusters' alerts and
    // logs over TLS with client certificates, each through its own load balancer.
    const alertmanager = config.alertmanager.enabled
      ? this.add(
          new AlertmanagerChart(this, ctx, {
            clients: [prometheusPods, ...grafanaClients],
            scrapers,
            fleet:
              fleet && tls
                ? { serverSecret: tls.serverSecret, clientSecret: tls.clientSecret, remoteClients: cidrPeers(others.flatMap((c) => c.egressCidrs)), endpoints: fleet.self.alertmanagers, clusters: fleet.fleet.clusters.map((c) => c.name), loadBalancer: fromOthers! }
                : undefined,
          }),
        )
      : undefined;

    // Logs: Loki, and the collector that ships to it (or to Elasticsearch).
    const collectorPeer = LogCollectorChart.peerFor(config);
    const shipsToLoki = config.logCollector.enabled && config.logCollector.kind !== 'fluentd';
    const loki = config.loki.enabled
      ? this.add(
          new LokiChart(this, ctx, {
            clients: [...grafanaClients, ...(shipsToLoki ? [collectorPeer] : [])],
            scrapers,
            fleet:
              fleet && tls && fleet.self.loki
                ? { serverSecret: tls.serverSecret, clientSecret: tls.clientSecret, remoteClients: cidrPeers(others.flatMap((c) => c.egressCidrs)), endpoint: fleet.self.loki, tenants: fleet.fleet.clusters.map((c) => c.name), loadBalancer: fromOthers! }
                : undefined,
          }),
        )
      : undefined;
    if (config.logCollector.enabled) {
      this.add(
        new LogCollectorChart(this, ctx, {
          loki: loki?.service,
          scrapers,
          fleet:
            fleet && tls
              ? {
                  clientSecret: tls.clientSecret,
                  tenantId: fleet.self.name,
                  remote: remote && observer?.loki ? { host: observer.loki.host, port: observer.loki.port, cidrs: observer.loadBalancerCidrs } : undefined,
                }
              : undefined,
        }),
      );
    }

    // Metrics: Thanos store and compactor, Prometheus with the Thanos sidecar, Thanos query.
    // In a fleet, the observer runs a store gateway and a compactor per cluster bucket, and
    // a workload cluster none (its bucket is read by the observer's).
    const thanos = config.thanos.enabled;
    const buckets: (ThanosBucket | undefined)[] = !thanos || remote ? [] : [undefined, ...others.map(observerBucket)];
    const stores = buckets.map((bucket) => this.add(new ThanosStoreChart(this, ctx, { queriers: [thanosQueryPods], scrapers, bucket })));
    for (const bucket of buckets) this.add(new ThanosCompactChart(this, ctx, { scrapers, bucket }));

    const prometheus = config.prometheus.enabled
      ? this.add(
          new PrometheusChart(this, ctx, {
            queriers: grafanaClients,
            scrapers: additionalScrapers,
            nodePorts: [KUBELET_PORT, ...(nodeExporter?.metricsPorts ?? [])],
            alertmanager: alertmanager?.alertmanagerRef,
            remoteAlertmanagers: remote && observer ? { targets: observer.alertmanagers, cidrs: observer.loadBalancerCidrs } : undefined,
            clientTlsSecret: tls?.clientSecret,
            sidecars: thanos ? [thanosSidecar(config, { storeApiClients: [thanosQueryPods], ownsObjstoreConfigMap: stores.length === 0 })] : [],
            // Targets the annotated-pods job cannot scrape (kube-state-metrics, node-exporter, ...).
            scrapeJobs: this.charts.flatMap((c) => c.scrapeJobs),
          }),
        )
      : undefined;
    const remoteStores = fleet && fleet.self.observer ? remoteWorkloads(fleet.fleet) : [];
    const thanosQuery =
      prometheus && thanos && (stores.length > 0 || remote)
        ? this.add(
            new ThanosQueryChart(this, ctx, {
              replicaLabel: prometheus.replicaLabel,
              sidecars: prometheus.headless.withPort('grpc', THANOS_GRPC_PORT),
              stores: stores.map((s) => s.grpc),
              clients: grafanaClients,
              scrapers,
              storeApiPods: [{ pods: prometheus.selector }, ...stores.map((s) => ({ pods: s.selector }))],
              expectedEndpoints: config.prometheus.replicas + stores.length * config.thanos.storeGateway.replicas + config.thanos.query.extraEndpoints.length + remoteStores.length,
              remoteStores:
                remoteStores.length > 0 && tls
                  ? { clientSecret: tls.clientSecret, endpoints: remoteStores.map((c) => ({ cluster: c.name, host: c.storeApi!.host, port: c.storeApi!.port, cidrs: c.loadBalancerCidrs })) }
                  : undefined,
              gateway: remote && tls && self?.storeApi && observer ? { serverSecret: tls.serverSecret, remoteClients: cidrPeers(observer.egressCidrs), endpoint: self.storeApi, loadBalancer: { sourceRanges: observer.egressCidrs, annotations: self.loadBalancerAnnotations } } : undefined,
              ruleGroups: remoteStores.length > 0 ? [fleetAlerts({ runbookBaseUrl: config.runbookBaseUrl, namespace: config.namespace, clusters: remoteStores.map((c) => c.name) })] : [],
              alerts: fleet ? { buckets: stores.map((s, i) => ({ storeJob: s.componentName, compactJob: s.componentName.replace('thanos-store', 'thanos-compact'), cluster: buckets[i]?.cluster })) } : undefined,
            }),
          )
        : undefined;

    if (config.grafana.enabled && prometheus) {
      this.add(
        new GrafanaChart(this, ctx, {
          scrapers,
          datasources: {
            thanosQuery: thanosQuery?.http,
            prometheus: prometheus.service,
            loki: loki?.service,
            alertmanager: alertmanager?.service,
            fleet: fleet && tls ? { clientSecret: tls.clientSecret, lokiTenants: fleet.fleet.clusters.map((c) => c.name) } : undefined,
          },
        }),
      );
    }

    // The user's own rule groups, after the stack's (a clash names both).
    if ((config.alerts.extraRuleGroups ?? []).length > 0) this.add(new ExtraRulesChart(this, ctx));

    // Last: Prometheus mounts the rule groups of every component.
    prometheus?.addRulesConfigMap();
    ctx.rules.seal(
      prometheus
        ? `Prometheus's rule files were written when MonitoringStack "${id}" was constructed`
        : `MonitoringStack "${id}" is constructed`,
    );
  }

  private add<T extends ComponentChart>(chart: T): T {
    this.componentCharts.push(chart);
    return chart;
  }
}

/** Freezes plain objects and arrays, deeply; anything else (class instances) is left as it is. */
function freezePlainData<T>(value: T): T {
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value)))) {
    if (!Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value as object)) freezePlainData(v);
    }
  }
  return value;
}
