import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardFolderSpec } from '../../render/grafana';
import { businessDashboard } from './business';
import { infrastructureDashboard } from './infrastructure';
import { logsDashboard } from './logs';
import { microservicesDashboard } from './microservices';
import { sloDashboard } from './slo';
import { stackHealthDashboard } from './stack-health';
import type { DashboardOptions } from './types';

export type { DashboardOptions } from './types';
export { BURN_RATE_WINDOWS, SLO_UID } from './slo';
export { MICROSERVICES_UID } from './microservices';
export { BUSINESS_UID } from './business';
export { INFRASTRUCTURE_UID } from './infrastructure';
export { STACK_HEALTH_UID } from './stack-health';
export { LOGS_UID, LOG_LEVELS } from './logs';
export * from './queries';

/** The Grafana folders, one per topic. */
export const DASHBOARD_FOLDERS = {
  services: { uid: 'services', title: 'Services' },
  slo: { uid: 'slo', title: 'Service Level Objectives' },
  business: { uid: 'business', title: 'Business' },
  infrastructure: { uid: 'infrastructure', title: 'Application Infrastructure' },
  stack: { uid: 'observability-stack', title: 'Observability Stack' },
  logs: { uid: 'logs', title: 'Logs' },
} as const satisfies Record<string, DashboardFolderSpec>;

/** One provisioned dashboard: its folder, its file name, and the dashboard model. */
export interface DashboardSpec {
  readonly folder: DashboardFolderSpec;
  /** `<uid>.json` */
  readonly fileName: string;
  readonly dashboard: dash.Dashboard;
}

/**
 * Every dashboard of the stack for the given options (the Logs dashboard only with Loki),
 * in a fixed order.
 */
export function stackDashboards(o: DashboardOptions): DashboardSpec[] {
  const list: Array<[DashboardFolderSpec, dash.Dashboard]> = [
    [DASHBOARD_FOLDERS.services, microservicesDashboard(o)],
    [DASHBOARD_FOLDERS.slo, sloDashboard(o)],
    [DASHBOARD_FOLDERS.business, businessDashboard(o)],
    [DASHBOARD_FOLDERS.infrastructure, infrastructureDashboard(o)],
    [DASHBOARD_FOLDERS.stack, stackHealthDashboard(o)],
  ];
  if (o.loki) list.push([DASHBOARD_FOLDERS.logs, logsDashboard(o)]);
  const uids = new Set<string>();
  return list.map(([folder, dashboard]) => {
    if (!dashboard.uid) throw new Error(`dashboard "${dashboard.title}": no uid; every dashboard needs a fixed uid`);
    if (uids.has(dashboard.uid)) throw new Error(`dashboard uid "${dashboard.uid}" is used twice`);
    uids.add(dashboard.uid);
    return { folder, fileName: `${dashboard.uid}.json`, dashboard };
  });
}

/**
 * The folders that hold at least one of the given dashboards: the stack's in DASHBOARD_FOLDERS
 * order, then any other (the user's) in the order of the dashboards.
 */
export function usedFolders(specs: readonly { readonly folder: DashboardFolderSpec }[]): DashboardFolderSpec[] {
  const stack: DashboardFolderSpec[] = Object.values(DASHBOARD_FOLDERS).filter((f) => specs.some((s) => s.folder.uid === f.uid));
  const others: DashboardFolderSpec[] = [];
  for (const s of specs) {
    if (!stack.some((f) => f.uid === s.folder.uid) && !others.some((f) => f.uid === s.folder.uid)) others.push(s.folder);
  }
  return [...stack, ...others];
}

/** The dashboard file as provisioned: 2-space JSON and a trailing newline (deterministic). */
export function dashboardJson(d: dash.Dashboard | object): string {
  return JSON.stringify(d, null, 2) + '\n';
}
