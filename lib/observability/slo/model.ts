import type { AlertWindows, BurnRateWindow } from './windows';

/**
 * The SLO pipeline, step by step (each step is a pure function with its own tests):
 *
 *   SloDeclaration (typed TS, or `readSlothSpec` of a Sloth `prometheus/v1` file)
 *     -> validateSlos()   -> Slo (validated, defaults applied, windows and factors resolved)
 *     -> sloRuleGroups()  -> RuleGroup[] (Sloth-compatible recording rules and alerts)
 *     -> renderRuleFile() (lib/observability/rule-group.ts) / PrometheusRule
 */

/** Error events over total events; both queries use `{{.window}}` for the range, like Sloth. */
export interface EventsSli {
  /** Rate (or count) of bad events over `{{.window}}`, e.g. `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`. */
  readonly errorQuery: string;
  /** Rate (or count) of all events over `{{.window}}`, e.g. `sum(rate(http_requests_total[{{.window}}]))`. */
  readonly totalQuery: string;
}

/** An error ratio (0..1) already computed by the query, over `{{.window}}`. */
export interface RawSli {
  readonly errorRatioQuery: string;
}

export type SliDeclaration =
  | { readonly events: EventsSli; readonly raw?: undefined }
  | { readonly raw: RawSli; readonly events?: undefined };

/** One of the two alerts (page or ticket) of an SLO. */
export interface SloAlertDeclaration {
  /** Do not generate this alert. @default false */
  readonly disable?: boolean;
  /** Labels of this alert only (merged over `alerting.labels`), e.g. `severity: critical`. */
  readonly labels?: Record<string, string>;
  /** Annotations of this alert only (merged over `alerting.annotations`). */
  readonly annotations?: Record<string, string>;
  /** Prometheus duration the condition must hold before firing; overrides `alerting.for`. @default `alerting.for` */
  readonly for?: string;
}

export interface SloAlertingDeclaration {
  /** Alert name used by both alerts; required unless both are disabled. */
  readonly name?: string;
  /** Labels of both alerts. */
  readonly labels?: Record<string, string>;
  /** Annotations of both alerts (`summary`, `title`, `description` replace the generated ones). */
  readonly annotations?: Record<string, string>;
  /**
   * Prometheus duration a burn-rate condition must hold before the alert fires.
   * @default none: fires at the first evaluation, as Sloth's alerts do
   */
  readonly for?: string;
  /** The fast-burn alert (14.4x over 1h/5m or 6x over 6h/30m for 30d). */
  readonly pageAlert?: SloAlertDeclaration;
  /** The slow-burn alert (3x over 1d/2h or 1x over 3d/6h for 30d). */
  readonly ticketAlert?: SloAlertDeclaration;
}

/** An SLO as the user declares it (TypeScript), or as read from a Sloth spec file. */
export interface SloDeclaration {
  /** Service the SLO belongs to; with `name` it forms the `sloth_id` (`<service>-<name>`). */
  readonly service: string;
  /** SLO name: letters, digits, `-`, `_`, `.`; starts and ends with a letter or digit. */
  readonly name: string;
  /** Target in percent, in (0, 100), e.g. 99.9. */
  readonly objective: number;
  readonly description?: string;
  /** Labels on every recording rule of this SLO (and so on its alerts). */
  readonly labels?: Record<string, string>;
  readonly sli: SliDeclaration;
  /** @default page and ticket alerts on; `alerting.name` is then required */
  readonly alerting?: SloAlertingDeclaration;
  /**
   * SLO period (Prometheus duration): `30d`, `28d` or `7d`, or any period of a custom
   * `AlertWindows` passed to `validateSlos`. @default '30d'
   */
  readonly period?: string;
}

export type Sli =
  | { readonly kind: 'events'; readonly errorQuery: string; readonly totalQuery: string }
  | { readonly kind: 'raw'; readonly errorRatioQuery: string };

/** A resolved alert of a validated SLO. */
export interface SloAlert {
  readonly severity: 'page' | 'ticket';
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly for?: string;
  /** The two window pairs (quick, slow) this alert watches. */
  readonly windows: readonly [BurnRateWindow, BurnRateWindow];
}

/** A validated SLO: every field checked, defaults applied, windows and factors resolved. */
export interface Slo {
  /** `<service>-<name>`, the `sloth_id` label. */
  readonly id: string;
  readonly service: string;
  readonly name: string;
  readonly objective: number;
  readonly description?: string;
  /** Labels on every recording rule. */
  readonly labels: Record<string, string>;
  readonly sli: Sli;
  /** In Prometheus's spelling (`30d`, `4w` for 28d, `1w` for 7d), like Sloth's window label. */
  readonly period: string;
  readonly periodMs: number;
  readonly alertWindows: AlertWindows;
  /** Page quick, page slow, ticket quick, ticket slow. */
  readonly burnRateWindows: readonly BurnRateWindow[];
  /** Undefined when disabled. */
  readonly pageAlert?: SloAlert;
  readonly ticketAlert?: SloAlert;
}

/** Thrown for invalid SLO input; `problems` lists each one with its field path. */
export class SloValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'SloValidationError';
  }
}
