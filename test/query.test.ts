/**
 * The PromQL check behind every rule, alert and dashboard query is memoized by shape
 * (lib/observability/query.ts): a text whose shape already parsed is not parsed again. That
 * memo must never turn an invalid expression into a valid one, nor change an error message.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { parsePromqlError, promqlError, promqlShape } from '../lib/observability/query';

/** Every rule expression of the committed dist/ (the Prometheus rule files of both environments). */
function distExpressions(): string[] {
  const exprs: string[] = [];
  for (const env of ['staging', 'production']) {
    const dir = join(__dirname, '..', 'dist', env, 'operator');
    for (const file of readdirSync(dir).filter((f) => f !== 'kustomization.yaml')) {
      for (const doc of readFileSync(join(dir, file), 'utf8').split(/^---$/m)) {
        const obj = parse(doc) as { kind?: string; spec?: { groups?: { rules: { expr: string }[] }[] } } | null;
        if (obj?.kind !== 'PrometheusRule') continue;
        for (const g of obj.spec?.groups ?? []) for (const r of g.rules) exprs.push(r.expr);
      }
    }
  }
  return exprs;
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('promqlShape', () => {
  test('strings become "" and range durations [1m]; the rest is kept', () => {
    expect(promqlShape('sum(rate(http_requests_total{code=~"5..",job=\'a\'}[5m])) / sum(rate(x[1h30m]))')).toBe(
      'sum(rate(http_requests_total{code=~"",job=""}[1m])) / sum(rate(x[1m]))',
    );
    expect(promqlShape('label_replace(x, "w", `1h/5m`, "", "")')).toBe('label_replace(x, "", "", "", "")');
    expect(promqlShape('x{a="q\\"uote"} # a "comment\ny')).toBe('x{a=""} # a "comment\ny');
    // Names keep their digits: log2 and log0 are not the same function.
    expect(promqlShape('log2(slo:sli_error:ratio_rate5m)')).toBe('log2(slo:sli_error:ratio_rate5m)');
    // Subqueries, offsets and hex numbers are left as they are.
    expect(promqlShape('max_over_time(x[5m:1m] offset 5m) + 0x5d')).toBe('max_over_time(x[5m:1m] offset 5m) + 0x5d');
  });

  test('a string the scan cannot delimit like the lexer gives no shape (the text is parsed as it is)', () => {
    expect(promqlShape('x{a="unterminated}')).toBeUndefined();
    expect(promqlShape('x{a="across\na line"}')).toBeUndefined();
    expect(promqlShape('x{a=`raw')).toBeUndefined();
  });
});

describe('promqlError memoized by shape agrees with a fresh parse', () => {
  const valid = distExpressions();

  test('the corpus is large and valid', () => {
    expect(valid.length).toBeGreaterThan(150);
    for (const e of valid) expect({ e, err: parsePromqlError(e) }).toEqual({ e, err: undefined });
  });

  test('mutations of valid expressions: same verdict and message as parsing them afresh', () => {
    for (const e of valid) promqlError(e); // warm the shape memo with every valid shape
    const rand = prng(20261127);
    const inserts = ['"', "'", '`', '(', ')', '[', ']', '{', '}', '#', '\n', '\\', ',', ' by ', 'x', '5x', '[5m', '1m]'];
    let invalid = 0;
    let checked = 0;
    let sameShape = 0;
    for (const e of valid) {
      for (let k = 0; k < 12; k++) {
        const at = Math.floor(rand() * (e.length + 1));
        const mutated =
          k % 3 === 0
            ? e.slice(0, at) + inserts[Math.floor(rand() * inserts.length)] + e.slice(at)
            : k % 3 === 1
              ? e.slice(0, at) + e.slice(at + 1)
              : e.replace(/\[(\d+)([smhdwy])\]/, (_m, n: string, u: string) => (rand() < 0.5 ? `[${n}${u}${u}]` : `[${n}]`));
        const fresh = parsePromqlError(mutated);
        expect({ mutated, err: promqlError(mutated) }).toEqual({ mutated, err: fresh });
        checked++;
        if (fresh) invalid++;
        if (mutated !== e && promqlShape(mutated) === promqlShape(e)) sameShape++;
      }
    }
    // The mutations must exercise the invalid side, or this test could not fail.
    expect(checked).toBeGreaterThan(1000);
    expect(invalid).toBeGreaterThan(checked / 4);
    // ... and texts that differ from a valid one only inside a string (answered by the memo).
    expect(sameShape).toBeGreaterThan(100);
  });

  test('a text of an already valid shape is valid without parsing; an invalid one keeps its own message', () => {
    expect(promqlError('sum(rate(a{svc="one"}[5m]))')).toBeUndefined();
    expect(promqlError('sum(rate(a{svc="two"}[30m]))')).toBeUndefined();
    expect(promqlError('sum(rate(a{svc="two"}[30m])')).toEqual(parsePromqlError('sum(rate(a{svc="two"}[30m])'));
    expect(promqlError('sum(rate(a{svc="two"}[30m])')?.message).toMatch(/syntax error at character/);
  });
});

describe('the SLO query classifiers, memoized by shape, answer as if asked afresh', () => {
  // Each classifier's answer must not depend on what was asked before: ask in two orders,
  // each in a fresh copy of the module (empty memo), and compare with one fresh module per query.
  const queries = [
    'sum(rate(http_requests_total{code=~"5..",job="a"}[5m]))',
    'sum(rate(http_requests_total{code=~"5..",job="b"}[3d]))',
    'sum by (code) (rate(http_requests_total{job="a"}[5m]))',
    'sum by () (rate(x{a="b"}[1h]))',
    '(sum(rate(a{le="0.5"}[5m])) - sum(rate(b{le="+Inf"}[5m])))',
    'sum_over_time((count(up{job="x"} == 0))[5m:])',
    'label_replace(sum(rate(x[5m])), "a", "b", "", "")',
    'max_over_time(sum(rate(x{y="z"}[5m]))[1h:])',
    'topk(1, sum(rate(x[5m])))',
    'vector(1)',
    'sum(rate(x{a="unterminated}[5m]))',
    'sum(rate(x[5m]',
  ];
  type Classifiers = typeof import('../lib/observability/slo/promql');
  const fresh = (): Classifiers => {
    let m: Classifiers | undefined;
    jest.isolateModules(() => {
      m = require('../lib/observability/slo/promql') as Classifiers;
    });
    return m!;
  };
  const answers = (m: Classifiers, qs: string[]) => new Map(qs.map((q) => [q, [m.isEventAggregation(q), m.isLabelFreeVector(q)]]));

  test('same answers in any order, and as one fresh module per query', () => {
    const one = new Map(queries.map((q) => [q, [...answers(fresh(), [q]).get(q)!]]));
    expect(answers(fresh(), queries)).toEqual(one);
    expect(answers(fresh(), [...queries].reverse())).toEqual(one);
    // The set is not trivial: both answers occur for both classifiers.
    const values = [...one.values()];
    expect(new Set(values.map((v) => v[0]))).toEqual(new Set([true, false]));
    expect(new Set(values.map((v) => v[1]))).toEqual(new Set([true, false]));
  });
});
