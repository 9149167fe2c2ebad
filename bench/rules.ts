/**
 * Evaluation cost of the SLO rules in a real Prometheus, against Sloth's rules for the same SLOs.
 *
 *   npx tsx bench/rules.ts [--sizes=10,50] [--samples=6] [--history-hours=72] [--step=120] [--error-scale=1] [--instances=2] [--isolated [--repeat=2]]
 *
 * - The SLOs: N copies of Sloth's getting-started SLO (bench/support/services.ts), one per
 *   service `svc-NNNN` (job label).
 * - Ours: `generateSloRuleGroups` with Sloth's `--extra-labels cmd=examplesgen.sh`.
 * - Sloth's: Sloth's own output for getting-started (../shared/fixtures/sloth/generated), N
 *   copies templated per service: `job="myservice"` -> `job="svc-NNNN"`, the other `myservice`
 *   (SLO id, service, group names) -> `sloth-svc-NNNN`, so that both rule sets read the same
 *   series and write disjoint ones. Users' clones have no ../shared: that part is then skipped,
 *   and said so. When it is there, the bench also checks that Sloth's spec read by
 *   `loadSlothSpec` is the very SLO declared here.
 * - Series: `http_request_duration_seconds_count{job, instance, code}` (--instances, default 2,
 *   x 200/429/500 per service): --history-hours of history every --step seconds, backfilled with
 *   `promtool tsdb create-blocks-from openmetrics` so that the long windows (1d, 3d) have data,
 *   then served live by this process on loopback (same counters, no reset) and scraped every 10 s.
 *   --error-scale multiplies the error shares: at 1 (default) the SLOs burn their budget and
 *   ticket alerts fire, at 0.1 they do not (the alert groups' cost depends on firing alerts).
 * - --isolated: each rule set runs alone in its own Prometheus (same data), alternating, --repeat
 *   times each; adds the Prometheus process's CPU time per evaluation interval. Without it the
 *   two sets share one process, whose groups run concurrently at offsets derived from their
 *   names, so each set meets its own pattern of contention.
 * - The pinned Prometheus (`npm run tools`) loads both rule files at once, evaluates every 10 s;
 *   after 3 warm-up rounds, `prometheus_rule_group_last_duration_seconds` of every group is
 *   read each round (--samples rounds): the cost of a round is the sum over a file's groups.
 *   Same process, same data, same moments: the machine's load hits both alike.
 * - Checks: no evaluation failure; each set records its SLI for every SLO in every window (3d
 *   included); ours and Sloth's record the same 1h error ratio (to 0.1 %: each group evaluates at
 *   its own offset in the interval).
 * Goal (issue 10): no more than Sloth's cost per SLO.
 *
 * Then the cluster-scale case of issue 17 (bench/cluster-rules.ts): the full default rule set
 * against kube-prometheus's rules on a synthetic 100-node, 3,000-pod cluster.
 * `--only-cluster` runs that case alone, `--skip-cluster` leaves it out.
 */
import { createWriteStream, cpSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { join } from 'path';
import { generateSloRuleGroups, loadSlothSpec, validateSlos } from '../lib/observability/slo';
import { renderRuleFile } from '../lib/observability/rule-group';
import { toolPath } from '../test/support/tools';
import { SHARED_DIR, cpuSeconds, fixed, freePort, median, numberOption, parseArgs, percentile, printMachine, removeTempDir, runChild, sleep, startChild, table, tempDir, waitForOk } from './support/common';
import { gettingStartedSlo, serviceName as service } from './support/services';
import { benchClusterRules } from './cluster-rules';

/** The pinned Prometheus and promtool (`npm run tools`): the version the manifests deploy. */
const PROMETHEUS = toolPath('prometheus');
const PROMTOOL = toolPath('promtool');
const SLOTH_GENERATED = join(SHARED_DIR, 'fixtures', 'sloth', 'generated', 'getting-started.yml');
const SLOTH_SPEC = join(SHARED_DIR, 'fixtures', 'sloth', 'specs', 'getting-started.yml');
const INTERVAL_S = 10;
const METRIC = 'http_request_duration_seconds_count';

// ---------------------------------------------------------------------------------------------
// Synthetic series: counters that grow at a fixed rate from T0, the same function for the
// backfill and the live target, so the live samples continue the history without a reset.

interface Series {
  readonly labels: string;
  readonly perSecond: number;
}

/**
 * `errorScale` multiplies the error shares: 1 burns the budget (ticket alerts fire), 0.1 does
 * not. `instances` per service (each with the three codes): the rules' fixed cost per
 * evaluation weighs less against rate() over more series.
 */
function seriesOf(services: number, errorScale: number, instances: number): Series[] {
  const out: Series[] = [];
  for (let i = 0; i < services; i++) {
    for (let k = 0; k < instances; k++) {
      const instance = `i${k}`;
      const base = 5 + (i % 7);
      for (const [code, share] of [
        ['200', 1],
        ['429', errorScale * 0.0004 * (1 + (i % 3))],
        ['500', errorScale * 0.0006 * (1 + (i % 5))],
      ] as const) {
        out.push({ labels: `{job="${service(i)}",instance="${instance}",code="${code}"}`, perSecond: base * share });
      }
    }
  }
  return out;
}

const value = (s: Series, t0: number, t: number) => s.perSecond * (t - t0);

async function writeOpenMetrics(file: string, series: readonly Series[], t0: number, end: number, step: number): Promise<number> {
  const out = createWriteStream(file);
  let lines = 0;
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((res) => out.once('drain', () => res())));
  for (let t = t0; t <= end; t += step) {
    let chunk = '';
    for (const s of series) chunk += `${METRIC}${s.labels} ${value(s, t0, t).toFixed(3)} ${t}\n`;
    lines += series.length;
    await write(chunk);
  }
  await write('# EOF\n');
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  return lines;
}

function liveTarget(series: readonly Series[], t0: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const t = Date.now() / 1000;
    let body = `# TYPE ${METRIC} untyped\n`;
    for (const s of series) body += `${METRIC}${s.labels} ${value(s, t0, t).toFixed(3)}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ server, port: (server.address() as { port: number }).port })));
}

// ---------------------------------------------------------------------------------------------
// Rule files

function ourRules(n: number): string {
  const slos = validateSlos(Array.from({ length: n }, (_, i) => gettingStartedSlo(service(i))));
  return renderRuleFile(generateSloRuleGroups(slos, { extraLabels: { cmd: 'examplesgen.sh' } }));
}

/** Sloth's generated file for one SLO, templated N times; only its `groups:` entries are kept. */
function slothRules(n: number, generated: string): string {
  const at = generated.indexOf('groups:\n');
  if (at < 0 || !generated.includes('job="myservice"')) throw new Error(`${SLOTH_GENERATED}: not the expected Sloth output (no groups / job="myservice")`);
  const groups = generated.slice(at + 'groups:\n'.length);
  let out = '# Sloth-generated rules (getting-started.yml) templated per service by bench/rules.ts\ngroups:\n';
  for (let i = 0; i < n; i++) out += groups.replaceAll('job="myservice"', `job="${service(i)}"`).replaceAll('myservice', `sloth-${service(i)}`);
  return out;
}

/** The SLO declared here is Sloth's getting-started spec, as our reader of Sloth specs reads it. */
function checkSameSlo(): void {
  const fromSpec = loadSlothSpec(readFileSync(SLOTH_SPEC, 'utf8'), { source: SLOTH_SPEC });
  const declared = validateSlos([gettingStartedSlo('myservice')]);
  if (JSON.stringify(fromSpec) !== JSON.stringify(declared)) {
    throw new Error(`bench/support/services.ts gettingStartedSlo() is not Sloth's getting-started spec any more:\nspec:     ${JSON.stringify(fromSpec)}\ndeclared: ${JSON.stringify(declared)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus

type Page = Map<string, number>;

async function metricsOf(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  return r.text();
}

/**
 * `metric{...rule_group="<file>;<group>"...} value` lines, summed per rule file (basename), and
 * per file and kind of group (`<file> sli-recordings`, `meta-recordings`, `alerts`).
 */
function sumByFile(page: string, metric: string): Page {
  const out: Page = new Map();
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = /rule_group="([^"]*)"/.exec(line);
    if (!m) continue;
    const [path, group] = m[1].split(';');
    const file = path.split('/').pop()!;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    out.set(file, (out.get(file) ?? 0) + v);
    const kind = /^sloth-slo-(sli-recordings|meta-recordings|alerts)-/.exec(group ?? '')?.[1];
    if (kind) out.set(`${file} ${kind}`, (out.get(`${file} ${kind}`) ?? 0) + v);
  }
  return out;
}

/** How many groups of each rule file report `metric`. */
function countByFile(page: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of page.split('\n')) {
    const m = line.startsWith(`${metric}{`) ? /rule_group="([^"]*)"/.exec(line) : null;
    if (!m) continue;
    const file = m[1].split(';')[0].split('/').pop()!;
    out.set(file, (out.get(file) ?? 0) + 1);
  }
  return out;
}

async function query(port: number, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data.result;
}

interface RunResult {
  readonly perRound: Map<string, number[]>;
  readonly groups: Map<string, number>;
  /** Alert instances firing at the end, per rule set. */
  readonly firing: { readonly ours: number; readonly sloth: number };
  /** Prometheus's CPU seconds per evaluation interval over the sampled rounds (scrapes and TSDB included). */
  readonly cpuPerRound: number;
  /** --isolated: the median CPU per interval of each rule set's own process. */
  readonly cpuByFile?: Map<string, number>;
}

async function runPrometheus(dir: string, data: string, files: Record<string, string>, targetPort: number, samples: number, n: number): Promise<RunResult> {
  const runDir = join(dir, `prometheus-${n}`);
  cpSync(data, join(runDir, 'data'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(runDir, name), text);
  writeFileSync(
    join(runDir, 'prometheus.yml'),
    `global:\n  scrape_interval: ${INTERVAL_S}s\n  evaluation_interval: ${INTERVAL_S}s\n` +
      `rule_files:\n${Object.keys(files)
        .map((f) => `  - ${f}\n`)
        .join('')}` +
      `scrape_configs:\n  - job_name: synthetic\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`,
  );
  for (const f of Object.keys(files)) await runChild(PROMTOOL, ['check', 'rules', join(runDir, f)], { timeoutMs: 120_000 });
  const port = await freePort();
  const warmup = 3;
  const prom = startChild(
    PROMETHEUS,
    [
      `--config.file=${join(runDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(runDir, 'data')}`,
      '--storage.tsdb.retention.time=30d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: runDir, timeoutMs: (60 + (warmup + samples + 2) * INTERVAL_S * 2) * 1000 },
  );
  try {
    await waitForOk(`http://127.0.0.1:${port}/-/ready`, 120_000, 200, prom);
    await sleep(warmup * INTERVAL_S * 1000);
    const cpuBefore = cpuSeconds(prom.pid);
    const sampledFrom = performance.now();
    const perRound = new Map<string, number[]>();
    let groups = new Map<string, number>();
    for (let i = 0; i < samples; i++) {
      const page = await metricsOf(port);
      for (const [file, seconds] of sumByFile(page, 'prometheus_rule_group_last_duration_seconds')) {
        if (!perRound.has(file)) perRound.set(file, []);
        perRound.get(file)!.push(seconds);
      }
      groups = countByFile(page, 'prometheus_rule_group_rules');
      await sleep(INTERVAL_S * 1000);
    }
    const cpuPerRound = (cpuSeconds(prom.pid) - cpuBefore) / ((performance.now() - sampledFrom) / 1000 / INTERVAL_S);
    // Checks: no failure, every SLI recorded in every window, both sets agree.
    const page = await metricsOf(port);
    const failures = sumByFile(page, 'prometheus_rule_evaluation_failures_total');
    for (const [file, count] of failures) if (count > 0) throw new Error(`${file}: ${count} rule evaluation failures:\n${prom.output().slice(-3000)}`);
    for (const window of ['5m', '1h', '3d']) {
      const recorded = await query(port, `count(slo:sli_error:ratio_rate${window})`);
      const count = Number(recorded[0]?.value[1] ?? 0);
      const expected = n * Object.keys(files).length;
      if (count !== expected) throw new Error(`slo:sli_error:ratio_rate${window}: ${count} series recorded, expected ${expected}`);
    }
    if (Object.keys(files).length === 2) {
      const ours = await query(port, `slo:sli_error:ratio_rate1h{sloth_service="${service(0)}"}`);
      const theirs = await query(port, `slo:sli_error:ratio_rate1h{sloth_service="sloth-${service(0)}"}`);
      const a = Number(ours[0]?.value[1]);
      const b = Number(theirs[0]?.value[1]);
      // Each group evaluates at its own offset in the interval, so the two ratios come from
      // windows a few seconds apart: equal to 0.1 % with these constant rates; a wrong rule is
      // off by far more (or absent).
      if (!(Math.abs(a - b) <= 1e-3 * Math.abs(b)) || !(b > 0)) throw new Error(`the 1h error ratio of ${service(0)}: ours ${a}, Sloth's ${b}`);
    }
    // Prometheus templates every label and annotation of every active alert at each
    // evaluation: the alert groups' cost depends on how many alerts are firing.
    const firingOf = async (re: string) => Number((await query(port, `count(ALERTS{alertstate="firing",sloth_service=~"${re}"})`))[0]?.value[1] ?? 0);
    const firing = { ours: await firingOf('svc-.*'), sloth: await firingOf('sloth-svc-.*') };
    return { perRound, groups, firing, cpuPerRound };
  } finally {
    await prom.stop(10_000);
    removeTempDir(runDir);
  }
}

/** Each rule set alone in its own Prometheus, alternating (ours first, then Sloth's first, ...): no contention between the sets. */
async function runIsolated(dir: string, files: Record<string, string>, targetPort: number, samples: number, n: number, repeat: number): Promise<RunResult & { cpuByFile: Map<string, number> }> {
  const perRound = new Map<string, number[]>();
  const groups = new Map<string, number>();
  const cpu = new Map<string, number[]>();
  const firing = { ours: 0, sloth: 0 };
  const names = Object.keys(files);
  for (let i = 0; i < repeat; i++) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) {
      const r = await runPrometheus(dir, join(dir, 'data'), { [name]: files[name] }, targetPort, samples, n);
      for (const [k, v] of r.perRound) perRound.set(k, [...(perRound.get(k) ?? []), ...v]);
      for (const [k, v] of r.groups) groups.set(k, v);
      cpu.set(name, [...(cpu.get(name) ?? []), r.cpuPerRound]);
      if (name.startsWith('ours')) firing.ours = r.firing.ours;
      else firing.sloth = r.firing.sloth;
    }
  }
  return { perRound, groups, firing, cpuPerRound: NaN, cpuByFile: new Map([...cpu].map(([k, v]) => [k, median(v)])) };
}

// ---------------------------------------------------------------------------------------------

export async function benchRules(argv: readonly string[]): Promise<void> {
  const { options } = parseArgs(argv, ['sizes', 'samples', 'history-hours', 'step', 'error-scale', 'repeat', 'instances', 'nodes', 'pods', 'warmup', 'interval']);
  // Issue 17's cluster-scale case (bench/cluster-rules.ts): after the SLO case, or alone.
  if (options.get('only-cluster') === 'true') return benchClusterRules(argv);
  await benchSloRules(options);
  if (options.get('skip-cluster') !== 'true') await benchClusterRules(argv);
}

async function benchSloRules(options: Map<string, string>): Promise<void> {
  // --isolated: each rule set alone in its own Prometheus (same data), the two alternating
  // --repeat times, instead of both in one process where their groups contend.
  const isolated = options.get('isolated') === 'true';
  const repeat = numberOption(options, 'repeat', 2);
  const sizes = (options.get('sizes') ?? '10,50').split(',').map(Number);
  const samples = numberOption(options, 'samples', 6);
  const historyHours = numberOption(options, 'history-hours', 72);
  const step = numberOption(options, 'step', 120);
  const errorScale = numberOption(options, 'error-scale', 1);
  const instances = numberOption(options, 'instances', 2);
  if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances: a positive integer');
  printMachine(`rules: SLO rule evaluation in ${PROMETHEUS}, ${sizes.join(' and ')} SLOs, ${instances} instances x 3 codes per service, ${samples} rounds of ${INTERVAL_S} s after 3 warm-up rounds`);
  const withSloth = existsSync(SLOTH_GENERATED) && existsSync(SLOTH_SPEC);
  if (withSloth) checkSameSlo();
  else console.log(`Sloth comparison SKIPPED: ${SLOTH_GENERATED} is not there (the shared fixtures are not part of a clone); measuring our rules alone`);
  const version = (await runChild(PROMETHEUS, ['--version'], { timeoutMs: 30_000 })).split('\n')[0];
  console.log(version);

  const dir = tempDir('rules');
  let target: { server: Server; port: number } | undefined;
  try {
    const maxN = Math.max(...sizes);
    const series = seriesOf(maxN, errorScale, instances);
    const end = Math.floor(Date.now() / 1000 / step) * step - step;
    const t0 = end - historyHours * 3600;
    const om = join(dir, 'history.om');
    const started = performance.now();
    const lines = await writeOpenMetrics(om, series, t0, end, step);
    await runChild(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', om, join(dir, 'data')], { timeoutMs: 20 * 60_000 });
    removeTempDir(om);
    console.log(`history: ${series.length} series x ${historyHours} h every ${step} s = ${fixed(lines)} samples, backfilled in ${fixed((performance.now() - started) / 1000, 1)} s`);
    target = await liveTarget(series, t0);

    const rows: string[][] = [];
    let kinds = '';
    let firing = '';
    const generated = withSloth ? readFileSync(SLOTH_GENERATED, 'utf8') : '';
    for (const n of sizes) {
      const files: Record<string, string> = { 'ours.rules.yml': ourRules(n) };
      if (withSloth) files['sloth.rules.yml'] = slothRules(n, generated);
      const r = isolated && withSloth ? await runIsolated(dir, files, target.port, samples, n, repeat) : await runPrometheus(dir, join(dir, 'data'), files, target.port, samples, n);
      const ours = r.perRound.get('ours.rules.yml') ?? [];
      const theirs = r.perRound.get('sloth.rules.yml') ?? [];
      const rulesOf = (f: string) => (files[f].match(/^\s*- (record|alert):/gm) ?? []).length;
      const line = (name: string, file: string, v: number[], base?: number[]) => [
        `${n} SLOs: ${name}`,
        `${r.groups.get(file) ?? '?'} / ${rulesOf(file)}`,
        `${fixed(median(v) * 1000, 1)} ms`,
        `${fixed(percentile(v, 90) * 1000, 1)} ms`,
        `${fixed((median(v) * 1e6) / n)} µs`,
        base ? `${fixed(median(v) / median(base), 2)}x` : '1.00x',
        ...(isolated ? [`${fixed((r.cpuByFile?.get(file) ?? NaN) * 1000, 0)} ms`] : []),
      ];
      if (withSloth) rows.push(line("Sloth's rules (baseline)", 'sloth.rules.yml', theirs));
      rows.push(line('ours', 'ours.rules.yml', ours, withSloth ? theirs : undefined));
      kinds = ['sli-recordings', 'meta-recordings', 'alerts']
        .map((k) => `${k} ours ${fixed(median(r.perRound.get(`ours.rules.yml ${k}`) ?? []) * 1000, 1)} ms` + (withSloth ? ` / Sloth ${fixed(median(r.perRound.get(`sloth.rules.yml ${k}`) ?? []) * 1000, 1)} ms` : ''))
        .join('; ');
      firing = `alert instances firing at the end (${n} SLOs): ours ${r.firing.ours}` + (withSloth ? `, Sloth's ${r.firing.sloth}` : '');
    }
    table(['', 'groups / rules', 'round median', 'p90', 'per SLO', 'vs Sloth', ...(isolated ? ['Prometheus CPU / interval'] : [])], rows);
    if (isolated) console.log(`isolated: each rule set in its own Prometheus, ${repeat} runs each, alternating; CPU = the process's CPU time per ${INTERVAL_S} s interval (scrapes and TSDB included, the same for both)`);
    console.log(`by kind of group (median per round, ${Math.max(...sizes)} SLOs): ${kinds}`);
    console.log(`error shares x${errorScale} (x1: error ratios 0.1-0.42 %, above the 0.1 % budget, ticket alerts fire; x0.1: below it, nothing fires); ${firing}`);
    console.log('round = the sum of prometheus_rule_group_last_duration_seconds over a file\'s groups, read once per evaluation interval');
  } finally {
    target?.server.close();
    removeTempDir(dir);
  }
}

if (require.main === module) {
  benchRules(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
