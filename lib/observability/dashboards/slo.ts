import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, METRICS, promql, queryVariable, row, statPanel, tablePanel, thresholds, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const SLO_UID = 'stack-slo-portfolio';

/** The on() labels that identify one SLO in the Sloth-compatible recording rules. */
const SLO_ID = 'sloth_id, sloth_service, sloth_slo';

/**
 * The burn-rate windows shown, each with the factor that pages (or tickets) for a 30-day
 * period with the Google SRE workbook windows (`GOOGLE_30D_WINDOWS`): 2% of the budget in 1h
 * is 14.4x, 5% in 6h is 6x, 10% in 1d is 3x, 10% in 3d is 1x.
 */
export const BURN_RATE_WINDOWS = [
  { window: '1h', factor: 14.4 },
  { window: '6h', factor: 6 },
  { window: '1d', factor: 3 },
  { window: '3d', factor: 1 },
] as const;

/**
 * SLO portfolio, built on the Sloth-compatible recording rules of lib/observability/slo:
 * every SLO's objective, availability over its period, error budget left, burn rates over
 * 1h/6h/1d/3d, its firing alerts, with releases (Deployment rollouts) and SLO alerts as
 * annotations. The per-SLO row repeats for each selected SLO.
 */
export function sloDashboard(o: DashboardOptions): dash.Dashboard {
  const sel = (id = '$slo') => `{sloth_id=~"${id}"}`;
  const one = '{sloth_id="$slo"}';
  const burn = (window: string, s: string) => `slo:sli_error:ratio_rate${window}${s}\n/ on(${SLO_ID}) group_left\nslo:error_budget:ratio${s}`;
  const availability = (s: string) => `1 - (\n  slo:period_burn_rate:ratio${s}\n  * on(${SLO_ID})\n  slo:error_budget:ratio${s}\n)`;

  const b = baseDashboard({
    uid: SLO_UID,
    title: 'SLO portfolio',
    description: 'Service level objectives: availability over the SLO period, error budget left, burn rates and the alerts they raise.',
    tags: ['slo'],
    from: 'now-7d',
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('service', 'label_values(slo:objective:ratio, sloth_service)', { label: 'Service' }))
    .withVariable(queryVariable('slo', 'label_values(slo:objective:ratio{sloth_service=~"$service"}, sloth_id)', { label: 'SLO' }))
    .withVariable(queryVariable('namespace', 'label_values(kube_deployment_status_observed_generation, namespace)', { label: 'Releases in', current: o.namespace }))
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('Releases')
        .datasource(METRICS)
        .enable(true)
        .iconColor('blue')
        // A Deployment's observed generation moves when the controller acts on a spec
        // change: a rollout, a rollback or a scale. One marker per step in which it moved.
        .expr('max by (namespace, deployment) (\n  kube_deployment_status_observed_generation{namespace=~"$namespace"}\n  - kube_deployment_status_observed_generation{namespace=~"$namespace"} offset $__interval\n) > 0')
        .titleFormat('{{deployment}} changed')
        .textFormat('Deployment {{namespace}}/{{deployment}}: new generation observed (rollout, rollback or scale)')
        .tagKeys('namespace,deployment')
        .step('1m'),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .name('SLO alerts')
        .datasource(METRICS)
        .enable(true)
        .iconColor('red')
        .expr(`ALERTS{alertstate="firing", sloth_id=~"$slo"}`)
        .titleFormat('{{alertname}} ({{sloth_severity}})')
        .textFormat('{{sloth_id}} burning its error budget over {{sloth_alert_window}}')
        .tagKeys('sloth_id,sloth_severity')
        .step('1m'),
    );

  const budgetColours = thresholds('red', [[0, 'orange'], [0.25, 'green']]);
  const pct = (name: string) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 3 }] });
  const burnCol = (name: string) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: 'x' }, { id: 'decimals', value: 2 }, { id: 'custom.cellOptions', value: { type: 'color-text' } }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 1, color: 'orange' }, { value: 6, color: 'red' }] } }] });

  b.withRow(row('Portfolio'))
    .withPanel(
      tablePanel(
        'All SLOs',
        [
          // Every query keeps exactly the SLO's identity labels, so `merge` joins them into one row per SLO.
          promql(`max by (${SLO_ID}) (slo:objective:ratio${sel()})`, '', { instant: true, format: 'table' }),
          promql(`max by (${SLO_ID}) (\n${availability(sel())}\n)`, '', { instant: true, format: 'table' }),
          promql(`max by (${SLO_ID}) (slo:period_error_budget_remaining:ratio${sel()})`, '', { instant: true, format: 'table' }),
          ...BURN_RATE_WINDOWS.map((w) => promql(`max by (${SLO_ID}) (\n${burn(w.window, sel())}\n)`, '', { instant: true, format: 'table' })),
          promql(`count by (${SLO_ID}) (ALERTS{alertstate="firing", sloth_id=~"$slo"})`, '', { instant: true, format: 'table' }),
        ],
        {
          w: 24,
          h: 8,
          description: 'One line per SLO: objective, availability over its period, error budget left, burn rates (1 = spending the budget exactly over the period) and firing alerts.',
          noValue: '—',
          transformations: [
            { id: 'merge', options: {} },
            {
              id: 'organize',
              options: {
                excludeByName: { Time: true, sloth_id: false },
                indexByName: { sloth_service: 0, sloth_slo: 1, sloth_id: 2, 'Value #A': 3, 'Value #B': 4, 'Value #C': 5, 'Value #D': 6, 'Value #E': 7, 'Value #F': 8, 'Value #G': 9, 'Value #H': 10 },
                renameByName: {
                  sloth_service: 'Service',
                  sloth_slo: 'SLO',
                  sloth_id: 'Id',
                  'Value #A': 'Objective',
                  'Value #B': 'Availability (period)',
                  'Value #C': 'Budget left',
                  'Value #D': 'Burn 1h',
                  'Value #E': 'Burn 6h',
                  'Value #F': 'Burn 1d',
                  'Value #G': 'Burn 3d',
                  'Value #H': 'Firing alerts',
                },
              },
            },
          ],
          overrides: [
            pct('Objective'),
            pct('Availability (period)'),
            { ...pct('Budget left'), properties: [...pct('Budget left').properties, { id: 'custom.cellOptions', value: { type: 'color-background' } }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'red' }, { value: 0, color: 'orange' }, { value: 0.25, color: 'green' }] } }] },
            burnCol('Burn 1h'),
            burnCol('Burn 6h'),
            burnCol('Burn 1d'),
            burnCol('Burn 3d'),
          ],
        },
      ),
    );

  // One row per selected SLO.
  b.withRow(row('SLO $slo').repeat('slo'))
    .withPanel(statPanel('Objective', [promql(`slo:objective:ratio${one}`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 3, description: 'Target share of good events over the SLO period.' }))
    .withPanel(statPanel('Availability over the period', [promql(availability(one), '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 3, description: 'Share of good events over the whole SLO period (1 - period burn rate x error budget).' }))
    .withPanel(statPanel('Error budget left', [promql(`slo:period_error_budget_remaining:ratio${one}`, '', { instant: true })], { w: 4, h: 4, unit: 'percentunit', decimals: 1, thresholds: budgetColours, description: 'Share of the period\'s error budget not yet spent; negative when overspent.' }))
    .withPanel(statPanel('Period', [promql(`slo:time_period:days${one}`, '', { instant: true })], { w: 4, h: 4, unit: 'd', decimals: 0, description: 'Length of the SLO period.' }))
    .withPanel(
      statPanel('Firing alerts', [promql(`count(ALERTS{alertstate="firing", sloth_id="$slo"})`, '', { instant: true })], {
        w: 8,
        h: 4,
        unit: 'short',
        decimals: 0,
        noValue: '0',
        thresholds: thresholds('green', [[1, 'red']]),
        description: 'Burn-rate alerts of this SLO firing now (page and ticket, one per window pair).',
      }),
    )
    .withPanel(
      timeseriesPanel(
        'Burn rate',
        BURN_RATE_WINDOWS.map((w) => promql(`max without (sloth_window) (\n${burn(w.window, one)}\n)`, w.window)),
        {
          w: 12,
          h: 8,
          unit: 'x',
          min: 0,
          decimals: 2,
          description: 'Error rate over each window divided by the error budget: 1 spends the budget exactly over the period. Dashed: 1x, 3x, 6x and 14.4x, the 30-day page/ticket factors of the 3d, 1d, 6h and 1h windows.',
          thresholds: thresholds('green', [[1, 'yellow'], [3, 'orange'], [6, 'red'], [14.4, 'dark-red']]),
        },
      ),
    )
    .withPanel(
      timeseriesPanel('Error budget left', [promql(`slo:period_error_budget_remaining:ratio${one}`, 'budget left')], {
        w: 12,
        h: 8,
        unit: 'percentunit',
        max: 1,
        description: 'Remaining error budget of the period over time; a steep drop is an incident, a steady slope a chronic problem.',
        thresholds: thresholds('red', [[0, 'transparent']]),
      }),
    )
    .withPanel(
      timeseriesPanel('SLI error ratio', [promql(`slo:sli_error:ratio_rate5m${one}`, 'errors (5m)'), promql(`slo:sli_error:ratio_rate1h${one}`, 'errors (1h)'), promql(`slo:error_budget:ratio${one}`, 'error budget')], {
        w: 12,
        h: 8,
        unit: 'percentunit',
        min: 0,
        dashed: 'error budget',
        description: 'Share of bad events over 5m and 1h; dashed: the error budget (1 - objective).',
      }),
    )
    .withPanel(
      tablePanel('Firing alerts', [promql('ALERTS{alertstate="firing", sloth_id="$slo"}', '', { instant: true, format: 'table' })], {
        w: 12,
        h: 8,
        description: 'The alerts of this SLO firing now, with the window pair (long/short) that fired.',
        noValue: 'None firing',
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, alertstate: true }, indexByName: { alertname: 0, sloth_severity: 1, sloth_alert_window: 2, severity: 3 } } }],
      }),
    );

  return finalize(b.build());
}
