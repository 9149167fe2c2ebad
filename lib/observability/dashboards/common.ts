import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prom from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE_UIDS, DatasourceUid } from '../../render/grafana';
import { CLUSTER_LABEL, variableQueryExpression, withClusterMatcher } from './queries';

/**
 * Shared building blocks of the stack's dashboards, on top of the Grafana Foundation SDK's
 * typed builders: panels with the stack's defaults (legend as a table with last/max, a fixed
 * palette, units), the datasource variable, and `finalize()` which gives every panel and query
 * a stable id so the JSON is the same on every synth.
 */

/** The metrics datasource of every panel: a dashboard variable defaulting to Thanos Query (or Prometheus). */
export const METRICS = { type: 'prometheus', uid: '${datasource}' } as const;
/** The Loki datasource (fixed uid). */
export const LOGS = { type: 'loki', uid: DATASOURCE_UIDS.loki } as const;

export type Target = cog.Builder<cog.Dataquery>;

export interface QueryOptions {
  /** Instant query (stat, table, gauge). @default false (range) */
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'table' | 'heatmap';
  /** Minimum step, e.g. `1m`. */
  readonly interval?: string;
}

/** A PromQL query against the metrics datasource. */
export function promql(expr: string, legend?: string, opts: QueryOptions = {}): prom.DataqueryBuilder {
  const q = new prom.DataqueryBuilder().datasource(METRICS).expr(expr).editorMode(prom.QueryEditorMode.Code);
  if (legend !== undefined) q.legendFormat(legend);
  if (opts.instant) q.instant();
  else q.range();
  if (opts.format === 'table') q.format(prom.PromQueryFormat.Table);
  if (opts.format === 'heatmap') q.format(prom.PromQueryFormat.Heatmap);
  if (opts.interval) q.interval(opts.interval);
  return q;
}

/** A LogQL query against Loki (`range` for log lines and metric queries over time). */
export function logql(expr: string, legend?: string): loki.DataqueryBuilder {
  const q = new loki.DataqueryBuilder().datasource(LOGS).expr(expr).editorMode(loki.QueryEditorMode.Code).queryType('range');
  if (legend !== undefined) q.legendFormat(legend);
  return q;
}

export interface Size {
  /** Grid columns out of 24. */
  readonly w: number;
  /** Grid rows (30 px each). */
  readonly h: number;
}

/** Threshold steps from a base colour and ascending (value, colour) pairs. */
export function thresholds(base: string, steps: ReadonlyArray<readonly [number, string]> = []): dash.ThresholdsConfigBuilder {
  return new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export interface TimeseriesOptions extends Size {
  readonly unit: string;
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
  /** Stack series (e.g. request rate by route). @default false */
  readonly stack?: boolean;
  /** Draw thresholds as lines (e.g. a burn-rate factor or a limit). */
  readonly thresholds?: dash.ThresholdsConfigBuilder;
  readonly decimals?: number;
  /** Series drawn as dashed lines (matched by display name regex), e.g. limits and objectives. */
  readonly dashed?: string;
}

export function timeseriesPanel(title: string, targets: readonly Target[], o: TimeseriesOptions): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(datasourceOf(targets))
    .targets([...targets])
    .span(o.w)
    .height(o.h)
    .unit(o.unit)
    .lineWidth(1)
    .fillOpacity(o.stack ? 35 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).calcs(['lastNotNull', 'max']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  if (o.decimals !== undefined) p.decimals(o.decimals);
  if (o.stack) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.thresholds) {
    p.thresholds(o.thresholds).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (o.dashed) {
    p.overrideByRegexp(o.dashed, [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.fillOpacity', value: 0 },
      { id: 'custom.stacking', value: { mode: 'none', group: 'A' } },
    ]);
  }
  return p;
}

export interface StatOptions extends Size {
  readonly unit: string;
  readonly description: string;
  readonly thresholds?: dash.ThresholdsConfigBuilder;
  readonly decimals?: number;
  /** Value text for "no data" (e.g. `0` for a count of firing alerts). */
  readonly noValue?: string;
  /** Value mappings (e.g. 1 -> UP). */
  readonly mappings?: dash.ValueMapping[];
  /** Show a sparkline. @default false */
  readonly sparkline?: boolean;
}

export function statPanel(title: string, targets: readonly Target[], o: StatOptions): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(datasourceOf(targets))
    .targets([...targets])
    .span(o.w)
    .height(o.h)
    .unit(o.unit)
    .graphMode(o.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .textMode(common.BigValueTextMode.Auto)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(o.thresholds ?? thresholds('text'));
  if (o.decimals !== undefined) p.decimals(o.decimals);
  if (o.noValue !== undefined) p.noValue(o.noValue);
  if (o.mappings) p.mappings(o.mappings);
  return p;
}

export interface HeatmapOptions extends Size {
  readonly unit: string;
  readonly description: string;
}

/** A heatmap of a Prometheus histogram (`sum by (le) (rate(x_bucket[...]))`, format heatmap). */
export function heatmapPanel(title: string, targets: readonly Target[], o: HeatmapOptions): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(datasourceOf(targets))
    .targets([...targets])
    .span(o.w)
    .height(o.h)
    .calculate(false)
    .cellGap(1)
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Spectral').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5).steps(64).reverse(true).fill('dark-orange'))
    .yAxis(new heatmap.YAxisConfigBuilder().unit(o.unit).axisPlacement(common.AxisPlacement.Left))
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .tooltip(new heatmap.HeatmapTooltipBuilder().mode(common.TooltipDisplayMode.Single).yHistogram(true))
    .showLegend();
}

export interface TableOptions extends Size {
  readonly description: string;
  readonly unit?: string;
  readonly transformations?: dash.DataTransformerConfig[];
  readonly overrides?: Array<{ matcher: dash.MatcherConfig; properties: dash.DynamicConfigValue[] }>;
  readonly noValue?: string;
}

export function tablePanel(title: string, targets: readonly Target[], o: TableOptions): table.PanelBuilder {
  const p = new table.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(datasourceOf(targets))
    .targets([...targets])
    .span(o.w)
    .height(o.h)
    .showHeader(true)
    .cellHeight(common.TableCellHeight.Sm);
  if (o.unit) p.unit(o.unit);
  if (o.noValue) p.noValue(o.noValue);
  if (o.transformations) p.transformations(o.transformations);
  if (o.overrides) p.overrides(o.overrides);
  return p;
}

export interface LogsOptions extends Size {
  readonly description: string;
}

export function logsPanel(title: string, targets: readonly Target[], o: LogsOptions): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(LOGS)
    .targets([...targets])
    .span(o.w)
    .height(o.h)
    .showTime(true)
    .showLabels(false)
    .showCommonLabels(false)
    .wrapLogMessage(true)
    .prettifyLogMessage(false)
    .enableLogDetails(true)
    .dedupStrategy(common.LogsDedupStrategy.None)
    .sortOrder(common.LogsSortOrder.Descending);
}

function datasourceOf(targets: readonly Target[]): { type: string; uid: string } {
  const kinds = new Set(targets.map((t) => (t instanceof loki.DataqueryBuilder ? 'loki' : 'prometheus')));
  if (kinds.size !== 1) throw new Error(`a panel needs targets of one datasource kind, got ${[...kinds].join(', ') || 'none'}`);
  return kinds.has('loki') ? LOGS : METRICS;
}

/** The `datasource` variable: every metrics panel follows it; defaults to the given uid. */
export function datasourceVariable(defaultUid: DatasourceUid): dash.DatasourceVariableBuilder {
  const text = defaultUid === DATASOURCE_UIDS.thanosQuery ? 'Thanos Query' : 'Prometheus';
  return new dash.DatasourceVariableBuilder('datasource')
    .label('Metrics')
    .type('prometheus')
    .current({ selected: true, text, value: defaultUid })
    .description('Thanos Query (deduplicated, long-term) or one Prometheus (short retention; works when Thanos is down).');
}

export interface QueryVariableOptions {
  readonly label: string;
  readonly description?: string;
  /** Multi-select with "All". @default true */
  readonly multi?: boolean;
  /** Regex "All" stands for. @default '.+' (never matches an absent label) */
  readonly allValue?: string;
  /** Preselected value (otherwise Grafana picks the first, or All when multi). */
  readonly current?: string;
  readonly datasource?: { type: string; uid: string };
  readonly hide?: boolean;
}

/** A query variable, e.g. `label_values(up, namespace)`; refreshed when the time range changes. */
export function queryVariable(name: string, query: string, o: QueryVariableOptions): dash.QueryVariableBuilder {
  const multi = o.multi ?? true;
  const v = new dash.QueryVariableBuilder(name)
    .label(o.label)
    .query(query)
    .definition(query)
    .datasource(o.datasource ?? METRICS)
    .refresh(dash.VariableRefresh.OnTimeRangeChanged)
    .sort(dash.VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
  if (o.description) v.description(o.description);
  if (multi) v.allValue(o.allValue ?? '.+');
  // Multi-value variables keep their selection as lists.
  if (o.current !== undefined) v.current(multi ? { selected: true, text: [o.current], value: [o.current] } : { selected: true, text: o.current, value: o.current });
  else if (multi) v.current({ selected: true, text: ['All'], value: ['$__all'] });
  if (o.hide) v.hide(dash.VariableHide.HideVariable);
  return v;
}

/**
 * What "All" of the `cluster` variable stands for: `.*`, which also matches a series WITHOUT
 * a `cluster` label (PromQL compares a missing label as the empty string). `.+` would not:
 * on one Prometheus queried directly (its own series carry no external labels) every panel
 * would be empty.
 */
export const CLUSTER_ALL_VALUE = '.*';

/**
 * The `cluster` variable every dashboard has, right after `datasource`: the values of the
 * `cluster` label, which Thanos Query adds from each Prometheus's external labels. Multi-value
 * with "All" (`.*`). On a datasource without the label (one Prometheus) the query finds no
 * value, Grafana then selects "All", and every query still matches (see CLUSTER_ALL_VALUE).
 * `finalize()` adds `cluster=~"$cluster"` to every PromQL selector of the dashboard.
 */
export function clusterVariable(): dash.QueryVariableBuilder {
  return queryVariable(CLUSTER_LABEL, 'label_values(up, cluster)', {
    label: 'Cluster',
    allValue: CLUSTER_ALL_VALUE,
    description: 'The cluster label Thanos Query adds from each Prometheus\'s external labels. "All" also matches series without the label (a single Prometheus queried directly).',
  });
}

/** A dashboard link: a drop-down of the dashboards with this tag, keeping the time range and the variables. */
export function tagLinks(title: string, tag: string): dash.DashboardLinkBuilder {
  return new dash.DashboardLinkBuilder(title).type(dash.DashboardLinkType.Dashboards).tags([tag]).asDropdown(true).includeVars(true).keepTime(true).targetBlank(false).icon('external link').tooltip('').url('');
}

/**
 * A table column override that links each cell to another dashboard: `fields` maps the
 * target's variables to columns of the row (the cell's own value or its neighbours');
 * `keep` lists variables of this dashboard passed on as they are. The cluster selection and
 * the time range and the datasource always go along.
 */
export function drillDown(column: string, title: string, uid: string, fields: Readonly<Record<string, string>>, keep: readonly string[] = []): { matcher: dash.MatcherConfig; properties: dash.DynamicConfigValue[] } {
  const params = [
    '${__url_time_range}',
    ...['datasource', CLUSTER_LABEL, ...keep].map((v) => `\${${v}:queryparam}`),
    ...Object.entries(fields).map(([v, field]) => `var-${v}=\${__data.fields["${field}"]}`),
  ];
  return { matcher: { id: 'byName', options: column }, properties: [{ id: 'links', value: [{ title, url: `/d/${uid}?${params.join('&')}` }] }] };
}

export interface DashboardMeta {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** @default now-6h */
  readonly from?: string;
}

/** A dashboard with the stack's defaults: browser time, 1m refresh, shared crosshair. */
export function baseDashboard(m: DashboardMeta): dash.DashboardBuilder {
  return new dash.DashboardBuilder(m.title)
    .uid(m.uid)
    .description(m.description)
    .tags(['observability-stack', ...m.tags])
    .timezone('browser')
    .time({ from: m.from ?? 'now-6h', to: 'now' })
    .refresh('1m')
    .tooltip(dash.DashboardCursorSync.Crosshair)
    .editable()
    .timepicker(new dash.TimePickerBuilder().refreshIntervals(['30s', '1m', '5m', '15m', '1h']));
}

export function row(title: string): dash.RowBuilder {
  return new dash.RowBuilder(title);
}

/**
 * Stable ids: panels are numbered in order (rows included), queries get refIds A, B, ...
 * and carry their panel's datasource. Grafana would assign these on load; assigning them here
 * keeps panel links (`viewPanel=<id>`) stable and the JSON deterministic.
 */
export function finalize(d: dash.Dashboard): dash.Dashboard {
  let id = 0;
  const fix = (p: dash.Panel | dash.RowPanel): void => {
    p.id = ++id;
    if (p.type === 'row') {
      (p as dash.RowPanel).panels.forEach(fix);
      return;
    }
    const panel = p as dash.Panel;
    (panel.targets ?? []).forEach((t, i) => {
      const q = t as unknown as { refId?: string; datasource?: unknown };
      q.refId = String.fromCharCode(65 + i);
      q.datasource ??= panel.datasource;
    });
  };
  (d.panels ?? []).forEach(fix);
  addClusterMatchers(d);
  return d;
}

/**
 * Checks the dashboard has the `cluster` variable right after `datasource`, then adds
 * `cluster=~"$cluster"` to every PromQL selector: panel targets, annotations, and the
 * queries of the other query variables (so namespace, pod, ... list only the selected
 * clusters' values). LogQL is left to its dashboard (the Logs dashboard filters its stream
 * selectors by the `cluster` label the collectors add): LogQL selectors have rules of their
 * own (a selector needs a matcher that cannot match the empty string).
 */
function addClusterMatchers(d: dash.Dashboard): void {
  const where = `dashboard ${d.uid ?? d.title}`;
  const vars = d.templating?.list ?? [];
  const i = vars.findIndex((v) => v.name === CLUSTER_LABEL);
  if (i < 0) throw new Error(`${where}: no "${CLUSTER_LABEL}" variable; add clusterVariable() after the datasource variable`);
  if (vars[i].type !== 'query' || i !== vars.findIndex((v) => v.name === 'datasource') + 1) throw new Error(`${where}: the "${CLUSTER_LABEL}" variable must be the query variable right after "datasource"`);
  const isProm = (ds: { type?: string } | undefined) => ds?.type === 'prometheus';
  const panels = (d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as dash.RowPanel).panels : [p as dash.Panel]));
  for (const p of panels) {
    for (const t of p.targets ?? []) {
      const q = t as unknown as { expr?: string; datasource?: { type?: string } };
      if (typeof q.expr === 'string' && isProm(q.datasource ?? p.datasource)) q.expr = withClusterMatcher(q.expr);
    }
  }
  for (const a of d.annotations?.list ?? []) {
    if (!a.builtIn && typeof a.expr === 'string' && isProm(a.datasource)) a.expr = withClusterMatcher(a.expr);
  }
  for (const v of vars) {
    if (v.type !== 'query' || v.name === CLUSTER_LABEL || !isProm(v.datasource) || typeof v.query !== 'string') continue;
    const selector = variableQueryExpression(v.query, `${where}: variable ${v.name}`);
    if (selector === undefined) throw new Error(`${where}: variable ${v.name}: "${v.query}" has no selector to filter by cluster; use label_values(<metric>, <label>)`);
    const query = v.query.replace(selector, () => withClusterMatcher(selector));
    v.query = query;
    v.definition = query;
  }
}
