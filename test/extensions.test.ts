import { writeFileSync } from 'fs';
import { Testing } from 'cdk8s';
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as prom from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { parse } from 'yaml';
import { agentsNamespace } from '../lib/components/namespace';
import { configProblems, defineEnvironment, EnvironmentInput, production, StackConfig } from '../lib/config';
import { environmentImages } from '../lib/images';
import { checkPolicies, Obj, secretFindings } from '../lib/policy';
import { readPrometheusRuleFile } from '../lib/observability/rule-group';
import { MonitoringStack } from '../lib/stack';
import { synthesizeEnvironment } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import { k8sCluster } from './fixtures/k8s-sd/cluster';
import { replaceKubernetesSd } from './support/file-sd';
import { allObjects, K8sObject } from './support/synth';
import { promtool, tempFiles, withFiles } from './support/tools';

/** The production example with every extension point of issue 18 in use. */
const RULE_FILE = `groups:
  - name: shop.rules
    interval: 1m
    rules:
      - record: job:shop_requests:rate5m
        expr: sum by (job) (rate(shop_requests_total[5m]))
      - alert: ShopCheckoutErrors
        expr: sum(rate(shop_checkout_errors_total[5m])) > 1
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: critical
          team: payments
        annotations:
          summary: Checkout is failing
`;

const builderDashboard = new dash.DashboardBuilder('Shop (SDK)')
  .uid('shop-sdk')
  .withPanel(
    new timeseries.PanelBuilder()
      .title('Requests')
      .datasource({ type: 'prometheus', uid: 'thanos-query' })
      .withTarget(new prom.DataqueryBuilder().expr('sum(rate(shop_requests_total[$__rate_interval]))').refId('A')),
  );

const jsonDashboard = {
  uid: 'shop-json',
  title: 'Shop (JSON)',
  panels: [{ id: 1, type: 'timeseries', title: 'Errors', datasource: { type: 'prometheus', uid: 'prometheus' }, targets: [{ refId: 'A', expr: 'sum(rate(shop_checkout_errors_total[5m]))' }] }],
  schemaVersion: 39,
};

const EXTENDED: Omit<EnvironmentInput, 'environment'> & { environment: string } = {
  ...(production as unknown as EnvironmentInput),
  environment: 'extended',
  prometheus: {
    ...production.prometheus,
    externalLabels: { region: 'eu-west-1', tier: 'gold' },
    secrets: [{ name: 'shop-scrape' }],
    remoteWrite: [
      { url: 'https://mimir.example.com/api/v1/push', name: 'mimir', auth: { type: 'basic', username: 'prod-eu-1', secret: { name: 'mimir-remote-write' } }, headers: { 'X-Scope-OrgID': 'shop' } },
      {
        url: 'https://metrics.example.net:8443/push',
        auth: { type: 'bearer', secret: { name: 'saas-token' }, tokenKey: 'api-token' },
        writeRelabelConfigs: [{ source_labels: ['__name__'], regex: 'slo:.*', action: 'keep' }],
      },
    ],
    extraScrapeConfigs: [
      {
        job_name: 'legacy-vm',
        scheme: 'https',
        static_configs: [{ targets: ['legacy.example.com:9443'], labels: { team: 'shop' } }],
        basic_auth: { username: 'prometheus', password_file: '/etc/prometheus/secrets/shop-scrape/password' },
      },
      {
        job_name: 'shop-ingresses',
        metrics_path: '/probe',
        kubernetes_sd_configs: [{ role: 'ingress', namespaces: { names: ['shop'] } }],
        relabel_configs: [{ source_labels: ['__meta_kubernetes_ingress_name'], target_label: 'ingress' }],
      },
    ],
  },
  grafana: {
    ...production.grafana,
    externalUrl: undefined,
    ingress: { host: 'grafana.example.com', className: 'nginx', tlsSecret: { name: 'grafana-tls' }, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
    sso: {
      clientId: 'grafana-prod',
      clientSecret: { name: 'grafana-oauth' },
      authUrl: 'https://sso.example.com/oauth2/authorize',
      tokenUrl: 'https://sso.example.com/oauth2/token',
      apiUrl: 'https://sso.example.com:8443/oauth2/userinfo',
      roleAttributePath: "contains(groups[*], 'sre') && 'Admin' || 'Viewer'",
      groupsAttributePath: 'groups[*]',
      allowedGroups: ['sre', 'shop developers'],
    },
    dashboardFolders: [{ uid: 'shop', title: 'Shop', dashboards: [jsonDashboard, builderDashboard] }],
  },
  alerts: { ...production.alerts, extraRuleGroups: readPrometheusRuleFile(RULE_FILE, 'shop.rules.yml') },
};

const extended: StackConfig = defineEnvironment(EXTENDED as EnvironmentInput);
const files = synthesizeEnvironment(extended);
const objects: K8sObject[] = allObjects(files).map((o) => o.object);
const find = (kind: string, name: string, namespace?: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`${found.length} ${kind}/${name}`);
  return found[0];
};

/**
 * TCP ports a component's NetworkPolicy lets it reach at an address block: rules to that
 * block and rules to any address (the policy's rules are regrouped, so the ports may come
 * from either).
 */
function egressPortsTo(component: string, cidr: string): number[] {
  const rules = find('NetworkPolicy', component).spec.egress as any[];
  return rules.filter((r) => r.to === undefined || r.to.some((p: any) => p.ipBlock?.cidr === cidr)).flatMap((r) => (r.ports ?? []).map((p: any) => p.port));
}

function messages(change: (c: any) => void): string[] {
  const copy = structuredClone({ ...extended, grafana: { ...extended.grafana, dashboardFolders: undefined } }) as any;
  copy.grafana.dashboardFolders = [{ uid: 'shop', title: 'Shop', dashboards: [jsonDashboard] }];
  change(copy);
  return configProblems(copy).map((p) => `${p.path}: ${p.message}`);
}

describe('every object of the extended environment is valid and passes the policies', () => {
  test.each(objects.filter((o) => !o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s against the Kubernetes OpenAPI schema',
    async (_name, object) => {
      const mod = await import(`kubernetes-models/${object.apiVersion}`);
      expect(() => new mod[object.kind](object).validate()).not.toThrow();
    },
  );

  test('policies (restricted, resources, probes, RBAC, network), and no secret value anywhere', () => {
    const violations = checkPolicies({ objects: objects as Obj[], pinnedImages: environmentImages(extended), agentsNamespace: agentsNamespace(extended.namespace), requireSpread: true });
    expect(violations.map((v) => `${v.object} [${v.rule}] ${v.detail}`)).toEqual([]);
    expect([...files].flatMap(([file, text]) => secretFindings(text).map((f) => `${file}:${f.line} ${f.name}`))).toEqual([]);
  });
});

describe('alerts.extraRuleGroups', () => {
  test('are in the rule files Prometheus loads and in the extra-rules PrometheusRule alike, and promtool accepts them', () => {
    const ruleFiles: Record<string, string> = find('ConfigMap', 'prometheus-rules').data;
    const cr = find('PrometheusRule', 'extra-rules');
    expect(parse(ruleFiles['extra-rules.rules.yaml']).groups).toEqual(cr.spec.groups);
    expect(cr.spec.groups).toEqual(parse(RULE_FILE).groups.map((g: any) => ({ ...g, rules: g.rules.map((r: any) => ({ ...r, ...(r.labels ? { labels: Object.fromEntries(Object.entries(r.labels).sort()) } : {}) })) })));
    const res = withFiles({ 'extra.yaml': ruleFiles['extra-rules.rules.yaml'] }, (dir) => promtool(['check', 'rules', 'extra.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS: 2 rules found');
  });

  test('the user\'s alert fires as written (promtool test rules on the synthesized rule file)', () => {
    const ruleFile = find('ConfigMap', 'prometheus-rules').data['extra-rules.rules.yaml'];
    const test = {
      rule_files: ['extra.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          // 120/min = 2/s just above the threshold of 1/s; 30/min = 0.5/s below it.
          input_series: [{ series: 'shop_checkout_errors_total{job="shop"}', values: '0+120x20 2400+30x20' }],
          alert_rule_test: [
            { eval_time: '12m', alertname: 'ShopCheckoutErrors', exp_alerts: [{ exp_labels: { severity: 'critical', team: 'payments' }, exp_annotations: { summary: 'Checkout is failing' } }] },
            // Below the threshold from minute 20 on, but keep_firing_for holds it 10 more minutes.
            { eval_time: '28m', alertname: 'ShopCheckoutErrors', exp_alerts: [{ exp_labels: { severity: 'critical', team: 'payments' }, exp_annotations: { summary: 'Checkout is failing' } }] },
            { eval_time: '38m', alertname: 'ShopCheckoutErrors', exp_alerts: [] },
          ],
        },
      ],
    };
    const res = withFiles({ 'extra.yaml': ruleFile, 'test.yaml': toYaml(test) }, (dir) => promtool(['test', 'rules', 'test.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
  });

  test('invalid PromQL, a bad duration and a name the stack uses are refused, naming the field', () => {
    expect(messages((c) => (c.alerts.extraRuleGroups = [{ name: 'shop', rules: [{ alert: 'X', expr: 'sum(rate(x[5m])', keep_firing_for: 'soon' }] }]))).toEqual([
      expect.stringMatching(/^alerts\.extraRuleGroups\[0\]\.rules\[0\]\.keep_firing_for: "soon" is not a Prometheus duration/),
      expect.stringMatching(/^alerts\.extraRuleGroups\[0\]\.rules\[0\]\.expr: invalid PromQL/),
    ]);
    const clash = { ...extended, alerts: { extraRuleGroups: [{ name: 'grafana', rules: [{ alert: 'X', expr: 'up == 0' }] }] } } as StackConfig;
    expect(() => synthesizeEnvironment(clash)).toThrow('alerts.extraRuleGroups[0].name: "grafana" is already a rule group of the stack (declared by grafana); give your group another name');
  });
});

describe('Prometheus: remote_write, external labels, extra scrape configs', () => {
  const promYml = () => parse(find('ConfigMap', 'prometheus-config').data['prometheus.yml']);

  test('promtool check config accepts the rendered config (credentials files in place of the mounted Secrets; the ingress-discovery job left out: Debian\'s promtool has no Kubernetes discovery and the fixture emulates only pods, endpoint slices and nodes)', () => {
    const t = tempFiles({
      'sa/token': 'token\n',
      'sa/ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      'secrets/mimir-remote-write/password': 'p\n',
      'secrets/saas-token/api-token': 't\n',
      'secrets/shop-scrape/password': 'p\n',
      ...Object.fromEntries(Object.entries(find('ConfigMap', 'prometheus-rules').data as Record<string, string>).map(([k, v]) => [`rules/${k}`, v])),
    });
    try {
      const rendered = promYml();
      rendered.scrape_configs = rendered.scrape_configs.filter((j: { job_name: string }) => j.job_name !== 'shop-ingresses');
      const { config } = replaceKubernetesSd(rendered, k8sCluster(), {
        dir: t.dir,
        rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': t.path('sa/'), '/etc/prometheus/rules/': t.path('rules/'), '/etc/prometheus/secrets/': t.path('secrets/') },
      });
      writeFileSync(t.path('prometheus.yml'), toYaml(config));
      const res = promtool(['check', 'config', 'prometheus.yml'], { cwd: t.dir });
      expect(res.output).toContain('SUCCESS');
      expect(res.status).toBe(0);
    } finally {
      t.cleanup();
    }
  });

  test('credentials come from mounted Secrets; external labels join cluster and the replica label', () => {
    const config = promYml();
    expect(config.global.external_labels).toEqual({ cluster: 'prod-eu-1', prometheus_replica: '${POD_NAME}', region: 'eu-west-1', tier: 'gold' });
    expect(config.remote_write).toEqual([
      { url: 'https://mimir.example.com/api/v1/push', name: 'mimir', headers: { 'X-Scope-OrgID': 'shop' }, basic_auth: { username: 'prod-eu-1', password_file: '/etc/prometheus/secrets/mimir-remote-write/password' } },
      {
        url: 'https://metrics.example.net:8443/push',
        authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/secrets/saas-token/api-token' },
        write_relabel_configs: [{ source_labels: ['__name__'], regex: 'slo:.*', action: 'keep' }],
      },
    ]);
    expect(config.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(expect.arrayContaining(['legacy-vm', 'shop-ingresses']));
    const sts = find('StatefulSet', 'prometheus');
    const mounts = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === 'prometheus').volumeMounts;
    const volumes = sts.spec.template.spec.volumes;
    for (const secret of ['shop-scrape', 'mimir-remote-write', 'saas-token']) {
      const mount = mounts.find((m: { mountPath: string }) => m.mountPath === `/etc/prometheus/secrets/${secret}`);
      expect(mount).toMatchObject({ readOnly: true });
      expect(volumes.find((v: { name: string }) => v.name === mount.name).secret.secretName).toBe(secret);
    }
    // The reloader does not need them.
    expect(sts.spec.template.spec.containers.find((c: { name: string }) => c.name === 'config-reloader').volumeMounts.map((m: { name: string }) => m.name)).toEqual(['config', 'rules']);
  });

  test('RBAC for discovery in a named namespace; egress to the receivers and static targets', () => {
    const role = find('Role', 'monitoring-prometheus', 'shop');
    expect(role.rules).toEqual([{ apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] }]);
    expect(find('RoleBinding', 'monitoring-prometheus', 'shop').subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
    expect(egressPortsTo('prometheus', '0.0.0.0/0')).toEqual(expect.arrayContaining([443, 8443, 9443]));
  });

  test('bad values are refused, naming the field', () => {
    expect(
      messages((c) => {
        c.prometheus.externalLabels = { cluster: 'x', 'bad-name': 'y', env: 'a$b' };
        c.prometheus.remoteWrite = [
          { url: 'https://user:pass@mimir.example.com/push', headers: { Authorization: 'Bearer x', 'User-Agent': 'me' } },
          { url: 'https://mimir.example.com/push', name: 'a', auth: { type: 'bearer', secret: { name: 'Bad Name' } } },
        ];
        c.prometheus.extraScrapeConfigs = [
          { job_name: 'kubelet' },
          { job_name: 'x', scrape_interval: '10s', scrape_timeout: '20s', authorization: { credentials_file: '/etc/secrets/token' }, static_configs: [{ targets: ['http://x'] }], relabel_configs: [{ regex: '(' }] },
        ];
      }),
    ).toEqual([
      'prometheus.externalLabels.cluster: is set by the stack (the cluster name); choose another name',
      "prometheus.externalLabels.bad-name: is not a Prometheus label name; use letters, digits and '_' (not starting with '__')",
      'prometheus.externalLabels.env: "a$b" is not allowed; use a non-empty value without \'$\' (Prometheus 3 expands $VAR in external labels)',
      'prometheus.remoteWrite[0].url: must not carry credentials; use auth with a Secret',
      'prometheus.remoteWrite[0].headers.Authorization: is not allowed (it would put a credential in the config); use auth with a Secret',
      'prometheus.remoteWrite[0].headers.User-Agent: is set by Prometheus itself and cannot be changed',
      'prometheus.remoteWrite[1].auth.secret.name: "Bad Name" is not a valid Kubernetes Secret name; use lower-case letters, digits, \'-\' and \'.\' (e.g. "alertmanager-receivers")',
      'prometheus.extraScrapeConfigs[0].job_name: "kubelet" is already a job of the stack or of another extra scrape config; job names must be unique',
      'prometheus.extraScrapeConfigs[1].scrape_timeout: "20s" is longer than the scrape interval "10s"; Prometheus refuses it',
      'prometheus.extraScrapeConfigs[1].authorization.credentials_file: "/etc/secrets/token" is not in a mounted Secret; list the Secret in prometheus.secrets and use /etc/prometheus/secrets/<secret>/<key>',
      'prometheus.extraScrapeConfigs[1].static_configs[0].targets[0]: "http://x" is not "host:port"',
      expect.stringMatching(/^prometheus\.extraScrapeConfigs\[1\]\.relabel_configs\[0\]\.regex: "\(" is not a regular expression/),
      'prometheus.extraScrapeConfigs[1].relabel_configs[0].target_label: is required by action "replace"',
    ]);
    // A field Prometheus 2.42 does not know is an unknown field here too.
    expect(messages((c) => (c.prometheus.extraScrapeConfigs = [{ job_name: 'x', scrape_protocols: ['PrometheusText0.0.4'] }]))).toEqual([
      expect.stringMatching(/^prometheus\.extraScrapeConfigs\[0\]\.scrape_protocols: unknown field/),
    ]);
  });
});

describe('Grafana: Ingress, single sign-on, dashboards of your own', () => {
  const ini = () => find('ConfigMap', 'grafana-config').data['grafana.ini'] as string;

  test('an Ingress for the host with its TLS Secret and class; root_url from it; the controller may reach Grafana', () => {
    const ingress = find('Ingress', 'grafana');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['grafana.example.com'], secretName: 'grafana-tls' }],
      rules: [{ host: 'grafana.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'grafana', port: { name: 'http' } } } }] } }],
    });
    expect(ini()).toContain('root_url = https://grafana.example.com/\n');
    expect(ini()).toContain('cookie_secure = true\n');
    const ingressRule = find('NetworkPolicy', 'grafana').spec.ingress.find((r: any) => r.from?.some((p: any) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx'));
    expect(ingressRule.ports).toEqual([{ port: 3000, protocol: 'TCP' }]);
  });

  test('generic OAuth with the client secret read from the mounted Secret, anonymous access off, egress to the provider', () => {
    const text = ini();
    expect(text).toContain(
      [
        '[auth.generic_oauth]',
        'enabled = true',
        'name = SSO',
        'client_id = grafana-prod',
        'client_secret = $__file{/etc/grafana/oauth/client-secret}',
        'scopes = openid email profile',
        'auth_url = https://sso.example.com/oauth2/authorize',
        'token_url = https://sso.example.com/oauth2/token',
        'api_url = https://sso.example.com:8443/oauth2/userinfo',
        'use_pkce = true',
        'allow_sign_up = true',
        "role_attribute_path = contains(groups[*], 'sre') && 'Admin' || 'Viewer'",
        'groups_attribute_path = groups[*]',
        'allowed_groups = ["sre","shop developers"]',
      ].join('\n'),
    );
    expect(text).toContain('[auth.anonymous]\nenabled = false\n');
    const deployment = find('Deployment', 'grafana');
    const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'oauth');
    expect(volume.secret).toEqual({ secretName: 'grafana-oauth', defaultMode: 0o440, items: [{ key: 'client-secret', path: 'client-secret' }] });
    expect(deployment.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'oauth', mountPath: '/etc/grafana/oauth', readOnly: true });
    expect(egressPortsTo('grafana', '0.0.0.0/0')).toEqual(expect.arrayContaining([443, 8443]));
  });

  test('your dashboards (JSON and SDK builder) in your folder, provisioned like the stack\'s', () => {
    const cm = find('ConfigMap', 'grafana-dashboards-shop');
    expect(Object.keys(cm.data).sort()).toEqual(['shop-json.json', 'shop-sdk.json']);
    expect(JSON.parse(cm.data['shop-json.json'])).toEqual(jsonDashboard);
    expect(JSON.parse(cm.data['shop-sdk.json']).title).toBe('Shop (SDK)');
    const providers = parse(find('ConfigMap', 'grafana-dashboard-providers').data['dashboards.yaml']).providers;
    expect(providers[providers.length - 1]).toMatchObject({ name: 'shop', folder: 'Shop', folderUid: 'shop', options: { path: '/var/lib/grafana-dashboards/shop' } });
    const mounts = find('Deployment', 'grafana').spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: 'dashboards-shop', mountPath: '/var/lib/grafana-dashboards/shop', readOnly: true });
  });

  test('bad values are refused, naming the field', () => {
    expect(
      messages((c) => {
        c.network.ingressController = undefined;
        c.grafana.ingress.host = 'Grafana_Example';
        c.grafana.sso.tokenUrl = 'http://sso.example.com/token';
        c.grafana.dashboardFolders = [
          { uid: 'slo', title: 'Mine', dashboards: [{ title: 'no uid' }] },
          {
            uid: 'mine',
            title: 'Mine',
            dashboards: [
              { uid: 'stack-slo-portfolio', title: 'Clash' },
              { uid: 'bad', title: 'Bad', panels: [{ datasource: { type: 'prometheus', uid: 'influx' }, targets: [{ expr: 'up' }] }, { datasource: { uid: 'loki' }, targets: [{ expr: '{app="x"} |=' }] }] },
            ],
          },
        ];
      }),
    ).toEqual([
      'grafana.ingress.host: "Grafana_Example" is not a host name; use lower-case letters, digits, \'-\' and \'.\' (e.g. "grafana.example.com")',
      'grafana.ingress: needs network.ingressController (the namespace of the ingress controller): without it the NetworkPolicy keeps the controller out',
      'grafana.sso.tokenUrl: "http://sso.example.com/token" is not an https URL; the identity provider must be reached over TLS',
      'grafana.dashboardFolders[0].uid: "slo" is a folder of the stack; give your folder its own uid',
      expect.stringMatching(/^grafana\.dashboardFolders\[0\]\.dashboards\[0\]\.uid: undefined is not allowed; every dashboard needs a fixed uid/),
      expect.stringMatching(/^grafana\.dashboardFolders\[1\]\.dashboards\[0\]\.uid: "stack-slo-portfolio" is already the uid of another dashboard/),
      'grafana.dashboardFolders[1].dashboards[1].panels[0].datasource: datasource "influx" is not provisioned by the stack; use one of "thanos-query", "prometheus", "loki", "alertmanager", or a dashboard variable',
      expect.stringMatching(/^grafana\.dashboardFolders\[1\]\.dashboards\[1\]\.panels\[1\]\.targets\[0\]\.expr: invalid LogQL/),
    ]);
    expect(messages((c) => (c.grafana.sso.allowedGroups = ['sre']) && (c.grafana.sso.groupsAttributePath = undefined))).toEqual([
      'grafana.sso.groupsAttributePath: is required with allowedGroups: where Grafana finds the user\'s groups (e.g. "groups[*]")',
    ]);
    expect(messages((c) => ((c.grafana.ingress = undefined), (c.grafana.externalUrl = undefined)))).toEqual(['grafana.sso: needs a public URL for the login redirect: set grafana.externalUrl or grafana.ingress']);
  });
});

describe('construct-API additions after construction either work or throw', () => {
  test('rule groups added after the stack wrote its rule files are refused, not dropped', () => {
    const stack = new MonitoringStack(Testing.app(), 'prod', production);
    const group = { name: 'late', rules: [{ alert: 'Late', expr: 'up == 0' }] };
    expect(() => stack.context.rules.add('mine', [group])).toThrow(/rule groups \[late\] come too late: Prometheus's rule files were written when MonitoringStack "prod" was constructed\. Declare your own groups in the config \(alerts\.extraRuleGroups\)/);
    expect(() => stack.charts[0].addRuleGroups([group])).toThrow(/come too late/);
  });

  test('the config a stack was built from cannot be changed afterwards (it would not be seen)', () => {
    const config = defineEnvironment({ ...(production as unknown as EnvironmentInput), environment: 'frozen' });
    const stack = new MonitoringStack(Testing.app(), 'frozen', config);
    expect(() => {
      (stack.config.prometheus as { replicas: number }).replicas = 5;
    }).toThrow(TypeError);
    expect(() => (stack.config.slos.declarations as unknown[]).push({})).toThrow(TypeError);
    // Before a stack is built from it, a config is yours to change.
    const other = defineEnvironment({ ...(production as unknown as EnvironmentInput), environment: 'open' });
    (other.prometheus as { replicas: number }).replicas = 5;
    expect(other.prometheus.replicas).toBe(5);
  });
});
