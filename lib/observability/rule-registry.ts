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

  /**
   * Rule files by file name: `<owner>.rules.yaml`, or, when an owner's file would exceed
   * `maxBytes`, `<owner>-1.rules.yaml`, `<owner>-2.rules.yaml`, ... each holding whole groups.
   */
  ruleFiles(maxBytes: number = Number.POSITIVE_INFINITY): Record<string, string> {
    const files: Record<string, string> = {};
    for (const owner of [...this.byOwner.keys()].sort()) {
      const groups = this.byOwner.get(owner)!;
      const whole = renderRuleFile(groups);
      if (Buffer.byteLength(whole) <= maxBytes) {
        files[`${owner}.rules.yaml`] = whole;
        continue;
      }
      const parts: RuleGroup[][] = [[]];
      for (const group of groups) {
        const single = renderRuleFile([group]);
        if (Buffer.byteLength(single) > maxBytes) throw new Error(`${owner}.ruleGroups[${group.name}]: ${Buffer.byteLength(single)} bytes of rules in one group, over the ${maxBytes}-byte limit of a rules ConfigMap; split the group`);
        const current = parts[parts.length - 1];
        if (current.length > 0 && Buffer.byteLength(renderRuleFile([...current, group])) > maxBytes) parts.push([group]);
        else current.push(group);
      }
      parts.forEach((part, i) => (files[`${owner}-${i + 1}.rules.yaml`] = renderRuleFile(part)));
    }
    return files;
  }
}
