import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parse } from 'yaml';
import {
  DEFAULT_ALERT_WINDOWS,
  GOOGLE_28D_WINDOWS,
  GOOGLE_30D_WINDOWS,
  SEVEN_DAY_WINDOWS,
  Slo,
  SloDeclaration,
  SloValidationError,
  bucketMatcher,
  burnRateAlertExpression,
  burnRateWindows,
  exporterSlos,
  formatDuration,
  generateSloRuleGroups,
  goFloat,
  goFloatFixed,
  loadSlothSpec,
  parseDuration,
  readSlothAlertWindows,
  readSlothSpec,
  sliExpression,
  sliWindows,
  sloRuleFile,
  sloRuleGroups,
  validateSlo,
  validateSlos,
  windowPairName,
} from '../lib/observability/slo';
import { isEventAggregation, isLabelFreeVector } from '../lib/observability/slo/promql';
import { AlertingRule, RecordingRule, isAlertingRule, renderRuleFile, ruleGroupProblems } from '../lib/observability/rule-group';
import { toYaml } from '../lib/render/yaml';
import { promtool, withFiles } from './support/tools';
import { seriesValues } from './support/slo-series';

const FIXTURES = join(__dirname, 'fixtures', 'slo');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const checkout = () => loadSlothSpec(fixture('checkout.yml'), { source: 'checkout.yml' });

/** The problems of an invalid input (fails the test if the input is valid). */
function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SloValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected a SloValidationError');
}

const api = (over: Partial<SloDeclaration> = {}): SloDeclaration => ({
  service: 'api',
  name: 'availability',
  objective: 99.9,
  sli: { events: { errorQuery: 'sum(rate(api_requests_total{code=~"5.."}[{{.window}}]))', totalQuery: 'sum(rate(api_requests_total[{{.window}}]))' } },
  alerting: { name: 'ApiAvailability', pageAlert: { labels: { severity: 'critical' } }, ticketAlert: { labels: { severity: 'warning' } } },
  ...over,
});

// ---------------------------------------------------------------- promtool harness

/** Counter values (starting at 0 at t=0) from per-minute increments given as [minutes, increment] runs. */
function counterOf(...runs: Array<[number, number]>): string {
  const values = [0];
  for (const [minutes, inc] of runs) for (let i = 0; i < minutes; i++) values.push(values[values.length - 1] + inc);
  return seriesValues(values);
}

/** Run `promtool test rules` on the groups with the given test groups; group order = file order. */
function promtoolTest(groups: ReturnType<typeof generateSloRuleGroups>, tests: unknown[]) {
  const test = toYaml({ rule_files: ['rules.yml'], evaluation_interval: '1m', group_eval_order: groups.map((g) => g.name), tests });
  return withFiles({ 'rules.yml': renderRuleFile(groups), 'test.yml': test }, (dir) => promtool(['test', 'rules', 'test.yml'], { cwd: dir }));
}

function expectPass(res: { status: number; output: string }) {
  expect(res.output).toContain('SUCCESS');
  expect(res.status).toBe(0);
}

/** The firing (or pending) alerts of one name by severity and window pair, as a promql_expr_test. */
function alertsAt(alertname: string, evalTime: string, expected: Array<[string, string]>, state = 'firing') {
  return {
    expr: `group by (sloth_severity, sloth_alert_window) (ALERTS{alertname="${alertname}", alertstate="${state}"})`,
    eval_time: evalTime,
    exp_samples: expected.map(([severity, pair]) => ({ labels: `{sloth_alert_window="${pair}", sloth_severity="${severity}"}`, value: 1 })),
  };
}

const CHECKOUT_SLI_LABELS = 'sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability", team="payments", tier="1"';

// ---------------------------------------------------------------- step 0: number and duration text

describe('format: Go and Prometheus spelling', () => {
  test('goFloat matches Go %g for the values Sloth writes', () => {
    expect(goFloat(99.9 / 100)).toBe('0.9990000000000001');
    expect(goFloat((100 - 99.9) / 100)).toBe('0.0009999999999999432');
    expect(goFloat((100 - 99.99) / 100)).toBe('0.00010000000000005117');
    expect(goFloat((100 - 99.999) / 100)).toBe('1.0000000000047748e-05');
    expect(goFloat(14.4)).toBe('14.4');
    expect(goFloat(30)).toBe('30');
    expect(goFloat(999999)).toBe('999999');
    expect(goFloat(1e6)).toBe('1e+06');
    expect(goFloat(1234567)).toBe('1.234567e+06');
    expect(goFloat(0.0001)).toBe('0.0001');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(1e21)).toBe('1e+21');
    expect(goFloat(-2.5)).toBe('-2.5');
  });

  test('goFloatFixed never uses an exponent (strconv.FormatFloat(f, \'f\', -1, 64))', () => {
    expect(goFloatFixed(99.9)).toBe('99.9');
    expect(goFloatFixed(99.99)).toBe('99.99');
    expect(goFloatFixed(1e-7)).toBe('0.0000001');
    expect(goFloatFixed(1e21)).toBe('1000000000000000000000');
  });

  test('durations are spelled as Prometheus spells them', () => {
    expect(formatDuration(parseDuration('30d')!)).toBe('30d');
    expect(formatDuration(parseDuration('28d')!)).toBe('4w');
    expect(formatDuration(parseDuration('7d')!)).toBe('1w');
    expect(formatDuration(parseDuration('36h')!)).toBe('1d12h');
    expect(formatDuration(parseDuration('90m')!)).toBe('1h30m');
    expect(formatDuration(parseDuration('1y')!)).toBe('1y');
    expect(parseDuration('1h30m')).toBe(5_400_000);
    for (const bad of ['', '5', 'm5', '1.5h', '5m1h', '-5m']) expect(parseDuration(bad)).toBeUndefined();
  });
});

// ---------------------------------------------------------------- step 1: alert windows

describe('alert windows and burn-rate factors', () => {
  const factors = (w: typeof GOOGLE_30D_WINDOWS) => burnRateWindows(w).map((x) => [x.severity, x.speed, x.longWindow, x.shortWindow, x.burnRateFactor]);

  test('30d: page 14.4x (1h/5m) and 6x (6h/30m), ticket 3x (1d/2h) and 1x (3d/6h)', () => {
    expect(factors(GOOGLE_30D_WINDOWS)).toEqual([
      ['page', 'quick', '1h', '5m', 14.4],
      ['page', 'slow', '6h', '30m', 6],
      ['ticket', 'quick', '1d', '2h', 3],
      ['ticket', 'slow', '3d', '6h', 1],
    ]);
  });

  test('28d and 7d factors follow from the period as in Sloth', () => {
    expect(factors(GOOGLE_28D_WINDOWS).map((f) => f[4])).toEqual([13.44, 5.6000000000000005, 2.8000000000000003, 0.9333333333333333]);
    expect(factors(SEVEN_DAY_WINDOWS).map((f) => f[4])).toEqual([13.44, 3.5, 1.4000000000000001, 0.98]);
    expect(DEFAULT_ALERT_WINDOWS.map((w) => w.sloPeriod)).toEqual(['30d', '28d', '7d']);
  });

  test('a Sloth AlertWindows file is read, and a bad one is named', () => {
    const w = readSlothAlertWindows(
      'apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 14d\n  page:\n    quick: {errorBudgetPercent: 2, shortWindow: 5m, longWindow: 1h}\n    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}\n  ticket:\n    quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}\n    slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}\n',
    );
    expect(burnRateWindows(w).map((x) => x.burnRateFactor)).toEqual([(2 * 336) / 100, (5 * 336) / 100 / 6, (10 * 336) / 100 / 24, (10 * 336) / 100 / 72]);
    expect(() => readSlothAlertWindows('apiVersion: v1\nkind: Foo\n', 'w.yaml')).toThrow('w.yaml: apiVersion/kind are "v1"/"Foo"; expected "sloth.slok.dev/v1"/"AlertWindows"');
    expect(() =>
      readSlothAlertWindows('apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 30d\n  page:\n    quick: {errorBudgetPercent: 2, shortWindow: 2h, longWindow: 1h}\n', 'w.yaml'),
    ).toThrow('w.yaml: spec.page.quick: shortWindow 2h must be shorter than longWindow 1h');
  });
});

// ---------------------------------------------------------------- step 2: reading Sloth specs

describe('readSlothSpec: Sloth prometheus/v1 files into declarations', () => {
  test('fields map to the TypeScript declaration; service labels merge under SLO labels', () => {
    const decls = readSlothSpec(fixture('checkout.yml'));
    expect(decls).toHaveLength(2);
    expect(decls[0]).toEqual({
      service: 'checkout',
      name: 'requests-availability',
      objective: 99,
      description: 'Checkout requests that do not fail with a 5xx.',
      labels: { team: 'payments', tier: '1' },
      sli: {
        events: {
          errorQuery: 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))',
          totalQuery: 'sum(rate(http_requests_total{service="checkout"}[{{.window}}]))',
        },
      },
      alerting: {
        name: 'CheckoutAvailabilityBudgetBurn',
        labels: { category: 'application' },
        annotations: { runbook_url: 'https://runbooks.example.com/checkout-availability' },
        pageAlert: { labels: { severity: 'critical' } },
        ticketAlert: { labels: { severity: 'warning' } },
      },
    });
    expect(decls[1].labels).toEqual({ team: 'payments', tier: '1', kind: 'latency' });
    expect(decls[1].alerting?.ticketAlert).toEqual({ disable: true });
    expect(readSlothSpec(fixture('raw.yml'))[0].sli).toEqual({ raw: { errorRatioQuery: expect.stringContaining('sum(rate(jobs_succeeded_total[{{.window}}]))') } });
  });

  test('several YAML documents are read, with their own paths in messages', () => {
    expect(readSlothSpec(fixture('multi.yml')).map((d) => `${d.service}-${d.name}`)).toEqual(['front-availability', 'back-availability']);
    const bad = fixture('multi.yml').replace('objective: 99.95', 'objective: 100');
    expect(problemsOf(() => loadSlothSpec(bad, { source: 'multi.yml' }))).toEqual([
      'multi.yml: documents[1].slos[0].objective: 100 is outside (0, 100) (100 leaves no error budget: every burn rate would divide by zero); give the target in percent, e.g. 99.9',
    ]);
  });

  test('unknown fields, plugins, other versions and bad YAML are errors that name the field', () => {
    const base = fixture('checkout.yml');
    expect(problemsOf(() => readSlothSpec(base.replace('objective: 99\n', 'objetive: 99\n'), { source: 's.yml' }))).toEqual([
      's.yml: slos[0].objetive: unknown field; known fields: name, objective, description, labels, sli, alerting',
      's.yml: slos[0].objective: required, the target in percent, e.g. 99.9',
    ]);
    const plugin = 'version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99\n    sli:\n      plugin:\n        id: sloth-common/availability\n';
    expect(problemsOf(() => readSlothSpec(plugin, { source: 'p.yml' }))).toEqual([
      'p.yml: slos[0].sli.plugin: unknown field (SLI plugins are not supported; write the query as events or raw); known fields: events, raw',
    ]);
    expect(problemsOf(() => readSlothSpec('version: prometheus/v2\nservice: a\n', { source: 'v.yml' }))).toEqual(['v.yml: version: "prometheus/v2"; only "prometheus/v1" specs are supported']);
    expect(problemsOf(() => readSlothSpec('slos: [1\n', { source: 'y.yml' }))[0]).toMatch(/^y\.yml: invalid YAML: /);
    expect(problemsOf(() => readSlothSpec('version: prometheus/v1\nservice: a\nslos: []\n', { source: 'e.yml' }))).toEqual(['e.yml: slos: at least one SLO is required']);
  });

  test('the period of a file is a reader option (Sloth\'s --default-slo-period)', () => {
    const [slo] = loadSlothSpec(fixture('raw.yml'), { period: '28d' });
    expect(slo.period).toBe('4w');
    expect(slo.alertWindows).toBe(GOOGLE_28D_WINDOWS);
  });
});

// ---------------------------------------------------------------- step 3: validation into the model

describe('validateSlos: declarations into the validated model', () => {
  test('the invalid fixture: every problem, with its YAML path and the fix', () => {
    expect(problemsOf(() => loadSlothSpec(fixture('invalid.yml'), { source: 'invalid.yml' }))).toEqual([
      'invalid.yml: slos[0].sli.events.error_query: does not use {{.window}}; every window (5m ... 30d) would measure the same thing. Write the range as [{{.window}}]',
      'invalid.yml: slos[1].sli.raw.error_ratio_query: invalid PromQL (with {{.window}} as 5m), syntax error at character 27 (near "total[5m])")',
      'invalid.yml: slos[2].objective: 100.5 is outside (0, 100); give the target in percent, e.g. 99.9',
      'invalid.yml: slos[2].alerting.name: required for the page and ticket alerts; set it, or disable both (page_alert.disable and ticket_alert.disable)',
      'invalid.yml: slos[2].alerting.labels.sloth_severity: reserved, the generator sets it; choose another label name',
    ]);
  });

  test('TypeScript declarations get TypeScript paths; all problems are collected', () => {
    const problems = problemsOf(() =>
      validateSlos([
        api(),
        api({ objective: 0.999, name: 'bad name' }),
        api({ sli: { events: { errorQuery: 'sum(rate(x[{{.window}}])) # errors', totalQuery: 'sum(rate(y[{{.range}}]))' } } }),
        api({ period: '90d', alerting: { name: 'Api', for: 'soon', pageAlert: { for: '5x' } } }),
        api(),
        api({ labels: { 'bad-name': 'x', sloth_id: 'y', empty: '' } }),
      ]),
    );
    expect(problems).toEqual([
      'slos[1].name: "bad name" is not allowed; use letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit',
      'slos[1].objective: 0.999 looks like a ratio; objectives are percentages (write 99.9, not 0.999)',
      "slos[2].sli.events.errorQuery: the query ends in a '#' comment, which would swallow the parentheses the generator puts around it; move the comment to its own line above",
      'slos[2].sli.events.totalQuery: does not use {{.window}}; every window (5m ... 30d) would measure the same thing. Write the range as [{{.window}}]',
      'slos[2].sli.events.totalQuery: unsupported template action; only {{.window}} is available',
      'slos[2]: SLO id "api-availability" (service-name) is already used by slos[0]; SLO ids must be unique',
      'slos[3].period: no alert windows for "90d"; use one of 30d, 28d, 7d, or pass alertWindows for it',
      'slos[3].alerting.for: "soon" is not a Prometheus duration; use e.g. "5m"',
      'slos[3].alerting.pageAlert.for: "5x" is not a Prometheus duration; use e.g. "5m"',
      'slos[3]: SLO id "api-availability" (service-name) is already used by slos[0]; SLO ids must be unique',
      'slos[4]: SLO id "api-availability" (service-name) is already used by slos[0]; SLO ids must be unique',
      "slos[5].labels.bad-name: not a valid label name; use letters, digits and '_' (not starting with a digit or '__')",
      'slos[5].labels.sloth_id: reserved, the generator sets it; choose another label name',
      'slos[5].labels.empty: empty value; give it a value or remove the label',
      'slos[5]: SLO id "api-availability" (service-name) is already used by slos[0]; SLO ids must be unique',
    ]);
  });

  test('objective bounds: (0, 100), 100 explained', () => {
    expect(problemsOf(() => validateSlo(api({ objective: 100 })))).toEqual([
      'slo.objective: 100 is outside (0, 100) (100 leaves no error budget: every burn rate would divide by zero); give the target in percent, e.g. 99.9',
    ]);
    expect(problemsOf(() => validateSlo(api({ objective: 0 })))).toEqual(['slo.objective: 0 is outside (0, 100); give the target in percent, e.g. 99.9']);
    expect(problemsOf(() => validateSlo(api({ objective: Number.NaN })))).toEqual(['slo.objective: null is not a number; give the target in percent, e.g. 99.9']);
    expect(problemsOf(() => validateSlo({ ...api(), sli: {} as SloDeclaration['sli'] }))).toEqual([
      'slo.sli: needs events and raw; give exactly one of events {errorQuery, totalQuery} or raw {errorRatioQuery}',
    ]);
  });

  test('the model: id, merged alert labels, for (per-severity override), period and windows resolved', () => {
    const slo = validateSlo(
      api({
        alerting: {
          name: 'ApiAvailability',
          labels: { category: 'application' },
          annotations: { runbook_url: 'https://r' },
          for: '10m',
          pageAlert: { labels: { severity: 'critical' }, for: '300s' },
          ticketAlert: { labels: { severity: 'warning', category: 'infrastructure' } },
        },
        period: '7d',
      }),
    );
    expect(slo.id).toBe('api-availability');
    expect(slo.period).toBe('1w');
    expect(slo.periodMs).toBe(7 * 86_400_000);
    expect(slo.pageAlert).toMatchObject({ severity: 'page', name: 'ApiAvailability', for: '5m', labels: { category: 'application', severity: 'critical' }, annotations: { runbook_url: 'https://r' } });
    expect(slo.ticketAlert).toMatchObject({ severity: 'ticket', for: '10m', labels: { category: 'infrastructure', severity: 'warning' } });
    expect(slo.pageAlert!.windows.map((w) => w.burnRateFactor)).toEqual([13.44, 3.5]);
    const quiet = validateSlo(api({ alerting: { pageAlert: { disable: true }, ticketAlert: { disable: true } } }));
    expect(quiet.pageAlert).toBeUndefined();
    expect(quiet.ticketAlert).toBeUndefined();
  });
});

// ---------------------------------------------------------------- step 4: rules

describe('sloRuleGroups: Sloth-compatible rules', () => {
  test('an alert without a severity label pages (critical) or tickets (warning); a severity the spec sets is kept (issue 15 item 8)', () => {
    const severities = (decl: SloDeclaration) =>
      sloRuleGroups(validateSlo(decl))
        .flatMap((g) => g.rules)
        .filter(isAlertingRule)
        .map((r) => [r.labels?.sloth_severity, r.labels?.severity]);
    expect(severities(api({ labels: undefined, alerting: { name: 'ApiAvailability' } }))).toEqual([
      ['page', 'critical'],
      ['ticket', 'warning'],
    ]);
    expect(severities(api({ alerting: { name: 'ApiAvailability', labels: { severity: 'high' }, ticketAlert: { labels: { severity: 'low' } } } }))).toEqual([
      ['page', 'high'],
      ['ticket', 'low'],
    ]);
  });

  test('groups, names, windows and labels as Sloth names them', () => {
    const [availability, latency] = checkout();
    const groups = sloRuleGroups(availability);
    expect(groups.map((g) => g.name)).toEqual([
      'sloth-slo-sli-recordings-checkout-requests-availability',
      'sloth-slo-meta-recordings-checkout-requests-availability',
      'sloth-slo-alerts-checkout-requests-availability',
    ]);
    const sli = groups[0].rules as RecordingRule[];
    expect(sli.map((r) => r.record)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(sli[0].labels).toEqual({ sloth_id: 'checkout-requests-availability', sloth_service: 'checkout', sloth_slo: 'requests-availability', sloth_window: '5m', team: 'payments', tier: '1' });
    expect((groups[1].rules as RecordingRule[]).map((r) => [r.record, r.expr.split('\n')[0]])).toEqual([
      ['slo:objective:ratio', 'vector(0.99)'],
      ['slo:error_budget:ratio', 'vector(1-0.99)'],
      ['slo:time_period:days', 'vector(30)'],
      ['slo:current_burn_rate:ratio', 'slo:sli_error:ratio_rate5m{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"}'],
      ['slo:period_burn_rate:ratio', 'slo:sli_error:ratio_rate30d{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"}'],
      ['slo:period_error_budget_remaining:ratio', '1 - slo:period_burn_rate:ratio{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"}'],
      ['sloth_slo_info', 'vector(1)'],
    ]);
    expect(groups[1].rules[6].labels).toMatchObject({ sloth_objective: '99', sloth_spec: 'prometheus/v1', sloth_mode: 'observability-stack' });
    // Latency: page only (ticket disabled).
    const alerts = sloRuleGroups(latency)[2].rules as AlertingRule[];
    expect(alerts.map((a) => [a.alert, a.labels?.sloth_severity])).toEqual([['CheckoutLatencyBudgetBurn', 'page']]);
    expect([...alerts[0].expr.matchAll(/"sloth_alert_window", "([^"]+)"/g)].map((m) => m[1])).toEqual(['1h/5m', '6h/30m']);
  });

  test('one alert rule per severity (like Sloth), each window pair labelled in the expression; Sloth\'s thresholds, labels and annotations', () => {
    const alerts = sloRuleGroups(checkout()[0])[2].rules as AlertingRule[];
    expect(alerts.map((a) => [a.labels?.sloth_severity, a.labels?.severity])).toEqual([
      ['page', 'critical'],
      ['ticket', 'warning'],
    ]);
    const filter = '{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"}';
    const side = (w: string, factor: string) => `max(slo:sli_error:ratio_rate${w}${filter} > (${factor} * 0.01)) without (sloth_window)`;
    expect(alerts[0].expr).toBe(
      `label_replace(\n  ${side('5m', '14.4')}\n  and\n  ${side('1h', '14.4')},\n  "sloth_alert_window", "1h/5m", "", ""\n)\n` +
        `or\nlabel_replace(\n  ${side('30m', '6')}\n  and\n  ${side('6h', '6')},\n  "sloth_alert_window", "6h/30m", "", ""\n)\n`,
    );
    expect(alerts[1].expr).toContain(side('3d', '1'));
    expect(alerts[1].expr).toContain('"sloth_alert_window", "3d/6h", "", ""');
    // The window label comes from the expression only: a rule label would override it.
    expect(alerts[0].labels).toEqual({
      category: 'application',
      severity: 'critical',
      sloth_id: 'checkout-requests-availability',
      sloth_service: 'checkout',
      sloth_severity: 'page',
      sloth_slo: 'requests-availability',
    });
    expect(alerts[0].annotations).toMatchObject({
      title: '(page) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.',
      summary: '{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.',
      runbook_url: 'https://runbooks.example.com/checkout-availability',
    });
    expect(alerts[0].for).toBeUndefined();
  });

  test('SLI expressions: guarded division; `or on() vector(0)` only for a single aggregation; raw drops NaN', () => {
    const [availability, latency] = checkout();
    expect(sliExpression(availability, '1h')).toBe(
      '((sum(rate(http_requests_total{service="checkout",code=~"5.."}[1h]))) or on() vector(0))\n/\nclamp_min((sum(rate(http_requests_total{service="checkout"}[1h]))), 1e-12)\n',
    );
    expect(sliExpression(latency, '5m')).toMatch(/^\(\(\n {2}sum\(rate\(http_request_duration_seconds_count\{service="checkout"\}\[5m\]\)\)\n {2}-\n/);
    expect(sliExpression(latency, '5m')).not.toContain('vector(0)');
    const [raw] = loadSlothSpec(fixture('raw.yml'));
    expect(sliExpression(raw, '5m')).toMatch(/^\(1 - \([\s\S]*\)\) >= -Inf\n$/);
  });

  test('period windows: 28d is recorded as 4w and 7d as 1w (Prometheus\'s spelling, like Sloth)', () => {
    const windows = (period: string) => sliWindows(validateSlo(api({ period }))).map((w) => w.window);
    expect(windows('30d')).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
    expect(windows('28d')).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '4w']);
    expect(windows('7d')).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '1w']);
    const meta = sloRuleGroups(validateSlo(api({ period: '28d' })))[1].rules;
    expect(meta.find((r) => !isAlertingRule(r) && r.record === 'slo:time_period:days')!.expr).toBe('vector(28)');
  });

  test('for: is set on the rules; no alert group when both alerts are disabled; extra labels', () => {
    const slo = validateSlo(api({ alerting: { name: 'A', for: '15m', pageAlert: { for: '2m' } } }));
    expect((sloRuleGroups(slo)[2].rules as AlertingRule[]).map((a) => a.for)).toEqual(['2m', '15m']);
    const quiet = validateSlo(api({ alerting: { pageAlert: { disable: true }, ticketAlert: { disable: true } } }));
    expect(sloRuleGroups(quiet).map((g) => g.name)).toEqual(['sloth-slo-sli-recordings-api-availability', 'sloth-slo-meta-recordings-api-availability']);
    const groups = generateSloRuleGroups([slo], { extraLabels: { cluster: 'eu1' } });
    expect(groups[0].rules.every((r) => r.labels?.cluster === 'eu1')).toBe(true);
    expect(groups[2].rules.every((r) => r.labels?.cluster === undefined)).toBe(true);
    expect(problemsOf(() => generateSloRuleGroups([slo], { extraLabels: { sloth_x: 'a' } }))).toEqual([
      "extraLabels.sloth_x: not a usable label name (letters, digits, '_'; not '__' or 'sloth_' prefixed)",
    ]);
  });

  test('every group passes the rule-group building block; clashing group names are refused', () => {
    const all = [...checkout(), ...loadSlothSpec(fixture('raw.yml')), ...loadSlothSpec(fixture('multi.yml')), ...validateSlos(exporterSlos())];
    for (const g of generateSloRuleGroups(all)) expect(ruleGroupProblems(g)).toEqual([]);
    const a = validateSlo(api({ service: 'Api' }));
    const b = validateSlo(api({ service: 'api' }));
    expect(problemsOf(() => generateSloRuleGroups([a, b]))).toEqual([
      "SLOs \"Api-availability\" and \"api-availability\" would share the rule groups *-api-availability; rename one (group names are lower-cased, '_' becomes '-')",
    ]);
  });

  test('the rendered rule file of the checkout spec (snapshot)', () => {
    expect(sloRuleFile(checkout())).toMatchSnapshot();
  });
});

describe('PromQL shape analysis', () => {
  test('label-free vectors and single event aggregations', () => {
    expect(isLabelFreeVector('sum(rate(x[5m]))')).toBe(true);
    expect(isLabelFreeVector('(sum(rate(a[5m])) - sum(rate(b[5m])))')).toBe(true);
    expect(isLabelFreeVector('sum by (code) (rate(x[5m]))')).toBe(false);
    expect(isLabelFreeVector('sum(x) without (a)')).toBe(false);
    expect(isLabelFreeVector('topk(1, x)')).toBe(false);
    expect(isLabelFreeVector('1')).toBe(false);
    expect(isEventAggregation('sum(rate(x[5m]))')).toBe(true);
    expect(isEventAggregation('sum_over_time((count(x < 0.5))[5m:])')).toBe(true);
    expect(isEventAggregation('(sum(rate(a[5m])) - sum(rate(b[5m])))')).toBe(false);
    expect(isEventAggregation('sum(rate(x[5m])) or on() vector(0)')).toBe(false);
    expect(isEventAggregation('sum by (code) (rate(x[5m]))')).toBe(false);
  });
});

// ---------------------------------------------------------------- real tools

describe('promtool', () => {
  test('check rules accepts every generated group (fixtures, 28d and 7d, the exporter defaults)', () => {
    const files: Record<string, string> = {
      'checkout.yml': sloRuleFile(checkout()),
      'raw-28d.yml': sloRuleFile(loadSlothSpec(fixture('raw.yml'), { period: '28d' })),
      'multi-7d.yml': sloRuleFile(loadSlothSpec(fixture('multi.yml'), { period: '7d' })),
      'exporter.yml': sloRuleFile(validateSlos(exporterSlos({ selector: 'job="app-exporter"', latencyThresholdSeconds: 1, for: { page: '2m' } }))),
    };
    const res = withFiles(files, (dir) => promtool(['check', 'rules', ...Object.keys(files)], { cwd: dir }));
    expect(res.output.match(/SUCCESS/g)).toHaveLength(4);
    expect(res.status).toBe(0);
  });

  const groups = () => generateSloRuleGroups(checkout());
  const ok = (minutes: number, errorsPerMinute: number): [number, number] => [minutes, 1000 - errorsPerMinute];
  const bad = (minutes: number, errorsPerMinute: number): [number, number] => [minutes, errorsPerMinute];
  /** Checkout traffic, 1000 requests a minute, errors per minute in phases. */
  const checkoutSeries = (...phases: Array<[number, number]>) => [
    { series: 'http_requests_total{service="checkout",code="200"}', values: counterOf(...phases.map(([m, e]) => ok(m, e))) },
    { series: 'http_requests_total{service="checkout",code="500"}', values: counterOf(...phases.map(([m, e]) => bad(m, e))) },
  ];

  test('fast burn pages: quick pair only once 1h confirms, slow pair first; stops with the short window', () => {
    // 0.1% errors for 1h, 50% for 30m, then 0.1% again (budget 1%).
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        input_series: checkoutSeries([60, 1], [30, 500], [60, 1]),
        promql_expr_test: [
          alertsAt('CheckoutAvailabilityBudgetBurn', '50m', []),
          // 10 minutes in: 1h ratio 8.4% < 14.4%, 6h ratio 7.2% > 6%.
          alertsAt('CheckoutAvailabilityBudgetBurn', '70m', [['page', '6h/30m'], ['ticket', '1d/2h'], ['ticket', '3d/6h']]),
          // 20 minutes in: 1h ratio 16.7% > 14.4%.
          alertsAt('CheckoutAvailabilityBudgetBurn', '80m', [['page', '1h/5m'], ['page', '6h/30m'], ['ticket', '1d/2h'], ['ticket', '3d/6h']]),
          // 10 minutes after: the 5m window is healthy again, the 30m one is not.
          alertsAt('CheckoutAvailabilityBudgetBurn', '100m', [['page', '6h/30m'], ['ticket', '1d/2h'], ['ticket', '3d/6h']]),
          alertsAt('CheckoutLatencyBudgetBurn', '80m', []),
        ],
      },
    ]);
    expectPass(res);
  });

  test('slow burn opens a ticket (3d/6h) and nothing else; annotations render', () => {
    // 0.1% errors for 2h, then 2.5% (2.5x the budget) for 10h.
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        input_series: checkoutSeries([120, 1], [600, 25]),
        promql_expr_test: [alertsAt('CheckoutAvailabilityBudgetBurn', '150m', []), alertsAt('CheckoutAvailabilityBudgetBurn', '720m', [['ticket', '3d/6h']])],
        alert_rule_test: [
          {
            eval_time: '720m',
            alertname: 'CheckoutAvailabilityBudgetBurn',
            exp_alerts: [
              {
                exp_labels: {
                  category: 'application',
                  severity: 'warning',
                  sloth_alert_window: '3d/6h',
                  sloth_id: 'checkout-requests-availability',
                  sloth_service: 'checkout',
                  sloth_severity: 'ticket',
                  sloth_slo: 'requests-availability',
                  team: 'payments',
                  tier: '1',
                },
                exp_annotations: {
                  title: '(ticket) checkout requests-availability SLO error budget burn rate is too fast.',
                  summary: 'checkout requests-availability SLO error budget burn rate is over expected.',
                  description:
                    'checkout requests-availability (objective 99% over 30d) is burning its error budget at more than 1x the sustainable rate over both the last 3d and 6h (10% of the 30d budget in 3d; at this rate the whole budget lasts 30d). Error ratio over 6h: 2.5%.',
                  runbook_url: 'https://runbooks.example.com/checkout-availability',
                },
              },
            ],
          },
        ],
      },
    ]);
    expectPass(res);
  });

  test('under budget: no alert at any time, the SLI is the error ratio', () => {
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        input_series: checkoutSeries([720, 5]),
        promql_expr_test: [
          { expr: 'count_over_time(ALERTS[12h])', eval_time: '720m', exp_samples: [] },
          {
            expr: 'abs(slo:sli_error:ratio_rate1h{sloth_slo="requests-availability"} - 0.005) < bool 1e-9',
            eval_time: '720m',
            exp_samples: [{ labels: `{${CHECKOUT_SLI_LABELS}, sloth_window="1h"}`, value: 1 }],
          },
        ],
      },
    ]);
    expectPass(res);
  });

  test('zero traffic: the SLI is 0 (Sloth\'s division gives NaN), no NaN reaches the budget, nothing fires', () => {
    const sloth5m =
      'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout"}[5m]))';
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        // 1h of traffic, then the counters stand still for 6h.
        input_series: checkoutSeries([60, 1], [360, 0]).map((s, i) => (i === 0 ? { ...s, values: counterOf([60, 999], [360, 0]) } : s)),
        promql_expr_test: [
          { expr: 'slo:sli_error:ratio_rate5m{sloth_slo="requests-availability"}', eval_time: '300m', exp_samples: [{ labels: `slo:sli_error:ratio_rate5m{${CHECKOUT_SLI_LABELS}, sloth_window="5m"}`, value: 0 }] },
          // The same data through Sloth's expression: 0/0.
          { expr: `count((${sloth5m}) != 0)`, eval_time: '300m', exp_samples: [{ labels: '{}', value: 1 }] },
          { expr: 'count(slo:sli_error:ratio_rate5m != slo:sli_error:ratio_rate5m)', eval_time: '300m', exp_samples: [] },
          { expr: 'count(slo:period_error_budget_remaining:ratio != slo:period_error_budget_remaining:ratio)', eval_time: '420m', exp_samples: [] },
          {
            expr: 'slo:period_error_budget_remaining:ratio{sloth_slo="requests-availability"} > bool 0.8',
            eval_time: '420m',
            // Like Sloth's, it keeps the period SLI's sloth_window label.
            exp_samples: [{ labels: `{${CHECKOUT_SLI_LABELS}, sloth_window="30d"}`, value: 1 }],
          },
          { expr: 'count_over_time(ALERTS[7h])', eval_time: '420m', exp_samples: [] },
        ],
      },
    ]);
    expectPass(res);
  });

  test('an error counter not created yet reads as 0 errors; a missing latency bucket stays "no data"', () => {
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{service="checkout",code="200"}', values: counterOf([60, 1000]) },
          { series: 'http_request_duration_seconds_count{service="checkout"}', values: counterOf([60, 1000]) },
          // `le` spelled differently from the SLO's "0.3": no bucket matches.
          { series: 'http_request_duration_seconds_bucket{service="checkout",le="0.30"}', values: counterOf([60, 1000]) },
        ],
        promql_expr_test: [
          { expr: 'slo:sli_error:ratio_rate5m{sloth_slo="requests-availability"}', eval_time: '30m', exp_samples: [{ labels: `slo:sli_error:ratio_rate5m{${CHECKOUT_SLI_LABELS}, sloth_window="5m"}`, value: 0 }] },
          { expr: 'slo:sli_error:ratio_rate5m{sloth_slo="requests-latency"}', eval_time: '30m', exp_samples: [] },
        ],
      },
    ]);
    expectPass(res);
  });

  test('latency burn pages (ticket disabled)', () => {
    const res = promtoolTest(groups(), [
      {
        interval: '1m',
        input_series: [
          { series: 'http_request_duration_seconds_count{service="checkout"}', values: counterOf([120, 1000]) },
          // 20% slower than 300ms from 1h on (budget 0.5%).
          { series: 'http_request_duration_seconds_bucket{service="checkout",le="0.3"}', values: counterOf([60, 1000], [60, 800]) },
        ],
        promql_expr_test: [
          alertsAt('CheckoutLatencyBudgetBurn', '50m', []),
          alertsAt('CheckoutLatencyBudgetBurn', '90m', [['page', '1h/5m'], ['page', '6h/30m']]),
          { expr: 'count_over_time(ALERTS{sloth_severity="ticket"}[2h])', eval_time: '120m', exp_samples: [] },
        ],
      },
    ]);
    expectPass(res);
  });

  test('raw SLI: NaN (no job ran) is not recorded, and never reaches the period ratio', () => {
    const raw = generateSloRuleGroups(loadSlothSpec(fixture('raw.yml')));
    const res = promtoolTest(raw, [
      {
        interval: '1m',
        input_series: [
          { series: 'jobs_total', values: counterOf([60, 100], [120, 0]) },
          { series: 'jobs_succeeded_total', values: counterOf([60, 90], [120, 0]) },
        ],
        promql_expr_test: [
          {
            expr: 'abs(slo:sli_error:ratio_rate5m - 0.1) < bool 1e-9',
            eval_time: '30m',
            exp_samples: [{ labels: '{sloth_id="batch-jobs-success", sloth_service="batch", sloth_slo="jobs-success", sloth_window="5m"}', value: 1 }],
          },
          { expr: 'slo:sli_error:ratio_rate5m', eval_time: '150m', exp_samples: [] },
          { expr: 'count(slo:sli_error:ratio_rate30d != slo:sli_error:ratio_rate30d)', eval_time: '170m', exp_samples: [] },
          { expr: 'count(slo:sli_error:ratio_rate30d)', eval_time: '170m', exp_samples: [{ labels: '{}', value: 1 }] },
        ],
      },
    ]);
    expectPass(res);
  });

  test('for: alerts stay pending for the configured time', () => {
    const slo = validateSlo(api({ alerting: { name: 'ApiAvailability', for: '10m', pageAlert: { for: '5m' } } }));
    const res = promtoolTest(generateSloRuleGroups([slo]), [
      {
        interval: '1m',
        // Every request fails from the start: every window pair holds from the first rate().
        input_series: [
          { series: 'api_requests_total{code="500"}', values: counterOf([20, 100]) },
          { series: 'api_requests_total{code="200"}', values: counterOf([20, 0]) },
        ],
        promql_expr_test: [
          alertsAt('ApiAvailability', '3m', [['page', '1h/5m'], ['page', '6h/30m'], ['ticket', '1d/2h'], ['ticket', '3d/6h']], 'pending'),
          alertsAt('ApiAvailability', '8m', [['page', '1h/5m'], ['page', '6h/30m']]),
          alertsAt('ApiAvailability', '8m', [['ticket', '1d/2h'], ['ticket', '3d/6h']], 'pending'),
          alertsAt('ApiAvailability', '13m', [['page', '1h/5m'], ['page', '6h/30m'], ['ticket', '1d/2h'], ['ticket', '3d/6h']]),
        ],
      },
    ]);
    expectPass(res);
  });
  test('one rule per severity: each window pair is its own alert instance (labels, for:, activeAt), as with one rule per pair', () => {
    // The alerts group alone, fed SLI ratios directly (budget 0.1%: page thresholds 1.44% for
    // 1h/5m, 0.6% for 6h/30m). With and without `for`, against the same conditions written as
    // one rule per window pair (the pair as a rule label).
    const slo = (pageFor?: string) => validateSlo(api({ alerting: { name: 'ApiAvailability', pageAlert: { ...(pageFor ? { for: pageFor } : {}) }, ticketAlert: { disable: true } } }));
    const alertsOnly = (s: Slo, name: string) => sloRuleGroups(s).filter((g) => g.name.startsWith('sloth-slo-alerts-')).map((g) => ({ ...g, name, rules: (g.rules as AlertingRule[]).map((r) => ({ ...r, alert: name })) }));
    const perPair = (s: Slo, name: string) => [
      {
        name,
        rules: s.pageAlert!.windows.map((w) => ({ alert: name, expr: burnRateAlertExpression(s, w), for: s.pageAlert!.for, labels: { severity: 'critical', sloth_severity: 'page', sloth_alert_window: windowPairName(w) } })),
      },
    ];
    expect(alertsOnly(slo(), 'x')[0].rules).toHaveLength(1);
    const groups = [...alertsOnly(slo(), 'Single'), ...alertsOnly(slo('5m'), 'SingleFor'), ...perPair(slo('5m'), 'SplitFor')];
    const ratio = (window: string, values: string) => ({
      series: `slo:sli_error:ratio_rate${window}{sloth_id="api-availability", sloth_service="api", sloth_slo="availability", sloth_window="${window}"}`,
      values,
    });
    const ids = 'sloth_id="api-availability", sloth_service="api", sloth_slo="availability"';
    const alerts = (eval_time: string, names: string, expected: Array<[string, string, string]>) => ({
      expr: `group by (alertname, alertstate, sloth_alert_window) (ALERTS{alertname=~"${names}"})`,
      eval_time,
      exp_samples: expected.map(([alertname, state, pair]) => ({ labels: `{alertname="${alertname}", alertstate="${state}", sloth_alert_window="${pair}"}`, value: 1 })),
    });
    const both = (state: string, pair: string): Array<[string, string, string]> => [
      ['SingleFor', state, pair],
      ['SplitFor', state, pair],
    ];
    const res = promtoolTest(groups, [
      {
        // No for: both pairs hold -> two alerts, one per pair; 1h/5m stops at 5m and comes back
        // at 10m while 6h/30m stays active since 0 (its activeAt, ALERTS_FOR_STATE, is 0).
        interval: '1m',
        input_series: [ratio('5m', '0.02x4 0.001x4 0.02x4'), ratio('1h', '0.02x14'), ratio('30m', '0.01x14'), ratio('6h', '0.01x14')],
        alert_rule_test: [
          {
            eval_time: '2m',
            alertname: 'Single',
            exp_alerts: ['1h/5m', '6h/30m'].map((pair) => ({
              // No `severity` in the spec: the page alert gets `critical` (issue 15 item 8).
              exp_labels: { severity: 'critical', sloth_alert_window: pair, sloth_id: 'api-availability', sloth_service: 'api', sloth_severity: 'page', sloth_slo: 'availability' },
              exp_annotations: {
                title: '(page) api availability SLO error budget burn rate is too fast.',
                summary: 'api availability SLO error budget burn rate is over expected.',
                description:
                  pair === '1h/5m'
                    ? 'api availability (objective 99.9% over 30d) is burning its error budget at more than 14.4x the sustainable rate over both the last 1h and 5m (2% of the 30d budget in 1h; at this rate the whole budget lasts 2d2h). Error ratio over 5m: 2%.'
                    : 'api availability (objective 99.9% over 30d) is burning its error budget at more than 6x the sustainable rate over both the last 6h and 30m (5% of the 30d budget in 6h; at this rate the whole budget lasts 5d). Error ratio over 30m: 1%.',
              },
            })),
          },
        ],
        promql_expr_test: [
          alerts('7m', 'Single', [['Single', 'firing', '6h/30m']]),
          {
            expr: 'ALERTS_FOR_STATE{alertname="Single"}',
            eval_time: '12m',
            exp_samples: [
              { labels: `ALERTS_FOR_STATE{alertname="Single", severity="critical", ${ids}, sloth_alert_window="1h/5m", sloth_severity="page"}`, value: 600 },
              { labels: `ALERTS_FOR_STATE{alertname="Single", severity="critical", ${ids}, sloth_alert_window="6h/30m", sloth_severity="page"}`, value: 0 },
            ],
          },
        ],
      },
      {
        // for: 5m. 1h/5m holds from 0; 6h/30m holds at 0-2m, not at 3-5m, again from 6m: 1h/5m
        // fires at 5m, 6h/30m only at 11m (pending since 6m), as with one rule per pair.
        interval: '1m',
        input_series: [ratio('5m', '0.02x20'), ratio('1h', '0.02x20'), ratio('30m', '0.01x2 0.001x2 0.01x14'), ratio('6h', '0.01x20')],
        promql_expr_test: [
          alerts('2m', 'SingleFor|SplitFor', [...both('pending', '1h/5m'), ...both('pending', '6h/30m')]),
          alerts('4m', 'SingleFor|SplitFor', both('pending', '1h/5m')),
          alerts('5m', 'SingleFor|SplitFor', both('firing', '1h/5m')),
          alerts('10m', 'SingleFor|SplitFor', [...both('firing', '1h/5m'), ...both('pending', '6h/30m')]),
          alerts('11m', 'SingleFor|SplitFor', [...both('firing', '1h/5m'), ...both('firing', '6h/30m')]),
          {
            expr: 'sum by (alertname, sloth_alert_window) (ALERTS_FOR_STATE{alertname=~"SingleFor|SplitFor"})',
            eval_time: '20m',
            exp_samples: ['SingleFor', 'SplitFor'].flatMap((alertname) => [
              { labels: `{alertname="${alertname}", sloth_alert_window="1h/5m"}`, value: 0 },
              { labels: `{alertname="${alertname}", sloth_alert_window="6h/30m"}`, value: 360 },
            ]),
          },
        ],
      },
    ]);
    expectPass(res);
  });
});

// ---------------------------------------------------------------- the stack's own SLOs

describe('exporterSlos: the exporter\'s availability and latency', () => {
  test('queries, names and labels, with metric names as parameters', () => {
    const [availability, latency] = exporterSlos({ selector: 'job="app-exporter"' });
    expect(availability.sli.events).toEqual({
      errorQuery: 'sum(rate(app_http_requests_total{job="app-exporter", status_class="5xx"}[{{.window}}]))',
      totalQuery: 'sum(rate(app_http_requests_total{job="app-exporter"}[{{.window}}]))',
    });
    expect(latency.sli.events).toEqual({
      errorQuery:
        'sum(rate(app_http_request_duration_seconds_count{job="app-exporter"}[{{.window}}]))\n-\nsum(rate(app_http_request_duration_seconds_bucket{job="app-exporter", le="0.5"}[{{.window}}]))',
      totalQuery: 'sum(rate(app_http_request_duration_seconds_count{job="app-exporter"}[{{.window}}]))',
    });
    expect([availability.objective, latency.objective]).toEqual([99.9, 99]);
    expect(availability.alerting).toMatchObject({ name: 'AppHttpAvailabilityBudgetBurn', labels: { category: 'application' }, pageAlert: { labels: { severity: 'critical' } }, ticketAlert: { labels: { severity: 'warning' } } });
    const custom = exporterSlos({ requestsMetric: 'http_requests_total', errorMatcher: 'code=~"5.."', durationHistogram: 'http_duration_seconds', ticketAlerts: false, period: '28d' });
    expect(custom[0].sli.events!.errorQuery).toBe('sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))');
    expect(custom[1].sli.events!.totalQuery).toBe('sum(rate(http_duration_seconds_count[{{.window}}]))');
    expect(validateSlos(custom).map((s) => [s.period, s.ticketAlert])).toEqual([
      ['4w', undefined],
      ['4w', undefined],
    ]);
  });

  test('an integral latency threshold matches both `le` spellings (Prometheus 2 "1", Prometheus 3 "1.0")', () => {
    expect(bucketMatcher(0.25)).toBe('le="0.25"');
    expect(bucketMatcher(1)).toBe('le=~"1|1\\\\.0"');
    expect(() => bucketMatcher(0)).toThrow('latencyThresholdSeconds: 0 must be a positive number');
  });

  test('promtool: availability and latency page on a burn, with either `le` spelling', () => {
    const slos: Slo[] = validateSlos(exporterSlos({ selector: 'job="app-exporter"', latencyThresholdSeconds: 1 }));
    const scenario = (le: string) => ({
      interval: '1m',
      input_series: [
        { series: 'app_http_requests_total{job="app-exporter",route="/",status_class="2xx"}', values: counterOf([60, 1000], [60, 700]) },
        { series: 'app_http_requests_total{job="app-exporter",route="/",status_class="5xx"}', values: counterOf([60, 0], [60, 300]) },
        { series: 'app_http_request_duration_seconds_count{job="app-exporter",route="/"}', values: counterOf([120, 1000]) },
        { series: `app_http_request_duration_seconds_bucket{job="app-exporter",route="/",le="${le}"}`, values: counterOf([60, 1000], [60, 700]) },
      ],
      promql_expr_test: [
        alertsAt('AppHttpAvailabilityBudgetBurn', '50m', []),
        alertsAt('AppHttpLatencyBudgetBurn', '50m', []),
        { expr: 'group by (alertname, severity, category) (ALERTS{alertstate="firing", sloth_alert_window="1h/5m"})', eval_time: '90m', exp_samples: [
          { labels: '{alertname="AppHttpAvailabilityBudgetBurn", category="application", severity="critical"}', value: 1 },
          { labels: '{alertname="AppHttpLatencyBudgetBurn", category="application", severity="critical"}', value: 1 },
        ] },
      ],
    });
    expectPass(promtoolTest(generateSloRuleGroups(slos), [scenario('1'), scenario('1.0')]));
  });
});

// ---------------------------------------------------------------- the script

describe('scripts/slo.ts', () => {
  const root = resolve(__dirname, '..');
  const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'slo.ts'), ...args], { cwd: root, encoding: 'utf8' });

  test('prints the rule file of a spec, accepted by promtool', () => {
    const res = run(join(FIXTURES, 'checkout.yml'));
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(`# Generated from checkout.yml by scripts/slo.ts (Sloth-compatible SLO rules). Do not edit.\n${sloRuleFile(checkout())}`);
    expect((parse(res.stdout) as { groups: unknown[] }).groups).toHaveLength(6);
    const check = withFiles({ 'out.yml': res.stdout }, (dir) => promtool(['check', 'rules', 'out.yml'], { cwd: dir }));
    expect(check.status).toBe(0);
  });

  test('options: --period, --extra-label; bad input exits 1 and names every problem', () => {
    const res = run(join(FIXTURES, 'raw.yml'), '--period', '7d', '--extra-label', 'cluster=eu1');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('record: slo:sli_error:ratio_rate1w');
    expect(res.stdout).toContain('cluster: eu1');
    const bad = run(join(FIXTURES, 'invalid.yml'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('invalid SLO spec:\n  - invalid.yml: slos[0].sli.events.error_query: does not use {{.window}}');
    expect(bad.stderr).toContain('  - invalid.yml: slos[2].objective: 100.5 is outside (0, 100); give the target in percent, e.g. 99.9');
    const usage = run();
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('usage: npm run slo -- <spec.yml>');
  });

  test('-o writes the rule file itself: promtool accepts it as npm run slo -- spec.yml -o rules.yml writes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-cli-'));
    try {
      const out = join(dir, 'rules.yml');
      // Through npm, as the README says: npm's banner goes to stdout, not into the file.
      const res = spawnSync('npm', ['run', 'slo', '--', join(FIXTURES, 'checkout.yml'), '-o', out], { cwd: root, encoding: 'utf8' });
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('> observability-stack@');
      expect(res.stderr).toContain(`wrote ${out}: 2 SLOs`);
      const text = readFileSync(out, 'utf8');
      expect(text).toBe(`# Generated from checkout.yml by scripts/slo.ts (Sloth-compatible SLO rules). Do not edit.\n${sloRuleFile(checkout())}`);
      expect(promtool(['check', 'rules', 'rules.yml'], { cwd: dir }).status).toBe(0);
      // An invalid spec writes nothing.
      const bad = run(join(FIXTURES, 'invalid.yml'), '-o', join(dir, 'bad.yml'));
      expect(bad.status).toBe(1);
      expect(existsSync(join(dir, 'bad.yml'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
