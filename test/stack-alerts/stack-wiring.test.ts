import { parse } from 'yaml';
import { production, staging, StackConfig } from '../../lib/config';
import { synthesizeEnvironment } from '../../lib/synth';
import { ENVIRONMENTS, findObject, freshSynth, objectsOf } from '../support/synth';
import { promtool, withFiles } from '../support/tools';

/**
 * The alert groups in the synthesized environments: who ships which group, the runbook policy
 * as configured, and (issue 15 item 9) no two alerting rules of an environment share an alert
 * name and the same labels, which would notify twice.
 */

interface FileRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface FileGroup {
  readonly name: string;
  readonly rules: readonly FileRule[];
}

/** The rule files Prometheus mounts (every `prometheus-rules*` ConfigMap), by file name. */
function ruleFiles(env: string, files = freshSynth()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { object } of objectsOf(env, files)) {
    if (object.kind === 'ConfigMap' && object.metadata.name.startsWith('prometheus-rules')) Object.assign(out, object.data);
  }
  return out;
}

function groupsOf(files: Record<string, string>): FileGroup[] {
  return Object.values(files).flatMap((text) => (parse(text) as { groups: FileGroup[] }).groups);
}

/** Alerting rules sharing an alert name and the same labels: `name {labels}` of each one found more than once. */
export function duplicateAlerts(groups: readonly FileGroup[]): string[] {
  const seen = new Map<string, number>();
  for (const g of groups) {
    for (const r of g.rules) {
      if (!r.alert) continue;
      const labels = Object.entries(r.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
      const key = `${r.alert} ${JSON.stringify(Object.fromEntries(labels))}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
}

const envs = ENVIRONMENTS.map((c) => c.environment);

describe('issue 15 item 9: no two alerting rules share a name and labels', () => {
  test('the check finds a duplicate (TargetDown twice, as before) and accepts a warning/critical pair', () => {
    const targetDown = { alert: 'TargetDown', expr: 'up == 0', labels: { severity: 'warning', category: 'infrastructure' } };
    expect(duplicateAlerts([{ name: 'a', rules: [targetDown] }, { name: 'b', rules: [{ ...targetDown, expr: 'up < 1' }] }])).toEqual(['TargetDown {"category":"infrastructure","severity":"warning"}']);
    expect(duplicateAlerts([{ name: 'a', rules: [targetDown, { ...targetDown, labels: { ...targetDown.labels, severity: 'critical' } }] }])).toEqual([]);
  });

  test.each(envs)('%s: all rule groups together', (env) => {
    const groups = groupsOf(ruleFiles(env));
    expect(groups.length).toBeGreaterThan(5);
    expect(duplicateAlerts(groups)).toEqual([]);
    expect(groups.flatMap((g) => g.rules).filter((r) => r.alert === 'TargetDown')).toHaveLength(1);
  });

  test.each(envs)('%s: promtool check rules accepts the synthesized rule files, all together', (env) => {
    const files = ruleFiles(env);
    const res = withFiles(files, (dir) => promtool(['check', 'rules', ...Object.keys(files)], { cwd: dir }));
    expect(res.output).not.toContain('FAILED');
    expect(res.status).toBe(0);
  });
});

describe.each(envs)('%s: who ships which group', (env) => {
  const groupNames = (name: string) => (findObject(env, 'PrometheusRule', name).spec.groups as FileGroup[]).map((g) => g.name);

  test('Prometheus: general, prometheus, config-reloaders (and the exporters being up); node-exporter: its recording rules and alerts; Alertmanager and Grafana: their own', () => {
    expect(groupNames('prometheus')).toEqual(['general', 'prometheus', 'config-reloaders', 'metrics-pipeline-exporters']);
    expect(groupNames('node-exporter')).toEqual(['node-exporter.rules', 'node-exporter', 'node-network']);
    expect(groupNames('alertmanager')).toEqual(['alertmanager']);
    expect(groupNames('grafana')).toEqual(['grafana']);
  });

  test('the rule files Prometheus mounts hold the same groups as the PrometheusRules', () => {
    const mounted = groupsOf(ruleFiles(env)).map((g) => g.name);
    for (const name of ['general', 'prometheus', 'config-reloaders', 'node-exporter.rules', 'node-exporter', 'node-network', 'alertmanager']) expect(mounted).toContain(name);
  });

  test('every alert of these groups: severity (none only for Watchdog and InfoInhibitor), summary, description, runbook_url', () => {
    const mine = groupsOf(ruleFiles(env)).filter((g) => ['general', 'prometheus', 'config-reloaders', 'node-exporter', 'node-network', 'alertmanager', 'grafana'].includes(g.name));
    for (const r of mine.flatMap((g) => g.rules).filter((x) => x.alert)) {
      const none = r.alert === 'Watchdog' || r.alert === 'InfoInhibitor';
      expect({ alert: r.alert, severity: r.labels?.severity }).toEqual({ alert: r.alert, severity: none ? 'none' : expect.stringMatching(/^(critical|warning|info)$/) });
      for (const a of ['summary', 'description', 'runbook_url']) expect({ alert: r.alert, [a]: r.annotations?.[a] }).toEqual({ alert: r.alert, [a]: expect.stringMatching(/\S/) });
    }
  });

  test('Alertmanager members are expected as configured', () => {
    const am = (findObject(env, 'PrometheusRule', 'alertmanager').spec.groups as FileGroup[])[0].rules.find((r) => r.alert === 'AlertmanagerMembersInconsistent')!;
    const replicas = ENVIRONMENTS.find((c) => c.environment === env)!.alertmanager.replicas;
    expect(am.expr).toBe(`max_over_time(alertmanager_cluster_members{job="alertmanager"}[5m]) < ${replicas}`);
  });
});

describe('config drives the groups', () => {
  const variant = (base: StackConfig, change: Partial<StackConfig>): StackConfig => ({ ...base, ...change });
  const prometheusRules = (files: Map<string, string>, env: string) =>
    [...files.entries()].filter(([p]) => p.startsWith(`${env}/operator/`)).flatMap(([, text]) => text.split(/^---$/m).map((d) => parse(d)).filter((o) => o?.kind === 'PrometheusRule'));

  test('without node-exporter, no node groups; the others stay', () => {
    const files = synthesizeEnvironment(variant(staging, { nodeExporter: { enabled: false } }));
    const names = prometheusRules(files, 'staging').flatMap((o) => o.spec.groups.map((g: FileGroup) => g.name));
    expect(names).not.toContain('node-exporter');
    expect(names).not.toContain('node-exporter.rules');
    expect(names).toContain('general');
  });

  test('alerts.upstreamRunbooks "runbookBaseUrl" links every alert to the environment\'s runbooks; the default links the public ones', () => {
    const own = synthesizeEnvironment(variant(production, { alerts: { ...production.alerts, upstreamRunbooks: 'runbookBaseUrl' } }));
    const urls = (files: Map<string, string>) =>
      prometheusRules(files, 'production')
        .flatMap((o) => o.spec.groups as FileGroup[])
        .filter((g) => ['general', 'node-exporter', 'prometheus', 'alertmanager'].includes(g.name))
        .flatMap((g) => g.rules)
        .filter((r) => r.alert)
        .map((r) => r.annotations!.runbook_url);
    expect(urls(own).every((u) => u.startsWith(`${production.runbookBaseUrl}#`))).toBe(true);
    const defaults = urls(synthesizeEnvironment(production));
    expect(defaults.filter((u) => u.startsWith('https://runbooks.prometheus-operator.dev/runbooks/')).length).toBe(defaults.length - 1); // PrometheusWALCorruptions is the stack's own
  });
});
