import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardFolderSpec } from '../../render/grafana';
import { businessDashboard } from './business';
import { infrastructureDashboard } from './infrastructure';
import { computeClusterDashboard, computeNamespacePodsDashboard, computeNamespaceWorkloadsDashboard, computeNodeDashboard, computePodDashboard, computeWorkloadDashboard, multiClusterDashboard } from './k8s-compute';
import { networkingClusterDashboard, networkingNamespaceDashboard, networkingPodDashboard, networkingWorkloadDashboard } from './k8s-networking';
import { persistentVolumesDashboard } from './k8s-storage';
import { apiserverDashboard, corednsDashboard, kubeletDashboard } from './k8s-system';
import { logsDashboard } from './logs';
import { microservicesDashboard } from './microservices';
import { nodeDashboard, nodesClusterDashboard } from './nodes';
import { sloDashboard } from './slo';
import { alertmanagerDashboard } from './stack-alertmanager';
import { stackHealthDashboard } from './stack-health';
import { prometheusDashboard } from './stack-prometheus';
import type { DashboardOptions } from './types';

export type { DashboardOptions } from './types';
export { BURN_RATE_WINDOWS, SLO_UID } from './slo';
export { MICROSERVICES_UID } from './microservices';
export { BUSINESS_UID } from './business';
export { INFRASTRUCTURE_UID } from './infrastructure';
export { STACK_HEALTH_UID } from './stack-health';
export { LOGS_UID, LOG_LEVELS } from './logs';
export { COMPUTE_UIDS } from './k8s-compute';
export { NETWORKING_UIDS } from './k8s-networking';
export { PERSISTENT_VOLUMES_UID } from './k8s-storage';
export { SYSTEM_UIDS } from './k8s-system';
export { NODE_UIDS } from './nodes';
export { PROMETHEUS_UID } from './stack-prometheus';
export { ALERTMANAGER_UID } from './stack-alertmanager';
export { CLUSTER_ALL_VALUE } from './common';
export { RULES as DASHBOARD_RECORDING_RULES, JOBS as DASHBOARD_JOBS } from './k8s-common';
export * from './queries';

/** The Grafana folders, one per topic. */
export const DASHBOARD_FOLDERS = {
  services: { uid: 'services', title: 'Services' },
  slo: { uid: 'slo', title: 'Service Level Objectives' },
  business: { uid: 'business', title: 'Business' },
  infrastructure: { uid: 'infrastructure', title: 'Application Infrastructure' },
  stack: { uid: 'observability-stack', title: 'Observability Stack' },
  logs: { uid: 'logs', title: 'Logs' },
  // No slash in folder titles (see renderDashboardProviders); the dashboards inside keep
  // kube-prometheus's "Kubernetes / Compute Resources / ..." titles.
  compute: { uid: 'kubernetes-compute', title: 'Kubernetes - Compute Resources' },
  nodes: { uid: 'nodes', title: 'Nodes' },
  networking: { uid: 'kubernetes-networking', title: 'Kubernetes - Networking' },
  storage: { uid: 'kubernetes-storage', title: 'Kubernetes - Storage' },
  system: { uid: 'kubernetes-system', title: 'Kubernetes - System' },
} as const satisfies Record<string, DashboardFolderSpec>;

/** One provisioned dashboard: its folder, its file name, and the dashboard model. */
export interface DashboardSpec {
  readonly folder: DashboardFolderSpec;
  /** `<uid>.json` */
  readonly fileName: string;
  readonly dashboard: dash.Dashboard;
}

/**
 * Every dashboard of the stack for the given options (the Logs dashboard only with Loki, the
 * Alertmanager overview only with Alertmanager), in a fixed order.
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
  list.push([DASHBOARD_FOLDERS.stack, prometheusDashboard(o)]);
  if (o.alertmanager) list.push([DASHBOARD_FOLDERS.stack, alertmanagerDashboard(o)]);
  list.push(
    [DASHBOARD_FOLDERS.compute, multiClusterDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computeClusterDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computeNamespacePodsDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computeNamespaceWorkloadsDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computeWorkloadDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computePodDashboard(o)],
    [DASHBOARD_FOLDERS.compute, computeNodeDashboard(o)],
    [DASHBOARD_FOLDERS.nodes, nodesClusterDashboard(o)],
    [DASHBOARD_FOLDERS.nodes, nodeDashboard(o)],
    [DASHBOARD_FOLDERS.networking, networkingClusterDashboard(o)],
    [DASHBOARD_FOLDERS.networking, networkingNamespaceDashboard(o)],
    [DASHBOARD_FOLDERS.networking, networkingWorkloadDashboard(o)],
    [DASHBOARD_FOLDERS.networking, networkingPodDashboard(o)],
    [DASHBOARD_FOLDERS.storage, persistentVolumesDashboard(o)],
    [DASHBOARD_FOLDERS.system, apiserverDashboard(o)],
    [DASHBOARD_FOLDERS.system, kubeletDashboard(o)],
    [DASHBOARD_FOLDERS.system, corednsDashboard(o)],
  );
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
