import { RuleGroup, renderRuleFile, ruleGroupProblems } from './rule-group';

/**
 * Every rule group of the stack, by owning component, in registration order. The owner
 * emits its PrometheusRule; Prometheus mounts one rule file per owner. Both come from
 * the same RuleGroup objects.
 */
export class RuleRegistry {
  private readonly byOwner = new Map<string, RuleGroup[]>();
  private readonly groupNames = new Map<string, string>();

  /** Validates and records groups; throws naming the group, rule and field on bad input. */
  add(owner: string, groups: readonly RuleGroup[]): void {
    const problems: string[] = [];
    for (const group of groups) {
      problems.push(...ruleGroupProblems(group, `${owner}.ruleGroups[${group.name}]`));
      const other = this.groupNames.get(group.name);
      if (other !== undefined) problems.push(`${owner}.ruleGroups[${group.name}]: a group of this name is already declared by ${other}; group names must be unique`);
      this.groupNames.set(group.name, owner);
    }
    if (problems.length > 0) throw new Error(`Invalid rule groups:\n  - ${problems.join('\n  - ')}`);
    this.byOwner.set(owner, [...(this.byOwner.get(owner) ?? []), ...groups]);
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  groups(owner: string): readonly RuleGroup[] {
    return this.byOwner.get(owner) ?? [];
  }

  all(): readonly RuleGroup[] {
    return [...this.byOwner.values()].flat();
  }

  /** Rule files by file name (`<owner>.rules.yaml`), for the Prometheus rules ConfigMap. */
  ruleFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    for (const owner of [...this.byOwner.keys()].sort()) files[`${owner}.rules.yaml`] = renderRuleFile(this.byOwner.get(owner)!);
    return files;
  }
}
