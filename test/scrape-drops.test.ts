import { parse } from 'yaml';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { synthesizeAll } from '../lib/synth';
import { dashboardQueries, promqlMetricNames, substituteVariables } from '../lib/observability/dashboards';
import { DROPPED_SERIES, JOB_APISERVER, JOB_CADVISOR, JOB_KUBELET } from '../lib/render/prometheus';
import { allObjects, K8sObject } from './support/synth';

/**
 * Series dropped at scrape time must never be series the stack reads. Both sides come from
 * the synthesized output (whatever rule groups and dashboards the components register, now
 * or later): "used" is every metric name read by a rule (the rule files mounted into
 * Prometheus and the PrometheusRules) or a dashboard query (the provisioned dashboards);
 * "dropped" is every `__name__` drop in the rendered prometheus.yml's `metric_relabel_configs`
 * and in the monitors' `metricRelabelings`. Environments: staging, production, and production
 * with every Kubernetes component scraped (controller manager and scheduler included).
 */

type Obj = Record<string, any>;

const ALL_ON: StackConfig = { ...production, environment: 'all-components', kubernetesComponents: { controllerManager: true, scheduler: true } };

interface Drop {
  readonly where: string;
  readonly regex: string;
}

interface Use {
  readonly name: string;
  readonly where: string;
}

/** `__name__` drops of a list of relabel configs (Prometheus or prometheus-operator spelling). */
function dropsOf(configs: readonly Obj[] | undefined, where: string): Drop[] {
  return (configs ?? [])
    .filter((c) => (c.action ?? 'replace') === 'drop' && JSON.stringify(c.source_labels ?? c.sourceLabels) === '["__name__"]')
    .map((c) => ({ where, regex: String(c.regex) }));
}

function ruleExprs(groups: readonly Obj[], where: string): { expr: string; where: string }[] {
  return groups.flatMap((g) => (g.rules as Obj[]).map((r) => ({ expr: String(r.expr), where: `${where} group ${g.name} ${r.alert ?? r.record}` })));
}

/** What the synthesized objects read and drop. */
export function usedAndDropped(objects: readonly { file: string; object: K8sObject }[]): { used: Use[]; drops: Drop[]; nameRegexes: string[] } {
  const used: Use[] = [];
  const drops: Drop[] = [];
  const nameRegexes: string[] = [];
  const read = (expr: string, where: string) => {
    if (/__name__\s*[=!]~/.test(expr)) nameRegexes.push(`${where}: ${expr}`);
    for (const name of promqlMetricNames(expr)) if (name !== '{}') used.push({ name, where });
  };
  for (const { file, object } of objects) {
    const where = `${file} ${object.kind}/${object.metadata.name}`;
    if (object.kind === 'ConfigMap') {
      for (const [key, text] of Object.entries((object.data ?? {}) as Record<string, string>)) {
        if (key === 'prometheus.yml') {
          for (const sc of (parse(text).scrape_configs ?? []) as Obj[]) drops.push(...dropsOf(sc.metric_relabel_configs, `${where} job ${sc.job_name}`));
        } else if (key.endsWith('.json') && text.includes('"panels"')) {
          for (const q of dashboardQueries(JSON.parse(text))) if (q.language === 'promql') read(substituteVariables(q.expr), `${where} ${q.where}`);
        } else if (/\.ya?ml$/.test(key) && /^groups:/m.test(text)) {
          for (const r of ruleExprs(parse(text).groups ?? [], `${where} ${key}`)) read(r.expr, r.where);
        }
      }
    } else if (object.kind === 'PrometheusRule') {
      for (const r of ruleExprs(object.spec.groups ?? [], where)) read(r.expr, r.where);
    } else if (object.kind === 'ServiceMonitor' || object.kind === 'PodMonitor') {
      for (const ep of (object.spec.endpoints ?? object.spec.podMetricsEndpoints ?? []) as Obj[]) drops.push(...dropsOf(ep.metricRelabelings, where));
    }
  }
  return { used, drops, nameRegexes };
}

/** Pairs (used metric, drop that removes it): must be none. */
export function conflicts(used: readonly Use[], drops: readonly Drop[]): string[] {
  const out = new Set<string>();
  for (const d of drops) {
    // Relabel regexes are fully anchored RE2; these patterns mean the same in JavaScript.
    const re = new RegExp(`^(?:${d.regex})$`);
    for (const u of used) if (re.test(u.name)) out.add(`${u.name} is read by ${u.where} but dropped by ${d.where}`);
  }
  return [...out].sort();
}

describe('dropped series and used series are apart', () => {
  const objects = allObjects(synthesizeAll([staging, production, ALL_ON]));
  const { used, drops, nameRegexes } = usedAndDropped(objects);
  const usedNames = new Set(used.map((u) => u.name));

  test('the collection sees the rules and dashboards of every environment, and the drops of every job that declares them', () => {
    // Series the stack's rules and dashboards are known to read, from each kind of source.
    for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kube_pod_container_status_restarts_total', 'kubelet_volume_stats_used_bytes', 'up', 'slo:sli_error:ratio_rate5m']) {
      expect({ name, used: usedNames.has(name) }).toEqual({ name, used: true });
    }
    expect(used.some((u) => u.where.includes('Grafana') || u.where.includes('grafana-dashboards'))).toBe(true);
    expect(used.some((u) => u.where.includes('PrometheusRule'))).toBe(true);
    // Every job with a declared list drops it in every environment that runs the job.
    for (const job of Object.keys(DROPPED_SERIES)) {
      const rendered = drops.filter((d) => d.where.startsWith('all-components/') && d.where.endsWith(` job ${job}`));
      expect({ job, regexes: rendered.map((d) => d.regex) }).toEqual({ job, regexes: [DROPPED_SERIES[job].join('|')] });
    }
    // The operator's API server monitor drops the same.
    expect(drops.filter((d) => d.where.includes('ServiceMonitor/apiserver')).map((d) => d.regex)).toContain(DROPPED_SERIES[JOB_APISERVER].join('|'));
  });

  test('no metric read by a rule or a dashboard is dropped at scrape time', () => {
    expect(conflicts(used, drops)).toEqual([]);
  });

  test('no rule or dashboard selects metrics by a regex on __name__ (the check above could not see what it reads)', () => {
    expect(nameRegexes).toEqual([]);
  });

  test('the check fails when a rule reads a dropped series (it can fail)', () => {
    const reads = [{ name: 'container_tasks_state', where: 'a test rule' }, { name: 'container_cpu_usage_seconds_total', where: 'a test rule' }];
    expect(conflicts(reads, drops.filter((d) => d.where.endsWith(` job ${JOB_CADVISOR}`)))).toEqual(
      [...new Set(drops.filter((d) => d.where.endsWith(` job ${JOB_CADVISOR}`)).map((d) => `container_tasks_state is read by a test rule but dropped by ${d.where}`))].sort(),
    );
    // Anchored: a drop of a histogram's buckets does not drop its _count or a longer name.
    const kubelet = drops.filter((d) => d.where.endsWith(` job ${JOB_KUBELET}`));
    expect(conflicts([{ name: 'storage_operation_duration_seconds_count', where: 'x' }, { name: 'x_storage_operation_duration_seconds_bucket', where: 'x' }], kubelet)).toEqual([]);
    // And a rule read from a synthesized PrometheusRule is found the same way.
    const rule: K8sObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'sum(rate(apiserver_request_duration_seconds_bucket[5m])) > 1' }] }] } };
    const found = usedAndDropped([{ file: 'test', object: rule }]).used;
    expect(conflicts(found, drops.filter((d) => d.where.endsWith(` job ${JOB_APISERVER}`))).length).toBeGreaterThan(0);
  });
});
