import { ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';
import { Testing } from 'cdk8s';
import { CATALOGUE } from '../exporter/src/catalogue';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { MonitoringStack } from '../lib/stack';
import {
  CLUSTER_ALL_VALUE,
  DASHBOARD_FOLDERS,
  DASHBOARD_RECORDING_RULES,
  DashboardOptions,
  dashboardJson,
  dashboardQueries,
  promqlMetricNames,
  stackDashboards,
  substituteVariables,
  variableQueryExpression,
  DashboardSpec,
} from '../lib/observability/dashboards';
import { CLUSTER_MATCHER, selectorMatcherLabels, withClusterMatcher } from '../lib/observability/dashboards/queries';
import { logqlError, promqlError } from '../lib/observability/query';
import { isAlertingRule } from '../lib/observability/rule-group';
import { exporterSlos, generateSloRuleGroups, validateSlos } from '../lib/observability/slo';
import { seriesNames, UPSTREAM_METRICS, upstreamSeries } from '../lib/observability/upstream-metrics';
import { DATASOURCE_UIDS } from '../lib/render/grafana';
import { dashboardTypeErrors } from './support/dashboard-types';
import { promtool, tempFiles, toolPath, withFiles } from './support/tools';

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
  it('builds every dashboard with a fixed, unique uid and title, in its folder', () => {
    const byFolder: Record<string, string[]> = {};
    for (const s of full) (byFolder[s.folder.title] ??= []).push(s.dashboard.uid!);
    expect(byFolder).toEqual({
      Services: ['stack-microservices'],
      'Service Level Objectives': ['stack-slo-portfolio'],
      Business: ['stack-business'],
      'Application Infrastructure': ['stack-app-infrastructure'],
      'Observability Stack': ['stack-health', 'stack-prometheus', 'stack-alertmanager'],
      Logs: ['stack-logs'],
      'Kubernetes - Compute Resources': [
        'k8s-resources-multicluster',
        'k8s-resources-cluster',
        'k8s-resources-namespace-pods',
        'k8s-resources-namespace-workloads',
        'k8s-resources-workload',
        'k8s-resources-pod',
        'k8s-resources-node',
      ],
      Nodes: ['nodes-use-cluster', 'nodes-use-node'],
      'Kubernetes - Networking': ['k8s-networking-cluster', 'k8s-networking-namespace', 'k8s-networking-workload', 'k8s-networking-pod'],
      'Kubernetes - Storage': ['k8s-persistent-volumes'],
      'Kubernetes - System': ['k8s-apiserver', 'k8s-kubelet', 'k8s-coredns'],
    });
    expect(new Set(full.map((s) => s.dashboard.title)).size).toBe(full.length);
    expect(full.map((s) => s.fileName)).toEqual(full.map((s) => `${s.dashboard.uid}.json`));
    // Folders are declared once, with fixed uids.
    expect(Object.values(DASHBOARD_FOLDERS).map((f) => f.uid)).toEqual(['services', 'slo', 'business', 'infrastructure', 'observability-stack', 'logs', 'kubernetes-compute', 'nodes', 'kubernetes-networking', 'kubernetes-storage', 'kubernetes-system']);
  });

  it('leaves the Logs dashboard out without Loki, the Alertmanager overview without Alertmanager', () => {
    const minimal = stackDashboards(VARIANTS.minimal).map((s) => s.dashboard.uid);
    expect(minimal).not.toContain('stack-logs');
    expect(minimal).not.toContain('stack-alertmanager');
    expect(full.length - minimal.length).toBe(2);
  });

  it('titles the Kubernetes and node dashboards by folder and object, and links them to each other', () => {
    const k8s = full.filter((s) => s.folder.title.startsWith('Kubernetes') || s.folder.title === 'Nodes');
    expect(k8s).toHaveLength(17);
    for (const s of k8s) {
      expect(s.dashboard.title!.startsWith(s.folder.uid === 'nodes' ? 'Nodes / USE Method / ' : `${s.folder.title.replace(' - ', ' / ')} / `)).toBe(true);
      expect(s.dashboard.tags).toContain('kubernetes');
      expect(s.dashboard.links).toEqual([expect.objectContaining({ type: 'dashboards', tags: ['kubernetes'], asDropdown: true, includeVars: true, keepTime: true })]);
    }
  });

  it('is deterministic: two builds give the same bytes', () => {
    for (const [name, o] of Object.entries(VARIANTS)) {
      expect(stackDashboards(o).map((s) => dashboardJson(s.dashboard))).toEqual(stackDashboards(o).map((s) => dashboardJson(s.dashboard)));
      void name;
    }
  });

  it('type-checks against the Grafana Foundation SDK types (dashboard, panel options, field config, queries)', () => {
    // Every dashboard of the full variant, and those of the other variants whose panels differ
    // (rows that depend on the options); the rest differ only in variable defaults.
    const shape = (spec: DashboardSpec) => JSON.stringify(panels(spec.dashboard).map((p) => [p.type, p.title, p.targets?.length]));
    const fullShapes = new Map(full.map((s) => [s.dashboard.uid, shape(s)]));
    const input: Record<string, unknown> = {};
    for (const { variant, spec } of all) if (variant === 'full' || fullShapes.get(spec.dashboard.uid) !== shape(spec)) input[`${variant}/${spec.fileName}`] = asFile(spec);
    expect(Object.keys(input).length).toBeGreaterThan(full.length);
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

  it('gives every panel a title, a description, a unique id, a datasource and a query; every query a refId and its panel\'s datasource', () => {
    for (const spec of full) {
      const ps = panels(spec.dashboard);
      expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
      for (const p of ps.filter((x) => x.type !== 'row')) {
        const where = `${spec.dashboard.uid} panel ${p.id} "${p.title}"`;
        expect({ where, title: !!p.title, description: !!p.description, targets: (p.targets ?? []).length > 0, datasource: !!p.datasource?.uid }).toEqual({ where, title: true, description: true, targets: true, datasource: true });
        (p.targets ?? []).forEach((t: any, i: number) => {
          expect(t.refId).toBe(String.fromCharCode(65 + i));
          expect({ where, datasource: t.datasource }).toEqual({ where, datasource: p.datasource });
          expect({ where, expr: typeof t.expr === 'string' && t.expr.trim().length > 0 }).toEqual({ where, expr: true });
        });
      }
    }
  });

  it('gives every graph and stat a unit, and the unit that its title promises', () => {
    const RULES: Array<[RegExp, string]> = [
      [/utilisation|\bratio\b|share|commitment| \/ (requested|limit|interval)|throttling|used \/|pressure|retransmitted|Fullest|inodes used|Space used$|Pods ready|Containers ready|hit/i, 'percentunit'],
      [/latency|p99|p50|duration|interval p99|fsync/i, 's'],
      [/^(Memory used|Working set|Memory \(RSS\)|Memory by kind|Memory allocatable|Memory requested|Memory limits|Block storage|Go heap|Space used \(bytes\))/, 'bytes'],
      [/^(Received|Sent)|bandwidth|throughput|Network traffic|Node received/i, 'Bps'],
      [/Packets|Dropped packets|Packet errors|drops/i, 'pps'],
    ];
    const unitOf = (p: any) => p.fieldConfig?.defaults?.unit ?? p.options?.yAxis?.unit;
    let matched = 0;
    for (const spec of full) {
      for (const p of panels(spec.dashboard).filter((x) => ['timeseries', 'stat', 'heatmap'].includes(x.type))) {
        const where = `${spec.dashboard.uid} "${p.title}"`;
        expect({ where, unit: typeof unitOf(p) === 'string' && unitOf(p) !== '' }).toEqual({ where, unit: true });
        if (!spec.dashboard.uid!.startsWith('k8s-') && !spec.dashboard.uid!.startsWith('nodes-') && !['stack-prometheus', 'stack-alertmanager'].includes(spec.dashboard.uid!)) continue;
        const rule = RULES.find(([re]) => re.test(p.title));
        if (!rule || /in range|in 24 h/.test(p.title)) continue;
        matched++;
        expect({ where, unit: unitOf(p) }).toEqual({ where, unit: rule[1] });
      }
    }
    expect(matched).toBeGreaterThan(100);
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

describe('the cluster variable', () => {
  it('every dashboard has it right after the datasource: label_values of cluster, multi-value, All = .* selected', () => {
    expect(CLUSTER_ALL_VALUE).toBe('.*');
    for (const { variant, spec } of all) {
      const vars = spec.dashboard.templating.list ?? [];
      const v = vars[1] as any;
      expect({ variant, uid: spec.dashboard.uid, names: vars.slice(0, 2).map((x) => x.name) }).toEqual({ variant, uid: spec.dashboard.uid, names: ['datasource', 'cluster'] });
      expect({ uid: spec.dashboard.uid, type: v.type, query: v.query, datasource: v.datasource, multi: v.multi, includeAll: v.includeAll, allValue: v.allValue, current: v.current?.value }).toEqual({
        uid: spec.dashboard.uid,
        type: 'query',
        query: 'label_values(up, cluster)',
        datasource: { type: 'prometheus', uid: '${datasource}' },
        multi: true,
        includeAll: true,
        allValue: '.*',
        current: ['$__all'],
      });
    }
  });

  it('filters every PromQL selector of every panel, annotation and variable by it, and every LogQL stream selector but the namespace list', () => {
    let selectors = 0;
    let streams = 0;
    for (const { spec } of all) {
      for (const q of dashboardQueries(spec.dashboard)) {
        if (q.language === 'logql') {
          // The log streams carry the collectors' cluster label (external_labels).
          const stream = /\{[^}]*\}/.exec(q.expr);
          if (!stream) continue; // label_values(namespace): every namespace Loki knows
          streams += 1;
          expect({ where: q.where, stream: stream[0].startsWith(`{${CLUSTER_MATCHER}, `) }).toEqual({ where: q.where, stream: true });
          continue;
        }
        if (q.where.endsWith(': variable cluster')) continue;
        const labels = selectorMatcherLabels(q.expr);
        selectors += labels.length;
        expect({ where: q.where, unfiltered: labels.filter((l) => !l.includes('cluster')).length }).toEqual({ where: q.where, unfiltered: 0 });
        // Every cluster matcher is exactly the variable's (no hand-written cluster="x").
        expect({ where: q.where, matchers: q.expr.split(CLUSTER_MATCHER).length - 1 }).toEqual({ where: q.where, matchers: labels.length });
      }
    }
    expect(selectors).toBeGreaterThan(1000);
    expect(streams).toBeGreaterThan(3);
  });

  it('adds the matcher from the parse tree: to each selector, never inside strings or twice', () => {
    expect(withClusterMatcher('sum by (job) (rate(x_total{job="a{b}"}[$__rate_interval])) / y offset $__interval')).toBe(
      'sum by (job) (rate(x_total{cluster=~"$cluster", job="a{b}"}[$__rate_interval])) / y{cluster=~"$cluster"} offset $__interval',
    );
    expect(withClusterMatcher('label_replace(up{}, "cluster", "$1", "instance", "(.*)")')).toBe('label_replace(up{cluster=~"$cluster"}, "cluster", "$1", "instance", "(.*)")');
    expect(withClusterMatcher('{__name__="x", a=~"${b:regex}"} and on (cluster) z')).toBe('{cluster=~"$cluster", __name__="x", a=~"${b:regex}"} and on (cluster) z{cluster=~"$cluster"}');
    const once = withClusterMatcher('max(a{x="1"}) or vector(0)');
    expect(withClusterMatcher(once)).toBe(once);
    expect(withClusterMatcher('a{cluster="fixed"}')).toBe('a{cluster="fixed"}');
    expect(() => withClusterMatcher('sum(a')).toThrow(/invalid PromQL/);
    expect(() => withClusterMatcher('a{x="[[b]]"}')).toThrow(/\[\[var\]\]/);
  });

  it('on real Prometheus, "All" (.*) keeps the series without a cluster label, a selection filters, .+ would lose them', () => {
    // promtool evaluates a dashboard expression with $cluster as Grafana interpolates it:
    // the variable's allValue, one value, several values (Grafana's regex format).
    const expr = withClusterMatcher('sum(up{job="x"})');
    const clusterVar = full[0].dashboard.templating.list!.find((v) => v.name === 'cluster')!;
    const cases: Array<[string, number]> = [
      [clusterVar.allValue!, 7],
      ['eu-1', 2],
      ['(eu-1|us-1)', 6],
      ['.+', 6],
    ];
    const tests = [
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      "      - { series: 'up{job=\"x\"}', values: '1x5' }",
      "      - { series: 'up{job=\"x\", cluster=\"eu-1\"}', values: '2x5' }",
      "      - { series: 'up{job=\"x\", cluster=\"us-1\"}', values: '4x5' }",
      '    promql_expr_test:',
      ...cases.map(([value, sum]) => `      - { expr: '${expr.replace('$cluster', value).replace(/'/g, "''")}', eval_time: 2m, exp_samples: [ { labels: '{}', value: ${sum} } ] }`),
      '',
    ].join('\n');
    const res = withFiles({ 'tests.yml': tests }, (dir) => promtool(['test', 'rules', 'tests.yml'], { cwd: dir }));
    expect(res.output).toMatch(/SUCCESS/);
    expect(res.status).toBe(0);
  });
});

/**
 * The variables of the Kubernetes, node and stack dashboards after `datasource` and `cluster`,
 * each with the variables its query depends on (besides cluster): the chain a user walks down.
 */
const VARIABLE_CHAINS: Record<string, Record<string, string[]>> = {
  'k8s-resources-multicluster': {},
  'k8s-resources-cluster': {},
  'k8s-resources-namespace-pods': { namespace: [] },
  'k8s-resources-namespace-workloads': { namespace: [], workload_type: ['namespace'] },
  'k8s-resources-workload': { namespace: [], workload_type: ['namespace'], workload: ['namespace', 'workload_type'] },
  'k8s-resources-pod': { namespace: [], pod: ['namespace'], container: ['namespace', 'pod'] },
  'k8s-resources-node': { node: [] },
  'nodes-use-cluster': {},
  'nodes-use-node': { instance: [] },
  'k8s-networking-cluster': {},
  'k8s-networking-namespace': { namespace: [] },
  'k8s-networking-workload': { namespace: [], workload_type: ['namespace'], workload: ['namespace', 'workload_type'] },
  'k8s-networking-pod': { namespace: [], pod: ['namespace'] },
  'k8s-persistent-volumes': { namespace: [], persistentvolumeclaim: ['namespace'] },
  'k8s-apiserver': { instance: [] },
  'k8s-kubelet': { node: [] },
  'k8s-coredns': { pod: [] },
  'stack-prometheus': { pod: [] },
  'stack-alertmanager': { pod: [] },
};

describe('dashboard variables', () => {
  const refs = (text: string) => [...new Set([...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]))].sort();

  it('chain as listed: each variable reads only the ones before it, and the cluster selection', () => {
    for (const spec of full.filter((s) => s.dashboard.uid! in VARIABLE_CHAINS)) {
      const uid = spec.dashboard.uid!;
      const vars = (spec.dashboard.templating.list ?? []) as any[];
      expect({ uid, names: vars.map((v) => v.name) }).toEqual({ uid, names: ['datasource', 'cluster', ...Object.keys(VARIABLE_CHAINS[uid])] });
      for (const v of vars.slice(2)) {
        expect({ uid, variable: v.name, reads: refs(v.query) }).toEqual({ uid, variable: v.name, reads: [...VARIABLE_CHAINS[uid][v.name], 'cluster'].sort() });
        expect(v.refresh).toBe(2); // on time range change: a pod that appeared in the range is listed
        const before = vars.slice(0, vars.indexOf(v)).map((x) => x.name);
        for (const r of refs(v.query)) expect({ uid, variable: v.name, reads: r, definedBefore: before.includes(r) }).toEqual({ uid, variable: v.name, reads: r, definedBefore: true });
      }
    }
  });

  it('every variable is used by a query, a title or a drill-down link of its dashboard', () => {
    for (const { spec } of all) {
      const text = JSON.stringify([dashboardQueries(spec.dashboard).map((q) => q.expr), panels(spec.dashboard).map((p) => [p.title, p.fieldConfig])]);
      for (const v of spec.dashboard.templating.list ?? []) {
        if (v.name === 'datasource') continue;
        expect({ uid: spec.dashboard.uid, variable: v.name, used: new RegExp(`\\$\\{?${v.name}\\b`).test(text) }).toEqual({ uid: spec.dashboard.uid, variable: v.name, used: true });
      }
    }
  });

  it('single-object dashboards select one object; list dashboards allow All', () => {
    const single: Record<string, string[]> = {
      'k8s-resources-namespace-pods': ['namespace'],
      'k8s-resources-workload': ['namespace', 'workload_type', 'workload'],
      'k8s-resources-pod': ['namespace', 'pod'],
      'k8s-resources-node': ['node'],
      'nodes-use-node': ['instance'],
      'k8s-networking-namespace': ['namespace'],
      'k8s-networking-pod': ['namespace', 'pod'],
    };
    for (const spec of full.filter((s) => s.dashboard.uid! in VARIABLE_CHAINS)) {
      for (const v of (spec.dashboard.templating.list ?? []).slice(2) as any[]) {
        const one = (single[spec.dashboard.uid!] ?? []).includes(v.name) || (v.name === 'namespace' && /namespace-workloads|networking-workload/.test(spec.dashboard.uid!));
        expect({ uid: spec.dashboard.uid, variable: v.name, multi: v.multi, includeAll: v.includeAll }).toEqual({ uid: spec.dashboard.uid, variable: v.name, multi: !one, includeAll: !one });
      }
    }
  });

  it('drill-down links open a dashboard that exists, with variables it has', () => {
    const byUid = new Map(full.map((s) => [s.dashboard.uid!, s.dashboard]));
    let links = 0;
    for (const spec of full) {
      for (const p of panels(spec.dashboard)) {
        for (const o of p.fieldConfig?.overrides ?? []) {
          for (const prop of o.properties ?? []) {
            if (prop.id !== 'links') continue;
            for (const l of prop.value) {
              links++;
              const m = /^\/d\/([\w-]+)\?(.*)$/.exec(l.url);
              expect({ url: l.url, ok: !!m && byUid.has(m[1]) }).toEqual({ url: l.url, ok: true });
              const target = byUid.get(m![1])!;
              const names = new Set((target.templating.list ?? []).map((v) => v.name));
              for (const q of m![2].split('&')) {
                const v = /^var-(\w+)=/.exec(q)?.[1] ?? /^\$\{(\w+):queryparam\}$/.exec(q)?.[1];
                if (q === '${__url_time_range}') continue;
                expect({ url: l.url, variable: v, exists: v !== undefined && names.has(v) }).toEqual({ url: l.url, variable: v, exists: true });
              }
            }
          }
        }
      }
    }
    expect(links).toBeGreaterThan(10);
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
    const missing = [...used.entries()]
      .filter(([name]) => !produced.has(name))
      .map(([name, where]) => `${name} (read by ${where[0]}${where.length > 1 ? ` and ${where.length - 1} more` : ''})`);
    expect(missing).toEqual([]);
  });

  it('reads the contract\'s recording rules where they exist, not the raw series they summarise', () => {
    // Usage, requests and limits come from the rules (one definition of "active pod", one rate window).
    const raw = ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kube_pod_container_resource_requests', 'kube_pod_container_resource_limits'];
    for (const name of raw) expect({ name, readBy: (used.get(name) ?? []).filter((w) => /^(k8s-|nodes-)/.test(w)) }).toEqual({ name, readBy: [] });
    for (const rule of Object.values(DASHBOARD_RECORDING_RULES)) expect({ rule, read: used.has(rule) }).toEqual({ rule, read: true });
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
  // node_exporter at the pinned version (npm run tools), with its default collectors.
  it('node-exporter exports every listed metric with the listed type', async () => {
    const port = await freePort();
    const exporter = spawn(toolPath('node_exporter'), [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    exporter.stdout?.on('data', (c) => (log += c));
    exporter.stderr?.on('data', (c) => (log += c));
    try {
      const text = await waitFor('node-exporter /metrics', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        return res.ok ? res.text() : undefined;
      });
      const exported = families(text);
      const checked = UPSTREAM_METRICS.filter((m) => m.producer === 'node-exporter');
      expect(checked.length).toBeGreaterThanOrEqual(25);
      for (const m of checked) expect({ name: m.name, type: exported.get(m.name) }).toEqual({ name: m.name, type: m.type });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- log ---\n${log.slice(-3000)}`);
    } finally {
      await stop(exporter);
    }
  }, 60_000);

  // Prometheus and Alertmanager at the pinned versions (npm run tools).
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
      // ALERTS once the rule fired; the scrape interval summary once two scrapes happened.
      await waitFor('up, ALERTS and a scrape interval', async () => ((await query('up')).length > 0 && (await query('ALERTS{alertstate="firing"}')).length > 0 && (await query('prometheus_target_interval_length_seconds_count > 0')).length > 0 ? true : undefined));

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
