import type { ObjectStorageConfig, SecretRef, SlackRoutes, StackConfig } from './types';
import { validateConfig } from './validate';

/** Every field optional, objects too; arrays and functions are taken whole. */
export type DeepPartial<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/**
 * What `defineEnvironment` takes: any part of a `StackConfig`, plus what only you can decide
 * (required, no example values): the environment and cluster names, the runbook URL, the
 * Secrets the stack reads, where Alertmanager routes alerts and whether it pages, the object
 * storage of Thanos and Loki, and the exporter's image when you turn the exporter on. A component you disable (`{ enabled: false }`)
 * needs none of its required fields.
 */
export type EnvironmentInput = DeepPartial<StackConfig> & {
  /** Environment name; names the output folder `<outdir>/<environment>/`. */
  readonly environment: string;
  /** Cluster name, the `cluster` external label on every series. */
  readonly cluster: string;
  /** Base URL of the runbooks linked from every alert. */
  readonly runbookBaseUrl: string;
  /** The exporter is off by default; on, it needs the image you built and pushed. */
  readonly exporter?: { readonly enabled?: false } | { readonly enabled: true; readonly image: string };
  readonly alertmanager:
    | { readonly enabled: false }
    | { readonly receiversSecret: SecretRef; readonly slackChannels: SlackRoutes; readonly paging: boolean };
  readonly grafana: { readonly enabled: false } | { readonly adminSecret: SecretRef };
  readonly thanos: { readonly enabled: false } | { readonly objectStorage: ObjectStorageConfig };
  readonly loki: { readonly enabled: false } | { readonly objectStorage: ObjectStorageConfig };
};

/**
 * The documented defaults `defineEnvironment` starts from (each is the `@default` of its field
 * in `StackConfig`): an HA Prometheus pair with Thanos, clustered Alertmanager, Grafana, Loki
 * with Alloy, kube-state-metrics and node-exporter; the demo exporter off; no SLOs.
 */
export const ENVIRONMENT_DEFAULTS = deepFreeze({
  namespace: 'monitoring',
  labels: {},
  scheduling: { spreadAcrossZones: false },
  network: { externalEgressCidrs: ['0.0.0.0/0'] },
  prometheus: {
    enabled: true,
    replicas: 2,
    retention: '15d',
    storage: { size: '50Gi' },
    resources: { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '4Gi' },
    scrapeInterval: '30s',
    scrapeTimeout: '10s',
    evaluationInterval: '30s',
  },
  alertmanager: {
    enabled: true,
    replicas: 2,
    storage: { size: '1Gi' },
    resources: { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  },
  grafana: {
    enabled: true,
    replicas: 1,
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
  },
  thanos: {
    enabled: true,
    query: { replicas: 2, resources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '2Gi' }, extraEndpoints: [] },
    storeGateway: { replicas: 2, resources: { cpuRequest: '200m', memoryRequest: '1Gi', memoryLimit: '2Gi' }, storage: { size: '20Gi' } },
    compactor: {
      resources: { cpuRequest: '200m', memoryRequest: '1Gi', memoryLimit: '4Gi' },
      storage: { size: '50Gi' },
      retentionRaw: '30d',
      retention5m: '180d',
      retention1h: '1y',
    },
  },
  loki: {
    enabled: true,
    retention: '744h',
    storage: { size: '50Gi' },
    resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
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
    enabled: false,
    replicas: 1,
    source: 'simulate',
    interval: 15,
    resources: { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  },
  alerts: {},
  slos: { declarations: [] },
} satisfies DeepPartial<StackConfig>);

/**
 * Fields a disabled component still has in a `StackConfig` but never reads: they are filled so
 * that you do not have to invent them.
 */
const UNUSED_WHEN_DISABLED = {
  alertmanager: {
    receiversSecret: { name: 'unused' },
    slackChannels: { critical: '#unused', warnings: '#unused', infrastructure: '#unused', application: '#unused' },
    paging: false,
  },
  grafana: { adminSecret: { name: 'unused' } },
  thanos: { objectStorage: { backend: 'filesystem' } },
  loki: { objectStorage: { backend: 'filesystem' } },
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A fresh copy of plain data (the defaults are frozen; a config built from them is not). */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  return value;
}

/** `over` on top of `base`: plain objects merge key by key; anything else in `over` replaces. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return copy(base);
  if (isPlainObject(base) && isPlainObject(over)) {
    const out = copy(base) as Record<string, unknown>;
    for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
    return out;
  }
  return over;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A complete, validated `StackConfig` from `ENVIRONMENT_DEFAULTS` and what differs: objects
 * merge field by field, arrays and values replace. Unknown fields are refused and every problem
 * is reported with its field path (`ConfigValidationError`).
 *
 * ```ts
 * const prod = defineEnvironment({
 *   environment: 'production',
 *   cluster: 'prod-eu-1',
 *   runbookBaseUrl: 'https://runbooks.example.com/observability',
 *   alertmanager: { receiversSecret: { name: 'alertmanager-receivers' }, paging: true, slackChannels: { ... } },
 *   grafana: { adminSecret: { name: 'grafana-admin' } },
 *   thanos: { objectStorage: { backend: 's3', bucket: 'prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com' } },
 *   loki: { objectStorage: { backend: 's3', bucket: 'prod-logs', endpoint: 's3.eu-west-1.amazonaws.com' } },
 *   prometheus: { retention: '30d' },
 * });
 * ```
 */
export function defineEnvironment(input: EnvironmentInput): StackConfig {
  let base: unknown = ENVIRONMENT_DEFAULTS;
  for (const [component, filler] of Object.entries(UNUSED_WHEN_DISABLED)) {
    const given = (input as unknown as Record<string, Record<string, unknown> | undefined>)[component];
    if (given?.enabled === false) base = merge(base, { [component]: filler });
  }
  return validateConfig(merge(base, input) as StackConfig);
}
