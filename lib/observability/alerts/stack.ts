import type { AlertingRule, RuleGroup } from '../rule-group';
import { AlertSpec, OptionProblems, RunbookDir, UpstreamRunbooks, braces, checkRunbookBaseUrl, checkUpstreamRunbooks, makeUpstreamAlert } from './common';
import type { AlertmanagerThresholds, GrafanaThresholds } from './stack-thresholds';
import { AlertThresholdOverrides, resolveAlertThresholds } from './thresholds';

/**
 * Alerts of the stack's own components besides the metrics pipeline (metrics-pipeline.ts):
 * Alertmanager, the config reloaders, Grafana. Names and severities of kube-prometheus's
 * `alertmanager.rules`, `config-reloaders` and `GrafanaAlerts` groups (unless a comment says
 * why not); expressions and texts written from the metrics' meaning.
 */

export const ALERTMANAGER_GROUP = 'alertmanager';
export const CONFIG_RELOADERS_GROUP = 'config-reloaders';

/** The config reloader's container name (lib/k8s/workload.ts `configReloader`): scraped under its pod's job, it is not the server. */
const RELOADER_CONTAINER = 'config-reloader';

interface LinkOptions {
  /** The environment's runbooks (used when `upstreamRunbooks` is 'runbookBaseUrl'). */
  readonly runbookBaseUrl: string;
  /** @default 'public' */
  readonly upstreamRunbooks?: UpstreamRunbooks;
  /** @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: AlertThresholdOverrides;
}

function prepare<K extends 'alertmanager' | 'grafana'>(what: string, options: LinkOptions, section: K) {
  const p = new OptionProblems(`${what} alert options`);
  const runbookBaseUrl = checkRunbookBaseUrl(p, `${what}.runbookBaseUrl`, options.runbookBaseUrl);
  const upstreamRunbooks = checkUpstreamRunbooks(p, `${what}.upstreamRunbooks`, options.upstreamRunbooks);
  let t;
  try {
    t = resolveAlertThresholds(options.thresholds)[section];
  } catch (err) {
    p.add(`${what}.thresholds`, (err as Error).message);
  }
  p.throwIfAny();
  const links = { runbookBaseUrl, upstreamRunbooks };
  const mk = (dir: RunbookDir) => (spec: AlertSpec): AlertingRule => makeUpstreamAlert(spec, dir, 'infrastructure', links, {});
  return { t: t as K extends 'alertmanager' ? AlertmanagerThresholds : GrafanaThresholds, mk };
}

const JOB = /^[a-zA-Z0-9_.:-]+$/;

export interface AlertmanagerAlertOptions extends LinkOptions {
  /** `job` of the Alertmanager targets. @default 'alertmanager' */
  readonly job?: string;
  /**
   * Replicas of the Alertmanager cluster: each must see this many members. @default undefined:
   * as many as there are Alertmanager targets of the same job and namespace
   */
  readonly expectedMembers?: number;
}

/**
 * Alertmanager watching itself. Every alert is about one Alertmanager pod, or the cluster of
 * one job and namespace (`...Cluster...`), and per `integration` where it is about sending.
 */
export function alertmanagerAlerts(options: AlertmanagerAlertOptions): RuleGroup {
  const job = options.job ?? 'alertmanager';
  if (!JOB.test(job)) throw new Error(`alertmanager alerts: job: "${job}" is not a job name (letters, digits, '_', '.', ':', '-')`);
  const n = options.expectedMembers;
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new Error(`alertmanager alerts: expectedMembers: ${n} must be a positive integer`);
  const { t, mk } = prepare('alertmanagerAlerts', options, 'alertmanager');
  const alert = mk('alertmanager');
  // alertmanager_* come from the server only; up and process_* from every container scraped under the job.
  const am = (metric: string) => `${metric}{job="${job}"}`;
  const server = (metric: string) => `${metric}{job="${job}", container!="${RELOADER_CONTAINER}"}`;
  const f = t.failedToSendAlerts;
  // Per pod and integration: failed / sent. Only the failures carry `reason`.
  const failedRatio = `sum without (reason) (rate(${am('alertmanager_notifications_failed_total')}[15m]))\n/\nrate(${am('alertmanager_notifications_total')}[15m])`;
  const who = 'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }}';
  const cluster = 'The Alertmanager cluster {{ $labels.job }} in namespace {{ $labels.namespace }}';
  const replicasOf = 'the Alertmanager cluster {{ $labels.job }} in namespace {{ $labels.namespace }}';
  const members = am('alertmanager_cluster_members');
  const rules: AlertingRule[] = [
    alert({
      alert: 'AlertmanagerFailedReload',
      expr: `max_over_time(${am('alertmanager_config_last_reload_successful')}[5m]) == 0`,
      for: '10m',
      severity: 'critical',
      summary: 'Alertmanager failed to reload its configuration.',
      description: `${who} has failed to reload its configuration for 10 minutes; it keeps routing with the previous one. \`amtool check-config\` or its log names the error.`,
    }),
    alert({
      alert: 'AlertmanagerMembersInconsistent',
      expr:
        n !== undefined
          ? `max_over_time(${members}[5m]) < ${n}`
          : `max_over_time(${members}[5m])\n< on (namespace, job) group_left ()\n  count by (namespace, job) (max_over_time(${members}[5m]))`,
      for: '15m',
      severity: 'critical',
      summary: 'An Alertmanager does not see every member of its cluster.',
      description: `${who} sees {{ $value }} members of its cluster${n !== undefined ? `, not ${n}` : ', fewer than there are Alertmanagers'}: alerts may be notified twice and silences not shared. Check the mesh port (9094 TCP and UDP) between the pods.`,
    }),
    alert({
      alert: 'AlertmanagerFailedToSendAlerts',
      expr: `${failedRatio}\n> ${f.ratio}`,
      for: f.for,
      severity: 'warning',
      summary: 'An Alertmanager fails to send notifications.',
      description: `${who} failed to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }} over 15 minutes.`,
    }),
    alert({
      alert: 'AlertmanagerClusterFailedToSendAlerts',
      // The smallest failure ratio among the replicas: every replica that sends fails (a replica
      // that sends nothing, 0/0 = NaN, is skipped by min).
      expr: `min by (namespace, job, integration) (\n  ${failedRatio.replace(/\n/g, '\n  ')}\n)\n> ${f.ratio}`,
      for: f.for,
      severity: 'critical',
      summary: 'Every Alertmanager fails to send notifications to an integration.',
      description: `${cluster} fails to send at least {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }}, from every replica: those notifications are lost. Check the receiver's credentials (the receivers Secret) and reachability.`,
    }),
    alert({
      alert: 'AlertmanagerConfigInconsistent',
      // Distinct configuration hashes among the replicas.
      expr: `count by (namespace, job) (\n  count_values by (namespace, job) ("config_hash", ${am('alertmanager_config_hash')})\n) > 1`,
      for: '20m',
      severity: 'critical',
      summary: 'The Alertmanagers of a cluster run different configurations.',
      description: `${cluster} has run {{ $value }} different configurations for 20 minutes: alerts are routed differently depending on the replica. One replica failed to reload (see AlertmanagerFailedReload).`,
    }),
    alert({
      alert: 'AlertmanagerClusterDown',
      // Fraction of the replicas that were unreachable for most of the last 5 minutes.
      expr: `avg by (namespace, job) (avg_over_time(${server('up')}[5m]) < bool 0.5) >= 0.5`,
      for: '5m',
      severity: 'critical',
      summary: 'Half or more of the Alertmanagers of a cluster are down.',
      description: `{{ $value | humanizePercentage }} of the replicas of ${replicasOf} have been unreachable for most of 5 minutes: notifications may not go out.`,
    }),
    alert({
      alert: 'AlertmanagerClusterCrashlooping',
      // Fraction of the replicas that restarted more than 4 times in 10 minutes.
      expr: `avg by (namespace, job) (changes(${server('process_start_time_seconds')}[10m]) > bool 4) >= 0.5`,
      for: '5m',
      severity: 'critical',
      summary: 'Half or more of the Alertmanagers of a cluster are crash-looping.',
      description: `{{ $value | humanizePercentage }} of the replicas of ${replicasOf} restarted more than 4 times in 10 minutes: notifications may not go out.`,
    }),
    alert({
      alert: 'AlertmanagerClusterFailedPeers',
      expr: `max_over_time(${am('alertmanager_cluster_failed_peers')}[5m]) > 0`,
      for: '15m',
      severity: 'warning',
      summary: 'An Alertmanager cannot reach some members of its cluster.',
      description: `${who} has had {{ $value }} unreachable cluster peers for 15 minutes: notifications may be sent twice and silences not shared.`,
    }),
  ];
  return { name: ALERTMANAGER_GROUP, rules };
}

/**
 * The config reloaders (prometheus-config-reloader sidecars of Prometheus and Alertmanager):
 * `reloader_*` metrics are theirs only, so no job selector.
 */
export function configReloaderAlerts(options: Omit<LinkOptions, 'thresholds'>): RuleGroup {
  const { mk } = prepare('configReloaderAlerts', options, 'alertmanager');
  return {
    name: CONFIG_RELOADERS_GROUP,
    rules: [
      mk('prometheus-operator')({
        alert: 'ConfigReloaderSidecarErrors',
        expr: 'max_over_time(reloader_last_reload_successful[5m]) == 0',
        for: '10m',
        severity: 'warning',
        summary: 'A config reloader has not reloaded its server for 10 minutes.',
        description: 'The config reloader of {{ $labels.namespace }}/{{ $labels.pod }} fails to apply the changed configuration or rules to its server (the reload call or the config rendering fails): the server runs a stale configuration. Its log names the error.',
      }),
    ],
  };
}

/** Handlers through which Grafana queries datasources: their errors are the datasources' (GrafanaDatasourceErrors). */
export const GRAFANA_DATASOURCE_HANDLERS = '/api/ds/.*|/api/datasources/.*(proxy|resources).*|/api/tsdb/.*';

export interface GrafanaRequestsFailingOptions extends LinkOptions {
  /** Matchers of Grafana's series, e.g. `job="grafana", namespace="monitoring"`. */
  readonly selector: string;
}

/**
 * `GrafanaRequestsFailing`: one HTTP handler of Grafana answers a large share of its requests
 * with a 5xx status (datasource queries left out: GRAFANA_DATASOURCE_HANDLERS).
 */
export function grafanaRequestsFailingAlert(options: GrafanaRequestsFailingOptions): AlertingRule {
  const { t, mk } = prepare('grafanaAlerts', options, 'grafana');
  const r = t.requestsFailing;
  const rate = (extra: string) =>
    `sum by (namespace, job, handler) (rate(grafana_http_request_duration_seconds_count${braces(options.selector, `handler!~"${GRAFANA_DATASOURCE_HANDLERS}"`, extra)}[5m]))`;
  return mk('grafana')({
    alert: 'GrafanaRequestsFailing',
    // With a minimum request rate, so that one failed request of two does not fire.
    expr: `${rate('status_code=~"5.."')}\n/\n${rate('')}\n> ${r.ratio}\nand\n${rate('')} >= ${r.minRequestRate}`,
    for: r.for,
    severity: 'warning',
    summary: 'Grafana answers many requests of one handler with 5xx.',
    description: `{{ $value | humanizePercentage }} of the requests to Grafana handler {{ $labels.handler }} (job {{ $labels.job }}, namespace {{ $labels.namespace }}) failed with a 5xx status over 5 minutes, for ${r.for}.`,
  });
}
