import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, freshSynth } from './support/synth';
import { amtool, withFiles } from './support/tools';

/**
 * No alert reaches the synthesized output without a severity the routing knows (issue 15
 * item 8): every alerting rule of every rule file of both environments (the stack's alerts,
 * the Kubernetes and node alerts, the SLOs' burn-rate alerts, ...) has `severity` critical,
 * warning or info (`none` only for Watchdog and InfoInhibitor), and the environment's own
 * Alertmanager config (amtool of the pinned version) routes each severity and category to a
 * receiver that notifies someone.
 */

interface Rule {
  readonly alert?: string;
  readonly labels?: Record<string, string>;
}

function objects(env: string): any[] {
  return [...freshSynth()].filter(([path]) => path.startsWith(`${env}/`) && !path.includes('/operator/')).flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()));
}

function alertingRules(env: string): Rule[] {
  const maps = objects(env).filter((o) => o?.kind === 'ConfigMap' && /^prometheus-rules(-\d+)?$/.test(o.metadata.name));
  if (maps.length === 0) throw new Error(`${env}: no prometheus-rules ConfigMap`);
  return maps.flatMap((m) => Object.values(m.data as Record<string, string>)).flatMap((text) => (parse(text).groups as { rules: Rule[] }[]).flatMap((g) => g.rules)).filter((r) => r.alert);
}

const SILENT = ['discard', 'deadmans-switch'];

describe.each(ENVIRONMENTS.map((c) => c.environment))('%s', (env) => {
  const rules = alertingRules(env);

  test('every alerting rule has a severity the routing knows', () => {
    expect(rules.length).toBeGreaterThan(150);
    const bad = rules.filter((r) => {
      const s = r.labels?.severity;
      return r.alert === 'Watchdog' || r.alert === 'InfoInhibitor' ? s !== 'none' : !['critical', 'warning', 'info'].includes(s ?? '');
    });
    expect(bad.map((r) => `${r.alert}: severity ${String(r.labels?.severity)}`)).toEqual([]);
  });

  test('each severity and category is routed to a receiver that notifies (amtool config routes test)', () => {
    const config = objects(env).find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'alertmanager-config')?.data['alertmanager.yml'];
    expect(config).toBeDefined();
    const combos = [...new Set(rules.filter((r) => r.labels?.severity !== 'none').map((r) => `${r.labels!.severity}|${r.labels?.category ?? ''}`))];
    expect(combos.length).toBeGreaterThan(3);
    withFiles({ 'alertmanager.yml': config }, (dir) => {
      for (const combo of combos) {
        const [severity, category] = combo.split('|');
        const labels = [`alertname=Example`, `severity=${severity}`, ...(category ? [`category=${category}`] : [])];
        const res = amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels], { cwd: dir });
        expect({ labels, status: res.status }).toEqual({ labels, status: 0 });
        const receivers = res.stdout.trim().split(',').map((r) => r.trim());
        expect({ labels, receivers: receivers.filter((r) => !SILENT.includes(r)).length > 0 }).toEqual({ labels, receivers: true });
      }
      // Watchdog reaches only the dead man's switch (or nothing without one).
      const watchdog = amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', 'alertname=Watchdog', 'severity=none'], { cwd: dir }).stdout.trim();
      expect(SILENT).toContain(watchdog);
    });
  });
});
