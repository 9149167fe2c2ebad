import type { LogCollectorKind } from '../../config/types';
import type { DatasourceUid } from '../../render/grafana';

/** What the dashboards need to know about the stack they are provisioned in. */
export interface DashboardOptions {
  /** Default of every dashboard's `datasource` variable: Thanos Query when deployed, else Prometheus. */
  readonly metricsDatasource: DatasourceUid;
  /** The stack's namespace: default of the stack-health and SLO release-marker namespace variables. */
  readonly namespace: string;
  /** Thanos is deployed: the stack-health dashboard shows its row. */
  readonly thanos: boolean;
  /** Loki is deployed and provisioned as a datasource: the Logs dashboard and Loki rows are built. */
  readonly loki: boolean;
  /** The log collector, when deployed: the stack-health dashboard shows its row. */
  readonly logCollector?: LogCollectorKind;
  /** Alertmanager is deployed: the stack-health dashboard shows its row. */
  readonly alertmanager: boolean;
}
