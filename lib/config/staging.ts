import { exporterSlos } from '../observability/slo/defaults';
import { defineEnvironment } from './environment';

/**
 * Example: a staging environment. Single replicas, short retention, nobody is paged, the demo
 * exporter on (`simulate`: every dashboard has data). Only what differs from
 * `ENVIRONMENT_DEFAULTS` is written here.
 */
export const staging = defineEnvironment({
  environment: 'staging',
  cluster: 'staging-eu-1',
  labels: { 'example.com/team': 'sre', 'example.com/environment': 'staging' },
  runbookBaseUrl: 'https://runbooks.example.com/observability',
  network: {
    ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    // API server egress: TCP 443 and 6443 to any address. To narrow it, set
    // apiServerEndpointCidrs to the endpoint addresses (README, "Network policies").
  },
  prometheus: {
    replicas: 1,
    retention: '7d',
    storage: { size: '20Gi' },
    resources: { cpuRequest: '250m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
  },
  alertmanager: {
    replicas: 1,
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
    resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    adminSecret: { name: 'grafana-admin' },
  },
  thanos: {
    objectStorage: { backend: 'filesystem' },
    query: { replicas: 1, resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' } },
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
    retention: '168h',
    storage: { size: '10Gi' },
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
    objectStorage: { backend: 'filesystem' },
    limits: { ingestionRateMb: 4, ingestionBurstSizeMb: 8, maxStreamsPerUser: 5000 },
  },
  logCollector: { resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' } },
  exporter: {
    enabled: true,
    // Build and push it yourself (README, "The exporter image"); replace the registry.
    image: 'registry.example.com/observability/app-exporter:0.1.0',
  },
  alerts: { thresholds: { application: { errorRatio: { warning: 0.05 } } } },
  slos: {
    // The stack's own exporter: HTTP availability 99.9% and latency (99% under 0.5 s) over 30 days.
    declarations: exporterSlos({ selector: 'job="app-exporter"', runbookUrl: 'https://runbooks.example.com/observability/slo' }),
  },
});
