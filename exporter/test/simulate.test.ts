import { M } from '../src/catalogue';
import { memoryLogger } from '../src/log';
import { AppMetrics } from '../src/metrics';
import { Simulator, SimulatorOptions, dailyTraffic, incidentProblems } from '../src/sources/simulate';
import { sample, seriesOf, sumOf, withoutRuntime } from './support/helpers';

const DAY0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const H = 3_600_000;

function run(seed: number, steps: number, startMs = DAY0 + 10 * H, dt = 15, options: Partial<SimulatorOptions> = {}) {
  let now = startMs;
  const m = new AppMetrics({ defaultMetrics: false, now: () => now });
  const sim = new Simulator(m, { seed, now: () => now, ...options });
  for (let i = 0; i < steps; i++) {
    now += dt * 1000;
    sim.step(now, dt);
  }
  return { m, sim, now: () => now };
}

const fiveXX = (t: string) => seriesOf(t, M.httpRequests).filter((l) => l.includes('status_class="5xx"')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);

describe('simulate source', () => {
  test('reproducible: the same seed and step times give the same metrics; another seed does not', async () => {
    const a = withoutRuntime(await run(42, 40).m.render());
    const b = withoutRuntime(await run(42, 40).m.render());
    const c = withoutRuntime(await run(43, 40).m.render());
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(sumOf(a, M.httpRequests)).toBeGreaterThan(1000);
  });

  test('every application metric gets data', async () => {
    const t = await run(1, 20).m.render();
    for (const name of [M.activeUsers, M.revenue, M.transactions, M.featureUsage, M.httpRequests, M.errors, M.dbPoolConnections, M.dbPoolMaxConnections, M.dbPoolWaiters, M.cacheHits, M.cacheMisses, M.queueDepth]) {
      expect(seriesOf(t, name).length).toBeGreaterThan(0);
    }
    for (const name of [M.httpRequestDuration, M.httpRequestSize, M.httpResponseSize, M.dbQueryDuration, M.queueProcessingDuration]) {
      expect(seriesOf(t, `${name}_count`).length).toBeGreaterThan(0);
    }
    for (const name of [M.sloAvailability, M.sloBurnRate, M.sloErrorBudgetRemaining]) expect(seriesOf(t, name).length).toBe(16);
  });

  test('daily pattern: three times the traffic at 15:00 UTC as at 03:00 UTC', async () => {
    expect(dailyTraffic(DAY0 + 3 * H)).toBeCloseTo(0.5, 9);
    expect(dailyTraffic(DAY0 + 15 * H)).toBeCloseTo(1.5, 9);
    const night = sumOf(await run(5, 40, DAY0 + 3 * H - 300_000).m.render(), M.httpRequests);
    const day = sumOf(await run(5, 40, DAY0 + 15 * H - 300_000).m.render(), M.httpRequests);
    // 20 rps x 600 s x factor; Poisson noise is well within 10 %
    expect(night).toBeGreaterThan(0.9 * 6000);
    expect(night).toBeLessThan(1.1 * 6000);
    expect(day / night).toBeGreaterThan(2.6);
    expect(day / night).toBeLessThan(3.4);
  });

  test('baseline errors stay within the availability objective; spontaneous bursts happen', async () => {
    // 2 hours without bursts (~140k requests): about 0.05 % 5xx
    const quiet = run(9, 480, DAY0 + 12 * H, 15, { burstsPerDay: 0 });
    const t = await quiet.m.render();
    const ratio = fiveXX(t) / sumOf(t, M.httpRequests);
    expect(ratio).toBeGreaterThan(0.0002);
    expect(ratio).toBeLessThan(0.001);

    // with many bursts a day, some 5-minute windows burn fast (14.4x is the 1h page threshold)
    let now = DAY0;
    const m = new AppMetrics({ defaultMetrics: false, now: () => now });
    const sim = new Simulator(m, { seed: 9, burstsPerDay: 96, requestsPerSecond: 4, now: () => now });
    let maxBurn = 0;
    for (let i = 0; i < 720; i++) {
      now += 15_000;
      sim.step(now, 15);
      if (i % 4 === 0) {
        const v = m.slo.snapshot(now).find((x) => x.slo === 'availability' && x.window === '5m');
        maxBurn = Math.max(maxBurn, v?.burnRate ?? 0);
      }
    }
    expect(maxBurn).toBeGreaterThan(14.4);
  });

  test('bursts are logged when they start; --bursts-per-day 0 gives none, at any seed', () => {
    const starts = (burstsPerDay: number, seed: number) => {
      const log = memoryLogger();
      // A day in 1-minute steps without requests (bursts do not depend on traffic).
      run(seed, 1440, DAY0, 60, { burstsPerDay, requestsPerSecond: 0, logger: log });
      return log.records.filter((l) => l.msg === 'simulated error burst started');
    };
    const some = starts(48, 3);
    expect(some.length).toBeGreaterThan(20);
    expect(some[0]).toMatchObject({ level: 'warn', errorRatio: expect.any(Number), startedAt: expect.any(String), endsAt: expect.any(String) });
    for (const seed of [3, 7]) expect(starts(0, seed)).toEqual([]);
  });

  test('a forced incident fails exactly its ratio of requests (not at random): the share of 5xx never wanders back across it', async () => {
    let now = DAY0 + 12 * H;
    const m = new AppMetrics({ defaultMetrics: false, now: () => now });
    const sim = new Simulator(m, { seed: 5, burstsPerDay: 0, requestsPerSecond: 1000, now: () => now });
    sim.startIncident({ errorRatio: 0.0025, durationSeconds: 0 });
    let lastFailed = 0;
    let lastTotal = 0;
    for (let i = 0; i < 120; i++) {
      now += 1000;
      sim.step(now, 1);
      const t = await m.render();
      const failed = fiveXX(t);
      const total = sumOf(t, M.httpRequests);
      // Within one request of the ratio at every step: floor(0.0025 x requests so far).
      expect(Math.abs(failed - 0.0025 * total)).toBeLessThanOrEqual(1);
      // Each second (about 1000 requests) adds 2 or 3 failures, never none.
      if (i > 0) expect(failed - lastFailed).toBeGreaterThanOrEqual(Math.floor(0.0025 * (total - lastTotal)));
      lastFailed = failed;
      lastTotal = total;
    }
  });

  test('a forced incident drives the 5xx ratio to its error ratio, then ends', async () => {
    const log = memoryLogger();
    let now = DAY0 + 12 * H;
    const m = new AppMetrics({ defaultMetrics: false, now: () => now });
    const sim = new Simulator(m, { seed: 11, burstsPerDay: 0, logger: log, now: () => now });
    const state = sim.startIncident({ errorRatio: 0.5, durationSeconds: 300, latencyFactor: 3 });
    expect(state).toEqual({ active: true, errorRatio: 0.5, latencyFactor: 3, startedAt: new Date(now).toISOString(), endsAt: new Date(now + 300_000).toISOString() });
    let t = await m.render();
    expect(sample(t, M.exporterIncidentActive)).toBe(1);
    expect(sample(t, M.exporterIncidentErrorRatio)).toBe(0.5);
    for (let i = 0; i < 20; i++) {
      now += 15_000;
      sim.step(now, 15);
    }
    t = await m.render();
    const r = fiveXX(t) / sumOf(t, M.httpRequests);
    expect(r).toBeGreaterThan(0.45);
    expect(r).toBeLessThan(0.55);
    const burn5m = m.slo.snapshot(now).find((x) => x.slo === 'availability' && x.window === '5m');
    expect(burn5m?.burnRate).toBeGreaterThan(400);
    // it ended after 300 s
    expect(sim.incident(now).active).toBe(false);
    expect(sample(t, M.exporterIncidentActive)).toBe(0);
    const before = fiveXX(t);
    for (let i = 0; i < 20; i++) {
      now += 15_000;
      sim.step(now, 15);
    }
    t = await m.render();
    expect(fiveXX(t) - before).toBeLessThan(10);
    expect(log.records[0]).toMatchObject({ level: 'warn', msg: 'simulated incident started', errorRatio: 0.5 });
  });

  test('an open-ended incident runs until stopped', () => {
    let now = DAY0;
    const m = new AppMetrics({ defaultMetrics: false, now: () => now });
    const sim = new Simulator(m, { seed: 1, now: () => now });
    expect(sim.startIncident({ errorRatio: 1, durationSeconds: 0 }).endsAt).toBeNull();
    now += 30 * 86_400_000;
    expect(sim.incident().active).toBe(true);
    expect(sim.stopIncident()).toEqual({ active: false, errorRatio: 0, latencyFactor: 1 });
    expect(() => sim.startIncident({ errorRatio: 0, durationSeconds: 1 })).toThrow('errorRatio: must be a number in (0, 1]');
  });

  test('incident requests are validated', () => {
    expect(incidentProblems({ errorRatio: 0.5, durationSeconds: 300 })).toEqual([]);
    expect(incidentProblems({ errorRatio: 2, durationSeconds: -1, latencyFactor: 0.5, x: 1 })).toEqual([
      'x: unknown field; allowed: errorRatio, durationSeconds, latencyFactor',
      'errorRatio: must be a number in (0, 1], e.g. 0.5, got 2',
      'durationSeconds: must be a number of seconds >= 0 (0 = until DELETE /v1/incident), got -1',
      'latencyFactor: must be a number from 1 to 100, got 0.5',
    ]);
    expect(incidentProblems('x')).toHaveLength(1);
  });

  test('the timer loop steps on the interval and stops', async () => {
    const m = new AppMetrics({ defaultMetrics: false });
    const sim = new Simulator(m, { seed: 1 });
    sim.start(0.1);
    await new Promise((r) => setTimeout(r, 550));
    sim.stop();
    const n = sim.steps;
    expect(n).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 250));
    expect(sim.steps).toBe(n);
  });
});
