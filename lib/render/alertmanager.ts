import type { AlertmanagerConfig, AlertmanagerReceiverConfig, AlertmanagerRouteConfig, SlackAuth } from '../config/types';
import { toYaml } from './yaml';

/**
 * alertmanager.yml from typed input: receivers, the routing tree, inhibition.
 *
 * The config must be accepted as is by Alertmanager v0.35.0, the image we deploy (the tests
 * run its `amtool check-config`, `amtool config routes test` and the `alertmanager` binary,
 * built from the upstream module at that tag). Secrets never appear in the output: every
 * credential and every secret URL is read from a file of the mounted receivers Secret
 * through a `*_file` field. The fields used, and the release that introduced each (checked
 * in the upstream source at v0.35.0, `notify/<integration>/config.go` and `config/config.go`):
 *
 * - Slack `api_url_file` (incoming webhooks): v0.22.0. Slack `app_token_file` (a Slack app's
 *   bot token, sent as `Authorization: Bearer` to `app_url`, by default
 *   `https://slack.com/api/chat.postMessage`, which honours `channel`): v0.30.0.
 * - PagerDuty `routing_key_file`: v0.25.0.
 * - Email `auth_password_file`: v0.25.0.
 * - Webhook `url_file`: v0.26.0 (the URL of a dead man's switch or an event endpoint often
 *   carries its credential in the path, so it is a secret).
 * - `http_config.authorization.credentials_file` (prometheus/common HTTP client).
 *
 * Alertmanager trims surrounding whitespace of every one of these files (v0.35.0 reads them
 * with `strings.TrimSpace`); amtool check-config does not open them.
 *
 * Every credential lives under a key named after its receiver (`<receiver>.url`,
 * `<receiver>.routing-key`, `<receiver>.token`, `<receiver>.password`), except the Slack app
 * token, which every Slack receiver shares (`slack-app-token`). `alertmanagerSecretKeys`
 * lists exactly the keys a config reads; the component mounts exactly those.
 *
 * The routing tree, in order (the first match wins unless a route continues):
 *
 * 1. `alertname="Watchdog"` -> `deadmans-switch` (or `discard` without one), and nowhere else.
 * 2. `alertname="InfoInhibitor"` -> `discard`: it only exists to mute info alerts.
 * 3. Copies (`continue: true`): `email-team`, `webhook`. They see every alert they select,
 *    whoever owns it, so an archive or a team mailbox is complete.
 * 4. The user's routes, in order: a team that owns an alert takes it (`continue: true` to
 *    also let the built-in table see it).
 * 5. The built-in severity table: `pagerduty-critical` (continue) and `slack-critical`,
 *    warnings by category, info, and an explicit catch-all to `default`.
 *
 * Routes use `matchers:` (v0.22+), never the deprecated `match`/`match_re`; values are always
 * double-quoted with `\\` and `\"` as the only escapes, which both the UTF-8 matcher parser
 * (the default since v0.27) and the classic one read the same way.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** The built-in receivers (rendered when the config asks for them). */
export const BUILT_IN_RECEIVERS = [
  'pagerduty-critical',
  'slack-critical',
  'slack-warnings',
  'slack-infrastructure',
  'slack-application',
  'email-team',
  'webhook',
  'default',
  'deadmans-switch',
  'discard',
] as const;
export type BuiltInReceiverName = (typeof BUILT_IN_RECEIVERS)[number];

/** The built-in Slack receivers; `default` is Slack too. */
export const SLACK_RECEIVER_NAMES = ['slack-critical', 'slack-warnings', 'slack-infrastructure', 'slack-application', 'default'] as const;
export type SlackReceiverName = (typeof SLACK_RECEIVER_NAMES)[number];

/** The key of the Slack app bot token every Slack receiver shares (`slackAuth: 'app-token'`). */
export const SLACK_APP_TOKEN_KEY = 'slack-app-token';

/** What a receiver reads from the Secret: the key is `<receiver>.<purpose>`. */
export type SecretPurpose = 'url' | 'routing-key' | 'token' | 'password';

/** The Secret key of one credential of a receiver. */
export function receiverSecretKey(receiver: string, purpose: SecretPurpose): string {
  return `${receiver}.${purpose}`;
}

export interface SlackChannels {
  /** Channel of `slack-critical` (e.g. `#alerts-critical`). */
  readonly critical: string;
  /** Channel of `slack-warnings`: warnings with no (or an unknown) `category`. */
  readonly warnings: string;
  /** Channel of `slack-infrastructure`. */
  readonly infrastructure: string;
  /** Channel of `slack-application`. */
  readonly application: string;
  /**
   * Channel of the `default` receiver: `severity=info` alerts and alerts with no known
   * severity (a rule missing its labels should still be seen by someone).
   * @default the `warnings` channel
   */
  readonly default?: string;
}

export interface EmailInput {
  /** Recipient(s), comma-separated. */
  readonly to: string;
  readonly from: string;
  /** SMTP server as `host:port`. */
  readonly smarthost: string;
  /** SMTP user; when set, the password is read from Secret key `email-team.password`. @default no SMTP authentication */
  readonly authUsername?: string;
  /** @default true (Alertmanager's default; Go refuses unencrypted remote SMTP anyway) */
  readonly requireTls?: boolean;
  /** Severities that are also mailed to the team (a copy; routing to Slack/PagerDuty is unchanged). @default ['critical'] */
  readonly severities?: readonly AlertSeverity[];
}

export interface WebhookInput {
  /** Send `Authorization: Bearer <token>` from Secret key `webhook.token`. @default false */
  readonly bearerToken?: boolean;
  /** Severities copied to the webhook. @default all alerts, including alerts with no severity */
  readonly severities?: readonly AlertSeverity[];
}

export interface DeadMansSwitchInput {
  /** How often the switch is pinged while `Watchdog` fires. @default '1m' */
  readonly interval?: string;
}

export interface RouteTiming {
  /** Labels that group alerts into one notification; `['...']` disables grouping. */
  readonly groupBy?: readonly string[];
  /** Alertmanager duration, e.g. `30s`. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
}

export interface ResolvedRouteTiming {
  readonly groupBy: readonly string[];
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
}

export interface RoutingInput {
  /** The root route (the `default` receiver, and the copies to email/webhook). */
  readonly default?: RouteTiming;
  readonly critical?: RouteTiming;
  readonly warning?: RouteTiming;
  readonly info?: RouteTiming;
}

/**
 * The renderer's input. Fields shared with the stack config (`alertmanager.*` of
 * StackConfig) have the same names and shapes, so a problem's path is the config's path.
 */
export interface AlertmanagerConfigInput {
  /**
   * Whether critical alerts page through PagerDuty (receiver `pagerduty-critical`, key
   * `pagerduty-critical.routing-key`). Staging: false: critical alerts reach
   * `slack-critical` only, and no PagerDuty receiver is rendered at all.
   */
  readonly paging: boolean;
  /** Absolute path where the receivers Secret is mounted, e.g. `/etc/alertmanager/secrets`. */
  readonly secretsDir: string;
  readonly slackChannels: SlackChannels;
  /** @default 'incoming-webhook' (see AlertmanagerConfig.slackAuth) */
  readonly slackAuth?: SlackAuth;
  /** Renders the `email-team` receiver. @default no email */
  readonly email?: EmailInput;
  /** Renders the `webhook` receiver. @default no webhook */
  readonly webhook?: WebhookInput;
  /** Renders the `deadmans-switch` receiver for `Watchdog`. @default Watchdog goes to `discard` */
  readonly deadMansSwitch?: DeadMansSwitchInput;
  /**
   * With `deadMansSwitch`: one switch per cluster (a fleet's central Alertmanager). Each
   * cluster's `Watchdog` goes to its own receiver `deadmans-switch-<cluster>`, which pings the
   * URL in Secret key `deadmans-switch-<cluster>.url`; a `Watchdog` of another cluster goes
   * nowhere. So a cluster whose alerts stop arriving (its Prometheus down, its way to this
   * Alertmanager broken) stops its own heartbeat, which the others' would otherwise hide.
   * @default one switch for every `Watchdog`
   */
  readonly switchPerCluster?: readonly string[];
  /** The user's receivers. @default none */
  readonly receivers?: readonly AlertmanagerReceiverConfig[];
  /** The user's routes, before the built-in table. @default none */
  readonly routes?: readonly AlertmanagerRouteConfig[];
  /**
   * Alertmanager's public URL (also its `--web.external-url`): Slack titles link to its
   * alert list and PagerDuty incidents to it. @default Alertmanager's own (from the flag)
   */
  readonly externalUrl?: string;
  /** Grouping and timing per severity; each field falls back to DEFAULT_ROUTE_TIMINGS. */
  readonly routing?: RoutingInput;
  /**
   * Labels that must be equal for a critical alert to silence a warning (and a warning an
   * info) of the same problem. @default ['alertname', 'cluster', 'namespace', 'service']
   */
  readonly inhibitEqual?: readonly string[];
  /** `global.resolve_timeout`. @default '5m' */
  readonly resolveTimeout?: string;
}

/** The fields of the stack config's `alertmanager` section the renderer reads. */
export const ROUTING_CONFIG_FIELDS = ['paging', 'slackChannels', 'slackAuth', 'email', 'webhook', 'deadMansSwitch', 'receivers', 'routes', 'externalUrl'] as const;

/** The renderer's input for a stack config's `alertmanager` section (and, in a fleet, the clusters whose `Watchdog` it receives). */
export function alertmanagerInput(cfg: AlertmanagerConfig, secretsDir: string, fleet: { readonly clusters?: readonly string[] } = {}): AlertmanagerConfigInput {
  const input: Record<string, unknown> = { secretsDir };
  for (const field of ROUTING_CONFIG_FIELDS) if (cfg[field] !== undefined) input[field] = cfg[field];
  if (fleet.clusters && cfg.deadMansSwitch !== undefined) input.switchPerCluster = [...fleet.clusters];
  return input as unknown as AlertmanagerConfigInput;
}

/** The receiver of a cluster's dead man's switch. */
export function clusterSwitchReceiver(cluster: string): string {
  return `deadmans-switch-${cluster}`;
}

/**
 * Pages are grouped tight and repeated hourly while firing; warnings every 4h; info daily.
 * repeat_interval stays under Alertmanager's default 120h notification-log retention.
 *
 * group_wait is deliberately not a multiple of the 30s (or 15s, 10s) evaluation interval, and
 * group_interval then keeps the offset: a group's flushes fall seconds away from the rule
 * evaluations that add or resolve its alerts. When they coincide, a change can reach the
 * Alertmanager replicas between their flushes (milliseconds apart); one flushes the older
 * state, finds its peer's notification-log entry different after peer_timeout and sends a
 * notification that repeats an earlier one. The e2e suite reproduced this duplicate with
 * group_wait equal to the evaluation interval (e2e/harness.ts).
 *
 * Every group is per `cluster` (the external label every Prometheus adds): an Alertmanager
 * that receives the alerts of several clusters (a fleet's) never merges two clusters' alerts
 * into one notification, and each notification names its cluster.
 */
export const DEFAULT_ROUTE_TIMINGS: Readonly<Record<'default' | AlertSeverity, ResolvedRouteTiming>> = {
  default: { groupBy: ['alertname', 'cluster', 'namespace', 'service'], groupWait: '25s', groupInterval: '5m', repeatInterval: '4h' },
  critical: { groupBy: ['alertname', 'cluster', 'namespace', 'service'], groupWait: '10s', groupInterval: '5m', repeatInterval: '1h' },
  warning: { groupBy: ['alertname', 'cluster', 'namespace', 'service'], groupWait: '25s', groupInterval: '5m', repeatInterval: '4h' },
  info: { groupBy: ['alertname', 'cluster', 'namespace'], groupWait: '55s', groupInterval: '15m', repeatInterval: '24h' },
};

/** Labels that must be equal for an alert to inhibit another: the same problem, in the same cluster. */
export const DEFAULT_INHIBIT_EQUAL: readonly string[] = ['alertname', 'cluster', 'namespace', 'service'];

/** How often the dead man's switch is pinged by default. */
export const DEFAULT_DEADMANS_SWITCH_INTERVAL = '1m';

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];
const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/**
 * PagerDuty's incident severity from the alert's `severity` label (PagerDuty accepts only
 * critical, error, warning, info; anything else would be refused with a 400).
 */
export const PAGERDUTY_SEVERITY_FROM_LABEL = '{{ if eq .CommonLabels.severity "critical" "warning" "info" }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}';

// --- validation helpers ---------------------------------------------------------------

/** prometheus/common model.ParseDuration: units in this order, each at most once. */
const AM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 24 * 3600e3, 7 * 24 * 3600e3, 24 * 3600e3, 3600e3, 60e3, 1e3, 1];
const UNIT_NAMES = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SLACK_CHANNEL = /^[#@]?[A-Za-z0-9._-]{1,80}$/;
const EMAIL = /^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** A matcher as users write it: name, operator, double-quoted value (escapes `\\` and `\"` only). */
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\\x00-\x1f]|\\[\\"])*)"\s*$/;

/** One problem: the field path (e.g. `alertmanager.routes[0].matchers[1]`) and what to do. */
export interface AlertmanagerInputProblem {
  readonly path: string;
  readonly message: string;
}

class Problems {
  readonly list: AlertmanagerInputProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) {
      throw new Error(`Invalid Alertmanager config input:\n  - ${this.list.map((p) => `${p.path}: ${p.message}`).join('\n  - ')}`);
    }
  }
}

/** Milliseconds of an Alertmanager duration, or undefined when malformed. */
export function parseAlertmanagerDuration(value: string): number | undefined {
  if (value === '0') return 0;
  const m = AM_DURATION.exec(value);
  if (!m || value === '') return undefined;
  return m.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * UNIT_MS[i] : 0), 0);
}

/** An Alertmanager duration string for a whole number of milliseconds (`0s` for 0). */
export function formatAlertmanagerDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`${ms} is not a whole, non-negative number of milliseconds`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  UNIT_MS.forEach((unit, i) => {
    const n = Math.floor(rest / unit);
    if (n > 0) {
      out += `${n}${UNIT_NAMES[i]}`;
      rest -= n * unit;
    }
  });
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkKeys(p: Problems, path: string, obj: unknown, allowed: readonly string[]): boolean {
  if (!isObject(obj)) {
    p.add(path, `must be an object with fields ${allowed.join(', ')}`);
    return false;
  }
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) p.add(`${path}.${key}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
  }
  return true;
}

function checkDuration(p: Problems, path: string, value: unknown, opts: { positive: boolean }): number | undefined {
  if (typeof value !== 'string') {
    p.add(path, `must be an Alertmanager duration string such as "30s", "5m" or "4h"`);
    return undefined;
  }
  const ms = parseAlertmanagerDuration(value);
  if (ms === undefined) {
    p.add(path, `"${value}" is not an Alertmanager duration; use digits and units in the order y, w, d, h, m, s, ms, e.g. "30s", "1h30m"`);
    return undefined;
  }
  if (opts.positive && ms === 0) p.add(path, `must be greater than zero (Alertmanager refuses 0), e.g. "5m"`);
  return ms;
}

function checkBoolean(p: Problems, path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') p.add(path, 'must be true or false');
}

function checkHttpUrl(p: Problems, path: string, value: unknown): void {
  if (typeof value !== 'string') {
    p.add(path, 'must be an absolute http(s) URL string');
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    p.add(path, `"${value}" is not an absolute URL; use e.g. "https://alertmanager.example.com"`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') p.add(path, `"${value}" must use http or https`);
  if (url.username || url.password) p.add(path, 'must not contain user info (it would be written into dist/)');
  if (url.search) p.add(path, 'must not contain a query string (it would be written into dist/)');
}

function checkSeverities(p: Problems, path: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) {
    p.add(path, `must be a non-empty list of severities (${SEVERITIES.join(', ')})`);
    return;
  }
  value.forEach((s, i) => {
    if (!SEVERITIES.includes(s as AlertSeverity)) p.add(`${path}[${i}]`, `unknown severity "${String(s)}"; use one of ${SEVERITIES.join(', ')}`);
  });
  if (new Set(value).size !== value.length) p.add(path, 'lists a severity twice; list each once');
}

function checkLabelNames(p: Problems, path: string, value: unknown, allowEllipsis: boolean): void {
  if (!Array.isArray(value) || value.length === 0) {
    p.add(path, 'must be a non-empty list of label names');
    return;
  }
  if (allowEllipsis && value.includes('...')) {
    if (value.length !== 1) p.add(path, `'...' (group by all labels) must be the only entry`);
    return;
  }
  value.forEach((l, i) => {
    if (typeof l !== 'string' || !LABEL_NAME.test(l)) p.add(`${path}[${i}]`, `"${String(l)}" is not a valid label name; use letters, digits and '_'`);
  });
  if (new Set(value).size !== value.length) p.add(path, 'lists a label twice; list each once');
}

function checkSlackChannel(p: Problems, path: string, value: unknown, example: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    p.add(path, `is empty; set the Slack channel, e.g. "${example}"`);
  } else if (!SLACK_CHANNEL.test(value)) {
    p.add(path, `"${value}" is not a Slack channel; use "#channel-name", "@user" or a channel ID (letters, digits, '-', '_', '.')`);
  }
}

/** A parsed matcher. */
export interface ParsedMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  /** The value, unescaped. */
  readonly value: string;
}

/**
 * Parses a matcher (`team="payments"`, `severity=~"critical|warning"`), or returns what is
 * wrong with it. Regular expressions must compile and use only what Go's RE2 also has (no
 * lookaround, no backreferences).
 */
export function parseMatcher(text: unknown): ParsedMatcher | string {
  if (typeof text !== 'string') return 'must be a string such as team="payments"';
  const m = MATCHER.exec(text);
  if (!m) {
    return `${JSON.stringify(text)} is not a matcher; use label="value", label!="value", label=~"regex" or label!~"regex" with a label name of letters, digits and '_' and the value in double quotes (escape only \\ and " as \\\\ and \\"), e.g. team="payments"`;
  }
  const [, name, op, raw] = m;
  const value = raw.replace(/\\([\\"])/g, '$1');
  if (op === '=~' || op === '!~') {
    if (/\(\?<?[=!]|\\[1-9]|\\k</.test(value)) return `${JSON.stringify(text)}: lookaround and backreferences are not supported by Alertmanager's regular expressions (Go RE2)`;
    try {
      new RegExp(`^(?:${value})$`, 'u');
    } catch (err) {
      return `${JSON.stringify(text)}: the regular expression does not compile (${(err as Error).message})`;
    }
  }
  return { name, op: op as ParsedMatcher['op'], value };
}

/** A matcher as rendered: no spaces, the value double-quoted with `\\` and `\"` escaped. */
export function formatMatcher(m: ParsedMatcher): string {
  return `${m.name}${m.op}"${m.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// --- resolved model -------------------------------------------------------------------

/** What a receiver sends, independent of the YAML. */
type Integration =
  | { readonly kind: 'slack'; readonly channel: string }
  | { readonly kind: 'pagerduty'; readonly severity: string }
  | { readonly kind: 'webhook'; readonly bearerToken: boolean; readonly sendResolved: boolean; readonly urlDescription: string }
  | { readonly kind: 'email'; readonly email: EmailInput & { readonly severities: readonly AlertSeverity[] } }
  | { readonly kind: 'none' };

interface ReceiverModel {
  readonly name: string;
  readonly integration: Integration;
}

interface Resolved {
  readonly paging: boolean;
  readonly secretsDir: string;
  readonly slackAuth: SlackAuth;
  readonly receivers: readonly ReceiverModel[];
  readonly email?: EmailInput & { readonly severities: readonly AlertSeverity[] };
  readonly webhook?: WebhookInput;
  readonly deadMansSwitch?: { readonly groupInterval: string; readonly repeatInterval: string; readonly clusters?: readonly string[] };
  readonly userRoutes: readonly AlertmanagerRouteConfig[];
  readonly externalUrl?: string;
  readonly timings: Record<'default' | AlertSeverity, ResolvedRouteTiming>;
  readonly inhibitEqual: readonly string[];
  readonly resolveTimeout: string;
}

const INPUT_FIELDS = ['secretsDir', ...ROUTING_CONFIG_FIELDS, 'switchPerCluster', 'routing', 'inhibitEqual', 'resolveTimeout'];
const TIMING_FIELDS = ['groupBy', 'groupWait', 'groupInterval', 'repeatInterval'];
const ROUTE_FIELDS = ['receiver', 'matchers', 'continue', ...TIMING_FIELDS, 'routes'];
const RECEIVER_FIELDS = ['name', 'slack', 'pagerduty', 'webhook'];

/** Checks grouping and timing fields; returns group and repeat interval when valid. */
function checkTimings(p: Problems, path: string, t: RouteTiming, required: boolean): void {
  if (required || t.groupBy !== undefined) checkLabelNames(p, `${path}.groupBy`, t.groupBy, true);
  if (required || t.groupWait !== undefined) checkDuration(p, `${path}.groupWait`, t.groupWait, { positive: false });
  const gi = required || t.groupInterval !== undefined ? checkDuration(p, `${path}.groupInterval`, t.groupInterval, { positive: true }) : undefined;
  const ri = required || t.repeatInterval !== undefined ? checkDuration(p, `${path}.repeatInterval`, t.repeatInterval, { positive: true }) : undefined;
  if (gi !== undefined && ri !== undefined && ri < gi) {
    p.add(`${path}.repeatInterval`, `"${t.repeatInterval}" is shorter than groupInterval "${t.groupInterval}" (notifications are only sent on group_interval ticks); make it at least the groupInterval`);
  }
  if (ri !== undefined && ri > 120 * 3600e3) {
    p.add(`${path}.repeatInterval`, `"${t.repeatInterval}" exceeds Alertmanager's 120h notification-log retention, so the repeat would never be suppressed reliably; use at most "120h"`);
  }
}

function checkUserReceivers(p: Problems, receivers: unknown): AlertmanagerReceiverConfig[] {
  if (receivers === undefined) return [];
  if (!Array.isArray(receivers)) {
    p.add('alertmanager.receivers', 'must be a list of receivers, e.g. [{ name: "payments-slack", slack: { channel: "#payments-alerts" } }]');
    return [];
  }
  const seen = new Set<string>();
  const out: AlertmanagerReceiverConfig[] = [];
  receivers.forEach((r: unknown, i) => {
    const path = `alertmanager.receivers[${i}]`;
    if (!checkKeys(p, path, r, RECEIVER_FIELDS)) return;
    const rec = r as unknown as AlertmanagerReceiverConfig;
    if (typeof rec.name !== 'string' || !RECEIVER_NAME.test(rec.name) || rec.name.length > 63) {
      p.add(`${path}.name`, `${JSON.stringify(rec.name)} is not a receiver name; use at most 63 lower-case letters, digits and '-' (it names the Secret keys), e.g. "payments-slack"`);
    } else if ((BUILT_IN_RECEIVERS as readonly string[]).includes(rec.name) || rec.name.startsWith('deadmans-switch-')) {
      p.add(`${path}.name`, `"${rec.name}" is a built-in receiver; choose another name (the built-in ones are ${BUILT_IN_RECEIVERS.join(', ')})`);
    } else if (seen.has(rec.name)) {
      p.add(`${path}.name`, `"${rec.name}" is used by two receivers; each name must be unique`);
    }
    seen.add(rec.name);
    const kinds = (['slack', 'pagerduty', 'webhook'] as const).filter((k) => rec[k] !== undefined);
    if (kinds.length !== 1) {
      p.add(path, `must have exactly one of slack, pagerduty, webhook (has ${kinds.length === 0 ? 'none' : kinds.join(' and ')}); use one receiver per integration and one route with continue: true per extra receiver`);
    }
    if (rec.slack !== undefined && checkKeys(p, `${path}.slack`, rec.slack, ['channel'])) checkSlackChannel(p, `${path}.slack.channel`, rec.slack.channel, '#team-alerts');
    if (rec.pagerduty !== undefined && checkKeys(p, `${path}.pagerduty`, rec.pagerduty, ['severity'])) {
      const sev = rec.pagerduty.severity;
      if (sev !== undefined && !(PAGERDUTY_SEVERITIES as readonly string[]).includes(sev)) {
        p.add(`${path}.pagerduty.severity`, `${JSON.stringify(sev)} is not a PagerDuty severity; use one of ${PAGERDUTY_SEVERITIES.join(', ')}, or remove it to use the alert's severity label`);
      }
    }
    if (rec.webhook !== undefined && checkKeys(p, `${path}.webhook`, rec.webhook, ['bearerToken'])) checkBoolean(p, `${path}.webhook.bearerToken`, rec.webhook.bearerToken);
    out.push(rec);
  });
  return out;
}

function checkUserRoutes(p: Problems, routes: unknown, path: string, receivers: ReadonlySet<string>, explainMissing: (name: string) => string | undefined, used: Set<string>): AlertmanagerRouteConfig[] {
  if (routes === undefined) return [];
  if (!Array.isArray(routes)) {
    p.add(path, 'must be a list of routes, e.g. [{ receiver: "payments-slack", matchers: [\'team="payments"\'] }]');
    return [];
  }
  routes.forEach((r: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!checkKeys(p, at, r, ROUTE_FIELDS)) return;
    const route = r as unknown as AlertmanagerRouteConfig;
    if (typeof route.receiver !== 'string' || !receivers.has(route.receiver)) {
      const why = typeof route.receiver === 'string' ? explainMissing(route.receiver) : undefined;
      p.add(`${at}.receiver`, why ?? `${JSON.stringify(route.receiver)} is not a receiver; use one of alertmanager.receivers or a built-in receiver of this environment (${[...receivers].join(', ')})`);
    } else {
      used.add(route.receiver);
    }
    if (!Array.isArray(route.matchers) || route.matchers.length === 0) {
      p.add(`${at}.matchers`, 'needs at least one matcher (a route without one would take every alert), e.g. [\'team="payments"\']');
    } else {
      route.matchers.forEach((m, j) => {
        const parsed = parseMatcher(m);
        if (typeof parsed === 'string') p.add(`${at}.matchers[${j}]`, parsed);
      });
    }
    checkBoolean(p, `${at}.continue`, route.continue);
    checkTimings(p, at, route, false);
    if (route.routes !== undefined) checkUserRoutes(p, route.routes, `${at}.routes`, receivers, explainMissing, used);
  });
  return routes as AlertmanagerRouteConfig[];
}

/** Every problem of the input (empty when it renders). Paths are the stack config's. */
export function alertmanagerInputProblems(input: AlertmanagerConfigInput): AlertmanagerInputProblem[] {
  const p = new Problems();
  resolveWith(p, input);
  return p.list;
}

function resolveInput(input: AlertmanagerConfigInput): Resolved {
  const p = new Problems();
  const r = resolveWith(p, input);
  p.throwIfAny();
  return r as Resolved;
}

function resolveWith(p: Problems, input: AlertmanagerConfigInput): Resolved | undefined {
  if (!checkKeys(p, 'alertmanager', input, INPUT_FIELDS)) return undefined;

  if (typeof input.paging !== 'boolean') p.add('alertmanager.paging', 'must be true (production: critical pages PagerDuty) or false (staging: nobody is paged)');

  let secretsDir = typeof input.secretsDir === 'string' ? input.secretsDir.replace(/\/+$/, '') : '';
  if (typeof input.secretsDir !== 'string' || !input.secretsDir.startsWith('/') || secretsDir === '' || input.secretsDir.split('/').includes('..') || /\s/.test(input.secretsDir)) {
    p.add('alertmanager.secretsDir', `"${String(input.secretsDir)}" must be an absolute path without '..' or spaces where the receivers Secret is mounted, e.g. "/etc/alertmanager/secrets"`);
    secretsDir = '/invalid';
  }

  // Slack
  const slackAuth = input.slackAuth ?? 'incoming-webhook';
  if (slackAuth !== 'incoming-webhook' && slackAuth !== 'app-token') {
    p.add('alertmanager.slackAuth', `${JSON.stringify(input.slackAuth)} is not allowed; use "incoming-webhook" (one webhook URL per Slack receiver) or "app-token" (one Slack app bot token for every channel)`);
  }
  const channelFields = ['critical', 'warnings', 'infrastructure', 'application', 'default'];
  const ch = (input.slackChannels ?? {}) as SlackChannels;
  if (checkKeys(p, 'alertmanager.slackChannels', input.slackChannels, channelFields)) {
    for (const field of channelFields) {
      const value = (ch as unknown as Record<string, unknown>)[field];
      if (field === 'default' && value === undefined) continue;
      checkSlackChannel(p, `alertmanager.slackChannels.${field}`, value, `#alerts-${field}`);
    }
  }
  const channelOf: Record<SlackReceiverName, string> = {
    'slack-critical': ch.critical,
    'slack-warnings': ch.warnings,
    'slack-infrastructure': ch.infrastructure,
    'slack-application': ch.application,
    default: ch.default ?? ch.warnings,
  };

  // Email
  let email: Resolved['email'];
  if (input.email !== undefined) {
    const e = input.email;
    if (checkKeys(p, 'alertmanager.email', e, ['to', 'from', 'smarthost', 'authUsername', 'requireTls', 'severities'])) {
      if (typeof e.smarthost !== 'string' || e.smarthost === '') {
        p.add('alertmanager.email.smarthost', 'is required when email is configured; set the SMTP server as "host:port", e.g. "smtp.example.com:587"');
      } else {
        const m = HOST_PORT.exec(e.smarthost);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) p.add('alertmanager.email.smarthost', `"${e.smarthost}" must be "host:port" with a port, e.g. "smtp.example.com:587"`);
      }
      if (typeof e.from !== 'string' || !EMAIL.test(e.from)) p.add('alertmanager.email.from', `"${String(e.from)}" is not an email address; set the sender, e.g. "alertmanager@example.com"`);
      if (typeof e.to !== 'string' || e.to.split(',').some((a) => !EMAIL.test(a.trim()))) {
        p.add('alertmanager.email.to', `"${String(e.to)}" must be one or more comma-separated email addresses, e.g. "sre@example.com"`);
      }
      if (e.authUsername !== undefined && (typeof e.authUsername !== 'string' || e.authUsername === '')) p.add('alertmanager.email.authUsername', 'is empty; remove it (no SMTP auth) or set the SMTP user');
      checkBoolean(p, 'alertmanager.email.requireTls', e.requireTls);
      if (e.severities !== undefined) checkSeverities(p, 'alertmanager.email.severities', e.severities);
      email = { ...e, severities: e.severities ?? ['critical'] };
    }
  }

  // Webhook
  let webhook: WebhookInput | undefined;
  if (input.webhook !== undefined) {
    const w = input.webhook;
    if (isObject(w) && 'url' in w) {
      p.add('alertmanager.webhook.url', 'is not a field any more: the URL is read from Secret key "webhook.url" (Alertmanager url_file), so it stays out of dist/; remove url and put the URL in the Secret');
    }
    if (checkKeys(p, 'alertmanager.webhook', isObject(w) ? Object.fromEntries(Object.entries(w).filter(([k]) => k !== 'url')) : w, ['bearerToken', 'severities'])) {
      checkBoolean(p, 'alertmanager.webhook.bearerToken', w.bearerToken);
      if (w.severities !== undefined) checkSeverities(p, 'alertmanager.webhook.severities', w.severities);
      webhook = w;
    }
  }

  // Dead man's switch
  let deadMansSwitch: Resolved['deadMansSwitch'];
  if (input.deadMansSwitch !== undefined && checkKeys(p, 'alertmanager.deadMansSwitch', input.deadMansSwitch, ['interval'])) {
    const interval = input.deadMansSwitch.interval ?? DEFAULT_DEADMANS_SWITCH_INTERVAL;
    const ms = checkDuration(p, 'alertmanager.deadMansSwitch.interval', interval, { positive: true });
    if (ms !== undefined && (ms < 2000 || ms > 3600e3 || ms % 1000 !== 0)) {
      p.add('alertmanager.deadMansSwitch.interval', `"${interval}" is not allowed; use whole seconds from "2s" to "1h" (e.g. "1m"), and let the switch expect a ping at that period`);
    } else if (ms !== undefined) {
      const t = deadMansSwitchTimings(ms);
      deadMansSwitch = { groupInterval: formatAlertmanagerDuration(t.groupIntervalMs), repeatInterval: formatAlertmanagerDuration(t.repeatIntervalMs) };
    }
  }
  if (input.switchPerCluster !== undefined) {
    const clusters = input.switchPerCluster;
    if (!Array.isArray(clusters) || clusters.length === 0 || clusters.some((c) => typeof c !== 'string' || !RECEIVER_NAME.test(c) || c.length > 40)) {
      p.add('alertmanager.switchPerCluster', 'must list the clusters, each a DNS label of at most 40 characters');
    } else if (deadMansSwitch) deadMansSwitch = { ...deadMansSwitch, clusters: [...clusters] };
  }

  // Built-in receivers, in a fixed order.
  const receivers: ReceiverModel[] = [{ name: 'default', integration: { kind: 'slack', channel: channelOf.default } }];
  if (input.paging === true) receivers.push({ name: 'pagerduty-critical', integration: { kind: 'pagerduty', severity: 'critical' } });
  for (const name of ['slack-critical', 'slack-warnings', 'slack-infrastructure', 'slack-application'] as const) receivers.push({ name, integration: { kind: 'slack', channel: channelOf[name] } });
  if (email) receivers.push({ name: 'email-team', integration: { kind: 'email', email } });
  if (webhook) receivers.push({ name: 'webhook', integration: { kind: 'webhook', bearerToken: webhook.bearerToken === true, sendResolved: true, urlDescription: 'URL alerts are POSTed to' } });
  if (deadMansSwitch?.clusters) {
    for (const c of deadMansSwitch.clusters) receivers.push({ name: clusterSwitchReceiver(c), integration: { kind: 'webhook', bearerToken: false, sendResolved: false, urlDescription: `dead-man-switch ping URL of cluster ${c}` } });
  } else if (deadMansSwitch) {
    receivers.push({ name: 'deadmans-switch', integration: { kind: 'webhook', bearerToken: false, sendResolved: false, urlDescription: 'dead-man-switch ping URL' } });
  }
  receivers.push({ name: 'discard', integration: { kind: 'none' } });

  // The user's receivers and routes.
  const userReceivers = checkUserReceivers(p, input.receivers);
  for (const rec of userReceivers) {
    if (typeof rec.name !== 'string') continue;
    if (rec.slack) receivers.push({ name: rec.name, integration: { kind: 'slack', channel: rec.slack.channel } });
    else if (rec.pagerduty) receivers.push({ name: rec.name, integration: { kind: 'pagerduty', severity: rec.pagerduty.severity ?? PAGERDUTY_SEVERITY_FROM_LABEL } });
    else if (rec.webhook) receivers.push({ name: rec.name, integration: { kind: 'webhook', bearerToken: rec.webhook.bearerToken === true, sendResolved: true, urlDescription: 'URL alerts are POSTed to' } });
  }
  const routable = new Set(receivers.map((r) => r.name).filter((n) => n !== 'deadmans-switch' && !n.startsWith('deadmans-switch-')));
  const explainMissing = (name: string): string | undefined => {
    if (name === 'deadmans-switch' || name.startsWith('deadmans-switch-')) return '"deadmans-switch" receives only Watchdog (a route of yours would make the switch see other alerts); choose another receiver';
    if (name === 'pagerduty-critical') return '"pagerduty-critical" is not rendered in this environment (paging is false); route to a receiver of your own, or set paging: true';
    if (name === 'email-team') return '"email-team" is not rendered (no alertmanager.email); configure email or choose another receiver';
    if (name === 'webhook') return '"webhook" is not rendered (no alertmanager.webhook); configure webhook or choose another receiver';
    return undefined;
  };
  const used = new Set<string>();
  const userRoutes = checkUserRoutes(p, input.routes, 'alertmanager.routes', routable, explainMissing, used);
  userReceivers.forEach((rec, i) => {
    if (typeof rec.name === 'string' && !used.has(rec.name) && RECEIVER_NAME.test(rec.name) && !(BUILT_IN_RECEIVERS as readonly string[]).includes(rec.name)) {
      p.add(`alertmanager.receivers[${i}]`, `receiver "${rec.name}" is used by no route in alertmanager.routes; add a route to it or remove it (its Secret key would be required for nothing)`);
    }
  });

  let externalUrl: string | undefined;
  if (input.externalUrl !== undefined) {
    checkHttpUrl(p, 'alertmanager.externalUrl', input.externalUrl);
    externalUrl = String(input.externalUrl).replace(/\/+$/, '');
  }

  // Timings
  const timings = {} as Record<'default' | AlertSeverity, ResolvedRouteTiming>;
  if (input.routing !== undefined) checkKeys(p, 'alertmanager.routing', input.routing, ['default', ...SEVERITIES]);
  for (const level of ['default', ...SEVERITIES] as const) {
    const given = input.routing?.[level];
    const path = `alertmanager.routing.${level}`;
    if (given !== undefined) checkKeys(p, path, given, TIMING_FIELDS);
    const t: ResolvedRouteTiming = { ...DEFAULT_ROUTE_TIMINGS[level], ...(given ?? {}) };
    checkTimings(p, path, t, true);
    timings[level] = t;
  }

  const inhibitEqual = input.inhibitEqual ?? [...DEFAULT_INHIBIT_EQUAL];
  checkLabelNames(p, 'alertmanager.inhibitEqual', inhibitEqual, false);
  const resolveTimeout = input.resolveTimeout ?? '5m';
  checkDuration(p, 'alertmanager.resolveTimeout', resolveTimeout, { positive: true });

  return {
    paging: input.paging,
    secretsDir,
    slackAuth,
    receivers,
    email,
    webhook,
    deadMansSwitch,
    userRoutes,
    externalUrl,
    timings,
    inhibitEqual,
    resolveTimeout,
  };
}

/**
 * The Watchdog route's group_interval and repeat_interval for a ping period: a sixth of the
 * period (at least 1s) and the rest of it (1m: 10s and 50s; 2s: 1s and 1s), so that the switch
 * is pinged once a period.
 *
 * A flush repeats a notification only when the last one was logged before `flush time -
 * repeat_interval` (v0.35.0 `notify/dedup_stage.go`), and the log time is the end of the
 * previous send, a little after the previous flush. With group_interval = repeat_interval =
 * period the flush one period later finds the last ping logged a few milliseconds too late
 * and skips: a ping every two periods. Flushing every sixth of the period with repeat_interval
 * at five sixths pings on the flush one period after the last (the send has a sixth of the
 * period, 10s of 1m, to finish), and keeps repeat_interval at least group_interval
 * (Alertmanager warns at every reload otherwise; periods are at least 2s).
 */
export function deadMansSwitchTimings(periodMs: number): { groupIntervalMs: number; repeatIntervalMs: number } {
  const groupIntervalMs = Math.max(1000, Math.floor(periodMs / 6));
  return { groupIntervalMs, repeatIntervalMs: periodMs - groupIntervalMs };
}

// --- rendering ------------------------------------------------------------------------

/**
 * The Slack message: the title names the cluster (every group is one cluster's, see
 * DEFAULT_ROUTE_TIMINGS), then one line per alert with its summary, cluster and namespace,
 * description and runbook link (a route of yours may group several clusters' alerts).
 */
const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ if .CommonLabels.cluster }} in {{ .CommonLabels.cluster }}{{ end }}';
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ if .Annotations.summary }}{{ .Annotations.summary }}{{ else }}{{ .Labels.alertname }}{{ end }}*' +
  '{{ if or .Labels.cluster .Labels.namespace }} (`{{ if .Labels.cluster }}{{ .Labels.cluster }}{{ if .Labels.namespace }}/{{ end }}{{ end }}{{ .Labels.namespace }}`){{ end }}\n' +
  '{{ if .Annotations.description }}{{ .Annotations.description }}\n{{ end }}' +
  '{{ if .Annotations.runbook_url }}<{{ .Annotations.runbook_url }}|Runbook>\n{{ end }}{{ end }}';

/** Exposed for tests: the Go templates used in Slack messages. */
export const SLACK_TEMPLATES = { title: SLACK_TITLE, text: SLACK_TEXT } as const;

function secretFile(r: Resolved, key: string): string {
  return `${r.secretsDir}/${key}`;
}

function renderReceiver(r: Resolved, rec: ReceiverModel): Record<string, unknown> {
  const i = rec.integration;
  switch (i.kind) {
    case 'slack': {
      const cfg: Record<string, unknown> =
        r.slackAuth === 'app-token' ? { app_token_file: secretFile(r, SLACK_APP_TOKEN_KEY) } : { api_url_file: secretFile(r, receiverSecretKey(rec.name, 'url')) };
      Object.assign(cfg, { channel: i.channel, send_resolved: true, title: SLACK_TITLE, text: SLACK_TEXT });
      if (r.externalUrl) cfg.title_link = `${r.externalUrl}/#/alerts?receiver={{ .Receiver | urlquery }}`;
      return { name: rec.name, slack_configs: [cfg] };
    }
    case 'pagerduty': {
      const pd: Record<string, unknown> = {
        routing_key_file: secretFile(r, receiverSecretKey(rec.name, 'routing-key')),
        send_resolved: true,
        severity: i.severity,
        details: {
          cluster: '{{ .CommonLabels.cluster }}',
          summary: '{{ .CommonAnnotations.summary }}',
          runbook_url: '{{ .CommonAnnotations.runbook_url }}',
        },
      };
      if (r.externalUrl) pd.client_url = r.externalUrl;
      return { name: rec.name, pagerduty_configs: [pd] };
    }
    case 'webhook': {
      const w: Record<string, unknown> = { url_file: secretFile(r, receiverSecretKey(rec.name, 'url')), send_resolved: i.sendResolved };
      if (i.bearerToken) w.http_config = { authorization: { type: 'Bearer', credentials_file: secretFile(r, receiverSecretKey(rec.name, 'token')) } };
      return { name: rec.name, webhook_configs: [w] };
    }
    case 'email': {
      const e: Record<string, unknown> = { to: i.email.to, from: i.email.from, smarthost: i.email.smarthost };
      if (i.email.authUsername !== undefined) {
        e.auth_username = i.email.authUsername;
        e.auth_password_file = secretFile(r, receiverSecretKey(rec.name, 'password'));
      }
      e.require_tls = i.email.requireTls ?? true;
      e.send_resolved = true;
      return { name: rec.name, email_configs: [e] };
    }
    case 'none':
      return { name: rec.name };
  }
}

function timingFields(t: ResolvedRouteTiming): Record<string, unknown> {
  return { group_by: [...t.groupBy], group_wait: t.groupWait, group_interval: t.groupInterval, repeat_interval: t.repeatInterval };
}

function severityMatcher(severities: readonly AlertSeverity[]): string {
  const ordered = SEVERITIES.filter((s) => severities.includes(s));
  return ordered.length === 1 ? `severity="${ordered[0]}"` : `severity=~"${ordered.join('|')}"`;
}

function renderUserRoute(route: AlertmanagerRouteConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { receiver: route.receiver, matchers: route.matchers.map((m) => formatMatcher(parseMatcher(m) as ParsedMatcher)) };
  if (route.continue === true) out.continue = true;
  if (route.groupBy !== undefined) out.group_by = [...route.groupBy];
  if (route.groupWait !== undefined) out.group_wait = route.groupWait;
  if (route.groupInterval !== undefined) out.group_interval = route.groupInterval;
  if (route.repeatInterval !== undefined) out.repeat_interval = route.repeatInterval;
  if (route.routes !== undefined) out.routes = route.routes.map(renderUserRoute);
  return out;
}

/** The typed input as the alertmanager.yml object (keys in a fixed order). */
export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): Record<string, unknown> {
  const r = resolveInput(input);

  const routes: Record<string, unknown>[] = [];
  // 1-2. Watchdog and InfoInhibitor, before anything else can see them.
  const dms = r.deadMansSwitch;
  if (dms?.clusters) {
    // One switch per cluster, then the Watchdog of any other cluster to nowhere.
    for (const c of dms.clusters) {
      routes.push({ receiver: clusterSwitchReceiver(c), matchers: ['alertname="Watchdog"', `cluster="${c}"`], group_by: ['alertname', 'cluster'], group_wait: '0s', group_interval: dms.groupInterval, repeat_interval: dms.repeatInterval });
    }
    routes.push({ receiver: 'discard', matchers: ['alertname="Watchdog"'] });
  } else {
    routes.push(
      dms
        ? { receiver: 'deadmans-switch', matchers: ['alertname="Watchdog"'], group_by: ['alertname'], group_wait: '0s', group_interval: dms.groupInterval, repeat_interval: dms.repeatInterval }
        : { receiver: 'discard', matchers: ['alertname="Watchdog"'] },
    );
  }
  routes.push({ receiver: 'discard', matchers: ['alertname="InfoInhibitor"'] });
  // 3. Copies.
  if (r.email) routes.push({ receiver: 'email-team', matchers: [severityMatcher(r.email.severities)], continue: true });
  if (r.webhook) {
    const route: Record<string, unknown> = { receiver: 'webhook' };
    if (r.webhook.severities) route.matchers = [severityMatcher(r.webhook.severities)];
    route.continue = true;
    routes.push(route);
  }
  // 4. The user's routes.
  routes.push(...r.userRoutes.map(renderUserRoute));
  // 5. The built-in table: the page, then exactly one terminal route per severity, then a catch-all.
  if (r.paging) {
    routes.push({ receiver: 'pagerduty-critical', matchers: ['severity="critical"'], continue: true, ...timingFields(r.timings.critical) });
  }
  routes.push(
    { receiver: 'slack-critical', matchers: ['severity="critical"'], ...timingFields(r.timings.critical) },
    { receiver: 'slack-infrastructure', matchers: ['severity="warning"', 'category="infrastructure"'], ...timingFields(r.timings.warning) },
    { receiver: 'slack-application', matchers: ['severity="warning"', 'category="application"'], ...timingFields(r.timings.warning) },
    { receiver: 'slack-warnings', matchers: ['severity="warning"'], ...timingFields(r.timings.warning) },
    { receiver: 'default', matchers: ['severity="info"'], ...timingFields(r.timings.info) },
    // Explicit catch-all: the root receiver only gets alerts that matched no child route, and
    // an alert without a known severity may have matched a copy route (webhook) above.
    { receiver: 'default', ...timingFields(r.timings.default) },
  );

  return {
    global: { resolve_timeout: r.resolveTimeout },
    route: { receiver: 'default', ...timingFields(r.timings.default), routes },
    inhibit_rules: [
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: [...r.inhibitEqual] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: [...r.inhibitEqual] },
      // InfoInhibitor fires in a namespace while an info alert fires there and no warning or
      // critical does: info alerts are only notified next to something that matters (in
      // that namespace of that cluster).
      { source_matchers: ['alertname="InfoInhibitor"'], target_matchers: ['severity="info"'], equal: ['cluster', 'namespace'] },
    ],
    receivers: r.receivers.map((rec) => renderReceiver(r, rec)),
  };
}

/** alertmanager.yml text (the value of the `alertmanager.yml` key). */
export function alertmanagerConfigYaml(input: AlertmanagerConfigInput): string {
  return toYaml(renderAlertmanagerConfig(input));
}

/** A key of a Secret the stack reads, and what the user puts in it. */
export interface SecretKeyRequirement {
  readonly key: string;
  /** What the value is (no single quote: it becomes a shell placeholder). */
  readonly description: string;
  /** The value is a file (a certificate or key, PEM): `--from-file` rather than `--from-literal`. @default false */
  readonly file?: boolean;
}

/** The keys of the receivers Secret the rendered config reads, in the order of the receivers. */
export function alertmanagerSecretKeys(input: AlertmanagerConfigInput): SecretKeyRequirement[] {
  const r = resolveInput(input);
  const out: SecretKeyRequirement[] = [];
  const slackChannels = r.receivers.flatMap((rec) => (rec.integration.kind === 'slack' ? [rec.integration.channel] : []));
  if (r.slackAuth === 'app-token' && slackChannels.length > 0) {
    const distinct = [...new Set(slackChannels)];
    out.push({ key: SLACK_APP_TOKEN_KEY, description: `Slack app bot token (xoxb-...) with scope chat:write, the app invited to ${distinct.join(', ')}` });
  }
  for (const rec of r.receivers) {
    const i = rec.integration;
    if (i.kind === 'slack' && r.slackAuth === 'incoming-webhook') out.push({ key: receiverSecretKey(rec.name, 'url'), description: `Slack incoming-webhook URL created for ${i.channel}` });
    if (i.kind === 'pagerduty') out.push({ key: receiverSecretKey(rec.name, 'routing-key'), description: `PagerDuty Events API v2 integration key of ${rec.name}` });
    if (i.kind === 'webhook') {
      out.push({ key: receiverSecretKey(rec.name, 'url'), description: `${i.urlDescription} (${rec.name})` });
      if (i.bearerToken) out.push({ key: receiverSecretKey(rec.name, 'token'), description: `bearer token of ${rec.name}` });
    }
    if (i.kind === 'email' && i.email.authUsername !== undefined) out.push({ key: receiverSecretKey(rec.name, 'password'), description: `SMTP password of ${i.email.authUsername}` });
  }
  return out;
}
