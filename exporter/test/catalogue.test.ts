import { readFileSync } from 'fs';
import { join } from 'path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { APP_METRICS, CATALOGUE, LABELS, M, RUNTIME_METRICS, SUPPRESSED_RUNTIME_METRICS, catalogueMarkdown, labelsMarkdown } from '../src/catalogue';
import { AppMetrics } from '../src/metrics';
import { withTables } from '../scripts/readme-tables';

const README = join(__dirname, '..', 'README.md');

function between(text: string, start: string, end: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
  return text.slice(a + start.length, b).trim();
}

describe('metric catalogue', () => {
  test('names follow Prometheus conventions', () => {
    const names = new Set<string>();
    for (const m of CATALOGUE) {
      expect(m.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(names.has(m.name)).toBe(false);
      names.add(m.name);
      // counters and only counters end in _total
      expect(m.name.endsWith('_total')).toBe(m.type === 'counter');
      // base units appear in the name, before _total
      const stem = m.name.replace(/_total$/, '');
      for (const unit of ['seconds', 'bytes', 'ratio']) {
        if (m.unit === unit) expect({ name: m.name, unitInName: stem.endsWith(`_${unit}`) }).toEqual({ name: m.name, unitInName: true });
        if (stem.endsWith(`_${unit}`)) expect({ name: m.name, unit: m.unit }).toEqual({ name: m.name, unit });
      }
      expect(m.name).not.toMatch(/_(milliseconds|ms|percent|kilobytes|minutes)(_|$)/);
      expect(m.help.length).toBeGreaterThan(10);
      if (m.type === 'histogram') {
        const b = m.buckets ?? [];
        expect(b.length).toBeGreaterThan(3);
        expect([...b].sort((x, y) => x - y)).toEqual(b);
      } else {
        expect(m.buckets).toBeUndefined();
      }
    }
  });

  test('application metrics start with app_ and use only declared, bounded labels', () => {
    for (const m of APP_METRICS) {
      expect(m.name.startsWith('app_')).toBe(true);
      for (const l of m.labels) {
        expect(LABELS[l]).toBeDefined();
        expect(l).toMatch(/^[a-z_]+$/);
      }
    }
  });

  test('covers what issue 7 asks for', () => {
    const has = (name: string, labels: string[]) => {
      const m = CATALOGUE.find((x) => x.name === name);
      expect(m).toBeDefined();
      expect(m?.labels).toEqual(labels);
    };
    has(M.activeUsers, ['tier']);
    has(M.revenue, ['product', 'region']);
    has(M.transactions, ['type', 'status']);
    has(M.featureUsage, ['feature', 'tier']);
    has(M.httpRequests, ['method', 'route', 'status_class']);
    has(M.httpRequestDuration, ['method', 'route', 'status_class']);
    has(M.httpRequestSize, ['method', 'route']);
    has(M.httpResponseSize, ['method', 'route', 'status_class']);
    has(M.errors, ['type', 'route', 'status_class']);
    has(M.dbPoolConnections, ['pool', 'state']);
    has(M.dbPoolMaxConnections, ['pool']);
    has(M.dbPoolWaiters, ['pool']);
    has(M.dbQueryDuration, ['pool', 'operation']);
    has(M.cacheHits, ['cache']);
    has(M.cacheMisses, ['cache']);
    has(M.queueDepth, ['queue']);
    has(M.queueProcessingDuration, ['queue']);
    has(M.sloAvailability, ['slo', 'window']);
    has(M.sloErrorBudgetRemaining, ['slo', 'window']);
    has(M.sloBurnRate, ['slo', 'window']);
    has(M.exporterSeriesDropped, ['metric']);
    expect(LABELS.tier?.values).toEqual(['free', 'premium', 'enterprise']);
  });

  test('RUNTIME_METRICS are exactly prom-client 15 default metrics minus the suppressed _total gauges', async () => {
    const r = new Registry();
    collectDefaultMetrics({ register: r });
    const actual = (await r.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type), help: m.help }));
    const expected = [...RUNTIME_METRICS.map((m) => ({ name: m.name, type: m.type, help: m.help })), ...SUPPRESSED_RUNTIME_METRICS.map((name) => ({ name, type: 'gauge' }))];
    expect(actual.map((m) => m.name).sort()).toEqual(expected.map((m) => m.name).sort());
    for (const m of RUNTIME_METRICS) {
      const a = actual.find((x) => x.name === m.name);
      expect(a).toEqual({ name: m.name, type: m.type, help: m.help });
    }
  });

  test('the registry exports exactly the catalogue, in catalogue order, with its help and type', async () => {
    const metrics = new AppMetrics({ defaultMetrics: true });
    const families = await metrics.registry.getMetricsAsJSON();
    expect(families.map((f) => f.name)).toEqual(CATALOGUE.map((m) => m.name));
    families.forEach((f, i) => {
      expect(f.help).toBe(CATALOGUE[i]?.help);
      expect(String(f.type)).toBe(CATALOGUE[i]?.type);
    });
    const text = await metrics.render();
    for (const name of SUPPRESSED_RUNTIME_METRICS) expect(text).not.toContain(name);
  });

  test('exporter/README.md carries the generated catalogue, label and flag tables (run exporter/scripts/readme-tables.ts)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(between(readme, '<!-- catalogue:start -->', '<!-- catalogue:end -->')).toBe(catalogueMarkdown());
    expect(between(readme, '<!-- labels:start -->', '<!-- labels:end -->')).toBe(labelsMarkdown());
    expect(withTables(readme)).toBe(readme);
    for (const m of CATALOGUE) expect(readme).toContain(`| \`${m.name}\` |`);
  });
});
