import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { dashboardConfigMaps, dashboardVolumes, GrafanaChart, GrafanaDatasourceRefs, grafanaRuleGroup, GRAFANA_UID } from '../lib/components/grafana';
import { agentsNamespace } from '../lib/components/namespace';
import { environmentImages, IMAGES } from '../lib/images';
import { ServiceRef } from '../lib/k8s/service-ref';
import { checkPolicies, secretFindings } from '../lib/policy';
import { toYamlDocuments } from '../lib/render/yaml';
import { stackDashboards } from '../lib/observability/dashboards';
import { renderRuleFile } from '../lib/observability/rule-group';
import { RuleRegistry } from '../lib/observability/rule-registry';
import { DATASOURCE_UIDS, grafanaDatasources, renderDashboardProviders, renderDatasources, renderGrafanaIni } from '../lib/render/grafana';
import { promtool, withFiles } from './support/tools';

const NS = staging.namespace;
const ref = (name: string, port: number, namespace = NS) => new ServiceRef(name, namespace, port, 'http', { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'test' });
const REFS: GrafanaDatasourceRefs = {
  thanosQuery: ref('thanos-query', 10902),
  prometheus: ref('prometheus', 9090),
  loki: ref('loki', 3100, 'logging'),
  alertmanager: ref('alertmanager', 9093),
};
const SCRAPERS = [{ pods: { 'app.kubernetes.io/name': 'prometheus' } }];

function synth(config: StackConfig = staging, datasources: GrafanaDatasourceRefs = REFS, dashboardConfigMapMaxBytes?: number): { chart: GrafanaChart; objects: any[] } {
  const app = Testing.app();
  const chart = new GrafanaChart(app, { config, rules: new RuleRegistry() }, { scrapers: SCRAPERS, datasources, dashboardConfigMapMaxBytes });
  return { chart, objects: Testing.synth(chart) };
}

const find = (objects: any[], kind: string, name?: string) => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: any[], kind: string, name?: string) => {
  const found = find(objects, kind, name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('Grafana renderers', () => {
  it('provisions the datasources with fixed uids, Thanos Query as default with deduplication', () => {
    const yaml = parse(renderDatasources({ thanosQueryUrl: 'http://tq:10902', prometheusUrl: 'http://p:9090', lokiUrl: 'http://l:3100', alertmanagerUrl: 'http://am:9093' }));
    expect(yaml.apiVersion).toBe(1);
    expect(yaml.prune).toBe(true);
    const byUid = Object.fromEntries(yaml.datasources.map((d: any) => [d.uid, d]));
    expect(Object.keys(byUid)).toEqual(['thanos-query', 'prometheus', 'loki', 'alertmanager']);
    expect(yaml.datasources.filter((d: any) => d.isDefault).map((d: any) => d.uid)).toEqual(['thanos-query']);
    expect(byUid['thanos-query']).toMatchObject({ type: 'prometheus', url: 'http://tq:10902', jsonData: { prometheusType: 'Thanos', customQueryParameters: 'dedup=true' } });
    expect(byUid.prometheus).toMatchObject({ type: 'prometheus', url: 'http://p:9090', jsonData: { prometheusType: 'Prometheus' } });
    expect(byUid.prometheus.jsonData.customQueryParameters).toBeUndefined();
    expect(byUid.loki).toMatchObject({ type: 'loki', url: 'http://l:3100' });
    expect(byUid.alertmanager).toMatchObject({ type: 'alertmanager', url: 'http://am:9093', jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false } });
    for (const d of yaml.datasources) expect(d).toMatchObject({ access: 'proxy', editable: false });
  });

  it('makes Prometheus the default without Thanos, and leaves out what is not deployed', () => {
    const list = grafanaDatasources({ prometheusUrl: 'http://p:9090' });
    expect(list.map((d) => [d.uid, d.isDefault])).toEqual([['prometheus', true]]);
    expect(list[0].jsonData.alertmanagerUid).toBeUndefined();
  });

  it('refuses a datasource URL that is not one', () => {
    expect(() => grafanaDatasources({ prometheusUrl: 'prometheus.monitoring.svc' })).toThrow(/datasources.prometheusUrl: "prometheus.monitoring.svc" is not an absolute URL/);
    expect(() => grafanaDatasources({ prometheusUrl: 'prometheus:9090' })).toThrow(/datasources.prometheusUrl: "prometheus:9090" must be an http\(s\) URL/);
    expect(() => grafanaDatasources({ prometheusUrl: 'http://p:9090/' })).toThrow(/must not end with '\/'/);
    expect(() => grafanaDatasources({ prometheusUrl: 'http://p:9090', scrapeInterval: 'often' })).toThrow(/scrapeInterval/);
  });

  it('writes grafana.ini with anonymous access, sign-up, analytics and update checks off, and no credential', () => {
    const ini = renderGrafanaIni({ rootUrl: 'https://grafana.example.com' });
    const section = (name: string) => {
      const m = new RegExp(`^\\[${name.replace('.', '\\.')}\\]\\n((?:[^\\[\\n][^\\n]*\\n?)*)`, 'm').exec(ini);
      return Object.fromEntries((m?.[1] ?? '').trim().split('\n').filter(Boolean).map((l) => l.split(' = ') as [string, string]));
    };
    expect(section('auth.anonymous')).toEqual({ enabled: 'false' });
    expect(section('users')).toMatchObject({ allow_sign_up: 'false', allow_org_create: 'false' });
    expect(section('analytics')).toEqual({ reporting_enabled: 'false', check_for_updates: 'false', check_for_plugin_updates: 'false', feedback_links_enabled: 'false' });
    expect(section('server')).toMatchObject({ root_url: 'https://grafana.example.com/', http_port: '3000' });
    expect(section('security')).toMatchObject({
      admin_user: '$__file{/etc/grafana/admin/admin-user}',
      admin_password: '$__file{/etc/grafana/admin/admin-password}',
      cookie_secure: 'true',
    });
    expect(section('paths')).toMatchObject({ data: '/var/lib/grafana', provisioning: '/etc/grafana/provisioning' });
    expect(section('plugins')).toEqual({ preinstall_disabled: 'true' });
    expect(section('snapshots')).toEqual({ external_enabled: 'false' });
    expect(renderGrafanaIni()).not.toMatch(/root_url/);
    expect(renderGrafanaIni({ rootUrl: 'http://grafana.local' })).toMatch(/cookie_secure = false/);
    expect(() => renderGrafanaIni({ rootUrl: 'grafana.example.com' })).toThrow(/grafana.externalUrl/);
  });

  it('declares one file provider per folder, read-only, pointing at the folder directory', () => {
    const yaml = parse(renderDashboardProviders([{ uid: 'slo', title: 'SLOs' }, { uid: 'logs', title: 'Logs' }]));
    expect(yaml.providers).toEqual([
      { name: 'slo', orgId: 1, folder: 'SLOs', folderUid: 'slo', type: 'file', disableDeletion: false, allowUiUpdates: false, updateIntervalSeconds: 60, options: { path: '/var/lib/grafana-dashboards/slo', foldersFromFilesStructure: false } },
      { name: 'logs', orgId: 1, folder: 'Logs', folderUid: 'logs', type: 'file', disableDeletion: false, allowUiUpdates: false, updateIntervalSeconds: 60, options: { path: '/var/lib/grafana-dashboards/logs', foldersFromFilesStructure: false } },
    ]);
    expect(() => renderDashboardProviders([{ uid: 'SLO', title: 'x' }])).toThrow(/folders\[0\].uid/);
    expect(() => renderDashboardProviders([{ uid: 'a', title: 'x' }, { uid: 'a', title: 'y' }])).toThrow(/used twice/);
    expect(() => renderDashboardProviders([{ uid: 'k8s', title: 'Kubernetes / Nodes' }])).toThrow(/folders\[0\].title: "Kubernetes \/ Nodes" contains "\/"/);
    expect(() => renderDashboardProviders([{ uid: 'k8s', title: 'k8s_nodes' }])).toThrow(/contains "_"/);
    expect(renderDashboardProviders([{ uid: 'k8s', title: 'Kubernetes - Nodes' }])).toMatch(/folder: Kubernetes - Nodes/);
  });
});

describe('GrafanaChart', () => {
  const { chart, objects } = synth();
  const deployment = one(objects, 'Deployment', 'grafana');
  const pod = deployment.spec.template.spec;
  const grafana = pod.containers[0];

  it('never puts a credential in the output: the admin user and password come from the named Secret', () => {
    const text = JSON.stringify(objects);
    const lines: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') lines.push(...v.split('\n'));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => (lines.push(k), walk(x)));
    };
    walk(objects);
    expect(find(objects, 'Secret')).toEqual([]);
    const admin = pod.volumes.find((v: any) => v.name === 'admin');
    expect(admin.secret).toEqual({ secretName: staging.grafana.adminSecret.name, defaultMode: 0o440, items: [{ key: 'admin-user', path: 'admin-user' }, { key: 'admin-password', path: 'admin-password' }] });
    expect(grafana.volumeMounts).toContainEqual({ name: 'admin', mountPath: '/etc/grafana/admin', readOnly: true });
    // The only mentions of a password: the Secret key and the $__file reference.
    const mentions = lines.filter((l) => /password/i.test(l));
    expect(new Set(mentions)).toEqual(new Set(['admin-password', 'admin_password = $__file{/etc/grafana/admin/admin-password}']));
    expect((grafana.env ?? []).map((e: any) => e.name)).not.toContain('GF_SECURITY_ADMIN_PASSWORD');
    expect(text).not.toMatch(/admin_password = (?!\$__file)/);
  });

  it('takes datasource URLs from the ServiceRefs', () => {
    const yaml = parse(one(objects, 'ConfigMap', 'grafana-datasources').data['datasources.yaml']);
    expect(Object.fromEntries(yaml.datasources.map((d: any) => [d.uid, d.url]))).toEqual({
      [DATASOURCE_UIDS.thanosQuery]: REFS.thanosQuery!.url(),
      [DATASOURCE_UIDS.prometheus]: REFS.prometheus.url(),
      [DATASOURCE_UIDS.loki]: REFS.loki!.url(),
      [DATASOURCE_UIDS.alertmanager]: REFS.alertmanager!.url(),
    });
    expect(REFS.loki!.url()).toBe('http://loki.logging.svc:3100');
  });

  it('runs as the Grafana image user with the restricted baseline and a read-only root', () => {
    expect(grafana.image).toBe(IMAGES.grafana);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: GRAFANA_UID, runAsGroup: GRAFANA_UID, fsGroup: GRAFANA_UID, seccompProfile: { type: 'RuntimeDefault' } });
    expect(grafana.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Everything Grafana writes is a volume.
    const mounts = Object.fromEntries(grafana.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts['/var/lib/grafana']).toBe('data');
    expect(mounts['/tmp']).toBe('tmp');
  });

  it('probes /api/health', () => {
    for (const probe of [grafana.readinessProbe, grafana.livenessProbe, grafana.startupProbe]) expect(probe.httpGet).toMatchObject({ path: '/api/health', port: 'http' });
  });

  it('one replica without a database: SQLite on a PersistentVolumeClaim (1Gi by default, Recreate)', () => {
    expect(staging.grafana.database).toBeUndefined();
    expect(staging.grafana.storage).toBeUndefined();
    expect(one(objects, 'PersistentVolumeClaim', 'grafana-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(pod.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'grafana-data' } });
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(chart.grafanaIni).toMatch(/\[database\]\ntype = sqlite3\nwal = true\n/);

    const withStorage = synth({ ...staging, grafana: { ...staging.grafana, storage: { size: '5Gi', storageClassName: 'fast' } } }).objects;
    expect(one(withStorage, 'PersistentVolumeClaim', 'grafana-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
  });

  it('an external database: shared by the replicas, credentials from its Secret as files, no PVC', () => {
    const { chart: prodChart, objects: prod } = synth(production);
    const db = production.grafana.database!;
    expect(find(prod, 'PersistentVolumeClaim')).toEqual([]);
    const d = one(prod, 'Deployment', 'grafana');
    const spec = d.spec.template.spec;
    expect(spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
    expect(spec.volumes.find((v: any) => v.name === 'database')).toEqual({
      name: 'database',
      secret: { secretName: db.credentialsSecret.name, defaultMode: 0o440, items: [{ key: 'username', path: 'username' }, { key: 'password', path: 'password' }] },
    });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'database', mountPath: '/etc/grafana/database', readOnly: true });
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    expect(prodChart.grafanaIni).toContain(
      `[database]\ntype = postgres\nhost = ${db.host}\nname = ${db.name}\nuser = $__file{/etc/grafana/database/username}\npassword = $__file{/etc/grafana/database/password}\nssl_mode = require\n`,
    );
    const mysql = synth({ ...production, grafana: { ...production.grafana, database: { type: 'mysql', host: 'mysql.db.svc:3306', name: 'grafana', credentialsSecret: { name: 'm' } } } });
    expect(mysql.chart.grafanaIni).toContain('[database]\ntype = mysql\nhost = mysql.db.svc:3306\nname = grafana\nuser = $__file{/etc/grafana/database/username}\npassword = $__file{/etc/grafana/database/password}\n\n');
    // Egress to the database's port, through the CIDRs external services live in.
    const egress = one(prod, 'NetworkPolicy', 'grafana').spec.egress;
    expect(egress).toContainEqual({ to: production.network.externalEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 5432 }] });
  });

  it('refuses several replicas on SQLite even when built without validateConfig', () => {
    expect(() => synth({ ...production, grafana: { ...production.grafana, database: undefined } })).toThrow(/grafana.replicas: 2 replicas need grafana.database/);
    expect(() => synth({ ...production, grafana: { ...production.grafana, storage: { size: '1Gi' } } })).toThrow(/grafana.storage: is set with grafana.database/);
  });

  it('several replicas: a PodDisruptionBudget, no session affinity (sessions are in the shared database), unified alerting gossip', () => {
    expect(find(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(find(objects, 'Service', 'grafana-headless')).toEqual([]);
    expect(chart.grafanaIni).not.toContain('unified_alerting');
    const { chart: prodChart, objects: prod } = synth(production);
    expect(production.grafana.replicas).toBeGreaterThan(1);
    expect(one(prod, 'PodDisruptionBudget', 'grafana').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: prodChart.selector } });
    expect(one(prod, 'Service', 'grafana').spec.sessionAffinity).toBeUndefined();
    const headless = one(prod, 'Service', 'grafana-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: prodChart.selector });
    expect(prodChart.grafanaIni).toContain(`[unified_alerting]\nha_listen_address = 0.0.0.0:9094\nha_advertise_address = $__env{POD_IP}:9094\nha_peers = grafana-headless.${production.namespace}.svc:9094\n`);
    const c = one(prod, 'Deployment', 'grafana').spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'ha-tcp', containerPort: 9094, protocol: 'TCP' },
      { name: 'ha-udp', containerPort: 9094, protocol: 'UDP' },
    ]);
    const netpol = one(prod, 'NetworkPolicy', 'grafana').spec;
    const gossip = { from: [{ podSelector: { matchLabels: prodChart.selector } }], ports: [{ protocol: 'TCP', port: 9094 }, { protocol: 'UDP', port: 9094 }] };
    expect(netpol.ingress).toContainEqual(gossip);
    expect(netpol.egress).toContainEqual({ to: gossip.from, ports: gossip.ports });
  });

  it('allows ingress from the scrapers and the configured ingress controller only, egress to the datasources only', () => {
    const noIngress = synth({ ...staging, network: { ...staging.network, ingressController: undefined } }).objects;
    const netpol = one(noIngress, 'NetworkPolicy', 'grafana');
    expect(netpol.spec.podSelector).toEqual({ matchLabels: chart.selector });
    expect(netpol.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(netpol.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: SCRAPERS[0].pods } }], ports: [{ protocol: 'TCP', port: 3000 }] }]);
    expect(netpol.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: REFS.thanosQuery!.podSelector } }], ports: [{ protocol: 'TCP', port: 10902 }] },
      { to: [{ podSelector: { matchLabels: REFS.prometheus.podSelector } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } }, podSelector: { matchLabels: REFS.loki!.podSelector } }], ports: [{ protocol: 'TCP', port: 3100 }] },
      { to: [{ podSelector: { matchLabels: REFS.alertmanager!.podSelector } }], ports: [{ protocol: 'TCP', port: 9093 }] },
    ]);

    const withIngress = synth({ ...staging, network: { ...staging.network, ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } }).objects;
    // One rule for port 3000: the scrapers and the ingress controller.
    expect(one(withIngress, 'NetworkPolicy', 'grafana').spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: SCRAPERS[0].pods } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }],
        ports: [{ protocol: 'TCP', port: 3000 }],
      },
    ]);
  });

  it('declares its scrape target and its alerts', () => {
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/path': '/metrics' });
    expect(one(objects, 'PodMonitor', 'grafana').spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    const rule = one(objects, 'PrometheusRule', 'grafana');
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['GrafanaDown', 'GrafanaRequestsFailing', 'GrafanaDatasourceErrors']);
  });

  it('its rule file passes promtool check rules', () => {
    const res = withFiles({ 'grafana.rules.yaml': renderRuleFile([grafanaRuleGroup(NS, staging.runbookBaseUrl)]) }, (dir) => promtool(['check', 'rules', 'grafana.rules.yaml'], { cwd: dir }));
    expect(res.output).toMatch(/SUCCESS: 3 rules found/);
    expect(res.status).toBe(0);
  });

  it('GrafanaDown fires when no Grafana target is up, and not while one is (promtool test rules)', () => {
    const tests = `rule_files: [grafana.rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="grafana", namespace="${NS}", pod="a"}'
        values: '1x20 0x20'
    alert_rule_test:
      - { eval_time: 15m, alertname: GrafanaDown, exp_alerts: [] }
      - eval_time: 35m
        alertname: GrafanaDown
        exp_alerts:
          - exp_labels: { job: grafana, namespace: ${NS}, severity: warning, category: infrastructure }
            exp_annotations:
              summary: Grafana is down
              description: 'No Grafana pod in namespace ${NS} has answered a scrape for 10 minutes: dashboards are unavailable (alerting is not affected).'
              runbook_url: ${staging.runbookBaseUrl}#grafana-down
`;
    const res = withFiles({ 'grafana.rules.yaml': renderRuleFile([grafanaRuleGroup(NS, staging.runbookBaseUrl)]), 'tests.yaml': tests }, (dir) => promtool(['test', 'rules', 'tests.yaml'], { cwd: dir }));
    expect(res.output).toMatch(/SUCCESS/);
  });

  it('GrafanaDown also fires when the targets are gone, with the same labels; GrafanaRequestsFailing is per handler, needs traffic, leaves datasource queries to GrafanaDatasourceErrors (promtool test rules)', () => {
    const rb = staging.runbookBaseUrl;
    const down = `{ summary: Grafana is down, description: 'No Grafana pod in namespace ${NS} has answered a scrape for 10 minutes: dashboards are unavailable (alerting is not affected).', runbook_url: '${rb}#grafana-down' }`;
    const failing = `{ summary: Grafana answers many requests of one handler with 5xx., description: '10% of the requests to Grafana handler /api/dashboards/uid/:uid (job grafana, namespace ${NS}) failed with a 5xx status over 5 minutes, for 15m.', runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/grafana/grafanarequestsfailing' }`;
    const series = (handler: string, status: string, values: string) => `      - series: 'grafana_http_request_duration_seconds_count{job="grafana", namespace="${NS}", status_code="${status}", handler="${handler}"}'\n        values: '${values}'`;
    const tests = `rule_files: [grafana.rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="grafana", namespace="${NS}", pod="a"}'
        values: '1x10'
    alert_rule_test:
      - { eval_time: 10m, alertname: GrafanaDown, exp_alerts: [] }
      # The series goes stale 5m after its last sample; absent() holds from then, fires 10m later.
      - { eval_time: 30m, alertname: GrafanaDown, exp_alerts: [ { exp_labels: { job: grafana, namespace: ${NS}, severity: warning, category: infrastructure }, exp_annotations: ${down} } ] }
  - interval: 1m
    input_series:
      # 1 request/s, 10% failing: fires after 15m; datasource queries failing even more do not count here.
${series('/api/dashboards/uid/:uid', '200', '0+54x40')}
${series('/api/dashboards/uid/:uid', '500', '0+6x40')}
${series('/api/ds/query', '200', '0+30x40')}
${series('/api/ds/query', '502', '0+30x40')}
    alert_rule_test:
      - { eval_time: 10m, alertname: GrafanaRequestsFailing, exp_alerts: [] }
      - { eval_time: 30m, alertname: GrafanaRequestsFailing, exp_alerts: [ { exp_labels: { job: grafana, namespace: ${NS}, handler: '/api/dashboards/uid/:uid', severity: warning, category: infrastructure }, exp_annotations: ${failing} } ] }
  - interval: 1m
    input_series:
      # One request every ten minutes, every one failing: too little traffic to alert on.
${series('/api/search', '500', '0+0.1x40')}
    alert_rule_test:
      - { eval_time: 30m, alertname: GrafanaRequestsFailing, exp_alerts: [] }
`;
    const res = withFiles({ 'grafana.rules.yaml': renderRuleFile([grafanaRuleGroup(NS, rb)]), 'tests.yaml': tests }, (dir) => promtool(['test', 'rules', 'tests.yaml'], { cwd: dir }));
    expect(res.output).toMatch(/SUCCESS/);
  });

  it('mounts each folder\'s dashboards from ConfigMaps under the kubectl apply limit (a big folder from several)', () => {
    const maps = find(objects, 'ConfigMap').filter((c) => c.metadata.name.startsWith('grafana-dashboards-'));
    expect(maps.map((m) => m.metadata.name).sort()).toEqual([
      'grafana-dashboards-business',
      'grafana-dashboards-infrastructure',
      'grafana-dashboards-kubernetes-compute-1',
      'grafana-dashboards-kubernetes-compute-2',
      'grafana-dashboards-kubernetes-networking',
      'grafana-dashboards-kubernetes-storage',
      'grafana-dashboards-kubernetes-system',
      'grafana-dashboards-logs',
      'grafana-dashboards-nodes',
      'grafana-dashboards-observability-stack',
      'grafana-dashboards-services',
      'grafana-dashboards-slo',
    ]);
    // kubectl apply copies the whole object into an annotation limited to 256 KiB.
    for (const m of maps) expect({ name: m.metadata.name, small: Buffer.byteLength(JSON.stringify(m)) < 256 * 1024 }).toEqual({ name: m.metadata.name, small: true });
    const providers = parse(one(objects, 'ConfigMap', 'grafana-dashboard-providers').data['dashboards.yaml']);
    const mounted = new Set<string>();
    for (const p of providers.providers) {
      const mount = grafana.volumeMounts.find((v: any) => v.mountPath === p.options.path);
      expect(mount).toBeDefined();
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      const names: string[] = volume.configMap ? [volume.configMap.name] : volume.projected.sources.map((src: any) => src.configMap.name);
      for (const n of names) {
        expect(n.startsWith(`grafana-dashboards-${p.folderUid}`)).toBe(true);
        expect(Object.keys(one(objects, 'ConfigMap', n).data).length).toBeGreaterThan(0);
        mounted.add(n);
      }
    }
    expect([...mounted].sort()).toEqual(maps.map((m) => m.metadata.name).sort());
    // Every dashboard file is in exactly one ConfigMap.
    const files = maps.flatMap((m) => Object.keys(m.data));
    expect(new Set(files).size).toBe(files.length);
    expect(files.length).toBe(chart.dashboards.length);
  });

  it('splits a folder too big for one ConfigMap into several, projected into one directory', () => {
    const specs = stackDashboards({ metricsDatasource: 'prometheus', namespace: NS, thanos: true, loki: true, alertmanager: true, logCollector: 'alloy' });
    const maps = dashboardConfigMaps([...specs, { ...specs[0], fileName: 'copy.json', dashboard: { ...specs[0].dashboard, uid: 'copy' } }], 70 * 1024);
    const services = maps.filter((m) => m.folder.uid === 'services');
    expect(services.map((m) => m.name)).toEqual(['grafana-dashboards-services-1', 'grafana-dashboards-services-2']);
    expect(() => dashboardConfigMaps(specs, 1024)).toThrow(/split the dashboard/);

    // A split folder is one projected volume of its parts, mounted at the folder directory.
    const { volumes, mounts } = dashboardVolumes(maps);
    expect(volumes.find((v) => v.name === 'dashboards-services')).toEqual({ name: 'dashboards-services', projected: { sources: [{ configMap: { name: 'grafana-dashboards-services-1' } }, { configMap: { name: 'grafana-dashboards-services-2' } }] } });
    expect(volumes.find((v) => v.name === 'dashboards-slo')).toEqual({ name: 'dashboards-slo', configMap: { name: 'grafana-dashboards-slo' } });
    expect(mounts.find((m) => m.name === 'dashboards-services')).toEqual({ name: 'dashboards-services', mountPath: '/var/lib/grafana-dashboards/services', readOnly: true });
  });

  it('rolls the pods when provisioning changes, not when nothing does', () => {
    const checksum = (o: any[]) => one(o, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(synth().objects)).toBe(checksum(objects));
    expect(checksum(synth(staging, { ...REFS, loki: undefined }).objects)).not.toBe(checksum(objects));
    expect(checksum(synth({ ...staging, grafana: { ...staging.grafana, externalUrl: 'https://g.example.com' } }).objects)).not.toBe(checksum(objects));
  });

  it('without Loki provisions no Logs folder and no egress to Loki', () => {
    const { objects: o } = synth(staging, { prometheus: REFS.prometheus });
    expect(find(o, 'ConfigMap', 'grafana-dashboards-logs')).toEqual([]);
    expect(one(o, 'NetworkPolicy', 'grafana').spec.egress).toHaveLength(1);
    const yaml = parse(one(o, 'ConfigMap', 'grafana-datasources').data['datasources.yaml']);
    expect(yaml.datasources.map((d: any) => d.uid)).toEqual(['prometheus']);
  });

  it('passes the stack\'s policy suite (restricted, resources, probes, pinned images, availability, network) and secret scan', () => {
    for (const config of [staging, production]) {
      const objs = synth(config).objects;
      const ctx = { objects: objs, pinnedImages: environmentImages(config), agentsNamespace: agentsNamespace(config.namespace), requireSpread: config.environment === 'production' };
      expect(checkPolicies(ctx).map((v) => `${v.object} [${v.rule}] ${v.detail}`)).toEqual([]);
      expect(secretFindings(toYamlDocuments(objs))).toEqual([]);
    }
  });

  it('its objects are valid against the Kubernetes OpenAPI schema', async () => {
    for (const object of objects.filter((o) => !o.apiVersion.startsWith('monitoring.coreos.com/'))) {
      const mod = await import(`kubernetes-models/${object.apiVersion}`);
      expect(() => new mod[object.kind](object).validate()).not.toThrow();
    }
  });
});

