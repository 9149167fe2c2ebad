import { ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';
import { Testing } from 'cdk8s';
import { CATALOGUE } from '../exporter/src/catalogue';
import { parseCli } from '../exporter/src/config';
import { memoryLogger } from '../exporter/src/log';
import { Exporter } from '../exporter/src/server';
import { production } from '../lib/config';
import { agentsNamespace } from '../lib/components/namespace';
import { stackDashboards } from '../lib/observability/dashboards';
import { isAlertingRule, renderRuleFile } from '../lib/observability/rule-group';
import type { RuleGroup } from '../lib/observability/rule-group';
import { seriesNames, UPSTREAM_METRICS } from '../lib/observability/upstream-metrics';
import { MonitoringStack } from '../lib/stack';
import { evaluateDashboard, LiveQuery, liveRecordingRules, selectsJobs } from './support/dashboard-live';
import { tempFiles, toolPath } from './support/tools';

/**
 * The dashboards' queries about what really runs return data. Real processes on loopback:
 * Prometheus (Debian's 2.42) scraping itself, a clustered Alertmanager, node-exporter (the
 * host's own /proc and /sys) and the app exporter (simulated traffic with a standing incident,
 * so error panels have errors), each under the job and
 * target labels the stack's scrape config gives it (issue 17's contract), plus every recording
 * rule of the production stack. Every panel query whose metrics all come from these (directly
 * or through a recording rule computable from them) must return samples with the variables
 * resolved as Grafana resolves them, `cluster` included: the series carry no `cluster` label
 * here, as on a Prometheus queried directly. Queries that are rightly empty while all is well
 * are listed below, each with the reason.
 */

const NAMESPACE = production.namespace;
const NODE = 'live-node';

/** Rightly empty while nothing is wrong: dashboard uid + panel title -> why. */
const EMPTY_WHEN_HEALTHY: Record<string, string> = {
  'stack-app-infrastructure "Observations refused by the series cap"': 'the simulation stays under --max-series',
  'stack-app-infrastructure "Label values folded into "other""': 'the simulation uses only allowed label values',
};

/** The jobs running here, named as the stack's scrape config names them. */
const JOBS = ['prometheus', 'alertmanager', 'node-exporter', 'app-exporter'];

/** Metrics that exist only while something is wrong (alerts firing). */
const ONLY_WHEN_FIRING = new Set(['ALERTS']);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (p?.pid === undefined || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

/** A static scrape job with the target labels the stack's discovery would give the pod. */
function job(name: string, port: number, labels: Record<string, string>): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  return `  - { job_name: ${name}, static_configs: [ { targets: ["127.0.0.1:${port}"], labels: { ${l} } } ] }`;
}

describe('dashboard queries against live components', () => {
  const dashboards = stackDashboards({ metricsDatasource: 'prometheus', namespace: NAMESPACE, thanos: false, loki: false, alertmanager: true });
  const stackGroups: readonly RuleGroup[] = new MonitoringStack(Testing.app(), 'stack', production).context.rules.all();
  const recordingGroups = stackGroups.map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertingRule(r)) })).filter((g) => g.rules.length > 0);

  const running = new Set(['prometheus', 'alertmanager', 'node-exporter']);
  const rawLive = new Set<string>();
  for (const m of UPSTREAM_METRICS) if (running.has(m.producer)) for (const s of seriesNames(m.name, m.type)) rawLive.add(s);
  for (const m of CATALOGUE) for (const s of seriesNames(m.name, m.type)) rawLive.add(s);
  const liveRules = liveRecordingRules(recordingGroups, rawLive);
  const isLive = (metric: string) => (rawLive.has(metric) || liveRules.has(metric)) && !ONLY_WHEN_FIRING.has(metric);

  const procs: ChildProcess[] = [];
  let exporter: Exporter | undefined;
  let files: ReturnType<typeof tempFiles> | undefined;
  let prometheus = '';
  let log = '';
  const results: Array<{ uid: string; queries: LiveQuery[] }> = [];

  beforeAll(async () => {
    const [promPort, amPort, amCluster, nodePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // A standing incident (10 % 5xx) so that error panels have errors to show.
    const args = parseCli(['--port', '0', '--host', '127.0.0.1', '--source', 'simulate', '--interval', '0.5', '--incident', '--incident-error-ratio', '0.1']);
    if (args.kind !== 'run') throw new Error('exporter flags');
    exporter = new Exporter(args.config, { logger: memoryLogger() });
    const exporterPort = await exporter.start();

    const pod = (name: string, container: string) => ({ namespace: NAMESPACE, pod: name, container, node: NODE });
    files = tempFiles({
      'prometheus.yml': [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        `alerting: { alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:${amPort}"] } ] } ] }`,
        'scrape_configs:',
        job('prometheus', promPort, pod('prometheus-0', 'prometheus')),
        job('alertmanager', amPort, pod('alertmanager-0', 'alertmanager')),
        job('app-exporter', exporterPort, pod('app-exporter-0', 'app-exporter')),
        // node-exporter: instance is the node name, plus a node label (the contract's job).
        job('node-exporter', nodePort, { namespace: agentsNamespace(NAMESPACE), pod: 'node-exporter-x1', container: 'node-exporter', node: NODE, instance: NODE }),
        '',
      ].join('\n'),
      'rules.yml': renderRuleFile(recordingGroups),
      'alertmanager.yml': 'route: { receiver: none }\nreceivers: [ { name: none } ]\n',
    });
    const start = (bin: string, a: string[]) => {
      const p = spawn(toolPath(bin), a, { cwd: files!.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout?.on('data', (c) => (log += c));
      p.stderr?.on('data', (c) => (log += c));
      procs.push(p);
    };
    start('node_exporter', [`--web.listen-address=127.0.0.1:${nodePort}`]);
    start('alertmanager', ['--config.file=alertmanager.yml', `--storage.path=${files.path('am')}`, `--web.listen-address=127.0.0.1:${amPort}`, `--cluster.listen-address=127.0.0.1:${amCluster}`]);
    start('prometheus', ['--config.file=prometheus.yml', `--storage.tsdb.path=${files.path('data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    prometheus = `http://127.0.0.1:${promPort}`;

    const query = async (q: string) => ((await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: unknown[] } }).data.result;
    try {
      await waitFor('all four targets up', async () => ((await query('up == 1')).length === 4 ? true : undefined));
      // 20 s of scrapes: rates over the 15 s rate interval have several samples, every
      // recording rule has been evaluated a few times.
      await new Promise((r) => setTimeout(r, 20_000));
      for (const spec of dashboards) results.push({ uid: spec.dashboard.uid!, queries: (await evaluateDashboard(prometheus, spec.dashboard)).queries });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- log ---\n${log.slice(-3000)}`);
    }
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) await stop(p);
    await exporter?.stop();
    files?.cleanup();
  });

  it('every query about what runs here returns data', () => {
    const expected = results.flatMap((r) => r.queries.filter((q) => q.metrics.every(isLive) && selectsJobs(q, JOBS)).map((q) => ({ ...q, key: `${r.uid} ${/"(.*)"/.exec(q.where)?.[0]}` })));
    const missing = expected.filter((q) => q.status !== 'data' && !(q.key in EMPTY_WHEN_HEALTHY)).map((q) => `${q.where}: ${q.status}${q.detail ? ` (${q.detail})` : ''}: ${q.query}`);
    expect(missing).toEqual([]);
    // Not vacuous: the dashboards of Prometheus, Alertmanager, the nodes and the exporter are all checked.
    const byUid = new Map<string, number>();
    for (const q of expected) byUid.set(q.key.split(' ')[0], (byUid.get(q.key.split(' ')[0]) ?? 0) + 1);
    expect(Object.fromEntries([...byUid].filter(([, n]) => n > 0).map(([u]) => [u, true]))).toEqual(expect.objectContaining({ 'stack-prometheus': true, 'stack-alertmanager': true, 'stack-health': true, 'stack-microservices': true, 'stack-business': true, 'stack-app-infrastructure': true, 'stack-slo-portfolio': true, 'nodes-use-node': true }));
    expect(expected.length).toBeGreaterThan(150);
  });

  it('no query is refused by Prometheus', () => {
    const errors = results.flatMap((r) => r.queries.filter((q) => q.status === 'error').map((q) => `${q.where}: ${q.detail}: ${q.query}`));
    expect(errors).toEqual([]);
  });

  it('the empty-when-healthy list has no stale entry', () => {
    const keys = new Set(results.flatMap((r) => r.queries.filter((q) => q.status !== 'data').map((q) => `${r.uid} ${/"(.*)"/.exec(q.where)?.[0]}`)));
    expect(Object.keys(EMPTY_WHEN_HEALTHY).filter((k) => !keys.has(k))).toEqual([]);
  });
});
