import { parse } from 'yaml';
import { formatDuration, parseDuration } from './format';

/**
 * Multi-window multi-burn-rate alert windows, in Sloth's `AlertWindows` shape
 * (`sloth.slok.dev/v1`). Each window says: alert when `errorBudgetPercent` of the whole
 * period's error budget has been consumed within `longWindow` (confirmed over `shortWindow`,
 * so the alert stops soon after the problem does). The burn-rate factor follows from it the
 * way Sloth computes it (`internal/alert/window.go`):
 *
 *     factor = (errorBudgetPercent * periodHours / 100) / longWindowHours
 *
 * e.g. 30d, 2% in 1h: 2 * 720 / 100 / 1 = 14.4.
 */

export interface AlertWindow {
  /** Percent of the period's error budget consumed within `longWindow` that triggers the alert. */
  readonly errorBudgetPercent: number;
  /** Prometheus duration, e.g. `5m`. */
  readonly shortWindow: string;
  /** Prometheus duration, e.g. `1h`. */
  readonly longWindow: string;
}

export interface AlertWindows {
  /** The SLO period these windows are for, e.g. `30d`. */
  readonly sloPeriod: string;
  readonly page: { readonly quick: AlertWindow; readonly slow: AlertWindow };
  readonly ticket: { readonly quick: AlertWindow; readonly slow: AlertWindow };
}

/** Google SRE workbook windows for 30 days (Sloth's default `google-30d`). */
export const GOOGLE_30D_WINDOWS: AlertWindows = {
  sloPeriod: '30d',
  page: {
    quick: { errorBudgetPercent: 2, shortWindow: '5m', longWindow: '1h' },
    slow: { errorBudgetPercent: 5, shortWindow: '30m', longWindow: '6h' },
  },
  ticket: {
    quick: { errorBudgetPercent: 10, shortWindow: '2h', longWindow: '1d' },
    slow: { errorBudgetPercent: 10, shortWindow: '6h', longWindow: '3d' },
  },
};

/** Google SRE workbook windows for 4 weeks (Sloth's `google-28d`). */
export const GOOGLE_28D_WINDOWS: AlertWindows = {
  sloPeriod: '28d',
  page: {
    quick: { errorBudgetPercent: 2, shortWindow: '5m', longWindow: '1h' },
    slow: { errorBudgetPercent: 5, shortWindow: '30m', longWindow: '6h' },
  },
  ticket: {
    quick: { errorBudgetPercent: 10, shortWindow: '2h', longWindow: '1d' },
    slow: { errorBudgetPercent: 10, shortWindow: '6h', longWindow: '3d' },
  },
};

/**
 * Windows for a 7-day period, as in Sloth's `examples/windows/7d.yaml`: the same windows
 * as 30d with budget percentages chosen so the factors stay close to 14.4/6/3/1
 * (13.44, 3.5, 1.4, 0.98).
 */
export const SEVEN_DAY_WINDOWS: AlertWindows = {
  sloPeriod: '7d',
  page: {
    quick: { errorBudgetPercent: 8, shortWindow: '5m', longWindow: '1h' },
    slow: { errorBudgetPercent: 12.5, shortWindow: '30m', longWindow: '6h' },
  },
  ticket: {
    quick: { errorBudgetPercent: 20, shortWindow: '2h', longWindow: '1d' },
    slow: { errorBudgetPercent: 42, shortWindow: '6h', longWindow: '3d' },
  },
};

/** The windows known without extra configuration: 30d (default), 28d and 7d. */
export const DEFAULT_ALERT_WINDOWS: readonly AlertWindows[] = [GOOGLE_30D_WINDOWS, GOOGLE_28D_WINDOWS, SEVEN_DAY_WINDOWS];

export type AlertSeverity = 'page' | 'ticket';
export type AlertSpeed = 'quick' | 'slow';

/** One resolved window pair of a multi-window multi-burn-rate alert. */
export interface BurnRateWindow {
  readonly severity: AlertSeverity;
  readonly speed: AlertSpeed;
  readonly errorBudgetPercent: number;
  /** In Prometheus's spelling (`formatDuration`). */
  readonly shortWindow: string;
  readonly longWindow: string;
  readonly shortWindowMs: number;
  readonly longWindowMs: number;
  /** How many times faster than "exactly the budget over the period" the budget burns. */
  readonly burnRateFactor: number;
}

/** Go's `time.Duration.Hours()` on a whole number of milliseconds, bit for bit. */
function hours(ms: number): number {
  const whole = Math.floor(ms / 3_600_000);
  const nsec = (ms % 3_600_000) * 1_000_000;
  return whole + nsec / 3.6e12;
}

/** Sloth's `getBurnRateFactor`, with the same operation order (same float64 result). */
export function burnRateFactor(periodMs: number, errorBudgetPercent: number, longWindowMs: number): number {
  const hoursRequiredConsumption = (errorBudgetPercent * hours(periodMs)) / 100;
  return hoursRequiredConsumption / hours(longWindowMs);
}

/** Problems of an `AlertWindows` value, each naming the field path. */
export function alertWindowsProblems(windows: AlertWindows, path = 'windows'): string[] {
  const problems: string[] = [];
  const period = parseDuration(windows.sloPeriod);
  if (period === undefined || period === 0) problems.push(`${path}.sloPeriod: "${windows.sloPeriod}" is not a positive Prometheus duration; use e.g. "30d"`);
  for (const severity of ['page', 'ticket'] as const) {
    for (const speed of ['quick', 'slow'] as const) {
      const at = `${path}.${severity}.${speed}`;
      const w = windows[severity]?.[speed];
      if (!w) {
        problems.push(`${at}: missing; every AlertWindows needs page.quick, page.slow, ticket.quick and ticket.slow`);
        continue;
      }
      if (typeof w.errorBudgetPercent !== 'number' || !(w.errorBudgetPercent > 0 && w.errorBudgetPercent <= 100)) {
        problems.push(`${at}.errorBudgetPercent: ${String(w.errorBudgetPercent)} is outside (0, 100]`);
      }
      const short = parseDuration(w.shortWindow);
      const long = parseDuration(w.longWindow);
      if (!short) problems.push(`${at}.shortWindow: "${w.shortWindow}" is not a positive Prometheus duration; use e.g. "5m"`);
      if (!long) problems.push(`${at}.longWindow: "${w.longWindow}" is not a positive Prometheus duration; use e.g. "1h"`);
      if (short && long && short >= long) problems.push(`${at}: shortWindow ${w.shortWindow} must be shorter than longWindow ${w.longWindow}`);
      if (long && period && long >= period) problems.push(`${at}.longWindow: ${w.longWindow} must be shorter than the SLO period ${windows.sloPeriod}`);
    }
  }
  return problems;
}

/** The four window pairs (page quick, page slow, ticket quick, ticket slow) with their factors. */
export function burnRateWindows(windows: AlertWindows): BurnRateWindow[] {
  const problems = alertWindowsProblems(windows);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const periodMs = parseDuration(windows.sloPeriod)!;
  const out: BurnRateWindow[] = [];
  for (const severity of ['page', 'ticket'] as const) {
    for (const speed of ['quick', 'slow'] as const) {
      const w = windows[severity][speed];
      const shortWindowMs = parseDuration(w.shortWindow)!;
      const longWindowMs = parseDuration(w.longWindow)!;
      out.push({
        severity,
        speed,
        errorBudgetPercent: w.errorBudgetPercent,
        shortWindow: formatDuration(shortWindowMs),
        longWindow: formatDuration(longWindowMs),
        shortWindowMs,
        longWindowMs,
        burnRateFactor: burnRateFactor(periodMs, w.errorBudgetPercent, longWindowMs),
      });
    }
  }
  return out;
}

/** The windows for a period from a catalogue (matched by duration, so `4w` finds `28d`). */
export function findAlertWindows(period: string, catalogue: readonly AlertWindows[] = DEFAULT_ALERT_WINDOWS): AlertWindows | undefined {
  const ms = parseDuration(period);
  if (ms === undefined) return undefined;
  return catalogue.find((w) => parseDuration(w.sloPeriod) === ms);
}

/**
 * Read a Sloth `AlertWindows` file (`apiVersion: sloth.slok.dev/v1`, `kind: AlertWindows`),
 * like the ones Sloth's `--slo-period-windows-path` takes.
 */
export function readSlothAlertWindows(text: string, source = 'windows'): AlertWindows {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  const d = doc as { apiVersion?: unknown; kind?: unknown; spec?: Record<string, unknown> } | null;
  if (!d || typeof d !== 'object') throw new Error(`${source}: expected a YAML mapping with apiVersion, kind and spec`);
  if (d.apiVersion !== 'sloth.slok.dev/v1' || d.kind !== 'AlertWindows') {
    throw new Error(`${source}: apiVersion/kind are "${String(d.apiVersion)}"/"${String(d.kind)}"; expected "sloth.slok.dev/v1"/"AlertWindows"`);
  }
  const spec = d.spec ?? {};
  const win = (sev: string, speed: string): AlertWindow => {
    const w = ((spec[sev] as Record<string, Record<string, unknown>> | undefined)?.[speed] ?? {}) as Record<string, unknown>;
    return {
      errorBudgetPercent: w.errorBudgetPercent as number,
      shortWindow: String(w.shortWindow ?? ''),
      longWindow: String(w.longWindow ?? ''),
    };
  };
  const windows: AlertWindows = {
    sloPeriod: String(spec.sloPeriod ?? ''),
    page: { quick: win('page', 'quick'), slow: win('page', 'slow') },
    ticket: { quick: win('ticket', 'quick'), slow: win('ticket', 'slow') },
  };
  const problems = alertWindowsProblems(windows, `${source}: spec`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return windows;
}
