import { writeFileSync } from 'fs';
import { execFile } from 'child_process';
import { promisify } from 'util';
import { parse } from 'yaml';
import {
  DROPPED_SERIES,
  JOB_APISERVER,
  JOB_CADVISOR,
  JOB_CONTROLLER_MANAGER,
  JOB_COREDNS,
  JOB_KUBELET,
  JOB_KUBELET_PROBES,
  JOB_POD_SIDECARS,
  JOB_PODS,
  JOB_SCHEDULER,
  JOB_SERVICE_ENDPOINTS,
  PrometheusConfigInput,
  SERVICE_ACCOUNT_CA_PATH,
  SERVICE_ACCOUNT_TOKEN_PATH,
  durationMs,
  prometheusConfigYaml,
  prometheusDiscoveryAccess,
  prometheusFeatureFlags,
  renderPrometheusConfig,
  replicaLabelEnv,
} from '../lib/render/prometheus';
import { metricsPipelineAlerts } from '../lib/observability/alerts/metrics-pipeline';
import { renderRuleFile } from '../lib/observability/rule-group';
import { toYaml } from '../lib/render/yaml';
import { replaceKubernetesSd } from './support/file-sd';
import { promtool, tempFiles, toolPath } from './support/tools';
import { CLUSTER_NAMESPACES, k8sCluster } from './fixtures/k8s-sd/cluster';
import { Testing } from 'cdk8s';
import { MonitoringStack } from '../lib/stack';
import { PrometheusChart } from '../lib/components/prometheus';
import { staging as stagingConfig } from '../lib/config/staging';

type Obj = Record<string, any>;

const AM = { namespace: 'monitoring', service: 'alertmanager', portName: 'http-web' } as const;

/** Like the staging environment: one replica, everything discovered, self-signed kubelets. */
const STAGING: PrometheusConfigInput = {
  cluster: 'staging-eu1',
  scrapeInterval: '30s',
  scrapeTimeout: '10s',
  evaluationInterval: '30s',
  ruleFiles: ['/etc/prometheus/rules/*.rules.yaml'],
  alertmanagers: [AM],
};

/** Like production: restricted namespaces, CA-verified kubelets, sidecar job, bounded pod labels, an extra job. */
const PRODUCTION: PrometheusConfigInput = {
  cluster: 'prod-eu1',
  replicaLabel: 'prometheus_replica',
  scrapeInterval: '15s',
  scrapeTimeout: '10s',
  evaluationInterval: '15s',
  ruleFiles: ['/etc/prometheus/rules/*.rules.yaml'],
  alertmanagers: [AM],
  namespaces: [...CLUSTER_NAMESPACES],
  kubelet: { enabled: true, tls: 'cluster-ca' },
  podLabelsToKeep: { 'app.kubernetes.io/version': 'version' },
  podScrapeJobs: [{ job: 'thanos-sidecar', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'staging' }, portName: 'http-sidecar' }],
  extraScrapeConfigs: [{ job_name: 'federate-edge', honor_labels: true, metrics_path: '/federate', params: { 'match[]': ['{job="node-exporter"}'] }, static_configs: [{ targets: ['prometheus.edge.example.com:9090'] }] }],
};

/**
 * The staging stack's own Prometheus input (its dedicated jobs: kube-state-metrics, node-exporter,
 * the config reloaders, the Thanos sidecar), with the controller manager and scheduler on.
 */
function stackInput(): PrometheusConfigInput {
  const stack = new MonitoringStack(Testing.app(), 'stack', { ...stagingConfig, kubernetesComponents: { controllerManager: true, scheduler: true } });
  // (Charts answer instanceof for any Chart subclass: find it by name.)
  const prometheus = stack.charts.find((c) => c.componentName === 'prometheus') as PrometheusChart;
  return prometheus.configInput;
}

const job = (config: Obj, name: string): Obj => {
  const found = (config.scrape_configs as Obj[]).find((j) => j.job_name === name);
  if (!found) throw new Error(`no job ${name}`);
  return found;
};

/**
 * Write the config with Kubernetes discovery replaced by the fixture's target groups,
 * in-cluster paths mapped to temp files, and the stack's real rule file in place.
 */
function materialize(input: PrometheusConfigInput) {
  const t = tempFiles({
    'sa/token': 'fixture-token\n',
    'sa/ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    'rules/metrics-pipeline.rules.yaml': renderRuleFile(metricsPipelineAlerts({ runbookBaseUrl: 'https://runbooks.example.com', kubeStateMetrics: true, nodeExporter: true })),
  });
  const { config, files } = replaceKubernetesSd(renderPrometheusConfig(input), k8sCluster(), {
    dir: t.dir,
    rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': t.path('sa/'), '/etc/prometheus/rules/': t.path('rules/') },
  });
  writeFileSync(t.path('prometheus.yml'), toYaml(config));
  return { ...t, config, files };
}

const execFileAsync = promisify(execFile);

/** Target labels after relabelling, by the real promtool (file SD + relabel), sorted; dropped targets counted. */
async function serviceDiscovery(dir: string, jobName: string): Promise<{ kept: Record<string, string>[]; dropped: number }> {
  const { stdout } = await execFileAsync(toolPath('promtool'), ['check', 'service-discovery', '--timeout=3s', 'prometheus.yml', jobName], { cwd: dir });
  const results = JSON.parse(stdout) as { labels: Record<string, string> }[];
  const kept = results
    .filter((r) => Object.keys(r.labels).length > 0)
    // Internal labels other than address, path and scheme differ between versions (3.x adds
    // `__always_scrape_classic_histograms__` and the like): left out.
    .map((r) => Object.fromEntries(Object.entries(r.labels).filter(([k]) => !k.startsWith('__') || ['__address__', '__metrics_path__', '__scheme__'].includes(k)).sort(([a], [b]) => a.localeCompare(b))))
    .sort((a, b) => a.__address__.localeCompare(b.__address__));
  return { kept, dropped: results.length - kept.length };
}

describe('renderPrometheusConfig', () => {
  const staging = renderPrometheusConfig(STAGING) as Obj;
  const production = renderPrometheusConfig(PRODUCTION) as Obj;

  test('global: intervals and external labels (cluster + per-replica pod name from the environment)', () => {
    expect(production.global).toEqual({
      scrape_interval: '15s',
      scrape_timeout: '10s',
      evaluation_interval: '15s',
      external_labels: { cluster: 'prod-eu1', prometheus_replica: '${POD_NAME}' },
    });
    expect(replicaLabelEnv(PRODUCTION)).toEqual({ name: 'POD_NAME', fieldPath: 'metadata.name' });
    const custom = renderPrometheusConfig({ ...STAGING, replicaLabel: 'replica', replicaEnvVar: 'HOSTNAME' }) as Obj;
    expect(custom.global.external_labels).toEqual({ cluster: 'staging-eu1', replica: '${HOSTNAME}' });
  });

  test('alerts drop the replica label so Alertmanager deduplicates the HA pair', () => {
    expect(production.alerting.alert_relabel_configs).toEqual([{ regex: 'prometheus_replica', action: 'labeldrop' }]);
  });

  test('Alertmanager is discovered by reference: its namespace, headless Service and port name, API v2, ready endpoints only', () => {
    expect(production.alerting.alertmanagers).toEqual([
      {
        api_version: 'v2',
        scheme: 'http',
        kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['monitoring'] } }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_service_name'], regex: 'alertmanager', action: 'keep' },
          { source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: 'http-web', action: 'keep' },
          { source_labels: ['__meta_kubernetes_endpointslice_endpoint_conditions_ready'], regex: 'true', action: 'keep' },
        ],
      },
    ]);
  });

  test('rule files and scrape jobs', () => {
    expect(staging.rule_files).toEqual(['/etc/prometheus/rules/*.rules.yaml']);
    const k8sJobs = [JOB_KUBELET, JOB_CADVISOR, JOB_KUBELET_PROBES, JOB_APISERVER, JOB_COREDNS];
    expect((staging.scrape_configs as Obj[]).map((j) => j.job_name)).toEqual([JOB_PODS, JOB_POD_SIDECARS, JOB_SERVICE_ENDPOINTS, ...k8sJobs]);
    expect((production.scrape_configs as Obj[]).map((j) => j.job_name)).toEqual([JOB_PODS, JOB_POD_SIDECARS, JOB_SERVICE_ENDPOINTS, ...k8sJobs, 'thanos-sidecar', 'federate-edge']);
    expect(job(production, 'federate-edge')).toEqual(PRODUCTION.extraScrapeConfigs![0]);
  });

  test('namespaces: all by default, only the listed ones when given (nodes are cluster-scoped)', () => {
    expect(job(staging, JOB_PODS).kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(job(production, JOB_PODS).kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['monitoring', 'shop'] } }]);
    expect(job(production, JOB_SERVICE_ENDPOINTS).kubernetes_sd_configs).toEqual([{ role: 'endpointslice', namespaces: { names: ['monitoring', 'shop'] } }]);
    expect(job(production, JOB_KUBELET).kubernetes_sd_configs).toEqual([{ role: 'node' }]);
  });

  test('kubelet and cAdvisor: direct HTTPS with the ServiceAccount token; TLS mode explicit', () => {
    expect(job(staging, JOB_KUBELET)).toMatchObject({
      scheme: 'https',
      metrics_path: '/metrics',
      authorization: { type: 'Bearer', credentials_file: SERVICE_ACCOUNT_TOKEN_PATH },
      tls_config: { insecure_skip_verify: true },
    });
    expect(job(production, JOB_KUBELET).tls_config).toEqual({ ca_file: SERVICE_ACCOUNT_CA_PATH });
    expect(job(production, JOB_CADVISOR)).toMatchObject({ metrics_path: '/metrics/cadvisor', metric_relabel_configs: [{ source_labels: ['__name__'], regex: DROPPED_SERIES[JOB_CADVISOR].join('|'), action: 'drop' }] });
    expect(job(staging, JOB_KUBELET_PROBES)).toMatchObject({ scheme: 'https', metrics_path: '/metrics/probes', authorization: job(staging, JOB_KUBELET).authorization, kubernetes_sd_configs: [{ role: 'node' }] });
    const off = renderPrometheusConfig({ ...STAGING, kubelet: { enabled: false } }) as Obj;
    expect((off.scrape_configs as Obj[]).map((j) => j.job_name)).toEqual([JOB_PODS, JOB_POD_SIDECARS, JOB_SERVICE_ENDPOINTS, JOB_APISERVER, JOB_COREDNS]);
  });

  test('cluster components: API server and CoreDNS on by default, controller manager and scheduler off; each can be switched', () => {
    const names = (input: PrometheusConfigInput) => (renderPrometheusConfig(input).scrape_configs as Obj[]).map((j) => j.job_name).filter((n) => [JOB_APISERVER, JOB_COREDNS, JOB_CONTROLLER_MANAGER, JOB_SCHEDULER].includes(n));
    expect(names(STAGING)).toEqual([JOB_APISERVER, JOB_COREDNS]);
    expect(names({ ...STAGING, clusterComponents: { controllerManager: true, scheduler: true } })).toEqual([JOB_APISERVER, JOB_COREDNS, JOB_CONTROLLER_MANAGER, JOB_SCHEDULER]);
    expect(names({ ...STAGING, clusterComponents: { apiServer: false, coreDns: false, scheduler: true } })).toEqual([JOB_SCHEDULER]);
    // The API server: the kubernetes Service's endpoints, its CA, the name every API server certificate has.
    expect(job(staging, JOB_APISERVER)).toMatchObject({
      scheme: 'https',
      authorization: { type: 'Bearer', credentials_file: SERVICE_ACCOUNT_TOKEN_PATH },
      tls_config: { ca_file: SERVICE_ACCOUNT_CA_PATH, server_name: 'kubernetes' },
      kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['default'] } }],
    });
    const all = renderPrometheusConfig({ ...STAGING, clusterComponents: { controllerManager: true, scheduler: true } }) as Obj;
    for (const j of [JOB_CONTROLLER_MANAGER, JOB_SCHEDULER]) {
      expect(job(all, j)).toMatchObject({ scheme: 'https', authorization: { type: 'Bearer', credentials_file: SERVICE_ACCOUNT_TOKEN_PATH }, tls_config: { insecure_skip_verify: true } });
    }
  });

  test('dropped series: one declared list per job, rendered as one drop of __name__ in that job only', () => {
    const all = renderPrometheusConfig({ ...STAGING, clusterComponents: { controllerManager: true, scheduler: true } }) as Obj;
    for (const sc of all.scrape_configs as Obj[]) {
      const names = DROPPED_SERIES[sc.job_name];
      if (names) expect(sc.metric_relabel_configs).toEqual([{ source_labels: ['__name__'], regex: names.join('|'), action: 'drop' }]);
      else expect(sc.metric_relabel_configs).toBeUndefined();
    }
    expect(Object.keys(DROPPED_SERIES).sort()).toEqual([JOB_APISERVER, JOB_CADVISOR, JOB_CONTROLLER_MANAGER, JOB_KUBELET, JOB_SCHEDULER].sort());
  });

  test('cAdvisor drops only the high-cardinality series nobody reads', () => {
    const re = new RegExp(`^(?:${DROPPED_SERIES[JOB_CADVISOR].join('|')})$`);
    for (const dropped of ['container_spec_memory_limit_bytes', 'container_tasks_state', 'container_blkio_device_usage_total', 'container_memory_failures_total']) expect(re.test(dropped)).toBe(true);
    for (const kept of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_cpu_cfs_throttled_periods_total', 'container_network_receive_bytes_total', 'container_fs_usage_bytes']) {
      expect(re.test(kept)).toBe(false);
    }
  });

  test('no wholesale labelmap of pod labels; only the bounded ones listed', () => {
    const yaml = prometheusConfigYaml(PRODUCTION);
    expect(yaml).not.toContain('labelmap');
    expect(job(production, JOB_PODS).relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], regex: '(.+)', target_label: 'version', replacement: '$1', action: 'replace' });
  });

  test('output is deterministic', () => {
    expect(prometheusConfigYaml(PRODUCTION)).toBe(prometheusConfigYaml(PRODUCTION));
    expect(parse(prometheusConfigYaml(PRODUCTION))).toEqual(production);
  });

  test('production-like prometheus.yml snapshot', () => {
    expect(prometheusConfigYaml(PRODUCTION)).toMatchSnapshot();
  });

  test('bad input is rejected with the field path and the fix', () => {
    expect(() => renderPrometheusConfig({ ...STAGING, scrapeTimeout: '1m' })).toThrow(/scrapeTimeout: 1m exceeds scrapeInterval 30s/);
    expect(() => renderPrometheusConfig({ ...STAGING, scrapeInterval: '30 s' })).toThrow(/scrapeInterval: "30 s" is not a positive Prometheus duration/);
    expect(() => renderPrometheusConfig({ ...STAGING, cluster: 'prod-$REGION' })).toThrow(/cluster: .*'\$'/);
    expect(() => renderPrometheusConfig({ ...STAGING, replicaLabel: 'cluster' })).toThrow(/replicaLabel/);
    expect(() => renderPrometheusConfig({ ...STAGING, alertmanagers: [] })).toThrow(/alertmanagers: at least one/);
    expect(() => renderPrometheusConfig({ ...STAGING, alertmanagers: [{ ...AM, portName: 'HTTP' }] })).toThrow(/alertmanagers\[0\]\.portName/);
    expect(() => renderPrometheusConfig({ ...STAGING, ruleFiles: ['rules/*.yaml'] })).toThrow(/ruleFiles\[0\]: .* absolute/);
    expect(() => renderPrometheusConfig({ ...STAGING, namespaces: [] })).toThrow(/namespaces: an empty list/);
    expect(() => renderPrometheusConfig({ ...STAGING, extraScrapeConfigs: [{ job_name: JOB_PODS }] })).toThrow(/extraScrapeConfigs\[0\]\.job_name: job name "kubernetes-pods" is used twice/);
    expect(() => renderPrometheusConfig({ ...STAGING, podLabelsToKeep: { app: 'pod' } })).toThrow(/podLabelsToKeep\["app"\]: "pod" is a label the stack already sets/);
    expect(() =>
      renderPrometheusConfig({ ...STAGING, podScrapeJobs: [{ job: 'sidecar', namespace: 'monitoring', podLabels: {}, portName: 'http' }] }),
    ).toThrow(/podScrapeJobs\[0\]\.podLabels/);
  });

  test('durationMs parses Prometheus durations', () => {
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('100ms')).toBe(100);
    expect(durationMs('1.5m')).toBeUndefined();
    expect(durationMs('')).toBeUndefined();
  });

  test('feature flags: 2.x needs expand-external-labels for the replica label, 3.x does it by default', () => {
    expect(prometheusFeatureFlags('2.42.0')).toEqual(['--enable-feature=expand-external-labels']);
    expect(prometheusFeatureFlags('quay.io/prometheus/prometheus:v3.5.0')).toEqual([]);
    expect(() => prometheusFeatureFlags('v2.40.0')).toThrow(/too old/);
    expect(() => prometheusFeatureFlags('latest')).toThrow(/cannot read a version/);
  });
});

describe('prometheusDiscoveryAccess (RBAC of least privilege)', () => {
  test('all namespaces: one ClusterRole with exactly the discovered resources and nodes/metrics', () => {
    const access = prometheusDiscoveryAccess(renderPrometheusConfig(STAGING));
    expect(access.clusterRules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    expect(access.namespaceRules).toEqual([]);
  });

  test('listed namespaces: namespaced rules per namespace, nodes cluster-wide, no wildcard anywhere', () => {
    const access = prometheusDiscoveryAccess(renderPrometheusConfig(PRODUCTION));
    expect(access.clusterRules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    const perNs = { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] };
    const slices = { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] };
    expect(access.namespaceRules).toEqual([
      // The API server's endpoints, and CoreDNS's pods.
      { namespace: 'default', rules: [perNs, slices] },
      { namespace: 'kube-system', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
      { namespace: 'monitoring', rules: [perNs, slices] },
      { namespace: 'shop', rules: [perNs, slices] },
    ]);
    expect(JSON.stringify(access)).not.toContain('*');
  });

  test('without kubelet scraping there is no nodes/metrics and no nodes access; /metrics only for the components that need it', () => {
    const access = prometheusDiscoveryAccess(renderPrometheusConfig({ ...PRODUCTION, kubelet: { enabled: false } }));
    expect(access.clusterRules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    const none = prometheusDiscoveryAccess(renderPrometheusConfig({ ...PRODUCTION, kubelet: { enabled: false }, clusterComponents: { apiServer: false } }));
    expect(none.clusterRules).toEqual([]);
    // The controller manager alone needs the same non-resource rule.
    const cm = prometheusDiscoveryAccess(renderPrometheusConfig({ ...PRODUCTION, kubelet: { enabled: false }, clusterComponents: { apiServer: false, coreDns: false, controllerManager: true } }));
    expect(cm.clusterRules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });
});

describe('the rendered config, with Kubernetes discovery replaced by file target groups, and real promtool', () => {
  for (const [name, input] of [
    ['staging-like', STAGING],
    ['production-like', PRODUCTION],
  ] as const) {
    test(`${name}: promtool check config accepts it, rule files included`, () => {
      const m = materialize(input);
      try {
        expect(JSON.stringify(m.config)).not.toContain('kubernetes_sd_configs');
        const res = promtool(['check', 'config', 'prometheus.yml'], { cwd: m.dir });
        if (res.status !== 0) throw new Error(res.output);
        expect(res.output).toContain('SUCCESS: prometheus.yml is valid prometheus config file syntax');
        expect(res.output).toContain('SUCCESS: 1 rule files found');
        expect(res.output).toMatch(/SUCCESS: \d+ rules found/);
      } finally {
        m.cleanup();
      }
    });
  }

  test('promtool rejects a broken relabel rule in the same pipeline (the check can fail)', () => {
    const m = materialize(STAGING);
    try {
      const broken = { ...m.config, scrape_configs: [{ ...(m.config.scrape_configs as Obj[])[0], relabel_configs: [{ source_labels: ['a'], action: 'keepequal' }] }] };
      writeFileSync(m.path('prometheus.yml'), toYaml(broken));
      const res = promtool(['check', 'config', 'prometheus.yml'], { cwd: m.dir });
      expect(res.status).not.toBe(0);
    } finally {
      m.cleanup();
    }
  });

  describe('relabelling by the real promtool on the fixture cluster', () => {
    let m: ReturnType<typeof materialize>;
    const results: Record<string, { kept: Record<string, string>[]; dropped: number }> = {};
    beforeAll(async () => {
      m = materialize(PRODUCTION);
      const jobs = [JOB_PODS, JOB_SERVICE_ENDPOINTS, JOB_KUBELET, JOB_CADVISOR, JOB_KUBELET_PROBES, JOB_APISERVER, JOB_COREDNS, 'thanos-sidecar'];
      const all = await Promise.all(jobs.map((j) => serviceDiscovery(m.dir, j)));
      jobs.forEach((j, i) => (results[j] = all[i]));
    });
    afterAll(() => m?.cleanup());

    test('annotated pods: exactly the annotated port of each, with namespace/pod/container/node and job from app.kubernetes.io/name', () => {
      expect(results[JOB_PODS].kept).toEqual([
        {
          __address__: '10.244.1.10:9090',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'prometheus',
          instance: '10.244.1.10:9090',
          job: 'prometheus',
          namespace: 'monitoring',
          node: 'node-a',
          pod: 'prometheus-0',
        },
        {
          __address__: '10.244.1.20:9093',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'alertmanager',
          instance: '10.244.1.20:9093',
          job: 'alertmanager',
          namespace: 'monitoring',
          node: 'node-a',
          pod: 'alertmanager-0',
        },
        {
          __address__: '10.244.1.35:3000',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'frontend',
          instance: '10.244.1.35:3000',
          job: 'frontend',
          namespace: 'shop',
          node: 'node-a',
          pod: 'frontend-6b7c8d9e0-z1y2x',
        },
        {
          __address__: '10.244.2.21:9093',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'alertmanager',
          instance: '10.244.2.21:9093',
          job: 'alertmanager',
          namespace: 'monitoring',
          node: 'node-b',
          pod: 'alertmanager-1',
        },
        {
          __address__: '10.244.2.30:8080',
          __metrics_path__: '/internal/metrics',
          __scheme__: 'http',
          container: 'checkout',
          instance: '10.244.2.30:8080',
          job: 'checkout',
          namespace: 'shop',
          node: 'node-b',
          pod: 'checkout-7d9f8b6c5-x2x4q',
          version: '1.4.2',
        },
      ]);
      // Discovered but dropped: the other ports of those pods, the unannotated cart, the
      // port-less legacy pod, the finished job, the un-annotated payments pod, and
      // kube-state-metrics' two ports (scraped by its own jobs).
      expect(results[JOB_PODS].dropped).toBe(14);
    });

    test('annotated services: only the annotated endpoint port, not pods scraped by the pod job, with service label and job = service', () => {
      expect(results[JOB_SERVICE_ENDPOINTS].kept).toEqual([
        {
          __address__: '10.244.2.34:9102',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'payments',
          instance: '10.244.2.34:9102',
          job: 'payments',
          namespace: 'shop',
          node: 'node-b',
          pod: 'payments-84c6d5f7b-k9j8h',
          service: 'payments',
        },
      ]);
    });

    test('kubelet and cAdvisor: one target per node at its kubelet port, instance and node = node name', () => {
      for (const [j, path] of [
        [JOB_KUBELET, '/metrics'],
        [JOB_CADVISOR, '/metrics/cadvisor'],
      ]) {
        expect(results[j].kept).toEqual(
          ['node-a', 'node-b'].map((n, i) => ({ __address__: `10.0.0.1${i + 1}:10250`, __metrics_path__: path, __scheme__: 'https', instance: n, job: j, node: n })),
        );
      }
    });

    test('kubelet probes: the same nodes, /metrics/probes', () => {
      expect(results[JOB_KUBELET_PROBES].kept).toEqual(
        ['node-a', 'node-b'].map((n, i) => ({ __address__: `10.0.0.1${i + 1}:10250`, __metrics_path__: '/metrics/probes', __scheme__: 'https', instance: n, job: JOB_KUBELET_PROBES, node: n })),
      );
    });

    test('apiserver: the kubernetes Service\'s endpoint only, over HTTPS, no pod labels', () => {
      expect(results[JOB_APISERVER].kept).toEqual([{ __address__: '10.0.0.11:6443', __metrics_path__: '/metrics', __scheme__: 'https', instance: '10.0.0.11:6443', job: JOB_APISERVER }]);
    });

    test('coredns: the kube-dns pods\' metrics port, with namespace/pod/container/node', () => {
      expect(results[JOB_COREDNS].kept).toEqual([
        { __address__: '10.244.1.50:9153', __metrics_path__: '/metrics', __scheme__: 'http', container: 'coredns', instance: '10.244.1.50:9153', job: JOB_COREDNS, namespace: 'kube-system', node: 'node-a', pod: 'coredns-5d78c9869d-abcde' },
        { __address__: '10.244.2.51:9153', __metrics_path__: '/metrics', __scheme__: 'http', container: 'coredns', instance: '10.244.2.51:9153', job: JOB_COREDNS, namespace: 'kube-system', node: 'node-b', pod: 'coredns-5d78c9869d-fghij' },
      ]);
    });

    test('the sidecar port of the Prometheus pod is its own job, selected by pod labels and port name', () => {
      expect(results['thanos-sidecar'].kept).toEqual([
        {
          __address__: '10.244.1.10:10902',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          container: 'thanos-sidecar',
          instance: '10.244.1.10:10902',
          job: 'thanos-sidecar',
          namespace: 'monitoring',
          node: 'node-a',
          pod: 'prometheus-0',
        },
      ]);
    });
  });
});

describe('the staging stack\'s own jobs, relabelled by the real promtool on the fixture cluster', () => {
  let m: ReturnType<typeof materialize>;
  const results: Record<string, { kept: Record<string, string>[]; dropped: number }> = {};
  const jobs = ['kube-state-metrics', 'kube-state-metrics-self', 'node-exporter', 'config-reloader', JOB_CONTROLLER_MANAGER, JOB_SCHEDULER];
  beforeAll(async () => {
    m = materialize(stackInput());
    const all = await Promise.all(jobs.map((j) => serviceDiscovery(m.dir, j)));
    jobs.forEach((j, i) => (results[j] = all[i]));
  });
  afterAll(() => m?.cleanup());

  test('promtool check config accepts the stack\'s config with every job on', () => {
    const res = promtool(['check', 'config', 'prometheus.yml'], { cwd: m.dir });
    if (res.status !== 0) throw new Error(res.output);
  });

  test('kube-state-metrics: honor_labels, and no namespace/pod/container/node of its own pod on the target', () => {
    expect(job(m.config, 'kube-state-metrics').honor_labels).toBe(true);
    expect(results['kube-state-metrics'].kept).toEqual([
      { __address__: '10.244.1.40:8080', __metrics_path__: '/metrics', __scheme__: 'http', instance: '10.244.1.40:8080', job: 'kube-state-metrics' },
    ]);
  });

  test('kube-state-metrics-self: the telemetry port, its own job, with the pod labels', () => {
    expect(job(m.config, 'kube-state-metrics-self').honor_labels).toBeUndefined();
    expect(results['kube-state-metrics-self'].kept).toEqual([
      {
        __address__: '10.244.1.40:8081',
        __metrics_path__: '/metrics',
        __scheme__: 'http',
        container: 'kube-state-metrics',
        instance: '10.244.1.40:8081',
        job: 'kube-state-metrics-self',
        namespace: 'monitoring',
        node: 'node-a',
        pod: 'kube-state-metrics-6d4b8c7f9-k2m3n',
      },
    ]);
  });

  test('node-exporter: one target per node, instance = node name, in the node agents\' namespace', () => {
    expect(results['node-exporter'].kept.map((l) => [l.__address__, l.instance, l.node, l.namespace, l.job])).toEqual([
      ['10.0.0.11:9100', 'node-a', 'node-a', 'monitoring-node-agents', 'node-exporter'],
      ['10.0.0.12:9100', 'node-b', 'node-b', 'monitoring-node-agents', 'node-exporter'],
    ]);
  });

  test('config reloaders: every pod of the stack with a reloader-web port, job config-reloader, container label', () => {
    expect(results['config-reloader'].kept).toEqual([
      { __address__: '10.244.1.10:8080', __metrics_path__: '/metrics', __scheme__: 'http', container: 'config-reloader', instance: '10.244.1.10:8080', job: 'config-reloader', namespace: 'monitoring', node: 'node-a', pod: 'prometheus-0' },
    ]);
  });

  test('controller manager and scheduler: the pod IP at the component\'s secure port, whatever ports the static pod declares', () => {
    expect(results[JOB_CONTROLLER_MANAGER].kept).toEqual([
      {
        __address__: '10.0.0.11:10257',
        __metrics_path__: '/metrics',
        __scheme__: 'https',
        container: 'kube-controller-manager',
        instance: '10.0.0.11:10257',
        job: JOB_CONTROLLER_MANAGER,
        namespace: 'kube-system',
        node: 'node-a',
        pod: 'kube-controller-manager-node-a',
      },
    ]);
    expect(results[JOB_SCHEDULER].kept.map((l) => [l.__address__, l.pod])).toEqual([['10.0.0.11:10259', 'kube-scheduler-node-a']]);
  });

  test('the controller-manager job also finds kops\' pods (k8s-app label) and brackets IPv6 pod IPs', async () => {
    const cluster = k8sCluster();
    const kops = { ...cluster.pods.find((p) => p.metadata.name === 'kube-controller-manager-node-a')! };
    const pods = [
      { ...kops, metadata: { ...kops.metadata, name: 'kcm-kops', labels: { 'k8s-app': 'kube-controller-manager' } } },
      { ...kops, metadata: { ...kops.metadata, name: 'kcm-v6' }, status: { ...kops.status, podIP: 'fd00::11' } },
    ];
    const t = tempFiles({});
    try {
      const input = { ...STAGING, kubelet: { enabled: false }, clusterComponents: { apiServer: false, coreDns: false, controllerManager: true } };
      const { config } = replaceKubernetesSd(renderPrometheusConfig(input), { ...cluster, pods }, { dir: t.dir, rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': t.path('sa/'), '/etc/prometheus/rules/': t.path('rules/') } });
      writeFileSync(t.path('prometheus.yml'), toYaml(config));
      const r = await serviceDiscovery(t.dir, JOB_CONTROLLER_MANAGER);
      expect(r.kept.map((l) => [l.pod, l.__address__])).toEqual([
        ['kcm-v6', '[fd00::11]:10257'],
        ['kcm-kops', '10.0.0.11:10257'],
      ]);
    } finally {
      t.cleanup();
    }
  });
});
