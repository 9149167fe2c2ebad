import { Construct } from 'constructs';
import type { StackConfig } from './config/types';
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
import { THANOS_GRPC_PORT, ThanosCompactChart, ThanosQueryChart, ThanosStoreChart, thanosSidecar } from './components/thanos';
import { KubeStateMetricsChart, NodeExporterChart } from './components/infrastructure-exporters';

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

  constructor(scope: Construct, id: string, config: StackConfig) {
    super(scope, id);
    this.charts = this.componentCharts;
    this.config = freezePlainData(validateConfig(config));
    this.context = { config, rules: new RuleRegistry() };
    const ctx = this.context;

    this.add(new NamespaceChart(this, ctx));

    // Selectors of the stack's own pods, for NetworkPolicy peers. The stack's Prometheus
    // pods scrape every component, and so do the other Prometheus servers the config names
    // (e.g. an operator-managed one using the operator/ monitors), on the metrics ports only.
    const prometheusPods = { pods: selectorLabels(config, 'prometheus') };
    const grafanaPods = { pods: selectorLabels(config, 'grafana') };
    const thanosQueryPods = { pods: selectorLabels(config, 'thanos-query') };
    const additionalScrapers: Peer[] = (config.network.additionalScrapers ?? []).map((s) => ({ namespace: s.namespace, pods: s.podLabels }));
    const scrapers: Peer[] = [prometheusPods, ...additionalScrapers];

    if (config.exporter.enabled) this.add(new AppExporterChart(this, ctx, { scrapers }));
    if (config.kubeStateMetrics.enabled) this.add(new KubeStateMetricsChart(this, ctx, { scrapers }));
    const nodeExporter = config.nodeExporter.enabled ? this.add(new NodeExporterChart(this, ctx, { scrapers })) : undefined;
    this.add(new AlertRulesChart(this, ctx));
    this.add(new KubernetesRulesChart(this, ctx));
    if (config.slos.declarations.length > 0) this.add(new SlosChart(this, ctx));

    const alertmanager = config.alertmanager.enabled ? this.add(new AlertmanagerChart(this, ctx, { clients: [prometheusPods, grafanaPods], scrapers })) : undefined;

    // Logs: Loki, and the collector that ships to it (or to Elasticsearch).
    const collectorPeer = LogCollectorChart.peerFor(config);
    const shipsToLoki = config.logCollector.enabled && config.logCollector.kind !== 'fluentd';
    const loki = config.loki.enabled ? this.add(new LokiChart(this, ctx, { clients: [grafanaPods, ...(shipsToLoki ? [collectorPeer] : [])], scrapers })) : undefined;
    if (config.logCollector.enabled) this.add(new LogCollectorChart(this, ctx, { loki: loki?.service, scrapers }));

    // Metrics: Thanos store and compactor, Prometheus with the Thanos sidecar, Thanos query.
    const thanos = config.thanos.enabled;
    const stores = thanos ? this.add(new ThanosStoreChart(this, ctx, { queriers: [thanosQueryPods], scrapers })) : undefined;
    if (thanos) this.add(new ThanosCompactChart(this, ctx, { scrapers }));

    const prometheus = config.prometheus.enabled
      ? this.add(
          new PrometheusChart(this, ctx, {
            queriers: [grafanaPods],
            scrapers: additionalScrapers,
            nodePorts: [KUBELET_PORT, ...(nodeExporter?.metricsPorts ?? [])],
            alertmanager: alertmanager?.alertmanagerRef,
            sidecars: thanos ? [thanosSidecar(config, { storeApiClients: [thanosQueryPods] })] : [],
            // Targets the annotated-pods job cannot scrape (kube-state-metrics, node-exporter, ...).
            scrapeJobs: this.charts.flatMap((c) => c.scrapeJobs),
          }),
        )
      : undefined;
    const thanosQuery =
      prometheus && stores
        ? this.add(
            new ThanosQueryChart(this, ctx, {
              replicaLabel: prometheus.replicaLabel,
              sidecars: prometheus.headless.withPort('grpc', THANOS_GRPC_PORT),
              stores: stores.grpc,
              clients: [grafanaPods],
              scrapers,
              storeApiPods: [{ pods: prometheus.selector }, { pods: stores.selector }],
              expectedEndpoints: config.prometheus.replicas + config.thanos.storeGateway.replicas + config.thanos.query.extraEndpoints.length,
            }),
          )
        : undefined;

    if (config.grafana.enabled && prometheus) {
      this.add(
        new GrafanaChart(this, ctx, {
          scrapers,
          datasources: { thanosQuery: thanosQuery?.http, prometheus: prometheus.service, loki: loki?.service, alertmanager: alertmanager?.service },
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
