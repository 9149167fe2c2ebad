import { readFileSync } from 'fs';
import { join } from 'path';
import { Construct } from 'constructs';
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { addExporterSidecar, defineEnvironment, MonitoringStack, readPrometheusRuleFile, readSlothSpec } from 'observability-stack';

/** Your application: a cdk8s-plus-33 Deployment that serves its own /metrics on 8080. */
export class ShopChart extends Chart {
  readonly checkout: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = { }) {
    super(scope, id, props);
    this.checkout = new kplus.Deployment(this, 'checkout', {
      metadata: { name: 'checkout' },
      containers: [{ name: 'checkout', image: 'registry.shop.internal/checkout:1.4.2', portNumber: 8080, securityContext: { user: 1000 } }],
    });
    // The app's own metrics, scraped by the stack's `kubernetes-pods` job.
    this.checkout.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
    this.checkout.podMetadata.addAnnotation('prometheus.io/port', '8080');
    // Business metrics: the app POSTs events to the sidecar (http://127.0.0.1:8000/v1/events).
    // Both are scraped; the PodMonitor is for clusters that run prometheus-operator.
    addExporterSidecar(this.checkout, { source: 'events', podMonitorNamespace: 'shop' });
  }
}

/** Only what differs from the documented defaults, and what only you can decide. */
export const production = defineEnvironment({
  environment: 'production',
  cluster: 'shop-prod-eu-1',
  runbookBaseUrl: 'https://runbooks.shop.internal/observability',
  network: {
    ingressController: { namespace: 'ingress-nginx' },
  },
  alertmanager: {
    receiversSecret: { name: 'alertmanager-receivers' },
    paging: true,
    slackChannels: { critical: '#shop-pager', warnings: '#shop-alerts', infrastructure: '#shop-infra', application: '#shop-alerts' },
  },
  grafana: {
    adminSecret: { name: 'grafana-admin' },
    ingress: { host: 'grafana.shop.internal', className: 'nginx', tlsSecret: { name: 'grafana-tls' } },
  },
  thanos: { objectStorage: { backend: 's3', bucket: 'shop-prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' } },
  loki: { objectStorage: { backend: 's3', bucket: 'shop-prod-logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' } },
  prometheus: { retention: '30d', externalLabels: { region: 'eu-west-1' } },
  slos: { declarations: readSlothSpec(readFileSync(join(__dirname, 'slos', 'checkout.yml'), 'utf8'), { source: 'slos/checkout.yml' }) },
  alerts: { extraRuleGroups: readPrometheusRuleFile(readFileSync(join(__dirname, 'rules', 'checkout.rules.yml'), 'utf8'), 'rules/checkout.rules.yml') },
});

const app = new App();
new ShopChart(app, 'shop', { namespace: 'shop' });
new MonitoringStack(app, 'monitoring', production);
app.synth();
