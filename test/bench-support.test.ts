/**
 * The benchmarks' own inputs stay valid (no timing here: bench/ measures, tests do not):
 * the event batches they post must be accepted by the exporter, or the ingestion and
 * cardinality figures would measure 400 answers; the statistics they print must be right.
 */
import { capBatches, eventBatch } from '../bench/exporter';
import { median, percentile } from '../bench/support/common';
import { gettingStartedSlo, serviceName } from '../bench/support/services';
import { validateBatch } from '../exporter/src/sources/events';
import { validateSlos } from '../lib/observability/slo';

describe('bench inputs', () => {
  test('the ingestion batches are valid event batches', () => {
    for (const n of [1, 20, 100]) {
      const r = validateBatch(eventBatch(n));
      expect(r.ok ? r.events.length : r.problems).toBe(n);
    }
  });

  test('the cardinality batches are valid and exceed the cap of every open-labelled metric', () => {
    const batches = capBatches(600);
    for (const b of batches) {
      const r = validateBatch({ events: b });
      expect(r.ok ? 'ok' : r.problems.slice(0, 3)).toBe('ok');
    }
    const kinds = new Set(batches.flat().map((e) => (e as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(['active_users', 'cache', 'db_pool', 'db_query', 'error', 'feature_usage', 'queue_depth', 'queue_job', 'request', 'revenue', 'transaction']);
    const routes = new Set(batches[0].map((e) => (e as { route: string }).route));
    expect(routes.size).toBe(600);
  });

  test('the benchmark SLO is a valid SLO per service', () => {
    const slos = validateSlos([gettingStartedSlo(serviceName(0)), gettingStartedSlo(serviceName(1))]);
    expect(slos.map((s) => s.id)).toEqual(['svc-0000-requests-availability', 'svc-0001-requests-availability']);
  });
});

describe('bench statistics', () => {
  test('median and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });
});
