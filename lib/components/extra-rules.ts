import { Construct } from 'constructs';
import { ComponentChart, StackContext } from '../k8s/component';
import { fromRuleFileGroup } from '../observability/rule-group';

/**
 * The rule groups of the user's own (`alerts.extraRuleGroups`), after every component has
 * declared its groups: in the rule files Prometheus loads (`extra-rules.rules.yaml`) and the
 * `extra-rules` PrometheusRule alike. The config check has validated them (PromQL, names,
 * durations); a name one of the stack's groups already has is refused here, naming both.
 */
export class ExtraRulesChart extends ComponentChart {
  constructor(scope: Construct, ctx: StackContext) {
    super(scope, ctx, 'extra-rules', 'alerting');
    const groups = ctx.config.alerts.extraRuleGroups ?? [];
    groups.forEach((group, i) => {
      const owner = ctx.rules.ownerOf(group.name);
      if (owner !== undefined) throw new Error(`alerts.extraRuleGroups[${i}].name: "${group.name}" is already a rule group of the stack (declared by ${owner}); give your group another name`);
    });
    this.addRuleGroups(groups.map(fromRuleFileGroup));
  }
}
