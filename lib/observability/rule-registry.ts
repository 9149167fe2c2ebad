import { RuleGroup, renderRuleFile, ruleGroupProblems } from './rule-group';

const RULE_FILE_HEADER_BYTES = Buffer.byteLength('groups:\n');

/**
 * Splits groups, in order, into parts whose rule file stays within `maxBytes` (whole
 * groups only). Each group is rendered once: a file is `groups:` plus each group's block.
 */
export function splitRuleGroups(groups: readonly RuleGroup[], maxBytes: number, owner = 'rules'): RuleGroup[][] {
  if (maxBytes === Number.POSITIVE_INFINITY) return [[...groups]];
  const parts: RuleGroup[][] = [[]];
  let partBytes = 0;
  for (const group of groups) {
    const bytes = Buffer.byteLength(renderRuleFile([group]));
    if (bytes > maxBytes) throw new Error(`${owner}.ruleGroups[${group.name}]: ${bytes} bytes of rules in one group, over the ${maxBytes}-byte limit of one Kubernetes object; split the group`);
    const current = parts[parts.length - 1];
    const added = current.length === 0 ? bytes : bytes - RULE_FILE_HEADER_BYTES;
    if (current.length > 0 && partBytes + added > maxBytes) {
      parts.push([group]);
      partBytes = bytes;
    } else {
      current.push(group);
      partBytes += added;
    }
  }
  return parts;
}

/**
 * Every rule group of the stack, by owning component, in registration order. The owner
 * emits its PrometheusRule; Prometheus mounts one rule file per owner. Both come from
 * the same RuleGroup objects.
 */
export class RuleRegistry {
  private readonly byOwner = new Map<string, RuleGroup[]>();
  private readonly groupNames = new Map<string, string>();
  private sealedBy: string | undefined;

  /** Validates and records groups; throws naming the group, rule and field on bad input. */
  add(owner: string, groups: readonly RuleGroup[]): void {
    if (this.sealedBy !== undefined) {
      throw new Error(
        `${owner}: rule groups [${groups.map((g) => g.name).join(', ')}] come too late: ${this.sealedBy}. ` +
          'Declare your own groups in the config (alerts.extraRuleGroups).',
      );
    }
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

  /**
   * No more groups: their rule files have been written (`reason` says where). A later `add`
   * throws instead of being silently left out of the rule files.
   */
  seal(reason: string): void {
    this.sealedBy = reason;
  }

  /** The owner of a group name, if one declared it. */
  ownerOf(groupName: string): string | undefined {
    return this.groupNames.get(groupName);
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
      const parts = splitRuleGroups(this.byOwner.get(owner)!, maxBytes, owner);
      if (parts.length === 1) files[`${owner}.rules.yaml`] = renderRuleFile(parts[0]);
      else parts.forEach((part, i) => (files[`${owner}-${i + 1}.rules.yaml`] = renderRuleFile(part)));
    }
    return files;
  }
}
