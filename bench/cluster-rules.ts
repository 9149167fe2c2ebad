/**
 * Issue 17's cluster-scale case of `npm run bench -- rules`: the stack's full default rule set
 * against kube-prometheus's rules, on the same synthetic cluster, in the same run.
 *
 *   npx tsx bench/index.ts rules --only-cluster [--nodes=100] [--pods=3000] [--warmup=330] [--samples=6] [--interval=30]
 *
 * - Data: bench/support/cluster-series.ts: kube-state-metrics, and per node the kubelet's
 *   /metrics, /metrics/cadvisor, /metrics/probes and node-exporter, for --nodes nodes and --pods
 *   pods (about 640k series at 100 nodes and 3,000 pods), served live by this process on
 *   loopback, counters growing from the start.
 * - Ours: every rule file the production stack mounts into its Prometheus
 *   (`stack.context.rules.ruleFiles()`: whatever rule groups the components register, so
 *   rules added later are measured too), and its scrape jobs' labels, `honor_labels` and
 *   dropped series (`metric_relabel_configs` of the rendered prometheus.yml).
 * - kube-prometheus: its PrometheusRule manifests (../shared/fixtures/kube-prometheus), all of
 *   them, with the job names and labels its ServiceMonitors give (job `kubelet` with a
 *   `metrics_path` label for cAdvisor and probes). Its ServiceMonitors' own drop rules are not in
 *   the fixture and are not applied: its side stores every scraped series.
 * - Two Debian prometheus (2.42) processes, one per rule set, run at the same time (same data,
 *   same moments, the machine's load hits both), scrape and evaluate every --interval seconds.
 *   After --warmup seconds (5m windows filled), --samples rounds: the sum of
 *   `prometheus_rule_group_last_duration_seconds` over a process's groups, its CPU time per
 *   interval (scrapes and TSDB included), and at the end the head series (stored), the scraped
 *   series after relabelling, the recorded series and the alerts pending or firing.
 * - Checks: no rule evaluation failure on our side (kube-prometheus's failures are counted and
 *   shown); every target up on both.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { production } from '../lib/config';
import { PrometheusChart } from '../lib/components/prometheus';
import { renderPrometheusConfig } from '../lib/render/prometheus';
import { toYaml } from '../lib/render/yaml';
import { MonitoringStack } from '../lib/stack';
import { Cluster, Exposition, syntheticCluster } from './support/cluster-series';
import { toolPath } from '../test/support/tools';
import { SHARED_DIR, cpuSeconds, fixed, freePort, median, numberOption, parseArgs, percentile, printMachine, removeTempDir, runChild, sleep, startChild, table, tempDir, waitForOk } from './support/common';

/** The pinned Prometheus and promtool (`npm run tools`): the version the manifests deploy. */
const PROMETHEUS = toolPath('prometheus');
const PROMTOOL = toolPath('promtool');
/** The peer's rules: ../shared/fixtures/kube-prometheus, or the folder in OBS_STACK_KUBE_PROMETHEUS (a worktree beside the shared folder). */
const KUBE_PROMETHEUS = process.env.OBS_STACK_KUBE_PROMETHEUS ?? join(SHARED_DIR, 'fixtures', 'kube-prometheus');

type Obj = Record<string, any>;

/** Our production stack's rule files and scrape-job settings. */
function ourSide(): { ruleFiles: Record<string, string>; jobs: Map<string, Obj> } {
  const stack = new MonitoringStack(Testing.app(), 'bench', production);
  const prometheus = stack.charts.find((c) => c.componentName === 'prometheus') as PrometheusChart;
  const config = renderPrometheusConfig(prometheus.configInput) as Obj;
  return { ruleFiles: stack.context.rules.ruleFiles(), jobs: new Map((config.scrape_configs as Obj[]).map((j) => [j.job_name as string, j])) };
}

function kubePrometheusRuleFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(KUBE_PROMETHEUS).filter((x) => x.endsWith('-prometheusRule.yaml')).sort()) {
    const doc = parse(readFileSync(join(KUBE_PROMETHEUS, f), 'utf8')) as Obj;
    out[f.replace('-prometheusRule.yaml', '.rules.yaml')] = toYaml({ groups: doc.spec.groups });
  }
  return out;
}

/** The cluster's targets on one loopback server: /ksm, /node/<name>/<kind>. */
function serve(cluster: Cluster, t0: number): Promise<{ server: Server; port: number }> {
  const byPath = new Map<string, Exposition>([['/ksm', cluster.ksm]]);
  for (const n of cluster.nodes) {
    byPath.set(`/node/${n.name}/kubelet`, n.kubelet);
    byPath.set(`/node/${n.name}/cadvisor`, n.cadvisor);
    byPath.set(`/node/${n.name}/probes`, n.probes);
    byPath.set(`/node/${n.name}/node-exporter`, n.nodeExporter);
  }
  const server = createServer((req, res) => {
    const e = byPath.get((req.url ?? '').split('?')[0]);
    if (!e) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(e.render(t0, Date.now() / 1000));
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ server, port: (server.address() as { port: number }).port })));
}

interface Side {
  readonly name: string;
  readonly ruleFiles: Record<string, string>;
  readonly scrapeConfigs: Obj[];
}

/** Per-node static targets of one job: the address, the path, and target labels. */
function nodeTargets(cluster: Cluster, port: number, kind: string, labels: (node: string, i: number) => Record<string, string>): Obj[] {
  return cluster.nodes.map((n, i) => ({ targets: [`127.0.0.1:${port}`], labels: { __metrics_path__: `/node/${n.name}/${kind}`, ...labels(n.name, i) } }));
}

function withDrops(job: Obj, ours: Map<string, Obj>, name: string): Obj {
  const rendered = ours.get(name);
  if (!rendered) throw new Error(`the stack renders no job ${name}`);
  return { ...job, ...(rendered.honor_labels ? { honor_labels: true } : {}), ...(rendered.metric_relabel_configs ? { metric_relabel_configs: rendered.metric_relabel_configs } : {}) };
}

function ourScrapeConfigs(cluster: Cluster, port: number, jobs: Map<string, Obj>): Obj[] {
  const kubelet = (node: string) => ({ instance: node, node });
  return [
    withDrops({ job_name: 'kube-state-metrics', metrics_path: '/ksm', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }, jobs, 'kube-state-metrics'),
    withDrops({ job_name: 'kubelet', static_configs: nodeTargets(cluster, port, 'kubelet', kubelet) }, jobs, 'kubelet'),
    withDrops({ job_name: 'cadvisor', static_configs: nodeTargets(cluster, port, 'cadvisor', kubelet) }, jobs, 'cadvisor'),
    withDrops({ job_name: 'kubelet-probes', static_configs: nodeTargets(cluster, port, 'probes', kubelet) }, jobs, 'kubelet-probes'),
    withDrops(
      { job_name: 'node-exporter', static_configs: nodeTargets(cluster, port, 'node-exporter', (node, i) => ({ instance: node, node, namespace: 'monitoring-node-agents', pod: `node-exporter-${i}`, container: 'node-exporter' })) },
      jobs,
      'node-exporter',
    ),
  ];
}

/** kube-prometheus's ServiceMonitors' labels (job kubelet for the three kubelet paths, metrics_path, service, endpoint). */
function kubePrometheusScrapeConfigs(cluster: Cluster, port: number): Obj[] {
  const kubelet = (path: string) => (node: string, i: number) => ({ job: 'kubelet', metrics_path: path, node, instance: `10.0.${i >> 8}.${i & 255}:10250`, namespace: 'kube-system', service: 'kubelet', endpoint: 'https-metrics' });
  return [
    {
      job_name: 'kube-state-metrics',
      honor_labels: true,
      metrics_path: '/ksm',
      static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { container: 'kube-rbac-proxy-main' } }],
    },
    { job_name: 'kubelet', static_configs: nodeTargets(cluster, port, 'kubelet', kubelet('/metrics')) },
    { job_name: 'kubelet-cadvisor', static_configs: nodeTargets(cluster, port, 'cadvisor', kubelet('/metrics/cadvisor')) },
    { job_name: 'kubelet-probes', static_configs: nodeTargets(cluster, port, 'probes', kubelet('/metrics/probes')) },
    {
      job_name: 'node-exporter',
      static_configs: nodeTargets(cluster, port, 'node-exporter', (node, i) => ({ instance: node, namespace: 'monitoring', pod: `node-exporter-${i}`, container: 'kube-rbac-proxy', service: 'node-exporter', endpoint: 'https' })),
    },
  ];
}

interface Sampled {
  readonly rounds: number[];
  readonly cpuPerInterval: number;
  readonly groups: number;
  readonly rules: number;
  readonly headSeries: number;
  readonly scraped: number;
  readonly recorded: number;
  readonly alerts: { pending: number; firing: number; names: string[] };
  readonly failures: number;
  readonly targetsDown: string[];
}

async function promQuery(port: number, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data.result;
}

const scalar = async (port: number, expr: string) => Number((await promQuery(port, expr))[0]?.value[1] ?? 0);

function sumOf(page: string, metric: string): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    count++;
  }
  return { sum, count };
}

export async function benchClusterRules(argv: readonly string[]): Promise<void> {
  const { options } = parseArgs(argv, ['nodes', 'pods', 'warmup', 'samples', 'interval']);
  const size = { nodes: numberOption(options, 'nodes', 100), pods: numberOption(options, 'pods', 3000) };
  const warmup = numberOption(options, 'warmup', 330);
  const samples = numberOption(options, 'samples', 6);
  const interval = numberOption(options, 'interval', 30);
  printMachine(`rules, cluster scale: ${size.nodes} nodes, ${size.pods} pods; our full default rule set vs kube-prometheus's rules, ${PROMETHEUS}, every ${interval} s, ${samples} rounds after ${warmup} s`);
  const withPeer = existsSync(KUBE_PROMETHEUS);
  if (!withPeer) console.log(`kube-prometheus comparison SKIPPED: ${KUBE_PROMETHEUS} is not there (the shared fixtures are not part of a clone); measuring our rules alone`);

  const built = performance.now();
  const cluster = syntheticCluster(size);
  const count = (k: 'kubelet' | 'cadvisor' | 'probes' | 'nodeExporter') => cluster.nodes.reduce((s, n) => s + n[k].size, 0);
  const total = cluster.ksm.size + count('kubelet') + count('cadvisor') + count('probes') + count('nodeExporter');
  console.log(
    `series served: ${fixed(total)} (kube-state-metrics ${fixed(cluster.ksm.size)}, cAdvisor ${fixed(count('cadvisor'))}, kubelet ${fixed(count('kubelet'))}, probes ${fixed(count('probes'))}, node-exporter ${fixed(count('nodeExporter'))}); built in ${fixed((performance.now() - built) / 1000, 1)} s`,
  );

  const dir = tempDir('cluster-rules');
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  const target = await serve(cluster, t0);
  const ours = ourSide();
  const sides: Side[] = [{ name: 'ours', ruleFiles: ours.ruleFiles, scrapeConfigs: ourScrapeConfigs(cluster, target.port, ours.jobs) }];
  if (withPeer) sides.push({ name: 'kube-prometheus', ruleFiles: kubePrometheusRuleFiles(), scrapeConfigs: kubePrometheusScrapeConfigs(cluster, target.port) });

  const procs: { side: Side; port: number; child: ReturnType<typeof startChild> }[] = [];
  try {
    for (const side of sides) {
      const sideDir = join(dir, side.name);
      mkdirSync(join(sideDir, 'rules'), { recursive: true });
      for (const [f, text] of Object.entries(side.ruleFiles)) writeFileSync(join(sideDir, 'rules', f), text);
      const config = {
        global: { scrape_interval: `${interval}s`, scrape_timeout: `${Math.max(1, interval - 5)}s`, evaluation_interval: `${interval}s` },
        rule_files: [join(sideDir, 'rules', '*.yaml')],
        scrape_configs: side.scrapeConfigs,
      };
      writeFileSync(join(sideDir, 'prometheus.yml'), toYaml(config));
      await runChild(PROMTOOL, ['check', 'config', join(sideDir, 'prometheus.yml')], { timeoutMs: 300_000 });
      const port = await freePort();
      const child = startChild(
        PROMETHEUS,
        [`--config.file=${join(sideDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(sideDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
        { cwd: sideDir, timeoutMs: (warmup + (samples + 6) * interval + 300) * 1000 },
      );
      procs.push({ side, port, child });
    }
    for (const p of procs) await waitForOk(`http://127.0.0.1:${p.port}/-/ready`, 120_000, 200, p.child);
    console.log(`rule files: ${sides.map((s) => `${s.name} ${Object.keys(s.ruleFiles).length}`).join(', ')}; warming up ${warmup} s`);
    await sleep(warmup * 1000);

    const rounds = new Map<string, number[]>(procs.map((p) => [p.side.name, []]));
    const cpuBefore = new Map(procs.map((p) => [p.side.name, cpuSeconds(p.child.pid)]));
    const from = performance.now();
    for (let i = 0; i < samples; i++) {
      for (const p of procs) {
        const page = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
        rounds.get(p.side.name)!.push(sumOf(page, 'prometheus_rule_group_last_duration_seconds').sum);
      }
      await sleep(interval * 1000);
    }
    const intervals = (performance.now() - from) / 1000 / interval;

    const results = new Map<string, Sampled>();
    for (const p of procs) {
      const page = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
      const alerts = await promQuery(p.port, 'count by (alertstate, alertname) (ALERTS)');
      const down = await promQuery(p.port, 'up == 0');
      results.set(p.side.name, {
        rounds: rounds.get(p.side.name)!,
        cpuPerInterval: (cpuSeconds(p.child.pid) - cpuBefore.get(p.side.name)!) / intervals,
        groups: sumOf(page, 'prometheus_rule_group_rules').count,
        rules: sumOf(page, 'prometheus_rule_group_rules').sum,
        headSeries: sumOf(page.replace(/^prometheus_tsdb_head_series /m, 'prometheus_tsdb_head_series{} '), 'prometheus_tsdb_head_series').sum,
        scraped: await scalar(p.port, 'sum(scrape_samples_post_metric_relabeling)'),
        recorded: await scalar(p.port, 'count({__name__=~".+:.+"})'),
        alerts: {
          pending: alerts.filter((a) => a.metric.alertstate === 'pending').reduce((s, a) => s + Number(a.value[1]), 0),
          firing: alerts.filter((a) => a.metric.alertstate === 'firing').reduce((s, a) => s + Number(a.value[1]), 0),
          names: [...new Set(alerts.map((a) => a.metric.alertname))].sort(),
        },
        failures: sumOf(page, 'prometheus_rule_evaluation_failures_total').sum,
        targetsDown: down.map((d) => `${d.metric.job} ${d.metric.instance}`),
      });
    }
    const o = results.get('ours')!;
    if (o.failures > 0) throw new Error(`our rules: ${o.failures} evaluation failures:\n${procs[0].child.output().slice(-3000)}`);
    for (const [name, r] of results) if (r.targetsDown.length > 0) throw new Error(`${name}: targets down: ${r.targetsDown.slice(0, 5).join(', ')}`);

    const base = results.get('kube-prometheus');
    const rows = [...results.entries()].map(([name, r]) => [
      name,
      `${r.groups} / ${fixed(r.rules)}`,
      `${fixed(median(r.rounds) * 1000)} ms`,
      `${fixed(percentile(r.rounds, 90) * 1000)} ms`,
      base ? `${fixed(median(r.rounds) / median(base.rounds), 2)}x` : '',
      `${fixed(r.cpuPerInterval, 2)} s`,
      fixed(r.headSeries),
      fixed(r.scraped),
      fixed(r.recorded),
      `${r.alerts.firing} / ${r.alerts.pending}`,
      fixed(r.failures),
    ]);
    table(['rule set', 'groups / rules', 'round median', 'p90', 'vs kube-prometheus', `CPU / ${interval} s`, 'stored (head) series', 'scraped after relabel', 'recorded', 'alerts firing / pending', 'eval failures'], rows);
    for (const [name, r] of results) console.log(`alerts of ${name} (pending or firing): ${r.alerts.names.join(', ') || 'none'}`);
    console.log(`round = the sum of prometheus_rule_group_last_duration_seconds over a process's groups, read once per interval; CPU = the process's CPU time per interval (scrapes, TSDB and rules); both processes run at the same time`);
  } finally {
    for (const p of procs) await p.child.stop(10_000);
    target.server.close();
    removeTempDir(dir);
  }
}

if (require.main === module) {
  benchClusterRules(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
