import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { M } from '../../../exporter/src/catalogue';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, promql, queryVariable, row, statPanel, tablePanel, thresholds, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const BUSINESS_UID = 'stack-business';

/** Business metrics of the app exporter: active users, revenue, transactions, feature usage. */
export function businessDashboard(o: DashboardOptions): dash.Dashboard {
  const s = 'namespace=~"$namespace", job=~"$service"';
  const b = baseDashboard({
    uid: BUSINESS_UID,
    title: 'Business metrics',
    description: 'Active users by tier, revenue by product and region, transactions by type and status, feature usage by tier (app exporter).',
    tags: ['business'],
    from: 'now-24h',
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', `label_values(${M.exporterBuildInfo}, namespace)`, { label: 'Namespace' }))
    .withVariable(queryVariable('service', `label_values(${M.exporterBuildInfo}{namespace=~"$namespace"}, job)`, { label: 'Service' }));

  // Gauges are summed over the exporter's replicas' distinct label sets: each replica
  // reports the users it sees, so the sum is the total (not double counting).
  b.withRow(row('Now'))
    .withPanel(statPanel('Active users', [promql(`sum(${M.activeUsers}{${s}})`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 0, description: 'Users active now, all tiers.', sparkline: true }))
    .withPanel(statPanel('Revenue (range)', [promql(`sum(increase(${M.revenue}{${s}}[$__range]))`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 2, description: 'Revenue booked over the dashboard time range, in the application\'s accounting currency (major units).' }))
    .withPanel(statPanel('Transactions / min', [promql(`sum(rate(${M.transactions}{${s}}[$__rate_interval])) * 60`, '', { instant: true })], { w: 6, h: 4, unit: 'short', decimals: 1, description: 'Transactions reaching a final status per minute.', sparkline: true }))
    .withPanel(
      statPanel('Failed transactions', [promql(`sum(rate(${M.transactions}{${s}, status="failed"}[$__rate_interval]))\n/\nsum(rate(${M.transactions}{${s}}[$__rate_interval]))`, '', { instant: true })], {
        w: 6,
        h: 4,
        unit: 'percentunit',
        decimals: 2,
        noValue: '0',
        description: 'Share of transactions that ended failed.',
        thresholds: thresholds('green', [[0.01, 'orange'], [0.05, 'red']]),
        sparkline: true,
      }),
    );

  b.withRow(row('Users'))
    .withPanel(timeseriesPanel('Active users by tier', [promql(`sum by (tier) (${M.activeUsers}{${s}})`, '{{tier}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Users active now, stacked by customer tier.' }))
    .withPanel(timeseriesPanel('Feature usage by tier', [promql(`sum by (tier) (rate(${M.featureUsage}{${s}}[$__rate_interval])) * 60`, '{{tier}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Feature uses per minute by customer tier.' }))
    .withPanel(timeseriesPanel('Feature usage by feature', [promql(`topk(10, sum by (feature) (rate(${M.featureUsage}{${s}}[$__rate_interval]))) * 60`, '{{feature}}')], { w: 12, h: 8, unit: 'short', min: 0, description: 'Uses per minute of the ten most used features.' }))
    .withPanel(
      tablePanel('Feature usage by feature and tier (range)', [promql(`sum by (feature, tier) (increase(${M.featureUsage}{${s}}[$__range]))`, '', { instant: true, format: 'table' })], {
        w: 12,
        h: 8,
        unit: 'short',
        description: 'Uses of each feature by tier over the dashboard time range.',
        transformations: [
          { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { feature: 'Feature', tier: 'Tier', Value: 'Uses' } } },
          { id: 'sortBy', options: { sort: [{ field: 'Uses', desc: true }] } },
        ],
      }),
    );

  b.withRow(row('Revenue'))
    .withPanel(timeseriesPanel('Revenue per hour by product', [promql(`sum by (product) (rate(${M.revenue}{${s}}[$__rate_interval])) * 3600`, '{{product}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Revenue rate by product, scaled to one hour (currency major units).' }))
    .withPanel(timeseriesPanel('Revenue per hour by region', [promql(`sum by (region) (rate(${M.revenue}{${s}}[$__rate_interval])) * 3600`, '{{region}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Revenue rate by sales region, scaled to one hour.' }))
    .withPanel(
      tablePanel('Revenue by product and region (range)', [promql(`sum by (product, region) (increase(${M.revenue}{${s}}[$__range]))`, '', { instant: true, format: 'table' })], {
        w: 24,
        h: 8,
        unit: 'short',
        description: 'Revenue booked over the dashboard time range by product and region.',
        transformations: [
          { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { product: 'Product', region: 'Region', Value: 'Revenue' } } },
          { id: 'sortBy', options: { sort: [{ field: 'Revenue', desc: true }] } },
        ],
      }),
    );

  b.withRow(row('Transactions'))
    .withPanel(timeseriesPanel('Transactions by type', [promql(`sum by (type) (rate(${M.transactions}{${s}}[$__rate_interval])) * 60`, '{{type}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Transactions per minute by type (purchase, refund, ...).' }))
    .withPanel(timeseriesPanel('Transactions by status', [promql(`sum by (status) (rate(${M.transactions}{${s}}[$__rate_interval])) * 60`, '{{status}}')], { w: 12, h: 8, unit: 'short', stack: true, min: 0, description: 'Transactions per minute by final status (succeeded, failed, cancelled).' }));

  return finalize(b.build());
}
