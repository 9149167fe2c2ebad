import { FamilyJson, negotiateFormat, serialize } from '../src/exposition';
import { promtool } from '../../test/support/tools';

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
