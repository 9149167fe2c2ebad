import { parse } from 'yaml';
import { renderRuleFile } from '../lib/observability/rule-group';
import { burnRateWindows, exporterSlos, GOOGLE_30D_WINDOWS, SEVEN_DAY_WINDOWS } from '../lib/observability/slo';
import { prometheusFeatureFlags } from '../lib/render/prometheus';
import { toYaml } from '../lib/render/yaml';
import {
  alertmanagerArgs,
  containerArgs,
  containerEnv,
  expandArgs,
  exporterArgs,
  localAlertmanagerConfig,
  localCluster,
  localObjstoreConfig,
  LocalPodSpec,
  localPrometheusConfig,
  localRuleFiles,
  mountPaths,
  prometheusArgs,
  replaceSloGroups,
  resolveSrv,
  rewritePaths,
  scaleAlertWindows,
  shortPeriodSloRules,
  thanosArgs,
} from '../e2e/transform';
import { about, contentKey, duplicates, pdFiring } from '../e2e/notifications';
import { stackSloSource } from '../e2e/stack-slos';
import { production as productionConfig } from '../lib/config';
import type { Delivery } from '../e2e/sinks';
import { findObject, K8sObject, objectsOf } from './support/synth';
import { amtool, promtool, withFiles } from './support/tools';

const objects: K8sObject[] = objectsOf('production').map((o) => o.object);
const stagingObjects: K8sObject[] = objectsOf('staging').map((o) => o.object);

const SPECS: LocalPodSpec[] = [
  { name: 'prometheus-0', workload: 'StatefulSet/prometheus', containers: ['prometheus'], ports: { 9090: 41000 } },
  { name: 'alertmanager-0', workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: 41001, 9094: 41002 } },
  { name: 'alertmanager-1', workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: 41003, 9094: 41004 } },
  { name: 'app-exporter-e2e', workload: 'Deployment/app-exporter', containers: ['app-exporter'], ports: { 8000: 41005 } },
];
const { fixture, pods } = localCluster(objects, SPECS);
const pod = (name: string) => pods.find((p) => p.spec.name === name)!;

describe('local pods: the synthesized pod templates at 127.0.0.1 with mapped ports', () => {
  it('keeps labels and annotations, maps every container port and the prometheus.io/port annotation', () => {
    const am = pod('alertmanager-1').pod;
    const template = findObject('production', 'StatefulSet', 'alertmanager').spec.template;
    expect(am.metadata.labels).toEqual(template.metadata.labels);
    expect(am.metadata.annotations!['prometheus.io/port']).toBe('41003');
    expect(template.metadata.annotations['prometheus.io/port']).toBe('9093');
    expect(am.spec.containers.map((c) => c.name)).toEqual(['alertmanager']); // the reloader is left out
    expect(am.spec.containers[0].ports).toEqual([
      { name: 'web', containerPort: 41003, protocol: 'TCP' },
      { name: 'mesh-tcp', containerPort: 41004, protocol: 'TCP' },
      { name: 'mesh-udp', containerPort: 41004, protocol: 'UDP' },
    ]);
    expect(am.status).toMatchObject({ phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] });
    expect(am.metadata.namespace).toBe(findObject('production', 'StatefulSet', 'alertmanager').metadata.namespace);
  });

  it('refuses a container port without a local port, naming the pod and the port', () => {
    expect(() => localCluster(objects, [{ name: 'am', workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: 1 } }])).toThrow(/pod am: container alertmanager port mesh-tcp uses port 9094/);
    expect(() => localCluster(objects, [{ name: 'x', workload: 'StatefulSet/nope', containers: ['x'], ports: {} }])).toThrow(/StatefulSet\/nope": 0 found/);
    expect(() => localCluster(objects, [{ ...SPECS[0], containers: ['prometheus', 'sidecar-that-is-not-there'] }])).toThrow(/has no container sidecar-that-is-not-there/);
  });

  it('gives each (Service, selected local pod) an EndpointSlice with the pod’s local ports', () => {
    const slices = fixture.endpointSlices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'alertmanager-headless');
    expect(slices.map((s) => s.endpoints[0].targetRef!.name).sort()).toEqual(['alertmanager-0', 'alertmanager-1']);
    const s1 = slices.find((s) => s.endpoints[0].targetRef!.name === 'alertmanager-1')!;
    expect(s1.ports).toEqual([
      { name: 'web', port: 41003, protocol: 'TCP' },
      { name: 'mesh-tcp', port: 41004, protocol: 'TCP' },
      { name: 'mesh-udp', port: 41004, protocol: 'UDP' },
    ]);
    expect(s1.endpoints[0]).toMatchObject({ addresses: ['127.0.0.1'], conditions: { ready: true }, hostname: 'alertmanager-1' });
    // Services of components that do not run locally have no endpoints.
    expect(fixture.endpointSlices.some((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'kube-state-metrics')).toBe(false);
    expect(fixture.nodes).toEqual([]);
  });
});

describe('containers: environment, mounts and args as the pod would have them', () => {
  const root = '/tmp/e2e-root/prometheus-0';
  const paths = mountPaths(pod('prometheus-0'), 'prometheus', root);

  it('maps each mount (and the ServiceAccount token) under the pod root', () => {
    expect(Object.fromEntries(paths)).toMatchObject({
      '/etc/prometheus/config': `${root}/etc/prometheus/config`,
      '/etc/prometheus/rules': `${root}/etc/prometheus/rules`,
      '/prometheus': `${root}/prometheus`,
      '/var/run/secrets/kubernetes.io/serviceaccount': `${root}/var/run/secrets/kubernetes.io/serviceaccount`,
    });
    expect(rewritePaths({ a: ['/etc/prometheus/rules/*.yaml', '/etc/prometheus/rulesx', '/prometheus'] }, paths)).toEqual({
      a: [`${root}/etc/prometheus/rules/*.yaml`, '/etc/prometheus/rulesx', `${root}/prometheus`],
    });
  });

  it('expands $(VAR) from the downward API as Kubernetes does', () => {
    expect(containerEnv(pod('prometheus-0'), 'prometheus')).toEqual({ POD_NAME: 'prometheus-0' });
    expect(expandArgs(['--a=$(POD_IP):9094', '--b=$$(POD_IP)', '--c=$(UNKNOWN)'], { POD_IP: '127.0.0.1' })).toEqual(['--a=127.0.0.1:9094', '--b=$(POD_IP)', '--c=$(UNKNOWN)']);
  });

  it('Prometheus: the manifest’s args with local paths, listen address, external URL and the 2.42 feature flag', () => {
    const args = prometheusArgs(containerArgs(pod('prometheus-0'), 'prometheus', paths), { listen: '127.0.0.1:41000', externalUrl: 'http://127.0.0.1:41000', featureFlags: prometheusFeatureFlags('2.42.0') });
    expect(args).toContain(`--config.file=${root}/etc/prometheus/config/prometheus.yml`);
    expect(args).toContain(`--storage.tsdb.path=${root}/prometheus`);
    expect(args).toContain('--web.listen-address=127.0.0.1:41000');
    expect(args).toContain('--web.external-url=http://127.0.0.1:41000');
    expect(args).not.toContain('--web.external-url=https://prometheus.example.com');
    expect(args).toContain('--enable-feature=expand-external-labels');
    expect(args).toContain('--storage.tsdb.retention.time=15d');
  });

  it('Alertmanager: cluster peers resolved to the local pods, the replica that does not run dropped', () => {
    const self = pod('alertmanager-0');
    const manifest = containerArgs(self, 'alertmanager', mountPaths(self, 'alertmanager', '/r'));
    expect(manifest.filter((a) => a.startsWith('--cluster.peer='))).toHaveLength(3);
    const args = alertmanagerArgs(manifest, { self, pods, externalUrl: 'http://127.0.0.1:41001', extra: ['--cluster.peer-timeout=2s'] });
    expect(args.filter((a) => a.startsWith('--cluster.peer='))).toEqual(['--cluster.peer=127.0.0.1:41002', '--cluster.peer=127.0.0.1:41004']);
    expect(args).toContain('--web.listen-address=127.0.0.1:41001');
    expect(args).toContain('--cluster.listen-address=127.0.0.1:41002');
    expect(args).toContain('--cluster.advertise-address=127.0.0.1:41002');
    expect(args).toContain('--config.file=/r/etc/alertmanager/config/alertmanager.yml');
    expect(args.filter((a) => a.startsWith('--web.external-url'))).toEqual(['--web.external-url=http://127.0.0.1:41001']);
    expect(args[args.length - 1]).toBe('--cluster.peer-timeout=2s');
  });

  it('Alertmanager: a single replica keeps its empty cluster address (no gossip)', () => {
    const { pods: sp } = localCluster(stagingObjects, [{ name: 'alertmanager-0', workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: 42000, 9094: 42001 } }]);
    const args = alertmanagerArgs(containerArgs(sp[0], 'alertmanager', []), { self: sp[0], pods: sp, externalUrl: 'http://x' });
    expect(args).toContain('--cluster.listen-address=');
    expect(args.some((a) => a.startsWith('--cluster.peer='))).toBe(false);
  });

  it('exporter: its port mapped and the overrides applied', () => {
    const self = pod('app-exporter-e2e');
    const args = exporterArgs(containerArgs(self, 'app-exporter', []), { self, overrides: { interval: '0.25', seed: '7' } });
    expect(args).toEqual(expect.arrayContaining(['--port=41005', '--source=simulate', '--interval=0.25', '--seed=7']));
    expect(args.filter((a) => a.startsWith('--interval'))).toHaveLength(1);
  });
});

describe('prometheus.yml: Kubernetes discovery replaced by static targets carrying the discovery labels', () => {
  const paths = mountPaths(pod('prometheus-0'), 'prometheus', '/r');
  const rendered = parse(findObject('production', 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
  const local = localPrometheusConfig(rendered, { cluster: fixture, scrapeInterval: '1s', scrapeTimeout: '1s', evaluationInterval: '1s', paths });
  const job = (name: string) => (local.scrape_configs as any[]).find((j) => j.job_name === name);

  it('leaves no kubernetes_sd_configs and keeps every relabelling rule as rendered', () => {
    expect(JSON.stringify(local)).not.toContain('kubernetes_sd_configs');
    (rendered.scrape_configs as any[]).forEach((sc, i) => {
      expect(local.scrape_configs[i].relabel_configs).toEqual(sc.relabel_configs);
      expect(local.scrape_configs[i].metric_relabel_configs).toEqual(sc.metric_relabel_configs);
    });
    expect(local.alerting.alert_relabel_configs).toEqual(rendered.alerting.alert_relabel_configs);
    expect(local.alerting.alertmanagers[0].relabel_configs).toEqual(rendered.alerting.alertmanagers[0].relabel_configs);
    expect(local.global).toEqual({ ...rendered.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' });
    expect(local.rule_files).toEqual(['/r/etc/prometheus/rules/*.yaml']);
  });

  it('pod targets carry the labels pod discovery gives: annotation and container port agree on the local port', () => {
    const targets = (job('kubernetes-pods').static_configs as any[]).filter((g) => g.labels.__meta_kubernetes_pod_name === 'app-exporter-e2e');
    expect(targets).toHaveLength(1);
    expect(targets[0].targets).toEqual(['127.0.0.1:41005']);
    expect(targets[0].labels).toMatchObject({
      __meta_kubernetes_namespace: pod('app-exporter-e2e').namespace,
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '41005',
      __meta_kubernetes_pod_container_port_number: '41005',
      __meta_kubernetes_pod_container_name: 'app-exporter',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'app-exporter',
      __meta_kubernetes_pod_phase: 'Running',
    });
    // Alertmanager pods: one target per container port (web, mesh tcp, mesh udp); relabelling keeps web.
    expect((job('kubernetes-pods').static_configs as any[]).filter((g) => g.labels.__meta_kubernetes_pod_name === 'alertmanager-0').map((g) => g.targets[0])).toEqual(['127.0.0.1:41001', '127.0.0.1:41002', '127.0.0.1:41002']);
    expect(job('kubelet').static_configs).toEqual([]);
  });

  it('Alertmanager targets come from the headless Service’s endpoint slices', () => {
    const groups = local.alerting.alertmanagers[0].static_configs as any[];
    const web = groups.filter((g) => g.labels.__meta_kubernetes_service_name === 'alertmanager-headless' && g.labels.__meta_kubernetes_endpointslice_port_name === 'web');
    expect(web.map((g) => g.targets[0]).sort()).toEqual(['127.0.0.1:41001', '127.0.0.1:41003']);
    expect(web[0].labels.__meta_kubernetes_endpointslice_endpoint_conditions_ready).toBe('true');
  });

  it('is accepted by promtool check config (Debian 2.42, no Kubernetes discovery built in)', () => {
    const res = withFiles({ 'r/var/run/secrets/kubernetes.io/serviceaccount/token': 'x' }, (dir) => {
      const rooted = localPrometheusConfig(rendered, { cluster: fixture, scrapeInterval: '1s', scrapeTimeout: '1s', evaluationInterval: '1s', paths: mountPaths(pod('prometheus-0'), 'prometheus', `${dir}/r`) });
      return withFiles({ 'prometheus.yml': toYaml({ ...rooted, rule_files: [] }) }, (d) => promtool(['check', 'config', 'prometheus.yml'], { cwd: d }));
    });
    expect(res.output).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  it('refuses discovery it does not emulate', () => {
    const cfg = { ...rendered, scrape_configs: [{ job_name: 'x', dns_sd_configs: [{ names: ['a'] }] }] };
    expect(() => localPrometheusConfig(cfg, { cluster: fixture, scrapeInterval: '1s', scrapeTimeout: '1s', evaluationInterval: '1s', paths })).toThrow(/scrape_configs\[x\]: dns_sd_configs is not emulated/);
  });

  it('sets a rule group’s own interval to the test’s', () => {
    const files = { 'a.yaml': 'groups:\n  - name: g\n    interval: 5m\n    rules: []\n', 'b.yaml': 'groups:\n  - name: h\n    rules: []\n' };
    const out = localRuleFiles(files, '1s');
    expect(parse(out['a.yaml']).groups[0].interval).toBe('1s');
    expect(out['b.yaml']).toBe(files['b.yaml']);
  });
});

describe('alertmanager.yml: receivers pointed at the sinks, routing unchanged', () => {
  const paths = mountPaths(pod('alertmanager-0'), 'alertmanager', '/r');
  const text = findObject('production', 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'];
  const rendered = parse(text);
  const sinks = { slackUrl: 'http://127.0.0.1:1/slack', pagerdutyUrl: 'http://127.0.0.1:1/pagerduty/v2/enqueue', webhookUrl: 'http://127.0.0.1:1/webhook', smarthost: '127.0.0.1:2', smtpCaFile: '/r/ca.pem' };
  const secrets = { pagerdutyRoutingKey: 'rk', smtpPassword: 'pw', webhookToken: 'tok' };
  const local = localAlertmanagerConfig(rendered, { sinks, secrets, groupWait: '4500ms', groupInterval: '5s', paths });
  const receiver = (name: string) => (local.config.receivers as any[]).find((r) => r.name === name);

  it('points every receiver at its sink and writes the Secret files it reads', () => {
    // Production posts to Slack with an app token: the token is a Secret file, app_url the sink.
    expect(receiver('slack-critical').slack_configs[0]).toMatchObject({ app_token_file: '/r/etc/alertmanager/secrets/slack-app-token', app_url: sinks.slackUrl, channel: '#alerts-critical', send_resolved: true });
    expect(receiver('pagerduty-critical').pagerduty_configs[0]).toMatchObject({ url: sinks.pagerdutyUrl, routing_key_file: '/r/etc/alertmanager/secrets/pagerduty-critical.routing-key' });
    expect(receiver('payments-pagerduty').pagerduty_configs[0]).toMatchObject({ url: sinks.pagerdutyUrl, routing_key_file: '/r/etc/alertmanager/secrets/payments-pagerduty.routing-key' });
    expect(receiver('email-team').email_configs[0]).toMatchObject({ smarthost: '127.0.0.1:2', require_tls: true, auth_password_file: '/r/etc/alertmanager/secrets/email-team.password', tls_config: { ca_file: '/r/ca.pem' } });
    expect(receiver('webhook').webhook_configs[0]).toMatchObject({ url_file: '/r/etc/alertmanager/secrets/webhook.url', http_config: { authorization: { type: 'Bearer', credentials_file: '/r/etc/alertmanager/secrets/webhook.token' } } });
    expect(receiver('deadmans-switch').webhook_configs[0]).toEqual({ url_file: '/r/etc/alertmanager/secrets/deadmans-switch.url', send_resolved: false });
    expect(local.secretFiles).toEqual({
      '/r/etc/alertmanager/secrets/slack-app-token': 'e2e-slack-app-token',
      '/r/etc/alertmanager/secrets/pagerduty-critical.routing-key': 'rk',
      '/r/etc/alertmanager/secrets/payments-pagerduty.routing-key': 'rk',
      '/r/etc/alertmanager/secrets/email-team.password': 'pw',
      '/r/etc/alertmanager/secrets/webhook.url': sinks.webhookUrl,
      '/r/etc/alertmanager/secrets/webhook.token': 'tok',
      '/r/etc/alertmanager/secrets/deadmans-switch.url': sinks.webhookUrl,
    });
    // Templates, channels and everything else of a receiver stay as rendered.
    const { app_token_file: _a, app_url: _u, ...restLocal } = receiver('slack-critical').slack_configs[0];
    const { app_token_file: _b, ...restRendered } = (rendered.receivers as any[]).find((r) => r.name === 'slack-critical').slack_configs[0];
    expect(restLocal).toEqual(restRendered);
  });

  it('incoming webhooks (staging): each Slack receiver\'s URL file holds the Slack sink; a separate switch URL when given', () => {
    const stagingText = findObject('staging', 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'];
    const l = localAlertmanagerConfig(parse(stagingText), { sinks, secrets, groupWait: '1s', groupInterval: '1s', paths });
    const slackFiles = Object.entries(l.secretFiles).filter(([, v]) => v === sinks.slackUrl).map(([k]) => k.split('/').pop());
    expect(slackFiles.sort()).toEqual(['default.url', 'slack-application.url', 'slack-critical.url', 'slack-infrastructure.url', 'slack-warnings.url']);
    const withSwitch = localAlertmanagerConfig(rendered, { sinks: { ...sinks, deadMansSwitchUrl: 'http://127.0.0.1:1/switch' }, secrets, groupWait: '1s', groupInterval: '1s', paths });
    expect(withSwitch.secretFiles['/r/etc/alertmanager/secrets/deadmans-switch.url']).toBe('http://127.0.0.1:1/switch');
  });

  it('a fleet\'s central Alertmanager: each cluster\'s switch (deadmans-switch-<cluster>) pings the switch URL too', () => {
    const observerText = findObject('fleet/observer', 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'];
    const l = localAlertmanagerConfig(parse(observerText), { sinks: { ...sinks, deadMansSwitchUrl: 'http://127.0.0.1:1/switch' }, secrets, groupWait: '1s', groupInterval: '1s', paths });
    const switches = Object.entries(l.secretFiles).filter(([k]) => /deadmans-switch/.test(k));
    expect(switches).toEqual(['observer', 'workload-a', 'workload-b'].map((c) => [`/r/etc/alertmanager/secrets/deadmans-switch-${c}.url`, 'http://127.0.0.1:1/switch']));
  });

  it('shortens group_wait and group_interval where a route sets them; keeps repeat_interval, matchers and grouping', () => {
    const strip = (r: any): any => ({ ...r, group_wait: undefined, group_interval: undefined, routes: r.routes?.map(strip) });
    expect(strip(local.config.route)).toEqual(strip(rendered.route));
    expect(local.config.route).toMatchObject({ group_wait: '4500ms', group_interval: '5s', repeat_interval: rendered.route.repeat_interval });
    const copy = (local.config.route.routes as any[]).find((r) => r.receiver === 'email-team');
    expect(copy.group_wait).toBeUndefined(); // inherits, as rendered
    expect(local.config.inhibit_rules).toEqual(rendered.inhibit_rules);
  });

  it('is accepted by amtool check-config and routes every label set exactly as the rendered config', () => {
    const localText = toYaml(local.config);
    const labelSets = [
      ['severity=critical', 'category=application'],
      ['severity=warning', 'category=application'],
      ['severity=warning', 'category=infrastructure'],
      ['severity=warning'],
      ['severity=info'],
      ['alertname=X'],
      ['alertname=Watchdog', 'severity=none'],
      ['alertname=InfoInhibitor', 'severity=none'],
      ['team=payments', 'severity=critical'],
    ];
    withFiles({ 'rendered.yml': text, 'local.yml': localText }, (dir) => {
      const check = amtool(['check-config', 'local.yml'], { cwd: dir });
      expect(check.output).toContain('SUCCESS');
      for (const labels of labelSets) {
        const a = amtool(['config', 'routes', 'test', '--config.file=rendered.yml', ...labels], { cwd: dir });
        const b = amtool(['config', 'routes', 'test', '--config.file=local.yml', ...labels], { cwd: dir });
        expect(b.stdout).toBe(a.stdout);
        expect(a.status).toBe(0);
      }
    });
  });

  it('refuses receivers and secrets it does not emulate', () => {
    const withOps = { ...rendered, receivers: [...rendered.receivers, { name: 'ops', opsgenie_configs: [{ api_key: 'x' }] }] };
    expect(() => localAlertmanagerConfig(withOps, { sinks, secrets, groupWait: '1s', groupInterval: '1s', paths })).toThrow(/receiver ops: opsgenie_configs is not emulated/);
    const withFile = { ...rendered, receivers: [{ name: 'w', webhook_configs: [{ url: 'https://x', http_config: { tls_config: { cert_file: '/c' } } }] }] };
    expect(() => localAlertmanagerConfig(withFile, { sinks, secrets, groupWait: '1s', groupInterval: '1s', paths })).toThrow(/http_config.tls_config.cert_file is not emulated/);
    const withGlobal = { ...rendered, global: { smtp_smarthost: 'x:25' } };
    expect(() => localAlertmanagerConfig(withGlobal, { sinks, secrets, groupWait: '1s', groupInterval: '1s', paths })).toThrow(/global.smtp_smarthost/);
  });
});

describe('SLOs rendered with a short period: same SLI, objective and burn-rate factors, windows divided', () => {
  it('scales every window and the period; the burn-rate factors do not change', () => {
    const w = scaleAlertWindows(GOOGLE_30D_WINDOWS, 60);
    expect(w.sloPeriod).toBe('12h');
    expect([w.page.quick, w.page.slow, w.ticket.quick, w.ticket.slow].map((x) => `${x.shortWindow}/${x.longWindow}`)).toEqual(['5s/1m', '30s/6m', '2m/24m', '6m/1h12m']);
    // Equal up to float rounding (Sloth's formula: 5% of 12h over 6m is 5.999999999999999, of 30d over 6h is 6).
    const same = (a: number[], b: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 12));
    same(burnRateWindows(w).map((x) => x.burnRateFactor), burnRateWindows(GOOGLE_30D_WINDOWS).map((x) => x.burnRateFactor));
    same(burnRateWindows(scaleAlertWindows(SEVEN_DAY_WINDOWS, 60)).map((x) => x.burnRateFactor), burnRateWindows(SEVEN_DAY_WINDOWS).map((x) => x.burnRateFactor));
    expect(() => scaleAlertWindows(GOOGLE_30D_WINDOWS, 7)).toThrow(/sloPeriod: 30d \/ 7 is not a whole number of seconds/);
  });

  const decls = exporterSlos({ for: { page: '2m' } });
  const { production, short } = shortPeriodSloRules({ declarations: decls }, 60);
  const rules = (groups: typeof short) => groups.flatMap((g) => g.rules) as any[];

  it('keeps the SLI queries, objectives, labels and thresholds; only windows and for: change', () => {
    expect(short.map((g) => g.name)).toEqual(production.map((g) => g.name));
    const windows = rules(short).filter((r) => r.record?.startsWith('slo:sli_error')).map((r) => r.labels.sloth_window);
    expect([...new Set(windows)]).toEqual(['5s', '30s', '1m', '2m', '6m', '24m', '1h12m', '12h']);
    const sli5s = rules(short).find((r) => r.record === 'slo:sli_error:ratio_rate5s' && r.labels.sloth_slo === 'http-availability');
    const sli5m = rules(production).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.sloth_slo === 'http-availability');
    expect(sli5s.expr).toBe(sli5m.expr.replace(/\[5m\]/g, '[5s]'));
    const pageShort = rules(short).filter((r) => r.alert && r.labels.sloth_severity === 'page');
    const pageProd = rules(production).filter((r) => r.alert && r.labels.sloth_severity === 'page');
    // Same thresholds, e.g. (14.4 * 0.001): only the metric names (windows) differ.
    const thresholds = (rs: any[]) => rs.flatMap((r) => [...r.expr.matchAll(/\(([0-9.e-]+) \* ([0-9.e-]+)\)/g)].map((m) => Number(m[1]) * Number(m[2])));
    const a = thresholds(pageShort);
    const b = thresholds(pageProd);
    expect(a.length).toBe(b.length);
    a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 12));
    expect(pageShort.map((r) => r.for)).toEqual(pageProd.map(() => '2s'));
    expect(pageShort.map((r) => ({ ...r.labels, sloth_alert_window: undefined }))).toEqual(pageProd.map((r) => ({ ...r.labels, sloth_alert_window: undefined })));
  });

  it('short groups are valid rules for promtool', () => {
    const res = withFiles({ 'slo.yaml': renderRuleFile(short) }, (dir) => promtool(['check', 'rules', 'slo.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
  });

  it('the production stack exposes its SLOs, and its prometheus-rules hold exactly their groups', () => {
    const source = stackSloSource(productionConfig)!;
    expect(source.declarations.length).toBeGreaterThan(0);
    const stack = shortPeriodSloRules(source, 60);
    const files = findObject('production', 'ConfigMap', 'prometheus-rules').data as Record<string, string>;
    const out = replaceSloGroups(files, stack.production, stack.short);
    expect(Object.keys(out)).toEqual(Object.keys(files));
    expect(Object.values(out).join()).toContain('slo:sli_error:ratio_rate5s');
  });

  it('replaces exactly the stack’s SLO groups in the rule files, and refuses a group that differs', () => {
    const files = { 'app.rules.yaml': renderRuleFile(production), 'other.rules.yaml': 'groups:\n  - name: other\n    rules: []\n' };
    const out = replaceSloGroups(files, production, short);
    expect(parse(out['app.rules.yaml']).groups).toEqual(parse(renderRuleFile(short)).groups);
    expect(out['other.rules.yaml']).toBe(files['other.rules.yaml']);
    const tampered = { 'app.rules.yaml': files['app.rules.yaml'].replace('[5m]', '[6m]') };
    expect(() => replaceSloGroups(tampered, production, short)).toThrow(/is not what the SLO generator writes/);
    expect(() => replaceSloGroups({ 'other.rules.yaml': files['other.rules.yaml'] }, production, short)).toThrow(/SLO groups not found/);
  });
});

describe('notifications: copies are told apart from updates', () => {
  const slack = (at: number, title: string, sender: string): Delivery => ({
    kind: 'slack',
    at,
    key: '#c',
    problems: [],
    body: { channel: '#c', attachments: [{ title, text: 't', color: 'danger', fallback: `${title} | ${sender}/#/alerts?receiver=x` }] },
  });

  it('ignores who sent it (fallback link, webhook externalURL, email boundary and links)', () => {
    expect(contentKey(slack(1, '[FIRING:1] A', 'http://127.0.0.1:1'))).toBe(contentKey(slack(2, '[FIRING:1] A', 'http://127.0.0.1:2')));
    const hook = (url: string): Delivery => ({ kind: 'webhook', at: 0, key: 'w', problems: [], body: { receiver: 'w', groupKey: 'g', status: 'firing', externalURL: url, alerts: [{ fingerprint: 'f', status: 'firing', startsAt: 's', endsAt: 'e' }] } });
    expect(contentKey(hook('http://a'))).toBe(contentKey(hook('http://b')));
    const mail = (b: string, url: string): Delivery => ({ kind: 'email', at: 0, key: 'x', problems: [], body: { to: ['x'], subject: 's', headers: { 'content-type': `multipart/alternative; boundary=${b}` }, text: `--${b}\nsee ${url}/#/alerts\n--${b}--` } });
    expect(contentKey(mail('111', 'http://127.0.0.1:5'))).toBe(contentKey(mail('222', 'http://127.0.0.1:6')));
  });

  it('PagerDuty events: the firing alerts read the same from Alertmanager 0.2x\'s text details and 0.3x\'s JSON list', () => {
    const pd = (firing: unknown): Delivery => ({ kind: 'pagerduty', at: 0, key: 'k', problems: [], body: { event_action: 'trigger', payload: { summary: '[FIRING:2] X', custom_details: { firing } } } });
    const text = 'Labels:\n - alertname = SloBurn\n - sloth_severity = page\n';
    const list = [{ labels: { alertname: 'SloBurn', sloth_severity: 'page' }, annotations: { summary: 's' } }, { labels: { alertname: 'Other' } }];
    expect(pdFiring(pd(text))).toContain('alertname = SloBurn\n');
    expect(pdFiring(pd(list))).toBe('alertname = SloBurn\nsloth_severity = page\n\nalertname = Other\n');
    for (const d of [pd(text), pd(list)]) {
      expect(pdFiring(d)).toContain('sloth_severity = page');
      expect(about(d, 'SloBurn')).toBe(true);
      expect(about(d, 'Slo')).toBe(false);
    }
  });

  it('a copy within the window is a duplicate; the same content much later only in strict mode', () => {
    const list = [slack(0, '[FIRING:1] A', 'x'), slack(2000, '[FIRING:1] A', 'y'), slack(5000, '[FIRING:2] A', 'x'), slack(20_000, '[FIRING:1] A', 'x')];
    expect(duplicates(list, 5000, () => false).map(([a, b]) => [a.at, b.at])).toEqual([[0, 2000]]);
    expect(duplicates(list, 5000, () => true).map(([a, b]) => [a.at, b.at])).toEqual([[0, 2000], [2000, 20_000]]);
  });
});

describe('Thanos: the synthesized components on local addresses and a FILESYSTEM bucket', () => {
  const THANOS_SPECS: LocalPodSpec[] = [
    { name: 'prometheus-0', workload: 'StatefulSet/prometheus', containers: ['prometheus', 'thanos-sidecar'], ports: { 9090: 43000, 10901: 43001, 10902: 43002 } },
    { name: 'prometheus-1', workload: 'StatefulSet/prometheus', containers: ['prometheus', 'thanos-sidecar'], ports: { 9090: 43010, 10901: 43011, 10902: 43012 } },
    { name: 'thanos-store-0', workload: 'StatefulSet/thanos-store', containers: ['thanos-store'], ports: { 10901: 43021, 10902: 43022 } },
    { name: 'thanos-query-e2e', workload: 'Deployment/thanos-query', containers: ['thanos-query'], ports: { 10901: 43031, 10902: 43032 } },
    { name: 'thanos-compact-0', workload: 'StatefulSet/thanos-compact', containers: ['thanos-compact'], ports: { 10902: 43042 } },
  ];
  const local = localCluster(objects, THANOS_SPECS);
  const tpod = (name: string) => local.pods.find((p) => p.spec.name === name)!;
  const secrets = (name: string, key: string) => `v-${name}-${key}`;

  it('dnssrv+ lookups resolve to the local pods the headless Service selects, by port name', () => {
    const ns = findObject('production', 'StatefulSet', 'prometheus').metadata.namespace;
    expect(resolveSrv(`_grpc._tcp.prometheus-headless.${ns}.svc`, local.fixture)).toEqual(['127.0.0.1:43001', '127.0.0.1:43011']);
    expect(resolveSrv(`_grpc._tcp.thanos-store-headless.${ns}.svc.cluster.local`, local.fixture)).toEqual(['127.0.0.1:43021']);
    expect(resolveSrv(`_web._tcp.prometheus-headless.${ns}.svc`, local.fixture)).toEqual(['127.0.0.1:43000', '127.0.0.1:43010']);
    expect(resolveSrv(`_grpc._tcp.nothing-here.${ns}.svc`, local.fixture)).toEqual([]);
    expect(() => resolveSrv('prometheus-headless:10901', local.fixture)).toThrow(/not an SRV name/);
  });

  it('Query: every synthesized --endpoint lookup replaced by the local addresses; the other flags as synthesized', () => {
    const self = tpod('thanos-query-e2e');
    const manifest = containerArgs(self, 'thanos-query', []);
    const args = thanosArgs(manifest, { self, cluster: local.fixture });
    expect(args[0]).toBe('query');
    expect(args.filter((a) => a.startsWith('--endpoint='))).toEqual(['--endpoint=127.0.0.1:43001', '--endpoint=127.0.0.1:43011', '--endpoint=127.0.0.1:43021']);
    expect(args).toEqual(expect.arrayContaining(['--grpc-address=127.0.0.1:43031', '--http-address=127.0.0.1:43032', '--query.replica-label=prometheus_replica']));
    expect(args.filter((a) => !/^--(endpoint|grpc-address|http-address)=/.test(a))).toEqual(manifest.filter((a) => !/^--(endpoint|grpc-address|http-address)=/.test(a)));
    // With the store gateway not running, its lookup resolves to nothing: an error, not a Query without it.
    const without = localCluster(objects, THANOS_SPECS.filter((x) => x.name !== 'thanos-store-0'));
    expect(() => thanosArgs(manifest, { self: without.pods.find((p) => p.spec.name === 'thanos-query-e2e')!, cluster: without.fixture })).toThrow(/thanos-store-headless.*resolves to no local pod/);
  });

  it('sidecar: its Prometheus URL is the local Prometheus of the same pod; paths under its mounts; Secret env from the given values', () => {
    const self = tpod('prometheus-1');
    const paths = mountPaths(self, 'thanos-sidecar', '/r1');
    const args = thanosArgs(containerArgs(self, 'thanos-sidecar', paths, secrets), { self, cluster: local.fixture });
    expect(args).toEqual(['sidecar', '--tsdb.path=/r1/prometheus', '--prometheus.url=http://127.0.0.1:43010', '--grpc-address=127.0.0.1:43011', '--http-address=127.0.0.1:43012', '--objstore.config-file=/r1/etc/thanos/objstore/objstore.yml']);
    expect(containerEnv(self, 'thanos-sidecar', secrets)).toEqual({ AWS_ACCESS_KEY_ID: 'v-thanos-objstore-access-key-id', AWS_SECRET_ACCESS_KEY: 'v-thanos-objstore-secret-access-key' });
    expect(() => containerEnv(self, 'thanos-sidecar')).toThrow(/secretKeyRef, which the e2e harness does not emulate/);
    expect(() => containerEnv(self, 'thanos-sidecar', () => undefined)).toThrow(/reads Secret thanos-objstore key access-key-id, which the e2e harness has no value for/);
  });

  it('compactor: the synthesized flags plus the overrides; a listen address on a port the container does not declare is an error', () => {
    const self = tpod('thanos-compact-0');
    const manifest = containerArgs(self, 'thanos-compact', mountPaths(self, 'thanos-compact', '/c'), secrets);
    const args = thanosArgs(manifest, { self, cluster: local.fixture, overrides: { 'delete-delay': '0s', 'wait-interval': '10s' } });
    expect(args.slice(0, 2)).toEqual(['compact', '--wait']);
    expect(args).toEqual(expect.arrayContaining(['--http-address=127.0.0.1:43042', '--delete-delay=0s', '--wait-interval=10s', '--data-dir=/c/var/thanos/compact']));
    expect(args.filter((a) => a.startsWith('--retention.resolution-'))).toEqual(manifest.filter((a) => a.startsWith('--retention.resolution-')));
    const withGrpc = [...manifest, '--grpc-address=0.0.0.0:10901'];
    expect(() => thanosArgs(withGrpc, { self, cluster: local.fixture })).toThrow(/--grpc-address uses port 10901, which has no local port/);
  });

  it('objstore.yml: FILESYSTEM in a local folder stands in for the object store; prefix kept; unknown keys refused', () => {
    const rendered = findObject('production', 'ConfigMap', 'thanos-objstore').data['objstore.yml'];
    expect(parse(rendered).type).toBe('S3');
    expect(parse(localObjstoreConfig(rendered, '/b'))).toEqual({ type: 'FILESYSTEM', config: { directory: '/b' } });
    expect(parse(localObjstoreConfig('type: GCS\nconfig: {bucket: x}\nprefix: tenant-a\n', '/b'))).toEqual({ type: 'FILESYSTEM', config: { directory: '/b' }, prefix: 'tenant-a' });
    expect(() => localObjstoreConfig('type: S3\nconfig: {}\nsse: x\n', '/b')).toThrow(/sse: not emulated/);
  });
});
