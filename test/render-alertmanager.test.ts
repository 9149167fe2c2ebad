import { ChildProcess, spawn } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { IncomingHttpHeaders, createServer } from 'http';
import { AddressInfo, createServer as createNetServer } from 'net';
import { join } from 'path';
import { parse } from 'yaml';
import {
  AlertmanagerConfigInput,
  PAGERDUTY_SEVERITY_FROM_LABEL,
  SLACK_TEMPLATES,
  alertmanagerConfigYaml,
  alertmanagerInputProblems,
  alertmanagerSecretKeys,
  deadMansSwitchTimings,
  formatAlertmanagerDuration,
  parseAlertmanagerDuration,
  parseMatcher,
  renderAlertmanagerConfig,
} from '../lib/render/alertmanager';
import { production as productionConfig, staging as stagingConfig } from '../lib/config';
import { durationMs as configDurationMs } from '../lib/config/validate';
import { IMAGES } from '../lib/images';
import { amtool, tempFiles, toolPath, withFiles } from './support/tools';

const SECRETS = '/etc/alertmanager/secrets';
const channels = {
  critical: '#alerts-critical',
  warnings: '#alerts-warnings',
  infrastructure: '#alerts-infrastructure',
  application: '#alerts-application',
};

/** Production as the stack runs it: pages, email for critical, every alert to a webhook, a dead man's switch. */
const production: AlertmanagerConfigInput = {
  paging: true,
  secretsDir: SECRETS,
  slackChannels: channels,
  email: { to: 'sre-team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alertmanager@example.com' },
  webhook: { bearerToken: true },
  deadMansSwitch: {},
  externalUrl: 'https://alertmanager.example.com',
};
/** The bare routing table of issue 4, production. */
const productionMinimal: AlertmanagerConfigInput = { paging: true, secretsDir: SECRETS, slackChannels: channels };
/** Staging: nobody is paged. */
const staging: AlertmanagerConfigInput = { paging: false, secretsDir: SECRETS, slackChannels: { ...channels, critical: '#staging-critical' } };
/** Staging with the copies restricted by severity. */
const stagingCopies: AlertmanagerConfigInput = {
  ...staging,
  email: { to: 'dev@example.com', from: 'am@example.com', smarthost: 'mail.example.com:25', severities: ['critical', 'warning'] },
  webhook: { severities: ['critical'] },
};
/** Production with one Slack app token for every channel. */
const productionApp: AlertmanagerConfigInput = { ...production, slackAuth: 'app-token' };
/** Production with teams of its own: payments owns its alerts, search shares them with SRE. */
const withTeams: AlertmanagerConfigInput = {
  ...production,
  receivers: [
    { name: 'payments-pagerduty', pagerduty: {} },
    { name: 'payments-slack', slack: { channel: '#payments-alerts' } },
    { name: 'search-slack', slack: { channel: '#search' } },
    { name: 'search-db-hook', webhook: { bearerToken: true } },
    { name: 'ops-low-urgency', pagerduty: { severity: 'warning' } },
  ],
  routes: [
    { receiver: 'payments-pagerduty', matchers: ['team="payments"', 'severity="critical"'], continue: true },
    { receiver: 'payments-slack', matchers: ['team="payments"'], groupWait: '5s', repeatInterval: '2h' },
    {
      receiver: 'search-slack',
      matchers: ['team =~ "search|search-infra"'],
      continue: true,
      routes: [{ receiver: 'search-db-hook', matchers: ['component="db"'] }],
    },
    { receiver: 'ops-low-urgency', matchers: ['team="ops"', 'severity!="critical"'] },
    { receiver: 'discard', matchers: ['alertname="NoisyButHarmless"'] },
  ],
};

function checkConfig(yamlText: string, extraFiles: Record<string, string> = {}): ReturnType<typeof amtool> {
  return withFiles({ 'alertmanager.yml': yamlText, ...extraFiles }, (dir) => amtool(['check-config', 'alertmanager.yml'], { cwd: dir }));
}

/** Receivers amtool resolves for a label set; fails the test when --verify.receivers disagrees. */
function routeTest(input: AlertmanagerConfigInput, labels: string[], expected: string[]): void {
  const res = withFiles({ 'alertmanager.yml': alertmanagerConfigYaml(input) }, (dir) =>
    amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', `--verify.receivers=${expected.join(',')}`, ...labels], { cwd: dir }),
  );
  expect({ labels, status: res.status, receivers: res.stdout.trim() }).toEqual({ labels, status: 0, receivers: expected.join(',') });
}

type Receiver = { name: string } & Record<string, Record<string, any>[] | undefined>;
const receiversOf = (input: AlertmanagerConfigInput): Receiver[] => renderAlertmanagerConfig(input).receivers as Receiver[];
const receiver = (input: AlertmanagerConfigInput, name: string): Receiver => {
  const found = receiversOf(input).find((r) => r.name === name);
  if (!found) throw new Error(`no receiver ${name}`);
  return found;
};

describe('the tools are the version we deploy', () => {
  it('amtool and alertmanager are the release of the image in lib/images.ts', () => {
    const tag = IMAGES.alertmanager.split(':').pop()!.replace(/^v/, '');
    expect(amtool(['--version']).output).toMatch(new RegExp(`^amtool, version ${tag.replace(/\./g, '\\.')} `));
    const am = spawnSyncVersion(toolPath('alertmanager'));
    expect(am).toMatch(new RegExp(`^alertmanager, version ${tag.replace(/\./g, '\\.')} `));
  });
});

function spawnSyncVersion(bin: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return `${res.stdout}${res.stderr}`;
}

describe('renderAlertmanagerConfig', () => {
  it.each([
    ['production', production],
    ['production (minimal)', productionMinimal],
    ['production (Slack app token)', productionApp],
    ['production (teams)', withTeams],
    ['staging', staging],
    ['staging (copies)', stagingCopies],
  ])('%s: amtool check-config accepts it as is, without the secret files', (_name, input) => {
    const res = checkConfig(alertmanagerConfigYaml(input));
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('amtool check-config accepts it with the secret files present', () => {
    const t = tempFiles({});
    try {
      const dir = join(t.dir, 'secrets');
      mkdirSync(dir);
      const input = { ...withTeams, secretsDir: dir };
      for (const { key } of alertmanagerSecretKeys(input)) writeFileSync(join(dir, key), `placeholder-${key}`);
      writeFileSync(join(t.dir, 'alertmanager.yml'), alertmanagerConfigYaml(input));
      const res = amtool(['check-config', 'alertmanager.yml'], { cwd: t.dir });
      expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    } finally {
      t.cleanup();
    }
  });

  it('the harness can fail: amtool rejects a field it does not know, and a Slack receiver with both a webhook URL and an app token', () => {
    const unknown = checkConfig(alertmanagerConfigYaml(production).replace('url_file:', 'url_files:'));
    expect(unknown.status).not.toBe(0);
    expect(unknown.output).toContain('url_files');
    const both = checkConfig(alertmanagerConfigYaml(productionApp).replace(/( *)- app_token_file:/, (_m, indent: string) => `${indent}- api_url_file: ${SECRETS}/x\n${indent}  app_token_file:`));
    expect(both.status).not.toBe(0);
    expect(both.output).toContain('at most one of api_url/api_url_file & app_token/app_token_file');
  });

  it('renders the built-in receivers, and only those configured', () => {
    const names = (input: AlertmanagerConfigInput): string[] => receiversOf(input).map((r) => r.name).sort();
    expect(names(production)).toEqual(['deadmans-switch', 'default', 'discard', 'email-team', 'pagerduty-critical', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings', 'webhook']);
    expect(names(productionMinimal)).toEqual(['default', 'discard', 'pagerduty-critical', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings']);
    expect(names(staging)).toEqual(['default', 'discard', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings']);
    expect(receiver(staging, 'discard')).toEqual({ name: 'discard' });
  });

  it('staging has no pager at all: no PagerDuty receiver, no route to it, no PagerDuty secret key', () => {
    const yamlText = alertmanagerConfigYaml(stagingCopies);
    expect(yamlText).not.toMatch(/pagerduty/i);
    expect(alertmanagerSecretKeys(stagingCopies).some((k) => /pagerduty|routing-key/.test(k.key))).toBe(false);
  });

  it('incoming webhooks: each Slack receiver reads its own URL, from a key named after it, and posts to its channel', () => {
    const slack = (name: string) => receiver({ ...production, slackChannels: { ...channels, default: '#alerts-info' } }, name).slack_configs![0];
    const expected: Record<string, string> = {
      default: '#alerts-info',
      'slack-critical': '#alerts-critical',
      'slack-warnings': '#alerts-warnings',
      'slack-infrastructure': '#alerts-infrastructure',
      'slack-application': '#alerts-application',
    };
    for (const [name, channel] of Object.entries(expected)) {
      expect(slack(name)).toMatchObject({ api_url_file: `${SECRETS}/${name}.url`, channel, send_resolved: true });
      expect(slack(name).app_token_file).toBeUndefined();
    }
    // Five receivers, five keys: an incoming webhook ignores `channel`, so one shared URL
    // would post everything to the channel it was created for.
    const files = Object.keys(expected).map((n) => slack(n).api_url_file);
    expect(new Set(files).size).toBe(5);
    expect(slack('default').channel).toBe('#alerts-info');
    expect(receiver(production, 'default').slack_configs![0].channel).toBe('#alerts-warnings');
    expect(slack('slack-critical').title_link).toBe('https://alertmanager.example.com/#/alerts?receiver={{ .Receiver | urlquery }}');
  });

  it('Slack app token: every Slack receiver (built-in and the user\'s) shares one token key and names its channel', () => {
    const slackOf = (input: AlertmanagerConfigInput) => receiversOf(input).filter((r) => r.slack_configs).map((r) => [r.name, r.slack_configs![0]] as const);
    const all = slackOf({ ...withTeams, slackAuth: 'app-token' });
    expect(all.map(([n]) => n)).toEqual(['default', 'slack-critical', 'slack-warnings', 'slack-infrastructure', 'slack-application', 'payments-slack', 'search-slack']);
    for (const [, cfg] of all) {
      expect(cfg.app_token_file).toBe(`${SECRETS}/slack-app-token`);
      expect(cfg.api_url_file).toBeUndefined();
      expect(cfg.app_url).toBeUndefined(); // Alertmanager's default: https://slack.com/api/chat.postMessage
    }
    expect(all.find(([n]) => n === 'payments-slack')![1].channel).toBe('#payments-alerts');
    const keys = alertmanagerSecretKeys({ ...withTeams, slackAuth: 'app-token' }).map((k) => k.key);
    expect(keys.filter((k) => k.includes('slack'))).toEqual(['slack-app-token']);
    expect(alertmanagerSecretKeys(productionApp)[0].description).toBe(
      'Slack app bot token (xoxb-...) with scope chat:write, the app invited to #alerts-warnings, #alerts-critical, #alerts-infrastructure, #alerts-application',
    );
  });

  it('the webhook reads its URL from the Secret (url_file) and its token when asked; no URL is in the config', () => {
    expect(receiver(production, 'webhook').webhook_configs![0]).toEqual({
      url_file: `${SECRETS}/webhook.url`,
      send_resolved: true,
      http_config: { authorization: { type: 'Bearer', credentials_file: `${SECRETS}/webhook.token` } },
    });
    expect(receiver(stagingCopies, 'webhook').webhook_configs![0]).toEqual({ url_file: `${SECRETS}/webhook.url`, send_resolved: true });
    expect(alertmanagerConfigYaml(production)).not.toMatch(/^\s*-?\s*url:/m);
  });

  it('the dead man\'s switch: a webhook with its URL in the Secret that never sends "resolved", pinged every interval', () => {
    expect(receiver(production, 'deadmans-switch').webhook_configs).toEqual([{ url_file: `${SECRETS}/deadmans-switch.url`, send_resolved: false }]);
    const routes = (input: AlertmanagerConfigInput) => (renderAlertmanagerConfig(input).route as { routes: Record<string, unknown>[] }).routes;
    expect(routes(production)[0]).toEqual({ receiver: 'deadmans-switch', matchers: ['alertname="Watchdog"'], group_by: ['alertname'], group_wait: '0s', group_interval: '10s', repeat_interval: '50s' });
    expect(routes({ ...production, deadMansSwitch: { interval: '5m' } })[0]).toMatchObject({ group_interval: '50s', repeat_interval: '4m10s' });
    expect(routes(staging)[0]).toEqual({ receiver: 'discard', matchers: ['alertname="Watchdog"'] });
    expect(routes(staging)[1]).toEqual({ receiver: 'discard', matchers: ['alertname="InfoInhibitor"'] });
  });

  it('the PagerDuty severity template maps the severity label onto the four PagerDuty severities (amtool template render)', () => {
    const render = (severity: string | undefined): string => {
      const data = { receiver: 'x', status: 'firing', alerts: [], groupLabels: {}, commonLabels: severity ? { severity } : {}, commonAnnotations: {}, externalURL: 'http://am' };
      const res = withFiles({ 'empty.tmpl': '', 'data.json': JSON.stringify(data) }, (dir) =>
        amtool(['template', 'render', '--template.glob=empty.tmpl', '--template.data=data.json', `--template.text=${PAGERDUTY_SEVERITY_FROM_LABEL}`], { cwd: dir }),
      );
      expect(res.status).toBe(0);
      return res.stdout;
    };
    expect([render('critical'), render('warning'), render('info'), render('none'), render(undefined), render('page')]).toEqual(['critical', 'warning', 'info', 'error', 'error', 'error']);
    expect(receiver(withTeams, 'payments-pagerduty').pagerduty_configs![0].severity).toBe(PAGERDUTY_SEVERITY_FROM_LABEL);
    expect(receiver(withTeams, 'ops-low-urgency').pagerduty_configs![0].severity).toBe('warning');
    expect(receiver(withTeams, 'payments-pagerduty').pagerduty_configs![0].routing_key_file).toBe(`${SECRETS}/payments-pagerduty.routing-key`);
  });

  it('the Slack templates render with amtool (summary, description, runbook link)', () => {
    const data = {
      receiver: 'slack-critical',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'AppHighErrorRatio', severity: 'critical', namespace: 'shop' },
          annotations: { summary: 'More than 10% of requests fail.', description: '16.67% failed.', runbook_url: 'https://runbooks.example.com/alerts#app-high-error-ratio' },
          startsAt: '2024-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus/graph',
          fingerprint: 'abc',
        },
        {
          status: 'firing',
          labels: { alertname: 'AppHighErrorRatio', severity: 'critical' },
          annotations: {},
          startsAt: '2024-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus/graph',
          fingerprint: 'def',
        },
      ],
      groupLabels: { alertname: 'AppHighErrorRatio' },
      commonLabels: { alertname: 'AppHighErrorRatio', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'https://alertmanager.example.com',
    };
    const render = (text: string): ReturnType<typeof amtool> =>
      withFiles({ 'empty.tmpl': '', 'data.json': JSON.stringify(data) }, (dir) =>
        amtool(['template', 'render', '--template.glob=empty.tmpl', '--template.data=data.json', `--template.text=${text}`], { cwd: dir }),
      );
    const title = render(SLACK_TEMPLATES.title);
    expect({ status: title.status, out: title.stdout }).toEqual({ status: 0, out: '[FIRING:2] AppHighErrorRatio' });
    const text = render(SLACK_TEMPLATES.text);
    expect({ status: text.status, out: text.stdout }).toEqual({
      status: 0,
      out: '*More than 10% of requests fail.* (`shop`)\n16.67% failed.\n<https://runbooks.example.com/alerts#app-high-error-ratio|Runbook>\n*AppHighErrorRatio*\n',
    });
  });

  it('the Slack title and lines name the cluster (amtool template render), and PagerDuty\'s details carry it', () => {
    const alertOf = (labels: Record<string, string>) => ({ status: 'firing', labels, annotations: { summary: 'Pods crash.' }, startsAt: '2024-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://p', fingerprint: 'f' });
    const data = {
      receiver: 'slack-critical',
      status: 'firing',
      alerts: [alertOf({ alertname: 'KubePodCrashLooping', cluster: 'workload-a', namespace: 'shop' }), alertOf({ alertname: 'KubePodCrashLooping', cluster: 'workload-a' })],
      groupLabels: { alertname: 'KubePodCrashLooping', cluster: 'workload-a' },
      commonLabels: { alertname: 'KubePodCrashLooping', cluster: 'workload-a' },
      commonAnnotations: { summary: 'Pods crash.' },
      externalURL: 'https://alertmanager.example.com',
    };
    const render = (text: string) =>
      withFiles({ 'empty.tmpl': '', 'data.json': JSON.stringify(data) }, (dir) => amtool(['template', 'render', '--template.glob=empty.tmpl', '--template.data=data.json', `--template.text=${text}`], { cwd: dir }));
    expect(render(SLACK_TEMPLATES.title).stdout).toBe('[FIRING:2] KubePodCrashLooping in workload-a');
    expect(render(SLACK_TEMPLATES.text).stdout).toBe('*Pods crash.* (`workload-a/shop`)\n*Pods crash.* (`workload-a`)\n');
    const pd = receiver(productionMinimal, 'pagerduty-critical').pagerduty_configs![0] as { details: Record<string, string> };
    expect(render(pd.details.cluster).stdout).toBe('workload-a');
  });

  it('a fleet\'s central Alertmanager: one dead man\'s switch per cluster, each pinged by that cluster\'s Watchdog only (amtool)', () => {
    const fleet: AlertmanagerConfigInput = { ...production, switchPerCluster: ['observer', 'workload-a', 'workload-b'] };
    expect(checkConfig(alertmanagerConfigYaml(fleet)).status).toBe(0);
    routeTest(fleet, ['alertname=Watchdog', 'cluster=workload-a'], ['deadmans-switch-workload-a']);
    routeTest(fleet, ['alertname=Watchdog', 'cluster=observer'], ['deadmans-switch-observer']);
    // A Watchdog of a cluster not in the fleet reaches no switch and no one else.
    routeTest(fleet, ['alertname=Watchdog', 'cluster=elsewhere'], ['discard']);
    expect(receiver(fleet, 'deadmans-switch-workload-b').webhook_configs![0]).toEqual({ url_file: `${SECRETS}/deadmans-switch-workload-b.url`, send_resolved: false });
    expect(alertmanagerSecretKeys(fleet).filter((k) => k.key.startsWith('deadmans-switch')).map((k) => k.key)).toEqual(['deadmans-switch-observer.url', 'deadmans-switch-workload-a.url', 'deadmans-switch-workload-b.url']);
    expect(receiversOf(fleet).map((r) => r.name)).not.toContain('deadmans-switch');
    // Without a switch there is nothing to split.
    expect(receiversOf({ ...staging, switchPerCluster: ['a'] }).map((r) => r.name).filter((n) => n.startsWith('deadmans'))).toEqual([]);
    expect(() => renderAlertmanagerConfig({ ...production, receivers: [{ name: 'deadmans-switch-x', webhook: {} }], routes: [{ receiver: 'deadmans-switch-x', matchers: ['a="b"'] }] })).toThrow(/receivers\[0\]\.name: "deadmans-switch-x" is a built-in receiver/);
  });

  it('inhibition: critical silences warning and info, warning silences info (same alertname/cluster/namespace/service), InfoInhibitor silences info in its namespace of its cluster', () => {
    expect(renderAlertmanagerConfig(staging).inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ['alertname', 'cluster', 'namespace', 'service'] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ['alertname', 'cluster', 'namespace', 'service'] },
      { source_matchers: ['alertname="InfoInhibitor"'], target_matchers: ['severity="info"'], equal: ['cluster', 'namespace'] },
    ]);
  });

  it('every built-in route groups by cluster: two clusters\' alerts never share a notification', () => {
    const route = renderAlertmanagerConfig(productionMinimal).route as { group_by: string[]; routes: { receiver: string; matchers?: string[]; group_by?: string[] }[] };
    expect(route.group_by).toContain('cluster');
    const grouped = route.routes.filter((r) => r.group_by !== undefined && !(r.matchers ?? []).includes('alertname="Watchdog"'));
    expect(grouped.length).toBeGreaterThan(3);
    expect(grouped.filter((r) => !r.group_by!.includes('cluster')).map((r) => r.receiver)).toEqual([]);
  });

  it('grouping and timing per severity come from the input', () => {
    const cfg = renderAlertmanagerConfig({ ...productionMinimal, routing: { critical: { groupWait: '5s', repeatInterval: '30m' }, info: { groupBy: ['...'] } } });
    const route = cfg.route as { routes: Record<string, unknown>[] } & Record<string, unknown>;
    expect(route).toMatchObject({ receiver: 'default', group_wait: '25s', group_interval: '5m', repeat_interval: '4h' });
    const byReceiver = (r: string): Record<string, unknown> => route.routes.find((x) => x.receiver === r) as Record<string, unknown>;
    expect(byReceiver('pagerduty-critical')).toMatchObject({ continue: true, group_wait: '5s', group_interval: '5m', repeat_interval: '30m' });
    expect(byReceiver('slack-critical')).toMatchObject({ group_wait: '5s', repeat_interval: '30m' });
    expect(byReceiver('slack-critical').continue).toBeUndefined();
    expect(byReceiver('default')).toMatchObject({ matchers: ['severity="info"'], group_by: ['...'], repeat_interval: '24h' });
    expect(renderAlertmanagerConfig({ ...staging, resolveTimeout: '10m' }).global).toEqual({ resolve_timeout: '10m' });
  });

  it('default group_wait is never a whole number of the stack\'s evaluation intervals (flushes fall between evaluations)', () => {
    const route = renderAlertmanagerConfig(production).route as { group_wait: string; routes: { receiver: string; group_wait?: string }[] };
    const waits = [route.group_wait, ...route.routes.filter((r) => r.receiver !== 'deadmans-switch').map((r) => r.group_wait)].filter((w): w is string => w !== undefined);
    expect(new Set(waits)).toEqual(new Set(['10s', '25s', '55s']));
    for (const config of [stagingConfig, productionConfig]) {
      const evaluation = configDurationMs(config.prometheus.evaluationInterval);
      for (const wait of waits) expect([wait, configDurationMs(wait) % evaluation]).not.toEqual([wait, 0]);
    }
  });

  it('the user\'s routes are rendered in order, matchers normalized, with only the fields given', () => {
    const routes = (renderAlertmanagerConfig(withTeams).route as { routes: Record<string, unknown>[] }).routes;
    expect(routes.map((r) => r.receiver)).toEqual([
      'deadmans-switch',
      'discard',
      'email-team',
      'webhook',
      'payments-pagerduty',
      'payments-slack',
      'search-slack',
      'ops-low-urgency',
      'discard',
      'pagerduty-critical',
      'slack-critical',
      'slack-infrastructure',
      'slack-application',
      'slack-warnings',
      'default',
      'default',
    ]);
    expect(routes[5]).toEqual({ receiver: 'payments-slack', matchers: ['team="payments"'], group_wait: '5s', repeat_interval: '2h' });
    expect(routes[6]).toEqual({ receiver: 'search-slack', matchers: ['team=~"search|search-infra"'], continue: true, routes: [{ receiver: 'search-db-hook', matchers: ['component="db"'] }] });
  });

  it('durations: parse, format and the switch\'s repeat interval', () => {
    for (const text of ['0s', '1s', '333ms', '1s667ms', '50s', '1m', '4m10s', '1h30m', '2d', '1w2d3h4m5s6ms']) expect(formatAlertmanagerDuration(parseAlertmanagerDuration(text)!)).toBe(text);
    expect([2, 3, 6, 60, 300, 3600].map((s) => deadMansSwitchTimings(s * 1000))).toEqual([
      { groupIntervalMs: 1000, repeatIntervalMs: 1000 },
      { groupIntervalMs: 1000, repeatIntervalMs: 2000 },
      { groupIntervalMs: 1000, repeatIntervalMs: 5000 },
      { groupIntervalMs: 10_000, repeatIntervalMs: 50_000 },
      { groupIntervalMs: 50_000, repeatIntervalMs: 250_000 },
      { groupIntervalMs: 600_000, repeatIntervalMs: 3_000_000 },
    ]);
  });

  it('output is deterministic (snapshot of production with teams)', () => {
    expect(alertmanagerConfigYaml(withTeams)).toBe(alertmanagerConfigYaml(withTeams));
    expect(alertmanagerConfigYaml(withTeams)).toMatchSnapshot();
  });
});

describe('amtool config routes test: every line of the routing table', () => {
  // [labels, production receivers, staging receivers]
  const table: [string[], string[], string[]][] = [
    [['severity=critical'], ['pagerduty-critical', 'slack-critical'], ['slack-critical']],
    [['severity=critical', 'category=infrastructure'], ['pagerduty-critical', 'slack-critical'], ['slack-critical']],
    [['severity=critical', 'category=application'], ['pagerduty-critical', 'slack-critical'], ['slack-critical']],
    [['severity=warning', 'category=infrastructure'], ['slack-infrastructure'], ['slack-infrastructure']],
    [['severity=warning', 'category=application'], ['slack-application'], ['slack-application']],
    [['severity=warning'], ['slack-warnings'], ['slack-warnings']],
    [['severity=warning', 'category=database'], ['slack-warnings'], ['slack-warnings']],
    [['severity=info'], ['default'], ['default']],
    [['severity=info', 'category=infrastructure'], ['default'], ['default']],
    [['alertname=NoSeverityLabel'], ['default'], ['default']],
    [['severity=page'], ['default'], ['default']],
    [['alertname=Watchdog', 'severity=none'], ['discard'], ['discard']],
    [['alertname=InfoInhibitor', 'severity=none', 'namespace=shop'], ['discard'], ['discard']],
  ];

  it.each(table)('production: %j', (labels, prod) => routeTest(productionMinimal, labels, prod));
  it.each(table)('staging: %j', (labels, _prod, stag) => routeTest(staging, labels, stag));

  it('info and unlabelled alerts reach no pager, in either environment', () => {
    for (const input of [production, productionMinimal, staging, stagingCopies]) {
      for (const labels of [['severity=info'], ['alertname=X'], ['severity=info', 'category=application']]) {
        const res = withFiles({ 'alertmanager.yml': alertmanagerConfigYaml(input) }, (dir) => amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels], { cwd: dir }));
        expect(res.status).toBe(0);
        expect(res.stdout).not.toContain('pagerduty');
        expect(res.stdout).toContain('default');
      }
    }
  });

  it('production with email (critical) and webhook (everything): copies, then the routing table', () => {
    routeTest(production, ['severity=critical', 'category=application'], ['email-team', 'webhook', 'pagerduty-critical', 'slack-critical']);
    routeTest(production, ['severity=warning', 'category=infrastructure'], ['webhook', 'slack-infrastructure']);
    routeTest(production, ['severity=warning', 'category=application'], ['webhook', 'slack-application']);
    routeTest(production, ['severity=warning'], ['webhook', 'slack-warnings']);
    routeTest(production, ['severity=info'], ['webhook', 'default']);
    routeTest(production, ['alertname=NoSeverityLabel'], ['webhook', 'default']);
  });

  it('staging with email (critical, warning) and webhook (critical): copies never add a pager', () => {
    routeTest(stagingCopies, ['severity=critical'], ['email-team', 'webhook', 'slack-critical']);
    routeTest(stagingCopies, ['severity=warning', 'category=application'], ['email-team', 'slack-application']);
    routeTest(stagingCopies, ['severity=info'], ['default']);
  });

  it('Watchdog reaches the dead man\'s switch and nothing else, whatever its labels; InfoInhibitor reaches nothing', () => {
    for (const input of [production, withTeams]) {
      for (const extra of [[], ['severity=none'], ['severity=critical'], ['team=payments', 'severity=critical'], ['category=infrastructure', 'severity=warning']]) {
        routeTest(input, ['alertname=Watchdog', ...extra], ['deadmans-switch']);
        routeTest(input, ['alertname=InfoInhibitor', 'namespace=shop', ...extra], ['discard']);
      }
    }
    // Without a switch, Watchdog goes nowhere rather than to a channel every minute.
    routeTest(stagingCopies, ['alertname=Watchdog', 'severity=critical'], ['discard']);
  });

  it('the user\'s routes: after the copies, before the built-in table; continue and nesting as declared', () => {
    // payments owns its alerts: its pager and channel, not the SRE pager or channels; the copies still see them.
    routeTest(withTeams, ['team=payments', 'severity=critical'], ['email-team', 'webhook', 'payments-pagerduty', 'payments-slack']);
    routeTest(withTeams, ['team=payments', 'severity=warning', 'category=application'], ['webhook', 'payments-slack']);
    // search shares its alerts (continue: true): its channel, then the built-in table.
    routeTest(withTeams, ['team=search', 'severity=critical'], ['email-team', 'webhook', 'search-slack', 'pagerduty-critical', 'slack-critical']);
    routeTest(withTeams, ['team=search-infra', 'severity=warning'], ['webhook', 'search-slack', 'slack-warnings']);
    // The child route: a db alert of search goes to its hook instead of search-slack, then the table.
    routeTest(withTeams, ['team=search', 'component=db', 'severity=warning'], ['webhook', 'search-db-hook', 'slack-warnings']);
    routeTest(withTeams, ['team=searching', 'severity=warning'], ['webhook', 'slack-warnings']); // regex is anchored
    routeTest(withTeams, ['team=ops', 'severity=warning'], ['webhook', 'ops-low-urgency']);
    routeTest(withTeams, ['team=ops', 'severity=critical'], ['email-team', 'webhook', 'pagerduty-critical', 'slack-critical']);
    routeTest(withTeams, ['alertname=NoisyButHarmless', 'severity=warning'], ['webhook', 'discard']);
    routeTest(withTeams, ['severity=critical'], ['email-team', 'webhook', 'pagerduty-critical', 'slack-critical']);
  });

  it('the harness can fail: a wrong expectation is reported by amtool', () => {
    const res = withFiles({ 'alertmanager.yml': alertmanagerConfigYaml(staging) }, (dir) =>
      amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', '--verify.receivers=pagerduty-critical,slack-critical', 'severity=critical'], { cwd: dir }),
    );
    expect(res.status).not.toBe(0);
    expect(res.stdout.split('\n')[0]).toBe('slack-critical');
    expect(res.stdout).toContain('Expected receivers did not match');
  });
});

describe('secrets stay out of the config', () => {
  const SECRET_VALUE_FIELDS = ['api_url', 'routing_key', 'service_key', 'auth_password', 'auth_secret', 'credentials', 'password', 'bearer_token', 'slack_api_url', 'smtp_auth_password', 'api_key', 'token', 'app_token', 'url'];

  function walk(value: unknown, visit: (key: string, v: unknown) => void): void {
    if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        visit(k, v);
        walk(v, visit);
      }
    }
  }

  it.each([
    ['production', production],
    ['production (Slack app token)', productionApp],
    ['production (teams)', withTeams],
    ['staging (copies)', stagingCopies],
  ])('%s: only *_file references under the mounted Secret, no secret-valued field, and exactly the keys listed', (_name, input) => {
    const parsed = parse(alertmanagerConfigYaml(input)) as unknown;
    const files: string[] = [];
    walk(parsed, (key, v) => {
      expect(SECRET_VALUE_FIELDS).not.toContain(key);
      if (key.endsWith('_file')) {
        expect(typeof v).toBe('string');
        expect(v as string).toMatch(new RegExp(`^${SECRETS}/[-._a-zA-Z0-9]+$`));
        files.push(v as string);
      }
    });
    const keys = alertmanagerSecretKeys(input).map((k) => k.key);
    expect(new Set(files)).toEqual(new Set(keys.map((k) => `${SECRETS}/${k}`)));
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of alertmanagerSecretKeys(input)) expect(k.description).not.toContain("'");
  });

  it('the input type has no field for a secret value (compile-time), and an unknown field is refused (run time)', () => {
    const withSecret = {
      ...staging,
      // @ts-expect-error: there is no apiUrl field; the URL lives in the Secret
      slackChannels: { ...channels, apiUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' },
    } satisfies AlertmanagerConfigInput;
    expect(() => renderAlertmanagerConfig(withSecret)).toThrow(/alertmanager\.slackChannels\.apiUrl: unknown field/);
    // @ts-expect-error: the webhook URL is read from the Secret
    expect(() => renderAlertmanagerConfig({ ...staging, webhook: { url: 'https://hook.example.com/x?token=abc' } })).toThrow(
      /alertmanager\.webhook\.url: is not a field any more: the URL is read from Secret key "webhook\.url"/,
    );
  });

  it('lists the Secret keys, each named after its receiver', () => {
    expect(alertmanagerSecretKeys(production)).toEqual([
      { key: 'default.url', description: 'Slack incoming-webhook URL created for #alerts-warnings' },
      { key: 'pagerduty-critical.routing-key', description: 'PagerDuty Events API v2 integration key of pagerduty-critical' },
      { key: 'slack-critical.url', description: 'Slack incoming-webhook URL created for #alerts-critical' },
      { key: 'slack-warnings.url', description: 'Slack incoming-webhook URL created for #alerts-warnings' },
      { key: 'slack-infrastructure.url', description: 'Slack incoming-webhook URL created for #alerts-infrastructure' },
      { key: 'slack-application.url', description: 'Slack incoming-webhook URL created for #alerts-application' },
      { key: 'email-team.password', description: 'SMTP password of alertmanager@example.com' },
      { key: 'webhook.url', description: 'URL alerts are POSTed to (webhook)' },
      { key: 'webhook.token', description: 'bearer token of webhook' },
      { key: 'deadmans-switch.url', description: 'dead-man-switch ping URL (deadmans-switch)' },
    ]);
    expect(alertmanagerSecretKeys(withTeams).slice(10).map((k) => k.key)).toEqual([
      'payments-pagerduty.routing-key',
      'payments-slack.url',
      'search-slack.url',
      'search-db-hook.url',
      'search-db-hook.token',
      'ops-low-urgency.routing-key',
    ]);
  });
});

describe('validation: bad input names the field and the fix', () => {
  const team = (over: Partial<AlertmanagerConfigInput>): AlertmanagerConfigInput => ({ ...withTeams, ...over });
  const cases: [string, AlertmanagerConfigInput, RegExp][] = [
    ['malformed duration', { ...staging, routing: { critical: { groupWait: '10 seconds' } } }, /alertmanager\.routing\.critical\.groupWait: "10 seconds" is not an Alertmanager duration; use .*"30s"/],
    ['units out of order', { ...staging, routing: { warning: { repeatInterval: '30m4h' } } }, /alertmanager\.routing\.warning\.repeatInterval: "30m4h" is not an Alertmanager duration/],
    ['zero interval', { ...staging, routing: { info: { groupInterval: '0s' } } }, /alertmanager\.routing\.info\.groupInterval: must be greater than zero/],
    ['repeat shorter than group interval', { ...staging, routing: { warning: { groupInterval: '10m', repeatInterval: '5m' } } }, /alertmanager\.routing\.warning\.repeatInterval: "5m" is shorter than groupInterval/],
    ['repeat beyond retention', { ...staging, routing: { info: { repeatInterval: '1w' } } }, /alertmanager\.routing\.info\.repeatInterval: .* use at most "120h"/],
    ['bad group_by', { ...staging, routing: { default: { groupBy: ['alert-name'] } } }, /alertmanager\.routing\.default\.groupBy\[0\]: "alert-name" is not a valid label name/],
    ['... mixed with labels', { ...staging, routing: { default: { groupBy: ['...', 'alertname'] } } }, /alertmanager\.routing\.default\.groupBy: '\.\.\.' .* must be the only entry/],
    ['unknown severity level', { ...staging, routing: { page: {} } as never }, /alertmanager\.routing\.page: unknown field/],
    ['email without smarthost', { ...staging, email: { to: 'a@example.com', from: 'b@example.com' } as never }, /alertmanager\.email\.smarthost: is required when email is configured; set the SMTP server as "host:port"/],
    ['smarthost without port', { ...staging, email: { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com' } }, /alertmanager\.email\.smarthost: "smtp\.example\.com" must be "host:port"/],
    ['bad email address', { ...staging, email: { to: 'sre team', from: 'b@example.com', smarthost: 'smtp.example.com:25' } }, /alertmanager\.email\.to: "sre team" must be one or more comma-separated email addresses/],
    ['unknown email severity', { ...staging, email: { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:25', severities: ['page' as never] } }, /alertmanager\.email\.severities\[0\]: unknown severity "page"/],
    ['empty slack channel', { ...staging, slackChannels: { ...channels, warnings: '' } }, /alertmanager\.slackChannels\.warnings: is empty; set the Slack channel/],
    ['slack channel with spaces', { ...staging, slackChannels: { ...channels, application: '#app alerts' } }, /alertmanager\.slackChannels\.application: "#app alerts" is not a Slack channel/],
    ['missing slack channel', { ...staging, slackChannels: { critical: '#c', warnings: '#w', infrastructure: '#i' } as never }, /alertmanager\.slackChannels\.application: is empty/],
    ['unknown slack auth', { ...staging, slackAuth: 'oauth' as never }, /alertmanager\.slackAuth: "oauth" is not allowed; use "incoming-webhook" .* or "app-token"/],
    ['relative secretsDir', { ...staging, secretsDir: 'secrets' }, /alertmanager\.secretsDir: "secrets" must be an absolute path/],
    ['bad externalUrl', { ...staging, externalUrl: 'alertmanager.example.com' }, /alertmanager\.externalUrl: "alertmanager\.example\.com" is not an absolute URL/],
    ['bad inhibitEqual', { ...staging, inhibitEqual: [] }, /alertmanager\.inhibitEqual: must be a non-empty list of label names/],
    ['unknown top-level field', { ...staging, receiver: [] } as never, /alertmanager\.receiver: unknown field/],
    ['bad resolveTimeout', { ...staging, resolveTimeout: '5 min' }, /alertmanager\.resolveTimeout: "5 min" is not an Alertmanager duration/],
    ['webhook bearerToken not boolean', { ...staging, webhook: { bearerToken: 'yes' as never } }, /alertmanager\.webhook\.bearerToken: must be true or false/],
    ['switch interval too short', { ...staging, deadMansSwitch: { interval: '1s' } }, /alertmanager\.deadMansSwitch\.interval: "1s" is not allowed; use whole seconds from "2s" to "1h"/],
    ['switch interval malformed', { ...staging, deadMansSwitch: { interval: 'minutely' } }, /alertmanager\.deadMansSwitch\.interval: "minutely" is not an Alertmanager duration/],
    ['switch unknown field', { ...staging, deadMansSwitch: { url: 'https://hc-ping.com/x' } as never }, /alertmanager\.deadMansSwitch\.url: unknown field; allowed fields are interval/],
    ['receiver with two integrations', team({ receivers: [{ name: 'x', slack: { channel: '#x' }, pagerduty: {} }], routes: [{ receiver: 'x', matchers: ['team="x"'] }] }), /alertmanager\.receivers\[0\]: must have exactly one of slack, pagerduty, webhook \(has slack and pagerduty\)/],
    ['receiver with none', team({ receivers: [{ name: 'x' }], routes: [{ receiver: 'x', matchers: ['team="x"'] }] }), /alertmanager\.receivers\[0\]: must have exactly one of slack, pagerduty, webhook \(has none\)/],
    ['receiver name not a key', team({ receivers: [{ name: 'Payments Team', slack: { channel: '#x' } }], routes: [] }), /alertmanager\.receivers\[0\]\.name: "Payments Team" is not a receiver name; use at most 63 lower-case letters/],
    ['receiver named like a built-in', team({ receivers: [{ name: 'slack-critical', slack: { channel: '#x' } }], routes: [] }), /alertmanager\.receivers\[0\]\.name: "slack-critical" is a built-in receiver/],
    ['two receivers, one name', team({ receivers: [{ name: 'x', slack: { channel: '#x' } }, { name: 'x', pagerduty: {} }], routes: [{ receiver: 'x', matchers: ['a="b"'] }] }), /alertmanager\.receivers\[1\]\.name: "x" is used by two receivers/],
    ['receiver unknown field', team({ receivers: [{ name: 'x', slack: { channel: '#x', apiUrl: 'https://hooks.slack.com/x' } as never }], routes: [{ receiver: 'x', matchers: ['a="b"'] }] }), /alertmanager\.receivers\[0\]\.slack\.apiUrl: unknown field; allowed fields are channel/],
    ['receiver bad channel', team({ receivers: [{ name: 'x', slack: { channel: 'payments alerts' } }], routes: [{ receiver: 'x', matchers: ['a="b"'] }] }), /alertmanager\.receivers\[0\]\.slack\.channel: "payments alerts" is not a Slack channel/],
    ['bad PagerDuty severity', team({ receivers: [{ name: 'x', pagerduty: { severity: 'high' as never } }], routes: [{ receiver: 'x', matchers: ['a="b"'] }] }), /alertmanager\.receivers\[0\]\.pagerduty\.severity: "high" is not a PagerDuty severity; use one of critical, error, warning, info/],
    ['unused receiver', team({ receivers: [{ name: 'x', slack: { channel: '#x' } }], routes: [] }), /alertmanager\.receivers\[0\]: receiver "x" is used by no route/],
    ['route to an unknown receiver', team({ routes: [{ receiver: 'payments-slak', matchers: ['team="payments"'] }] }), /alertmanager\.routes\[0\]\.receiver: "payments-slak" is not a receiver; use one of alertmanager\.receivers or a built-in receiver/],
    ['route to the switch', team({ routes: [{ receiver: 'deadmans-switch', matchers: ['team="x"'] }] }), /alertmanager\.routes\[0\]\.receiver: "deadmans-switch" receives only Watchdog/],
    ['route to PagerDuty without paging', { ...staging, routes: [{ receiver: 'pagerduty-critical', matchers: ['team="x"'] }] }, /alertmanager\.routes\[0\]\.receiver: "pagerduty-critical" is not rendered in this environment \(paging is false\)/],
    ['route without matchers', team({ routes: [{ receiver: 'slack-critical', matchers: [] }] }), /alertmanager\.routes\[0\]\.matchers: needs at least one matcher/],
    ['unquoted matcher value', team({ routes: [{ receiver: 'slack-critical', matchers: ['team=payments'] }] }), /alertmanager\.routes\[0\]\.matchers\[0\]: "team=payments" is not a matcher; use label="value"/],
    ['matcher with a bad label name', team({ routes: [{ receiver: 'slack-critical', matchers: ['team-name="x"'] }] }), /alertmanager\.routes\[0\]\.matchers\[0\]: "team-name=\\"x\\"" is not a matcher/],
    ['matcher with a bad escape', team({ routes: [{ receiver: 'slack-critical', matchers: ['job=~"api\\.v1"'] }] }), /alertmanager\.routes\[0\]\.matchers\[0\]: .* is not a matcher; .*escape only/],
    ['matcher regex that does not compile', team({ routes: [{ receiver: 'slack-critical', matchers: ['team=~"(payments"'] }] }), /alertmanager\.routes\[0\]\.matchers\[0\]: .*the regular expression does not compile/],
    ['matcher with lookahead', team({ routes: [{ receiver: 'slack-critical', matchers: ['team=~"(?!ops).*"'] }] }), /alertmanager\.routes\[0\]\.matchers\[0\]: .*lookaround and backreferences are not supported/],
    ['nested route problem', team({ routes: [{ receiver: 'slack-critical', matchers: ['a="b"'], routes: [{ receiver: 'nobody', matchers: ['c="d"'], groupWait: 'soon' }] }] }), /alertmanager\.routes\[0\]\.routes\[0\]\.receiver: "nobody" is not a receiver[\s\S]*alertmanager\.routes\[0\]\.routes\[0\]\.groupWait: "soon" is not an Alertmanager duration/],
    ['route timing', team({ routes: [{ receiver: 'slack-critical', matchers: ['a="b"'], groupInterval: '10m', repeatInterval: '1m' }] }), /alertmanager\.routes\[0\]\.repeatInterval: "1m" is shorter than groupInterval "10m"/],
    ['route unknown field', team({ routes: [{ receiver: 'slack-critical', matchers: ['a="b"'], match: { a: 'b' } } as never] }), /alertmanager\.routes\[0\]\.match: unknown field; allowed fields are receiver, matchers, continue/],
    ['route continue not boolean', team({ routes: [{ receiver: 'slack-critical', matchers: ['a="b"'], continue: 'yes' as never }] }), /alertmanager\.routes\[0\]\.continue: must be true or false/],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    expect(() => renderAlertmanagerConfig(input)).toThrow(message);
  });

  it('reports every problem at once, with the same paths for the config validation', () => {
    expect(() => renderAlertmanagerConfig({ ...staging, secretsDir: 'x', slackChannels: { ...channels, critical: '' } })).toThrow(/secretsDir[\s\S]*slackChannels\.critical/);
    expect(alertmanagerInputProblems({ ...staging, slackChannels: { ...channels, critical: '' } })).toEqual([{ path: 'alertmanager.slackChannels.critical', message: 'is empty; set the Slack channel, e.g. "#alerts-critical"' }]);
    expect(alertmanagerInputProblems(withTeams)).toEqual([]);
  });

  it('matchers: what parses is what Alertmanager reads (amtool routes test with the normalized form)', () => {
    expect(parseMatcher('team = "payments"')).toEqual({ name: 'team', op: '=', value: 'payments' });
    expect(parseMatcher('msg!~"a\\\\.b|\\"q\\""')).toEqual({ name: 'msg', op: '!~', value: 'a\\.b|"q"' });
    const input = team({
      receivers: [{ name: 'x', slack: { channel: '#x' } }],
      routes: [{ receiver: 'x', matchers: ['path=~"/api/v1\\\\..*"', 'quote="say \\"hi\\""'] }],
    });
    expect(check(input)).toBe(0);
    // amtool's label arguments are matchers too: values with a quote are quoted and escaped.
    routeTest(input, ['path="/api/v1.x"', 'quote="say \\"hi\\""'], ['webhook', 'x']);
    routeTest(input, ['path="/api/v1x"', 'quote="say \\"hi\\""'], ['webhook', 'default']);
  });

  function check(input: AlertmanagerConfigInput): number {
    return checkConfig(alertmanagerConfigYaml(input)).status;
  }
});

// ------------------------------------------------------------------------------------------
// End to end with the pinned Alertmanager binary: it reads the *_file secrets, routes,
// inhibits and renders the Slack templates. Slack, the webhook and the switch point at a
// local server.
// ------------------------------------------------------------------------------------------

interface Received {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, any>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A local Alertmanager on `input` (secretsDir replaced) and a sink recording every request. */
async function withAlertmanager(
  input: AlertmanagerConfigInput,
  secrets: (sinkUrl: string) => Record<string, string>,
  run: (am: { base: string; received: Received[]; post: (alerts: object[]) => Promise<void>; elapsed: () => number; log: () => string }) => Promise<void>,
  patchYaml: (yamlText: string, sinkUrl: string) => string = (y) => y,
): Promise<void> {
  const received: Received[] = [];
  const t0 = Date.now();
  const sink = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ at: Date.now() - t0, path: req.url ?? '', headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const amPort = await freePort();
  const t = tempFiles({});
  let am: ChildProcess | undefined;
  let amLog = '';
  try {
    const dir = join(t.dir, 'secrets');
    mkdirSync(dir);
    const local = { ...input, secretsDir: dir };
    const files = secrets(sinkUrl);
    // The test writes exactly the keys the config reads (a missing one would fail a notification).
    expect(Object.keys(files).sort()).toEqual(alertmanagerSecretKeys(local).map((k) => k.key).sort());
    for (const [key, value] of Object.entries(files)) writeFileSync(join(dir, key), `${value}\n`); // trailing newline: trimmed by Alertmanager
    writeFileSync(join(t.dir, 'alertmanager.yml'), patchYaml(alertmanagerConfigYaml(local), sinkUrl));
    am = spawn(
      toolPath('alertmanager'),
      ['--config.file=alertmanager.yml', `--storage.path=${join(t.dir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=debug'],
      { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (c) => (amLog += c));
    am.stderr?.on('data', (c) => (amLog += c));
    const base = `http://127.0.0.1:${amPort}`;
    await waitFor('Alertmanager ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
    const post = async (alerts: object[]) => {
      const res = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(res.status).toBe(200);
    };
    await run({ base, received, post, elapsed: () => Date.now() - t0, log: () => amLog });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- alertmanager log ---\n${amLog.slice(-6000)}`);
  } finally {
    if (am?.pid !== undefined && am.exitCode === null) {
      const exited = new Promise((r) => am?.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await new Promise((r) => sink.close(r));
    t.cleanup();
  }
}

const alert = (labels: Record<string, string>, endsAt?: Date) => ({
  labels,
  annotations: { summary: `summary of ${labels.alertname}/${labels.severity}/${labels.namespace}`, runbook_url: `https://runbooks.example.com/alerts#${labels.alertname}` },
  startsAt: new Date(Date.now() - 1000).toISOString(),
  ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
});

const fast = { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' };
const fastRouting = { default: fast, critical: fast, warning: fast, info: fast };
/** One sink path per Slack receiver: a message reaching it proves the receiver read its own key. */
const slackSecrets = (sink: string) => Object.fromEntries(['default', 'slack-critical', 'slack-warnings', 'slack-infrastructure', 'slack-application'].map((r) => [`${r}.url`, `${sink}/slack/${r}`]));

describe('Alertmanager (pinned binary) end to end', () => {
  it('delivers through each receiver\'s own *_file secret to the right channel, and inhibits warnings under a critical', async () => {
    const input: AlertmanagerConfigInput = { ...staging, slackChannels: { ...channels, default: '#alerts-info' }, webhook: { bearerToken: true }, routing: fastRouting };
    await withAlertmanager(input, (sink) => ({ ...slackSecrets(sink), 'webhook.url': `${sink}/webhook`, 'webhook.token': 's3cr3t-token' }), async ({ base, received, post }) => {
      // The critical first, as it happens when a disk fills: it fires before the warning that
      // it inhibits is sent (the warning's own group_wait). Posted in one batch, the two race
      // inside Alertmanager: the inhibitor and the dispatcher each read new alerts on their
      // own goroutine, and under load the warning's group (group_wait 1s here) was flushed
      // before the inhibitor had seen the critical (1 run in a few on a busy machine).
      await post([alert({ alertname: 'DiskFull', severity: 'critical', category: 'infrastructure', namespace: 'shop', service: 'db' })]);
      await waitFor('the critical notified', async () => (received.some((r) => r.path === '/slack/slack-critical') ? true : undefined));
      await post([
        alert({ alertname: 'DiskFull', severity: 'warning', category: 'infrastructure', namespace: 'shop', service: 'db' }), // inhibited
        alert({ alertname: 'DiskFull', severity: 'warning', category: 'infrastructure', namespace: 'other', service: 'db' }), // other namespace: not inhibited
        alert({ alertname: 'SlowRequests', severity: 'warning', category: 'application', namespace: 'shop', service: 'db' }), // other alertname
        alert({ alertname: 'Throttled', severity: 'info', category: 'infrastructure', namespace: 'shop', service: 'db' }),
      ]);
      const slackTo = (receiverName: string): Received[] => received.filter((r) => r.path === `/slack/${receiverName}`);
      await waitFor('notifications', async () =>
        ['slack-critical', 'slack-infrastructure', 'slack-application', 'default'].every((c) => slackTo(c).length > 0) && received.filter((r) => r.path === '/webhook').length >= 4 ? true : undefined,
      );
      // Give a possible (wrong) notification of the inhibited warning time to arrive.
      await sleep(2500);

      const text = (rs: Received[]): string => rs.map((r) => JSON.stringify(r.body)).join('\n');
      // Each receiver posted through its own URL, naming its channel.
      for (const [r, ch] of [['slack-critical', '#alerts-critical'], ['slack-infrastructure', '#alerts-infrastructure'], ['slack-application', '#alerts-application'], ['default', '#alerts-info']]) {
        expect(slackTo(r).map((x) => x.body.channel)).toEqual(slackTo(r).map(() => ch));
      }
      expect(text(slackTo('slack-critical'))).toContain('summary of DiskFull/critical/shop');
      expect(text(slackTo('slack-critical'))).toContain('<https://runbooks.example.com/alerts#DiskFull|Runbook>');
      expect(text(slackTo('slack-infrastructure'))).toContain('summary of DiskFull/warning/other');
      expect(text(slackTo('slack-application'))).toContain('summary of SlowRequests/warning/shop');
      expect(text(slackTo('default'))).toContain('summary of Throttled/info/shop');
      expect(slackTo('slack-warnings')).toEqual([]);
      expect(text(received)).not.toContain('summary of DiskFull/warning/shop');

      const webhooks = received.filter((r) => r.path === '/webhook');
      expect(webhooks.every((r) => r.headers.authorization === 'Bearer s3cr3t-token')).toBe(true);

      const state = (await (await fetch(`${base}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
      const inhibited = state.filter((a) => a.status.inhibitedBy.length > 0).map((a) => `${a.labels.alertname}/${a.labels.severity}/${a.labels.namespace}`);
      expect(inhibited).toEqual(['DiskFull/warning/shop']);
    });
  });

  it('Slack app token: one bot token (Authorization: Bearer) for every receiver, each naming its channel', async () => {
    const input: AlertmanagerConfigInput = { ...staging, slackAuth: 'app-token', routing: fastRouting };
    await withAlertmanager(
      input,
      () => ({ 'slack-app-token': 'xoxb-test-token' }),
      async ({ received, post }) => {
        await post([alert({ alertname: 'A', severity: 'critical', namespace: 'shop' }), alert({ alertname: 'B', severity: 'warning', category: 'application', namespace: 'shop' })]);
        await waitFor('two Slack messages', async () => (received.length >= 2 ? true : undefined));
        await sleep(1500);
        expect(received.map((r) => [r.path, r.headers.authorization, r.body.channel]).sort()).toEqual([
          ['/chat.postMessage', 'Bearer xoxb-test-token', '#alerts-application'],
          ['/chat.postMessage', 'Bearer xoxb-test-token', '#staging-critical'],
        ]);
      },
      // Slack's API stands in for https://slack.com/api/chat.postMessage (the default app_url).
      (yamlText, sink) => yamlText.replace('global:\n', `global:\n  slack_app_url: ${sink}/chat.postMessage\n`),
    );
  });

  it('Watchdog pings the dead man\'s switch every interval, reaches nothing else, and sends no "resolved"', async () => {
    const interval = 2; // seconds
    const input: AlertmanagerConfigInput = { ...staging, webhook: {}, deadMansSwitch: { interval: `${interval}s` }, routing: fastRouting };
    await withAlertmanager(input, (sink) => ({ ...slackSecrets(sink), 'webhook.url': `${sink}/webhook`, 'deadmans-switch.url': `${sink}/switch` }), async ({ received, post, elapsed, log }) => {
      // The config loads without a warning (repeat_interval under group_interval would log one at every reload).
      expect(log().split('\n').filter((l) => /level=WARN/.test(l) && /component=configuration/.test(l))).toEqual([]);
      const watchdog = { alertname: 'Watchdog', severity: 'none' };
      await post([alert(watchdog, new Date(Date.now() + 3600e3))]);
      const pings = () => received.filter((r) => r.path === '/switch');
      await waitFor('first ping', async () => (pings().length > 0 ? true : undefined));
      const first = pings()[0].at;
      await sleep(interval * 1000 * 4 + 500);
      const during = pings().filter((p) => p.at <= first + interval * 1000 * 4 + 250);
      // One ping per interval (at 0, 2, 4, 6, 8 s): with repeat_interval equal to
      // group_interval it would be every other one (3 pings).
      expect(during.length).toBeGreaterThanOrEqual(4);
      expect(during.length).toBeLessThanOrEqual(5);
      const gaps = during.slice(1).map((p, i) => p.at - during[i].at);
      for (const gap of gaps) expect(gap).toBeGreaterThan(interval * 1000 * 0.6);
      for (const gap of gaps) expect(gap).toBeLessThan(interval * 1000 * 1.5);
      for (const p of pings()) {
        expect(p.body.receiver).toBe('deadmans-switch');
        expect(p.body.status).toBe('firing');
        expect(p.body.alerts.map((a: { labels: { alertname: string } }) => a.labels.alertname)).toEqual(['Watchdog']);
      }
      // Nothing else saw it: not the copy to the webhook, not Slack.
      expect(received.filter((r) => r.path !== '/switch')).toEqual([]);

      // When Watchdog stops (Prometheus or the pipeline is down), the switch hears nothing
      // more: no "resolved" notification (send_resolved: false), which a switch would count
      // as a ping.
      await post([alert(watchdog, new Date())]);
      const stoppedAt = elapsed();
      await sleep(interval * 1000 * 2 + 500);
      expect(pings().filter((p) => p.at > stoppedAt + 500)).toEqual([]);
      expect(pings().every((p) => p.body.status === 'firing')).toBe(true);
    });
  });

  it('InfoInhibitor: an info alert alone is muted while InfoInhibitor fires in its namespace, and notified once a warning fires there', async () => {
    // As in a cluster: the info alert first; InfoInhibitor (a rule over ALERTS) fires one
    // evaluation later, within the info route's group_wait (55s against a 30s evaluation
    // interval in production; 6s against ~0s here), so it is in the inhibitor's cache when the
    // info group is flushed. Posting both at once with a 1s group_wait raced inside
    // Alertmanager (the inhibitor reads new alerts on its own goroutine).
    const input: AlertmanagerConfigInput = {
      ...staging,
      slackChannels: { ...channels, default: '#alerts-info' },
      routing: { ...fastRouting, default: { ...fast, groupWait: '6s' }, info: { ...fast, groupWait: '6s' } },
    };
    await withAlertmanager(input, slackSecrets, async ({ base, received, post }) => {
      const info = { alertname: 'CPUThrottlingHigh', severity: 'info', namespace: 'shop', service: 'api' };
      const infoElsewhere = { alertname: 'CPUThrottlingHigh', severity: 'info', namespace: 'other', service: 'api' };
      const inhibitor = { alertname: 'InfoInhibitor', severity: 'none', namespace: 'shop' };
      await post([alert(info), alert(infoElsewhere)]);
      await post([alert(inhibitor)]);
      const infoMessages = (ns: string) => received.filter((r) => r.path === '/slack/default' && JSON.stringify(r.body).includes(`summary of CPUThrottlingHigh/info/${ns}`));
      // The control: the same alert in a namespace without InfoInhibitor is notified.
      await waitFor('info alert of namespace other', async () => (infoMessages('other').length > 0 ? true : undefined));
      await sleep(2500);
      expect(infoMessages('shop')).toEqual([]);
      expect(received.filter((r) => JSON.stringify(r.body).includes('InfoInhibitor'))).toEqual([]);
      const state = async () => (await (await fetch(`${base}/api/v2/alerts?filter=namespace%3D%22shop%22`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
      expect((await state()).find((a) => a.labels.alertname === 'CPUThrottlingHigh')?.status.inhibitedBy.length).toBe(1);

      // A warning fires in shop: the rule's InfoInhibitor resolves, and the info alert is notified next to it.
      await post([alert(inhibitor, new Date()), alert({ alertname: 'HighLatency', severity: 'warning', namespace: 'shop', service: 'web' })]);
      await waitFor('info alert of namespace shop', async () => (infoMessages('shop').length > 0 ? true : undefined));
      expect(received.some((r) => r.path === '/slack/slack-warnings' && JSON.stringify(r.body).includes('summary of HighLatency/warning/shop'))).toBe(true);
      expect((await state()).find((a) => a.labels.alertname === 'CPUThrottlingHigh')?.status.inhibitedBy).toEqual([]);
    });
  });
});
