/**
 * SLOs: declared once (TypeScript or a Sloth `prometheus/v1` file), validated into a model,
 * turned into Sloth-compatible recording rules and multi-window multi-burn-rate alerts.
 * See model.ts for the pipeline and rules.ts for what differs from Sloth and why.
 */
export * from './model';
export * from './windows';
export * from './format';
export type { ValidateOptions } from './validate';
export { validateSlos, validateSlo, sloProblems, renderWindow, RESERVED_LABELS } from './validate';
export * from './sloth-spec';
export * from './rules';
export * from './defaults';
