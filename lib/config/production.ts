import { exporterSlos } from '../observability/slo/defaults';
import { defineEnvironment } from './environment';

/**
 * Example: a production environment. HA everywhere, paging on, long retention in object
 * storage, the demo exporter on (`simulate`). Only what differs from `ENVIRONMENT_DEFAULTS` is
 * written here.
 */
export const production = defineEnvironment({
  environment: 'production',
  cluster: 'prod-eu-1',
  labels: { 'example.com/team': 'sre', 'example.com/environment': 'production' },
  runbookBaseUrl: 'https://runbooks.example.com/observability',
  scheduling: { spreadAcrossZones: true },
  network: {
    ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    // API server egress: TCP 443 and 6443 to any address. To narrow it, set
    // apiServerEndpointCidrs to the endpoint addresses (README, "Network policies").
  },
  prometheus: {
    storage: { storageClassName: 'standard-rwo', size: '100Gi' },
    resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '8Gi' },
    externalUrl: 'https://prometheus.example.com',
  },
  alertmanager: {
    replicas: 3,
    storage: { storageClassName: 'standard-rwo', size: '2Gi' },
    resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    externalUrl: 'https://alertmanager.example.com',
    paging: true,
    receiversSecret: { name: 'alertmanager-receivers' },
    slackChannels: {
      critical: '#alerts-critical',
      warnings: '#alerts-warnings',
      infrastructure: '#alerts-infrastructure',
      application: '#alerts-application',
      default: '#alerts-info',
    },
    // One Slack app bot token (Secret key slack-app-token) posts to every channel.
    slackAuth: 'app-token',
    email: { to: 'sre-team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alertmanager@example.com' },
    // Every alert to an event store; URL and token in the Secret (webhook.url, webhook.token).
    webhook: { bearerToken: true },
    // Watchdog pings the URL in Secret key deadmans-switch.url every minute.
    deadMansSwitch: { interval: '1m' },
    // The payments team owns its alerts: pages go to its own PagerDuty service, everything
    // to its channel (and not to the SRE channels and pager).
    receivers: [
      { name: 'payments-pagerduty', pagerduty: {} },
      { name: 'payments-slack', slack: { channel: '#payments-alerts' } },
    ],
    routes: [
      { receiver: 'payments-pagerduty', matchers: ['team="payments"', 'severity="critical"'], continue: true },
      { receiver: 'payments-slack', matchers: ['team="payments"'] },
    ],
  },
  grafana: {
    // Two replicas share one PostgreSQL database (users, sessions, dashboards' versions).
    replicas: 2,
    database: { type: 'postgres', host: 'grafana-db.example.internal:5432', name: 'grafana', credentialsSecret: { name: 'grafana-database' } },
    adminSecret: { name: 'grafana-admin' },
    externalUrl: 'https://grafana.example.com',
  },
  thanos: {
    objectStorage: { backend: 's3', bucket: 'example-prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'thanos-objstore' } },
    storeGateway: { storage: { storageClassName: 'standard-rwo', size: '20Gi' } },
    compactor: { storage: { storageClassName: 'standard-rwo', size: '50Gi' }, retention1h: '2y' },
  },
  loki: {
    storage: { storageClassName: 'standard-rwo', size: '50Gi' },
    objectStorage: { backend: 's3', bucket: 'example-prod-logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'loki-objstore' } },
  },
  exporter: {
    enabled: true,
    // Build and push it yourself (README, "The exporter image"); replace the registry.
    image: 'registry.example.com/observability/app-exporter:0.1.0',
    replicas: 2,
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '192Mi' },
  },
  alerts: { expectedTraffic: ['job="app-exporter"'] },
  slos: {
    // The stack's own exporter: HTTP availability 99.9% and latency (99% under 0.5 s) over 30 days.
    declarations: exporterSlos({ selector: 'job="app-exporter"', runbookUrl: 'https://runbooks.example.com/observability/slo' }),
  },
});
