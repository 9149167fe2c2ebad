import type { AlertingRule, RuleGroup } from '../rule-group';
import {
  AlertGroupCommonOptions,
  OptionProblems,
  UpstreamRunbooks,
  braces,
  checkExtraLabels,
  checkKnownKeys,
  checkRunbookBaseUrl,
  checkSelector,
  checkUpstreamRunbooks,
  makeUpstreamAlert,
  upstreamRunbookUrl,
} from './common';
import { AlertThresholdOverrides, resolveAlertThresholds } from './thresholds';

/**
 * The `general` group: alerts about the alerting pipeline as a whole.
 *
 * - `TargetDown` (warning): a share of a job's scrape targets (per job, namespace and service)
 *   has been unreachable; threshold `alerts.thresholds.infrastructure.targetDown`.
 * - `Watchdog` (severity `none`): always firing. If it stops arriving somewhere, the pipeline
 *   Prometheus -> Alertmanager -> receiver is broken. It is meant for a dead man's switch
 *   receiver only (a service that alerts when the notifications STOP).
 * - `InfoInhibitor` (severity `none`): firing for each namespace where an info alert fires and
 *   no warning or critical alert does. Alertmanager inhibits the info alerts of a namespace
 *   while it fires, so info alerts reach people only alongside a warning or critical alert of
 *   their namespace, as context.
 *
 * Label contract for the Alertmanager routing and inhibition (lib/render/alertmanager.ts):
 * - `Watchdog`: `alertname="Watchdog"`, `severity="none"`, no `category` (so no category route
 *   catches it) and no other label but `extraLabels`. Route it to the dead man's switch
 *   receiver, and nowhere else.
 * - `InfoInhibitor`: `alertname="InfoInhibitor"`, `severity="none"`, no `category`, and
 *   `namespace` (the namespace of the info alerts; absent for info alerts without one, which
 *   Alertmanager's `equal` treats as equal to an absent label). Route it to a receiver that
 *   sends nothing, and inhibit `severity="info"` alerts by it with `equal: [namespace]`.
 * - Every other alert of the stack has `severity` critical, warning or info and a `category`.
 */

export const GENERAL_GROUP = 'general';

export interface GeneralAlertOptions extends AlertGroupCommonOptions {
  /** Where `TargetDown`, `Watchdog` and `InfoInhibitor` link their runbook. @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /** Thresholds; `TargetDown` reads `infrastructure.targetDown`. @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: AlertThresholdOverrides;
  /** Matchers restricting the `up` series `TargetDown` looks at. @default none (every target) */
  readonly upSelector?: string;
}

const OPTION_FIELDS = ['runbookBaseUrl', 'extraLabels', 'interval', 'upstreamRunbooks', 'thresholds', 'upSelector'];

/** The `general` rule group: TargetDown, Watchdog, InfoInhibitor. */
export function generalAlerts(options: GeneralAlertOptions): RuleGroup {
  const p = new OptionProblems('general alert options');
  checkKnownKeys(p, 'generalAlerts', options, OPTION_FIELDS);
  p.throwIfAny();
  const runbookBaseUrl = checkRunbookBaseUrl(p, 'generalAlerts.runbookBaseUrl', options.runbookBaseUrl);
  const upstreamRunbooks = checkUpstreamRunbooks(p, 'generalAlerts.upstreamRunbooks', options.upstreamRunbooks);
  const extraLabels = checkExtraLabels(p, 'generalAlerts.extraLabels', options.extraLabels);
  const up = checkSelector(p, 'generalAlerts.upSelector', options.upSelector);
  let t;
  try {
    t = resolveAlertThresholds(options.thresholds).infrastructure.targetDown;
  } catch (err) {
    p.add('generalAlerts.thresholds', (err as Error).message);
  }
  p.throwIfAny();
  if (!t) throw new Error('unreachable');
  const links = { runbookBaseUrl, upstreamRunbooks };

  /** An alert routed by alertname only: severity "none", no category. */
  const pipelineAlert = (alert: string, expr: string, summary: string, description: string): AlertingRule => ({
    alert,
    expr,
    labels: { ...extraLabels, severity: 'none' },
    annotations: { summary, description, runbook_url: upstreamRunbookUrl(links, 'general', alert) },
  });

  const rules: AlertingRule[] = [
    makeUpstreamAlert(
      {
        alert: 'TargetDown',
        // The mean of (1 - up) over a job's targets is the fraction of them down.
        expr: `100 * avg by (job, namespace, service) (1 - up${braces(up)}) > ${t.percent}`,
        for: t.for,
        severity: t.severity,
        summary: 'Some scrape targets are down.',
        description:
          `{{ printf "%.4g" $value }}% of the {{ $labels.job }} targets{{ with $labels.namespace }} in namespace {{ . }}{{ end }}{{ with $labels.service }} (service {{ . }}){{ end }} ` +
          `have been unreachable for ${t.for} (threshold ${t.percent}%): their metrics, and the alerts built on them, are missing.`,
      },
      'general',
      'infrastructure',
      links,
      extraLabels,
    ),
    pipelineAlert(
      'Watchdog',
      'vector(1)',
      'Always firing: proves that alerts flow from Prometheus through Alertmanager to the receivers.',
      'This alert fires all the time, by design. It is routed to a dead man\'s switch receiver only, which raises the alarm when the notifications stop: then Prometheus, its rules, Alertmanager or the route to the receiver is broken, and no other alert can arrive either.',
    ),
    pipelineAlert(
      'InfoInhibitor',
      'group by (namespace) (ALERTS{alertstate="firing", severity="info"})\nunless on (namespace)\n  group by (namespace) (ALERTS{alertstate="firing", severity=~"warning|critical"})',
      'Info alerts fire in a namespace without any warning or critical alert: they are held back.',
      'Fires while info alerts with namespace="{{ $labels.namespace }}" fire and no warning or critical alert with that namespace does. Alertmanager inhibits the info alerts of the namespace while this fires, so that info alerts are seen only next to a warning or critical alert of the same namespace. It is routed to a receiver that sends nothing.',
    ),
  ];
  const group: RuleGroup = { name: GENERAL_GROUP, rules };
  return options.interval ? { ...group, interval: options.interval } : group;
}
