import type { DashboardFolderConfig, DashboardInput, DashboardModel, StackConfig } from '../config/types';
import { DATASOURCE_UIDS, ProvisionedDashboard } from '../render/grafana';
import { substituteVariables } from './dashboards/queries';
import { logqlError, promqlError } from './query';

/**
 * Dashboards of the user's own (`grafana.dashboardFolders`): Grafana JSON or a Foundation SDK
 * builder, checked like the stack's (a fixed uid, datasources that are provisioned, queries
 * that parse) and provisioned read-only in the user's folder.
 */

/** A datasource Grafana is provisioned with: its fixed uid, name and query language. */
export interface ProvisionedDatasourceRef {
  readonly uid: string;
  readonly name: string;
  readonly type: 'prometheus' | 'loki' | 'alertmanager';
}

/** The datasources the stack provisions for a config (the same rule as the stack's wiring). */
export function provisionedDatasources(config: StackConfig): ProvisionedDatasourceRef[] {
  const out: ProvisionedDatasourceRef[] = [];
  if (config.prometheus.enabled && config.thanos.enabled) out.push({ uid: DATASOURCE_UIDS.thanosQuery, name: 'Thanos Query', type: 'prometheus' });
  out.push({ uid: DATASOURCE_UIDS.prometheus, name: 'Prometheus', type: 'prometheus' });
  if (config.loki.enabled) out.push({ uid: DATASOURCE_UIDS.loki, name: 'Loki', type: 'loki' });
  if (config.alertmanager.enabled) out.push({ uid: DATASOURCE_UIDS.alertmanager, name: 'Alertmanager', type: 'alertmanager' });
  return out;
}

/** Grafana's built-in pseudo datasources, valid in any dashboard. */
const BUILT_IN = new Set(['grafana', '-- Grafana --', '-- Mixed --', '-- Dashboard --', 'dashboard']);
const DASHBOARD_UID = /^[a-zA-Z0-9_-]{1,40}$/;

function isBuilder(d: DashboardInput): d is { build(): DashboardModel } {
  return typeof (d as { build?: unknown }).build === 'function';
}

/** The dashboard's JSON model: the object itself, or what its builder builds. */
export function dashboardModel(d: DashboardInput): Record<string, unknown> {
  const model = isBuilder(d) ? d.build() : d;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) throw new Error('is not a dashboard: give Grafana dashboard JSON (an object) or a builder with build()');
  return model as Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isVariable(ref: string): boolean {
  return ref.startsWith('$');
}

/** Every `datasource` reference in a dashboard, with where it is. */
function datasourceRefs(node: unknown, where: string, out: Array<{ where: string; ref: unknown }>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => datasourceRefs(item, `${where}[${i}]`, out));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Json;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'datasource' && value !== null && value !== undefined) out.push({ where: `${where}.datasource`, ref: value });
    else datasourceRefs(value, `${where}.${key}`, out);
  }
}

function refUid(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (typeof ref === 'object' && ref !== null) {
    const uid = (ref as Json).uid;
    return typeof uid === 'string' ? uid : undefined;
  }
  return undefined;
}

function refType(ref: unknown): string | undefined {
  if (typeof ref === 'object' && ref !== null) {
    const type = (ref as Json).type;
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}

/**
 * Problems of the user's dashboards, each prefixed with its config path: a missing or repeated
 * uid, a datasource the stack does not provision, a query that does not parse (PromQL or LogQL,
 * once Grafana's variables are given sample values).
 */
export function userDashboardProblems(config: StackConfig, takenUids: ReadonlySet<string> = new Set()): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const datasources = provisionedDatasources(config);
  const byRef = new Map<string, ProvisionedDatasourceRef>();
  for (const ds of datasources) {
    byRef.set(ds.uid, ds);
    byRef.set(ds.name, ds);
  }
  const known = datasources.map((d) => `"${d.uid}"`).join(', ');
  const uids = new Set(takenUids);
  (config.grafana.dashboardFolders ?? []).forEach((folder: DashboardFolderConfig, f) => {
    folder.dashboards.forEach((input, d) => {
      const at = `grafana.dashboardFolders[${f}].dashboards[${d}]`;
      let model: Json;
      try {
        model = dashboardModel(input);
      } catch (e) {
        problems.push({ path: at, message: (e as Error).message });
        return;
      }
      const uid = model.uid;
      if (typeof uid !== 'string' || !DASHBOARD_UID.test(uid)) {
        problems.push({ path: `${at}.uid`, message: `${JSON.stringify(uid)} is not allowed; every dashboard needs a fixed uid of 1-40 letters, digits, '-' and '_' (links and provisioning rely on it)` });
      } else if (uids.has(uid)) {
        problems.push({ path: `${at}.uid`, message: `"${uid}" is already the uid of another dashboard (the stack's or yours); uids must be unique` });
      } else uids.add(uid);
      if (typeof model.title !== 'string' || model.title.trim() === '') problems.push({ path: `${at}.title`, message: 'is required: the dashboard\'s title' });

      const refs: Array<{ where: string; ref: unknown }> = [];
      datasourceRefs(model, at, refs);
      for (const { where, ref } of refs) {
        const id = refUid(ref);
        if (id === undefined || isVariable(id) || BUILT_IN.has(id)) continue;
        const ds = byRef.get(id);
        const type = refType(ref);
        if (!ds) problems.push({ path: where, message: `datasource "${id}" is not provisioned by the stack; use one of ${known}, or a dashboard variable` });
        else if (type !== undefined && type !== ds.type) problems.push({ path: where, message: `datasource "${id}" is of type ${ds.type}, not ${type}` });
      }

      // Every target's query parses in the language of its datasource (its own, else its panel's).
      const languageOf = (ref: unknown): string | undefined => {
        const id = refUid(ref);
        return (id !== undefined && !isVariable(id) ? byRef.get(id)?.type : undefined) ?? refType(ref);
      };
      const panels = (list: unknown, where: string): void => {
        if (!Array.isArray(list)) return;
        list.forEach((item, p) => {
          if (typeof item !== 'object' || item === null) return;
          const panel = item as Json;
          const pw = `${where}[${p}]`;
          panels(panel.panels, `${pw}.panels`);
          if (!Array.isArray(panel.targets)) return;
          panel.targets.forEach((t, i) => {
            if (typeof t !== 'object' || t === null) return;
            const target = t as Json;
            if (typeof target.expr !== 'string') return;
            const language = languageOf(target.datasource ?? panel.datasource);
            const check = language === 'prometheus' ? promqlError : language === 'loki' ? logqlError : undefined;
            const err = check?.(substituteVariables(target.expr));
            if (err) problems.push({ path: `${pw}.targets[${i}].expr`, message: `invalid ${language === 'prometheus' ? 'PromQL' : 'LogQL'}, ${err.message}: ${target.expr}` });
          });
        });
      };
      panels(model.panels, `${at}.panels`);
    });
  });
  return problems;
}

/** The user's dashboards as provisioned dashboards of their folders (checked by `userDashboardProblems`). */
export function userDashboardSpecs(folders: readonly DashboardFolderConfig[] | undefined): ProvisionedDashboard[] {
  const out: ProvisionedDashboard[] = [];
  for (const folder of folders ?? []) {
    for (const input of folder.dashboards) {
      const model = dashboardModel(input);
      out.push({ folder: { uid: folder.uid, title: folder.title }, fileName: `${String(model.uid)}.json`, dashboard: model });
    }
  }
  return out;
}
