import { App, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { production, staging } from '../lib/config';
import { ComponentChart } from '../lib/k8s/component';
import { disruptionBudget } from '../lib/k8s/disruption-budget';
import { endpointEgress, hostPortEndpoint, networkPolicy, urlEndpoint } from '../lib/k8s/network-policy';
import { container, podTemplate } from '../lib/k8s/workload';
import { RuleGroup, renderRuleFile, renderRuleFileAtOnce, ruleGroupProblems } from '../lib/observability/rule-group';
import { MonitoringStack } from '../lib/stack';
import { RuleRegistry } from '../lib/observability/rule-registry';
import { ScrapeTarget } from '../lib/observability/scrape-target';
import { promtool, withFiles } from './support/tools';

function chart(config = production) {
  const app = Testing.app() as App;
  const ctx = { config, rules: new RuleRegistry() };
  return { ctx, chart: new ComponentChart(app, ctx, 'demo', 'demo') };
}

const group: RuleGroup = {
  name: 'demo.rules',
  rules: [
    { record: 'job:demo_requests:rate5m', expr: 'sum by (job) (rate(demo_requests_total[5m]))' },
    {
      alert: 'DemoDown',
      expr: 'up{job="demo"} == 0',
      for: '5m',
      labels: { severity: 'critical', category: 'infrastructure' },
      annotations: { summary: 'Demo is down', description: 'It has been down for 5 minutes.', runbook_url: 'https://runbooks.example.com/demo#DemoDown' },
    },
  ],
};

describe('scrape target', () => {
  test('one declaration gives the pod annotations and a PodMonitor', () => {
    const { chart: c } = chart();
    const target = new ScrapeTarget({ name: 'demo', port: 9100, portName: 'metrics', path: '/stats/metrics' });
    expect(c.addScrapeTarget(target)).toEqual({ 'prometheus.io/path': '/stats/metrics', 'prometheus.io/port': '9100', 'prometheus.io/scheme': 'http', 'prometheus.io/scrape': 'true' });
    const [monitor] = Testing.synth(c);
    expect(monitor.kind).toBe('PodMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(c.selector);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/stats/metrics', scheme: 'http' }]);
  });

  test('with a Service it gives a ServiceMonitor', () => {
    const { chart: c } = chart();
    c.addScrapeTarget(new ScrapeTarget({ name: 'demo', port: 9100, portName: 'metrics' }), { service: { app: 'demo' } });
    const [monitor] = Testing.synth(c);
    expect(monitor.kind).toBe('ServiceMonitor');
    expect(monitor.spec.endpoints[0].port).toBe('metrics');
  });

  test('bad declarations are refused', () => {
    expect(() => new ScrapeTarget({ name: 'x', port: 70000, portName: 'metrics' })).toThrow('port 70000 is not a port number');
    expect(() => new ScrapeTarget({ name: 'x', port: 9100, portName: 'Metrics_Port' })).toThrow('portName "Metrics_Port" is not a valid port name');
    expect(() => new ScrapeTarget({ name: 'x', port: 9100, portName: 'metrics', path: 'metrics' })).toThrow('must start with "/"');
  });
});

describe('rule group', () => {
  test('one declaration gives a PrometheusRule and the same groups as a rule file', () => {
    const { chart: c, ctx } = chart();
    c.addRuleGroups([group]);
    const [rule] = Testing.synth(c);
    expect(rule.kind).toBe('PrometheusRule');
    const file = ctx.rules.ruleFiles()['demo.rules.yaml'];
    expect(rule.spec.groups).toEqual(parse(file).groups);
    expect(file).toBe(renderRuleFile([group]));
  });

  test('the rule file passes promtool check rules', () => {
    const res = withFiles({ 'demo.rules.yaml': renderRuleFile([group]) }, (dir) => promtool(['check', 'rules', 'demo.rules.yaml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS: 2 rules found');
    expect(res.status).toBe(0);
  });

  test('an invalid PromQL expression is refused with the group, rule and field', () => {
    const { chart: c } = chart();
    const bad: RuleGroup = { name: 'bad', rules: [{ alert: 'Broken', expr: 'sum(rate(x[5m])', labels: { severity: 'warning' } }] };
    expect(() => c.addRuleGroups([bad])).toThrow('demo.ruleGroups[bad].rules[0].expr: invalid PromQL, syntax error at character 16');
  });

  test('promtool agrees with the PromQL check on the same bad expression', () => {
    const bad: RuleGroup = { name: 'bad', rules: [{ record: 'x:y', expr: 'sum(rate(x[5m])' }] };
    expect(ruleGroupProblems(bad).length).toBe(1);
    const res = withFiles({ 'bad.yaml': renderRuleFile([bad]) }, (dir) => promtool(['check', 'rules', 'bad.yaml'], { cwd: dir }));
    expect(res.status).not.toBe(0);
  });

  test('a file of several groups, built from each group\'s cached block, is the file rendered at once', () => {
    const stack = new MonitoringStack(new App(), 'cache-check', production);
    const groups = stack.context.rules.all();
    expect(groups.length).toBeGreaterThan(10);
    expect(renderRuleFile(groups)).toBe(renderRuleFileAtOnce(groups));
    expect(renderRuleFile(groups.slice(3, 9))).toBe(renderRuleFileAtOnce(groups.slice(3, 9)));
    expect(renderRuleFile([])).toBe(renderRuleFileAtOnce([]));
    expect(renderRuleFile([])).toBe('groups: []\n');
  });

  test('duplicate group names across components are refused', () => {
    const registry = new RuleRegistry();
    registry.add('a', [group]);
    expect(() => registry.add('b', [group])).toThrow('a group of this name is already declared by a');
  });

  test('bad durations and names are refused', () => {
    const bad: RuleGroup = { name: 'Bad Group', interval: 'often', rules: [{ alert: 'A-B', expr: 'up', for: 'soon' }] };
    expect(ruleGroupProblems(bad, 'g')).toEqual([
      'g.name: "Bad Group" is not allowed; use lower-case letters, digits, \'-\' and \'.\' (it names a file and a ConfigMap key)',
      'g.interval: "often" is not a Prometheus duration; use e.g. "30s" or "1m"',
      'g.rules[0].alert: "A-B" is not a valid alert name; use letters, digits and \'_\'',
      'g.rules[0].for: "soon" is not a Prometheus duration; use e.g. "5m"',
    ]);
  });
});

describe('workload baseline', () => {
  const c = container({ name: 'x', image: 'example/x:1.0.0', resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' } });

  test('containers get the restricted security context and a memory limit, no CPU limit by default', () => {
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.resources?.limits?.memory?.value).toBe('32Mi');
    expect(c.resources?.limits?.cpu).toBeUndefined();
  });

  test('pods run as non-root with RuntimeDefault seccomp and no service account token', () => {
    const t = podTemplate(staging, { labels: { a: 'b' }, selector: { a: 'b' }, replicas: 1, containers: [c] });
    expect(t.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(t.spec?.automountServiceAccountToken).toBe(false);
    expect(t.spec?.topologySpreadConstraints).toBeUndefined();
  });

  test('replicated pods spread across nodes, and zones in production', () => {
    const t = podTemplate(production, { labels: { a: 'b' }, selector: { a: 'b' }, replicas: 2, containers: [c] });
    expect(t.spec?.topologySpreadConstraints?.map((s) => s.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  test('host access needs a named exception, and only the paths it names', () => {
    const volumes: k8s.Volume[] = [{ name: 'logs', hostPath: { path: '/var/log/pods' } }];
    expect(() => podTemplate(staging, { labels: {}, selector: { 'app.kubernetes.io/name': 'agent' }, replicas: 1, containers: [c], volumes })).toThrow(
      'pod agent: hostPath volumes (/var/log/pods) need an explicit HostAccessException',
    );
    expect(() =>
      podTemplate(staging, { labels: {}, selector: { 'app.kubernetes.io/name': 'agent' }, replicas: 1, containers: [c], volumes, hostAccess: { reason: 'x', hostPaths: ['/var/log/containers'] } }),
    ).toThrow('hostPath /var/log/pods is not in its HostAccessException.hostPaths');
    const t = podTemplate(staging, { labels: {}, selector: { 'app.kubernetes.io/name': 'agent' }, replicas: 1, containers: [c], volumes, hostAccess: { reason: 'reads pod logs', hostPaths: ['/var/log/pods'] } });
    expect(t.metadata?.annotations?.['observability-stack.io/host-access-exception']).toBe('reads pod logs');
  });
});

describe('disruption budget and network policy helpers', () => {
  test('a PDB only for replicated components, allowing one pod down', () => {
    const { chart: c } = chart();
    expect(disruptionBudget(c, 'one', 'ns', { a: 'b' }, 1)).toBeUndefined();
    disruptionBudget(c, 'two', 'ns', { a: 'b' }, 2);
    const [pdb] = Testing.synth(c);
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { a: 'b' } } });
  });

  test('rules: "any" and "all" are explicit, empty lists allow nothing, same ports merge, covered rules go', () => {
    const { chart: c } = chart();
    const prom = { pods: { app: 'prometheus' } };
    networkPolicy(c, {
      name: 'demo',
      namespace: 'monitoring',
      podSelector: { app: 'demo' },
      ingress: [
        { peers: [], ports: [{ port: 9100 }] },
        { peers: [prom], ports: [{ port: 9100 }] },
        { peers: [prom, { namespace: 'ops' }], ports: [{ port: 9100 }] },
        { peers: [prom], ports: [] },
      ],
      egress: [
        { peers: 'any', ports: [{ port: 443 }, { port: 6443 }] },
        { peers: [{ cidr: '0.0.0.0/0' }], ports: [{ port: 443 }] },
        { peers: [{ allNamespaces: true }], ports: 'all' },
        { peers: [prom], ports: [{ port: 9090 }] },
      ],
    });
    const [np] = Testing.synth(c);
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'prometheus' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ protocol: 'TCP', port: 9100 }] },
    ]);
    expect(np.spec.egress).toEqual([
      { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
      { to: [{ namespaceSelector: {} }] },
      // Covering is by identical peers or "any": a selector that happens to include another stays.
      { to: [{ podSelector: { matchLabels: { app: 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
  });

  test('endpoints a config names: a Service of the cluster is its namespace\'s pods, any other host the external CIDRs', () => {
    const config = { ...staging, network: { ...staging.network, externalEgressCidrs: ['52.0.0.0/8'] } };
    expect(urlEndpoint('http://relay.ops.svc:8080/hook')).toEqual({ host: 'relay.ops.svc', port: 8080 });
    expect(urlEndpoint('https://hooks.example.com/x')).toEqual({ host: 'hooks.example.com', port: 443 });
    expect(hostPortEndpoint('smtp.example.com', 25)).toEqual({ host: 'smtp.example.com', port: 25 });
    expect(
      endpointEgress(config, [
        { host: 'hooks.example.com', port: 443 },
        { host: 'minio.storage.svc.cluster.local', port: 9000 },
        { host: 'smtp.example.com', port: 587 },
        { host: 'es.logging.svc', port: 9200 },
        { host: 'minio.storage.svc', port: 9001 },
      ]),
    ).toEqual([
      { peers: [{ cidr: '52.0.0.0/8' }], ports: [{ port: 443 }, { port: 587 }] },
      { peers: [{ namespace: 'storage' }], ports: [{ port: 9000 }, { port: 9001 }] },
      { peers: [{ namespace: 'logging' }], ports: [{ port: 9200 }] },
    ]);
  });

  test('a policy allows exactly the listed flows', () => {
    const { chart: c } = chart();
    networkPolicy(c, {
      name: 'demo',
      namespace: 'monitoring',
      podSelector: { app: 'demo' },
      ingress: [{ peers: [{ pods: { app: 'prometheus' } }, { namespace: 'ingress-nginx' }], ports: [{ port: 9100 }] }],
      egress: [{ peers: [{ cidr: '10.0.0.1/32' }], ports: [{ port: 443 }] }],
    });
    const [np] = Testing.synth(c);
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { app: 'demo' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { app: 'prometheus' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          ports: [{ protocol: 'TCP', port: 9100 }],
        },
      ],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
  });
});
