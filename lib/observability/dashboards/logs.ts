import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { M } from '../../../exporter/src/catalogue';
import { baseDashboard, clusterVariable, datasourceVariable, finalize, LOGS, logql, logsPanel, promql, queryVariable, row, timeseriesPanel } from './common';
import type { DashboardOptions } from './types';

export const LOGS_UID = 'stack-logs';

/** The levels Loki detects at ingestion (`detected_level` structured metadata, Loki >= 3). */
export const LOG_LEVELS = ['fatal', 'critical', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;

/**
 * Logs from Loki filtered by cluster, namespace, pod and level, with the log error rate and
 * the services' HTTP 5xx ratio above them, so a spike in one is read against the other.
 * Stream labels `cluster` (the collector's external label), `namespace`, `pod`, `container`
 * are set by the log collector; the level is Loki's `detected_level`
 * (limits_config.discover_log_levels, on by default). "All" clusters is `.*`, which also
 * matches streams written before the collectors added the label; the namespace matcher
 * (never empty) keeps each selector valid LogQL.
 */
export function logsDashboard(o: DashboardOptions): dash.Dashboard {
  const stream = '{cluster=~"$cluster", namespace=~"$namespace", pod=~"$pod"}';
  const b = baseDashboard({
    uid: LOGS_UID,
    title: 'Logs',
    description: 'Pod logs by namespace, pod and level, next to the log error rate and the HTTP 5xx ratio.',
    tags: ['logs'],
    from: 'now-1h',
  })
    .withVariable(datasourceVariable(o.metricsDatasource))
    .withVariable(clusterVariable())
    .withVariable(queryVariable('namespace', 'label_values(namespace)', { label: 'Namespace', datasource: LOGS, current: o.namespace }))
    .withVariable(queryVariable('pod', 'label_values({cluster=~"$cluster", namespace=~"$namespace"}, pod)', { label: 'Pod', datasource: LOGS }))
    .withVariable(
      new dash.CustomVariableBuilder('level')
        .label('Level')
        .values(LOG_LEVELS.join(','))
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ selected: true, text: ['All'], value: ['$__all'] }),
    )
    .withVariable(new dash.TextBoxVariableBuilder('search').label('Line contains (regex)').defaultValue('').current({ selected: false, text: '', value: '' }));

  b.withRow(row('Error rate'))
    .withPanel(timeseriesPanel('Error log lines / s', [logql(`sum by (pod) (rate(${stream} | detected_level=~"critical|error|fatal" [$__auto]))`, '{{pod}}')], { w: 8, h: 8, unit: 'short', min: 0, description: 'Log lines per second at level error or above, per pod.' }))
    .withPanel(timeseriesPanel('Log lines / s by level', [logql(`sum by (detected_level) (rate(${stream} [$__auto]))`, '{{detected_level}}')], { w: 8, h: 8, unit: 'short', min: 0, stack: true, description: 'Log volume per detected level.' }))
    .withPanel(
      timeseriesPanel('HTTP 5xx ratio', [promql(`sum by (pod) (rate(${M.httpRequests}{namespace=~"$namespace", pod=~"$pod", status_class="5xx"}[$__rate_interval]))\n/\nsum by (pod) (rate(${M.httpRequests}{namespace=~"$namespace", pod=~"$pod"}[$__rate_interval]))`, '{{pod}}')], {
        w: 8,
        h: 8,
        unit: 'percentunit',
        min: 0,
        description: 'Share of HTTP requests answered with 5xx by the same pods (metrics), to compare with the error log rate.',
      }),
    );

  b.withRow(row('Logs')).withPanel(logsPanel('Logs', [logql(`${stream} | detected_level=~"$level" |~ "$search"`)], { w: 24, h: 18, description: 'Log lines of the selected pods and levels, newest first; the search box filters by regular expression.' }));

  return finalize(b.build());
}
