import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdk8s';
import { production, staging, validateConfig } from '../lib/config';
import type { LogCollectorKind, StackConfig } from '../lib/config';
import { IMAGES } from '../lib/images';
import { LOKI_EXAMPLE_QUERIES, LokiChart, lokiRuleGroups } from '../lib/components/loki';
import { LogCollectorChart, PROMTAIL_DEPRECATION_WARNING, collectorRuleGroups } from '../lib/components/log-collector';
import { NamespaceChart, agentsNamespace } from '../lib/components/namespace';
import { selectorLabels } from '../lib/k8s/labels';
import { HOST_ACCESS_ANNOTATION, HOST_STATE_ROOT } from '../lib/k8s/security';
import { checkPolicies, type Obj } from '../lib/policy';
import { logqlError } from '../lib/observability/query';
import { isAlertingRule, renderRuleFile, type AlertingRule, type RuleGroup } from '../lib/observability/rule-group';
import { RuleRegistry } from '../lib/observability/rule-registry';
import { toYaml } from '../lib/render/yaml';
import { alloyErrors, fluentdErrors } from './support/config-syntax';
import { promtool, withFiles } from './support/tools';

const ELASTICSEARCH = { url: 'https://elasticsearch.logging.svc:9200', credentialsSecret: { name: 'elasticsearch-credentials' } };
const KINDS: readonly LogCollectorKind[] = ['alloy', 'promtail', 'fluentd'];

function configFor(base: StackConfig, kind: LogCollectorKind): StackConfig {
  return validateConfig({ ...base, logCollector: { ...base.logCollector, kind, elasticsearch: kind === 'fluentd' ? ELASTICSEARCH : undefined } });
}

interface Built {
  readonly config: StackConfig;
  readonly objects: Obj[];
  readonly warnings: string[];
  readonly collector: LogCollectorChart;
  readonly loki?: LokiChart;
}

function build(config: StackConfig): Built {
  const app = Testing.app() as App;
  const ctx = { config, rules: new RuleRegistry() };
  const namespace = new NamespaceChart(app, ctx);
  const scrapers = [{ pods: selectorLabels(config, 'prometheus') }];
  const loki =
    config.logCollector.kind === 'fluentd'
      ? undefined
      : new LokiChart(app, ctx, { clients: [LogCollectorChart.peerFor(config), { pods: selectorLabels(config, 'grafana') }], scrapers });
  const warnings: string[] = [];
  const collector = new LogCollectorChart(app, ctx, { loki: loki?.service, scrapers, warn: (m) => warnings.push(m) });
  const objects = [namespace, loki, collector].flatMap((c) => (c ? (Testing.synth(c) as Obj[]) : []));
  return { config, objects, warnings, collector, loki };
}

const find = (objects: Obj[], kind: string, name?: string) => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: Obj[], kind: string, name?: string) => {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name ?? '*'}, found ${found.length}`);
  return found[0];
};

const CASES = [staging, production].flatMap((env) => KINDS.map((kind) => [`${env.environment}/${kind}`, configFor(env, kind)] as [string, StackConfig]));

describe.each(CASES)('%s', (_name, config) => {
  const built = build(config);
  const kind = config.logCollector.kind;
  const agents = agentsNamespace(config.namespace);
  const ds = one(built.objects, 'DaemonSet', kind);
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];

  test('DaemonSet in the node-agents namespace, on every node', () => {
    expect(ds.metadata.namespace).toBe(agents);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(c.image).toBe(IMAGES[kind]);
  });

  test('the only relaxations: read-only hostPath of exactly the log directories, and the read positions on the node; declared and explained', () => {
    const stateDir = `${HOST_STATE_ROOT}/${agents}/${kind}/`;
    const hostVolumes = pod.volumes.filter((v: any) => v.hostPath);
    const logDirs = hostVolumes.filter((v: any) => !v.hostPath.path.startsWith(stateDir));
    expect(logDirs.map((v: any) => v.hostPath.path).sort()).toEqual(kind === 'fluentd' ? ['/var/log/containers', '/var/log/pods'] : ['/var/log/pods']);
    for (const v of logDirs) expect(c.volumeMounts.find((m: any) => m.name === v.name).readOnly).toBe(true);
    // Issue 15 item 10: positions in an emptyDir died with the pod, and each rollout re-sent
    // up to an hour of logs. They are on the node now, in the stack's own folder.
    const positions = hostVolumes.filter((v: any) => v.hostPath.path.startsWith(stateDir));
    expect(positions).toHaveLength(1);
    expect(positions[0].hostPath.type).toBe('DirectoryOrCreate');
    const positionsMount = c.volumeMounts.find((m: any) => m.name === positions[0].name);
    expect(positionsMount.readOnly).toBeFalsy();
    // ... mounted where the collector's config keeps them.
    const configText = Object.values(one(built.objects, 'ConfigMap', kind).data as Record<string, string>).join('\n');
    const where = kind === 'alloy' ? c.args.find((a: string) => a.startsWith('--storage.path='))!.slice('--storage.path='.length) : kind === 'promtail' ? /filename: (\S+)\/positions\.yaml/.exec(configText)![1] : /pos_file (\S+)\/[^/\s]+\.pos/.exec(configText)![1];
    expect(positionsMount.mountPath).toBe(where);
    expect(ds.spec.template.metadata.annotations[HOST_ACCESS_ANNOTATION]).toMatch(/read-only hostPath .*; keeps its read positions on the node in \/var\/lib\/observability-stack\//);
    // Every other writable folder is an emptyDir.
    const writable = c.volumeMounts.filter((m: any) => !m.readOnly && m.name !== positions[0].name).map((m: any) => pod.volumes.find((v: any) => v.name === m.name));
    for (const v of writable) expect(v.emptyDir).toBeDefined();
    // Root to read root-only files, but nothing else: no capabilities, no escalation, read-only root fs.
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPid).toBeUndefined();
  });

  test('the policy suite refuses a writable host folder outside the stack\'s state folder', () => {
    const bad = JSON.parse(JSON.stringify(ds));
    const v = bad.spec.template.spec.volumes.find((x: any) => x.hostPath?.path.startsWith(HOST_STATE_ROOT));
    v.hostPath.path = '/var/lib/kubelet';
    const details = (objects: Obj[]) => checkPolicies({ objects, pinnedImages: Object.values(IMAGES), agentsNamespace: agents, requireSpread: false }).map((x) => x.detail);
    expect(details([ds]).filter((d) => /writable/.test(d))).toEqual([]);
    expect(details([bad]).join('\n')).toMatch(/mounts hostPath volume \S+ writable \(only folders under \/var\/lib\/observability-stack\/ may be written\)/);
  });

  test('RBAC of least privilege, token mounted because it talks to the API', () => {
    const role = one(built.objects, 'ClusterRole');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: kind === 'fluentd' ? ['pods', 'namespaces'] : ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(JSON.stringify(role.rules)).not.toContain('*');
    const binding = one(built.objects, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: kind, namespace: agents }]);
    expect(pod.serviceAccountName).toBe(kind);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(one(built.objects, 'ServiceAccount', kind).automountServiceAccountToken).toBe(false);
  });

  test('HTTP probes and a scrape target', () => {
    expect(c.readinessProbe.httpGet).toBeDefined();
    expect(c.livenessProbe.httpGet).toBeDefined();
    const monitor = one(built.objects, 'PodMonitor', kind);
    expect(monitor.metadata.namespace).toBe(agents);
    expect(monitor.spec.podMetricsEndpoints[0].port).toBe('http-metrics');
    expect(ds.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
  });

  test('config mounted from its ConfigMap, rolled on change, well-formed', () => {
    const cm = one(built.objects, 'ConfigMap', kind);
    const [key, text] = Object.entries(cm.data as Record<string, string>)[0];
    expect(ds.spec.template.metadata.annotations['checksum/config']).toBe(createHash('sha256').update(text).digest('hex'));
    if (kind === 'alloy') expect(alloyErrors(text)).toEqual([]);
    if (kind === 'fluentd') expect(fluentdErrors(text)).toEqual([]);
    if (kind !== 'fluentd') expect(text).toContain(`http://loki.${config.namespace}.svc:3100/loki/api/v1/push`);
    expect(key).toBe({ alloy: 'config.alloy', promtail: 'promtail.yaml', fluentd: 'fluent.conf' }[kind]);
  });

  test('NetworkPolicy: scraped by Prometheus, egress only to its sink and the API server', () => {
    const np = one(built.objects, 'NetworkPolicy', kind);
    expect(np.metadata.namespace).toBe(agents);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.namespace } }, podSelector: { matchLabels: selectorLabels(config, 'prometheus') } }], ports: [{ protocol: 'TCP', port: c.ports[0].containerPort }] },
    ]);
    const api = np.spec.egress.find((e: any) => e.to.some((t: any) => t.ipBlock?.cidr === config.network.apiServerCidrs[0]));
    expect(api.ports.map((p: any) => p.port)).toEqual([443, 6443]);
    if (kind === 'fluentd') {
      expect(np.spec.egress).toContainEqual({ to: config.network.externalEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 9200 }] });
    } else {
      expect(np.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.namespace } }, podSelector: { matchLabels: selectorLabels(config, 'loki') } }], ports: [{ protocol: 'TCP', port: 3100 }] });
      // ...and Loki lets the collector in.
      const lokiNp = one(built.objects, 'NetworkPolicy', 'loki');
      expect(lokiNp.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': agents } }, podSelector: { matchLabels: selectorLabels(config, kind) } });
    }
  });

  test('Promtail prints the deprecation warning at synth, the others do not', () => {
    expect(built.warnings).toEqual(kind === 'promtail' ? [PROMTAIL_DEPRECATION_WARNING] : []);
  });

  test('every object passes the policy suite', () => {
    const violations = checkPolicies({ objects: built.objects, pinnedImages: Object.values(IMAGES), agentsNamespace: agents, requireSpread: config.environment === 'production' });
    expect(violations).toEqual([]);
  });

  test('core objects are valid against the Kubernetes OpenAPI schema', async () => {
    for (const o of built.objects.filter((x) => !x.apiVersion.startsWith('monitoring.coreos.com/'))) {
      const mod = await import(`kubernetes-models/${o.apiVersion}`);
      const Model = mod[o.kind];
      expect(Model).toBeDefined();
      expect(() => new Model(o).validate()).not.toThrow();
    }
  });

  if (kind === 'fluentd') {
    test('fluentd credentials come from the Secret (secretKeyRef), never from the config', () => {
      const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
      expect(env.FLUENT_ELASTICSEARCH_USER.valueFrom).toEqual({ secretKeyRef: { name: 'elasticsearch-credentials', key: 'username' } });
      expect(env.FLUENT_ELASTICSEARCH_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'elasticsearch-credentials', key: 'password' } });
      const conf = one(built.objects, 'ConfigMap', 'fluentd').data['fluent.conf'];
      expect(conf).toContain(`password "#{ENV['FLUENT_ELASTICSEARCH_PASSWORD']}"`);
      expect(find(built.objects, 'StatefulSet', 'loki')).toEqual([]);
    });
  } else {
    test('Loki: StatefulSet with a PVC, HTTP probes on /ready, UID 10001, config hash', () => {
      const sts = one(built.objects, 'StatefulSet', 'loki');
      const lp = sts.spec.template.spec;
      const lc = lp.containers[0];
      expect(sts.spec.replicas).toBe(1);
      expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(config.loki.storage.size);
      expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(config.loki.storage.storageClassName);
      expect(lc.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http-metrics' });
      expect(lc.livenessProbe.httpGet).toBeDefined();
      expect(JSON.stringify(built.objects)).not.toContain('"exec"');
      expect(lp.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, runAsNonRoot: true });
      expect(lc.args).toEqual(['-config.file=/etc/loki/loki.yaml', '-config.expand-env=true', '-target=all']);
      const text = one(built.objects, 'ConfigMap', 'loki').data['loki.yaml'];
      expect(sts.spec.template.metadata.annotations['checksum/config']).toBe(createHash('sha256').update(text).digest('hex'));
      const svc = one(built.objects, 'Service', 'loki');
      expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http-metrics', 3100], ['grpc', 9095]]);
      expect(built.loki!.service.url('http', '/loki/api/v1/push')).toBe(`http://loki.${config.namespace}.svc:3100/loki/api/v1/push`);
    });

    test('Loki object-storage credentials from the named Secret, egress to storage only when used', () => {
      const sts = one(built.objects, 'StatefulSet', 'loki');
      const env = sts.spec.template.spec.containers[0].env ?? [];
      const np = one(built.objects, 'NetworkPolicy', 'loki');
      if (config.loki.objectStorage.backend === 's3') {
        expect(env).toEqual([
          { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'loki-objstore', key: 'access-key-id' } } },
          { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'loki-objstore', key: 'secret-access-key' } } },
        ]);
        expect(np.spec.egress).toEqual([{ to: config.network.externalEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 443 }] }]);
      } else {
        expect(env).toEqual([]);
        expect(np.spec.egress).toEqual([]);
      }
    });
  }
});

test('without Loki, alloy and promtail are refused with the reason', () => {
  const app = Testing.app() as App;
  const config = configFor(staging, 'alloy');
  expect(() => new LogCollectorChart(app, { config, rules: new RuleRegistry() }, { scrapers: [] })).toThrow('logCollector.kind: "alloy" ships logs to Loki; pass the Loki ServiceRef as props.loki');
});

test('the Promtail warning goes to console.warn by default', () => {
  const spy = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const app = Testing.app() as App;
    const config = configFor(staging, 'promtail');
    const ctx = { config, rules: new RuleRegistry() };
    const loki = new LokiChart(app, ctx, { clients: [], scrapers: [] });
    new LogCollectorChart(app, ctx, { loki: loki.service, scrapers: [] });
    expect(spy).toHaveBeenCalledWith(PROMTAIL_DEPRECATION_WARNING);
  } finally {
    spy.mockRestore();
  }
});

// ------------------------------------------------------------------------------ queries and rules
test('example LogQL queries parse and are the ones docs/logging.md shows', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'logging.md'), 'utf8');
  for (const [name, q] of Object.entries(LOKI_EXAMPLE_QUERIES)) {
    expect({ name, error: logqlError(q) }).toEqual({ name, error: undefined });
    expect(doc).toContain(q);
  }
  expect(logqlError('{namespace="shop"')).toBeDefined();
});

const RUNBOOKS = 'https://runbooks.example.com/observability';
const GROUPS: RuleGroup[] = [
  ...lokiRuleGroups({ runbookBaseUrl: RUNBOOKS }),
  ...KINDS.flatMap((kind) => collectorRuleGroups(kind, { runbookBaseUrl: RUNBOOKS, groupName: `log-collector-${kind}` })),
];

test('promtool check rules accepts every group', () => {
  const rules = GROUPS.flatMap((g) => g.rules).length;
  const res = withFiles({ 'rules.yaml': renderRuleFile(GROUPS) }, (dir) => promtool(['check', 'rules', 'rules.yaml'], { cwd: dir }));
  expect(res.output).toContain(`SUCCESS: ${rules} rules found`);
  expect(res.status).toBe(0);
});

interface AlertCase {
  readonly alert: string;
  readonly series: readonly { readonly series: string; readonly values: string }[];
  /** When the alert fires with `labels` (series labels kept by the expression). */
  readonly firingAt: string;
  readonly labels: Record<string, string>;
  /** A time the condition holds but `for` has not elapsed (or the condition does not hold yet). */
  readonly quietAt: string;
}

const L = 'namespace="monitoring", job="loki"';
const A = 'namespace="monitoring-node-agents", pod="collector-x7k2p"';
const CASES_ALERTS: AlertCase[] = [
  {
    alert: 'LokiRequestErrors',
    series: [
      { series: `loki_request_duration_seconds_count{${L}, route="loki_api_v1_push", status_code="500"}`, values: '0+30x40' },
      { series: `loki_request_duration_seconds_count{${L}, route="loki_api_v1_push", status_code="204"}`, values: '0+60x40' },
      { series: `loki_request_duration_seconds_count{${L}, route="loki_api_v1_query_range", status_code="200"}`, values: '0+60x40' },
    ],
    firingAt: '25m',
    quietAt: '10m',
    labels: { namespace: 'monitoring', job: 'loki', route: 'loki_api_v1_push' },
  },
  {
    alert: 'LokiRequestPanics',
    series: [{ series: `loki_panic_total{${L}}`, values: '0 0 0 0 0 1 1 1 1 1' }],
    firingAt: '7m',
    quietAt: '3m',
    labels: { namespace: 'monitoring', job: 'loki' },
  },
  {
    alert: 'LokiDiscardedSamples',
    series: [
      { series: `loki_discarded_samples_total{${L}, reason="rate_limited", tenant="fake"}`, values: '0+10x40' },
      { series: `loki_discarded_samples_total{${L}, reason="line_too_long", tenant="fake"}`, values: '0x40' },
    ],
    firingAt: '25m',
    quietAt: '10m',
    labels: { namespace: 'monitoring', job: 'loki', reason: 'rate_limited', tenant: 'fake' },
  },
  {
    alert: 'LokiCompactorRetentionFailing',
    series: [
      { series: `loki_compactor_apply_retention_operation_total{${L}, status="failure"}`, values: '0+1x120' },
      { series: `loki_compactor_apply_retention_operation_total{${L}, status="success"}`, values: '0x120' },
    ],
    firingAt: '80m',
    quietAt: '10m',
    labels: { namespace: 'monitoring', job: 'loki' },
  },
  {
    alert: 'LokiCompactorRetentionNotRun',
    // Last success at t=600s, never again.
    series: [{ series: `loki_compactor_apply_retention_last_successful_run_timestamp_seconds{${L}, instance="loki-0"}`, values: '0 0 0 0 0 0 0 0 0 0 600x400' }],
    firingAt: '5h',
    quietAt: '4h',
    labels: { namespace: 'monitoring', job: 'loki' },
  },
  {
    alert: 'AlloyLogEntriesDropped',
    series: [{ series: `loki_write_dropped_entries_total{${A}, host="loki.monitoring.svc:3100", reason="ingester_error"}`, values: '0+5x30' }],
    firingAt: '15m',
    quietAt: '3m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'AlloyLokiWriteRetrying',
    series: [{ series: `loki_write_batch_retries_total{${A}, host="loki.monitoring.svc:3100"}`, values: '0+2x40' }],
    firingAt: '25m',
    quietAt: '10m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'AlloyUnhealthyComponents',
    series: [
      { series: `alloy_component_controller_running_components{${A}, health_type="unhealthy"}`, values: '1x40' },
      { series: `alloy_component_controller_running_components{${A}, health_type="healthy"}`, values: '6x40' },
    ],
    firingAt: '20m',
    quietAt: '10m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'PromtailLogEntriesDropped',
    series: [{ series: `promtail_dropped_entries_total{${A}, host="loki.monitoring.svc:3100"}`, values: '0+5x30' }],
    firingAt: '15m',
    quietAt: '3m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'PromtailRequestErrors',
    series: [
      { series: `promtail_request_duration_seconds_count{${A}, host="loki.monitoring.svc:3100", status_code="500"}`, values: '0+30x40' },
      { series: `promtail_request_duration_seconds_count{${A}, host="loki.monitoring.svc:3100", status_code="204"}`, values: '0+60x40' },
    ],
    firingAt: '25m',
    quietAt: '10m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'FluentdOutputErrors',
    series: [{ series: `fluentd_output_status_num_errors{${A}, plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '0+1x40' }],
    firingAt: '25m',
    quietAt: '10m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
  {
    alert: 'FluentdBufferNearlyFull',
    series: [{ series: `fluentd_output_status_buffer_total_bytes{${A}, plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '500000000x30' }],
    firingAt: '15m',
    quietAt: '5m',
    labels: { namespace: 'monitoring-node-agents', pod: 'collector-x7k2p' },
  },
];

const ALL_ALERTS = GROUPS.flatMap((g) => g.rules).filter(isAlertingRule);

test('every alert has a promtool test case', () => {
  expect(CASES_ALERTS.map((c) => c.alert).sort()).toEqual(ALL_ALERTS.map((r) => r.alert).sort());
});

function expandAnnotations(rule: AlertingRule, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, l: string) => labels[l] ?? '')]));
}

test.each(CASES_ALERTS.map((c) => [c.alert, c] as [string, AlertCase]))('promtool test rules: %s', (_alert, tc) => {
  const rule = ALL_ALERTS.find((r) => r.alert === tc.alert)!;
  const labels = { ...tc.labels, ...rule.labels };
  const tests = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: tc.series.map((s) => ({ series: s.series, values: s.values })),
        alert_rule_test: [
          { eval_time: tc.quietAt, alertname: tc.alert, exp_alerts: [] },
          { eval_time: tc.firingAt, alertname: tc.alert, exp_alerts: [{ exp_labels: labels, exp_annotations: expandAnnotations(rule, labels) }] },
        ],
      },
    ],
  };
  const res = withFiles({ 'rules.yaml': renderRuleFile(GROUPS), 'test.yaml': toYaml(tests) }, (dir) => promtool(['test', 'rules', 'test.yaml'], { cwd: dir }));
  expect(res.output).toContain('SUCCESS');
  expect(res.status).toBe(0);
});
