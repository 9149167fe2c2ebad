import type { AlertThresholdOverrides } from '../observability/alerts/thresholds';
import type { SloDeclaration } from '../observability/slo/model';

/**
 * The typed configuration of one environment. Everything the stack builds comes from
 * one of these objects (`lib/config/staging.ts`, `lib/config/production.ts`); it is
 * validated by `validateConfig` before anything is synthesized.
 */

/** Kubernetes resource requests and limits of one container. */
export interface Resources {
  /** CPU request, e.g. `100m`. */
  readonly cpuRequest: string;
  /**
   * CPU limit. @default none: CPU limits cause CFS throttling of latency-sensitive
   * servers (Prometheus query, Alertmanager notify) while the node has idle CPU, so the
   * stack sets requests (for scheduling) and a memory limit (which protects the node).
   */
  readonly cpuLimit?: string;
  /** Memory request, e.g. `256Mi`. */
  readonly memoryRequest: string;
  /** Memory limit (always set). */
  readonly memoryLimit: string;
}

/** A PersistentVolumeClaim per replica. */
export interface StorageConfig {
  /** StorageClass name. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Size, e.g. `50Gi`. */
  readonly size: string;
}

/** A Secret the user creates; the stack only references it by name. */
export interface SecretRef {
  readonly name: string;
}

export interface PrometheusConfig {
  readonly enabled: boolean;
  /** Replicas of the HA pair (each scrapes everything; Thanos deduplicates). */
  readonly replicas: number;
  /** TSDB retention, a Prometheus duration such as `15d`. */
  readonly retention: string;
  readonly storage: StorageConfig;
  readonly resources: Resources;
  /** @default 30s */
  readonly scrapeInterval: string;
  /** Must not exceed scrapeInterval. @default 10s */
  readonly scrapeTimeout: string;
  /** @default 30s */
  readonly evaluationInterval: string;
  /** Public URL, when exposed (used in alert links). */
  readonly externalUrl?: string;
}

export interface SlackRoutes {
  readonly critical: string;
  readonly warnings: string;
  readonly infrastructure: string;
  readonly application: string;
  /** Info alerts and alerts without a severity. @default the warnings channel */
  readonly default?: string;
}

export interface AlertmanagerConfig {
  readonly enabled: boolean;
  readonly replicas: number;
  readonly storage: StorageConfig;
  readonly resources: Resources;
  readonly externalUrl?: string;
  /**
   * Page on critical alerts through PagerDuty. Production: true. Staging: false (nobody
   * is paged for staging; critical goes to Slack only).
   */
  readonly paging: boolean;
  /**
   * The Secret holding receiver credentials, mounted as files and referenced with
   * Alertmanager's `*_file` fields. Keys: `slack-webhook-url`, `pagerduty-routing-key`
   * (when paging), `smtp-password` (when email is set), `webhook-url` (when a webhook is set).
   */
  readonly receiversSecret: SecretRef;
  /** Slack channel per receiver. */
  readonly slackChannels: SlackRoutes;
  readonly email?: {
    readonly to: string;
    readonly from: string;
    /** `host:port` */
    readonly smarthost: string;
    readonly authUsername?: string;
  };
  /**
   * Copy every alert to a generic webhook. The URL is not secret (it is in the config);
   * the bearer token is read from the Secret key `webhook-token`.
   */
  readonly webhook?: { readonly url: string };
}

export interface GrafanaConfig {
  readonly enabled: boolean;
  readonly replicas: number;
  readonly resources: Resources;
  /** Keep Grafana's database on a PVC. @default undefined: emptyDir (dashboards and datasources are provisioned anyway) */
  readonly storage?: StorageConfig;
  /** Secret with keys `admin-user` and `admin-password`. */
  readonly adminSecret: SecretRef;
  /** Public URL (`root_url`). */
  readonly externalUrl?: string;
}

/**
 * Keys of an object-storage credentials Secret (`credentialsSecret`), the same for Thanos
 * and Loki: S3 `access-key-id` + `secret-access-key`, GCS `service-account.json`, Azure
 * `account-key`. Without a Secret, the pods use workload identity.
 */
export const OBJECT_STORAGE_SECRET_KEYS = {
  s3AccessKeyId: 'access-key-id',
  s3SecretAccessKey: 'secret-access-key',
  gcsServiceAccount: 'service-account.json',
  azureAccountKey: 'account-key',
} as const;

export type ObjectStorageConfig =
  | { readonly backend: 'filesystem' }
  | { readonly backend: 's3'; readonly bucket: string; readonly endpoint: string; readonly region?: string; readonly credentialsSecret?: SecretRef }
  | { readonly backend: 'gcs'; readonly bucket: string; readonly credentialsSecret?: SecretRef }
  | { readonly backend: 'azure'; readonly container: string; readonly storageAccount: string; readonly credentialsSecret?: SecretRef };

export interface ThanosConfig {
  readonly enabled: boolean;
  readonly objectStorage: ObjectStorageConfig;
  readonly query: { readonly replicas: number; readonly resources: Resources; /** Remote Thanos StoreAPI endpoints (`host:port`) for global querying. */ readonly extraEndpoints: readonly string[] };
  readonly storeGateway: { readonly replicas: number; readonly resources: Resources; readonly storage: StorageConfig };
  readonly compactor: {
    readonly resources: Resources;
    readonly storage: StorageConfig;
    /** Retention of raw, 5m and 1h downsampled data (Thanos durations, `0d` keeps forever). */
    readonly retentionRaw: string;
    readonly retention5m: string;
    readonly retention1h: string;
  };
}

export interface LokiConfig {
  readonly enabled: boolean;
  /** Retention enforced by the compactor, e.g. `744h`. */
  readonly retention: string;
  readonly storage: StorageConfig;
  readonly resources: Resources;
  readonly objectStorage: ObjectStorageConfig;
  readonly limits: {
    readonly ingestionRateMb: number;
    readonly ingestionBurstSizeMb: number;
    readonly maxLineSize: string;
    readonly maxStreamsPerUser: number;
  };
}

export type LogCollectorKind = 'alloy' | 'promtail' | 'fluentd';

export interface LogCollectorConfig {
  readonly enabled: boolean;
  readonly kind: LogCollectorKind;
  readonly resources: Resources;
  /** Fluentd only: where logs go, and the Secret with keys `username`, `password`. */
  readonly elasticsearch?: { readonly url: string; readonly credentialsSecret: SecretRef };
}

export type ExporterSource = 'simulate' | 'events' | 'stats';

export interface ExporterConfig {
  readonly enabled: boolean;
  /**
   * The exporter image, built and pushed to your registry by you (README, "The exporter
   * image": `IMAGE=<registry>/app-exporter:<version> npm run image`, then `buildah push`).
   * An exact tag or a digest; nobody publishes a default.
   */
  readonly image: string;
  readonly replicas: number;
  readonly source: ExporterSource;
  /** Seconds between updates (simulate) or polls (stats). */
  readonly interval: number;
  readonly resources: Resources;
  /** `stats` source only: the application's JSON stats endpoint. */
  readonly statsUrl?: string;
  /**
   * `stats` source only: the mapping of stats fields to metrics (the JSON document of the
   * exporter's `--mapping` file, see exporter/README.md), mounted from a ConfigMap.
   */
  readonly statsMapping?: { readonly fields: readonly Record<string, unknown>[] };
}

export interface ToggleConfig {
  readonly enabled: boolean;
}

export interface NetworkConfig {
  /**
   * Let an ingress controller reach Grafana: the namespace (and optional pod labels) of
   * the controller. @default undefined: nothing outside the namespace reaches Grafana
   */
  readonly ingressController?: { readonly namespace: string; readonly podLabels?: Record<string, string> };
  /** CIDRs of the Kubernetes API server, for egress rules (`kubectl get endpoints kubernetes`). */
  readonly apiServerCidrs: readonly string[];
  /**
   * CIDRs that external receivers (Slack, PagerDuty, SMTP) and object storage live in.
   * @default ['0.0.0.0/0'] on port 443 only
   */
  readonly externalEgressCidrs: readonly string[];
}

export interface SchedulingConfig {
  /** Spread replicas across zones too (topology.kubernetes.io/zone), not only nodes. */
  readonly spreadAcrossZones: boolean;
  /** PriorityClass for the stack's pods. @default none */
  readonly priorityClassName?: string;
}

export interface AlertsConfig {
  /** Thresholds and durations of the alert library; unset fields keep DEFAULT_ALERT_THRESHOLDS. */
  readonly thresholds?: AlertThresholdOverrides;
  /**
   * Services that must always have traffic (`AppNoTraffic` fires when they have none),
   * as PromQL label matchers, e.g. `job="checkout"`.
   */
  readonly expectedTraffic?: readonly string[];
}

export interface SlosConfig {
  /**
   * The environment's SLOs: typed declarations (see `exporterSlos()` for the stack's own)
   * or read from Sloth `prometheus/v1` files with `readSlothSpec`. Each gives Sloth-compatible
   * recording rules, multi-window multi-burn-rate alerts and a row of the SLO dashboard.
   */
  readonly declarations: readonly SloDeclaration[];
}

export interface StackConfig {
  /** Environment name; names the output folder `dist/<environment>/`. */
  readonly environment: string;
  /** Cluster name, the `cluster` external label on every series. */
  readonly cluster: string;
  /** The namespace everything is deployed in (a DNS label). */
  readonly namespace: string;
  /** Extra labels on every object. */
  readonly labels: Record<string, string>;
  /** Base URL of the runbooks linked from every alert. */
  readonly runbookBaseUrl: string;
  readonly scheduling: SchedulingConfig;
  readonly network: NetworkConfig;
  readonly prometheus: PrometheusConfig;
  readonly alertmanager: AlertmanagerConfig;
  readonly grafana: GrafanaConfig;
  readonly thanos: ThanosConfig;
  readonly loki: LokiConfig;
  readonly logCollector: LogCollectorConfig;
  readonly kubeStateMetrics: ToggleConfig;
  readonly nodeExporter: ToggleConfig;
  readonly exporter: ExporterConfig;
  readonly alerts: AlertsConfig;
  readonly slos: SlosConfig;
}
