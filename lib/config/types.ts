import type { UpstreamRunbooks } from '../observability/alerts/common';
import type { AlertThresholdOverrides } from '../observability/alerts/thresholds';
import type { SloDeclaration } from '../observability/slo/model';
import type { RuleFileGroup } from '../observability/rule-group';

/**
 * The typed configuration of one environment. Everything the stack builds comes from
 * one of these objects; it is validated by `validateConfig` (against the JSON Schema
 * generated from these types, `schema.json`, then field by field) before anything is
 * synthesized.
 *
 * A `StackConfig` is complete: every field the stack reads is set. Build one with
 * `defineEnvironment({...})`, which starts from `ENVIRONMENT_DEFAULTS` and takes only what
 * differs; the `@default` of a field is the value `defineEnvironment` gives it when you leave
 * it out. Fields without a `@default` are yours to decide (cluster name, Secrets, object
 * storage, URLs): `defineEnvironment` requires them.
 *
 * After changing these types, regenerate the schema: `npm run schema` (a test fails while
 * the committed `lib/config/schema.json` is stale).
 */

/** Kubernetes resource requests and limits of one container. */
export interface Resources {
  /** CPU request, e.g. `100m`. */
  readonly cpuRequest: string;
  /**
   * CPU limit. Unset by default: CPU limits cause CFS throttling of latency-sensitive
   * servers (Prometheus query, Alertmanager notify) while the node has idle CPU, so the
   * stack sets requests (for scheduling) and a memory limit (which protects the node).
   * @default undefined
   */
  readonly cpuLimit?: string;
  /** Memory request, e.g. `256Mi`. */
  readonly memoryRequest: string;
  /** Memory limit (always set). */
  readonly memoryLimit: string;
}

/** A PersistentVolumeClaim per replica. */
export interface StorageConfig {
  /** StorageClass name; unset: the cluster's default StorageClass. @default undefined */
  readonly storageClassName?: string;
  /** Size, e.g. `50Gi`. */
  readonly size: string;
}

/** A Secret the user creates; the stack only references it by name. */
export interface SecretRef {
  readonly name: string;
}

/**
 * A `remote_write` endpoint: Prometheus also sends every sample there (a central
 * Prometheus, Thanos Receive, Mimir, a hosted service). Credentials come from a Secret in
 * the stack's namespace, mounted into Prometheus and read with `*_file` fields: no secret
 * is written to the config or to `dist/`.
 */
export interface RemoteWriteConfig {
  /** The receiver's URL, e.g. `https://mimir.example.com/api/v1/push`. */
  readonly url: string;
  /**
   * Names the queue in Prometheus's own metrics (`remote_name` label), a Prometheus label
   * value such as `mimir`; unset, Prometheus names it by a hash of the config.
   * @default undefined
   */
  readonly name?: string;
  /** Credentials; unset: no authentication. @default undefined */
  readonly auth?: RemoteWriteAuth;
  /**
   * `write_relabel_configs`, in Prometheus's own shape, to send only some series, e.g.
   * `[{ source_labels: ['__name__'], regex: 'slo:.*', action: 'keep' }]`. @default undefined
   */
  readonly writeRelabelConfigs?: readonly RelabelConfig[];
  /** Extra HTTP headers (not secret: they are in the ConfigMap). @default undefined */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request timeout, a Prometheus duration. @default "30s" (Prometheus's own default) */
  readonly remoteTimeout?: string;
}

/**
 * How Prometheus authenticates to a remote-write receiver, with credentials read from keys of
 * a Secret (mounted under `/etc/prometheus/secrets/<secret>/`).
 * - `basic`: HTTP basic auth; the username is not secret (it is in the config), the password
 *   is the Secret key `passwordKey`.
 * - `bearer`: an `Authorization: Bearer` token, the Secret key `tokenKey`.
 * @discriminator type
 */
export type RemoteWriteAuth =
  | {
      readonly type: 'basic';
      readonly username: string;
      readonly secret: SecretRef;
      /** @default "password" */
      readonly passwordKey?: string;
    }
  | {
      readonly type: 'bearer';
      readonly secret: SecretRef;
      /** @default "token" */
      readonly tokenKey?: string;
    };

/** A Prometheus relabel config (`relabel_configs`, `write_relabel_configs`), in Prometheus's shape. */
export interface RelabelConfig {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly modulus?: number;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly action?: 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';
}

/**
 * A scrape config of your own, in Prometheus's shape (snake_case, as in `prometheus.yml`),
 * appended to the stack's jobs. Only fields that both Prometheus 2.42+ and the deployed 3.x
 * accept are allowed; anything else is refused by the config check, naming the field.
 * Kubernetes discovery gets the RBAC it needs; credentials files must live in a mounted
 * Secret (`prometheus.secrets`, at `/etc/prometheus/secrets/<name>/<key>`). Targets outside
 * the cluster are reached through `network.externalEgressCidrs` on the ports of
 * `static_configs` targets.
 */
export interface ScrapeConfig {
  /** Unique among all jobs (the stack's own are `kubernetes-pods`, `kubernetes-service-endpoints`, `kubelet`, `cadvisor`, ...). */
  readonly job_name: string;
  readonly scrape_interval?: string;
  readonly scrape_timeout?: string;
  readonly metrics_path?: string;
  readonly scheme?: 'http' | 'https';
  readonly params?: Readonly<Record<string, readonly string[]>>;
  readonly honor_labels?: boolean;
  readonly honor_timestamps?: boolean;
  readonly sample_limit?: number;
  readonly label_limit?: number;
  readonly target_limit?: number;
  readonly body_size_limit?: string;
  readonly basic_auth?: { readonly username?: string; readonly password_file?: string };
  readonly authorization?: { readonly type?: string; readonly credentials_file?: string };
  readonly tls_config?: {
    readonly ca_file?: string;
    readonly cert_file?: string;
    readonly key_file?: string;
    readonly server_name?: string;
    readonly insecure_skip_verify?: boolean;
  };
  readonly follow_redirects?: boolean;
  readonly enable_http2?: boolean;
  readonly static_configs?: readonly { readonly targets: readonly string[]; readonly labels?: Readonly<Record<string, string>> }[];
  readonly kubernetes_sd_configs?: readonly {
    readonly role: 'pod' | 'service' | 'endpoints' | 'endpointslice' | 'node' | 'ingress';
    readonly namespaces?: { readonly names?: readonly string[]; readonly own_namespace?: boolean };
    readonly selectors?: readonly { readonly role: string; readonly label?: string; readonly field?: string }[];
    readonly attach_metadata?: { readonly node?: boolean };
  }[];
  readonly dns_sd_configs?: readonly { readonly names: readonly string[]; readonly type?: 'SRV' | 'A' | 'AAAA' | 'MX' | 'NS'; readonly port?: number; readonly refresh_interval?: string }[];
  readonly relabel_configs?: readonly RelabelConfig[];
  readonly metric_relabel_configs?: readonly RelabelConfig[];
}

export interface PrometheusConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Replicas of the HA pair (each scrapes everything; Thanos deduplicates). @default 2 */
  readonly replicas: number;
  /** TSDB retention, a Prometheus duration such as `15d`. @default "15d" */
  readonly retention: string;
  /** @default { size: "50Gi" } */
  readonly storage: StorageConfig;
  /** @default { cpuRequest: "500m", memoryRequest: "2Gi", memoryLimit: "4Gi" } */
  readonly resources: Resources;
  /** @default "30s" */
  readonly scrapeInterval: string;
  /** Must not exceed scrapeInterval. @default "10s" */
  readonly scrapeTimeout: string;
  /** @default "30s" */
  readonly evaluationInterval: string;
  /** Public URL, when exposed (used in alert links). @default undefined */
  readonly externalUrl?: string;
  /**
   * External labels of your own on every series, alert and uploaded block (e.g. `region`),
   * besides `cluster` and the replica label the stack sets. Thanos compacts blocks per set
   * of external labels: changing them later starts new block streams. @default undefined
   */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** Scrape configs of your own, appended to the stack's jobs. @default undefined */
  readonly extraScrapeConfigs?: readonly ScrapeConfig[];
  /** Where Prometheus also sends every sample (`remote_write`). @default undefined */
  readonly remoteWrite?: readonly RemoteWriteConfig[];
  /**
   * Secrets (in the stack's namespace) mounted read-only into Prometheus at
   * `/etc/prometheus/secrets/<name>/`, for the `*_file` fields of `extraScrapeConfigs`.
   * Secrets named by `remoteWrite[].auth` are mounted without being listed here.
   * @default undefined
   */
  readonly secrets?: readonly SecretRef[];
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
  /** @default true */
  readonly enabled: boolean;
  /** Clustered replicas (they gossip silences and notifications). @default 2 */
  readonly replicas: number;
  /** @default { size: "1Gi" } */
  readonly storage: StorageConfig;
  /** @default { cpuRequest: "25m", memoryRequest: "64Mi", memoryLimit: "128Mi" } */
  readonly resources: Resources;
  /** Public URL (links in notifications). @default undefined */
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
   * How Alertmanager posts to Slack. `incoming-webhook` (when unset): each Slack receiver
   * reads its own incoming-webhook URL from Secret key `<receiver>.url` (a webhook posts only
   * to the channel it was created for and ignores `channel`). `app-token`: one Slack app bot
   * token (scope `chat:write`, the app invited to every channel) in Secret key
   * `slack-app-token`, shared by every Slack receiver; each posts to its `channel`.
   * @default undefined
   */
  readonly slackAuth?: SlackAuth;
  /** Mail alerts of some severities to a team (receiver `email-team`); unset: no e-mail. @default undefined */
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
   * Secret key `webhook.url` (Alertmanager `url_file`); unset: no webhook. @default undefined
   */
  readonly webhook?: {
    /** Also send `Authorization: Bearer <token>` from Secret key `webhook.token`. @default false */
    readonly bearerToken?: boolean;
  };
  /**
   * An external dead man's switch (healthchecks.io, Dead Man's Snitch, PagerDuty heartbeat
   * through a webhook, ...). The always-firing `Watchdog` alert goes to receiver
   * `deadmans-switch`, which POSTs to the URL in Secret key `deadmans-switch.url` every
   * `interval` and reaches nothing else. Unset: `Watchdog` goes to `discard` (nowhere).
   * @default undefined
   */
  readonly deadMansSwitch?: {
    /** How often the switch is pinged while `Watchdog` fires (2s to 1h). @default '1m' */
    readonly interval?: string;
  };
  /** Receivers of your own (teams, channels, PagerDuty services); unset: none. @default undefined */
  readonly receivers?: readonly AlertmanagerReceiverConfig[];
  /** Routes of your own, tried in order before the built-in severity table; unset: none. @default undefined */
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
  /** @default true */
  readonly enabled: boolean;
  /**
   * More than one replica needs `database` (a shared PostgreSQL or MySQL): with SQLite
   * each pod would have its own users and sessions, and logins would fail at random.
   * @default 1
   */
  readonly replicas: number;
  /** @default { cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" } */
  readonly resources: Resources;
  /**
   * The PersistentVolumeClaim holding Grafana's SQLite database (users, sessions,
   * preferences), when `database` is not set; unset: 1Gi in the cluster's default
   * StorageClass. Refused with `database`. @default undefined
   */
  readonly storage?: StorageConfig;
  /** An external, shared database; required for `replicas` > 1. Unset: SQLite on `storage` (one replica). @default undefined */
  readonly database?: GrafanaDatabaseConfig;
  /** Secret with keys `admin-user` and `admin-password`. */
  readonly adminSecret: SecretRef;
  /**
   * Public URL (`root_url`); unset with `ingress`, it is `https://<ingress.host>/` (or
   * `http://` without `ingress.tlsSecret`). @default undefined
   */
  readonly externalUrl?: string;
  /** An Ingress in front of Grafana. Needs `network.ingressController`. @default undefined */
  readonly ingress?: GrafanaIngressConfig;
  /** Single sign-on (generic OAuth 2.0 / OpenID Connect). Needs a public URL. @default undefined */
  readonly sso?: GrafanaSsoConfig;
  /**
   * Dashboards of your own, one Grafana folder each (not one of the stack's folders),
   * provisioned read-only like the stack's. @default undefined
   */
  readonly dashboardFolders?: readonly DashboardFolderConfig[];
}

/** The Grafana Ingress. */
export interface GrafanaIngressConfig {
  /** Host name, e.g. `grafana.example.com`. */
  readonly host: string;
  /** IngressClass name, e.g. `nginx`; unset: the cluster's default IngressClass. @default undefined */
  readonly className?: string;
  /**
   * A `kubernetes.io/tls` Secret in the stack's namespace with the certificate for `host`
   * (yours, or cert-manager's); unset: TLS ends before the Ingress, or plain HTTP.
   * @default undefined
   */
  readonly tlsSecret?: SecretRef;
  /** Annotations of the Ingress, e.g. `cert-manager.io/cluster-issuer`. @default undefined */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Grafana's generic OAuth 2.0 / OpenID Connect login (`[auth.generic_oauth]`). The client
 * secret is read from a Secret mounted into Grafana (`$__file{}`), never written to the
 * config. Anonymous access stays off; the login form stays on for the admin user unless
 * `disableLoginForm`. Grafana needs egress to the identity provider
 * (`network.externalEgressCidrs`, port 443 or the URLs' ports).
 */
export interface GrafanaSsoConfig {
  /** Name on the login button. @default "SSO" */
  readonly name?: string;
  /** OAuth client ID (not secret). */
  readonly clientId: string;
  /** The Secret holding the client secret, in the stack's namespace. */
  readonly clientSecret: SecretRef;
  /** Key of the client secret in that Secret. @default "client-secret" */
  readonly clientSecretKey?: string;
  /** The provider's authorization endpoint. */
  readonly authUrl: string;
  /** The provider's token endpoint. */
  readonly tokenUrl: string;
  /** The provider's user-info endpoint. */
  readonly apiUrl: string;
  /** @default ["openid","email","profile"] */
  readonly scopes?: readonly string[];
  /** Use PKCE (recommended by OAuth 2.1). @default true */
  readonly usePkce?: boolean;
  /**
   * JMESPath over the ID token / user info giving `Admin`, `Editor` or `Viewer`, e.g.
   * `contains(groups[*], 'sre') && 'Admin' || 'Viewer'`; unset: every user is a Viewer.
   * @default undefined
   */
  readonly roleAttributePath?: string;
  /** Only members of these groups may log in (with `groupsAttributePath`). @default undefined */
  readonly allowedGroups?: readonly string[];
  /** JMESPath to the user's groups, e.g. `groups[*]`. @default undefined */
  readonly groupsAttributePath?: string;
  /** Only e-mail addresses of these domains may log in. @default undefined */
  readonly allowedDomains?: readonly string[];
  /** Hide the user/password form (the admin user then logs in only through the API). @default false */
  readonly disableLoginForm?: boolean;
}

/** A Grafana folder of your own dashboards. */
export interface DashboardFolderConfig {
  /** Folder uid (also names a ConfigMap): 1-40 lower-case letters, digits and '-'. */
  readonly uid: string;
  /** Folder title shown in Grafana. */
  readonly title: string;
  /**
   * The dashboards: Grafana dashboard JSON (an object, e.g. `JSON.parse` of an export) or a
   * Grafana Foundation SDK `DashboardBuilder` (anything with `build()`). Each needs a fixed,
   * unique `uid`. Query the stack's datasources by their fixed uids (`DATASOURCE_UIDS`).
   */
  readonly dashboards: readonly DashboardInput[];
}

/** A dashboard as Grafana's JSON model (only `uid` and `title` are read here). */
export interface DashboardModel {
  readonly uid?: string;
  readonly title?: string;
}

/** A dashboard JSON object, or a builder of one (the Grafana Foundation SDK's `DashboardBuilder`). */
export type DashboardInput = DashboardModel | { build(): DashboardModel };

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

/**
 * Where Thanos (metric blocks) or Loki (chunks and index) keep long-term data. `filesystem`
 * keeps it on the component's own volume: for trying the stack, not for production.
 * @discriminator backend
 */
export type ObjectStorageConfig =
  | { readonly backend: 'filesystem' }
  | { readonly backend: 's3'; readonly bucket: string; readonly endpoint: string; readonly region?: string; readonly credentialsSecret?: SecretRef }
  | { readonly backend: 'gcs'; readonly bucket: string; readonly credentialsSecret?: SecretRef }
  | { readonly backend: 'azure'; readonly container: string; readonly storageAccount: string; readonly credentialsSecret?: SecretRef };

export interface ThanosConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Where the sidecars upload blocks (required while Thanos is enabled). */
  readonly objectStorage: ObjectStorageConfig;
  readonly query: {
    /** @default 2 */
    readonly replicas: number;
    /** @default { cpuRequest: "200m", memoryRequest: "512Mi", memoryLimit: "2Gi" } */
    readonly resources: Resources;
    /** Remote Thanos StoreAPI endpoints (`host:port`) for global querying. @default [] */
    readonly extraEndpoints: readonly string[];
  };
  readonly storeGateway: {
    /** @default 2 */
    readonly replicas: number;
    /** @default { cpuRequest: "200m", memoryRequest: "1Gi", memoryLimit: "2Gi" } */
    readonly resources: Resources;
    /** @default { size: "20Gi" } */
    readonly storage: StorageConfig;
  };
  readonly compactor: {
    /** @default { cpuRequest: "200m", memoryRequest: "1Gi", memoryLimit: "4Gi" } */
    readonly resources: Resources;
    /** @default { size: "50Gi" } */
    readonly storage: StorageConfig;
    /** Retention of raw data (a Thanos duration, `0d` keeps forever). @default "30d" */
    readonly retentionRaw: string;
    /** Retention of 5m downsampled data. @default "180d" */
    readonly retention5m: string;
    /** Retention of 1h downsampled data. @default "1y" */
    readonly retention1h: string;
  };
}

export interface LokiConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Retention enforced by the compactor, e.g. `744h`. @default "744h" */
  readonly retention: string;
  /** @default { size: "50Gi" } */
  readonly storage: StorageConfig;
  /** @default { cpuRequest: "500m", memoryRequest: "1Gi", memoryLimit: "2Gi" } */
  readonly resources: Resources;
  /** Where chunks and index live (required while Loki is enabled). */
  readonly objectStorage: ObjectStorageConfig;
  readonly limits: {
    /** @default 16 */
    readonly ingestionRateMb: number;
    /** @default 32 */
    readonly ingestionBurstSizeMb: number;
    /** @default "256KB" */
    readonly maxLineSize: string;
    /** @default 10000 */
    readonly maxStreamsPerUser: number;
  };
}

export type LogCollectorKind = 'alloy' | 'promtail' | 'fluentd';

export interface LogCollectorConfig {
  /** @default true */
  readonly enabled: boolean;
  /** @default "alloy" */
  readonly kind: LogCollectorKind;
  /** @default { cpuRequest: "100m", memoryRequest: "128Mi", memoryLimit: "512Mi" } */
  readonly resources: Resources;
  /** Fluentd only (then required): where logs go, and the Secret with keys `username`, `password`. @default undefined */
  readonly elasticsearch?: { readonly url: string; readonly credentialsSecret: SecretRef };
}

export type ExporterSource = 'simulate' | 'events' | 'stats';

/**
 * The stack's own app exporter as a Deployment of its own (business, performance and SLO
 * metrics; `simulate` fills every dashboard with data). Off by default: add it to your own
 * workloads with `addExporterSidecar` instead.
 */
export interface ExporterConfig {
  /** @default false */
  readonly enabled: boolean;
  /**
   * The exporter image, built and pushed to your registry by you (README, "The exporter
   * image": `IMAGE=<registry>/app-exporter:<version> npm run image`, then `buildah push`).
   * An exact tag or a digest; nobody publishes a default. Required when `enabled`.
   * @default undefined
   */
  readonly image?: string;
  /** @default 1 */
  readonly replicas: number;
  /** @default "simulate" */
  readonly source: ExporterSource;
  /** Seconds between updates (simulate) or polls (stats). @default 15 */
  readonly interval: number;
  /** @default { cpuRequest: "25m", memoryRequest: "64Mi", memoryLimit: "128Mi" } */
  readonly resources: Resources;
  /** `stats` source only (then required): the application's JSON stats endpoint. @default undefined */
  readonly statsUrl?: string;
  /**
   * `stats` source only (then required): the mapping of stats fields to metrics (the JSON
   * document of the exporter's `--mapping` file, see exporter/README.md), mounted from a
   * ConfigMap. @default undefined
   */
  readonly statsMapping?: { readonly fields: readonly Record<string, unknown>[] };
}

export interface ToggleConfig {
  /** @default true */
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
   * the controller. Unset: nothing outside the namespace reaches Grafana. @default undefined
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
   * Unset: TCP 443 and 6443 to any address, wherever the API server is.
   * @default undefined
   */
  readonly apiServerEndpointCidrs?: readonly string[];
  /**
   * CIDRs that the outside services live in: Alertmanager's receivers (Slack, PagerDuty,
   * the webhook, the SMTP relay), object storage, remote StoreAPI endpoints, Elasticsearch.
   * Egress to them is allowed on the ports their configs name. Use `['0.0.0.0/0']` when
   * their addresses are not known. An endpoint named by a Service of the cluster
   * (`minio.storage.svc:9000`) is reached as the pods of that namespace on that port instead.
   * @default ["0.0.0.0/0"]
   */
  readonly externalEgressCidrs: readonly string[];
  /**
   * Other Prometheus servers allowed to scrape the stack's components, e.g. a
   * prometheus-operator Prometheus that uses the `operator/` PodMonitors (namespace
   * `monitoring`, pod labels `app.kubernetes.io/name: prometheus`). They are admitted on
   * exactly the metrics ports, the ports the stack's own Prometheus scrapes.
   * Unset: only the stack's own Prometheus scrapes the components.
   * @default undefined
   */
  readonly additionalScrapers?: readonly PodPeerConfig[];
  /**
   * The cluster runs NodeLocal DNSCache: every pod may also send DNS (UDP and TCP 53) to
   * its addresses. Unset: DNS goes to the cluster DNS pods only (`k8s-app=kube-dns` in
   * `kube-system`). @default undefined
   */
  readonly nodeLocalDnsCache?: NodeLocalDnsCacheConfig;
}

export interface SchedulingConfig {
  /** Spread replicas across zones too (topology.kubernetes.io/zone), not only nodes. @default false */
  readonly spreadAcrossZones: boolean;
  /** PriorityClass for the stack's pods. @default undefined */
  readonly priorityClassName?: string;
}

export interface AlertsConfig {
  /** Thresholds and durations of the alert library; unset fields keep DEFAULT_ALERT_THRESHOLDS. @default undefined */
  readonly thresholds?: AlertThresholdOverrides;
  /**
   * Services that must always have traffic (`AppNoTraffic` fires when they have none),
   * as PromQL label matchers, e.g. `job="checkout"`. @default undefined
   */
  readonly expectedTraffic?: readonly string[];
  /**
   * Where the `runbook_url` of the alerts that kube-prometheus also has (same name, same
   * meaning: `TargetDown`, `NodeFilesystemSpaceFillingUp`, `PrometheusRuleFailures`, ...) points:
   * - `'public'`: the public runbooks of prometheus-operator,
   *   `https://runbooks.prometheus-operator.dev/runbooks/<component>/<alertname in lower case>`;
   * - `'runbookBaseUrl'`: your own, `<runbookBaseUrl>#<alert-name-in-kebab-case>`, like the
   *   stack's own alerts.
   * Unset: `'public'`. @default undefined
   */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /**
   * Rule groups of your own, in Prometheus's rule-file shape (`groups[]` of a rule file,
   * e.g. from `readPrometheusRuleFile`): validated like the stack's (PromQL, durations,
   * names), then in the rule files Prometheus loads and the `alert-rules` PrometheusRule
   * alike. Group names must not clash with the stack's. @default undefined
   */
  readonly extraRuleGroups?: readonly RuleFileGroup[];
}

export interface SlosConfig {
  /**
   * The environment's SLOs: typed declarations (see `exporterSlos()` for the stack's own)
   * or read from Sloth `prometheus/v1` files with `readSlothSpec`. Each gives Sloth-compatible
   * recording rules, multi-window multi-burn-rate alerts and a row of the SLO dashboard.
   * @default []
   */
  readonly declarations: readonly SloDeclaration[];
}

export interface StackConfig {
  /** Environment name; names the output folder `dist/<environment>/`. */
  readonly environment: string;
  /** Cluster name, the `cluster` external label on every series. */
  readonly cluster: string;
  /** The namespace everything is deployed in (a DNS label). @default "monitoring" */
  readonly namespace: string;
  /** Extra labels on every object. @default {} */
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
  /** What of Kubernetes itself is scraped; unset: every field's default (see KubernetesComponentsConfig). @default undefined */
  readonly kubernetesComponents?: KubernetesComponentsConfig;
  readonly exporter: ExporterConfig;
  readonly alerts: AlertsConfig;
  readonly slos: SlosConfig;
}
