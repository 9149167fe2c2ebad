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

/** How Alertmanager posts to Slack (see `AlertmanagerConfig.slackAuth`). */
export type SlackAuth = 'incoming-webhook' | 'app-token';

/**
 * A receiver of your own (`alertmanager.receivers`). Exactly one of `slack`, `pagerduty`
 * or `webhook`. Its credential is read from the receivers Secret, from a key named after
 * the receiver (README, "Secrets"): `<name>.url` (Slack incoming webhook, webhook),
 * `<name>.routing-key` (PagerDuty), `<name>.token` (webhook bearer token).
 */
export interface AlertmanagerReceiverConfig {
  /**
   * Receiver name: lower-case letters, digits and '-' (at most 63), not one of the built-in
   * receivers (`default`, `slack-critical`, ..., `deadmans-switch`, `discard`).
   */
  readonly name: string;
  /** Post to a Slack channel (`#name`, `@user` or a channel ID). */
  readonly slack?: {
    readonly channel: string;
  };
  /**
   * Trigger incidents in a PagerDuty service (Events API v2) whose integration key is in
   * Secret key `<name>.routing-key`.
   */
  readonly pagerduty?: {
    /** A fixed incident severity. @default the alert's `severity` label (critical, warning, info), `error` for any other */
    readonly severity?: 'critical' | 'error' | 'warning' | 'info';
  };
  /** POST Alertmanager's webhook JSON to the URL in Secret key `<name>.url`. */
  readonly webhook?: {
    /** Also send `Authorization: Bearer <token>` from Secret key `<name>.token`. @default false */
    readonly bearerToken?: boolean;
  };
}

/**
 * A route of your own (`alertmanager.routes`). Your routes are tried after the Watchdog and
 * InfoInhibitor routes and the copies (email, webhook), before the built-in severity table
 * (README, "Alert routing and receivers").
 */
export interface AlertmanagerRouteConfig {
  /** A receiver of `alertmanager.receivers`, or a built-in one (e.g. `slack-critical`, `discard`). */
  readonly receiver: string;
  /**
   * Alertmanager matchers that must all match, each `label="value"`, `label!="value"`,
   * `label=~"regex"` or `label!~"regex"` (the value in double quotes; `\\` and `\"` are the
   * only escapes), e.g. `team="payments"`, `severity=~"critical|warning"`.
   */
  readonly matchers: readonly string[];
  /**
   * Keep matching after this route: the following routes of yours, then the built-in
   * table. @default false (an alert that matches stops here)
   */
  readonly continue?: boolean;
  /** Labels that group alerts into one notification; `['...']` disables grouping. @default the parent route's (root: `alertname`, `cluster`, `namespace`, `service`) */
  readonly groupBy?: readonly string[];
  /** @default the parent route's (root: `25s`) */
  readonly groupWait?: string;
  /** @default the parent route's (root: `5m`) */
  readonly groupInterval?: string;
  /** @default the parent route's (root: `4h`) */
  readonly repeatInterval?: string;
  /** Child routes, tried when this route matches. @default none */
  readonly routes?: readonly AlertmanagerRouteConfig[];
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
   * Alertmanager's `*_file` fields. Its keys follow from this config (named after the
   * receivers); `npm run secrets` prints them and README "Secrets" lists them.
   */
  readonly receiversSecret: SecretRef;
  /** Slack channel per receiver. */
  readonly slackChannels: SlackRoutes;
  /**
   * How Alertmanager posts to Slack. `incoming-webhook`: each Slack receiver reads its own
   * incoming-webhook URL from Secret key `<receiver>.url` (a webhook posts only to the
   * channel it was created for and ignores `channel`). `app-token`: one Slack app bot
   * token (scope `chat:write`, the app invited to every channel) in Secret key
   * `slack-app-token`, shared by every Slack receiver; each posts to its `channel`.
   * @default 'incoming-webhook'
   */
  readonly slackAuth?: SlackAuth;
  /** Mail alerts of some severities to a team (receiver `email-team`). @default no email */
  readonly email?: {
    readonly to: string;
    readonly from: string;
    /** `host:port` */
    readonly smarthost: string;
    /** SMTP user; the password is read from Secret key `email-team.password`. @default no SMTP authentication */
    readonly authUsername?: string;
  };
  /**
   * Copy every alert to a generic webhook (receiver `webhook`). The URL is read from
   * Secret key `webhook.url` (Alertmanager `url_file`). @default no webhook
   */
  readonly webhook?: {
    /** Also send `Authorization: Bearer <token>` from Secret key `webhook.token`. @default false */
    readonly bearerToken?: boolean;
  };
  /**
   * An external dead man's switch (healthchecks.io, Dead Man's Snitch, PagerDuty heartbeat
   * through a webhook, ...). The always-firing `Watchdog` alert goes to receiver
   * `deadmans-switch`, which POSTs to the URL in Secret key `deadmans-switch.url` every
   * `interval` and reaches nothing else. @default none: `Watchdog` goes to `discard` (nowhere)
   */
  readonly deadMansSwitch?: {
    /** How often the switch is pinged while `Watchdog` fires (2s to 1h). @default '1m' */
    readonly interval?: string;
  };
  /** Receivers of your own (teams, channels, PagerDuty services). @default none */
  readonly receivers?: readonly AlertmanagerReceiverConfig[];
  /** Routes of your own, tried in order before the built-in severity table. @default none */
  readonly routes?: readonly AlertmanagerRouteConfig[];
}

/**
 * Grafana's database on an external PostgreSQL or MySQL server, shared by every replica.
 * The user name and password are read from `credentialsSecret` (keys `username`,
 * `password`), mounted as files.
 */
export interface GrafanaDatabaseConfig {
  readonly type: 'postgres' | 'mysql';
  /** `host:port` of the server, e.g. `grafana-db.example.internal:5432`. */
  readonly host: string;
  /** Database name. */
  readonly name: string;
  /** Secret with keys `username` and `password`. */
  readonly credentialsSecret: SecretRef;
  /**
   * PostgreSQL only: `require` (encrypted, certificate not verified) or `disable`. MySQL
   * connections are not encrypted by this config (Grafana verifies MySQL TLS only against a
   * CA file, which the stack does not mount). @default 'require' (postgres)
   */
  readonly sslMode?: 'require' | 'disable';
}

export interface GrafanaConfig {
  readonly enabled: boolean;
  /**
   * More than one replica needs `database` (a shared PostgreSQL or MySQL): with SQLite
   * each pod would have its own users and sessions, and logins would fail at random.
   */
  readonly replicas: number;
  readonly resources: Resources;
  /**
   * The PersistentVolumeClaim holding Grafana's SQLite database (users, sessions,
   * preferences), when `database` is not set. Refused with `database`.
   * @default { size: '1Gi' } in the cluster's default StorageClass (without `database`)
   */
  readonly storage?: StorageConfig;
  /** An external, shared database; required for `replicas` > 1. @default SQLite on `storage` (one replica) */
  readonly database?: GrafanaDatabaseConfig;
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

/**
 * The parts of Kubernetes itself the stack's Prometheus scrapes (jobs `kubelet`, `cadvisor`,
 * `kubelet-probes`, `apiserver`, `coredns`, `kube-controller-manager`, `kube-scheduler`).
 * Every field is optional; leave out what keeps its default.
 */
export interface KubernetesComponentsConfig {
  /** Kubelets: `/metrics`, `/metrics/cadvisor` and `/metrics/probes` on every node (port 10250). @default true */
  readonly kubelet?: boolean;
  /**
   * How the kubelets' serving certificates are verified: `insecure-skip-verify` where they
   * are self-signed (kubeadm, kind and most managed clusters without
   * `serverTLSBootstrap`), `cluster-ca` where the cluster CA signs them.
   * @default 'insecure-skip-verify'
   */
  readonly kubeletTls?: 'insecure-skip-verify' | 'cluster-ca';
  /** The API server's `/metrics`, at the `kubernetes` Service's endpoints (RBAC: GET on the non-resource URL `/metrics`). @default true */
  readonly apiServer?: boolean;
  /** CoreDNS: pods labelled `k8s-app=kube-dns` in kube-system, port 9153. @default true */
  readonly coreDns?: boolean;
  /**
   * kube-controller-manager on port 10257 (HTTPS). Managed clusters (EKS, GKE, AKS) do not
   * expose it, and kubeadm binds it to 127.0.0.1 unless `--bind-address=0.0.0.0`: enable
   * it where `kubectl -n kube-system get pods -l component=kube-controller-manager` lists
   * pods and their `--bind-address` is not 127.0.0.1. @default false
   */
  readonly controllerManager?: boolean;
  /** kube-scheduler on port 10259 (HTTPS); the same conditions as `controllerManager`. @default false */
  readonly scheduler?: boolean;
}

/** A set of pods outside the stack's namespace: a namespace and, optionally, pod labels. */
export interface PodPeerConfig {
  /** The namespace of the pods. */
  readonly namespace: string;
  /** Labels the pods carry (every one must match). @default undefined: every pod of the namespace */
  readonly podLabels?: Record<string, string>;
}

/** A NodeLocal DNSCache the pods resolve names through. */
export interface NodeLocalDnsCacheConfig {
  /**
   * The addresses the cache listens on, each an IPv4 address: its link-local address
   * (the `__PILLAR__LOCAL__DNS__` of the addon, 169.254.20.10 on GKE and in the upstream
   * manifests, 169.254.25.10 with kubespray) and, when the cache also binds the `kube-dns`
   * Service address (its iptables mode), that ClusterIP
   * (`kubectl -n kube-system get service kube-dns -o jsonpath='{.spec.clusterIP}'`).
   */
  readonly addresses: readonly string[];
}

/**
 * The stack's NetworkPolicies: both namespaces deny everything by default, then each
 * component admits exactly its flows. These fields describe what the policies cannot find
 * out by themselves: where the cluster's services are and who else may connect.
 */
export interface NetworkConfig {
  /**
   * Let an ingress controller reach Grafana: the namespace (and optional pod labels) of
   * the controller. @default undefined: nothing outside the namespace reaches Grafana
   */
  readonly ingressController?: PodPeerConfig;
  /**
   * Narrow the API server egress (Prometheus, kube-state-metrics, the log collector) to
   * the API server's endpoint addresses, as CIDRs (TCP 443 and 6443 to them). These are the
   * addresses behind the `kubernetes` Service, NOT its ClusterIP (e.g. 10.96.0.1 or
   * 10.0.0.1): the dataplane rewrites the Service address before the policy is checked, so a
   * rule for the ClusterIP never matches. Find them with
   * `kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes`; they
   * change when control-plane nodes are replaced or the managed endpoint moves. On Cilium,
   * leave this out when the API server runs on the cluster's nodes: by default it matches
   * no ipBlock against nodes (`policy-cidr-match-mode: nodes` changes that).
   * @default undefined: TCP 443 and 6443 to any address, wherever the API server is
   */
  readonly apiServerEndpointCidrs?: readonly string[];
  /**
   * CIDRs that the outside services live in: Alertmanager's receivers (Slack, PagerDuty,
   * the webhook, the SMTP relay), object storage, remote StoreAPI endpoints, Elasticsearch.
   * Egress to them is allowed on the ports their configs name. Use `['0.0.0.0/0']` when
   * their addresses are not known. An endpoint named by a Service of the cluster
   * (`minio.storage.svc:9000`) is reached as the pods of that namespace on that port instead.
   */
  readonly externalEgressCidrs: readonly string[];
  /**
   * Other Prometheus servers allowed to scrape the stack's components, e.g. a
   * prometheus-operator Prometheus that uses the `operator/` PodMonitors (namespace
   * `monitoring`, pod labels `app.kubernetes.io/name: prometheus`). They are admitted on
   * exactly the metrics ports, the ports the stack's own Prometheus scrapes.
   * @default undefined: only the stack's own Prometheus scrapes the components
   */
  readonly additionalScrapers?: readonly PodPeerConfig[];
  /**
   * The cluster runs NodeLocal DNSCache: every pod may also send DNS (UDP and TCP 53) to
   * its addresses. @default undefined: DNS goes to the cluster DNS pods only
   * (`k8s-app=kube-dns` in `kube-system`)
   */
  readonly nodeLocalDnsCache?: NodeLocalDnsCacheConfig;
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
  /**
   * Where the `runbook_url` of an alert that kube-prometheus also has (same name, same
   * meaning) points: `'public'`, its public runbook at
   * https://runbooks.prometheus-operator.dev/runbooks/<folder>/<alertname>; `'runbookBaseUrl'`,
   * the environment's own runbooks (`<runbookBaseUrl>#<alert-name>`), like the stack's own
   * alerts. @default 'public'
   */
  readonly upstreamRunbooks?: 'public' | 'runbookBaseUrl';
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
  /** What of Kubernetes itself is scraped. @default every field's default (see KubernetesComponentsConfig) */
  readonly kubernetesComponents?: KubernetesComponentsConfig;
  readonly exporter: ExporterConfig;
  readonly alerts: AlertsConfig;
  readonly slos: SlosConfig;
}
