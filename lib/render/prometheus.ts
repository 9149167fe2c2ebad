import { toYaml } from './yaml';

/**
 * `prometheus.yml` of the stack's own Prometheus, rendered from typed input. Pure: no
 * cdk8s, no clock, no randomness; the same input gives the same bytes.
 *
 * The output must be accepted by Prometheus 2.42 (Debian's promtool/prometheus, used by
 * the tests) AND by the v3.5 image the manifests deploy, so it only uses fields both
 * know. Fields deliberately NOT used, because 2.42 rejects them: `scrape_protocols`
 * (2.49+), `fallback_scrape_protocol` (3.0+), `track_timestamps_staleness` (2.48+),
 * `always_scrape_classic_histograms` (3.0+; 2.x spells it `scrape_classic_histograms`).
 * Consequence: Prometheus 3 fails a scrape whose response has no valid Content-Type
 * (2.x assumed the text format); every exporter this stack runs sets it.
 *
 * Scrape jobs (Kubernetes discovery, least privilege in `prometheusDiscoveryAccess`):
 * - `kubernetes-pods`: pods annotated `prometheus.io/scrape: "true"`. `prometheus.io/port`
 *   is REQUIRED and must be a declared `containerPort` of the pod: the pod role yields one
 *   target per (container, port), and the job keeps exactly the one whose port number
 *   equals the annotation (`keepequal`, Prometheus 2.41+). So a pod with several
 *   containers (Prometheus + Thanos sidecar + reloader) is scraped once, and the
 *   `container` label names the container that serves the metrics. Rewriting the address
 *   instead (the old example config) scrapes the same port once per container, each copy
 *   with a different `container` label. `prometheus.io/path` and `prometheus.io/scheme`
 *   are optional (`/metrics`, `http`).
 * - `kubernetes-pods-sidecar`: a pod's second metrics endpoint, a sidecar's (the app exporter
 *   added by `addExporterSidecar`), annotated `observability-stack.io/metrics-port` (and
 *   `-path`, `-scheme`) so the pod's `prometheus.io/*` stay its application's: both are
 *   scraped. Same rules and labels as `kubernetes-pods`.
 * - `kubernetes-service-endpoints`: Services annotated the same way; `prometheus.io/port`
 *   is the endpoint (target) port number. Endpoints whose pod is itself annotated are
 *   dropped: that pod is already scraped by `kubernetes-pods`, once is enough.
 *   Discovered with the `endpointslice` role: the v1 Endpoints API is deprecated since
 *   Kubernetes 1.33, EndpointSlice discovery exists since Prometheus 2.21.
 * - `kubelet` and `cadvisor`: every node's kubelet, scraped DIRECTLY on the node's
 *   address (`:10250`, what node discovery yields) with the ServiceAccount token. Through
 *   the API server proxy instead, Prometheus would need `nodes/proxy`, which also grants
 *   the kubelet's exec/attach/portforward endpoints: far more than `nodes/metrics`, which
 *   is all the direct path needs. Kubelet serving certificates are self-signed on most
 *   clusters (no `serverTLSBootstrap`), hence the explicit `kubeletTls` choice.
 * - `kubelet-probes`: the kubelet's `/metrics/probes` (`prober_probe_total` per container
 *   and probe), same path and credentials as `kubelet` (the kubelet authorizes every
 *   `/metrics/*` path as `nodes/metrics`).
 * - `apiserver`: the API server's `/metrics`, at the endpoints of the `kubernetes` Service
 *   in `default` (EndpointSlice discovery, port `https`), with the ServiceAccount token and
 *   the cluster CA; the server name `kubernetes` is in every API server's certificate,
 *   whereas the endpoint IP is not always (managed clusters). RBAC: `nonResourceURLs:
 *   ["/metrics"]`, verb `get`.
 * - `coredns`: pods labelled `k8s-app=kube-dns` in `kube-system`, container port 9153
 *   (CoreDNS's prometheus plugin), or the `coredns` container's port named `metrics`. Clusters that run the older kube-dns (GKE by default)
 *   have no such port: the job then has no target, and nothing else breaks.
 * - `kube-controller-manager` (10257) and `kube-scheduler` (10259): off by default, see
 *   `ControlPlaneScrape`. Their pods (static pods labelled `component=<name>` by kubeadm,
 *   `k8s-app=<name>` by kops) in `kube-system`, scraped over HTTPS at the pod IP (host
 *   network: the node's address) and the component's secure port, with the ServiceAccount
 *   token (same `/metrics` RBAC); their serving certificates are self-signed by default.
 * - `podScrapeJobs`: targets that need their own job: secondary metrics ports of the
 *   stack's pods (one annotation can only name one port: the Thanos sidecar next to
 *   Prometheus, kube-state-metrics' telemetry port, the config reloaders), exporters whose
 *   labels describe other objects (kube-state-metrics: `honor_labels`, no pod labels on the
 *   target) and node agents (node-exporter: `instance` = node name). Selected by pod labels
 *   and container port name.
 * - `extraScrapeConfigs`: anything else, verbatim.
 *
 * Labels: every discovered target keeps `namespace`, `pod`, `container`, `node` (and
 * `service` for service endpoints); `job` is the pod's `app.kubernetes.io/name` (the
 * Service's name for service endpoints), as the components' PodMonitors do
 * (`jobLabel: app.kubernetes.io/name`), so alerts select components by `job`. The
 * `__meta_*` labels are discarded by Prometheus after relabelling; pod labels are NOT
 * label-mapped wholesale (`pod-template-hash`, `controller-revision-hash` and the like
 * would multiply series on every rollout): only the labels listed in `podLabelsToKeep`.
 *
 * External labels: `cluster` and a per-replica label whose value is the pod name, so
 * Thanos Query deduplicates the HA pair (`--query.replica-label`). The pod name comes
 * from an environment variable (`${POD_NAME}`, set from the downward API).
 * Prometheus 3 expands environment variables in external label values by default;
 * Prometheus 2.x does so only with `--enable-feature=expand-external-labels` (see
 * `prometheusFeatureFlags`), and 3.x merely logs "Unknown option" for that flag. No
 * sidecar substitutes the file, so the ConfigMap is the config, byte for byte, and the
 * reloader only has to trigger reloads. Alerts sent to Alertmanager drop the replica
 * label (`alert_relabel_configs`), otherwise the two replicas' copies of an alert differ
 * and Alertmanager notifies twice.
 */

/** Where Kubernetes mounts a pod's ServiceAccount credentials. */
export const SERVICE_ACCOUNT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';
export const SERVICE_ACCOUNT_CA_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** Where Secrets are mounted into Prometheus, one folder per Secret (`<dir>/<secret>/<key>`). */
export const PROMETHEUS_SECRETS_DIR = '/etc/prometheus/secrets';

export const DEFAULT_REPLICA_LABEL = 'prometheus_replica';
export const DEFAULT_REPLICA_ENV_VAR = 'POD_NAME';

export const JOB_PODS = 'kubernetes-pods';
export const JOB_POD_SIDECARS = 'kubernetes-pods-sidecar';
export const JOB_SERVICE_ENDPOINTS = 'kubernetes-service-endpoints';
export const JOB_KUBELET = 'kubelet';
export const JOB_CADVISOR = 'cadvisor';
export const JOB_KUBELET_PROBES = 'kubelet-probes';
export const JOB_APISERVER = 'apiserver';
export const JOB_COREDNS = 'coredns';
export const JOB_CONTROLLER_MANAGER = 'kube-controller-manager';
export const JOB_SCHEDULER = 'kube-scheduler';

/** Ports of the cluster components scraped by their own jobs. */
export const COREDNS_METRICS_PORT = 9153;
export const CONTROLLER_MANAGER_PORT = 10257;
export const SCHEDULER_PORT = 10259;

/**
 * Series dropped at scrape time (`metric_relabel_configs`), per job: the one declared list.
 * Each entry is a series name or an RE2 pattern of series names (anchored, like every relabel
 * regex). Only series that multiply with containers, devices, resources or histogram buckets,
 * and that no rule group or dashboard of the stack reads: test/scrape-drops.test.ts collects
 * every metric the synthesized rule groups and dashboards read and fails when one of them is
 * dropped here, so a rule or panel that starts reading one of these must take it off the list.
 *
 * - cAdvisor (per container): the container spec (limits and requests are read from
 *   kube-state-metrics), per-device block I/O, task states, memory failure counters (4 per
 *   container), descriptor/socket/thread gauges, `last_seen`, the per-container CPU split
 *   into user/system (the total is kept) and the load average (always 0 unless the kubelet
 *   runs with `--enable-load-reader`), and the low-level filesystem I/O counters (merged
 *   operations, sectors, I/O time; the byte and operation counters are kept).
 * - kubelet: latency histograms' buckets by operation type, volume plugin or HTTP path (their
 *   `_sum` and `_count` are kept, so the mean still works); not the PLEG relist histogram,
 *   which the kubelet rules read.
 * - API server: the buckets of the per-resource-and-verb histograms (request duration,
 *   response sizes, etcd request duration, watch event sizes, admission latencies, priority
 *   and fairness wait and execution times); a few thousand series per API server. The SLI
 *   histogram `apiserver_request_sli_duration_seconds` (latency without webhooks and long
 *   requests), the request counters and every `_sum`/`_count` are kept.
 * - kube-controller-manager, kube-scheduler: the work-queue latency buckets (one histogram
 *   per controller queue) and the client-side request latency buckets; the scheduler's own
 *   scheduling histograms are kept.
 */
export const DROPPED_SERIES: Readonly<Record<string, readonly string[]>> = {
  [JOB_CADVISOR]: [
    'container_spec_.+',
    'container_blkio_device_usage_total',
    'container_tasks_state',
    'container_memory_failures_total',
    'container_file_descriptors',
    'container_sockets',
    'container_threads',
    'container_threads_max',
    'container_last_seen',
    'container_cpu_load_average_10s',
    'container_cpu_system_seconds_total',
    'container_cpu_user_seconds_total',
    'container_fs_io_current',
    'container_fs_io_time_seconds_total',
    'container_fs_io_time_weighted_seconds_total',
    'container_fs_reads_merged_total',
    'container_fs_writes_merged_total',
    'container_fs_sector_reads_total',
    'container_fs_sector_writes_total',
  ],
  [JOB_KUBELET]: [
    'kubelet_runtime_operations_duration_seconds_bucket',
    'kubelet_http_requests_duration_seconds_bucket',
    'kubelet_cgroup_manager_duration_seconds_bucket',
    'storage_operation_duration_seconds_bucket',
    'rest_client_request_duration_seconds_bucket',
    'rest_client_rate_limiter_duration_seconds_bucket',
    'rest_client_request_size_bytes_bucket',
    'rest_client_response_size_bytes_bucket',
  ],
  [JOB_APISERVER]: [
    'apiserver_request_duration_seconds_bucket',
    'apiserver_response_sizes_bucket',
    'apiserver_watch_events_sizes_bucket',
    'apiserver_watch_list_duration_seconds_bucket',
    'etcd_request_duration_seconds_bucket',
    'apiserver_admission_controller_admission_duration_seconds_bucket',
    'apiserver_admission_step_admission_duration_seconds_bucket',
    'apiserver_admission_webhook_admission_duration_seconds_bucket',
    'apiserver_flowcontrol_request_wait_duration_seconds_bucket',
    'apiserver_flowcontrol_request_execution_seconds_bucket',
    'apiserver_flowcontrol_priority_level_request_utilization_bucket',
    'apiserver_flowcontrol_priority_level_seat_utilization_bucket',
    'apiserver_flowcontrol_read_vs_write_current_requests_bucket',
    'apiserver_flowcontrol_demand_seats_bucket',
    'workqueue_queue_duration_seconds_bucket',
    'workqueue_work_duration_seconds_bucket',
  ],
  [JOB_CONTROLLER_MANAGER]: [
    'workqueue_queue_duration_seconds_bucket',
    'workqueue_work_duration_seconds_bucket',
    'rest_client_request_duration_seconds_bucket',
    'rest_client_rate_limiter_duration_seconds_bucket',
    'rest_client_request_size_bytes_bucket',
    'rest_client_response_size_bytes_bucket',
  ],
  [JOB_SCHEDULER]: [
    'rest_client_request_duration_seconds_bucket',
    'rest_client_rate_limiter_duration_seconds_bucket',
    'rest_client_request_size_bytes_bucket',
    'rest_client_response_size_bytes_bucket',
  ],
};

/** The `metric_relabel_configs` of a job: one drop of its DROPPED_SERIES, or none. */
function dropRules(job: string): Obj[] {
  const names = DROPPED_SERIES[job];
  return names && names.length > 0 ? [relabel({ source_labels: ['__name__'], regex: names.join('|'), action: 'drop' })] : [];
}

/** The Alertmanager StatefulSet's headless Service, as the Alertmanager component exposes it. */
export interface AlertmanagerRef {
  readonly namespace: string;
  /** The headless Service that selects every Alertmanager replica. */
  readonly service: string;
  /** Name of the Service port of Alertmanager's HTTP API (e.g. `http-web`). */
  readonly portName: string;
  /** @default http */
  readonly scheme?: 'http' | 'https';
  /** When Alertmanager runs with `--web.route-prefix`. @default none */
  readonly pathPrefix?: string;
  /** HTTPS with this client certificate (an Alertmanager that requires one). @default none (plain HTTP unless `scheme`) */
  readonly tls?: TlsClientFiles;
}

/**
 * A TLS client configuration as files (a mounted Secret): the CA that verifies the server,
 * the client certificate and its key, and the name the server's certificate must hold when
 * it is not the target's address (targets found by discovery are pod addresses).
 */
export interface TlsClientFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** @default the target's host */
  readonly serverName?: string;
}

/**
 * Alertmanagers outside the cluster, each replica by its own `host:port` (another
 * cluster's Alertmanager behind one load balancer per replica), over HTTPS with a client
 * certificate.
 */
export interface StaticAlertmanagers {
  /** `host:port` of every replica. */
  readonly targets: readonly string[];
  readonly tls: TlsClientFiles;
}

/** A secondary metrics port of pods, selected by pod labels and container port name. */
export interface PodScrapeJob {
  /** Job name and `job` label, e.g. `thanos-sidecar`. */
  readonly job: string;
  readonly namespace: string;
  /** Every one of these pod labels must match (exact values). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Name of the containerPort serving metrics. */
  readonly portName: string;
  /** @default /metrics */
  readonly path?: string;
  /** @default http */
  readonly scheme?: 'http' | 'https';
  /** Prometheus duration. @default the global scrape interval */
  readonly interval?: string;
  /**
   * The exporter's labels describe other objects (kube-state-metrics: `namespace`, `pod`,
   * `container` of the pod a series is about): keep them on conflict (`honor_labels`), and
   * put no `namespace`/`pod`/`container`/`node` of the exporter's own pod on the target,
   * or every series without such a label (a node's, a namespace's) would get the
   * exporter's. @default false
   */
  readonly honorLabels?: boolean;
  /**
   * The `instance` label: the target's address, or the name of the node the pod runs on
   * (node agents: one target per node, named as the node and stable across rollouts).
   * @default 'address'
   */
  readonly instance?: 'address' | 'node';
  /** HTTPS with this client certificate (a target that requires one). @default none */
  readonly tls?: TlsClientFiles;
}

/**
 * The Kubernetes components scraped by their own jobs. Managed clusters (EKS, GKE, AKS) do
 * not expose the controller manager and the scheduler to workloads, and kubeadm binds them
 * to 127.0.0.1 unless `--bind-address=0.0.0.0` is set: enable those two only where
 * `kubectl -n kube-system get pods -l component=kube-controller-manager -o wide` shows pods
 * and the node can be reached on the port (10257, 10259) from a pod.
 */
export interface ClusterScrapeInput {
  /** The API server's /metrics through the `kubernetes` Service's endpoints. @default true */
  readonly apiServer?: boolean;
  /** CoreDNS pods (`k8s-app=kube-dns` in kube-system, port 9153). @default true */
  readonly coreDns?: boolean;
  /** kube-controller-manager pods in kube-system on port 10257. @default false */
  readonly controllerManager?: boolean;
  /** kube-scheduler pods in kube-system on port 10259. @default false */
  readonly scheduler?: boolean;
}

/** A scrape config passed through verbatim (it must be valid for Prometheus 2.42 and 3.x). */
export interface ExtraScrapeConfig {
  readonly job_name: string;
  readonly [field: string]: unknown;
}

/**
 * A `remote_write` endpoint with its credentials as file paths (the caller mounts the Secrets).
 * Only fields both Prometheus 2.42 and 3.x know.
 */
export interface RemoteWriteInput {
  readonly url: string;
  readonly name?: string;
  /** `remote_timeout`, a Prometheus duration. @default Prometheus's (30s) */
  readonly remoteTimeout?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** HTTP basic auth: the username (not secret) and the file holding the password. */
  readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
  /** File holding a bearer token (`authorization.credentials_file`). */
  readonly bearerTokenFile?: string;
  /** `write_relabel_configs`, verbatim. */
  readonly writeRelabelConfigs?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Headers Prometheus refuses in `remote_write.headers` (it sets them itself, or they carry
 * credentials: use `basic_auth` or `authorization`), lower-case; checked with promtool 2.42.
 */
export const RESERVED_REMOTE_WRITE_HEADERS: readonly string[] = [
  'authorization',
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
];

/**
 * How Prometheus verifies the kubelet's serving certificate.
 * - `insecure-skip-verify`: the kubelet's certificate is self-signed (kubeadm, kind,
 *   most managed clusters without `serverTLSBootstrap`); traffic is still encrypted and
 *   the token only goes to node addresses from the API server.
 * - `cluster-ca`: kubelet serving certificates are signed by the cluster CA
 *   (`serverTLSBootstrap: true` and approved CSRs).
 */
export type KubeletTls = 'insecure-skip-verify' | 'cluster-ca';

export interface PrometheusConfigInput {
  /** Value of the `cluster` external label. */
  readonly cluster: string;
  /** Name of the per-replica external label. @default prometheus_replica */
  readonly replicaLabel?: string;
  /** Environment variable holding the pod name (downward API `metadata.name`). @default POD_NAME */
  readonly replicaEnvVar?: string;
  /** Prometheus durations. */
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
  readonly evaluationInterval: string;
  /** Rule file globs, e.g. `/etc/prometheus/rules/*.yaml`. */
  readonly ruleFiles: readonly string[];
  /** Alertmanagers that receive this Prometheus's alerts (each replica of each). */
  readonly alertmanagers: readonly AlertmanagerRef[];
  /** Alertmanagers of another cluster, by address. @default none */
  readonly staticAlertmanagers?: readonly StaticAlertmanagers[];
  /** Namespaces whose pods and services are discovered. @default all namespaces */
  readonly namespaces?: readonly string[];
  /** Scrape kubelets, cAdvisor and the kubelets' probe metrics. @default { enabled: true, tls: 'insecure-skip-verify' } */
  readonly kubelet?: { readonly enabled: boolean; readonly tls?: KubeletTls };
  /** The API server, CoreDNS, the controller manager and the scheduler. @default see ClusterScrapeInput */
  readonly clusterComponents?: ClusterScrapeInput;
  /**
   * Pod labels copied onto pod and service-endpoint targets: Kubernetes label name ->
   * Prometheus label name, e.g. `{ 'app.kubernetes.io/version': 'version' }`. Only list
   * labels with few values. @default none
   */
  readonly podLabelsToKeep?: Readonly<Record<string, string>>;
  /** Secondary metrics ports of the stack's own pods. @default none */
  readonly podScrapeJobs?: readonly PodScrapeJob[];
  /** Extra scrape configs, verbatim. @default none */
  readonly extraScrapeConfigs?: readonly ExtraScrapeConfig[];
  /**
   * External labels besides `cluster` and the replica label (e.g. `region`). Values must not
   * contain `$` (Prometheus 3 expands `${VAR}` in them). @default none
   */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** `remote_write` endpoints. @default none */
  readonly remoteWrite?: readonly RemoteWriteInput[];
}

type Obj = Record<string, unknown>;

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const K8S_LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const K8S_LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Milliseconds of a Prometheus duration, or undefined when it is not one. */
export function durationMs(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || value === '') return undefined;
  const units = [365 * 86400e3, 7 * 86400e3, 86400e3, 3600e3, 60e3, 1e3, 1];
  return units.reduce((sum, unit, i) => sum + (m[i + 1] ? Number(m[i + 1]) * unit : 0), 0);
}

/** Prometheus's label-name sanitizing of Kubernetes label/annotation keys (`strutil.SanitizeLabelName`). */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** A literal string as an RE2 regex (relabel regexes are fully anchored by Prometheus). */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function fail(path: string, problem: string): never {
  throw new Error(`prometheus config: ${path}: ${problem}`);
}

function checkDuration(path: string, value: string): number {
  const ms = durationMs(value);
  if (ms === undefined || ms === 0) fail(path, `"${value}" is not a positive Prometheus duration; use e.g. "30s" or "1m"`);
  return ms;
}

function validate(input: PrometheusConfigInput): void {
  if (!input.cluster || /[\s$]/.test(input.cluster)) {
    fail('cluster', `"${input.cluster}" must be a non-empty value without spaces or '$' (Prometheus 3 expands $VAR in external labels)`);
  }
  const replicaLabel = input.replicaLabel ?? DEFAULT_REPLICA_LABEL;
  if (!LABEL_NAME.test(replicaLabel) || replicaLabel.startsWith('__')) fail('replicaLabel', `"${replicaLabel}" is not a label name; use letters, digits and '_' (e.g. prometheus_replica)`);
  if (replicaLabel === 'cluster') fail('replicaLabel', '"cluster" is already the cluster label; use e.g. prometheus_replica');
  const envVar = input.replicaEnvVar ?? DEFAULT_REPLICA_ENV_VAR;
  if (!ENV_VAR.test(envVar)) fail('replicaEnvVar', `"${envVar}" is not an environment variable name`);
  const interval = checkDuration('scrapeInterval', input.scrapeInterval);
  const timeout = checkDuration('scrapeTimeout', input.scrapeTimeout);
  if (timeout > interval) fail('scrapeTimeout', `${input.scrapeTimeout} exceeds scrapeInterval ${input.scrapeInterval}; Prometheus refuses it: lower the timeout`);
  checkDuration('evaluationInterval', input.evaluationInterval);
  if (input.ruleFiles.length === 0) fail('ruleFiles', 'at least one rule file glob is needed (the stack ships alert rules for itself)');
  input.ruleFiles.forEach((f, i) => {
    if (!f.startsWith('/')) fail(`ruleFiles[${i}]`, `"${f}" must be an absolute path or glob (relative paths resolve against the config file's directory)`);
  });
  if (input.alertmanagers.length === 0 && (input.staticAlertmanagers ?? []).every((s) => s.targets.length === 0)) fail('alertmanagers', 'at least one Alertmanager is needed, or alerts go nowhere');
  (input.staticAlertmanagers ?? []).forEach((s, i) => {
    s.targets.forEach((t, j) => {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(t)) fail(`staticAlertmanagers[${i}].targets[${j}]`, `"${t}" is not host:port`);
    });
  });
  input.alertmanagers.forEach((am, i) => {
    if (!DNS_LABEL.test(am.namespace)) fail(`alertmanagers[${i}].namespace`, `"${am.namespace}" is not a namespace name`);
    if (!DNS_LABEL.test(am.service)) fail(`alertmanagers[${i}].service`, `"${am.service}" is not a Service name`);
    if (!PORT_NAME.test(am.portName) || am.portName.length > 15) fail(`alertmanagers[${i}].portName`, `"${am.portName}" is not a port name (at most 15 lower-case letters, digits and '-')`);
    if (am.pathPrefix !== undefined && !am.pathPrefix.startsWith('/')) fail(`alertmanagers[${i}].pathPrefix`, `"${am.pathPrefix}" must start with "/"`);
  });
  if (input.namespaces !== undefined) {
    if (input.namespaces.length === 0) fail('namespaces', 'an empty list discovers nothing; leave it undefined to discover all namespaces');
    input.namespaces.forEach((ns, i) => {
      if (!DNS_LABEL.test(ns)) fail(`namespaces[${i}]`, `"${ns}" is not a namespace name`);
    });
  }
  for (const [k8sLabel, promLabel] of Object.entries(input.podLabelsToKeep ?? {})) {
    if (!K8S_LABEL_KEY.test(k8sLabel)) fail(`podLabelsToKeep["${k8sLabel}"]`, 'not a Kubernetes label key');
    if (!LABEL_NAME.test(promLabel) || promLabel.startsWith('__')) fail(`podLabelsToKeep["${k8sLabel}"]`, `"${promLabel}" is not a Prometheus label name`);
    if (['job', 'instance', 'namespace', 'pod', 'container', 'node', 'service', 'cluster', replicaLabel].includes(promLabel)) {
      fail(`podLabelsToKeep["${k8sLabel}"]`, `"${promLabel}" is a label the stack already sets; choose another name`);
    }
  }
  const jobs = new Set([JOB_PODS, JOB_POD_SIDECARS, JOB_SERVICE_ENDPOINTS, ...kubeletJobs(input), ...clusterComponentJobs(input)].map((j) => (typeof j === 'string' ? j : String(j.job_name))));
  (input.podScrapeJobs ?? []).forEach((j, i) => {
    const at = `podScrapeJobs[${i}]`;
    if (!DNS_LABEL.test(j.job)) fail(`${at}.job`, `"${j.job}" must be lower-case letters, digits and '-'`);
    if (jobs.has(j.job)) fail(`${at}.job`, `job name "${j.job}" is used twice; job names must be unique`);
    jobs.add(j.job);
    if (!DNS_LABEL.test(j.namespace)) fail(`${at}.namespace`, `"${j.namespace}" is not a namespace name`);
    if (Object.keys(j.podLabels).length === 0) fail(`${at}.podLabels`, 'select the pods by at least one label');
    for (const [k, v] of Object.entries(j.podLabels)) {
      if (!K8S_LABEL_KEY.test(k) || !K8S_LABEL_VALUE.test(v)) fail(`${at}.podLabels["${k}"]`, `"${k}=${v}" is not a Kubernetes label`);
    }
    if (!PORT_NAME.test(j.portName) || j.portName.length > 15) fail(`${at}.portName`, `"${j.portName}" is not a port name`);
    if (j.path !== undefined && !j.path.startsWith('/')) fail(`${at}.path`, `"${j.path}" must start with "/"`);
    if (j.interval !== undefined) {
      const ms = checkDuration(`${at}.interval`, j.interval);
      if (ms < timeout) fail(`${at}.interval`, `${j.interval} is shorter than scrapeTimeout ${input.scrapeTimeout}; Prometheus refuses a timeout above the interval`);
    }
    if (j.instance !== undefined && j.instance !== 'address' && j.instance !== 'node') fail(`${at}.instance`, `"${String(j.instance)}" is not allowed; use "address" or "node"`);
  });
  for (const [name, value] of Object.entries(input.externalLabels ?? {})) {
    const at = `externalLabels.${name}`;
    if (!LABEL_NAME.test(name) || name.startsWith('__')) fail(at, 'not a label name; use letters, digits and \'_\' (not starting with \'__\')');
    if (name === 'cluster' || name === replicaLabel) fail(at, `"${name}" is set by the stack; choose another name`);
    if (value === '' || value.includes('$')) fail(at, `"${value}" must be non-empty and without '$' (Prometheus 3 expands $VAR in external labels)`);
  }
  const remoteNames = new Set<string>();
  (input.remoteWrite ?? []).forEach((rw, i) => {
    const at = `remoteWrite[${i}]`;
    let url: URL | undefined;
    try {
      url = new URL(rw.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(`${at}.url`, `"${rw.url}" is not an http(s) URL`);
    if (url.username || url.password) fail(`${at}.url`, 'must not carry credentials; use basic auth or a bearer token from a Secret');
    if (rw.name !== undefined) {
      if (rw.name === '' || remoteNames.has(rw.name)) fail(`${at}.name`, `"${rw.name}" must be non-empty and unique among remote_write names`);
      remoteNames.add(rw.name);
    }
    if (rw.remoteTimeout !== undefined) checkDuration(`${at}.remoteTimeout`, rw.remoteTimeout);
    for (const header of Object.keys(rw.headers ?? {})) {
      if (RESERVED_REMOTE_WRITE_HEADERS.includes(header.toLowerCase())) fail(`${at}.headers.${header}`, 'Prometheus refuses this header (it sets it itself, or it carries credentials: use basic auth or a bearer token)');
    }
    if (rw.basicAuth && rw.bearerTokenFile) fail(at, 'basic auth and a bearer token are mutually exclusive');
  });
  (input.extraScrapeConfigs ?? []).forEach((c, i) => {
    if (typeof c.job_name !== 'string' || c.job_name === '') fail(`extraScrapeConfigs[${i}].job_name`, 'required');
    if (jobs.has(c.job_name)) fail(`extraScrapeConfigs[${i}].job_name`, `job name "${c.job_name}" is used twice; job names must be unique`);
    jobs.add(c.job_name);
  });
}

function relabel(r: { source_labels?: string[]; separator?: string; regex?: string; target_label?: string; replacement?: string; action?: string }): Obj {
  const out: Obj = {};
  if (r.source_labels) out.source_labels = r.source_labels;
  if (r.separator !== undefined) out.separator = r.separator;
  if (r.regex !== undefined) out.regex = r.regex;
  if (r.target_label) out.target_label = r.target_label;
  if (r.replacement !== undefined) out.replacement = r.replacement;
  if (r.action) out.action = r.action;
  return out;
}

function kubernetesSd(role: string, namespaces: readonly string[] | undefined): Obj[] {
  const sd: Obj = { role };
  if (namespaces) sd.namespaces = { names: [...namespaces] };
  return [sd];
}

/** Copy a meta label onto a target label when it is non-empty. */
function copy(meta: string, target: string): Obj {
  return relabel({ source_labels: [meta], regex: '(.+)', target_label: target, replacement: '$1', action: 'replace' });
}

function podLabelCopies(input: PrometheusConfigInput): Obj[] {
  return Object.keys(input.podLabelsToKeep ?? {})
    .sort()
    .map((k) => copy(`__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`, input.podLabelsToKeep![k]));
}

const DROP_FINISHED_PODS = relabel({ source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Succeeded|Failed', action: 'drop' });

function podsJob(input: PrometheusConfigInput, sidecar = false): Obj {
  const a = (name: string) => `__meta_kubernetes_pod_annotation_${name}`;
  // `prometheus.io/port` etc., or `observability-stack.io/metrics-port` etc. (a sidecar's).
  const key = (field: 'port' | 'path' | 'scheme') => a(sidecar ? `observability_stack_io_metrics_${field}` : `prometheus_io_${field}`);
  return {
    job_name: sidecar ? JOB_POD_SIDECARS : JOB_PODS,
    kubernetes_sd_configs: kubernetesSd('pod', input.namespaces),
    relabel_configs: [
      ...(sidecar ? [] : [relabel({ source_labels: [a('prometheus_io_scrape')], regex: 'true', action: 'keep' })]),
      DROP_FINISHED_PODS,
      // The port annotation is required: without it, every declared port would be scraped.
      relabel({ source_labels: [key('port')], regex: '[0-9]+', action: 'keep' }),
      // Exactly the (container, port) target whose port is the annotated one.
      relabel({ source_labels: ['__meta_kubernetes_pod_container_port_number'], target_label: key('port'), action: 'keepequal' }),
      relabel({ source_labels: [key('path')], regex: '(.+)', target_label: '__metrics_path__', replacement: '$1', action: 'replace' }),
      relabel({ source_labels: [key('scheme')], regex: '(https?)', target_label: '__scheme__', replacement: '$1', action: 'replace' }),
      copy('__meta_kubernetes_pod_label_app_kubernetes_io_name', 'job'),
      copy('__meta_kubernetes_namespace', 'namespace'),
      copy('__meta_kubernetes_pod_name', 'pod'),
      copy('__meta_kubernetes_pod_container_name', 'container'),
      copy('__meta_kubernetes_pod_node_name', 'node'),
      ...podLabelCopies(input),
    ],
  };
}

function serviceEndpointsJob(input: PrometheusConfigInput): Obj {
  const a = (name: string) => `__meta_kubernetes_service_annotation_${name}`;
  return {
    job_name: JOB_SERVICE_ENDPOINTS,
    kubernetes_sd_configs: kubernetesSd('endpointslice', input.namespaces),
    relabel_configs: [
      relabel({ source_labels: [a('prometheus_io_scrape')], regex: 'true', action: 'keep' }),
      // The pod behind this endpoint is annotated itself: kubernetes-pods scrapes it.
      relabel({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'drop' }),
      DROP_FINISHED_PODS,
      relabel({ source_labels: [a('prometheus_io_port')], regex: '[0-9]+', action: 'keep' }),
      // Only endpoint ports (pod ports outside the Service have no endpointslice_port).
      relabel({ source_labels: ['__meta_kubernetes_endpointslice_port'], target_label: a('prometheus_io_port'), action: 'keepequal' }),
      relabel({ source_labels: [a('prometheus_io_path')], regex: '(.+)', target_label: '__metrics_path__', replacement: '$1', action: 'replace' }),
      relabel({ source_labels: [a('prometheus_io_scheme')], regex: '(https?)', target_label: '__scheme__', replacement: '$1', action: 'replace' }),
      copy('__meta_kubernetes_service_name', 'job'),
      copy('__meta_kubernetes_namespace', 'namespace'),
      copy('__meta_kubernetes_service_name', 'service'),
      copy('__meta_kubernetes_pod_name', 'pod'),
      copy('__meta_kubernetes_pod_container_name', 'container'),
      copy('__meta_kubernetes_pod_node_name', 'node'),
      ...podLabelCopies(input),
    ],
  };
}

function serviceAccountAuth(): Obj {
  return { type: 'Bearer', credentials_file: SERVICE_ACCOUNT_TOKEN_PATH };
}

function kubeletJobs(input: PrometheusConfigInput): Obj[] {
  const kubelet = input.kubelet ?? { enabled: true };
  if (!kubelet.enabled) return [];
  const tls: Obj = (kubelet.tls ?? 'insecure-skip-verify') === 'cluster-ca' ? { ca_file: SERVICE_ACCOUNT_CA_PATH } : { insecure_skip_verify: true };
  const base = (job: string, path: string): Obj => {
    const out: Obj = {
      job_name: job,
      scheme: 'https',
      metrics_path: path,
      authorization: serviceAccountAuth(),
      tls_config: tls,
      kubernetes_sd_configs: kubernetesSd('node', undefined),
      // Node discovery sets instance to the node name; `node` is the label dashboards join on.
      relabel_configs: [copy('__meta_kubernetes_node_name', 'node')],
    };
    const drops = dropRules(job);
    if (drops.length > 0) out.metric_relabel_configs = drops;
    return out;
  };
  return [base(JOB_KUBELET, '/metrics'), base(JOB_CADVISOR, '/metrics/cadvisor'), base(JOB_KUBELET_PROBES, '/metrics/probes')];
}

/** Resolved ClusterScrapeInput (the defaults applied). */
export function clusterComponents(input: Pick<PrometheusConfigInput, 'clusterComponents'>): Required<ClusterScrapeInput> {
  const c = input.clusterComponents ?? {};
  return { apiServer: c.apiServer ?? true, coreDns: c.coreDns ?? true, controllerManager: c.controllerManager ?? false, scheduler: c.scheduler ?? false };
}

/** Keep targets whose pod has label `component` or `k8s-app` equal to `name` (kubeadm, kops). */
function keepComponentPods(name: string): Obj {
  const v = regexLiteral(name);
  return relabel({
    source_labels: ['__meta_kubernetes_pod_label_component', '__meta_kubernetes_pod_label_k8s_app'],
    separator: ';',
    regex: `${v};.*|.*;${v}`,
    action: 'keep',
  });
}

const POD_TARGET_LABELS = [
  copy('__meta_kubernetes_namespace', 'namespace'),
  copy('__meta_kubernetes_pod_name', 'pod'),
  copy('__meta_kubernetes_pod_container_name', 'container'),
  copy('__meta_kubernetes_pod_node_name', 'node'),
];

/**
 * A control-plane component on the host network: its pod IP is the node's address, the
 * component listens on `port` whether or not the pod declares it (kubeadm's static pods
 * declare no ports), so the address is the pod IP and that port.
 */
function controlPlaneJob(job: string, port: number): Obj {
  return {
    job_name: job,
    scheme: 'https',
    authorization: serviceAccountAuth(),
    // Serving certificates are generated by the component itself unless configured.
    tls_config: { insecure_skip_verify: true },
    kubernetes_sd_configs: kubernetesSd('pod', ['kube-system']),
    relabel_configs: [
      keepComponentPods(job),
      relabel({ source_labels: ['__meta_kubernetes_pod_container_init'], regex: 'true', action: 'drop' }),
      DROP_FINISHED_PODS,
      // One target per pod whatever ports it declares (targets with equal labels are merged).
      relabel({ source_labels: ['__meta_kubernetes_pod_ip'], regex: '([^:]+)', target_label: '__address__', replacement: `$1:${port}`, action: 'replace' }),
      relabel({ source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+:.+)', target_label: '__address__', replacement: `[$1]:${port}`, action: 'replace' }),
      ...POD_TARGET_LABELS,
    ],
    metric_relabel_configs: dropRules(job),
  };
}

function clusterComponentJobs(input: PrometheusConfigInput): Obj[] {
  const c = clusterComponents(input);
  const out: Obj[] = [];
  if (c.apiServer) {
    out.push({
      job_name: JOB_APISERVER,
      scheme: 'https',
      authorization: serviceAccountAuth(),
      tls_config: { ca_file: SERVICE_ACCOUNT_CA_PATH, server_name: 'kubernetes' },
      kubernetes_sd_configs: kubernetesSd('endpointslice', ['default']),
      relabel_configs: [
        relabel({ source_labels: ['__meta_kubernetes_service_name'], regex: 'kubernetes', action: 'keep' }),
        relabel({ source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: 'https', action: 'keep' }),
      ],
      metric_relabel_configs: dropRules(JOB_APISERVER),
    });
  }
  if (c.coreDns) {
    out.push({
      job_name: JOB_COREDNS,
      kubernetes_sd_configs: kubernetesSd('pod', ['kube-system']),
      relabel_configs: [
        relabel({ source_labels: ['__meta_kubernetes_pod_label_k8s_app'], regex: 'kube-dns', action: 'keep' }),
        // The prometheus plugin's port: 9153, or the port named `metrics` of the coredns
        // container (kubeadm, EKS and AKS name it so). Not kube-dns's `metrics` ports.
        relabel({
          source_labels: ['__meta_kubernetes_pod_container_port_number', '__meta_kubernetes_pod_container_port_name', '__meta_kubernetes_pod_container_name'],
          separator: ';',
          regex: `${COREDNS_METRICS_PORT};.*;.*|.*;metrics;coredns`,
          action: 'keep',
        }),
        DROP_FINISHED_PODS,
        ...POD_TARGET_LABELS,
      ],
    });
  }
  if (c.controllerManager) out.push(controlPlaneJob(JOB_CONTROLLER_MANAGER, CONTROLLER_MANAGER_PORT));
  if (c.scheduler) out.push(controlPlaneJob(JOB_SCHEDULER, SCHEDULER_PORT));
  return out;
}

function podScrapeJob(j: PodScrapeJob): Obj {
  const out: Obj = { job_name: j.job };
  if (j.interval) out.scrape_interval = j.interval;
  if (j.honorLabels) out.honor_labels = true;
  out.metrics_path = j.path ?? '/metrics';
  out.scheme = j.tls ? 'https' : (j.scheme ?? 'http');
  out.kubernetes_sd_configs = kubernetesSd('pod', [j.namespace]);
  out.relabel_configs = [
    ...Object.keys(j.podLabels)
      .sort()
      .map((k) => relabel({ source_labels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`], regex: regexLiteral(j.podLabels[k]), action: 'keep' })),
    relabel({ source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: regexLiteral(j.portName), action: 'keep' }),
    DROP_FINISHED_PODS,
    ...(j.instance === 'node' ? [copy('__meta_kubernetes_pod_node_name', 'instance')] : []),
    ...(j.honorLabels ? [] : POD_TARGET_LABELS),
  ];
  if (j.tls) out.tls_config = tlsConfig(j.tls);
  return out;
}

function tlsConfig(t: TlsClientFiles): Obj {
  const out: Obj = { ca_file: t.caFile, cert_file: t.certFile, key_file: t.keyFile };
  if (t.serverName) out.server_name = t.serverName;
  return out;
}

function alertmanagerConfig(am: AlertmanagerRef): Obj {
  const out: Obj = { api_version: 'v2', scheme: am.tls ? 'https' : (am.scheme ?? 'http') };
  if (am.pathPrefix) out.path_prefix = am.pathPrefix;
  if (am.tls) out.tls_config = tlsConfig(am.tls);
  out.kubernetes_sd_configs = kubernetesSd('endpointslice', [am.namespace]);
  out.relabel_configs = [
    relabel({ source_labels: ['__meta_kubernetes_service_name'], regex: regexLiteral(am.service), action: 'keep' }),
    relabel({ source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: regexLiteral(am.portName), action: 'keep' }),
    // A replica that is not ready (starting, terminating) would only count errors.
    relabel({ source_labels: ['__meta_kubernetes_endpointslice_endpoint_conditions_ready'], regex: 'true', action: 'keep' }),
  ];
  return out;
}

/** The `prometheus.yml` object (keys in a fixed order). */
export function renderPrometheusConfig(input: PrometheusConfigInput): Record<string, unknown> {
  validate(input);
  const replicaLabel = input.replicaLabel ?? DEFAULT_REPLICA_LABEL;
  const envVar = input.replicaEnvVar ?? DEFAULT_REPLICA_ENV_VAR;
  return {
    global: {
      scrape_interval: input.scrapeInterval,
      scrape_timeout: input.scrapeTimeout,
      evaluation_interval: input.evaluationInterval,
      external_labels: {
        cluster: input.cluster,
        [replicaLabel]: `\${${envVar}}`,
        ...sortedLabels(input.externalLabels),
      },
    },
    rule_files: [...input.ruleFiles],
    alerting: {
      alert_relabel_configs: [relabel({ regex: regexLiteral(replicaLabel), action: 'labeldrop' })],
      alertmanagers: [
        ...input.alertmanagers.map(alertmanagerConfig),
        ...(input.staticAlertmanagers ?? []).map((s) => ({ api_version: 'v2', scheme: 'https', tls_config: tlsConfig(s.tls), static_configs: [{ targets: [...s.targets] }] })),
      ],
    },
    scrape_configs: [
      podsJob(input),
      podsJob(input, true),
      serviceEndpointsJob(input),
      ...kubeletJobs(input),
      ...clusterComponentJobs(input),
      ...(input.podScrapeJobs ?? []).map(podScrapeJob),
      ...(input.extraScrapeConfigs ?? []).map((c) => ({ ...c })),
    ],
    ...(input.remoteWrite?.length ? { remote_write: input.remoteWrite.map(remoteWriteConfig) } : {}),
  };
}

function sortedLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) out[key] = labels![key];
  return out;
}

function remoteWriteConfig(rw: RemoteWriteInput): Obj {
  const out: Obj = { url: rw.url };
  if (rw.name !== undefined) out.name = rw.name;
  if (rw.remoteTimeout !== undefined) out.remote_timeout = rw.remoteTimeout;
  if (rw.headers && Object.keys(rw.headers).length > 0) out.headers = sortedLabels(rw.headers);
  if (rw.basicAuth) out.basic_auth = { username: rw.basicAuth.username, password_file: rw.basicAuth.passwordFile };
  if (rw.bearerTokenFile) out.authorization = { type: 'Bearer', credentials_file: rw.bearerTokenFile };
  if (rw.writeRelabelConfigs?.length) out.write_relabel_configs = rw.writeRelabelConfigs.map((r) => ({ ...r }));
  return out;
}

/** `prometheus.yml` text, deterministic. */
export function prometheusConfigYaml(input: PrometheusConfigInput): string {
  return toYaml(renderPrometheusConfig(input));
}

/**
 * Command-line feature flags the rendered config relies on, for a Prometheus version
 * (`2.42.0`, `v3.5.0`, or an image reference ending in such a tag). 2.x needs
 * `expand-external-labels` for the `${POD_NAME}` replica label; 3.x expands by default
 * and would only log "Unknown option" for the flag.
 */
export function prometheusFeatureFlags(version: string): string[] {
  const m = /v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][\w.]+)?$/.exec(version);
  if (!m) throw new Error(`prometheusFeatureFlags: cannot read a version from "${version}"; pass e.g. "v3.5.0"`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 2 || (major === 2 && minor < 41)) {
    throw new Error(`prometheusFeatureFlags: Prometheus ${m[1]}.${m[2]} is too old for this config (keepequal needs 2.41+)`);
  }
  return major === 2 ? ['--enable-feature=expand-external-labels'] : [];
}

/** The environment variable the Prometheus container needs for its replica label. */
export function replicaLabelEnv(input: Pick<PrometheusConfigInput, 'replicaEnvVar'>): { readonly name: string; readonly fieldPath: 'metadata.name' } {
  return { name: input.replicaEnvVar ?? DEFAULT_REPLICA_ENV_VAR, fieldPath: 'metadata.name' };
}

/** An RBAC rule (the shape of `rbac.authorization.k8s.io/v1` PolicyRule): on API resources, or on non-resource URLs. */
export type PolicyRule =
  | { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[] }
  | { readonly nonResourceURLs: readonly string[]; readonly verbs: readonly string[] };

/**
 * Exactly the API access the rendered config needs: a ClusterRole's rules (discovery in
 * all namespaces, nodes, `nodes/metrics`) and, per namespace, a Role's rules (discovery
 * restricted to named namespaces). No wildcards.
 */
export interface DiscoveryAccess {
  readonly clusterRules: readonly PolicyRule[];
  readonly namespaceRules: readonly { readonly namespace: string; readonly rules: readonly PolicyRule[] }[];
}

/** Resources each `kubernetes_sd_configs` role lists and watches (Prometheus's informers). */
const ROLE_RESOURCES: Record<string, readonly (readonly [string, string])[]> = {
  pod: [['', 'pods']],
  service: [['', 'services']],
  endpoints: [['', 'endpoints'], ['', 'services'], ['', 'pods']],
  endpointslice: [['discovery.k8s.io', 'endpointslices'], ['', 'services'], ['', 'pods']],
  node: [['', 'nodes']],
  ingress: [['networking.k8s.io', 'ingresses']],
};
const DISCOVERY_VERBS = ['get', 'list', 'watch'];
const CLUSTER_SCOPED = new Set(['nodes']);

function rulesFrom(resources: Set<string>, verbs: readonly string[]): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const key of [...resources].sort()) {
    const [group, resource] = key.split('|');
    byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
  }
  return [...byGroup.keys()].sort().map((g) => ({ apiGroups: [g], resources: byGroup.get(g)!, verbs: [...verbs] }));
}

function sdConfigsOf(config: Obj): Obj[] {
  const out: Obj[] = [];
  for (const sc of (config.scrape_configs as Obj[] | undefined) ?? []) out.push(...((sc.kubernetes_sd_configs as Obj[] | undefined) ?? []));
  const alerting = config.alerting as Obj | undefined;
  for (const am of (alerting?.alertmanagers as Obj[] | undefined) ?? []) out.push(...((am.kubernetes_sd_configs as Obj[] | undefined) ?? []));
  return out;
}

/** RBAC needed by a rendered config (from `renderPrometheusConfig`, extra jobs included). */
export function prometheusDiscoveryAccess(config: Record<string, unknown>): DiscoveryAccess {
  const cluster = new Set<string>();
  const perNamespace = new Map<string, Set<string>>();
  for (const sd of sdConfigsOf(config)) {
    const role = String(sd.role);
    const resources = ROLE_RESOURCES[role];
    if (!resources) throw new Error(`prometheusDiscoveryAccess: kubernetes_sd_configs role "${role}" is not supported`);
    if (sd.api_server !== undefined || sd.kubeconfig_file !== undefined) continue; // another cluster's API: not this ServiceAccount
    const names = ((sd.namespaces as Obj | undefined)?.names as string[] | undefined) ?? undefined;
    const attach = sd.attach_metadata as Obj | undefined;
    const all = [...resources, ...(attach?.node ? [['', 'nodes'] as const] : [])];
    for (const [group, resource] of all) {
      const key = `${group}|${resource}`;
      if (!names || CLUSTER_SCOPED.has(resource)) cluster.add(key);
      else for (const ns of names) perNamespace.set(ns, (perNamespace.get(ns) ?? new Set()).add(key));
    }
  }
  const clusterRules = rulesFrom(cluster, DISCOVERY_VERBS);
  const jobNames = new Set(((config.scrape_configs as Obj[] | undefined) ?? []).map((sc) => sc.job_name));
  // The kubelet authorizes every /metrics/* path (cadvisor, probes) as nodes/metrics.
  if ([JOB_KUBELET, JOB_CADVISOR, JOB_KUBELET_PROBES].some((j) => jobNames.has(j))) clusterRules.push({ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] });
  // The API server, controller manager and scheduler authorize GET /metrics as a non-resource URL.
  if ([JOB_APISERVER, JOB_CONTROLLER_MANAGER, JOB_SCHEDULER].some((j) => jobNames.has(j))) clusterRules.push({ nonResourceURLs: ['/metrics'], verbs: ['get'] });
  const namespaceRules = [...perNamespace.keys()]
    .sort()
    .map((namespace) => ({ namespace, rules: rulesFrom(new Set([...perNamespace.get(namespace)!].filter((k) => !cluster.has(k))), DISCOVERY_VERBS) }))
    .filter((n) => n.rules.length > 0);
  return { clusterRules, namespaceRules };
}
