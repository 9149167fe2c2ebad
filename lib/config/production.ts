import { exporterSlos } from '../observability/slo/defaults';
import type { StackConfig } from './types';

/** Production: HA everywhere, paging on, long retention in object storage. */
export const production: StackConfig = {
  environment: 'production',
  cluster: 'prod-eu-1',
  namespace: 'monitoring',
  labels: { 'example.com/team': 'sre', 'example.com/environment': 'production' },
  runbookBaseUrl: 'https://runbooks.example.com/observability',
  scheduling: { spreadAcrossZones: true },
  network: {
    ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    apiServerCidrs: ['10.0.0.1/32'],
    externalEgressCidrs: ['0.0.0.0/0'],
  },
  prometheus: {
    enabled: true,
    replicas: 2,
    retention: '15d',
    storage: { storageClassName: 'standard-rwo', size: '100Gi' },
    resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '8Gi' },
    scrapeInterval: '30s',
    scrapeTimeout: '10s',
    evaluationInterval: '30s',
    externalUrl: 'https://prometheus.example.com',
  },
  alertmanager: {
    enabled: true,
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
    enabled: true,
    replicas: 2,
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    adminSecret: { name: 'grafana-admin' },
    externalUrl: 'https://grafana.example.com',
  },
  thanos: {
    enabled: true,
    objectStorage: { backend: 's3', bucket: 'example-prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'thanos-objstore' } },
    query: { replicas: 2, resources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '2Gi' }, extraEndpoints: [] },
    storeGateway: { replicas: 2, resources: { cpuRequest: '200m', memoryRequest: '1Gi', memoryLimit: '2Gi' }, storage: { storageClassName: 'standard-rwo', size: '20Gi' } },
    compactor: {
      resources: { cpuRequest: '200m', memoryRequest: '1Gi', memoryLimit: '4Gi' },
      storage: { storageClassName: 'standard-rwo', size: '50Gi' },
      retentionRaw: '30d',
      retention5m: '180d',
      retention1h: '2y',
    },
  },
  loki: {
    enabled: true,
    retention: '744h',
    storage: { storageClassName: 'standard-rwo', size: '50Gi' },
    resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    objectStorage: { backend: 's3', bucket: 'example-prod-logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'loki-objstore' } },
    limits: { ingestionRateMb: 16, ingestionBurstSizeMb: 32, maxLineSize: '256KB', maxStreamsPerUser: 10000 },
  },
  logCollector: {
    enabled: true,
    kind: 'alloy',
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
  },
  kubeStateMetrics: { enabled: true },
  nodeExporter: { enabled: true },
  exporter: {
    enabled: true,
    // Build and push it yourself (README, "The exporter image"); replace the registry.
    image: 'registry.example.com/observability/app-exporter:0.1.0',
    replicas: 2,
    source: 'simulate',
    interval: 15,
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '192Mi' },
  },
  alerts: { expectedTraffic: ['job="app-exporter"'] },
  slos: {
    // The stack's own exporter: HTTP availability 99.9% and latency (99% under 0.5 s) over 30 days.
    declarations: exporterSlos({ selector: 'job="app-exporter"', runbookUrl: 'https://runbooks.example.com/observability/slo' }),
  },
};
