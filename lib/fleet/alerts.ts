import { AFFECTED_CLUSTER_LABEL } from '../observability/rule-group';
import type { AlertingRule, RuleGroup } from '../observability/rule-group';

export const FLEET_GROUP = 'fleet';

export interface FleetAlertOptions {
  readonly runbookBaseUrl: string;
  /** The namespace of the observer's global Thanos Query. */
  readonly namespace: string;
  /** The `job` of the global Thanos Query. @default 'thanos-query' */
  readonly queryJob?: string;
  /** The clusters the observer reaches through their StoreAPI gateway (every workload cluster but itself). */
  readonly clusters: readonly string[];
}

/** A label value inside a Prometheus regex, with the characters RE2 would read specially escaped. */
function regexLiteral(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\\\$&');
}

/**
 * The regex matching a `thanos_store_nodes_grpc_connections` series whose `external_labels`
 * hold `cluster="<name>"`. Thanos v0.42 writes that label as the endpoint's label sets,
 * each `{a="1", b="2"}` (Prometheus's labels.String()), several joined by `,`
 * (pkg/store/labelpb PromLabelSetsToString); a Query endpoint's sets are those of every
 * StoreAPI behind it. The name is matched whole (`[{ ]cluster="a"[,}]` does not match
 * `cluster="ab"` or `subcluster="a"`).
 */
export function clusterLabelSetRegex(cluster: string): string {
  return `.*[{ ]cluster=\\"${regexLiteral(cluster)}\\"[,}].*`;
}

/**
 * The fleet's own alerts, evaluated by the observer's Prometheus over the metrics of its
 * global Thanos Query: one `FleetClusterUnreachable` per cluster behind a StoreAPI gateway.
 *
 * Thanos Query exports `thanos_store_nodes_grpc_connections` per connected endpoint group
 * (labels `external_labels`, `store_type`) and counts only endpoints whose last health check
 * passed (`isQueryable` in pkg/query/endpointset.go, refreshed every few seconds): when a
 * cluster's gateway cannot be reached (the cluster is down, cut off, its load balancer gone,
 * a certificate expired or refused) the series with that cluster's label and
 * `store_type="query"` disappears. The observer's store gateways serve the same cluster's
 * label from its bucket (`store_type="store"`), which is why the store type is part of the
 * selector. The alert carries the lost cluster as its `cluster` label (an alert's own labels
 * win over the observer's external labels), so the notification names it; and as its
 * `affected_cluster` label, which survives Thanos (AFFECTED_CLUSTER_LABEL), for dashboards.
 *
 * It fires while the global Query runs (`up == 1` for at least one of its pods) and none of
 * its pods is connected to the cluster: while the Query itself is down, ThanosQuery and
 * TargetDown alerts say so instead.
 */
export function fleetAlerts(opts: FleetAlertOptions): RuleGroup {
  const job = opts.queryJob ?? 'thanos-query';
  const base = opts.runbookBaseUrl.replace(/\/+$/, '');
  const q = `job="${job}", namespace="${opts.namespace}"`;
  const rules: AlertingRule[] = opts.clusters.map((cluster) => ({
    alert: 'FleetClusterUnreachable',
    expr:
      `max(up{${q}}) == 1\n` +
      'unless on ()\n' +
      `count(thanos_store_nodes_grpc_connections{${q}, store_type="query", external_labels=~"${clusterLabelSetRegex(cluster)}"})`,
    for: '5m',
    labels: { severity: 'critical', category: 'infrastructure', cluster, [AFFECTED_CLUSTER_LABEL]: cluster },
    annotations: {
      summary: `Cluster ${cluster} cannot be reached from the observer.`,
      description:
        `The observer's Thanos Query has not been connected to the StoreAPI gateway of cluster ${cluster} for 5 minutes: ` +
        'its recent metrics are missing from every dashboard, and if the cluster is down or cut off, its own alerts no longer reach this Alertmanager either. ' +
        `Check the cluster, the load balancer of its thanos-query-fleet Service, the network between the clusters, and the certificates (an expired or refused certificate looks the same).`,
      runbook_url: `${base}/fleet#FleetClusterUnreachable`,
    },
  }));
  return { name: FLEET_GROUP, rules };
}
