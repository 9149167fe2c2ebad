import { M } from '../src/catalogue';
import { AppMetrics } from '../src/metrics';
import { SlidingWindow, SloTracker, parseWindow, sloProblems } from '../src/slo';
import { Random } from '../src/random';
import { sample, seriesOf } from './support/helpers';

const S = 1000;

describe('sliding windows', () => {
  test('parseWindow', () => {
    expect(parseWindow('5m')).toBe(300);
    expect(parseWindow('30d')).toBe(2592000);
    expect(parseWindow('1w')).toBe(604800);
    expect(parseWindow('90s')).toBe(90);
    expect(parseWindow('0m')).toBeUndefined();
    expect(parseWindow('1h30m')).toBeUndefined();
    expect(parseWindow('5')).toBeUndefined();
  });

  test('resolution: 1 s buckets up to 1 h, W/3600 beyond', () => {
    expect(new SlidingWindow(300).resolutionMs).toBe(1000);
    expect(new SlidingWindow(3600).resolutionMs).toBe(1000);
    expect(new SlidingWindow(6 * 3600).resolutionMs).toBe(6000);
    expect(new SlidingWindow(30 * 86400).resolutionMs).toBe(720000);
  });

  test('a window holds (now - W, now] for whole-second times', () => {
    const w = new SlidingWindow(300);
    w.add(100 * S, 1, 1);
    w.add(150 * S, 0, 1);
    w.add(151 * S, 1, 2);
    expect(w.read(399 * S)).toEqual({ good: 2, total: 4 }); // (99, 399]: 100, 150, 151
    expect(w.read(449 * S)).toEqual({ good: 1, total: 3 }); // (149, 449]: 150, 151
    w.add(450 * S, 1, 1);
    expect(w.read(450 * S)).toEqual({ good: 2, total: 3 }); // (150, 450]: 151, 450
    expect(w.read(451 * S)).toEqual({ good: 1, total: 1 }); // (151, 451]: 450
    expect(w.read(750 * S)).toEqual({ good: 0, total: 0 }); // (450, 750]
    // a late event older than the window is ignored, not added to a recycled bucket
    w.add(150 * S, 1, 1); // its slot now holds t=450
    expect(w.read(450 * S)).toEqual({ good: 2, total: 3 });
  });

  test('matches a brute-force window over random events, for fine and coarse windows', () => {
    const rng = new Random(7);
    for (const seconds of [300, 3600, 6 * 3600, 30 * 86400]) {
      const w = new SlidingWindow(seconds);
      const events: { t: number; good: number }[] = [];
      let t = 1_700_000_000_000;
      for (let i = 0; i < 3000; i++) {
        t += Math.floor(rng.uniform(0, (seconds * S) / 500));
        const good = rng.chance(0.9) ? 1 : 0;
        events.push({ t, good });
        w.add(t, good, 1);
        if (i % 97 === 0) {
          // brute force by the documented rule: bucket(t) > bucket(now) - B
          const r = w.resolutionMs;
          const kNow = Math.floor(t / r);
          const inWindow = events.filter((e) => Math.floor(e.t / r) > kNow - w.buckets);
          expect(w.read(t)).toEqual({ good: inWindow.reduce((s, e) => s + e.good, 0), total: inWindow.length });
          // and within one bucket of the exact (now - W, now]
          const exact = events.filter((e) => e.t > t - seconds * S).length;
          const slack = events.filter((e) => e.t > t - seconds * S - r && e.t <= t - seconds * S + r).length;
          expect(Math.abs(inWindow.length - exact)).toBeLessThanOrEqual(slack);
        }
      }
    }
  });

  test('SLO definitions are validated', () => {
    expect(sloProblems([{ name: 'a', kind: 'availability', objective: 1 }], [{ label: '5m', seconds: 300 }])[0]).toMatch(/strictly between 0 and 1/);
    expect(sloProblems([{ name: 'l', kind: 'latency', objective: 0.99, thresholdSeconds: 0.3 }], [{ label: '5m', seconds: 300 }])[0]).toMatch(/must be one of the request duration buckets/);
    expect(sloProblems([], [])).toEqual(['at least one SLO window is needed']);
  });
});

describe('SLO gauges against a hand-computed window', () => {
  // availability 99.9 %, latency 99 % within 0.5 s; windows 5m and 30m
  const slos = [
    { name: 'availability', kind: 'availability' as const, objective: 0.999 },
    { name: 'latency', kind: 'latency' as const, objective: 0.99, thresholdSeconds: 0.5 },
  ];
  const windows = [
    { label: '5m', seconds: 300 },
    { label: '30m', seconds: 1800 },
  ];

  test('tracker values', () => {
    const tr = new SloTracker(slos, windows);
    // t = 10 s: 100 requests, 1 is a 503, 3 are slow (0.7 s) 200s
    for (let i = 0; i < 100; i++) tr.record(10 * S, { status: i === 0 ? 503 : 200, durationSeconds: i < 4 && i > 0 ? 0.7 : 0.1 });
    // t = 400 s: 50 requests, 5 are 500s, 1 is exactly at the threshold (good), 1 is slow
    for (let i = 0; i < 50; i++) tr.record(400 * S, { status: i < 5 ? 500 : 200, durationSeconds: i === 10 ? 0.5 : i === 11 ? 0.51 : 0.05 });

    const at = (now: number) => Object.fromEntries(tr.snapshot(now * S).map((v) => [`${v.slo}/${v.window}`, v]));
    const v = at(450);
    // 5m = (150, 450]: only the t=400 batch
    expect(v['availability/5m']).toMatchObject({ good: 45, total: 50 });
    expect(v['availability/5m']?.ratio).toBeCloseTo(0.9, 12);
    expect(v['availability/5m']?.burnRate).toBeCloseTo(0.1 / 0.001, 6); // 100
    expect(v['availability/5m']?.budgetRemaining).toBeCloseTo(1 - 100, 6); // -99: overspent
    expect(v['latency/5m']).toMatchObject({ good: 49, total: 50 });
    expect(v['latency/5m']?.burnRate).toBeCloseTo(0.02 / 0.01, 6); // 2
    // 30m = (-1350, 450]: both batches
    expect(v['availability/30m']).toMatchObject({ good: 144, total: 150 });
    expect(v['availability/30m']?.ratio).toBeCloseTo(0.96, 12);
    expect(v['availability/30m']?.burnRate).toBeCloseTo(40, 6);
    expect(v['latency/30m']).toMatchObject({ good: 146, total: 150 });
    expect(v['latency/30m']?.burnRate).toBeCloseTo(4 / 150 / 0.01, 6);

    // at 700 s the 5m window (400, 700] is empty: no ratio at all (0/0), not 1 and not 0
    const later = at(700);
    expect(later['availability/5m']).toEqual({ slo: 'availability', window: '5m', objective: 0.999, good: 0, total: 0 });
    expect(later['availability/30m']).toMatchObject({ good: 144, total: 150 });
    // at 1811 s the first batch (t=10) has left the 30m window (11, 1811]
    expect(at(1811)['availability/30m']).toMatchObject({ good: 45, total: 50 });
  });

  test('exported gauges follow the windows, and are absent for an empty window', async () => {
    let now = 0;
    const m = new AppMetrics({ slos, windows, now: () => now, defaultMetrics: false });
    for (let i = 0; i < 100; i++) m.observeRequest({ method: 'GET', route: '/a', status: i === 0 ? 503 : 200, durationSeconds: i < 4 && i > 0 ? 0.7 : 0.1 }, 10 * S);
    for (let i = 0; i < 50; i++) m.observeRequest({ method: 'GET', route: '/a', status: i < 5 ? 500 : 200, durationSeconds: i === 10 ? 0.5 : i === 11 ? 0.51 : 0.05 }, 400 * S);
    now = 450 * S;
    let text = await m.render();
    expect(sample(text, `${M.sloObjective}{slo="availability"}`)).toBe(0.999);
    expect(sample(text, `${M.sloAvailability}{slo="availability",window="5m"}`)).toBeCloseTo(0.9, 12);
    expect(sample(text, `${M.sloBurnRate}{slo="availability",window="5m"}`)).toBeCloseTo(100, 6);
    expect(sample(text, `${M.sloErrorBudgetRemaining}{slo="availability",window="5m"}`)).toBeCloseTo(-99, 6);
    expect(sample(text, `${M.sloAvailability}{slo="availability",window="30m"}`)).toBeCloseTo(0.96, 12);
    expect(sample(text, `${M.sloBurnRate}{slo="latency",window="5m"}`)).toBeCloseTo(2, 6);
    expect(sample(text, `${M.sloAvailability}{slo="latency",window="30m"}`)).toBeCloseTo(146 / 150, 12);

    // the same SLI computed the way PromQL would from the exported counters (all events are in 30m)
    const bad = sample(text, `${M.httpRequests}{method="GET",route="/a",status_class="5xx"}`) as number;
    const good = sample(text, `${M.httpRequests}{method="GET",route="/a",status_class="2xx"}`) as number;
    expect(1 - bad / (bad + good)).toBeCloseTo(sample(text, `${M.sloAvailability}{slo="availability",window="30m"}`) as number, 12);
    const fast = (sample(text, `${M.httpRequestDuration}_bucket{method="GET",route="/a",status_class="2xx",le="0.5"}`) as number) + (sample(text, `${M.httpRequestDuration}_bucket{method="GET",route="/a",status_class="5xx",le="0.5"}`) as number);
    expect(fast / (bad + good)).toBeCloseTo(sample(text, `${M.sloAvailability}{slo="latency",window="30m"}`) as number, 12);

    now = 700 * S;
    text = await m.render();
    expect(sample(text, `${M.sloAvailability}{slo="availability",window="5m"}`)).toBeUndefined();
    expect(sample(text, `${M.sloBurnRate}{slo="latency",window="5m"}`)).toBeUndefined();
    expect(sample(text, `${M.sloAvailability}{slo="availability",window="30m"}`)).toBeCloseTo(0.96, 12);
    expect(seriesOf(text, M.sloBurnRate)).toHaveLength(2);
  });
});
