import type { AlertingRule, RecordingRule, RuleGroup } from '../../rule-group';
import {
  AlertGroupCommonOptions,
  AlertSpec,
  OptionProblems,
  checkExtraLabels,
  checkKnownKeys,
  checkRunbookBaseUrl,
  makeAlert,
  PUBLIC_RUNBOOKS_URL,
  RunbookDir,
  UPSTREAM_RUNBOOKS,
  UpstreamRunbooks,
  upstreamRunbookUrl,
} from '../common';
import { AlertThresholdOverrides, promDurationSeconds, resolveAlertThresholds } from '../thresholds';
import type { KubernetesThresholds } from './thresholds';

export { PUBLIC_RUNBOOKS_URL, UPSTREAM_RUNBOOKS };
export type { UpstreamRunbooks };

/** Folders of the public runbooks that the Kubernetes alerts link to. */
export type KubernetesRunbookDir = Extract<RunbookDir, 'kubernetes' | 'kube-state-metrics'>;

/** `runbook_url` of a Kubernetes alert kube-prometheus also has (see `upstreamRunbookUrl`). */
export function kubernetesRunbookUrl(runbookBaseUrl: string, upstream: UpstreamRunbooks, dir: KubernetesRunbookDir, alertName: string): string {
  return upstreamRunbookUrl({ runbookBaseUrl, upstreamRunbooks: upstream }, dir, alertName);
}

/**
 * Scrape job names, used only where a metric name is exposed by several programs: `up`,
 * `apiserver_*` (every aggregated API server built on k8s.io/apiserver, metrics-server for
 * one, exposes the same families), `kubernetes_build_info`. The defaults are the stack's
 * own jobs (see the scrape configuration); change them only with your own scrape configs.
 */
export interface KubernetesJobs {
  /** @default 'apiserver' */
  readonly apiServer: string;
  /** The kubelet's /metrics (not /metrics/cadvisor). @default 'kubelet' */
  readonly kubelet: string;
  /** @default 'kube-scheduler' */
  readonly scheduler: string;
  /** @default 'kube-controller-manager' */
  readonly controllerManager: string;
}

export const DEFAULT_KUBERNETES_JOBS: KubernetesJobs = {
  apiServer: 'apiserver',
  kubelet: 'kubelet',
  scheduler: 'kube-scheduler',
  controllerManager: 'kube-controller-manager',
};

/** Options of the Kubernetes alert, recording and SLO groups. */
export interface KubernetesRuleOptions extends AlertGroupCommonOptions {
  /** The alert thresholds (only `kubernetes` is read). @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: AlertThresholdOverrides;
  /** Where `runbook_url` points. @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /** @default DEFAULT_KUBERNETES_JOBS */
  readonly jobs?: Partial<KubernetesJobs>;
  /**
   * Which parts of Kubernetes the stack's Prometheus scrapes (the same switches as the
   * scrape configuration). An alert that a part is down or unreachable, and the recording
   * rules and SLOs of its metrics, exist only for the parts that are scraped: on managed
   * clusters (EKS, GKE, AKS) kube-scheduler and kube-controller-manager cannot be, and
   * `KubeSchedulerDown` would fire forever. @default API server and kubelets yes, scheduler and controller manager no
   */
  readonly scraped?: ScrapedParts;
}

export interface ScrapedParts {
  /** @default true */
  readonly apiServer?: boolean;
  /** @default true */
  readonly kubelet?: boolean;
  /** @default false */
  readonly scheduler?: boolean;
  /** @default false */
  readonly controllerManager?: boolean;
}

const DEFAULT_SCRAPED: Required<ScrapedParts> = { apiServer: true, kubelet: true, scheduler: false, controllerManager: false };

const OPTION_FIELDS = ['runbookBaseUrl', 'extraLabels', 'interval', 'thresholds', 'upstreamRunbooks', 'jobs', 'scraped'];
const JOB_NAME = /^[a-zA-Z0-9_.:-]+$/;

/** Everything a group builder needs: validated options, resolved thresholds, the alert maker. */
export interface KubernetesRuleContext {
  readonly t: KubernetesThresholds;
  readonly jobs: KubernetesJobs;
  /** Which parts are scraped (defaults applied). */
  readonly scraped: Required<ScrapedParts>;
  /** An alert of the library (category `infrastructure`) linking to its runbook. */
  alert(spec: AlertSpec, dir?: KubernetesRunbookDir): AlertingRule;
  /** A rule group with the options' interval. */
  group(name: string, rules: ReadonlyArray<AlertingRule | RecordingRule>): RuleGroup;
  readonly runbookBaseUrl: string;
  readonly upstreamRunbooks: UpstreamRunbooks;
  readonly extraLabels: Record<string, string>;
}

/** Validates the options (throws naming each bad field) and resolves the thresholds. */
export function kubernetesRuleContext(options: KubernetesRuleOptions, what = 'kubernetesRuleGroups'): KubernetesRuleContext {
  const p = new OptionProblems('Kubernetes rule options');
  checkKnownKeys(p, what, options, OPTION_FIELDS);
  p.throwIfAny();
  const runbookBaseUrl = checkRunbookBaseUrl(p, `${what}.runbookBaseUrl`, options.runbookBaseUrl);
  const extraLabels = checkExtraLabels(p, `${what}.extraLabels`, options.extraLabels);
  const upstreamRunbooks = options.upstreamRunbooks ?? 'public';
  if (!UPSTREAM_RUNBOOKS.includes(upstreamRunbooks)) {
    p.add(`${what}.upstreamRunbooks`, `"${String(upstreamRunbooks)}" is not allowed; use one of ${UPSTREAM_RUNBOOKS.map((u) => `"${u}"`).join(', ')}`);
  }
  if (options.jobs !== undefined) {
    checkKnownKeys(p, `${what}.jobs`, options.jobs, Object.keys(DEFAULT_KUBERNETES_JOBS));
    for (const [k, v] of Object.entries(options.jobs ?? {})) {
      if (typeof v !== 'string' || !JOB_NAME.test(v)) p.add(`${what}.jobs.${k}`, `"${String(v)}" is not a job name; use letters, digits, '_', '-', '.' and ':'`);
    }
  }
  if (options.scraped !== undefined) {
    checkKnownKeys(p, `${what}.scraped`, options.scraped, Object.keys(DEFAULT_SCRAPED));
    for (const [k, v] of Object.entries(options.scraped ?? {})) {
      if (v !== undefined && typeof v !== 'boolean') p.add(`${what}.scraped.${k}`, `${JSON.stringify(v)} is not allowed; use true or false`);
    }
  }
  let t: KubernetesThresholds | undefined;
  try {
    t = resolveAlertThresholds(options.thresholds).kubernetes;
  } catch (err) {
    p.add(`${what}.thresholds`, (err as Error).message);
  }
  p.throwIfAny();
  if (!t) throw new Error('unreachable');
  const thresholds = t;
  const jobs = { ...DEFAULT_KUBERNETES_JOBS, ...(options.jobs ?? {}) };
  return {
    t: thresholds,
    jobs,
    scraped: { ...DEFAULT_SCRAPED, ...Object.fromEntries(Object.entries(options.scraped ?? {}).filter(([, v]) => v !== undefined)) },
    runbookBaseUrl,
    upstreamRunbooks,
    extraLabels,
    alert(spec, dir = 'kubernetes') {
      const rule = makeAlert(spec, 'infrastructure', runbookBaseUrl, extraLabels);
      return { ...rule, annotations: { ...rule.annotations, runbook_url: kubernetesRunbookUrl(runbookBaseUrl, upstreamRunbooks, dir, spec.alert) } };
    },
    group(name, rules) {
      const group: RuleGroup = { name, rules };
      return options.interval ? { ...group, interval: options.interval } : group;
    },
  };
}

/** `max by (labels) (expr)`: one series per object, whatever extra labels the scrape adds. */
export function maxBy(labels: string, expr: string): string {
  return `max by (${labels}) (${expr})`;
}

/** Whole seconds of a Prometheus duration (validated before), as PromQL wants a number. */
export function seconds(duration: string): number {
  const s = promDurationSeconds(duration);
  if (s === undefined) throw new Error(`"${duration}" is not a Prometheus duration`);
  return s;
}

/** A fraction as a percentage for a description: 0.07 -> "7" (not 7.000000000000001). */
export function percent(fraction: number): string {
  return String(Number((fraction * 100).toPrecision(12)));
}
