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
import { LokiChart } from './components/loki';
import { GrafanaChart } from './components/grafana';
import { LogCollectorChart } from './components/log-collector';
import { THANOS_GRPC_PORT, ThanosCompactChart, ThanosQueryChart, ThanosStoreChart, thanosSidecar } from './components/thanos';
import { KubeStateMetricsChart, NodeExporterChart } from './components/infrastructure-exporters';

/**
 * The whole stack of one environment: validates the config, then composes the
 * components. Data flows one way: config -> stack -> components; what one component
 * needs of another (a Service, a URL, a selector) is passed in by the stack.
 */
export class MonitoringStack extends Construct {
  readonly config: StackConfig;
  readonly context: StackContext;
  /** The component charts in creation order; each becomes one file. */
  readonly charts: ComponentChart[] = [];

  constructor(scope: Construct, id: string, config: StackConfig) {
    super(scope, id);
    this.config = validateConfig(config);
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

    // Last: Prometheus mounts the rule groups of every component.
    prometheus?.addRulesConfigMap();
  }

  private add<T extends ComponentChart>(chart: T): T {
    this.charts.push(chart);
    return chart;
  }
}
