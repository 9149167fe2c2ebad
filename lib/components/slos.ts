import { Construct } from 'constructs';
import { ComponentChart, StackContext } from '../k8s/component';
import { generateSloRuleGroups, SloRuleOptions, validateSlos } from '../observability/slo';
import type { SloDeclaration } from '../observability/slo/model';
import type { ValidateOptions } from '../observability/slo/validate';

/** The SLOs as the generator was called for them (the e2e renders the same SLOs with a short period). */
export interface SloSource {
  readonly declarations: readonly SloDeclaration[];
  readonly options?: SloRuleOptions;
  readonly validateOptions?: ValidateOptions;
}

/**
 * The environment's SLOs: validated (a bad SLO fails the synth naming `slos[i].field`),
 * then emitted as Sloth-compatible recording rules and burn-rate alerts through the
 * rule-group building block (PrometheusRule + Prometheus rule file).
 */
export class SlosChart extends ComponentChart {
  readonly sloSource: SloSource;

  constructor(scope: Construct, ctx: StackContext) {
    super(scope, ctx, 'slos', 'alerting');
    this.sloSource = { declarations: ctx.config.slos.declarations, options: {} };
    const slos = validateSlos(this.sloSource.declarations, { path: 'slos.declarations' });
    this.addRuleGroups(generateSloRuleGroups(slos, this.sloSource.options));
  }
}
