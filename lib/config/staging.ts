import { exporterSlos } from '../observability/slo/defaults';
import type { StackConfig } from './types';

/** Staging: single replicas, short retention, nobody is paged. */
export const staging: StackConfig = {
  environment: 'staging',
  cluster: 'staging-eu-1',
  namespace: 'monitoring',
  labels: { 'example.com/team': 'sre', 'example.com/environment': 'staging' },
  runbookBaseUrl: 'https://runbooks.example.com/observability',
  scheduling: { spreadAcrossZones: false },
  network: {
    ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    apiServerCidrs: ['10.0.0.1/32'],
    externalEgressCidrs: ['0.0.0.0/0'],
  },
  prometheus: {
    enabled: true,
    replicas: 1,
    retention: '7d',
    storage: { size: '20Gi' },
    resources: { cpuRequest: '250m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    scrapeInterval: '30s',
    scrapeTimeout: '10s',
    evaluationInterval: '30s',
  },
  alertmanager: {
    enabled: true,
    replicas: 1,
    storage: { size: '1Gi' },
    resources: { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
    paging: false,
    receiversSecret: { name: 'alertmanager-receivers' },
    slackChannels: {
      critical: '#staging-alerts-critical',
      warnings: '#staging-alerts',
      infrastructure: '#staging-alerts',
      application: '#staging-alerts',
    },
  },
  grafana: {
    enabled: true,
    replicas: 1,
    resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    adminSecret: { name: 'grafana-admin' },
  },
  thanos: {
    enabled: true,
    objectStorage: { backend: 'filesystem' },
    query: { replicas: 1, resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' }, extraEndpoints: [] },
    storeGateway: { replicas: 1, resources: { cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '512Mi' }, storage: { size: '5Gi' } },
    compactor: {
      resources: { cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      storage: { size: '10Gi' },
      retentionRaw: '7d',
      retention5m: '30d',
      retention1h: '90d',
    },
  },
  loki: {
    enabled: true,
    retention: '168h',
    storage: { size: '10Gi' },
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
    objectStorage: { backend: 'filesystem' },
    limits: { ingestionRateMb: 4, ingestionBurstSizeMb: 8, maxLineSize: '256KB', maxStreamsPerUser: 5000 },
  },
  logCollector: {
    enabled: true,
    kind: 'alloy',
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
  },
  kubeStateMetrics: { enabled: true },
  nodeExporter: { enabled: true },
  exporter: {
    enabled: true,
    // Build and push it yourself (README, "The exporter image"); replace the registry.
    image: 'registry.example.com/observability/app-exporter:0.1.0',
    replicas: 1,
    source: 'simulate',
    interval: 15,
    resources: { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  },
  alerts: { thresholds: { application: { errorRatio: { warning: 0.05 } } } },
  slos: {
    // The stack's own exporter: HTTP availability 99.9% and latency (99% under 0.5 s) over 30 days.
    declarations: exporterSlos({ selector: 'job="app-exporter"', runbookUrl: 'https://runbooks.example.com/observability/slo' }),
  },
};
