import { promqlError } from '../query';
import { normalizeDuration, parseDuration } from './format';
import { Sli, Slo, SloAlert, SloAlertDeclaration, SloDeclaration, SloValidationError } from './model';
import { AlertWindows, DEFAULT_ALERT_WINDOWS, alertWindowsProblems, burnRateWindows, findAlertWindows } from './windows';

/** Sloth's name rule (`pkg/common/conventions`): alphanumeric ends; letters, digits, `-`, `_`, `.` inside. */
const NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus (2.42 `rulefmt`) accepts an alert name that is a valid metric name. */
const ALERT_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** `{{.window}}` as Sloth's Go templates accept it (`{{ .window }}` too). */
export const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;

/** Labels the generator sets itself; a user label with one of these names would break the rules. */
export const RESERVED_LABELS: readonly string[] = ['sloth_id', 'sloth_service', 'sloth_slo', 'sloth_window', 'sloth_severity', 'sloth_alert_window'];

export interface ValidateOptions {
  /**
   * Alert windows for periods other than the built-in 30d, 28d and 7d, or to replace them
   * (an entry here wins over a built-in one with the same period). @default none
   */
  readonly alertWindows?: readonly AlertWindows[];
}

/** Replace `{{.window}}` with a Prometheus duration. */
export function renderWindow(query: string, window: string): string {
  return query.replace(WINDOW_PLACEHOLDER, window);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelProblems(labels: unknown, at: string, kind: 'label' | 'annotation', reserved: readonly string[]): string[] {
  if (labels === undefined) return [];
  if (!isRecord(labels)) return [`${at}: expected a map of ${kind} name to string value`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__')) {
      problems.push(`${at}.${key}: not a valid ${kind} name; use letters, digits and '_' (not starting with a digit or '__')`);
    } else if (reserved.includes(key)) {
      problems.push(`${at}.${key}: reserved, the generator sets it; choose another ${kind} name`);
    }
    if (typeof value !== 'string') problems.push(`${at}.${key}: ${JSON.stringify(value)} is not a string; quote it`);
    else if (value === '') problems.push(`${at}.${key}: empty value; give it a value or remove the ${kind}`);
  }
  return problems;
}

function queryProblems(query: unknown, at: string): string[] {
  if (typeof query !== 'string' || query.trim() === '') return [`${at}: required, a PromQL query using {{.window}} as its range`];
  const problems: string[] = [];
  if (query.search(WINDOW_PLACEHOLDER) < 0) {
    problems.push(`${at}: does not use {{.window}}; every window (5m ... 30d) would measure the same thing. Write the range as [{{.window}}]`);
  }
  const rendered = renderWindow(query, '5m');
  if (rendered.includes('{{')) {
    problems.push(`${at}: unsupported template action; only {{.window}} is available`);
    return problems;
  }
  const err = promqlError(rendered);
  if (err) problems.push(`${at}: invalid PromQL (with {{.window}} as 5m), ${err.message}`);
  else if (promqlError(`(${rendered.trimEnd()})`)) {
    problems.push(`${at}: the query ends in a '#' comment, which would swallow the parentheses the generator puts around it; move the comment to its own line above`);
  }
  return problems;
}

function durationProblem(value: unknown, at: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' || parseDuration(value) === undefined) return [`${at}: ${JSON.stringify(value)} is not a Prometheus duration; use e.g. "5m"`];
  return [];
}

/** Problems of one declaration, each naming its field path (`slos[2].objective: ...`). */
export function sloProblems(decl: SloDeclaration, path: string, options: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  if (!isRecord(decl)) return [`${path}: expected an SLO object`];
  for (const field of ['service', 'name'] as const) {
    const v = decl[field];
    if (typeof v !== 'string' || v === '') problems.push(`${path}.${field}: required`);
    else if (!NAME.test(v)) problems.push(`${path}.${field}: "${v}" is not allowed; use letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
  }
  const o = decl.objective;
  if (typeof o !== 'number' || !Number.isFinite(o)) {
    problems.push(`${path}.objective: ${JSON.stringify(o)} is not a number; give the target in percent, e.g. 99.9`);
  } else if (o <= 0 || o >= 100) {
    const why = o === 100 ? ' (100 leaves no error budget: every burn rate would divide by zero)' : '';
    problems.push(`${path}.objective: ${o} is outside (0, 100)${why}; give the target in percent, e.g. 99.9`);
  } else if (o < 1) {
    problems.push(`${path}.objective: ${o} looks like a ratio; objectives are percentages (write ${+(o * 100).toPrecision(12)}, not ${o})`);
  }
  if (decl.description !== undefined && typeof decl.description !== 'string') problems.push(`${path}.description: must be a string`);
  problems.push(...labelProblems(decl.labels, `${path}.labels`, 'label', RESERVED_LABELS));

  const sli = decl.sli as unknown;
  if (!isRecord(sli)) {
    problems.push(`${path}.sli: required, with either events {errorQuery, totalQuery} or raw {errorRatioQuery}`);
  } else {
    const kinds = ['events', 'raw'].filter((k) => sli[k] !== undefined);
    if (kinds.length !== 1) {
      problems.push(`${path}.sli: ${kinds.length === 0 ? 'needs' : 'has both'} events and raw; give exactly one of events {errorQuery, totalQuery} or raw {errorRatioQuery}`);
    } else if (kinds[0] === 'events') {
      const ev = sli.events;
      if (!isRecord(ev)) problems.push(`${path}.sli.events: expected {errorQuery, totalQuery}`);
      else {
        problems.push(...queryProblems(ev.errorQuery, `${path}.sli.events.errorQuery`));
        problems.push(...queryProblems(ev.totalQuery, `${path}.sli.events.totalQuery`));
      }
    } else {
      const raw = sli.raw;
      if (!isRecord(raw)) problems.push(`${path}.sli.raw: expected {errorRatioQuery}`);
      else problems.push(...queryProblems(raw.errorRatioQuery, `${path}.sli.raw.errorRatioQuery`));
    }
  }

  const period = decl.period ?? '30d';
  const catalogue = [...(options.alertWindows ?? []), ...DEFAULT_ALERT_WINDOWS];
  if (typeof period !== 'string' || parseDuration(period) === undefined) {
    problems.push(`${path}.period: ${JSON.stringify(period)} is not a Prometheus duration; use "30d", "28d" or "7d"`);
  } else if (!findAlertWindows(period, catalogue)) {
    const known = catalogue.map((w) => w.sloPeriod).filter((p, i, a) => a.indexOf(p) === i);
    problems.push(`${path}.period: no alert windows for "${period}"; use one of ${known.join(', ')}, or pass alertWindows for it`);
  }

  const alerting = decl.alerting as unknown;
  if (alerting !== undefined && !isRecord(alerting)) {
    problems.push(`${path}.alerting: expected an object`);
  } else {
    const a = (alerting ?? {}) as Record<string, unknown>;
    const at = `${path}.alerting`;
    const page = a.pageAlert as SloAlertDeclaration | undefined;
    const ticket = a.ticketAlert as SloAlertDeclaration | undefined;
    const enabled = [page, ticket].some((x) => !(isRecord(x) && x.disable === true));
    if (enabled) {
      if (typeof a.name !== 'string' || a.name === '') {
        problems.push(`${at}.name: required for the page and ticket alerts; set it, or disable both (pageAlert.disable and ticketAlert.disable)`);
      } else if (!ALERT_NAME.test(a.name)) {
        problems.push(`${at}.name: "${a.name}" is not a valid alert name; use letters, digits and '_' (e.g. MyServiceHighErrorRate)`);
      }
    }
    problems.push(...labelProblems(a.labels, `${at}.labels`, 'label', RESERVED_LABELS));
    problems.push(...labelProblems(a.annotations, `${at}.annotations`, 'annotation', []));
    problems.push(...durationProblem(a.for, `${at}.for`));
    for (const key of ['pageAlert', 'ticketAlert'] as const) {
      const x = a[key];
      if (x === undefined) continue;
      if (!isRecord(x)) {
        problems.push(`${at}.${key}: expected an object`);
        continue;
      }
      if (x.disable !== undefined && typeof x.disable !== 'boolean') problems.push(`${at}.${key}.disable: must be true or false`);
      problems.push(...labelProblems(x.labels, `${at}.${key}.labels`, 'label', RESERVED_LABELS));
      problems.push(...labelProblems(x.annotations, `${at}.${key}.annotations`, 'annotation', []));
      problems.push(...durationProblem(x.for, `${at}.${key}.for`));
    }
  }
  return problems;
}

function windowsOptionProblems(options: ValidateOptions): string[] {
  return (options.alertWindows ?? []).flatMap((w, i) => alertWindowsProblems(w, `alertWindows[${i}]`));
}

/** The `severity` label of an SLO alert whose spec sets none (page -> critical, ticket -> warning). */
export const DEFAULT_SEVERITY: Readonly<Record<'page' | 'ticket', string>> = { page: 'critical', ticket: 'warning' };

function resolveAlert(decl: SloDeclaration, severity: 'page' | 'ticket', windows: Slo['burnRateWindows']): SloAlert | undefined {
  const a = decl.alerting ?? {};
  const own = (severity === 'page' ? a.pageAlert : a.ticketAlert) ?? {};
  if (own.disable) return undefined;
  const pair = windows.filter((w) => w.severity === severity);
  const forDuration = own.for ?? a.for;
  return {
    severity,
    name: a.name!,
    // A page alert without a `severity` label would never page: routing keys on `severity`.
    // Page alerts get `critical`, ticket alerts `warning`, unless the spec sets it.
    labels: { severity: DEFAULT_SEVERITY[severity], ...(a.labels ?? {}), ...(own.labels ?? {}) },
    annotations: { ...(a.annotations ?? {}), ...(own.annotations ?? {}) },
    ...(forDuration !== undefined ? { for: normalizeDuration(forDuration)! } : {}),
    windows: [pair[0], pair[1]],
  };
}

/** The validated model of one declaration (assumes `sloProblems` found nothing). */
function toModel(decl: SloDeclaration, options: ValidateOptions): Slo {
  const catalogue = [...(options.alertWindows ?? []), ...DEFAULT_ALERT_WINDOWS];
  const periodMs = parseDuration(decl.period ?? '30d')!;
  const alertWindows = findAlertWindows(decl.period ?? '30d', catalogue)!;
  const windows = burnRateWindows(alertWindows);
  const sli: Sli = decl.sli.events
    ? { kind: 'events', errorQuery: decl.sli.events.errorQuery, totalQuery: decl.sli.events.totalQuery }
    : { kind: 'raw', errorRatioQuery: decl.sli.raw!.errorRatioQuery };
  const pageAlert = resolveAlert(decl, 'page', windows);
  const ticketAlert = resolveAlert(decl, 'ticket', windows);
  return {
    id: `${decl.service}-${decl.name}`,
    service: decl.service,
    name: decl.name,
    objective: decl.objective,
    ...(decl.description !== undefined ? { description: decl.description } : {}),
    labels: { ...(decl.labels ?? {}) },
    sli,
    period: normalizeDuration(decl.period ?? '30d')!,
    periodMs,
    alertWindows,
    burnRateWindows: windows,
    ...(pageAlert ? { pageAlert } : {}),
    ...(ticketAlert ? { ticketAlert } : {}),
  };
}

/**
 * Validate declarations into the model. Collects every problem (with paths such as
 * `slos[2].objective`) and throws one `SloValidationError` listing them all.
 */
export function validateSlos(decls: readonly SloDeclaration[], options: ValidateOptions & { readonly path?: string } = {}): Slo[] {
  const path = options.path ?? 'slos';
  const problems: string[] = [];
  if (!Array.isArray(decls)) throw new SloValidationError([`${path}: expected a list of SLOs`]);
  problems.push(...windowsOptionProblems(options));
  const seen = new Map<string, number>();
  decls.forEach((decl, i) => {
    const p = sloProblems(decl, `${path}[${i}]`, options);
    problems.push(...p);
    if (isRecord(decl) && typeof decl.service === 'string' && typeof decl.name === 'string') {
      const id = `${decl.service}-${decl.name}`;
      const first = seen.get(id);
      if (first !== undefined) problems.push(`${path}[${i}]: SLO id "${id}" (service-name) is already used by ${path}[${first}]; SLO ids must be unique`);
      else seen.set(id, i);
    }
  });
  if (problems.length > 0) throw new SloValidationError(problems);
  return decls.map((d) => toModel(d, options));
}

/** Validate one declaration (path `slo`). */
export function validateSlo(decl: SloDeclaration, options: ValidateOptions = {}): Slo {
  const problems = [...windowsOptionProblems(options), ...sloProblems(decl, 'slo', options)];
  if (problems.length > 0) throw new SloValidationError(problems);
  return toModel(decl, options);
}
