/**
 * Thresholds of the node, Prometheus, Alertmanager and Grafana alerts (`alerts.thresholds.node`,
 * `.prometheus`, `.alertmanager`, `.grafana`). The defaults are those of the alerts of the same
 * name in kube-prometheus, so that its users and the public runbooks find what they expect.
 * Fractions are 0..1 (0.15 is 15%); durations are Prometheus durations. Override any field;
 * the others keep their default.
 */

/** One level of a "filling up" alert: little left AND, at the recent trend, nothing left soon. */
export interface FillingUpLevel {
  /** Fires when less than this fraction is available ... */
  readonly availableRatio: number;
  /** ... and the linear trend of the last 6 hours reaches zero within this time. */
  readonly predictionHorizon: string;
  readonly for: string;
}

export interface FillingUpThresholds {
  /** @default 15% left, full within 24h, for 1h (space); 40% left, within 24h, for 1h (inodes) */
  readonly warning: FillingUpLevel;
  /** @default 10% left, full within 4h, for 1h (space); 20% left, within 4h, for 1h (inodes) */
  readonly critical: FillingUpLevel;
}

/** One level of an "almost out" alert: little left, whatever the trend. */
export interface AlmostOutLevel {
  /** Fires when less than this fraction is available. */
  readonly availableRatio: number;
  readonly for: string;
}

export interface AlmostOutThresholds {
  /** @default 5% left for 30m (space), for 1h (inodes) */
  readonly warning: AlmostOutLevel;
  /** @default 3% left for 30m (space), for 1h (inodes) */
  readonly critical: AlmostOutLevel;
}

export interface UsedRatioLevel {
  /** Fires above this fraction in use. */
  readonly usedRatio: number;
  readonly for: string;
}

export interface NodeThresholds {
  /** `NodeFilesystemSpaceFillingUp`, per mount point. */
  readonly filesystemSpaceFillingUp: FillingUpThresholds;
  /** `NodeFilesystemAlmostOutOfSpace`, per mount point. */
  readonly filesystemAlmostOutOfSpace: AlmostOutThresholds;
  /** `NodeFilesystemFilesFillingUp` (inodes), per mount point. */
  readonly filesystemFilesFillingUp: FillingUpThresholds;
  /** `NodeFilesystemAlmostOutOfFiles` (inodes), per mount point. */
  readonly filesystemAlmostOutOfFiles: AlmostOutThresholds;
  /**
   * `NodeNetworkReceiveErrs` / `NodeNetworkTransmitErrs`: fraction of an interface's packets
   * with errors, over 5 minutes. @default 0.01 for 1h
   */
  readonly networkErrors: { readonly ratio: number; readonly for: string };
  /** `NodeHighNumberConntrackEntriesUsed`: fraction of the conntrack table in use. @default 0.75 for 5m */
  readonly conntrack: UsedRatioLevel;
  /**
   * `NodeClockSkewDetected`: the kernel's estimate of the clock's offset from its time source,
   * in seconds either way, while it is not shrinking. @default 0.05 s for 10m
   */
  readonly clockSkew: { readonly offsetSeconds: number; readonly for: string };
  /** `NodeFileDescriptorLimit`: fraction of the kernel's file handles allocated. */
  readonly fileDescriptors: {
    /** @default 0.7 for 15m */
    readonly warning: UsedRatioLevel;
    /** @default 0.9 for 15m */
    readonly critical: UsedRatioLevel;
  };
  /** `NodeCPUHighUsage` (info): fraction of CPU time busy over 5 minutes. @default 0.9 for 15m */
  readonly cpuHighUsage: UsedRatioLevel;
  /** `NodeSystemSaturation`: 1-minute load average per CPU. @default 2 for 15m */
  readonly systemSaturation: { readonly loadPerCpu: number; readonly for: string };
  /** `NodeMemoryMajorPagesFaults`: major page faults per second over 5 minutes. @default 500 for 15m */
  readonly memoryMajorPageFaults: { readonly perSecond: number; readonly for: string };
  /** `NodeMemoryHighUtilization`: fraction of memory not available. @default 0.9 for 15m */
  readonly memoryHighUtilization: UsedRatioLevel;
  /**
   * `NodeDiskIOSaturation`: average number of I/O requests in flight on a device (its queue
   * length, `aqu-sz` of iostat) over 5 minutes. @default 10 for 30m
   */
  readonly diskIOSaturation: { readonly queueLength: number; readonly for: string };
  /**
   * `NodeSystemdServiceCrashlooping`: restarts of a systemd service within `window`
   * (increase() extrapolates: the count is approximate). @default more than 2 in 5m, for 15m
   */
  readonly systemdServiceCrashlooping: { readonly restarts: number; readonly window: string; readonly for: string };
  /** `NodeNetworkInterfaceFlapping`: changes of an interface's up state within `window`. @default more than 2 in 2m, for 2m */
  readonly networkInterfaceFlapping: { readonly changes: number; readonly window: string; readonly for: string };
}

export interface PrometheusThresholds {
  /**
   * `PrometheusErrorSendingAlertsToSomeAlertmanagers`: fraction of the alerts sent to one
   * Alertmanager that fail. @default 0.01 for 15m
   */
  readonly errorSendingAlertsToSome: { readonly ratio: number; readonly for: string };
  /**
   * `PrometheusErrorSendingAlertsToAnyAlertmanager`: the smallest fraction failing over all
   * Alertmanagers (every one fails at least this much). @default 0.03 for 15m
   */
  readonly errorSendingAlertsToAny: { readonly ratio: number; readonly for: string };
  /** `PrometheusHighQueryLoad`: queries running over the concurrency limit. @default 0.8 for 15m */
  readonly highQueryLoad: { readonly ratio: number; readonly for: string };
  /** `PrometheusRemoteStorageFailures` (remote write only): fraction of samples failing. @default 0.01 for 15m */
  readonly remoteStorageFailures: { readonly ratio: number; readonly for: string };
  /** `PrometheusRemoteWriteBehind` (remote write only): seconds the sent samples lag the newest. @default 120 for 15m */
  readonly remoteWriteBehind: { readonly seconds: number; readonly for: string };
}

export interface AlertmanagerThresholds {
  /**
   * `AlertmanagerFailedToSendAlerts` (one replica) and `AlertmanagerClusterFailedToSendAlerts`
   * (every replica): fraction of an integration's notifications failing over 15 minutes.
   * @default 0.01 for 5m
   */
  readonly failedToSendAlerts: { readonly ratio: number; readonly for: string };
}

export interface GrafanaThresholds {
  /**
   * `GrafanaRequestsFailing`: fraction of one HTTP handler's requests answered with 5xx over
   * 5 minutes, when it serves at least `minRequestRate` requests per second.
   * @default 0.05 of at least 0.05 req/s, for 15m
   */
  readonly requestsFailing: { readonly ratio: number; readonly minRequestRate: number; readonly for: string };
}

export const DEFAULT_NODE_THRESHOLDS: NodeThresholds = {
  filesystemSpaceFillingUp: {
    warning: { availableRatio: 0.15, predictionHorizon: '24h', for: '1h' },
    critical: { availableRatio: 0.1, predictionHorizon: '4h', for: '1h' },
  },
  filesystemAlmostOutOfSpace: { warning: { availableRatio: 0.05, for: '30m' }, critical: { availableRatio: 0.03, for: '30m' } },
  filesystemFilesFillingUp: {
    warning: { availableRatio: 0.4, predictionHorizon: '24h', for: '1h' },
    critical: { availableRatio: 0.2, predictionHorizon: '4h', for: '1h' },
  },
  filesystemAlmostOutOfFiles: { warning: { availableRatio: 0.05, for: '1h' }, critical: { availableRatio: 0.03, for: '1h' } },
  networkErrors: { ratio: 0.01, for: '1h' },
  conntrack: { usedRatio: 0.75, for: '5m' },
  clockSkew: { offsetSeconds: 0.05, for: '10m' },
  fileDescriptors: { warning: { usedRatio: 0.7, for: '15m' }, critical: { usedRatio: 0.9, for: '15m' } },
  cpuHighUsage: { usedRatio: 0.9, for: '15m' },
  systemSaturation: { loadPerCpu: 2, for: '15m' },
  memoryMajorPageFaults: { perSecond: 500, for: '15m' },
  memoryHighUtilization: { usedRatio: 0.9, for: '15m' },
  diskIOSaturation: { queueLength: 10, for: '30m' },
  systemdServiceCrashlooping: { restarts: 2, window: '5m', for: '15m' },
  networkInterfaceFlapping: { changes: 2, window: '2m', for: '2m' },
};

export const DEFAULT_PROMETHEUS_THRESHOLDS: PrometheusThresholds = {
  errorSendingAlertsToSome: { ratio: 0.01, for: '15m' },
  errorSendingAlertsToAny: { ratio: 0.03, for: '15m' },
  highQueryLoad: { ratio: 0.8, for: '15m' },
  remoteStorageFailures: { ratio: 0.01, for: '15m' },
  remoteWriteBehind: { seconds: 120, for: '15m' },
};

export const DEFAULT_ALERTMANAGER_THRESHOLDS: AlertmanagerThresholds = {
  failedToSendAlerts: { ratio: 0.01, for: '5m' },
};

export const DEFAULT_GRAFANA_THRESHOLDS: GrafanaThresholds = {
  requestsFailing: { ratio: 0.05, minRequestRate: 0.05, for: '15m' },
};

const secondsOf = (d: string): number | undefined => {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(d);
  if (!m || d === '') return undefined;
  const units = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
  return m.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * units[i] : 0), 0);
};

/**
 * Problems between fields (each field alone is checked by `resolveAlertThresholds`): a critical
 * level must be stricter than the warning one, or the warning would never be the first to fire.
 */
export function stackThresholdProblems(t: { readonly node: NodeThresholds }): string[] {
  const problems: string[] = [];
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const fillingUp = (name: 'filesystemSpaceFillingUp' | 'filesystemFilesFillingUp') => {
    const { warning: w, critical: c } = t.node[name];
    if (num(w.availableRatio) && num(c.availableRatio) && c.availableRatio > w.availableRatio) {
      problems.push(`thresholds.node.${name}.critical.availableRatio: ${c.availableRatio} is above warning.availableRatio ${w.availableRatio}; critical must be the smaller fraction left`);
    }
    const wh = secondsOf(w.predictionHorizon);
    const ch = secondsOf(c.predictionHorizon);
    if (wh !== undefined && ch !== undefined && ch > wh) {
      problems.push(`thresholds.node.${name}.critical.predictionHorizon: "${c.predictionHorizon}" is longer than warning.predictionHorizon "${w.predictionHorizon}"; critical must be the nearer horizon`);
    }
  };
  fillingUp('filesystemSpaceFillingUp');
  fillingUp('filesystemFilesFillingUp');
  for (const name of ['filesystemAlmostOutOfSpace', 'filesystemAlmostOutOfFiles'] as const) {
    const { warning: w, critical: c } = t.node[name];
    if (num(w.availableRatio) && num(c.availableRatio) && c.availableRatio >= w.availableRatio) {
      problems.push(`thresholds.node.${name}.critical.availableRatio: ${c.availableRatio} must be below warning.availableRatio ${w.availableRatio}`);
    }
  }
  const fd = t.node.fileDescriptors;
  if (num(fd.warning.usedRatio) && num(fd.critical.usedRatio) && fd.critical.usedRatio <= fd.warning.usedRatio) {
    problems.push(`thresholds.node.fileDescriptors.critical.usedRatio: ${fd.critical.usedRatio} must be above warning.usedRatio ${fd.warning.usedRatio}`);
  }
  return problems;
}
