import { readFileSync } from 'fs';
import { production } from '../lib/config';
import type { StackConfig } from '../lib/config/types';
import type { K8sObject } from '../test/support/synth';
import { formatDuration, Slo, validateSlos } from '../lib/observability/slo';
import { Harness, HarnessSettings, startHarness } from './harness';
import { cleanupSync, http, killAllSync, runningServices, sleep, stopAll, waitFor } from './processes';
import { RunReport, slackSender } from './report';
import type { Delivery } from './sinks';
import { about, duplicates, pdFiring } from './notifications';
import type { SloSource } from './transform';
import { stackSloSource } from './stack-slos';
import { multiClusterScenarios } from './multicluster';
import { thanosScenarios, withE2eRetention } from './thanos-scenarios';

/**
 * `npm run e2e`: the production stack's generated configs running in the real binaries at the
 * versions the manifests deploy (`npm run tools`; each named with its version in the log): the
 * Prometheus HA pair with its Thanos sidecars, two clustered Alertmanagers, the Thanos store
 * gateway, Query and compactor on a local bucket, fed by the exporter in simulate mode,
 * notifying local sinks. Scenarios run in order, each asserting through the real HTTP APIs,
 * what the sinks received and what the bucket holds; a scenario that depends on a failed one
 * is skipped. Not run: Loki, Grafana and the log collector (Alloy): their Go modules are
 * AGPL-3.0 (Alloy requires Loki's), which this project's build machines may not use, so no
 * binary of theirs can be built here (scripts/tools/manifest.ts).
 *
 * Time is compressed: scrape and evaluation every second, `group_wait`/`group_interval` of
 * seconds, and the SLOs rendered with a period 60 times shorter (30d -> 12h; the 5m/1h page
 * windows become 5s/1m) with the same budget percentages, hence the same burn-rate factors
 * and thresholds as production. See e2e/transform.ts for every difference.
 */

type Obj = Record<string, any>;

const ALERT_WAIT_MS = 90_000;
const NOTIFY_WAIT_MS = 45_000;

class Prom {
  constructor(private readonly url: () => string) {}
  async query(expr: string, time?: number): Promise<Obj[]> {
    const t = time !== undefined ? `&time=${time}` : '';
    const r = await http(`${this.url()}/api/v1/query?query=${encodeURIComponent(expr)}${t}`);
    return r.data.result;
  }
  async alerts(matchers: string): Promise<Obj[]> {
    return (await this.query(`ALERTS{${matchers}}`)).map((r) => r.metric);
  }
}

class Am {
  constructor(readonly url: string) {}
  alerts(filters: readonly string[] = []): Promise<Obj[]> {
    const q = filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    return http(`${this.url}/api/v2/alerts${q ? `?${q}` : ''}`);
  }
  groups(): Promise<Obj[]> {
    return http(`${this.url}/api/v2/alerts/groups`);
  }
  /** `alertmanager_notifications_total` / `_failed_total` by integration. */
  async counters(): Promise<{ sent: Record<string, number>; failed: Record<string, number> }> {
    const text: string = await http(`${this.url}/metrics`);
    const read = (name: string) => {
      const out: Record<string, number> = {};
      for (const m of text.matchAll(new RegExp(`^${name}\\{integration="([^"]+)"\\} (\\S+)$`, 'gm'))) out[m[1]] = Number(m[2]);
      return out;
    };
    return { sent: read('alertmanager_notifications_total'), failed: read('alertmanager_notifications_failed_total') };
  }
}

const INTEGRATION: Record<Delivery['kind'], string> = { slack: 'slack', pagerduty: 'pagerduty', webhook: 'webhook', email: 'email' };

function fail(message: string): never {
  throw new Error(message);
}

function ms(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new Error(`duration ${text}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

export interface E2eOptions {
  readonly config?: StackConfig;
  readonly slos?: SloSource;
  readonly settings?: HarnessSettings;
  readonly patchObjects?: (objects: K8sObject[]) => K8sObject[];
}

export async function runE2e(options: E2eOptions = {}): Promise<number> {
  const config = withE2eRetention(options.config ?? production);
  const report = new RunReport('e2e');
  const log = report.log;
  log(`e2e of the "${config.environment}" environment; run log: ${report.relativeDir()}/run.log`);
  log('not run: Loki, Grafana and the log collector (Alloy): their Go modules are AGPL-3.0 (Alloy requires Loki\'s), which the build machines may not use; no binary of theirs is built (scripts/tools/manifest.ts)');

  let harness: Harness | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process of the run`);
    report.interrupt(`interrupted by ${signal}`);
    void (async () => {
      await harness?.stop().catch(() => undefined);
      await stopAll(5000).catch(() => killAllSync());
      report.write({ deliveries: harness?.sinks.deliveries, note: `interrupted by ${signal}` });
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanupSync);

  let slos: readonly Slo[] = [];
  try {
    const source = options.slos ?? stackSloSource(config);
    if (!source) throw new Error(`the "${config.environment}" stack declares no SLOs (stackSloSource found none): the SLO scenarios cannot run`);
    slos = validateSlos(source.declarations, source.validateOptions ?? {});
    harness = await startHarness({ config, slos: source, settings: options.settings, deferRules: true, patchObjects: options.patchObjects, logDir: report.dir, log });
  } catch (e) {
    log(`could not start the stack: ${(e as Error).message}`);
    await harness?.stop();
    report.scenarios.push({ name: 'start the stack', status: 'failed', startedMs: 0, durationMs: report.elapsed(), checks: [], error: (e as Error).message });
    report.write();
    log(`FAILED; run log: ${report.relativeDir()}/run.log`);
    return 1;
  }

  const h = harness;
  const s = h.settings;
  if (h.alertmanagers.length < 2) {
    await h.stop();
    log(`the "${config.environment}" environment runs ${h.alertmanagers.length} Alertmanager: the e2e needs a clustered pair (production)`);
    return 1;
  }
  const prom = new Prom(() => h.urls.prometheus);
  const ams = h.urls.alertmanagers.map((u) => new Am(u));
  const sinks = h.sinks;
  const groupIntervalMs = ms(s.groupInterval);
  const peerTimeoutMs = ms(s.cluster['peer-timeout'] ?? '15s');
  /** How long a second Alertmanager could take to send a copy of a notification. */
  const dedupWindowMs = groupIntervalMs + peerTimeoutMs + 1000;

  // The availability SLO and its alerts, as rendered with the short period.
  const availability = slos.find((x) => /availability/.test(x.name)) ?? fail(`no availability SLO among ${slos.map((x) => x.id).join(', ')}`);
  const alertRules = h.sloGroups.flatMap((g) => g.rules).filter((r: Obj) => r.alert && r.labels?.sloth_id === availability.id) as Obj[];
  const pageRule = alertRules.find((r) => r.labels.sloth_severity === 'page') ?? fail(`SLO ${availability.id} has no page alert`);
  const ticketRule = alertRules.find((r) => r.labels.sloth_severity === 'ticket') ?? fail(`SLO ${availability.id} has no ticket alert`);
  const A: string = pageRule.alert;
  const sloMatch = `alertname="${A}", sloth_id="${availability.id}"`;
  const budget = (100 - availability.objective) / 100;
  const factor = (severity: string, speed: string) => availability.burnRateWindows.find((w) => w.severity === severity && w.speed === speed)!.burnRateFactor;
  // Between the slow-burn thresholds: above 1x (ticket, slow pair), below 3x (ticket, quick pair).
  const slowBurnRatio = (budget * (factor('ticket', 'slow') + 3 * factor('ticket', 'quick'))) / 4;
  const receiversOf = (cfgName: string) => (h.alertmanagerConfig.receivers as Obj[]).find((r) => r.name === cfgName);
  const channelOf = (receiver: string) => receiversOf(receiver)?.slack_configs?.[0]?.channel ?? fail(`receiver ${receiver} has no Slack channel in the config`);
  const criticalChannel = channelOf('slack-critical');
  const applicationChannel = channelOf('slack-application');
  const otherChannels = ['slack-warnings', 'slack-infrastructure', 'default'].map(channelOf).filter((c) => c !== applicationChannel && c !== criticalChannel);
  const strictGroups = (d: Delivery) => d.kind === 'webhook' || about(d, A);
  const noDuplicates = (where: string) => {
    const dups = duplicates(sinks.deliveries, groupIntervalMs, strictGroups);
    if (dups.length > 0) fail(`${where}: ${dups.length} notification(s) delivered twice, e.g. ${dups[0][1].kind} at ${dups[0][0].at} and ${dups[0][1].at} ms`);
  };
  log(`SLO under test: ${availability.id}, objective ${availability.objective}% over ${availability.period} in production, rendered over ${formatDuration(availability.periodMs / s.timeScale)} for the run; page alert ${A} (severity ${pageRule.labels.severity}), ticket (severity ${ticketRule.labels.severity}); slow-burn error ratio ${(slowBurnRatio * 100).toFixed(3)}%`);

  const incident = (errorRatio: number) => http(`${h.urls.exporter}/v1/incident`, { method: 'POST', body: { errorRatio, durationSeconds: 0 } });
  let killedAm = -1;
  let killedCounters: { sent: Record<string, number>; failed: Record<string, number> } | undefined;
  let pdKey = '';
  let burstEndedAt = 0;

  const ok = { s1: false, s2: false, s3: false, s4: false };

  ok.s1 = await report.scenario('every target is up; every rule evaluates; the recording rules (SLO ones included) produce series', async () => {
    // Pods annotated for scraping (job from app.kubernetes.io/name), and each Prometheus pod's
    // sidecar (the thanos-sidecar job); not the pods whose process starts later (the compactor).
    const deferred = h.deferredPods();
    const running = h.pods.filter((p) => !deferred.includes(p.spec.name));
    const expected = [
      ...running.filter((p) => p.pod.metadata.annotations?.['prometheus.io/scrape'] === 'true').map((p) => `${p.pod.metadata.labels?.['app.kubernetes.io/name']}/${p.spec.name}`),
      ...running.filter((p) => p.spec.containers.includes('thanos-sidecar')).map((p) => `thanos-sidecar/${p.spec.name}`),
    ].sort();
    const targets = await waitFor('every discovered target to be up', async () => {
      const t = ((await http(`${h.urls.prometheus}/api/v1/targets`)).data.activeTargets as Obj[]).filter((x) => !deferred.includes(x.labels.pod));
      const up = t.filter((x) => x.health === 'up').map((x) => `${x.labels.job}/${x.labels.pod}`).sort();
      return t.length === expected.length && JSON.stringify(up) === JSON.stringify(expected) ? t : undefined;
    }, { timeoutMs: 30_000, describe: () => `expected ${expected.join(', ')}` });
    report.check(`active targets, all up: ${expected.join(', ')} (job from app.kubernetes.io/name, pod, through the rendered relabelling)`);
    for (const t of targets) {
      const p = h.pods.find((x) => x.spec.name === t.labels.pod)!;
      if (t.labels.namespace !== p.namespace || !p.spec.containers.includes(t.labels.container) || !t.labels.node) fail(`target ${t.scrapeUrl} has labels ${JSON.stringify(t.labels)}`);
    }
    report.check('every target carries namespace, pod, container and node labels');

    for (const r of h.prometheusReplicas) {
      const federate: string = await http(`${r.url}/federate?match[]=${encodeURIComponent('up{job="prometheus"}')}`);
      if (!federate.includes(`cluster="${config.cluster}"`) || !federate.includes(`prometheus_replica="${r.pod}"`)) fail(`${r.pod}: external labels not applied/expanded: ${federate.slice(0, 300)}`);
    }
    report.check(`external labels: cluster="${config.cluster}", prometheus_replica=${h.prometheusReplicas.map((r) => `"${r.pod}"`).join(' / ')} (\${POD_NAME} expanded) on ${h.prometheusReplicas.length === 1 ? 'the replica' : 'each replica of the HA pair'}`);

    // Warm-up: enough requests in every window before the SLO rules are loaded (see deferRules).
    const warm = await waitFor('30 scrapes of the exporter (warm-up before loading the rules)', async () => {
      const r = await prom.query('count_over_time(up{job="app-exporter"}[1h])');
      return Number(r[0]?.value[1] ?? 0) >= 30 ? Number(r[0].value[1]) : undefined;
    }, { timeoutMs: 60_000 });
    const loadedAt = Date.now() / 1000;
    await h.loadRules();
    log(`rules loaded after ${warm} scrapes of warm-up`);

    const groups = await waitFor('every rule group to be evaluated after loading', async () => {
      const g = (await http(`${h.urls.prometheus}/api/v1/rules`)).data.groups as Obj[];
      return g.every((x) => Date.parse(x.lastEvaluation) / 1000 > loadedAt) ? g : undefined;
    }, { timeoutMs: 20_000 });
    const rules = groups.flatMap((g) => g.rules as Obj[]);
    const bad = rules.filter((r) => r.health !== 'ok');
    if (bad.length > 0) fail(`rules failing to evaluate: ${bad.map((r) => `${r.name}: ${r.lastError}`).join('; ')}`);
    report.check(`${groups.length} rule groups, ${rules.length} rules, all health "ok" on real data`);
    if (h.prometheusReplicas.length > 1) {
      // As in the cluster (same rule file paths), the replicas evaluate each group at the same
      // instants, so their alerts reach the Alertmanagers together (see the harness).
      const intervalMs = ms(s.evaluationInterval);
      const phases = await Promise.all(
        h.prometheusReplicas.map(async (r) => new Map(((await http(`${r.url}/api/v1/rules`)).data.groups as Obj[]).map((g) => [`${g.file}#${g.name}`, Date.parse(g.lastEvaluation) % intervalMs]))),
      );
      const apart = [...phases[0]].map(([key, p0]) => {
        const d = Math.abs(p0 - (phases[1].get(key) ?? Number.NaN));
        return [key, Math.min(d, intervalMs - d)] as const;
      });
      const worst = apart.reduce((a, b) => (b[1] > a[1] || Number.isNaN(b[1]) ? b : a));
      if (!(worst[1] <= 100)) fail(`the replicas evaluate rule group ${worst[0]} ${worst[1]} ms apart within the ${s.evaluationInterval} interval: their alerts would reach the Alertmanagers at different instants`);
      report.check(`both replicas evaluate every rule group at the same offset within the ${s.evaluationInterval} interval (at most ${worst[1]} ms apart), as in the cluster`);
    }

    // The Kubernetes rules (kubernetes-rules.rules.yaml) read kube-state-metrics, the kubelets
    // and the API server, and the node-exporter rules read the host (/proc, /sys): nothing
    // runs those here (see transform.ts), so their recording rules have no input. Every other
    // recording rule must produce series.
    const notRun = /(^|\/)(kubernetes-rules|node-exporter)(-\d+)?\.rules\.yaml$/;
    const recordings = groups.filter((g) => !notRun.test(String(g.file))).flatMap((g) => g.rules as Obj[]).filter((r) => r.type === 'recording');
    const skipped = rules.filter((r) => r.type === 'recording').length - recordings.length;
    if (recordings.length === 0) fail('no recording rules loaded');
    if (skipped > 0) log(`  ${skipped} recording rules of the Kubernetes and node-exporter rule files not checked: their exporters do not run here`);
    const missing = await waitFor('a series for every recording rule', async () => {
      const without: string[] = [];
      for (const r of recordings) {
        const matchers = [`__name__="${r.name}"`, ...Object.entries((r.labels ?? {}) as Record<string, string>).map(([k, v]) => `${k}="${v}"`)];
        if ((await prom.query(`count({${matchers.join(', ')}})`)).length === 0) without.push(`${r.name}${JSON.stringify(r.labels ?? {})}`);
      }
      return without.length === 0 ? without : undefined;
    }, { timeoutMs: 20_000 });
    void missing;
    const sloRecordings = recordings.filter((r) => String(r.name).startsWith('slo:'));
    report.check(`all ${recordings.length} recording rules produce series, ${sloRecordings.length} of them SLO recordings (${[...new Set(sloRecordings.map((r) => r.labels?.sloth_window).filter(Boolean))].join(' ')} windows)`);

    const ratio = await prom.query(`slo:sli_error:ratio_rate1m{sloth_id="${availability.id}"}`);
    if (ratio.length !== 1 || !(Number(ratio[0].value[1]) < budget)) fail(`baseline availability error ratio ${JSON.stringify(ratio)} is not below the budget ${budget}`);
    report.check(`baseline error ratio over 1m: ${(Number(ratio[0].value[1]) * 100).toFixed(3)}% (< ${(budget * 100).toFixed(3)}% budget)`);
    const sloAlerts = await prom.alerts('sloth_id!=""');
    if (sloAlerts.length > 0) fail(`SLO alerts at baseline: ${JSON.stringify(sloAlerts)} (the exporter runs with --bursts-per-day=${s.exporter.burstsPerDay}: no spontaneous errors)`);
    const early = sinks.deliveries.filter((d) => about(d, A));
    if (early.length > 0) fail(`notifications about ${A} at baseline`);
    report.check('no SLO alert pending or firing, and no notification, at baseline');
  });

  ok.s2 = await report.scenario(`slow burn (${(slowBurnRatio * 100).toFixed(3)}% errors): the ticket alert (warning) reaches only ${applicationChannel} (and the webhook, which gets every alert)`, async () => {
    const from = sinks.deliveries.length;
    await incident(slowBurnRatio);
    const fired = await waitFor(`${A} ticket alert to fire`, async () => {
      const a = await prom.alerts(`${sloMatch}, sloth_severity="ticket", alertstate="firing"`);
      return a.length > 0 ? a : undefined;
    }, { timeoutMs: ALERT_WAIT_MS });
    const pages = await prom.alerts(`${sloMatch}, sloth_severity="page"`);
    if (pages.length > 0) fail(`page alert at a slow burn: ${JSON.stringify(pages)}`);
    report.check(`Prometheus fires ${A}{sloth_severity="ticket", severity="${fired[0].severity}", sloth_alert_window="${fired.map((a) => a.sloth_alert_window).join('|')}"}; no page alert`);

    const msg = await waitFor(`a ${applicationChannel} notification of ${A}`, async () => sinks.deliveries.slice(from).find((d) => d.kind === 'slack' && d.key === applicationChannel && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    await waitFor('the webhook copy', async () => sinks.deliveries.slice(from).find((d) => d.kind === 'webhook' && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    // A copy elsewhere would come with the same flush; observe one dedup window for it.
    await sleep(dedupWindowMs);
    const got = sinks.deliveries.slice(from).filter((d) => about(d, A));
    const elsewhere = got.filter((d) => !(d.kind === 'webhook' || (d.kind === 'slack' && d.key === applicationChannel)));
    if (elsewhere.length > 0) fail(`the warning also reached ${elsewhere.map((d) => `${d.kind} ${d.key}`).join(', ')}`);
    const copies = got.filter((d) => d.kind === 'slack' && d.key === applicationChannel);
    if (copies.length !== 1) fail(`${copies.length} ${applicationChannel} notifications, expected exactly 1`);
    report.check(`${applicationChannel} received "${msg.body.attachments[0].title}" once (sent by ${slackSender(msg)}); PagerDuty, email, ${criticalChannel} and ${otherChannels.join(', ')} received nothing`);

    for (const am of ams) {
      const groups = await am.groups();
      const receivers = new Set(groups.filter((g) => (g.alerts as Obj[]).some((a) => a.labels.alertname === A && a.labels.sloth_severity === 'ticket')).map((g) => g.receiver.name));
      const want = ['slack-application', 'webhook'];
      if ([...receivers].sort().join() !== want.join()) fail(`${am.url}: the ticket alert is routed to ${[...receivers].join(', ')}, expected ${want.join(', ')}`);
    }
    report.check('both Alertmanagers route the ticket alert to slack-application and webhook only (/api/v2/alerts/groups)');
  });

  ok.s3 = await report.scenario(`fast burn (100% errors): the page alert fires; exactly one notification of it reaches PagerDuty and ${criticalChannel}; the ticket is inhibited`, async () => {
    const from = sinks.deliveries.length;
    await incident(1);
    const fired = await waitFor(`${A} page alert to fire`, async () => {
      const a = await prom.alerts(`${sloMatch}, sloth_severity="page", alertstate="firing"`);
      return a.length > 0 ? a : undefined;
    }, { timeoutMs: ALERT_WAIT_MS });
    report.check(`Prometheus fires ${A}{sloth_severity="page", severity="${fired[0].severity}"} (window pairs ${fired.map((a) => a.sloth_alert_window).join(', ')})`);
    if (fired[0].severity !== 'critical') fail(`the page alert has severity ${fired[0].severity}; production routing pages on severity=critical`);

    const pd = await waitFor('a PagerDuty trigger for the page alert', async () => sinks.deliveries.slice(from).find((d) => d.kind === 'pagerduty' && d.body.event_action === 'trigger' && pdFiring(d).includes(`alertname = ${A}\n`) && pdFiring(d).includes('sloth_severity = page')), { timeoutMs: NOTIFY_WAIT_MS });
    pdKey = pd.body.dedup_key;
    const slack = await waitFor(`a ${criticalChannel} notification`, async () => sinks.deliveries.slice(from).find((d) => d.kind === 'slack' && d.key === criticalChannel && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    const mail = await waitFor('an email to the team', async () => sinks.deliveries.slice(from).find((d) => d.kind === 'email' && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    const hook = await waitFor('the webhook copy', async () => sinks.deliveries.slice(from).find((d) => d.kind === 'webhook' && (d.body.alerts as Obj[]).some((a) => a.labels.alertname === A && a.labels.sloth_severity === 'page')), { timeoutMs: NOTIFY_WAIT_MS });
    const labels = (hook.body.alerts as Obj[]).find((a) => a.labels.sloth_severity === 'page')!.labels;
    if (labels.cluster !== config.cluster || 'prometheus_replica' in labels) fail(`alert labels at Alertmanager: ${JSON.stringify(labels)}; expected cluster="${config.cluster}" and no prometheus_replica`);
    report.check(`alerts reach Alertmanager with cluster="${config.cluster}" and without prometheus_replica (alert_relabel_configs drop it, so the HA pair's copies are one alert)`);
    // A second Alertmanager's copy would arrive within peer_timeout of the first: observe that long.
    await sleep(dedupWindowMs);

    const firingNow = await prom.alerts(`${sloMatch}, sloth_severity="page", alertstate="firing"`);
    const pdEvents = sinks.deliveries.slice(from).filter((d) => d.kind === 'pagerduty' && pdFiring(d).includes(`alertname = ${A}\n`));
    const slackMsgs = sinks.deliveries.slice(from).filter((d) => d.kind === 'slack' && d.key === criticalChannel && about(d, A));
    const expectOne = (list: Delivery[], what: string) => {
      if (list.length === 1) return;
      // Only an update (another window pair joined the group) may follow, never a copy.
      const counts = list.map((d) => (d.kind === 'pagerduty' ? Number(d.body.payload.custom_details.num_firing) : Number(/FIRING:(\d+)/.exec(d.body.attachments[0].title)?.[1] ?? 0)));
      const growing = counts.every((c, i) => i === 0 || c > counts[i - 1]);
      if (!growing) fail(`${what}: ${list.length} notifications of the page alert (firing counts ${counts.join(', ')}): a copy, not an update`);
      log(`  note: ${what}: ${list.length} notifications, each adding a window pair (firing ${counts.join(' -> ')}; ${firingNow.length} pairs firing now)`);
    };
    expectOne(pdEvents, 'PagerDuty');
    expectOne(slackMsgs, criticalChannel);
    if (new Set(pdEvents.map((d) => d.body.dedup_key)).size !== 1) fail('PagerDuty events of the page alert carry different dedup keys (several incidents)');
    report.check(`PagerDuty: ${pdEvents.length === 1 ? 'exactly one' : pdEvents.length} trigger (one incident, dedup_key ${pdKey.slice(0, 12)}…, routing key from the Secret file), "${pd.body.payload.summary}"`);
    report.check(`${criticalChannel}: ${slackMsgs.length === 1 ? 'exactly one' : slackMsgs.length} message "${slack.body.attachments[0].title}" (sent by ${slackSender(slack)})`);
    report.check(`email-team: "${mail.body.subject}" over STARTTLS with AUTH as ${mail.body.authUser} (password from auth_password_file)`);
    const pdWarnings = sinks.deliveries.filter((d) => d.kind === 'pagerduty' && pdFiring(d).includes('sloth_severity = ticket'));
    if (pdWarnings.length > 0) fail('a ticket alert reached PagerDuty');

    const pageFingerprints = new Set<string>();
    for (const am of ams) {
      const suppressed = await waitFor(`${am.url} to show the ticket alert inhibited`, async () => {
        const pages = await am.alerts([`alertname="${A}"`, 'sloth_severity="page"']);
        pages.forEach((a) => pageFingerprints.add(a.fingerprint));
        const tickets = await am.alerts([`alertname="${A}"`, 'sloth_severity="ticket"']);
        return tickets.length > 0 && tickets.every((a) => a.status.state === 'suppressed' && (a.status.inhibitedBy as string[]).some((f) => pageFingerprints.has(f))) ? tickets : undefined;
      }, { timeoutMs: 20_000 });
      void suppressed;
    }
    report.check('both Alertmanagers show every ticket alert of the SLO "suppressed", inhibited by the page alert (critical inhibits warning, same alertname)');
    noDuplicates('during the fast burn');
    report.check('no notification delivered twice by the two Alertmanagers');
  }, { skipBecause: ok.s1 ? undefined : 'the stack is not healthy' });

  ok.s4 = await report.scenario('one Alertmanager is killed while alerts fire: notifications still arrive, none twice; when the burst ends, resolved notifications arrive', async () => {
    const pageMsg = sinks.deliveries.find((d) => d.kind === 'slack' && d.key === criticalChannel && about(d, A)) ?? fail('no page notification to find the sending Alertmanager from');
    const sender = slackSender(pageMsg);
    killedAm = h.urls.alertmanagers.indexOf(sender ?? '');
    if (killedAm < 0) fail(`cannot tell which Alertmanager sent the page (fallback ${pageMsg.body.attachments[0].fallback})`);
    const survivor = ams[1 - killedAm];
    killedCounters = await ams[killedAm].counters();
    const atSnapshot = sinks.deliveries.length;
    const pingsAtSnapshot = sinks.pings.length;
    const before = sinks.deliveries.length;
    await h.alertmanagers[killedAm].stop('SIGKILL');
    // What it sent between the reading of its counters and its death (a dead man's switch ping,
    // once a period, can fall there): counted as its own, told apart by the sender's URL.
    await sleep(500);
    const sentBy = (d: Delivery) => (d.kind === 'webhook' ? d.body.externalURL : d.kind === 'slack' ? slackSender(d) : undefined);
    for (const d of sinks.deliveries.slice(atSnapshot).filter((x) => sentBy(x) === sender)) {
      killedCounters.sent[INTEGRATION[d.kind]] = (killedCounters.sent[INTEGRATION[d.kind]] ?? 0) + 1;
    }
    const lastPings = sinks.pings.slice(pingsAtSnapshot).filter((x) => x.sender === sender).length;
    killedCounters.sent[INTEGRATION.webhook] = (killedCounters.sent[INTEGRATION.webhook] ?? 0) + lastPings;
    report.check(`alertmanager-${killedAm} (${sender}), which sent the page, killed with SIGKILL while the page fires`);

    await http(`${h.urls.exporter}/v1/incident`, { method: 'DELETE' });
    burstEndedAt = Date.now();
    await waitFor(`the page alert to resolve in Prometheus`, async () => ((await prom.alerts(`${sloMatch}, sloth_severity="page", alertstate="firing"`)).length === 0 ? true : undefined), { timeoutMs: ALERT_WAIT_MS });
    report.check(`burst ended; the page alert resolved in Prometheus after ${((Date.now() - burstEndedAt) / 1000).toFixed(1)}s (its 30s short window must clear)`);

    const after = () => sinks.deliveries.slice(before);
    const pdResolve: Delivery = await waitFor('a PagerDuty resolve event for the incident', async () => after().find((d) => d.kind === 'pagerduty' && d.body.dedup_key === pdKey && d.body.event_action === 'resolve'), { timeoutMs: NOTIFY_WAIT_MS });
    const slackResolved = await waitFor(`"[RESOLVED] ${A}" in ${criticalChannel}`, async () => after().find((d) => d.kind === 'slack' && d.key === criticalChannel && String(d.body.attachments?.[0]?.title).startsWith('[RESOLVED]') && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    const mailResolved = await waitFor('a resolved email', async () => after().find((d) => d.kind === 'email' && String(d.body.subject).startsWith('[RESOLVED]') && about(d, A)), { timeoutMs: NOTIFY_WAIT_MS });
    const hookResolved = await waitFor('a webhook notification with the page resolved', async () => after().find((d) => d.kind === 'webhook' && (d.body.alerts as Obj[]).some((a) => a.labels.alertname === A && a.labels.sloth_severity === 'page' && a.status === 'resolved')), { timeoutMs: NOTIFY_WAIT_MS });
    report.check(`resolved notifications arrived ${((Date.now() - burstEndedAt) / 1000).toFixed(1)}s after the burst ended: PagerDuty ${pdResolve.body.event_action} (same dedup_key), ${criticalChannel} "${slackResolved.body.attachments[0].title}", email "${mailResolved.body.subject}", webhook with the page alerts resolved (${hookResolved.body.alerts.length} alerts, group status ${hookResolved.body.status})`);

    const active = await waitFor('the ticket alert to be active again (nothing inhibits it once the page resolved)', async () => {
      const tickets = await survivor.alerts([`alertname="${A}"`, 'sloth_severity="ticket"']);
      return tickets.length > 0 && tickets.every((a) => a.status.state === 'active') ? tickets : undefined;
    }, { timeoutMs: 20_000 });
    report.check(`the ticket alert (${active.map((a) => a.labels.sloth_alert_window).join(', ')}) is active again on the surviving Alertmanager, no longer inhibited`);

    await sleep(dedupWindowMs);
    const post = after();
    const wrongSender = post.filter((d) => (d.kind === 'slack' && slackSender(d) !== survivor.url) || (d.kind === 'webhook' && d.body.externalURL !== survivor.url) || (d.kind === 'email' && !String(d.body.text).includes(survivor.url)));
    if (wrongSender.length > 0) fail(`notifications after the kill not sent by the surviving Alertmanager: ${wrongSender.map((d) => d.kind).join(', ')}`);
    const bySink = ['pagerduty', 'slack', 'email', 'webhook'].map((k) => `${k} ${post.filter((d) => d.kind === k).length}`).join(', ');
    report.check(`notifications still arrive after the kill (${bySink}), all from alertmanager-${1 - killedAm} (${survivor.url})`);
    const repeatedFiring = post.filter((d) => d.kind === 'pagerduty' && d.body.event_action === 'trigger' && sinks.deliveries.slice(0, before).some((p) => p.kind === 'pagerduty' && JSON.stringify(p.body.payload) === JSON.stringify(d.body.payload)));
    if (repeatedFiring.length > 0) fail('the surviving Alertmanager re-sent a PagerDuty trigger the killed one had sent (its notification log did not have it)');
    noDuplicates('after the kill');
    report.check('nothing the killed Alertmanager had sent was sent again; no notification delivered twice');
  }, { skipBecause: ok.s3 ? undefined : 'the page alert scenario failed' });

  await report.scenario('a Prometheus restart (SIGKILL, WAL replay) loses no data already scraped', async () => {
    const t = Math.floor(Date.now() / 1000) - 2;
    const queries = [
      'up[10m]',
      `app_http_requests_total{status_class="5xx"}[10m]`,
      `slo:sli_error:ratio_rate5s{sloth_id="${availability.id}"}[10m]`,
      `count_over_time(app_http_requests_total[10m])`,
    ];
    const snapshot = async () => Promise.all(queries.map((q) => prom.query(q, t)));
    const before = await snapshot();
    const samples = before.slice(0, 3).reduce((n, r) => n + r.reduce((m: number, x: Obj) => m + (x.values?.length ?? 0), 0), 0);
    if (samples < 100) fail(`only ${samples} raw samples to compare`);
    const restartedAt = Date.now() / 1000;
    await h.restartPrometheus('SIGKILL');
    report.check(`Prometheus killed with SIGKILL and restarted on the same storage (ready after ${(Date.now() / 1000 - restartedAt).toFixed(1)}s)`);
    const after = await snapshot();
    queries.forEach((q, i) => {
      if (JSON.stringify(after[i]) !== JSON.stringify(before[i])) fail(`${q} at ${t} differs after the restart: ${JSON.stringify(before[i]).length} vs ${JSON.stringify(after[i]).length} bytes of result`);
    });
    report.check(`${samples} raw samples (targets' up, the exporter's 5xx counters, the SLO recording) read back identical at t=${t}`);
    await waitFor('scraping to resume after the restart', async () => {
      const r = await prom.query('timestamp(up{job="app-exporter"})');
      return Number(r[0]?.value[1] ?? 0) > restartedAt ? true : undefined;
    }, { timeoutMs: 30_000 });
    report.check('scraping resumed');
  }, { skipBecause: ok.s1 ? undefined : 'the stack is not healthy' });

  await thanosScenarios(h, report, config, ok.s1);

  await report.scenario('the whole run: every notification accepted by its sink, counted by an Alertmanager, delivered once', async () => {
    const problems = sinks.deliveries.filter((d) => d.problems.length > 0);
    if (problems.length > 0) fail(`sinks saw wrong credentials or protocol: ${problems.map((d) => `${d.kind}: ${d.problems.join(', ')}`).join('; ')}`);
    report.check(`${sinks.deliveries.length} deliveries, all with the credentials from the receivers Secret files (PagerDuty routing key, webhook bearer token, SMTP password over STARTTLS)`);
    noDuplicates('over the whole run');
    report.check('no notification delivered twice over the whole run');
    const living = ams.filter((_, i) => i !== killedAm);
    const counts = await Promise.all(living.map((a) => a.counters()));
    if (killedCounters) counts.push(killedCounters);
    for (const kind of ['slack', 'pagerduty', 'webhook', 'email'] as const) {
      const sent = counts.reduce((n, c) => n + (c.sent[INTEGRATION[kind]] ?? 0), 0);
      const failed = counts.reduce((n, c) => n + (c.failed[INTEGRATION[kind]] ?? 0), 0);
      // The dead man's switch is a webhook receiver too: its pings count as webhook sends.
      const received = sinks.of(kind).length + (kind === 'webhook' ? sinks.pings.length : 0);
      if (failed > 0) fail(`${failed} failed ${kind} notifications (see the alertmanager logs in ${report.relativeDir()})`);
      if (sent !== received) fail(`${kind}: the Alertmanagers counted ${sent} notifications, the sink received ${received}`);
    }
    report.check('per integration, notifications the Alertmanagers counted = notifications the sinks received; none failed');
    // Watchdog: pinged to the dead man's switch while it fires, and nowhere else.
    if (sinks.pings.length === 0) fail('the dead man\'s switch received no ping: Watchdog did not reach it');
    const notWatchdog = sinks.pings.filter((p) => p.status !== 'firing' || p.alertnames.some((a) => a !== 'Watchdog'));
    if (notWatchdog.length > 0) fail(`the dead man's switch received something other than a firing Watchdog: ${JSON.stringify(notWatchdog[0])}`);
    const leaked = sinks.deliveries.filter((d) => JSON.stringify(d.body).includes('Watchdog'));
    if (leaked.length > 0) fail(`Watchdog reached ${leaked[0].kind} ${leaked[0].key}: it must reach only the dead man's switch`);
    const gaps = sinks.pings.slice(1).map((p, i) => p.at - sinks.pings[i].at);
    report.check(`the dead man's switch: ${sinks.pings.length} pings of the firing Watchdog${gaps.length ? ` (every ${(Math.min(...gaps) / 1000).toFixed(0)}-${(Math.max(...gaps) / 1000).toFixed(0)} s)` : ''}, and Watchdog reached no other receiver`);
    const exporterLog = readFileSync(h.exporter.logFile, 'utf8');
    const bursts = exporterLog.split('\n').filter((l) => l.includes('"simulated error burst started"'));
    if (bursts.length > 0) fail(`the exporter started ${bursts.length} spontaneous error burst(s) although it runs with --bursts-per-day=${s.exporter.burstsPerDay}: ${bursts[0]}`);
    const incidents = exporterLog.split('\n').filter((l) => l.includes('"simulated incident started"')).length;
    report.check(`the only errors beyond the baseline were the scenarios' ${incidents} incidents: the exporter logged no spontaneous burst (--bursts-per-day=${s.exporter.burstsPerDay})`);
  }, { skipBecause: ok.s1 ? undefined : 'the stack is not healthy' });

  // ---- Teardown of the environment; then the fleet, on its own processes.
  await h.stop();
  await multiClusterScenarios(report, { logDir: report.dir, log, settings: s });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const left = runningServices();
  if (left.length > 0) log(`still running after teardown: ${left.join(', ')}`);
  const dir = report.write({ deliveries: sinks.deliveries, urls: h.urls, settings: s });
  log(`${report.failed ? 'FAILED' : 'PASSED'} in ${(report.elapsed() / 1000).toFixed(1)}s; run log: ${dir}/run.log`);
  return report.failed || left.length > 0 ? 1 : 0;
}

