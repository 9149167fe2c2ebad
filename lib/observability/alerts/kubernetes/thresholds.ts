import type { Severity } from '../../rule-group';
import type { NodeCondition, SimpleThreshold } from '../thresholds';

/**
 * Thresholds of the Kubernetes alerts (`alerts.thresholds.kubernetes`), one section per rule
 * group. The defaults are those of the alerts of the same name in kube-prometheus where it
 * has them (so that its users and the public runbooks find what they expect), and the
 * stack's previous defaults for the alerts it already had. Fractions are 0..1 (0.15 is 15%);
 * durations are Prometheus durations (`5m`, `1h`, `7d`). Override any field; the others keep
 * their default. The generic checks (severity, duration, fraction, positive number) are done
 * by `resolveAlertThresholds` from the field's name; `kubernetesThresholdProblems` adds the
 * checks that involve several fields or a histogram's bucket bounds.
 */

/** A condition that must also have stopped changing: "not converging", not "in progress". */
export interface StalledThreshold extends SimpleThreshold {
  /** The counts that would show progress have not changed for this long. */
  readonly stallWindow: string;
}

/** `kubernetes-apps`: pods, containers and workloads. */
export interface AppsThresholds {
  /**
   * `KubePodCrashLooping`: a container waits in CrashLoopBackOff, or restarted more than
   * `restarts` times within `window` (increase() extrapolates: the count is approximate).
   * @default 3 restarts in 15m, for 15m, warning
   */
  readonly crashLooping: SimpleThreshold & { readonly restarts: number; readonly window: string };
  /** `KubePodNotReady`: a pod (not finished) is unready, Pending or Unknown. @default for 15m, warning */
  readonly podNotReady: SimpleThreshold;
  /** `KubeContainerWaiting`: a container waits to start for another reason than a crash loop. @default for 1h, warning */
  readonly containerWaiting: SimpleThreshold;
  /** `KubeDeploymentGenerationMismatch`, `KubeStatefulSetGenerationMismatch`. @default for 15m, warning */
  readonly generationMismatch: SimpleThreshold;
  /**
   * `KubeDeploymentReplicasMismatch`, `KubeStatefulSetReplicasMismatch`: fewer available
   * (ready) replicas than desired, and that count has not changed for `stallWindow`.
   * @default stallWindow 10m, for 15m, warning
   */
  readonly replicasMismatch: StalledThreshold;
  /**
   * `KubeDeploymentRolloutStuck` (the Deployment's Progressing condition is False: its
   * progress deadline passed; `stallWindow` is not used), `KubeStatefulSetUpdateNotRolledOut`
   * and `KubeDaemonSetRolloutStuck` (pods not updated or not available, and no change for
   * `stallWindow`). @default stallWindow 10m, for 15m, warning
   */
  readonly rolloutStuck: StalledThreshold;
  /** `KubeDaemonSetNotScheduled`. @default for 10m, warning */
  readonly daemonSetNotScheduled: SimpleThreshold;
  /** `KubeDaemonSetMisScheduled`. @default for 15m, warning */
  readonly daemonSetMisScheduled: SimpleThreshold;
  /** `KubeJobNotCompleted`: a Job with active pods started more than `activeFor` ago. @default 12h, warning */
  readonly jobNotCompleted: { readonly activeFor: string; readonly severity: Severity };
  /** `KubeJobFailed`. @default for 15m, warning */
  readonly jobFailed: SimpleThreshold;
  /** `KubeHpaReplicasMismatch`. @default for 15m, warning */
  readonly hpaReplicasMismatch: SimpleThreshold;
  /** `KubeHpaMaxedOut`. @default for 15m, warning */
  readonly hpaMaxedOut: SimpleThreshold;
  /** `KubePdbNotEnoughHealthyPods`. @default for 15m, warning */
  readonly pdbNotEnoughHealthyPods: SimpleThreshold;
}

/** `kubernetes-resources`: requests, quotas and throttling. */
export interface ResourcesThresholds {
  /** `KubeCPUOvercommit`, `KubeMemoryOvercommit`: requests do not fit if the largest node fails. @default for 10m, warning */
  readonly overcommit: SimpleThreshold;
  /**
   * `KubeCPUQuotaOvercommit`, `KubeMemoryQuotaOvercommit`: the namespaces' hard quotas add up
   * to more than `factor` times the allocatable CPU (memory). @default 1.5, for 5m, warning
   */
  readonly quotaOvercommit: SimpleThreshold & { readonly factor: number };
  /** `KubeQuotaAlmostFull`: used over hard above `usedRatio` (and below 1). @default 0.9, for 15m, info */
  readonly quotaAlmostFull: SimpleThreshold & { readonly usedRatio: number };
  /** `KubeQuotaFullyUsed`: used equals hard. @default for 15m, info */
  readonly quotaFullyUsed: SimpleThreshold;
  /** `KubeQuotaExceeded`: used above hard. @default for 15m, warning */
  readonly quotaExceeded: SimpleThreshold;
  /** `CPUThrottlingHigh`: fraction (0..1) of CFS periods throttled over `window`. @default 0.25 over 5m, for 15m, info */
  readonly cpuThrottling: SimpleThreshold & { readonly ratio: number; readonly window: string };
}

/** A volume filling up (space or inodes). */
export interface VolumeFillingUpThresholds {
  /** Warning when less than this fraction is free AND the volume is predicted to fill within `predictionHorizon`. */
  readonly warningAvailableRatio: number;
  /** Range fed to predict_linear. */
  readonly predictionWindow: string;
  readonly predictionHorizon: string;
  readonly warningFor: string;
  /** Critical when less than this fraction is free, whatever the trend. */
  readonly criticalAvailableRatio: number;
  readonly criticalFor: string;
}

/** `kubernetes-storage`: PersistentVolumes. */
export interface StorageThresholds {
  /** `KubePersistentVolumeFillingUp` (bytes). @default warning under 15% free and full within 4d at the last 6h's rate, for 1h; critical under 3% free for 1m */
  readonly volumeFillingUp: VolumeFillingUpThresholds;
  /** `KubePersistentVolumeInodesFillingUp`. @default as volumeFillingUp */
  readonly volumeInodesFillingUp: VolumeFillingUpThresholds;
  /** `KubePersistentVolumeErrors`: a PersistentVolume in phase Failed or Pending. @default for 5m, critical */
  readonly volumeErrors: SimpleThreshold;
}

/** `kubernetes-system`: versions and API clients. */
export interface SystemThresholds {
  /** `KubeVersionMismatch`: components run more than one minor version. @default for 15m, warning */
  readonly versionMismatch: SimpleThreshold;
  /** `KubeClientErrors`: fraction of a client's API requests failing (5xx or no response) over 5m. @default 0.01, for 15m, warning */
  readonly clientErrors: SimpleThreshold & { readonly errorRatio: number };
}

/** Warning and critical levels of a certificate's remaining lifetime. */
export interface CertificateExpiryThresholds {
  /** @default '7d' */
  readonly warningHorizon: string;
  /** @default '1d' */
  readonly criticalHorizon: string;
}

/** `kubernetes-system-apiserver` and the API server SLOs. */
export interface ApiServerThresholds {
  /** `KubeAPIDown`: no API server target is up. @default for 15m, critical */
  readonly down: SimpleThreshold;
  /** `KubeAPIInstanceUnreachable`. @default for 15m, warning */
  readonly instanceUnreachable: SimpleThreshold;
  /**
   * `KubeClientCertificateExpiration`: requests authenticated with a client certificate that
   * expires within the horizon. Each horizon must be a bucket bound of
   * `apiserver_client_certificate_expiration_seconds` (30m, 1h, 2h, 6h, 12h, 1d, 2d, 4d, 7d,
   * 30d, 90d, 180d, 360d). @default warning 7d, critical 1d, for 5m
   */
  readonly clientCertificateExpiration: CertificateExpiryThresholds & { readonly for: string };
  /** `KubeAggregatedAPIErrors`: an APIService was reported unavailable in every 5m. @default for 10m, warning */
  readonly aggregatedApiErrors: SimpleThreshold;
  /** `KubeAggregatedAPIDown`: an APIService unavailable more than `unavailableRatio` of `window`. @default 0.15 of 10m, for 5m, warning */
  readonly aggregatedApiDown: SimpleThreshold & { readonly unavailableRatio: number; readonly window: string };
  /** `KubeAPITerminatedRequests`: fraction of an API server's requests it terminated in self-defense over `window`. @default 0.2 over 10m, for 5m, warning */
  readonly terminatedRequests: SimpleThreshold & { readonly ratio: number; readonly window: string };
  /** The availability SLO (`KubeAPIErrorBudgetBurn`): requests that do not fail with a 5xx. @default objective 0.99 over 30d */
  readonly availabilitySlo: { readonly objective: number };
  /**
   * The latency SLO (`KubeAPIErrorBudgetBurn`): requests answered within the Kubernetes API
   * call latency SLO's limits (apiserver_request_sli_duration_seconds: without webhooks and
   * priority-and-fairness queueing). Each limit must be a bucket bound of that histogram.
   * @default objective 0.99 over 30d; 1s for a single object (GET, and every write), 5s for a
   * namespace's LIST, 30s for a cluster-wide LIST
   */
  readonly latencySlo: {
    readonly objective: number;
    readonly resourceSeconds: number;
    readonly namespaceSeconds: number;
    readonly clusterSeconds: number;
  };
}

/** `kubernetes-system-kubelet`: nodes and kubelets. */
export interface KubeletThresholds {
  /** `KubeNodeNotReady` (cordoned nodes excepted). @default for 15m, warning */
  readonly nodeNotReady: SimpleThreshold;
  /** `KubeNodePressure` (was `KubeNodeUnderPressure`). @default MemoryPressure, DiskPressure and PIDPressure, for 5m, warning */
  readonly nodePressure: SimpleThreshold & { readonly conditions: readonly NodeCondition[] };
  /** `KubeNodeUnreachable`: the node controller tainted the node unreachable. @default for 15m, warning */
  readonly nodeUnreachable: SimpleThreshold;
  /** `KubeletTooManyPods`: running pods over the node's pod capacity. @default 0.95, for 15m, info */
  readonly tooManyPods: SimpleThreshold & { readonly usedRatio: number };
  /** `KubeNodeReadinessFlapping`: the Ready condition changed more than `changes` times in `window`. @default 2 in 15m, for 15m, warning */
  readonly readinessFlapping: SimpleThreshold & { readonly changes: number; readonly window: string };
  /** `KubeNodeEviction`: the kubelet evicted pods within `window`. @default 15m, info */
  readonly eviction: { readonly window: string; readonly severity: Severity };
  /**
   * `KubeletPlegDurationHigh`: 99th percentile of PLEG relist duration at or above this
   * (the histogram's largest bound is 10s). @default 10 s, for 5m, warning
   */
  readonly plegDuration: SimpleThreshold & { readonly seconds: number };
  /** `KubeletPodStartUpLatencyHigh`: 99th percentile of pod start (without image pulls) above this. @default 60 s, for 15m, warning */
  readonly podStartupLatency: SimpleThreshold & { readonly seconds: number };
  /** `KubeletClientCertificateExpiration`, `KubeletServerCertificateExpiration`. @default warning 7d, critical 1d */
  readonly certificateExpiration: CertificateExpiryThresholds;
  /** `KubeletClientCertificateRenewalErrors`, `KubeletServerCertificateRenewalErrors`. @default for 15m, warning */
  readonly certificateRenewalErrors: SimpleThreshold;
  /** `KubeletDown`: nodes exist and no kubelet target is up. @default for 15m, critical */
  readonly down: SimpleThreshold;
  /** `KubeletInstanceUnreachable`. @default for 15m, warning */
  readonly instanceUnreachable: SimpleThreshold;
}

/** `kubernetes-system-scheduler`, `kubernetes-system-controller-manager` (when scraped). */
export interface ControlPlaneThresholds {
  /** `KubeSchedulerDown`, `KubeControllerManagerDown`: no target up. @default for 15m, critical */
  readonly down: SimpleThreshold;
  /** `KubeSchedulerInstanceUnreachable`, `KubeControllerManagerInstanceUnreachable`. @default for 15m, warning */
  readonly instanceUnreachable: SimpleThreshold;
}

/** `kube-state-metrics`: the exporter's own health. */
export interface KubeStateMetricsThresholds {
  /** `KubeStateMetricsListErrors`, `KubeStateMetricsWatchErrors`: fraction of a resource's list (watch) calls failing over 5m. @default 0.01, for 15m, critical */
  readonly listWatchErrors: SimpleThreshold & { readonly errorRatio: number };
  /** `KubeStateMetricsShardingMismatch`, `KubeStateMetricsShardsMissing`. @default for 15m, critical */
  readonly sharding: SimpleThreshold;
}

export interface KubernetesThresholds {
  readonly apps: AppsThresholds;
  readonly resources: ResourcesThresholds;
  readonly storage: StorageThresholds;
  readonly system: SystemThresholds;
  readonly apiServer: ApiServerThresholds;
  readonly kubelet: KubeletThresholds;
  readonly controlPlane: ControlPlaneThresholds;
  readonly kubeStateMetrics: KubeStateMetricsThresholds;
}

const w15: SimpleThreshold = { for: '15m', severity: 'warning' };
const volume: VolumeFillingUpThresholds = {
  warningAvailableRatio: 0.15,
  predictionWindow: '6h',
  predictionHorizon: '4d',
  warningFor: '1h',
  criticalAvailableRatio: 0.03,
  criticalFor: '1m',
};

export const DEFAULT_KUBERNETES_THRESHOLDS: KubernetesThresholds = {
  apps: {
    crashLooping: { restarts: 3, window: '15m', for: '15m', severity: 'warning' },
    podNotReady: w15,
    containerWaiting: { for: '1h', severity: 'warning' },
    generationMismatch: w15,
    replicasMismatch: { stallWindow: '10m', ...w15 },
    rolloutStuck: { stallWindow: '10m', ...w15 },
    daemonSetNotScheduled: { for: '10m', severity: 'warning' },
    daemonSetMisScheduled: w15,
    jobNotCompleted: { activeFor: '12h', severity: 'warning' },
    jobFailed: w15,
    hpaReplicasMismatch: w15,
    hpaMaxedOut: w15,
    pdbNotEnoughHealthyPods: w15,
  },
  resources: {
    overcommit: { for: '10m', severity: 'warning' },
    quotaOvercommit: { factor: 1.5, for: '5m', severity: 'warning' },
    quotaAlmostFull: { usedRatio: 0.9, for: '15m', severity: 'info' },
    quotaFullyUsed: { for: '15m', severity: 'info' },
    quotaExceeded: w15,
    cpuThrottling: { ratio: 0.25, window: '5m', for: '15m', severity: 'info' },
  },
  storage: {
    volumeFillingUp: volume,
    volumeInodesFillingUp: volume,
    volumeErrors: { for: '5m', severity: 'critical' },
  },
  system: {
    versionMismatch: w15,
    clientErrors: { errorRatio: 0.01, ...w15 },
  },
  apiServer: {
    down: { for: '15m', severity: 'critical' },
    instanceUnreachable: w15,
    clientCertificateExpiration: { warningHorizon: '7d', criticalHorizon: '1d', for: '5m' },
    aggregatedApiErrors: { for: '10m', severity: 'warning' },
    aggregatedApiDown: { unavailableRatio: 0.15, window: '10m', for: '5m', severity: 'warning' },
    terminatedRequests: { ratio: 0.2, window: '10m', for: '5m', severity: 'warning' },
    availabilitySlo: { objective: 0.99 },
    latencySlo: { objective: 0.99, resourceSeconds: 1, namespaceSeconds: 5, clusterSeconds: 30 },
  },
  kubelet: {
    nodeNotReady: w15,
    nodePressure: { conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure'], for: '5m', severity: 'warning' },
    nodeUnreachable: w15,
    tooManyPods: { usedRatio: 0.95, for: '15m', severity: 'info' },
    readinessFlapping: { changes: 2, window: '15m', ...w15 },
    eviction: { window: '15m', severity: 'info' },
    plegDuration: { seconds: 10, for: '5m', severity: 'warning' },
    podStartupLatency: { seconds: 60, ...w15 },
    certificateExpiration: { warningHorizon: '7d', criticalHorizon: '1d' },
    certificateRenewalErrors: w15,
    down: { for: '15m', severity: 'critical' },
    instanceUnreachable: w15,
  },
  controlPlane: {
    down: { for: '15m', severity: 'critical' },
    instanceUnreachable: w15,
  },
  kubeStateMetrics: {
    listWatchErrors: { errorRatio: 0.01, for: '15m', severity: 'critical' },
    sharding: { for: '15m', severity: 'critical' },
  },
};

/** Bucket bounds (seconds) of `apiserver_client_certificate_expiration_seconds` (k8s.io/apiserver x509 authenticator). */
export const CLIENT_CERT_EXPIRATION_BUCKETS: readonly number[] = [0, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 345600, 604800, 2592000, 7776000, 15552000, 31104000];

/** Bucket bounds (seconds) of `apiserver_request_sli_duration_seconds` (k8s.io/apiserver endpoints/metrics). */
export const APISERVER_SLI_BUCKETS: readonly number[] = [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Largest finite bucket bound of `kubelet_pleg_relist_duration_seconds` (the client library's default buckets). */
export const PLEG_RELIST_MAX_BUCKET = 10;

/** Where the Kubernetes fields of `thresholds.infrastructure` went (`targetDown` stays there). */
export const MOVED_INFRASTRUCTURE_THRESHOLDS: Readonly<Record<string, string>> = {
  crashLooping: 'kubernetes.apps.crashLooping',
  podNotReady: 'kubernetes.apps.podNotReady',
  nodePressure: 'kubernetes.kubelet.nodePressure (the alert is now KubeNodePressure)',
  volumeFillingUp: 'kubernetes.storage.volumeFillingUp',
  cpuThrottling: 'kubernetes.resources.cpuThrottling',
};

/**
 * A config written before the Kubernetes fields of `thresholds.infrastructure` moved: one
 * problem per moved field, naming its new place, and the overrides without those fields
 * (for the generic checks of the rest).
 */
export function movedThresholdProblems<T>(overrides: T): { problems: string[]; rest: T } {
  const o = overrides as Record<string, unknown> | undefined;
  const legacy = o?.infrastructure;
  if (legacy === null || typeof legacy !== 'object' || Array.isArray(legacy)) return { problems: [], rest: overrides };
  const problems: string[] = [];
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(legacy)) {
    const target = MOVED_INFRASTRUCTURE_THRESHOLDS[k];
    if (target) problems.push(`thresholds.infrastructure.${k}: moved; set thresholds.${target} instead (same fields)`);
    else kept[k] = v;
  }
  return { problems, rest: { ...o, infrastructure: kept } as T };
}

function secondsOfDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  const units = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1];
  return m.slice(1).reduce((s, part, i) => s + (part ? Number(part) * units[i] : 0), 0);
}

const humanBucket = (s: number): string => (s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`);

/**
 * Checks that involve several fields, or a value that must be a histogram bucket bound.
 * `t` is merged with the defaults and has passed the per-field checks of its type (a field
 * of the wrong type is skipped here). Paths start with `thresholds.kubernetes`.
 */
export function kubernetesThresholdProblems(t: KubernetesThresholds): string[] {
  const problems: string[] = [];
  const at = 'thresholds.kubernetes';
  for (const [path, v] of [
    ['storage.volumeFillingUp', t.storage.volumeFillingUp],
    ['storage.volumeInodesFillingUp', t.storage.volumeInodesFillingUp],
  ] as const) {
    if (typeof v.criticalAvailableRatio === 'number' && typeof v.warningAvailableRatio === 'number' && v.criticalAvailableRatio >= v.warningAvailableRatio) {
      problems.push(`${at}.${path}: criticalAvailableRatio (${v.criticalAvailableRatio}) must be below warningAvailableRatio (${v.warningAvailableRatio})`);
    }
  }
  const expiries: Array<[string, CertificateExpiryThresholds, readonly number[] | undefined]> = [
    ['apiServer.clientCertificateExpiration', t.apiServer.clientCertificateExpiration, CLIENT_CERT_EXPIRATION_BUCKETS],
    ['kubelet.certificateExpiration', t.kubelet.certificateExpiration, undefined],
  ];
  for (const [path, e, buckets] of expiries) {
    const warning = secondsOfDuration(e.warningHorizon);
    const critical = secondsOfDuration(e.criticalHorizon);
    if (warning !== undefined && critical !== undefined && critical >= warning) {
      problems.push(`${at}.${path}: criticalHorizon (${e.criticalHorizon}) must be shorter than warningHorizon (${e.warningHorizon})`);
    }
    if (buckets) {
      for (const [field, s] of [['warningHorizon', warning], ['criticalHorizon', critical]] as const) {
        if (s !== undefined && !buckets.includes(s)) {
          problems.push(`${at}.${path}.${field}: "${e[field]}" is not a bucket bound of apiserver_client_certificate_expiration_seconds; use one of ${buckets.filter((b) => b > 0).map(humanBucket).join(', ')}`);
        }
      }
    }
  }
  const slo = t.apiServer.latencySlo;
  for (const field of ['resourceSeconds', 'namespaceSeconds', 'clusterSeconds'] as const) {
    if (typeof slo[field] === 'number' && !APISERVER_SLI_BUCKETS.includes(slo[field])) {
      problems.push(`${at}.apiServer.latencySlo.${field}: ${slo[field]} is not a bucket bound of apiserver_request_sli_duration_seconds; use one of ${APISERVER_SLI_BUCKETS.join(', ')}`);
    }
  }
  const pleg = t.kubelet.plegDuration.seconds;
  if (typeof pleg === 'number' && pleg > PLEG_RELIST_MAX_BUCKET) {
    problems.push(`${at}.kubelet.plegDuration.seconds: ${pleg} is above ${PLEG_RELIST_MAX_BUCKET}, the largest bucket bound of kubelet_pleg_relist_duration_seconds: the 99th percentile never exceeds it; use at most ${PLEG_RELIST_MAX_BUCKET}`);
  }
  const changes = t.kubelet.readinessFlapping.changes;
  if (typeof changes === 'number' && !Number.isInteger(changes)) problems.push(`${at}.kubelet.readinessFlapping.changes: ${changes} must be a whole number of changes`);
  return problems;
}
