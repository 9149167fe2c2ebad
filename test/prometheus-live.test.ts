import { ChildProcess, spawn } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { metricsPipelineAlerts, prometheusAlerts } from '../lib/observability/alerts/metrics-pipeline';
import { renderRuleFile } from '../lib/observability/rule-group';
import { JOB_APISERVER, JOB_CADVISOR, JOB_COREDNS, JOB_KUBELET, JOB_KUBELET_PROBES, JOB_PODS, JOB_SERVICE_ENDPOINTS, PodScrapeJob, PrometheusConfigInput, prometheusFeatureFlags, renderPrometheusConfig } from '../lib/render/prometheus';
import { Testing } from 'cdk8s';
import { MonitoringStack } from '../lib/stack';
import { PrometheusChart } from '../lib/components/prometheus';
import { staging } from '../lib/config/staging';
import { toYaml } from '../lib/render/yaml';
import { CLUSTER_NAMESPACES, k8sCluster } from './fixtures/k8s-sd/cluster';
import { replaceKubernetesSd } from './support/file-sd';
import { runTool, tempFiles, toolPath } from './support/tools';

/**
 * The real Prometheus (Debian's 2.42) runs the rendered config. Kubernetes discovery is
 * replaced by file target groups with the meta labels Kubernetes discovery would give
 * for the fixture cluster, every pod and node pointing at a local server. Checked
 * through Prometheus's HTTP API: annotated targets are up with the expected labels,
 * unannotated ones are never scraped, kubelets get the ServiceAccount token over
 * verified TLS, alerts reach both Alertmanagers with `cluster` and without the replica
 * label, and the replica label is expanded from the environment.
 */

const TOKEN = 'fixture-serviceaccount-token';
const CLUSTER = 'prod-eu1';
const POD_NAME = 'prometheus-0';

interface Fake {
  readonly owner: string;
  readonly port: number;
  actualPort: number;
  readonly requests: { method: string; path: string; authorization?: string }[];
  readonly alerts: Record<string, any>[];
  server?: http.Server | https.Server;
}

const fakes = new Map<string, Fake>();
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let promUrl = '';
let files: ReturnType<typeof tempFiles> | undefined;

/** What some fixture endpoints serve besides fixture_info: a few real series of each exporter. */
const EXPORTER_SERIES: Record<string, string[]> = {
  // kube-state-metrics: series about other objects, with their own namespace/pod/container/node.
  'kube-state-metrics-6d4b8c7f9-k2m3n:8080': [
    '# TYPE kube_pod_info gauge',
    'kube_pod_info{namespace="shop",pod="checkout-1",uid="u1",node="node-b",created_by_kind="ReplicaSet",created_by_name="checkout-7d9f8b6c5"} 1',
    '# TYPE kube_pod_container_status_restarts_total counter',
    'kube_pod_container_status_restarts_total{namespace="shop",pod="checkout-1",uid="u1",container="checkout"} 4',
    '# TYPE kube_node_info gauge',
    'kube_node_info{node="node-a",kernel_version="6.1.0"} 1',
  ],
  'kube-state-metrics-6d4b8c7f9-k2m3n:8081': ['# TYPE kube_state_metrics_list_total counter', 'kube_state_metrics_list_total{resource="*v1.Pod",result="success"} 12'],
  'kube-apiserver:6443': [
    '# TYPE apiserver_request_total counter',
    'apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 42',
    '# TYPE apiserver_request_duration_seconds histogram',
    'apiserver_request_duration_seconds_bucket{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1",le="+Inf"} 42',
    'apiserver_request_duration_seconds_sum{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 2.5',
    'apiserver_request_duration_seconds_count{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 42',
  ],
  'node-exporter-n1a2b:9100': ['# TYPE node_load1 gauge', 'node_load1 0.5'],
  'node-exporter-n3c4d:9100': ['# TYPE node_load1 gauge', 'node_load1 0.7'],
};

function metricsBody(f: Fake, path: string): string {
  const lines = ['# HELP fixture_info Which fixture endpoint served this scrape.', '# TYPE fixture_info gauge', `fixture_info{origin="${f.owner}:${f.port}",path="${path}"} 1`];
  lines.push(...(EXPORTER_SERIES[`${f.owner}:${f.port}`] ?? []));
  if (path === '/metrics/cadvisor') {
    lines.push(
      '# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.',
      '# TYPE container_cpu_usage_seconds_total counter',
      'container_cpu_usage_seconds_total{container="checkout",namespace="shop",pod="checkout-7d9f8b6c5-x2x4q"} 12.5',
      '# HELP container_tasks_state Number of tasks in given state',
      '# TYPE container_tasks_state gauge',
      'container_tasks_state{container="checkout",namespace="shop",pod="checkout-7d9f8b6c5-x2x4q",state="sleeping"} 3',
    );
  }
  return `${lines.join('\n')}\n`;
}

function handler(f: Fake, requireToken: boolean): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    f.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    if (requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('Unauthorized');
      return;
    }
    if (req.method === 'POST' && path === '/api/v2/alerts') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        f.alerts.push(...(JSON.parse(body) as Record<string, any>[]));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metricsBody(f, path));
  };
}

function listen(server: http.Server | https.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
  await new Promise((r) => s.close(r));
  return port;
}

async function getJson(path: string): Promise<any> {
  const res = await fetch(`${promUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const body = (await res.json()) as { status: string; data: unknown };
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (prometheus && prometheus.exitCode !== null) throw new Error(`prometheus exited (${prometheus.exitCode}) while waiting for ${what}:\n${prometheusLog}`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what} (${String(last)})\n--- prometheus log ---\n${prometheusLog.slice(-4000)}`);
}

async function stopPrometheus(): Promise<void> {
  const p = prometheus;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The staging stack's dedicated jobs (kube-state-metrics, its telemetry, node-exporter, the config reloaders), as the stack renders them. */
function stackJobs(): PodScrapeJob[] {
  const stack = new MonitoringStack(Testing.app(), 'stack', staging);
  const prometheus = stack.charts.find((c) => c.componentName === 'prometheus') as PrometheusChart;
  return (prometheus.configInput.podScrapeJobs ?? []).filter((j) => ['kube-state-metrics', 'kube-state-metrics-self', 'node-exporter', 'config-reloader'].includes(j.job));
}

const liveInput = (ruleGlob: string): PrometheusConfigInput => ({
  cluster: CLUSTER,
  scrapeInterval: '1s',
  scrapeTimeout: '1s',
  evaluationInterval: '1s',
  ruleFiles: [ruleGlob],
  alertmanagers: [{ namespace: 'monitoring', service: 'alertmanager', portName: 'http-web' }],
  namespaces: [...CLUSTER_NAMESPACES],
  kubelet: { enabled: true, tls: 'cluster-ca' },
  podLabelsToKeep: { 'app.kubernetes.io/version': 'version' },
  podScrapeJobs: [{ job: 'thanos-sidecar', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' }, portName: 'http-sidecar' }, ...stackJobs()],
});

const ALWAYS_FIRING = renderRuleFile([
  { name: 'live-test', rules: [{ alert: 'LiveTestAlwaysFiring', expr: 'vector(1)', labels: { severity: 'info', category: 'infrastructure' }, annotations: { summary: 'always firing' } }] },
]);

beforeAll(async () => {
  toolPath('prometheus'); // a missing binary fails the suite
  files = tempFiles({
    'sa/token': `${TOKEN}\n`,
    'rules/live-test.rules.yaml': ALWAYS_FIRING,
    'rules/metrics-pipeline.rules.yaml': renderRuleFile(metricsPipelineAlerts({ runbookBaseUrl: 'https://runbooks.example.com', kubeStateMetrics: true, nodeExporter: true })),
  });
  // Self-signed kubelet certificate for 127.0.0.1, used as the "cluster CA" too.
  const cert = runTool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.path('sa/kubelet.key'), '-out', files.path('sa/ca.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes']);
  if (cert.status !== 0) throw new Error(`openssl failed: ${cert.output}`);
  const tls = { key: readFileSync(files.path('sa/kubelet.key')), cert: readFileSync(files.path('sa/ca.crt')) };

  // Every (pod or node, port) of the fixture gets its own local server.
  k8sCluster({ ip: () => '127.0.0.1', port: (owner, port) => (fakes.set(`${owner}:${port}`, { owner, port, actualPort: 0, requests: [], alerts: [] }), port) });
  for (const f of fakes.values()) {
    // Kubelets and the API server: HTTPS with the "cluster CA" and the ServiceAccount token.
    const secure = (/^node-[ab]$/.test(f.owner) && f.port === 10250) || (f.owner === 'kube-apiserver' && f.port === 6443);
    f.server = secure ? https.createServer(tls, handler(f, true)) : http.createServer(handler(f, false));
    f.actualPort = await listen(f.server);
  }
  const cluster = k8sCluster({ ip: () => '127.0.0.1', port: (owner, port) => fakes.get(`${owner}:${port}`)!.actualPort });

  const { config } = replaceKubernetesSd(renderPrometheusConfig(liveInput('/etc/prometheus/rules/*.rules.yaml')), cluster, {
    dir: files.dir,
    rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': files.path('sa/'), '/etc/prometheus/rules/': files.path('rules/') },
  });
  writeFileSync(files.path('prometheus.yml'), toYaml(config));

  const version = /version (\d+\.\d+\.\d+)/.exec(runTool('prometheus', ['--version']).output)?.[1];
  if (!version) throw new Error('cannot read the prometheus version');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    toolPath('prometheus'),
    [
      `--config.file=${files.path('prometheus.yml')}`,
      `--storage.tsdb.path=${files.path('data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Alerts evaluated before Alertmanager discovery has synced are dropped and resent
      // after this delay (1m by default); shortened so the test takes seconds.
      '--rules.alert.resend-delay=1s',
      ...prometheusFeatureFlags(version),
    ],
    { env: { PATH: process.env.PATH ?? '', POD_NAME }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (d) => (prometheusLog += d));
  prometheus.stderr!.on('data', (d) => (prometheusLog += d));
  await until('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
}, 60_000);

afterAll(async () => {
  await stopPrometheus();
  await Promise.all([...fakes.values()].map((f) => new Promise((r) => (f.server ? f.server.close(r) : r(undefined)))));
  files?.cleanup();
});

/** What Prometheus's notifier did, for a failure message. */
async function notificationDiagnostics(am: string): Promise<string> {
  const metrics = (await (await fetch(`${promUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith('prometheus_notifications'));
  const posts = fakes.get(am)!.requests.filter((r) => r.method === 'POST');
  return `POSTs received by ${am}: ${posts.length}\n${metrics.join('\n')}\nalerts: ${JSON.stringify(await getJson('/api/v1/alerts'))}`;
}

interface ActiveTarget {
  scrapePool: string;
  labels: Record<string, string>;
  health: string;
  lastError: string;
  scrapeUrl: string;
}

describe('real Prometheus with the rendered config', () => {
  let active: ActiveTarget[] = [];
  let dropped: { discoveredLabels: Record<string, string> }[] = [];

  beforeAll(async () => {
    const data = await until('every target scraped', async () => {
      const d = await getJson('/api/v1/targets');
      const targets = d.activeTargets as ActiveTarget[];
      if (targets.length >= 21 && targets.every((t) => t.health !== 'unknown')) return d;
      throw new Error(`active targets: ${targets.map((t) => `${t.scrapePool} ${t.health}`).join(', ')}`);
    });
    active = data.activeTargets;
    dropped = data.droppedTargets;
  }, 60_000);

  const labelsOf = (pool: string) =>
    active
      .filter((t) => t.scrapePool === pool)
      .map((t) => t.labels)
      .sort((a, b) => (a.pod ?? a.node).localeCompare(b.pod ?? b.node));

  test('every kept target is up', () => {
    expect(active.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.lastError}`)).toEqual([]);
    expect(active.map((t) => t.scrapePool).sort()).toEqual(
      [
        JOB_CADVISOR,
        JOB_CADVISOR,
        JOB_KUBELET,
        JOB_KUBELET,
        JOB_KUBELET_PROBES,
        JOB_KUBELET_PROBES,
        JOB_APISERVER,
        JOB_COREDNS,
        JOB_COREDNS,
        JOB_PODS,
        JOB_PODS,
        JOB_PODS,
        JOB_PODS,
        JOB_PODS,
        JOB_SERVICE_ENDPOINTS,
        'thanos-sidecar',
        'config-reloader',
        'kube-state-metrics',
        'kube-state-metrics-self',
        'node-exporter',
        'node-exporter',
      ].sort(),
    );
  });

  test('annotated pods are up with namespace/pod/container/node labels and job from app.kubernetes.io/name', () => {
    const inst = (owner: string, port: number) => `127.0.0.1:${fakes.get(`${owner}:${port}`)!.actualPort}`;
    expect(labelsOf(JOB_PODS)).toEqual([
      { container: 'alertmanager', instance: inst('alertmanager-0', 9093), job: 'alertmanager', namespace: 'monitoring', node: 'node-a', pod: 'alertmanager-0' },
      { container: 'alertmanager', instance: inst('alertmanager-1', 9093), job: 'alertmanager', namespace: 'monitoring', node: 'node-b', pod: 'alertmanager-1' },
      { container: 'checkout', instance: inst('checkout-7d9f8b6c5-x2x4q', 8080), job: 'checkout', namespace: 'shop', node: 'node-b', pod: 'checkout-7d9f8b6c5-x2x4q', version: '1.4.2' },
      { container: 'frontend', instance: inst('frontend-6b7c8d9e0-z1y2x', 3000), job: 'frontend', namespace: 'shop', node: 'node-a', pod: 'frontend-6b7c8d9e0-z1y2x' },
      { container: 'prometheus', instance: inst('prometheus-0', 9090), job: 'prometheus', namespace: 'monitoring', node: 'node-a', pod: 'prometheus-0' },
    ]);
    const checkout = active.find((t) => t.labels.pod === 'checkout-7d9f8b6c5-x2x4q')!;
    expect(new URL(checkout.scrapeUrl).pathname).toBe('/internal/metrics');
    expect(labelsOf(JOB_SERVICE_ENDPOINTS)).toEqual([
      { container: 'payments', instance: inst('payments-84c6d5f7b-k9j8h', 9102), job: 'payments', namespace: 'shop', node: 'node-b', pod: 'payments-84c6d5f7b-k9j8h', service: 'payments' },
    ]);
    expect(labelsOf('thanos-sidecar')).toEqual([
      { container: 'thanos-sidecar', instance: inst('prometheus-0', 10902), job: 'thanos-sidecar', namespace: 'monitoring', node: 'node-a', pod: 'prometheus-0' },
    ]);
  });

  test('unannotated pods and ports are dropped and never scraped', () => {
    const neverScraped = [
      'cart-5c8d7f6b9-q8w7e:8080',
      'legacy-6f5d4c3b2-a1b2c:8080',
      'migrate-28461234-vvx9k:9100',
      'payments-84c6d5f7b-k9j8h:8443',
      'payments-84c6d5f7b-k9j8h:6060',
      'checkout-7d9f8b6c5-x2x4q:15090',
      'prometheus-0:10901',
      'alertmanager-0:9094',
      'alertmanager-1:9094',
      'node-exporter-abcde:9100',
    ];
    for (const key of neverScraped) expect({ key, requests: fakes.get(key)!.requests.length }).toEqual({ key, requests: 0 });
    const droppedPods = new Set(dropped.map((d) => d.discoveredLabels.__meta_kubernetes_pod_name).filter(Boolean));
    for (const pod of ['cart-5c8d7f6b9-q8w7e', 'legacy-6f5d4c3b2-a1b2c', 'migrate-28461234-vvx9k']) expect(droppedPods).toContain(pod);
    // The frontend pod is behind an annotated Service too, and is scraped once (by the pod job).
    expect(active.filter((t) => t.labels.pod === 'frontend-6b7c8d9e0-z1y2x')).toHaveLength(1);
  });

  test('kubelet and cAdvisor: verified TLS, the ServiceAccount token, node labels; dropped cAdvisor series are not stored', async () => {
    expect(labelsOf(JOB_KUBELET).map((l) => [l.instance, l.node])).toEqual([
      ['node-a', 'node-a'],
      ['node-b', 'node-b'],
    ]);
    for (const node of ['node-a', 'node-b']) {
      const reqs = fakes.get(`${node}:10250`)!.requests;
      expect(reqs.length).toBeGreaterThan(0);
      expect(new Set(reqs.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
      expect(new Set(reqs.map((r) => r.path))).toEqual(new Set(['/metrics', '/metrics/cadvisor', '/metrics/probes']));
    }
    const cpu = await until('cAdvisor samples', async () => {
      const r = (await getJson('/api/v1/query?query=container_cpu_usage_seconds_total')).result as { metric: Record<string, string> }[];
      return r.length === 2 ? r : undefined;
    });
    expect(cpu.map((s) => s.metric.node).sort()).toEqual(['node-a', 'node-b']);
    expect(cpu[0].metric).toMatchObject({ job: JOB_CADVISOR, namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x4q', container: 'checkout' });
    expect((await getJson('/api/v1/query?query=container_tasks_state')).result).toEqual([]);
  });

  test('the up series and the scraped data carry the target labels, from the right endpoint', async () => {
    const up = (await getJson('/api/v1/query?query=up')).result as { metric: Record<string, string>; value: [number, string] }[];
    expect(up).toHaveLength(21);
    expect(up.every((s) => s.value[1] === '1')).toBe(true);
    const info = (await getJson('/api/v1/query?query=fixture_info{job="prometheus"}')).result as { metric: Record<string, string> }[];
    expect(info.map((s) => s.metric)).toEqual([
      {
        __name__: 'fixture_info',
        container: 'prometheus',
        instance: `127.0.0.1:${fakes.get('prometheus-0:9090')!.actualPort}`,
        job: 'prometheus',
        namespace: 'monitoring',
        node: 'node-a',
        origin: 'prometheus-0:9090',
        path: '/metrics',
        pod: 'prometheus-0',
      },
    ]);
  });

  const series = async (query: string, n: number) =>
    until(`${n} series of ${query}`, async () => {
      const r = (await getJson(`/api/v1/query?query=${encodeURIComponent(query)}`)).result as { metric: Record<string, string> }[];
      return r.length === n ? r.map((x) => x.metric) : undefined;
    });

  test('kube-state-metrics: a series about shop/checkout-1 is stored with namespace="shop", pod="checkout-1" (honor_labels), a node\'s series gets no namespace or pod of KSM\'s', async () => {
    const [info] = await series('kube_pod_info', 1);
    expect(info).toEqual({
      __name__: 'kube_pod_info',
      created_by_kind: 'ReplicaSet',
      created_by_name: 'checkout-7d9f8b6c5',
      instance: `127.0.0.1:${fakes.get('kube-state-metrics-6d4b8c7f9-k2m3n:8080')!.actualPort}`,
      job: 'kube-state-metrics',
      namespace: 'shop',
      node: 'node-b',
      pod: 'checkout-1',
      uid: 'u1',
    });
    const [restarts] = await series('kube_pod_container_status_restarts_total', 1);
    expect(restarts).toMatchObject({ namespace: 'shop', pod: 'checkout-1', container: 'checkout', job: 'kube-state-metrics' });
    const [node] = await series('kube_node_info', 1);
    expect(node.namespace).toBeUndefined();
    expect(node.pod).toBeUndefined();
    expect(node.container).toBeUndefined();
    expect(node.node).toBe('node-a');
    // Its own telemetry: its own job, the labels of KSM's pod.
    const [self] = await series('kube_state_metrics_list_total', 1);
    expect(self).toMatchObject({ job: 'kube-state-metrics-self', namespace: 'monitoring', pod: 'kube-state-metrics-6d4b8c7f9-k2m3n', container: 'kube-state-metrics' });
  });

  test('node-exporter: instance = node name, one series per node', async () => {
    const load = await series('node_load1', 2);
    expect(load.map((m) => [m.instance, m.node, m.job]).sort()).toEqual([
      ['node-a', 'node-a', 'node-exporter'],
      ['node-b', 'node-b', 'node-exporter'],
    ]);
  });

  test('API server: the token over TLS verified as "kubernetes"; the dropped histogram buckets are not stored, their sum and count are', async () => {
    const reqs = fakes.get('kube-apiserver:6443')!.requests;
    expect(reqs.length).toBeGreaterThan(0);
    expect(new Set(reqs.map((r) => `${r.path} ${r.authorization}`))).toEqual(new Set([`/metrics Bearer ${TOKEN}`]));
    const [total] = await series('apiserver_request_total', 1);
    expect(total).toMatchObject({ job: JOB_APISERVER, resource: 'pods', verb: 'LIST' });
    await series('apiserver_request_duration_seconds_count', 1);
    expect((await getJson('/api/v1/query?query=apiserver_request_duration_seconds_bucket')).result).toEqual([]);
  });

  test('CoreDNS and the config reloaders: their own jobs with the pod labels', () => {
    expect(labelsOf(JOB_COREDNS).map((l) => [l.pod, l.namespace, l.container, l.node])).toEqual([
      ['coredns-5d78c9869d-abcde', 'kube-system', 'coredns', 'node-a'],
      ['coredns-5d78c9869d-fghij', 'kube-system', 'coredns', 'node-b'],
    ]);
    expect(labelsOf('config-reloader').map((l) => [l.pod, l.container, l.job])).toEqual([['prometheus-0', 'config-reloader', 'config-reloader']]);
  });

  test('external labels: cluster, and the replica label expanded from POD_NAME', async () => {
    const { yaml } = await getJson('/api/v1/status/config');
    expect(yaml).toMatch(new RegExp(`external_labels:\\s+cluster: ${CLUSTER}\\s+prometheus_replica: ${POD_NAME}`));
  });

  test('alerts reach every Alertmanager replica with cluster and without the replica label', async () => {
    const ams = await until('two Alertmanagers discovered', async () => {
      const d = await getJson('/api/v1/alertmanagers');
      return d.activeAlertmanagers.length === 2 ? d.activeAlertmanagers : undefined;
    });
    expect(ams.map((a: { url: string }) => a.url).sort()).toEqual(
      ['alertmanager-0', 'alertmanager-1'].map((p) => `http://127.0.0.1:${fakes.get(`${p}:9093`)!.actualPort}/api/v2/alerts`).sort(),
    );
    for (const am of ['alertmanager-0:9093', 'alertmanager-1:9093']) {
      const alert = await until(`alert at ${am}`, async () => fakes.get(am)!.alerts.find((a) => a.labels.alertname === 'LiveTestAlwaysFiring')).catch(async (e) => {
        throw new Error(`${e}\n${await notificationDiagnostics(am)}`);
      });
      expect(alert.labels).toEqual({ alertname: 'LiveTestAlwaysFiring', category: 'infrastructure', cluster: CLUSTER, severity: 'info' });
    }
  });

  test('the metrics the Prometheus alerts read exist in the real Prometheus', async () => {
    const text = await (await fetch(`${promUrl}/metrics`)).text();
    const exposed = new Set(text.split('\n').filter((l) => !l.startsWith('#') && l).map((l) => l.split(/[{ ]/)[0]));
    const used = new Set(
      prometheusAlerts({ runbookBaseUrl: 'https://r.example.com' })
        .rules.map((r) => r.expr)
        .join('\n')
        .match(/prometheus_[a-z_]+/g),
    );
    expect(used.size).toBeGreaterThanOrEqual(8);
    // Families that exist only once what they count is configured (no series before).
    const onlyWhenUsed: Record<string, string> = {
      prometheus_sd_refresh_failures_total: 'a refresh-based discovery (dns, http, consul, ...): the stack uses Kubernetes discovery, the test file discovery',
      // Registered with the Kubernetes discovery, which this test replaces by file discovery
      // (Prometheus v3.5: discovery/kubernetes/metrics.go).
      prometheus_sd_kubernetes_failures_total: 'Kubernetes discovery, replaced here by file discovery',
    };
    const missing = [...used].filter((name) => !exposed.has(name) && !(name in onlyWhenUsed));
    expect(missing).toEqual([]);
  });
});
