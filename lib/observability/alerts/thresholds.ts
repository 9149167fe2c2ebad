import type { Severity } from '../rule-group';
import { DEFAULT_KUBERNETES_THRESHOLDS, KubernetesThresholds, kubernetesThresholdProblems, movedThresholdProblems } from './kubernetes/thresholds';
import {
  AlertmanagerThresholds,
  DEFAULT_ALERTMANAGER_THRESHOLDS,
  DEFAULT_GRAFANA_THRESHOLDS,
  DEFAULT_NODE_THRESHOLDS,
  DEFAULT_PROMETHEUS_THRESHOLDS,
  GrafanaThresholds,
  NodeThresholds,
  PrometheusThresholds,
  stackThresholdProblems,
} from './stack-thresholds';

export * from './stack-thresholds';

/**
 * Thresholds and durations of the alert-rule library, with defaults that suit a typical web
 * service on Kubernetes. Override any field with `AlertThresholdOverrides`; the rest keep
 * their default. Durations are Prometheus durations (`5m`, `1h`, `4d`).
 */

export interface ErrorRatioThresholds {
  /** Fraction of requests failing (0..1) above which a warning fires. @default 0.02 */
  readonly warning: number;
  /** Fraction of requests failing (0..1) above which a critical alert fires. @default 0.1 */
  readonly critical: number;
  /** @default '10m' */
  readonly warningFor: string;
  /** @default '5m' */
  readonly criticalFor: string;
}

export interface LatencyThreshold {
  /**
   * Latency in seconds. histogram_quantile interpolates inside a bucket, so pick a value that
   * is a bucket boundary of the histogram for an exact comparison.
   */
  readonly seconds: number;
  readonly for: string;
  readonly severity: Severity;
}

export interface AvailabilityThreshold {
  /** Fraction of requests that must succeed over `window` (0..1), e.g. 0.99. @default 0.99 */
  readonly objective: number;
  /** @default '1h' */
  readonly window: string;
  /** @default '5m' */
  readonly for: string;
  /** @default 'critical' */
  readonly severity: Severity;
}

export interface NoTrafficThreshold {
  /** Window over which the request rate must be exactly zero. @default '10m' */
  readonly window: string;
  /** @default '15m' */
  readonly for: string;
  /** @default 'warning' */
  readonly severity: Severity;
}

export interface ApplicationThresholds {
  /** Window of rate() in the error-ratio and latency alerts. @default '5m' */
  readonly rateWindow: string;
  /**
   * Below this many requests per second (per aggregated service) the ratio, latency and
   * availability alerts stay quiet: with a handful of requests a ratio means nothing.
   * @default 0.1
   */
  readonly minRequestRate: number;
  readonly errorRatio: ErrorRatioThresholds;
  /** @default 0.5 s for 10m, warning */
  readonly latencyP95: LatencyThreshold;
  /** @default 2 s for 10m, warning */
  readonly latencyP99: LatencyThreshold;
  readonly availability: AvailabilityThreshold;
  readonly noTraffic: NoTrafficThreshold;
}

export interface SimpleThreshold {
  readonly for: string;
  readonly severity: Severity;
}

export type NodeCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';

/**
 * What is left of the former `infrastructure` section: TargetDown's threshold (the alert is
 * in the `general` group). Its Kubernetes fields moved to `kubernetes` (a config that still
 * sets one fails naming the new place; see kubernetes/thresholds.ts).
 */
export interface InfrastructureThresholds {
  /** Percent (0..100) of a job's targets down. @default 10 for 10m, warning */
  readonly targetDown: SimpleThreshold & { readonly percent: number };
}

export interface AlertThresholds {
  readonly application: ApplicationThresholds;
  readonly infrastructure: InfrastructureThresholds;
  /** The Kubernetes alerts, by rule group (see kubernetes/thresholds.ts). */
  readonly kubernetes: KubernetesThresholds;
  /** Node alerts (node-exporter), see stack-thresholds.ts. */
  readonly node: NodeThresholds;
  /** Prometheus's own alerts. */
  readonly prometheus: PrometheusThresholds;
  /** Alertmanager's own alerts. */
  readonly alertmanager: AlertmanagerThresholds;
  /** Grafana's own alerts. */
  readonly grafana: GrafanaThresholds;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  application: {
    rateWindow: '5m',
    minRequestRate: 0.1,
    errorRatio: { warning: 0.02, critical: 0.1, warningFor: '10m', criticalFor: '5m' },
    latencyP95: { seconds: 0.5, for: '10m', severity: 'warning' },
    latencyP99: { seconds: 2, for: '10m', severity: 'warning' },
    availability: { objective: 0.99, window: '1h', for: '5m', severity: 'critical' },
    noTraffic: { window: '10m', for: '15m', severity: 'warning' },
  },
  infrastructure: {
    targetDown: { percent: 10, for: '10m', severity: 'warning' },
  },
  kubernetes: DEFAULT_KUBERNETES_THRESHOLDS,
  node: DEFAULT_NODE_THRESHOLDS,
  prometheus: DEFAULT_PROMETHEUS_THRESHOLDS,
  alertmanager: DEFAULT_ALERTMANAGER_THRESHOLDS,
  grafana: DEFAULT_GRAFANA_THRESHOLDS,
};

type Override<T> = T extends readonly unknown[] ? T : T extends object ? { readonly [K in keyof T]?: Override<T[K]> } : T;

/** Any subset of the thresholds; unspecified fields keep DEFAULT_ALERT_THRESHOLDS. */
export type AlertThresholdOverrides = Override<AlertThresholds>;

// --- validation -----------------------------------------------------------------------

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_S = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

/** Seconds of a Prometheus duration (units in order y w d h m s ms), or undefined. */
export function promDurationSeconds(value: string): number | undefined {
  const m = typeof value === 'string' && value !== '' ? PROM_DURATION.exec(value) : null;
  if (!m) return undefined;
  const s = m.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * UNIT_S[i] : 0), 0);
  return s > 0 ? s : undefined;
}

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
const NODE_CONDITIONS: readonly NodeCondition[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function merge(defaults: unknown, override: unknown, path: string, problems: string[]): unknown {
  if (override === undefined) return defaults;
  if (isPlainObject(defaults)) {
    if (!isPlainObject(override)) {
      problems.push(`${path}: must be an object with fields ${Object.keys(defaults).join(', ')}`);
      return defaults;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(override)) {
      if (!(key in defaults)) problems.push(`${path}.${key}: unknown field; allowed fields are ${Object.keys(defaults).join(', ')}`);
    }
    for (const key of Object.keys(defaults)) out[key] = merge(defaults[key], override[key], `${path}.${key}`, problems);
    return out;
  }
  return override;
}

function checkThresholds(t: AlertThresholds, problems: string[]): void {
  const walk = (value: unknown, path: string): void => {
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
      return;
    }
    const leaf = path.split('.').pop() ?? '';
    if (leaf === 'severity') {
      if (!SEVERITIES.includes(value as Severity)) problems.push(`${path}: "${String(value)}" is not a severity; use one of ${SEVERITIES.join(', ')}`);
    } else if (leaf === 'conditions') {
      if (!Array.isArray(value) || value.length === 0) problems.push(`${path}: must list at least one node condition (${NODE_CONDITIONS.join(', ')})`);
      else value.forEach((c, i) => {
        if (!NODE_CONDITIONS.includes(c as NodeCondition)) problems.push(`${path}[${i}]: "${String(c)}" is not a node condition; use one of ${NODE_CONDITIONS.join(', ')}`);
      });
    } else if (/(^for|For|[wW]indow|Horizon)$/.test(leaf)) {
      if (typeof value !== 'string' || promDurationSeconds(value) === undefined) {
        problems.push(`${path}: "${String(value)}" is not a positive Prometheus duration; use e.g. "5m", "1h" or "4d"`);
      }
    } else if (/(^warning|^critical|^objective|[rR]atio)$/.test(leaf)) {
      if (typeof value !== 'number' || !(value > 0 && value < 1)) problems.push(`${path}: ${String(value)} must be a fraction strictly between 0 and 1 (e.g. 0.05 for 5%)`);
    } else if (leaf === 'percent') {
      if (typeof value !== 'number' || !(value > 0 && value <= 100)) problems.push(`${path}: ${String(value)} must be a percentage in (0, 100]`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      problems.push(`${path}: ${String(value)} must be a positive number`);
    }
  };
  walk(t, 'thresholds');
  const e = t.application.errorRatio;
  if (typeof e.warning === 'number' && typeof e.critical === 'number' && e.warning >= e.critical) {
    problems.push(`thresholds.application.errorRatio: warning (${e.warning}) must be below critical (${e.critical}); lower warning or raise critical`);
  }
  problems.push(...kubernetesThresholdProblems(t.kubernetes));
  problems.push(...stackThresholdProblems(t));
}

function mergeAndCheck(overrides: AlertThresholdOverrides): { merged: AlertThresholds; problems: string[] } {
  // Fields of `infrastructure` that moved to `kubernetes`: say where each went.
  const { problems, rest } = movedThresholdProblems(overrides);
  const merged = merge(DEFAULT_ALERT_THRESHOLDS, rest, 'thresholds', problems) as AlertThresholds;
  if (problems.length === 0) checkThresholds(merged, problems);
  return { merged, problems };
}

/** Problems of the overrides, each `thresholds.<field path>: <what is allowed>`; empty when valid. */
export function alertThresholdProblems(overrides: AlertThresholdOverrides = {}): string[] {
  return mergeAndCheck(overrides).problems;
}

/** Defaults merged with the overrides, validated; throws naming each bad field and the fix. */
export function resolveAlertThresholds(overrides: AlertThresholdOverrides = {}): AlertThresholds {
  const { merged, problems } = mergeAndCheck(overrides);
  if (problems.length > 0) throw new Error(`Invalid alert thresholds:\n  - ${problems.join('\n  - ')}`);
  return merged;
}
