import { ChildProcess, spawn } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { metricsPipelineAlerts, prometheusAlerts } from '../lib/observability/alerts/metrics-pipeline';
import { renderRuleFile } from '../lib/observability/rule-group';
import { JOB_CADVISOR, JOB_KUBELET, JOB_PODS, JOB_SERVICE_ENDPOINTS, PrometheusConfigInput, prometheusFeatureFlags, renderPrometheusConfig } from '../lib/render/prometheus';
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

function metricsBody(f: Fake, path: string): string {
  const lines = ['# HELP fixture_info Which fixture endpoint served this scrape.', '# TYPE fixture_info gauge', `fixture_info{origin="${f.owner}:${f.port}",path="${path}"} 1`];
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
  podScrapeJobs: [{ job: 'thanos-sidecar', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' }, portName: 'http-sidecar' }],
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
  const cert = runTool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.path('sa/kubelet.key'), '-out', files.path('sa/ca.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  if (cert.status !== 0) throw new Error(`openssl failed: ${cert.output}`);
  const tls = { key: readFileSync(files.path('sa/kubelet.key')), cert: readFileSync(files.path('sa/ca.crt')) };

  // Every (pod or node, port) of the fixture gets its own local server.
  k8sCluster({ ip: () => '127.0.0.1', port: (owner, port) => (fakes.set(`${owner}:${port}`, { owner, port, actualPort: 0, requests: [], alerts: [] }), port) });
  for (const f of fakes.values()) {
    const isKubelet = f.owner.startsWith('node-') && f.port === 10250;
    f.server = isKubelet ? https.createServer(tls, handler(f, true)) : http.createServer(handler(f, false));
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
      return targets.length >= 11 && targets.every((t) => t.health !== 'unknown') ? d : undefined;
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
    expect(active.map((t) => t.scrapePool).sort()).toEqual([
      JOB_CADVISOR,
      JOB_CADVISOR,
      JOB_KUBELET,
      JOB_KUBELET,
      JOB_PODS,
      JOB_PODS,
      JOB_PODS,
      JOB_PODS,
      JOB_PODS,
      JOB_SERVICE_ENDPOINTS,
      'thanos-sidecar',
    ]);
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
      'prometheus-0:8080',
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
      expect(new Set(reqs.map((r) => r.path))).toEqual(new Set(['/metrics', '/metrics/cadvisor']));
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
    expect(up).toHaveLength(11);
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
