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
    apiServerCidrs: ['10.0.0.1/32'],
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
    email: { to: 'sre-team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alertmanager@example.com' },
    webhook: { url: 'https://events.example.com/alertmanager' },
  },
  grafana: {
    replicas: 2,
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
  exporter: { enabled: true, replicas: 2, resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '192Mi' } },
  alerts: { expectedTraffic: ['job="app-exporter"'] },
  slos: {
    // The stack's own exporter: HTTP availability 99.9% and latency (99% under 0.5 s) over 30 days.
    declarations: exporterSlos({ selector: 'job="app-exporter"', runbookUrl: 'https://runbooks.example.com/observability/slo' }),
  },
});
