import { ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';
import { Testing } from 'cdk8s';
import { CATALOGUE } from '../exporter/src/catalogue';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { MonitoringStack } from '../lib/stack';
import {
  DashboardOptions,
  dashboardJson,
  dashboardQueries,
  promqlMetricNames,
  stackDashboards,
  substituteVariables,
  variableQueryExpression,
  DashboardSpec,
} from '../lib/observability/dashboards';
import { logqlError, promqlError } from '../lib/observability/query';
import { isAlertingRule } from '../lib/observability/rule-group';
import { exporterSlos, generateSloRuleGroups, validateSlos } from '../lib/observability/slo';
import { seriesNames, UPSTREAM_METRICS, upstreamSeries } from '../lib/observability/upstream-metrics';
import { DATASOURCE_UIDS } from '../lib/render/grafana';
import { dashboardTypeErrors } from './support/dashboard-types';
import { tempFiles, toolPath } from './support/tools';

/** Every combination of optional parts the dashboards react to. */
const VARIANTS: Record<string, DashboardOptions> = {
  full: { metricsDatasource: 'thanos-query', namespace: 'monitoring', thanos: true, loki: true, alertmanager: true, logCollector: 'alloy' },
  promtail: { metricsDatasource: 'prometheus', namespace: 'monitoring', thanos: false, loki: true, alertmanager: true, logCollector: 'promtail' },
  minimal: { metricsDatasource: 'prometheus', namespace: 'obs', thanos: false, loki: false, alertmanager: false, logCollector: 'fluentd' },
  noCollector: { metricsDatasource: 'thanos-query', namespace: 'obs', thanos: true, loki: true, alertmanager: true },
};

const all: Array<{ variant: string; spec: DashboardSpec }> = Object.entries(VARIANTS).flatMap(([variant, o]) => stackDashboards(o).map((spec) => ({ variant, spec })));
const full = stackDashboards(VARIANTS.full);

/** The same dashboard as a provisioning file parses back to (what Grafana reads). */
function asFile(spec: DashboardSpec): any {
  return JSON.parse(dashboardJson(spec.dashboard));
}

function panels(d: any): any[] {
  return (d.panels ?? []).flatMap((p: any) => (p.type === 'row' ? [p, ...(p.panels ?? [])] : [p]));
}

describe('dashboard JSON', () => {
  it('builds the six dashboards with fixed, unique uids and titles', () => {
    expect(full.map((s) => s.dashboard.uid)).toEqual(['stack-microservices', 'stack-slo-portfolio', 'stack-business', 'stack-app-infrastructure', 'stack-health', 'stack-logs']);
    expect(new Set(full.map((s) => s.dashboard.title)).size).toBe(full.length);
    expect(full.map((s) => s.fileName)).toEqual(full.map((s) => `${s.dashboard.uid}.json`));
  });

  it('leaves the Logs dashboard out without Loki', () => {
    expect(stackDashboards(VARIANTS.minimal).map((s) => s.dashboard.uid)).not.toContain('stack-logs');
  });

  it('is deterministic: two builds give the same bytes', () => {
    for (const [name, o] of Object.entries(VARIANTS)) {
      expect(stackDashboards(o).map((s) => dashboardJson(s.dashboard))).toEqual(stackDashboards(o).map((s) => dashboardJson(s.dashboard)));
      void name;
    }
  });

  it('type-checks against the Grafana Foundation SDK types (dashboard, panel options, field config, queries)', () => {
    const input: Record<string, unknown> = {};
    for (const { variant, spec } of all) input[`${variant}/${spec.fileName}`] = asFile(spec);
    expect(dashboardTypeErrors(input)).toEqual([]);
  });

  it('the type check rejects what Grafana would not understand', () => {
    const base = asFile(full[0]);
    const ts = (d: any) => panels(d).find((p) => p.type === 'timeseries');
    const mutations: Record<string, (d: any) => void> = {
      'unknown dashboard field': (d) => (d.refreshRate = '1m'),
      'missing required field': (d) => delete d.schemaVersion,
      'cursor sync out of range': (d) => (d.graphTooltip = 7),
      'variable refresh as text': (d) => (d.templating.list[1].refresh = 'sometimes'),
      'legend display mode': (d) => (ts(d).options.legend.displayMode = 'sideways'),
      'line width as text': (d) => (ts(d).fieldConfig.defaults.custom.lineWidth = 'thick'),
      'misspelt query field': (d) => (ts(d).targets[0].exprr = ts(d).targets[0].expr),
      'query format': (d) => (ts(d).targets[0].format = 'graph'),
      'unknown panel type': (d) => (ts(d).type = 'graph'),
    };
    for (const [what, mutate] of Object.entries(mutations)) {
      const d = structuredClone(base);
      mutate(d);
      expect({ what, errors: dashboardTypeErrors({ [what]: d }).length > 0 }).toEqual({ what, errors: true });
    }
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    for (const spec of full) {
      const cells = new Map<string, number>();
      for (const p of panels(spec.dashboard)) {
        const g = p.gridPos;
        expect({ panel: p.title, inGrid: g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 }).toEqual({ panel: p.title, inGrid: true });
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            const other = cells.get(`${x},${y}`);
            if (other !== undefined) throw new Error(`${spec.dashboard.uid}: panel ${p.id} "${p.title}" overlaps panel ${other} at (${x},${y})`);
            cells.set(`${x},${y}`, p.id);
          }
        }
      }
    }
  });

  it('gives every panel a title, a description and a unique id; every query a refId', () => {
    for (const spec of full) {
      const ps = panels(spec.dashboard);
      expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
      for (const p of ps.filter((x) => x.type !== 'row')) {
        expect({ id: p.id, title: !!p.title, description: !!p.description, targets: (p.targets ?? []).length > 0 }).toEqual({ id: p.id, title: true, description: true, targets: true });
        (p.targets ?? []).forEach((t: any, i: number) => expect(t.refId).toBe(String.fromCharCode(65 + i)));
      }
    }
  });

  it('refers to datasources only through the datasource variable or a provisioned uid', () => {
    const allowed = new Set<string>(['${datasource}', ...Object.values(DATASOURCE_UIDS)]);
    for (const { spec } of all) {
      const text = dashboardJson(spec.dashboard);
      const uids = [...text.matchAll(/"uid": "([^"]*)"/g)].map((m) => m[1]).filter((u) => u !== spec.dashboard.uid);
      for (const uid of uids) expect({ dashboard: spec.dashboard.uid, uid, allowed: allowed.has(uid) }).toEqual({ dashboard: spec.dashboard.uid, uid, allowed: true });
    }
  });

  it('defaults the metrics datasource to Thanos Query when deployed, and stack health to Prometheus itself', () => {
    const current = (spec: DashboardSpec) => spec.dashboard.templating.list?.find((v) => v.name === 'datasource')?.current?.value;
    for (const spec of full) expect(current(spec)).toBe(spec.dashboard.uid === 'stack-health' ? 'prometheus' : 'thanos-query');
    for (const spec of stackDashboards(VARIANTS.minimal)) expect(current(spec)).toBe('prometheus');
  });
});

describe('dashboard queries', () => {
  const queries = all.flatMap(({ spec }) => dashboardQueries(spec.dashboard));

  it('finds queries in panels, annotations and variables', () => {
    const where = queries.map((q) => q.where).join('\n');
    expect(where).toMatch(/annotation "Releases"/);
    expect(where).toMatch(/variable slo/);
    expect(queries.some((q) => q.language === 'logql')).toBe(true);
    expect(queries.length).toBeGreaterThan(150);
  });

  it('every query parses as PromQL or LogQL once Grafana variables are substituted', () => {
    const bad = queries
      .map((q) => ({ q, err: (q.language === 'promql' ? promqlError : logqlError)(substituteVariables(q.expr)) }))
      .filter((x) => x.err)
      .map((x) => `${x.q.where}: ${x.err!.message}: ${substituteVariables(x.q.expr)}`);
    expect(bad).toEqual([]);
  });

  it('substitution is not what makes a broken query pass', () => {
    expect(promqlError(substituteVariables('sum(rate(x{a=~"$a"}[$__rate_interval]))'))).toBeUndefined();
    expect(promqlError(substituteVariables('sum(rate(x{a=~"$a"}[$__rate_interval])'))).toBeDefined();
    expect(logqlError(substituteVariables('sum(rate({a=~"${a:regex}"} |~ "$search" [$__auto]))'))).toBeUndefined();
    expect(logqlError(substituteVariables('sum(rate({a=~"$a"} |~ [$__auto]))'))).toBeDefined();
    expect(substituteVariables('x offset $__interval [[v]] ${v:csv}')).toBe('x offset 1m value value');
  });

  it('uses only variables the dashboard defines (or Grafana built-ins)', () => {
    const builtins = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__auto', '__all', 'datasource']);
    for (const { spec } of all) {
      const defined = new Set((spec.dashboard.templating.list ?? []).map((v) => v.name));
      for (const q of dashboardQueries(spec.dashboard)) {
        for (const m of q.expr.matchAll(/\$\{?(\w+)/g)) {
          const ok = defined.has(m[1]) || builtins.has(m[1]);
          expect({ where: q.where, variable: m[1], ok }).toEqual({ where: q.where, variable: m[1], ok: true });
        }
      }
      const titles = panels(spec.dashboard).map((p) => p.title as string);
      for (const t of titles) for (const m of t.matchAll(/\$\{?(\w+)/g)) expect(defined.has(m[1])).toBe(true);
    }
  });

  it('reads variable queries the way Grafana writes them', () => {
    expect(variableQueryExpression('label_values(up{job="a, b"}, namespace)', 'x')).toBe('up{job="a, b"}');
    expect(variableQueryExpression('label_values(namespace)', 'x')).toBeUndefined();
    expect(variableQueryExpression('query_result(topk(5, up))', 'x')).toBe('topk(5, up)');
    expect(() => variableQueryExpression('metrics(up)', 'x')).toThrow(/neither label_values/);
  });
});

/** Every series name something in the stack produces, with what produces it. */
function producedSeries(): Map<string, string> {
  const produced = new Map<string, string>();
  for (const m of CATALOGUE) for (const s of seriesNames(m.name, m.type)) produced.set(s, `app exporter catalogue (${m.name})`);
  for (const [s, m] of upstreamSeries()) produced.set(s, `${m.producer} (${m.source})`);
  // Recording rules registered by the components of both environments' stacks, and the SLO
  // generator's rules for the stack's own exporter SLOs (Sloth-compatible names).
  const configs: StackConfig[] = [staging, production];
  for (const config of configs) {
    const stack = new MonitoringStack(Testing.app(), 'stack', config);
    for (const g of stack.context.rules.all()) for (const r of g.rules) if (!isAlertingRule(r)) produced.set(r.record, `recording rule in group ${g.name}`);
  }
  for (const g of generateSloRuleGroups(validateSlos(exporterSlos()))) for (const r of g.rules) if (!isAlertingRule(r)) produced.set(r.record, `SLO recording rule in group ${g.name}`);
  return produced;
}

describe('metrics read by the dashboards', () => {
  const produced = producedSeries();
  const used = new Map<string, string[]>();
  for (const { spec } of all) {
    for (const q of dashboardQueries(spec.dashboard)) {
      if (q.language !== 'promql') continue;
      for (const name of promqlMetricNames(substituteVariables(q.expr))) used.set(name, [...(used.get(name) ?? []), q.where]);
    }
  }

  it('extracts metric names from the parse tree, not by pattern', () => {
    expect(promqlMetricNames('sum by (le) (rate(a_bucket{x="rate(b[5m])"}[5m])) / on(y) group_left c offset 5m')).toEqual(['a_bucket', 'c']);
    expect(promqlMetricNames('{__name__="d", job="x"} + histogram_quantile(0.9, e)')).toEqual(['d', 'e']);
    expect(promqlMetricNames('count({job="x"})')).toEqual(['{}']);
    expect(() => promqlMetricNames('sum(')).toThrow(/invalid PromQL/);
  });

  it('every metric is produced by a recording rule, the exporter catalogue or a listed upstream exporter', () => {
    const missing = [...used.entries()].filter(([name]) => !produced.has(name)).map(([name, where]) => `${name} (read by ${where[0]}${where.length > 1 ? ` and ${where.length - 1} more` : ''})`);
    expect(missing).toEqual([]);
  });

  it('reads the SLO portfolio from the SLO generator\'s recording rules', () => {
    const slo = [...used.keys()].filter((n) => n.startsWith('slo:'));
    expect(slo.length).toBeGreaterThanOrEqual(8);
    for (const n of slo) expect(produced.get(n)).toMatch(/recording rule/);
  });

  it('every upstream entry names its producer and how the series looks', () => {
    const names = UPSTREAM_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of UPSTREAM_METRICS) {
      expect(m.source.length).toBeGreaterThan(3);
      // Counters end in _total (except Prometheus's own synthetic series), nothing else does.
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
    }
  });
});

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

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
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

/** `# TYPE name type` lines of an exposition. */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (p?.pid === undefined || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

describe('upstream metrics against the real binaries', () => {
  // Debian's prometheus 2.42 and prometheus-alertmanager 0.25: the names used here exist in
  // these and in the deployed v3.5 / v0.28 (none was renamed in between).
  it('Prometheus and Alertmanager export every listed metric, and Prometheus creates up and ALERTS', async () => {
    const [promPort, amPort, clusterPort] = [await freePort(), await freePort(), await freePort()];
    const t = tempFiles({
      'prometheus.yml': [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        `alerting: { alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:${amPort}"] } ] } ] }`,
        `scrape_configs: [ { job_name: self, static_configs: [ { targets: ["127.0.0.1:${promPort}"] } ] } ]`,
        '',
      ].join('\n'),
      'rules.yml': 'groups: [ { name: g, rules: [ { alert: AlwaysFiring, expr: vector(1), labels: { sloth_id: x } } ] } ]\n',
      'alertmanager.yml': 'route: { receiver: none }\nreceivers: [ { name: none } ]\n',
    });
    let prom: ChildProcess | undefined;
    let am: ChildProcess | undefined;
    let log = '';
    try {
      am = spawn(toolPath('alertmanager'), ['--config.file=alertmanager.yml', `--storage.path=${t.path('am')}`, `--web.listen-address=127.0.0.1:${amPort}`, `--cluster.listen-address=127.0.0.1:${clusterPort}`], { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      prom = spawn(toolPath('prometheus'), ['--config.file=prometheus.yml', `--storage.tsdb.path=${t.path('data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      for (const p of [am, prom]) {
        p.stdout?.on('data', (c) => (log += c));
        p.stderr?.on('data', (c) => (log += c));
      }
      const prometheus = `http://127.0.0.1:${promPort}`;
      const query = async (q: string) => ((await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: unknown[] } }).data.result;
      await waitFor('up and ALERTS', async () => ((await query('up')).length > 0 && (await query('ALERTS{alertstate="firing"}')).length > 0 ? true : undefined));

      const exported = {
        prometheus: families(await (await fetch(`${prometheus}/metrics`)).text()),
        alertmanager: families(await (await fetch(`http://127.0.0.1:${amPort}/metrics`)).text()),
      };
      const checked = UPSTREAM_METRICS.filter((m) => m.producer === 'prometheus' || m.producer === 'alertmanager');
      expect(checked.length).toBeGreaterThan(8);
      for (const m of checked) {
        if (m.synthetic) {
          expect({ name: m.name, present: (await query(m.name)).length > 0 }).toEqual({ name: m.name, present: true });
          continue;
        }
        const type = exported[m.producer as 'prometheus' | 'alertmanager'].get(m.name);
        expect({ name: m.name, type }).toEqual({ name: m.name, type: m.type });
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- log ---\n${log.slice(-3000)}`);
    } finally {
      await stop(prom);
      await stop(am);
      t.cleanup();
    }
  }, 60_000);
});
