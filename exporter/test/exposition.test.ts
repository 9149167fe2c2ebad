import { ExpositionFormat, FamilyJson, formatValue, negotiateFormat, serialize } from '../src/exposition';
import { APP_METRICS } from '../src/catalogue';
import { AppMetrics } from '../src/metrics';
import { Counter, Histogram, Registry } from 'prom-client';
import { promtool } from '../../test/support/tools';

/**
 * The serializer as first written (every sample's labels formatted on their own), kept as the
 * reference for the one that reuses a histogram series' label text across its samples.
 */
function referenceSerialize(families: readonly FamilyJson[], format: ExpositionFormat): string {
  const escapeLabelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const escapeHelp = (v: string) => {
    const h = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return format === 'openmetrics' ? h.replace(/"/g, '\\"') : h;
  };
  const formatLabels = (labels: Readonly<Record<string, string | number>>) => {
    const keys = Object.keys(labels).filter((k) => k !== 'le');
    if ('le' in labels) keys.push('le');
    if (keys.length === 0) return '';
    const le = labels.le;
    return `{${keys.map((k) => `${k}="${escapeLabelValue(k === 'le' && typeof le === 'number' ? formatValue(le) : String(labels[k]))}"`).join(',')}}`;
  };
  const lines: string[] = [];
  for (const f of families) {
    const isCounter = f.type === 'counter';
    const family = format === 'openmetrics' && isCounter ? f.name.replace(/_total$/, '') : f.name;
    lines.push(`# HELP ${family} ${escapeHelp(f.help)}`, `# TYPE ${family} ${f.type}`);
    for (const v of f.values) lines.push(`${v.metricName ?? (format === 'openmetrics' && isCounter ? `${family}_total` : f.name)}${formatLabels(v.labels)} ${formatValue(v.value)}`);
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return lines.join('\n') + '\n';
}

const FAMILIES: FamilyJson[] = [
  { name: 'x_requests_total', help: 'Requests "quoted" \\ and\nnewline.', type: 'counter', values: [{ value: 3, labels: { path: 'a"b\\c\nd' } }] },
  { name: 'x_ratio', help: 'A ratio.', type: 'gauge', values: [{ value: NaN, labels: {} }, { value: Infinity, labels: { k: 'pos' } }, { value: -Infinity, labels: { k: 'neg' } }] },
  {
    name: 'x_seconds',
    help: 'A histogram.',
    type: 'histogram',
    values: [
      { value: 1, metricName: 'x_seconds_bucket', labels: { le: 0.5, a: 'b' } },
      { value: 2, metricName: 'x_seconds_bucket', labels: { le: '+Inf', a: 'b' } },
      { value: 0.9, metricName: 'x_seconds_sum', labels: { a: 'b' } },
      { value: 2, metricName: 'x_seconds_count', labels: { a: 'b' } },
    ],
  },
];

describe('exposition', () => {
  test('Prometheus text 0.0.4: escaping, special values, le last', () => {
    const text = serialize(FAMILIES, 'prometheus');
    expect(text).toBe(
      [
        '# HELP x_requests_total Requests "quoted" \\\\ and\\nnewline.',
        '# TYPE x_requests_total counter',
        'x_requests_total{path="a\\"b\\\\c\\nd"} 3',
        '# HELP x_ratio A ratio.',
        '# TYPE x_ratio gauge',
        'x_ratio NaN',
        'x_ratio{k="pos"} +Inf',
        'x_ratio{k="neg"} -Inf',
        '# HELP x_seconds A histogram.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{a="b",le="0.5"} 1',
        'x_seconds_bucket{a="b",le="+Inf"} 2',
        'x_seconds_sum{a="b"} 0.9',
        'x_seconds_count{a="b"} 2',
        '',
      ].join('\n'),
    );
    const r = promtool(['check', 'metrics'], { input: text });
    expect(r.output).toBe('');
  });

  test('OpenMetrics 1.0: counter family without _total, samples with it, # EOF', () => {
    const text = serialize(FAMILIES, 'openmetrics');
    expect(text.split('\n').slice(0, 3)).toEqual(['# HELP x_requests Requests \\"quoted\\" \\\\ and\\nnewline.', '# TYPE x_requests counter', 'x_requests_total{path="a\\"b\\\\c\\nd"} 3']);
    expect(text.endsWith('x_seconds_count{a="b"} 2\n# EOF\n')).toBe(true);
  });

  test.each(['prometheus', 'openmetrics'] as const)('%s: the same text as the reference serializer at the cardinality cap', async (format) => {
    const m = new AppMetrics({ maxSeries: 50 });
    for (const spec of APP_METRICS) {
      if (spec.category === 'exporter' || spec.category === 'slo') continue;
      // Past the cap (the rest folded into `other`).
      for (let i = 0; i < 60; i++) {
        const labels = Object.fromEntries(spec.labels.map((l) => [l, `${l}-${i}`]));
        if (spec.type === 'counter') m.inc(spec.name, labels, i + 1);
        else if (spec.type === 'histogram') m.observe(spec.name, labels, 0.01 * i);
        else m.set(spec.name, labels, i);
      }
    }
    const families = (await m.registry.getMetricsAsJSON()) as unknown as FamilyJson[];
    const text = serialize(families, format);
    expect(text.split('\n').length).toBeGreaterThan(2000);
    expect(text).toBe(referenceSerialize(families, format));
  });

  test.each(['prometheus', 'openmetrics'] as const)('%s: the same text as the reference with values that need escaping', async (format) => {
    // prom-client directly: the exporter's own label rules fold such values into `other`.
    const registry = new Registry();
    const c = new Counter({ name: 'z_total', help: 'c "q" \\ n\nl', labelNames: ['a', 'b'], registers: [registry] });
    const h = new Histogram({ name: 'z_seconds', help: 'h', labelNames: ['a'], buckets: [0.1, 1], registers: [registry] });
    for (let i = 0; i < 30; i++) {
      const a = `v${i % 5}${i % 3 === 0 ? '"\\\n' : ''}`;
      c.inc({ a, b: String(i) });
      h.observe({ a }, i / 10);
    }
    const families = (await registry.getMetricsAsJSON()) as unknown as FamilyJson[];
    const text = serialize(families, format);
    expect(text).toContain('a="v0\\"\\\\\\n"');
    expect(text).toBe(referenceSerialize(families, format));
  });

  test('label text is reused only for the same keys, in the same order, with the same values', () => {
    const families: FamilyJson[] = [
      {
        name: 'y',
        help: 'h',
        type: 'gauge',
        values: [
          { value: 1, labels: { a: '1' } },
          { value: 2, labels: { a: '1', b: '2' } },
          { value: 3, labels: { b: '2', a: '1' } },
          { value: 4, labels: { b: '2', a: 1 } },
          { value: 5, labels: { b: '2', a: '1' } },
          { value: 6, labels: { b: '2' } },
          { value: 7, labels: {} },
          { value: 8, labels: { le: 1 } },
          { value: 9, labels: { b: '2', le: '+Inf' } },
        ],
      },
    ];
    expect(serialize(families, 'prometheus').split('\n').slice(2, -1)).toEqual([
      'y{a="1"} 1',
      'y{a="1",b="2"} 2',
      'y{b="2",a="1"} 3',
      'y{b="2",a="1"} 4',
      'y{b="2",a="1"} 5',
      'y{b="2"} 6',
      'y 7',
      'y{le="1"} 8',
      'y{b="2",le="+Inf"} 9',
    ]);
    expect(serialize(families, 'prometheus')).toBe(referenceSerialize(families, 'prometheus'));
  });

  test('content negotiation', () => {
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text; version=1.0.0')).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics');
    expect(negotiateFormat('text/plain;q=1,application/openmetrics-text;q=0.5')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('prometheus');
  });
});
