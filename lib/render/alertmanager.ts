import { toYaml } from './yaml';

/**
 * alertmanager.yml from typed input: receivers, the routing tree of issue 4, inhibition.
 *
 * The config must be accepted as is by Debian's amtool 0.25 (what the tests run) and by the
 * Alertmanager v0.28 image we deploy. Secrets never appear in the output: every credential is
 * read from a file of the mounted receivers Secret through a `*_file` field. The fields used,
 * and the release that introduced each (checked in the upstream source, PRs and changelog):
 *
 * - Slack `api_url_file`: v0.22.0 (prometheus/alertmanager#2534).
 * - PagerDuty `routing_key_file`: v0.25.0 (prometheus/alertmanager#3107).
 * - Email `auth_password_file`: v0.25.0 (prometheus/alertmanager#3038). Alertmanager sends the
 *   file's content verbatim (a trailing newline becomes part of the password,
 *   prometheus/alertmanager#3549), so create the Secret with `--from-literal`.
 * - Webhook `url_file` exists only since v0.26.0 (prometheus/alertmanager#3223): amtool 0.25
 *   rejects it ("field url_file not found"). The webhook URL is therefore NOT secret here;
 *   authenticate with a bearer token read through `http_config.authorization.credentials_file`
 *   (prometheus/common HTTP client config, accepted by both versions). URLs carrying
 *   credentials (user info, query string) are refused.
 *
 * amtool check-config does not open the `*_file` paths (verified with amtool 0.25: the
 * config passes whether the files exist or not); Alertmanager reads them at notification time.
 *
 * Routes use `matchers:` (v0.22+), never the deprecated `match`/`match_re`; values are always
 * double-quoted, which both the classic parser (0.25) and the UTF-8 parser (0.27+) accept.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** The receivers this renderer can emit, named as issue 4 fixes them. */
export const RECEIVER_NAMES = [
  'pagerduty-critical',
  'slack-critical',
  'slack-warnings',
  'slack-infrastructure',
  'slack-application',
  'email-team',
  'webhook',
  'default',
] as const;
export type ReceiverName = (typeof RECEIVER_NAMES)[number];

/** The Slack receivers; `default` is Slack too. */
export const SLACK_RECEIVER_NAMES = ['slack-critical', 'slack-warnings', 'slack-infrastructure', 'slack-application', 'default'] as const;
export type SlackReceiverName = (typeof SLACK_RECEIVER_NAMES)[number];

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

export interface SlackInput {
  readonly channels: SlackChannels;
  /**
   * Key in the receivers Secret holding the Slack incoming-webhook URL.
   * @default 'slack-webhook-url'
   */
  readonly apiUrlKey?: string;
  /**
   * Per-receiver Secret keys, overriding `apiUrlKey`. Needed when each channel has its own
   * incoming webhook: webhooks of current Slack apps post to the channel they were created
   * for and ignore the `channel` field.
   * @default every Slack receiver uses `apiUrlKey`
   */
  readonly apiUrlKeys?: Partial<Record<SlackReceiverName, string>>;
}

export interface PagerDutyInput {
  /** Key in the receivers Secret holding the Events API v2 routing (integration) key. @default 'pagerduty-routing-key' */
  readonly routingKeyKey?: string;
}

export interface EmailInput {
  /** Recipient(s), comma-separated. */
  readonly to: string;
  readonly from: string;
  /** SMTP server as `host:port`. */
  readonly smarthost: string;
  /** SMTP user; when set, the password is read from `authPasswordKey`. @default no SMTP authentication */
  readonly authUsername?: string;
  /** Key in the receivers Secret holding the SMTP password. @default 'smtp-password' */
  readonly authPasswordKey?: string;
  /** @default true (Alertmanager's default; Go refuses unencrypted remote SMTP anyway) */
  readonly requireTls?: boolean;
  /** Severities that are also mailed to the team (a copy; routing to Slack/PagerDuty is unchanged). @default ['critical'] */
  readonly severities?: readonly AlertSeverity[];
}

export interface WebhookInput {
  /**
   * Where alerts are POSTed. Not secret (it is written into the config): it must not
   * carry user info or a query string; put the credential in `credentialsKey`.
   */
  readonly url: string;
  /** Key in the receivers Secret holding a bearer token sent as `Authorization: Bearer <token>`. @default no authorization header */
  readonly credentialsKey?: string;
  /** Severities copied to the webhook. @default all alerts, including alerts with no severity */
  readonly severities?: readonly AlertSeverity[];
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

export interface AlertmanagerConfigInput {
  /**
   * Whether critical alerts page through PagerDuty. Production: true (then `pagerduty` is
   * required). Staging: false: critical alerts reach `slack-critical` only, and no
   * `pagerduty-critical` receiver is rendered at all.
   */
  readonly paging: boolean;
  /** Absolute path where the receivers Secret is mounted, e.g. `/etc/alertmanager/secrets`. */
  readonly secretsDir: string;
  readonly slack: SlackInput;
  /** Required when `paging`; refused otherwise. */
  readonly pagerduty?: PagerDutyInput;
  /** Renders the `email-team` receiver. @default no email */
  readonly email?: EmailInput;
  /** Renders the `webhook` receiver. @default no webhook */
  readonly webhook?: WebhookInput;
  /**
   * Alertmanager's public URL (also its `--web.external-url`): Slack titles link to its
   * alert list and PagerDuty incidents to it. @default Alertmanager's own (from the flag)
   */
  readonly externalUrl?: string;
  /** Grouping and timing per severity; each field falls back to DEFAULT_ROUTE_TIMINGS. */
  readonly routing?: RoutingInput;
  /**
   * Labels that must be equal for a critical alert to silence a warning (and a warning an
   * info) of the same problem. @default ['alertname', 'namespace', 'service']
   */
  readonly inhibitEqual?: readonly string[];
  /** `global.resolve_timeout`. @default '5m' */
  readonly resolveTimeout?: string;
}

export const DEFAULT_SECRET_KEYS = {
  slackApiUrl: 'slack-webhook-url',
  pagerdutyRoutingKey: 'pagerduty-routing-key',
  smtpPassword: 'smtp-password',
} as const;

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
 */
export const DEFAULT_ROUTE_TIMINGS: Readonly<Record<'default' | AlertSeverity, ResolvedRouteTiming>> = {
  default: { groupBy: ['alertname', 'namespace', 'service'], groupWait: '25s', groupInterval: '5m', repeatInterval: '4h' },
  critical: { groupBy: ['alertname', 'namespace', 'service'], groupWait: '10s', groupInterval: '5m', repeatInterval: '1h' },
  warning: { groupBy: ['alertname', 'namespace', 'service'], groupWait: '25s', groupInterval: '5m', repeatInterval: '4h' },
  info: { groupBy: ['alertname', 'namespace'], groupWait: '55s', groupInterval: '15m', repeatInterval: '24h' },
};

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

// --- validation helpers ---------------------------------------------------------------

/** prometheus/common model.ParseDuration: units in this order, each at most once. */
const AM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 24 * 3600e3, 7 * 24 * 3600e3, 24 * 3600e3, 3600e3, 60e3, 1e3, 1];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const SLACK_CHANNEL = /^[#@]?[A-Za-z0-9._-]{1,80}$/;
const EMAIL = /^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  throwIfAny(): void {
    if (this.list.length > 0) {
      throw new Error(`Invalid Alertmanager config input:\n  - ${this.list.join('\n  - ')}`);
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

function checkKeys(p: Problems, path: string, obj: unknown, allowed: readonly string[]): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    p.add(path, `must be an object with fields ${allowed.join(', ')}`);
    return;
  }
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) p.add(`${path}.${key}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
  }
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

function checkSecretKey(p: Problems, path: string, value: unknown): void {
  if (typeof value !== 'string' || !SECRET_KEY.test(value)) {
    p.add(path, `"${String(value)}" is not a valid Secret key; use letters, digits, '-', '_' and '.' (e.g. "slack-webhook-url")`);
  }
}

function checkHttpUrl(p: Problems, path: string, value: unknown, opts: { noCredentials: boolean }): void {
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
  if (opts.noCredentials) {
    if (url.username || url.password) p.add(path, 'must not contain user info (it would be written into dist/); put a token in the Secret and set credentialsKey');
    if (url.search) p.add(path, 'must not contain a query string (tokens in URLs would be written into dist/); put a token in the Secret and set credentialsKey');
  }
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

// --- resolved model -------------------------------------------------------------------

interface Resolved {
  readonly paging: boolean;
  readonly secretsDir: string;
  readonly slackKeys: Record<SlackReceiverName, string>;
  readonly slackChannels: Record<SlackReceiverName, string>;
  readonly pagerdutyKey?: string;
  readonly email?: EmailInput & { readonly passwordKey?: string; readonly severities: readonly AlertSeverity[] };
  readonly webhook?: WebhookInput;
  readonly externalUrl?: string;
  readonly timings: Record<'default' | AlertSeverity, ResolvedRouteTiming>;
  readonly inhibitEqual: readonly string[];
  readonly resolveTimeout: string;
}

const INPUT_FIELDS = ['paging', 'secretsDir', 'slack', 'pagerduty', 'email', 'webhook', 'externalUrl', 'routing', 'inhibitEqual', 'resolveTimeout'];
const TIMING_FIELDS = ['groupBy', 'groupWait', 'groupInterval', 'repeatInterval'];

function resolveInput(input: AlertmanagerConfigInput): Resolved {
  const p = new Problems();
  checkKeys(p, 'alertmanager', input, INPUT_FIELDS);
  p.throwIfAny();

  if (typeof input.paging !== 'boolean') p.add('alertmanager.paging', 'must be true (production: critical pages PagerDuty) or false (staging: nobody is paged)');

  let secretsDir = typeof input.secretsDir === 'string' ? input.secretsDir.replace(/\/+$/, '') : '';
  if (typeof input.secretsDir !== 'string' || !input.secretsDir.startsWith('/') || secretsDir === '' || input.secretsDir.split('/').includes('..') || /\s/.test(input.secretsDir)) {
    p.add('alertmanager.secretsDir', `"${String(input.secretsDir)}" must be an absolute path without '..' or spaces where the receivers Secret is mounted, e.g. "/etc/alertmanager/secrets"`);
    secretsDir = '/invalid';
  }

  // Slack
  const slack = input.slack;
  const slackKeys = {} as Record<SlackReceiverName, string>;
  const slackChannels = {} as Record<SlackReceiverName, string>;
  checkKeys(p, 'alertmanager.slack', slack, ['channels', 'apiUrlKey', 'apiUrlKeys']);
  if (slack && typeof slack === 'object') {
    const baseKey = slack.apiUrlKey ?? DEFAULT_SECRET_KEYS.slackApiUrl;
    if (slack.apiUrlKey !== undefined) checkSecretKey(p, 'alertmanager.slack.apiUrlKey', slack.apiUrlKey);
    if (slack.apiUrlKeys !== undefined) {
      checkKeys(p, 'alertmanager.slack.apiUrlKeys', slack.apiUrlKeys, SLACK_RECEIVER_NAMES);
      for (const [receiver, key] of Object.entries(slack.apiUrlKeys ?? {})) {
        if ((SLACK_RECEIVER_NAMES as readonly string[]).includes(receiver)) checkSecretKey(p, `alertmanager.slack.apiUrlKeys.${receiver}`, key);
      }
    }
    const channelFields = ['critical', 'warnings', 'infrastructure', 'application', 'default'];
    checkKeys(p, 'alertmanager.slack.channels', slack.channels, channelFields);
    const ch = (slack.channels ?? {}) as SlackChannels;
    for (const field of channelFields) {
      const value = (ch as unknown as Record<string, unknown>)[field];
      if (field === 'default' && value === undefined) continue;
      if (typeof value !== 'string' || value.trim() === '') {
        p.add(`alertmanager.slack.channels.${field}`, `is empty; set the Slack channel, e.g. "#alerts-${field}"`);
      } else if (!SLACK_CHANNEL.test(value)) {
        p.add(`alertmanager.slack.channels.${field}`, `"${value}" is not a Slack channel; use "#channel-name", "@user" or a channel ID (letters, digits, '-', '_', '.')`);
      }
    }
    const channelOf: Record<SlackReceiverName, string | undefined> = {
      'slack-critical': ch.critical,
      'slack-warnings': ch.warnings,
      'slack-infrastructure': ch.infrastructure,
      'slack-application': ch.application,
      default: ch.default ?? ch.warnings,
    };
    for (const r of SLACK_RECEIVER_NAMES) {
      slackKeys[r] = slack.apiUrlKeys?.[r] ?? baseKey;
      slackChannels[r] = channelOf[r] ?? '';
    }
  }

  // PagerDuty
  let pagerdutyKey: string | undefined;
  if (input.paging === true) {
    if (input.pagerduty === undefined) {
      p.add('alertmanager.pagerduty', `is required when paging is true (critical alerts page through PagerDuty); set pagerduty: {} to read the routing key from Secret key "${DEFAULT_SECRET_KEYS.pagerdutyRoutingKey}"`);
    } else {
      checkKeys(p, 'alertmanager.pagerduty', input.pagerduty, ['routingKeyKey']);
      pagerdutyKey = input.pagerduty.routingKeyKey ?? DEFAULT_SECRET_KEYS.pagerdutyRoutingKey;
      checkSecretKey(p, 'alertmanager.pagerduty.routingKeyKey', pagerdutyKey);
    }
  } else if (input.pagerduty !== undefined) {
    p.add('alertmanager.pagerduty', 'is set but paging is false (nobody is paged for this environment); remove pagerduty, or set paging: true');
  }

  // Email
  let email: Resolved['email'];
  if (input.email !== undefined) {
    const e = input.email;
    checkKeys(p, 'alertmanager.email', e, ['to', 'from', 'smarthost', 'authUsername', 'authPasswordKey', 'requireTls', 'severities']);
    if (e && typeof e === 'object') {
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
      if (e.authPasswordKey !== undefined && e.authUsername === undefined) p.add('alertmanager.email.authPasswordKey', 'is set without authUsername; set authUsername too, or remove authPasswordKey');
      if (e.authPasswordKey !== undefined) checkSecretKey(p, 'alertmanager.email.authPasswordKey', e.authPasswordKey);
      if (e.requireTls !== undefined && typeof e.requireTls !== 'boolean') p.add('alertmanager.email.requireTls', 'must be true or false');
      if (e.severities !== undefined) checkSeverities(p, 'alertmanager.email.severities', e.severities);
      email = {
        ...e,
        passwordKey: e.authUsername !== undefined ? (e.authPasswordKey ?? DEFAULT_SECRET_KEYS.smtpPassword) : undefined,
        severities: e.severities ?? ['critical'],
      };
    }
  }

  // Webhook
  if (input.webhook !== undefined) {
    const w = input.webhook;
    checkKeys(p, 'alertmanager.webhook', w, ['url', 'credentialsKey', 'severities']);
    if (w && typeof w === 'object') {
      checkHttpUrl(p, 'alertmanager.webhook.url', w.url, { noCredentials: true });
      if (w.credentialsKey !== undefined) checkSecretKey(p, 'alertmanager.webhook.credentialsKey', w.credentialsKey);
      if (w.severities !== undefined) checkSeverities(p, 'alertmanager.webhook.severities', w.severities);
    }
  }

  let externalUrl: string | undefined;
  if (input.externalUrl !== undefined) {
    checkHttpUrl(p, 'alertmanager.externalUrl', input.externalUrl, { noCredentials: true });
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
    checkLabelNames(p, `${path}.groupBy`, t.groupBy, true);
    checkDuration(p, `${path}.groupWait`, t.groupWait, { positive: false });
    const gi = checkDuration(p, `${path}.groupInterval`, t.groupInterval, { positive: true });
    const ri = checkDuration(p, `${path}.repeatInterval`, t.repeatInterval, { positive: true });
    if (gi !== undefined && ri !== undefined && ri < gi) {
      p.add(`${path}.repeatInterval`, `"${t.repeatInterval}" is shorter than groupInterval "${t.groupInterval}" (notifications are only sent on group_interval ticks); make it at least the groupInterval`);
    }
    if (ri !== undefined && ri > 120 * 3600e3) {
      p.add(`${path}.repeatInterval`, `"${t.repeatInterval}" exceeds Alertmanager's 120h notification-log retention, so the repeat would never be suppressed reliably; use at most "120h"`);
    }
    timings[level] = t;
  }

  const inhibitEqual = input.inhibitEqual ?? ['alertname', 'namespace', 'service'];
  checkLabelNames(p, 'alertmanager.inhibitEqual', inhibitEqual, false);
  const resolveTimeout = input.resolveTimeout ?? '5m';
  checkDuration(p, 'alertmanager.resolveTimeout', resolveTimeout, { positive: true });

  p.throwIfAny();
  return {
    paging: input.paging,
    secretsDir,
    slackKeys,
    slackChannels,
    pagerdutyKey,
    email,
    webhook: input.webhook,
    externalUrl,
    timings,
    inhibitEqual,
    resolveTimeout,
  };
}

// --- rendering ------------------------------------------------------------------------

/** The Slack message: one line per alert with its summary, description and runbook link. */
const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}';
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ if .Annotations.summary }}{{ .Annotations.summary }}{{ else }}{{ .Labels.alertname }}{{ end }}*' +
  '{{ if .Labels.namespace }} (`{{ .Labels.namespace }}`){{ end }}\n' +
  '{{ if .Annotations.description }}{{ .Annotations.description }}\n{{ end }}' +
  '{{ if .Annotations.runbook_url }}<{{ .Annotations.runbook_url }}|Runbook>\n{{ end }}{{ end }}';

/** Exposed for tests: the Go templates used in Slack messages. */
export const SLACK_TEMPLATES = { title: SLACK_TITLE, text: SLACK_TEXT } as const;

function secretFile(r: Resolved, key: string): string {
  return `${r.secretsDir}/${key}`;
}

function slackReceiver(r: Resolved, name: SlackReceiverName): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    api_url_file: secretFile(r, r.slackKeys[name]),
    channel: r.slackChannels[name],
    send_resolved: true,
    title: SLACK_TITLE,
    text: SLACK_TEXT,
  };
  if (r.externalUrl) cfg.title_link = `${r.externalUrl}/#/alerts?receiver={{ .Receiver | urlquery }}`;
  return { name, slack_configs: [cfg] };
}

function timingFields(t: ResolvedRouteTiming): Record<string, unknown> {
  return { group_by: [...t.groupBy], group_wait: t.groupWait, group_interval: t.groupInterval, repeat_interval: t.repeatInterval };
}

function severityMatcher(severities: readonly AlertSeverity[]): string {
  const ordered = SEVERITIES.filter((s) => severities.includes(s));
  return ordered.length === 1 ? `severity="${ordered[0]}"` : `severity=~"${ordered.join('|')}"`;
}

/** The typed input as the alertmanager.yml object (keys in a fixed order). */
export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): Record<string, unknown> {
  const r = resolveInput(input);

  const receivers: Record<string, unknown>[] = [slackReceiver(r, 'default')];
  if (r.paging && r.pagerdutyKey) {
    const pd: Record<string, unknown> = {
      routing_key_file: secretFile(r, r.pagerdutyKey),
      send_resolved: true,
      severity: 'critical',
      details: {
        summary: '{{ .CommonAnnotations.summary }}',
        runbook_url: '{{ .CommonAnnotations.runbook_url }}',
      },
    };
    if (r.externalUrl) pd.client_url = r.externalUrl;
    receivers.push({ name: 'pagerduty-critical', pagerduty_configs: [pd] });
  }
  receivers.push(slackReceiver(r, 'slack-critical'), slackReceiver(r, 'slack-warnings'), slackReceiver(r, 'slack-infrastructure'), slackReceiver(r, 'slack-application'));
  if (r.email) {
    const e: Record<string, unknown> = {
      to: r.email.to,
      from: r.email.from,
      smarthost: r.email.smarthost,
    };
    if (r.email.authUsername !== undefined && r.email.passwordKey) {
      e.auth_username = r.email.authUsername;
      e.auth_password_file = secretFile(r, r.email.passwordKey);
    }
    e.require_tls = r.email.requireTls ?? true;
    e.send_resolved = true;
    receivers.push({ name: 'email-team', email_configs: [e] });
  }
  if (r.webhook) {
    const w: Record<string, unknown> = { url: r.webhook.url, send_resolved: true };
    if (r.webhook.credentialsKey) {
      w.http_config = { authorization: { type: 'Bearer', credentials_file: secretFile(r, r.webhook.credentialsKey) } };
    }
    receivers.push({ name: 'webhook', webhook_configs: [w] });
  }

  // Copies first (continue: true), then exactly one terminal route per severity, then a catch-all.
  const routes: Record<string, unknown>[] = [];
  if (r.paging) {
    routes.push({ receiver: 'pagerduty-critical', matchers: ['severity="critical"'], continue: true, ...timingFields(r.timings.critical) });
  }
  if (r.email) {
    routes.push({ receiver: 'email-team', matchers: [severityMatcher(r.email.severities)], continue: true });
  }
  if (r.webhook) {
    const route: Record<string, unknown> = { receiver: 'webhook' };
    if (r.webhook.severities) route.matchers = [severityMatcher(r.webhook.severities)];
    route.continue = true;
    routes.push(route);
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
    ],
    receivers,
  };
}

/** alertmanager.yml text (the value of the `alertmanager.yml` key). */
export function alertmanagerConfigYaml(input: AlertmanagerConfigInput): string {
  return toYaml(renderAlertmanagerConfig(input));
}

/** A key of the receivers Secret the rendered config reads, and what the user puts in it. */
export interface ReceiverSecretKey {
  readonly key: string;
  readonly description: string;
}

/** The keys of the receivers Secret the rendered config reads (for docs, the README command and checks). */
export function alertmanagerSecretKeys(input: AlertmanagerConfigInput): ReceiverSecretKey[] {
  const r = resolveInput(input);
  const out = new Map<string, string>();
  for (const name of SLACK_RECEIVER_NAMES) {
    const key = r.slackKeys[name];
    out.set(key, out.has(key) ? `${out.get(key)}, ${name}` : `Slack incoming-webhook URL for ${name}`);
  }
  if (r.paging && r.pagerdutyKey) out.set(r.pagerdutyKey, 'PagerDuty Events API v2 routing key for pagerduty-critical');
  if (r.email?.passwordKey) out.set(r.email.passwordKey, 'SMTP password for email-team (no trailing newline)');
  if (r.webhook?.credentialsKey) out.set(r.webhook.credentialsKey, 'bearer token for the webhook receiver');
  return [...out.entries()].map(([key, description]) => ({ key, description }));
}

/** The one `kubectl create secret` command a user runs (placeholders in angle brackets). */
export function alertmanagerSecretCommand(input: AlertmanagerConfigInput, secretName: string, namespace: string): string {
  const keys = alertmanagerSecretKeys(input);
  const lines = [`kubectl create secret generic ${secretName} --namespace ${namespace}`];
  for (const k of keys) lines.push(`  --from-literal=${k.key}='<${k.key}>'`);
  return lines.join(' \\\n');
}
