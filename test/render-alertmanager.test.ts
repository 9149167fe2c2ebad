import { ChildProcess, spawn } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { IncomingHttpHeaders, createServer } from 'http';
import { AddressInfo, createServer as createNetServer } from 'net';
import { join } from 'path';
import { parse } from 'yaml';
import {
  AlertmanagerConfigInput,
  SLACK_TEMPLATES,
  alertmanagerConfigYaml,
  alertmanagerSecretCommand,
  alertmanagerSecretKeys,
  renderAlertmanagerConfig,
} from '../lib/render/alertmanager';
import { production as productionConfig, staging as stagingConfig } from '../lib/config';
import { durationMs as configDurationMs } from '../lib/config/validate';
import { amtool, tempFiles, toolPath, withFiles } from './support/tools';

const SECRETS = '/etc/alertmanager/secrets';
const channels = {
  critical: '#alerts-critical',
  warnings: '#alerts-warnings',
  infrastructure: '#alerts-infrastructure',
  application: '#alerts-application',
};

/** Production as the default stack will run it: pages, email for critical, every alert to a webhook. */
const production: AlertmanagerConfigInput = {
  paging: true,
  secretsDir: SECRETS,
  slack: { channels },
  pagerduty: {},
  email: { to: 'sre-team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alertmanager@example.com' },
  webhook: { url: 'https://events.example.com/alertmanager', credentialsKey: 'webhook-token' },
  externalUrl: 'https://alertmanager.example.com',
};
/** The bare routing table of issue 4, production. */
const productionMinimal: AlertmanagerConfigInput = { paging: true, secretsDir: SECRETS, slack: { channels }, pagerduty: {} };
/** Staging: nobody is paged. */
const staging: AlertmanagerConfigInput = { paging: false, secretsDir: SECRETS, slack: { channels: { ...channels, critical: '#staging-critical' } } };
/** Staging with the copies restricted by severity. */
const stagingCopies: AlertmanagerConfigInput = {
  ...staging,
  email: { to: 'dev@example.com', from: 'am@example.com', smarthost: 'mail.example.com:25', severities: ['critical', 'warning'] },
  webhook: { url: 'http://alert-sink.tools.svc:8080/hook', severities: ['critical'] },
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

describe('renderAlertmanagerConfig', () => {
  it.each([
    ['production', production],
    ['production (minimal)', productionMinimal],
    ['staging', staging],
    ['staging (copies)', stagingCopies],
  ])('%s: amtool 0.25 check-config accepts it as is, without the secret files', (_name, input) => {
    const res = checkConfig(alertmanagerConfigYaml(input));
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('amtool check-config accepts it with the secret files present', () => {
    const t = tempFiles({});
    try {
      const dir = join(t.dir, 'secrets');
      mkdirSync(dir);
      const input = { ...production, secretsDir: dir };
      for (const { key } of alertmanagerSecretKeys(input)) writeFileSync(join(dir, key), `placeholder-${key}`);
      writeFileSync(join(t.dir, 'alertmanager.yml'), alertmanagerConfigYaml(input));
      const res = amtool(['check-config', 'alertmanager.yml'], { cwd: t.dir });
      expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    } finally {
      t.cleanup();
    }
  });

  it('the harness can fail: amtool rejects a field 0.25 does not know (webhook url_file)', () => {
    const bad = alertmanagerConfigYaml(production).replace('- url: https://events.example.com/alertmanager', `- url_file: ${SECRETS}/webhook-url`);
    const res = checkConfig(bad);
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('url_file');
  });

  it('renders the receivers issue 4 names, and only those configured', () => {
    const names = (input: AlertmanagerConfigInput): string[] =>
      ((renderAlertmanagerConfig(input).receivers as { name: string }[]).map((r) => r.name)).sort();
    expect(names(production)).toEqual(['default', 'email-team', 'pagerduty-critical', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings', 'webhook']);
    expect(names(productionMinimal)).toEqual(['default', 'pagerduty-critical', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings']);
    expect(names(staging)).toEqual(['default', 'slack-application', 'slack-critical', 'slack-infrastructure', 'slack-warnings']);
  });

  it('staging has no pager at all: no PagerDuty receiver, no route to it, no PagerDuty secret key', () => {
    const yamlText = alertmanagerConfigYaml(stagingCopies);
    expect(yamlText).not.toMatch(/pagerduty/i);
    expect(alertmanagerSecretKeys(stagingCopies).map((k) => k.key)).toEqual(['slack-webhook-url']);
  });

  it('Slack receivers post to their channel, with the runbook link, and resolve messages', () => {
    const cfg = renderAlertmanagerConfig(production);
    const slack = (name: string): Record<string, unknown> =>
      ((cfg.receivers as { name: string; slack_configs: Record<string, unknown>[] }[]).find((r) => r.name === name) as { slack_configs: Record<string, unknown>[] }).slack_configs[0];
    expect(slack('slack-critical')).toMatchObject({ channel: '#alerts-critical', api_url_file: `${SECRETS}/slack-webhook-url`, send_resolved: true });
    expect(slack('slack-warnings').channel).toBe('#alerts-warnings');
    expect(slack('slack-infrastructure').channel).toBe('#alerts-infrastructure');
    expect(slack('slack-application').channel).toBe('#alerts-application');
    expect(slack('default').channel).toBe('#alerts-warnings');
    expect(slack('slack-critical').title_link).toBe('https://alertmanager.example.com/#/alerts?receiver={{ .Receiver | urlquery }}');
    const perChannel = renderAlertmanagerConfig({ ...production, slack: { channels: { ...channels, default: '#alerts-info' }, apiUrlKeys: { 'slack-critical': 'slack-critical-url' } } });
    const receivers = perChannel.receivers as { name: string; slack_configs?: { api_url_file: string; channel: string }[] }[];
    expect(receivers.find((r) => r.name === 'slack-critical')?.slack_configs?.[0].api_url_file).toBe(`${SECRETS}/slack-critical-url`);
    expect(receivers.find((r) => r.name === 'slack-warnings')?.slack_configs?.[0].api_url_file).toBe(`${SECRETS}/slack-webhook-url`);
    expect(receivers.find((r) => r.name === 'default')?.slack_configs?.[0].channel).toBe('#alerts-info');
  });

  it('the Slack templates render with amtool 0.25 (summary, description, runbook link)', () => {
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

  it('inhibition: critical silences warning and info, warning silences info, for the same alertname/namespace/service', () => {
    expect(renderAlertmanagerConfig(staging).inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ['alertname', 'namespace', 'service'] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ['alertname', 'namespace', 'service'] },
    ]);
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
    const route = renderAlertmanagerConfig(production).route as { group_wait: string; routes: { group_wait?: string }[] };
    const waits = [route.group_wait, ...route.routes.map((r) => r.group_wait)].filter((w): w is string => w !== undefined);
    expect(new Set(waits)).toEqual(new Set(['10s', '25s', '55s']));
    for (const config of [stagingConfig, productionConfig]) {
      const evaluation = configDurationMs(config.prometheus.evaluationInterval);
      for (const wait of waits) expect([wait, configDurationMs(wait) % evaluation]).not.toEqual([wait, 0]);
    }
  });

  it('output is deterministic (snapshot of production)', () => {
    expect(alertmanagerConfigYaml(production)).toBe(alertmanagerConfigYaml(production));
    expect(alertmanagerConfigYaml(production)).toMatchSnapshot();
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
    routeTest(production, ['severity=critical', 'category=application'], ['pagerduty-critical', 'email-team', 'webhook', 'slack-critical']);
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
  const SECRET_VALUE_FIELDS = ['api_url', 'routing_key', 'service_key', 'auth_password', 'auth_secret', 'credentials', 'password', 'bearer_token', 'slack_api_url', 'smtp_auth_password', 'api_key', 'token', 'url_file'];

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
    ['staging (copies)', stagingCopies],
  ])('%s: only *_file references under the mounted Secret, no secret-valued field', (_name, input) => {
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
    expect(files.length).toBeGreaterThan(0);
    expect(new Set(files)).toEqual(new Set(alertmanagerSecretKeys(input).map((k) => `${SECRETS}/${k.key}`)));
  });

  it('the input type has no field for a secret value (compile-time), and an unknown field is refused (run time)', () => {
    const withSecret = {
      ...staging,
      // @ts-expect-error: there is no apiUrl field; the URL lives in the Secret
      slack: { channels, apiUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' },
    } satisfies AlertmanagerConfigInput;
    expect(() => renderAlertmanagerConfig(withSecret)).toThrow(/alertmanager\.slack\.apiUrl: unknown field/);
  });

  it('webhook URLs carrying credentials are refused', () => {
    expect(() => renderAlertmanagerConfig({ ...staging, webhook: { url: 'https://hook.example.com/x?token=abc' } })).toThrow(/alertmanager\.webhook\.url: must not contain a query string/);
    expect(() => renderAlertmanagerConfig({ ...staging, webhook: { url: 'https://user:pw@hook.example.com/x' } })).toThrow(/alertmanager\.webhook\.url: must not contain user info/);
  });

  it('lists the Secret keys and the one kubectl command that creates them', () => {
    expect(alertmanagerSecretKeys(production).map((k) => k.key)).toEqual(['slack-webhook-url', 'pagerduty-routing-key', 'smtp-password', 'webhook-token']);
    expect(alertmanagerSecretCommand(production, 'alertmanager-receivers', 'monitoring')).toBe(
      [
        'kubectl create secret generic alertmanager-receivers --namespace monitoring',
        "  --from-literal=slack-webhook-url='<slack-webhook-url>'",
        "  --from-literal=pagerduty-routing-key='<pagerduty-routing-key>'",
        "  --from-literal=smtp-password='<smtp-password>'",
        "  --from-literal=webhook-token='<webhook-token>'",
      ].join(' \\\n'),
    );
  });
});

describe('validation: bad input names the field and the fix', () => {
  const cases: [string, AlertmanagerConfigInput, RegExp][] = [
    ['unknown receiver', { ...staging, slack: { channels, apiUrlKeys: { 'slack-critcal': 'x' } as never } }, /alertmanager\.slack\.apiUrlKeys\.slack-critcal: unknown field; allowed fields are slack-critical, /],
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
    ['password key without user', { ...staging, email: { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:25', authPasswordKey: 'pw' } }, /alertmanager\.email\.authPasswordKey: is set without authUsername/],
    ['unknown email severity', { ...staging, email: { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:25', severities: ['page' as never] } }, /alertmanager\.email\.severities\[0\]: unknown severity "page"/],
    ['empty slack channel', { ...staging, slack: { channels: { ...channels, warnings: '' } } }, /alertmanager\.slack\.channels\.warnings: is empty; set the Slack channel/],
    ['slack channel with spaces', { ...staging, slack: { channels: { ...channels, application: '#app alerts' } } }, /alertmanager\.slack\.channels\.application: "#app alerts" is not a Slack channel/],
    ['missing slack channel', { ...staging, slack: { channels: { critical: '#c', warnings: '#w', infrastructure: '#i' } as never } }, /alertmanager\.slack\.channels\.application: is empty/],
    ['bad secret key', { ...staging, slack: { channels, apiUrlKey: 'slack url' } }, /alertmanager\.slack\.apiUrlKey: "slack url" is not a valid Secret key/],
    ['paging without pagerduty', { ...staging, paging: true }, /alertmanager\.pagerduty: is required when paging is true/],
    ['pagerduty without paging', { ...staging, pagerduty: {} }, /alertmanager\.pagerduty: is set but paging is false .*remove pagerduty, or set paging: true/],
    ['relative secretsDir', { ...staging, secretsDir: 'secrets' }, /alertmanager\.secretsDir: "secrets" must be an absolute path/],
    ['bad externalUrl', { ...staging, externalUrl: 'alertmanager.example.com' }, /alertmanager\.externalUrl: "alertmanager\.example\.com" is not an absolute URL/],
    ['bad inhibitEqual', { ...staging, inhibitEqual: [] }, /alertmanager\.inhibitEqual: must be a non-empty list of label names/],
    ['unknown top-level field', { ...staging, receivers: [] } as never, /alertmanager\.receivers: unknown field/],
    ['bad resolveTimeout', { ...staging, resolveTimeout: '5 min' }, /alertmanager\.resolveTimeout: "5 min" is not an Alertmanager duration/],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    expect(() => renderAlertmanagerConfig(input)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => renderAlertmanagerConfig({ ...staging, secretsDir: 'x', slack: { channels: { ...channels, critical: '' } } })).toThrow(
      /secretsDir[\s\S]*channels\.critical/,
    );
  });
});

// ------------------------------------------------------------------------------------------
// End to end with Debian's Alertmanager 0.25 binary: it reads the *_file secrets, routes,
// inhibits and renders the Slack templates. Slack and the webhook point at a local server.
// ------------------------------------------------------------------------------------------

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
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
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('Alertmanager 0.25 end to end', () => {
  it('delivers through the *_file secrets to the right channels, and inhibits warnings under a critical', async () => {
    const received: Received[] = [];
    const sink = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkPort = (sink.address() as AddressInfo).port;
    const amPort = await freePort();
    const t = tempFiles({});
    let am: ChildProcess | undefined;
    let amLog = '';
    try {
      const secrets = join(t.dir, 'secrets');
      mkdirSync(secrets);
      writeFileSync(join(secrets, 'slack-webhook-url'), `http://127.0.0.1:${sinkPort}/slack`);
      writeFileSync(join(secrets, 'webhook-token'), 's3cr3t-token');
      const fast = { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' };
      const input: AlertmanagerConfigInput = {
        ...staging,
        secretsDir: secrets,
        slack: { channels: { ...channels, default: '#alerts-info' } },
        webhook: { url: `http://127.0.0.1:${sinkPort}/webhook`, credentialsKey: 'webhook-token' },
        routing: { default: fast, critical: fast, warning: fast, info: fast },
      };
      writeFileSync(join(t.dir, 'alertmanager.yml'), alertmanagerConfigYaml(input));
      am = spawn(
        toolPath('alertmanager'),
        ['--config.file=alertmanager.yml', `--storage.path=${join(t.dir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=debug'],
        { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      am.stdout?.on('data', (c) => (amLog += c));
      am.stderr?.on('data', (c) => (amLog += c));
      const base = `http://127.0.0.1:${amPort}`;
      await waitFor('Alertmanager ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));

      const alert = (labels: Record<string, string>) => ({
        labels,
        annotations: { summary: `summary of ${labels.alertname}/${labels.severity}/${labels.namespace}`, runbook_url: `https://runbooks.example.com/alerts#${labels.alertname}` },
        startsAt: new Date().toISOString(),
      });
      const alerts = [
        alert({ alertname: 'DiskFull', severity: 'critical', category: 'infrastructure', namespace: 'shop', service: 'db' }),
        alert({ alertname: 'DiskFull', severity: 'warning', category: 'infrastructure', namespace: 'shop', service: 'db' }), // inhibited
        alert({ alertname: 'DiskFull', severity: 'warning', category: 'infrastructure', namespace: 'other', service: 'db' }), // other namespace: not inhibited
        alert({ alertname: 'SlowRequests', severity: 'warning', category: 'application', namespace: 'shop', service: 'db' }), // other alertname
        alert({ alertname: 'Throttled', severity: 'info', category: 'infrastructure', namespace: 'shop', service: 'db' }),
      ];
      const post = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(post.status).toBe(200);

      const slackTo = (channel: string): Received[] => received.filter((r) => r.path === '/slack' && r.body.channel === channel);
      await waitFor('notifications', async () =>
        ['#alerts-critical', '#alerts-infrastructure', '#alerts-application', '#alerts-info'].every((c) => slackTo(c).length > 0) &&
        received.filter((r) => r.path === '/webhook').length >= 4
          ? true
          : undefined,
      );
      // Give a possible (wrong) notification of the inhibited warning time to arrive.
      await new Promise((r) => setTimeout(r, 2500));

      const text = (rs: Received[]): string => rs.map((r) => JSON.stringify(r.body)).join('\n');
      expect(text(slackTo('#alerts-critical'))).toContain('summary of DiskFull/critical/shop');
      expect(text(slackTo('#alerts-critical'))).toContain('<https://runbooks.example.com/alerts#DiskFull|Runbook>');
      expect(text(slackTo('#alerts-infrastructure'))).toContain('summary of DiskFull/warning/other');
      expect(text(slackTo('#alerts-application'))).toContain('summary of SlowRequests/warning/shop');
      expect(text(slackTo('#alerts-info'))).toContain('summary of Throttled/info/shop');
      expect(slackTo('#alerts-warnings')).toEqual([]);
      expect(text(received)).not.toContain('summary of DiskFull/warning/shop');

      const webhooks = received.filter((r) => r.path === '/webhook');
      expect(webhooks.every((r) => r.headers.authorization === 'Bearer s3cr3t-token')).toBe(true);

      const state = (await (await fetch(`${base}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
      const inhibited = state.filter((a) => a.status.inhibitedBy.length > 0).map((a) => `${a.labels.alertname}/${a.labels.severity}/${a.labels.namespace}`);
      expect(inhibited).toEqual(['DiskFull/warning/shop']);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- alertmanager log ---\n${amLog.slice(-4000)}`);
    } finally {
      if (am?.pid !== undefined && am.exitCode === null) {
        const exited = new Promise((r) => am?.once('exit', r));
        am.kill('SIGTERM');
        await exited;
      }
      await new Promise((r) => sink.close(r));
      t.cleanup();
    }
  });
});
