import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import { writeFileSync } from 'fs';
import { ApiObject, Chart, Cron, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { addExporterSidecar } from '../lib/components/exporter-sidecar';
import { IMAGES } from '../lib/images';
import { checkPolicies, Obj } from '../lib/policy';
import { JOB_POD_SIDECARS, JOB_PODS, prometheusFeatureFlags, renderPrometheusConfig } from '../lib/render/prometheus';
import { toYaml } from '../lib/render/yaml';
import { replaceKubernetesSd, Pod } from './support/file-sd';
import { runTool, tempFiles, toolPath } from './support/tools';

type Plus = typeof kplus27 | typeof kplus33;

/** A Deployment of the user's, with the app's own scrape annotations, in either cdk8s-plus. */
function app(plus: Plus, appPort = 8080) {
  const chart = new Chart(Testing.app(), 'shop');
  const deployment = new plus.Deployment(chart, 'checkout', {
    metadata: { name: 'checkout', namespace: 'shop' },
    containers: [{ name: 'app', image: 'example/checkout:1.2.3', portNumber: appPort, securityContext: { ensureNonRoot: true, user: 1000 } }],
  });
  deployment.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
  deployment.podMetadata.addAnnotation('prometheus.io/port', String(appPort));
  deployment.podMetadata.addAnnotation('prometheus.io/scheme', 'https');
  return { chart, deployment };
}

const deploymentOf = (chart: Chart) => Testing.synth(chart).find((o) => o.kind === 'Deployment');

describe.each([
  ['cdk8s-plus-27', kplus27],
  ['cdk8s-plus-33', kplus33],
] as const)('addExporterSidecar on a %s Deployment', (_name, plus) => {
  test('one call adds the container, its scrape annotations and a PodMonitor; the app keeps its own', () => {
    const { chart, deployment } = app(plus);
    addExporterSidecar(deployment, { source: 'events', podMonitorNamespace: 'shop' });
    const objects = Testing.synth(chart);
    const dep = objects.find((o) => o.kind === 'Deployment');
    const pod = dep.spec.template;
    // The application's own target is untouched: prometheus.io/* still names port 8080 over https.
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/scheme': 'https' });
    expect(pod.metadata.annotations).toMatchObject({
      'observability-stack.io/metrics-port': '8000',
      'observability-stack.io/metrics-path': '/metrics',
      'observability-stack.io/metrics-scheme': 'http',
    });
    const sidecar = pod.spec.containers.find((c: { name: string }) => c.name === 'app-exporter');
    expect(sidecar.image).toBe(IMAGES.exporter);
    expect(sidecar.args).toEqual(['--port=8000', '--source=events', '--interval=15']);
    expect(sidecar.ports).toEqual([{ name: 'http-metrics', containerPort: 8000, protocol: 'TCP' }]);
    expect(sidecar.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http-metrics' });
    expect(sidecar.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http-metrics' });
    expect(sidecar.resources).toEqual({ limits: { memory: '128Mi' }, requests: { cpu: '25m', memory: '64Mi' } });
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The application container is untouched.
    expect(pod.spec.containers[0].name).toBe('app');
    expect(pod.spec.containers).toHaveLength(2);
    const monitor = objects.find((o) => o.kind === 'PodMonitor');
    expect(monitor.metadata).toMatchObject({ name: 'checkout-exporter', namespace: 'shop' });
    expect(monitor.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(monitor.spec.podMetricsEndpoints[0].port).toBe('http-metrics');
  });

  test('the sidecar container itself passes the restricted policy; the stats mapping is mounted from your ConfigMap', () => {
    const { chart, deployment } = app(plus);
    const mapping = new plus.ConfigMap(chart, 'mapping', { data: { 'mapping.json': '{"fields":[]}' } });
    addExporterSidecar(deployment, { source: 'stats', statsUrl: 'http://127.0.0.1:8080/stats', interval: 30, mappingConfigMap: mapping });
    const dep = deploymentOf(chart) as Obj;
    const sidecarOnly: Obj = structuredClone(dep);
    sidecarOnly.spec.template.spec.containers = sidecarOnly.spec.template.spec.containers.filter((c: { name: string }) => c.name === 'app-exporter');
    sidecarOnly.spec.template.spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    const violations = checkPolicies({ objects: [sidecarOnly], pinnedImages: [IMAGES.exporter], agentsNamespace: 'x', requireSpread: false }).filter((v) =>
      ['restricted', 'resources', 'probes', 'pinnedImages'].includes(v.rule),
    );
    expect(violations).toEqual([]);
    const container = sidecarOnly.spec.template.spec.containers[0];
    expect(container.args).toEqual(expect.arrayContaining(['--stats-url=http://127.0.0.1:8080/stats', '--interval=30', '--mapping=/etc/app-exporter/mapping.json']));
    const [mount] = container.volumeMounts;
    expect(mount).toMatchObject({ mountPath: '/etc/app-exporter', readOnly: true });
    expect(dep.spec.template.spec.volumes).toEqual([{ name: mount.name, configMap: { name: mapping.name } }]);
  });

  test('a mapping ConfigMap named by string works beside volumes of the app\'s own', () => {
    const { chart, deployment } = app(plus);
    // Each library's Deployment takes its own Volume (the union of both cannot be typed here).
    (deployment.addVolume as (v: unknown) => void).call(deployment, plus.Volume.fromEmptyDir(chart, 'cache', 'cache'));
    addExporterSidecar(deployment, { source: 'stats', statsUrl: 'http://127.0.0.1:8080/stats', mappingConfigMap: 'checkout-mapping' });
    const volumes = deploymentOf(chart).spec.template.spec.volumes;
    expect(volumes).toEqual([{ name: 'cache', emptyDir: {} }, { name: 'exporter-mapping', configMap: { name: 'checkout-mapping' } }]);
  });

  test('a Pod gets the sidecar; a PodMonitor needs a selector; a CronJob is refused', () => {
    const chart = new Chart(Testing.app(), 'jobs');
    const pod = new plus.Pod(chart, 'once', { containers: [{ image: 'example/once:1' }] });
    addExporterSidecar(pod, { source: 'events' });
    const synthesized = Testing.synth(chart).find((o) => o.kind === 'Pod');
    expect(synthesized.spec.containers.map((c: { name: string }) => c.name)).toEqual([expect.any(String), 'app-exporter']);
    expect(() => addExporterSidecar(new plus.Pod(chart, 'twice', { containers: [{ image: 'example/once:1' }] }), { source: 'events', podMonitorNamespace: 'shop' })).toThrow(
      /podMonitorNamespace needs a workload with a selector .*, not a Pod/,
    );
    const cron = new plus.CronJob(chart, 'nightly', { schedule: Cron.daily(), containers: [{ image: 'example/nightly:1' }] });
    expect(() => addExporterSidecar(cron, { source: 'events' })).toThrow(/a CronJob is not supported; .*finish before their metrics are scraped/);
  });

  test('bad props are refused, naming the workload', () => {
    const { deployment } = app(plus);
    expect(() => addExporterSidecar(deployment, { source: 'stats' })).toThrow('addExporterSidecar(shop/checkout): statsUrl and mappingConfigMap are required when source is "stats"');
    expect(() => addExporterSidecar(deployment, { source: 'events', statsUrl: 'http://x' })).toThrow('only used when source is "stats"');
  });
});

test('a workload of another cdk8s copy is refused with the real cause', () => {
  const { deployment } = app(kplus33);
  // As if the app's cdk8s were another copy than this package's: no ApiObject of ours inside.
  const foreign = Object.create(deployment, { node: { value: { path: 'shop/checkout', defaultChild: {}, children: [], findAll: () => [] } } });
  expect(() => addExporterSidecar(foreign, { source: 'events' })).toThrow(/must share one copy of cdk8s .*npm ls cdk8s/);
});

test('the sidecar is a structural type: any cdk8s-plus 2.x workload type-checks', () => {
  // Compile-time check: both libraries' workloads are accepted without a cast.
  const a = app(kplus27).deployment;
  const b = app(kplus33).deployment;
  const c = new kplus33.DaemonSet(new Chart(Testing.app(), 'x'), 'agent', { containers: [{ image: 'example/agent:1' }] });
  for (const w of [a, b, c]) expect(addExporterSidecar(w, { source: 'events' }).name).toBe('app-exporter');
  expect(ApiObject.of(c).toJson().spec.template.spec.containers.map((x: { name: string }) => x.name)).toEqual([expect.any(String), 'app-exporter']);
});

/**
 * The real Prometheus (2.42) with the stack's two pod jobs, discovering the pod exactly as
 * synthesized (annotations, containers and ports), both containers served locally: the app's
 * `/metrics` is scraped by `kubernetes-pods`, the exporter by `kubernetes-pods-sidecar`.
 */
describe('both the app and its sidecar are scraped (real Prometheus)', () => {
  let prometheus: ChildProcess | undefined;
  let log = '';
  const servers: http.Server[] = [];
  let files: ReturnType<typeof tempFiles> | undefined;

  const listen = (handler: http.RequestListener) =>
    new Promise<number>((resolve) => {
      const s = http.createServer(handler);
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    files?.cleanup();
  });

  test('two targets, one per container, each up with its own job and container label', async () => {
    toolPath('prometheus');
    const hits: Record<string, number> = { app: 0, exporter: 0 };
    const body = (who: string) => `# TYPE ${who}_info gauge\n${who}_info 1\n`;
    const appPort = await listen((req, res) => {
      hits.app += 1;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(body('app'));
    });
    const exporterPort = await listen((req, res) => {
      hits.exporter += 1;
      res.writeHead(req.url === '/metrics' ? 200 : 404, { 'Content-Type': 'text/plain; version=0.0.4' }).end(body('exporter'));
    });
    const { chart, deployment } = app(kplus33, appPort);
    deployment.podMetadata.addAnnotation('prometheus.io/scheme', 'http');
    addExporterSidecar(deployment, { source: 'events', port: exporterPort });
    const template = deploymentOf(chart).spec.template;
    const pod: Pod = {
      metadata: { name: 'checkout-abc', namespace: 'shop', labels: { ...template.metadata.labels, 'app.kubernetes.io/name': 'checkout' }, annotations: template.metadata.annotations },
      spec: { nodeName: 'node-a', containers: template.spec.containers.map((c: Obj) => ({ name: c.name, image: c.image, ports: c.ports })) },
      status: { phase: 'Running', podIP: '127.0.0.1', hostIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    files = tempFiles({ 'sa/token': 'x\n' });
    const rendered = renderPrometheusConfig({
      cluster: 'c',
      scrapeInterval: '1s',
      scrapeTimeout: '1s',
      evaluationInterval: '1s',
      ruleFiles: ['/nonexistent/*.yaml'],
      alertmanagers: [{ namespace: 'monitoring', service: 'alertmanager', portName: 'http-web' }],
      kubelet: { enabled: false },
    });
    const jobs = (rendered.scrape_configs as Obj[]).filter((j) => j.job_name === JOB_PODS || j.job_name === JOB_POD_SIDECARS);
    const { config } = replaceKubernetesSd({ ...rendered, scrape_configs: jobs, alerting: undefined }, { pods: [pod], services: [], endpointSlices: [], nodes: [] }, { dir: files.dir });
    writeFileSync(files.path('prometheus.yml'), toYaml(Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined))));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const version = /version (\d+\.\d+\.\d+)/.exec(runTool('prometheus', ['--version']).output)![1];
    prometheus = spawn(
      toolPath('prometheus'),
      [`--config.file=${files.path('prometheus.yml')}`, `--storage.tsdb.path=${files.path('data')}`, `--web.listen-address=127.0.0.1:${port}`, ...prometheusFeatureFlags(version)],
      { env: { PATH: process.env.PATH ?? '', POD_NAME: 'prometheus-0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d) => (log += d));
    prometheus.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 30_000;
    let targets: Array<{ scrapePool: string; labels: Record<string, string>; health: string; scrapeUrl: string }> = [];
    while (Date.now() < deadline) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/targets`);
        targets = ((await res.json()) as { data: { activeTargets: typeof targets } }).data.activeTargets;
        if (targets.length === 2 && targets.every((t) => t.health === 'up')) break;
      } catch {
        // not ready yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const seen = targets.map((t) => ({ pool: t.scrapePool, job: t.labels.job, container: t.labels.container, health: t.health, url: t.scrapeUrl })).sort((a, b) => a.pool.localeCompare(b.pool));
    expect(seen).toEqual([
      { pool: JOB_PODS, job: 'checkout', container: 'app', health: 'up', url: `http://127.0.0.1:${appPort}/metrics` },
      { pool: JOB_POD_SIDECARS, job: 'checkout', container: 'app-exporter', health: 'up', url: `http://127.0.0.1:${exporterPort}/metrics` },
    ]);
    expect(hits.app).toBeGreaterThan(0);
    expect(hits.exporter).toBeGreaterThan(0);
  }, 60_000);
});
