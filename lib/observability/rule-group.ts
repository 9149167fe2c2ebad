import { parse } from 'yaml';
import { toYaml } from '../render/yaml';
import { promqlError } from './query';

/**
 * The rule-group building block: a rule group is declared once, and from it come both
 * the PrometheusRule custom resource (for prometheus-operator clusters) and the rule file
 * mounted into the stack's own Prometheus. Both are rendered from `ruleFileGroup()`, so
 * they are the same groups byte for byte.
 */

export type Severity = 'critical' | 'warning' | 'info';
export type Category = 'infrastructure' | 'application';

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration, e.g. `5m`. @default none (fires at once) */
  readonly for?: string;
  /** Prometheus duration; keeps the alert firing this long after the condition clears. */
  readonly keepFiringFor?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
  /** Unique in the stack; also names the rule file (`<name>.rules.yaml`). */
  readonly name: string;
  /** Prometheus duration; unset: the global evaluation interval. @default undefined */
  readonly interval?: string;
  /** Most alerts (or series) one rule of the group may produce; unset: no limit. @default undefined */
  readonly limit?: number;
  readonly rules: readonly Rule[];
}

/** An alerting rule as a Prometheus rule file spells it. */
export interface RuleFileAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A recording rule as a Prometheus rule file spells it. */
export interface RuleFileRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type RuleFileRule = RuleFileAlertingRule | RuleFileRecordingRule;

/**
 * A rule group in Prometheus's rule-file shape (an item of a rule file's `groups`), as you
 * would write it in YAML. Fields that Prometheus 2.42 does not know (`query_offset`,
 * `labels` of a group) are not accepted.
 */
export interface RuleFileGroup {
  readonly name: string;
  readonly interval?: string;
  readonly limit?: number;
  readonly rules: readonly RuleFileRule[];
}

/**
 * The groups of a Prometheus rule file (YAML text), for `alerts.extraRuleGroups`:
 * `readPrometheusRuleFile(readFileSync('rules/checkout.yml', 'utf8'), 'rules/checkout.yml')`.
 * Only the file's shape is checked here (a `groups` list of objects); the config check then
 * validates every group like the stack's, naming `alerts.extraRuleGroups[i]...`.
 */
export function readPrometheusRuleFile(text: string, source = 'rule file'): RuleFileGroup[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${source}: not YAML: ${(e as Error).message}`);
  }
  const groups = (doc as { groups?: unknown } | null)?.groups;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(groups)) throw new Error(`${source}: not a Prometheus rule file (expected "groups:" with a list of groups)`);
  groups.forEach((g, i) => {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new Error(`${source}: groups[${i}] is not a rule group (an object with name and rules)`);
  });
  return groups as RuleFileGroup[];
}

/** The building block's form of a rule-file group (`keep_firing_for` -> `keepFiringFor`). */
export function fromRuleFileGroup(group: RuleFileGroup): RuleGroup {
  return {
    name: group.name,
    ...(group.interval !== undefined ? { interval: group.interval } : {}),
    ...(group.limit !== undefined ? { limit: group.limit } : {}),
    rules: group.rules.map((rule): Rule => {
      if ('alert' in rule) {
        const { keep_firing_for: keepFiringFor, ...rest } = rule;
        return keepFiringFor !== undefined ? { ...rest, keepFiringFor } : rest;
      }
      return rule;
    }),
  };
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return (rule as AlertingRule).alert !== undefined;
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Validation problems of a rule group, each naming the field path and the fix. */
export function ruleGroupProblems(group: RuleGroup, path = `ruleGroups[${group.name}]`): string[] {
  const problems: string[] = [];
  if (!GROUP_NAME.test(group.name)) {
    problems.push(`${path}.name: "${group.name}" is not allowed; use lower-case letters, digits, '-' and '.' (it names a file and a ConfigMap key)`);
  }
  if (group.interval !== undefined && !DURATION.test(group.interval)) {
    problems.push(`${path}.interval: "${group.interval}" is not a Prometheus duration; use e.g. "30s" or "1m"`);
  }
  if (group.limit !== undefined && (!Number.isInteger(group.limit) || group.limit < 0)) {
    problems.push(`${path}.limit: ${group.limit} is not allowed; use a whole number >= 0 (0: no limit)`);
  }
  if (group.rules.length === 0) problems.push(`${path}.rules: a group needs at least one rule`);
  group.rules.forEach((rule, i) => {
    const at = `${path}.rules[${i}]`;
    if (isAlertingRule(rule)) {
      if (!METRIC_NAME.test(rule.alert)) problems.push(`${at}.alert: "${rule.alert}" is not a valid alert name; use letters, digits and '_'`);
      if (rule.for !== undefined && !DURATION.test(rule.for)) problems.push(`${at}.for: "${rule.for}" is not a Prometheus duration; use e.g. "5m"`);
      if (rule.keepFiringFor !== undefined && !DURATION.test(rule.keepFiringFor)) problems.push(`${at}.keepFiringFor: "${rule.keepFiringFor}" is not a Prometheus duration`);
    } else if (!METRIC_NAME.test(rule.record)) {
      problems.push(`${at}.record: "${rule.record}" is not a valid metric name; use letters, digits, '_' and ':'`);
    }
    const err = promqlError(rule.expr);
    if (err) problems.push(`${at}.expr: invalid PromQL, ${err.message}: ${rule.expr}`);
    for (const key of Object.keys(rule.labels ?? {})) {
      if (!LABEL_NAME.test(key) || key.startsWith('__')) problems.push(`${at}.labels.${key}: not a valid label name; use letters, digits and '_' (not starting with '__')`);
    }
  });
  return problems;
}

function sortedRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!record) return undefined;
  const keys = Object.keys(record);
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys.sort()) out[k] = record[k];
  return out;
}

// A group is converted and rendered once however many times it is used: by the PrometheusRule,
// by the rule file and by the byte counts that split both (groups are immutable values).
const fileGroups = new WeakMap<RuleGroup, Record<string, unknown>>();
const groupBlocks = new WeakMap<RuleGroup, string>();
const RULE_FILE_HEADER = 'groups:\n';

/** The group in Prometheus rule-file form (also the PrometheusRule `spec.groups[]` item). */
export function ruleFileGroup(group: RuleGroup): Record<string, unknown> {
  let out = fileGroups.get(group);
  if (out === undefined) {
    out = toRuleFileGroup(group);
    fileGroups.set(group, out);
  }
  return out;
}

function toRuleFileGroup(group: RuleGroup): Record<string, unknown> {
  const out: Record<string, unknown> = { name: group.name };
  if (group.interval) out.interval = group.interval;
  if (group.limit !== undefined) out.limit = group.limit;
  out.rules = group.rules.map((rule) => {
    const r: Record<string, unknown> = {};
    if (isAlertingRule(rule)) {
      r.alert = rule.alert;
      r.expr = rule.expr;
      if (rule.for) r.for = rule.for;
      if (rule.keepFiringFor) r.keep_firing_for = rule.keepFiringFor;
      const labels = sortedRecord(rule.labels);
      if (labels) r.labels = labels;
      const annotations = sortedRecord(rule.annotations);
      if (annotations) r.annotations = annotations;
    } else {
      r.record = rule.record;
      r.expr = rule.expr;
      const labels = sortedRecord(rule.labels);
      if (labels) r.labels = labels;
    }
    return r;
  });
  return out;
}

/**
 * The lines of one group in a rule file (`  - name: ...` and what follows): a file of several
 * groups is `groups:` followed by each group's block exactly as in a file of its own, since
 * YAML renders each item of a sequence independently of its siblings.
 */
function groupBlock(group: RuleGroup): string {
  let block = groupBlocks.get(group);
  if (block === undefined) {
    block = toYaml({ groups: [ruleFileGroup(group)] }).slice(RULE_FILE_HEADER.length);
    groupBlocks.set(group, block);
  }
  return block;
}

/** A Prometheus rule file holding the given groups. */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
  if (groups.length === 0) return toYaml({ groups: [] });
  return RULE_FILE_HEADER + groups.map(groupBlock).join('');
}

/** renderRuleFile without the per-group cache: one YAML rendering of the whole file (tests compare the two). */
export function renderRuleFileAtOnce(groups: readonly RuleGroup[]): string {
  return toYaml({ groups: groups.map(toRuleFileGroup) });
}

/**
 * The label an observer's alert about another cluster of a fleet carries besides `cluster`
 * (FleetClusterUnreachable, the store gateway of a cluster's bucket). Prometheus keeps an
 * alert's own `cluster` label when it sends it to Alertmanager, so notifications name the
 * affected cluster; but Thanos (sidecar, store gateway) overwrites series labels with the
 * external labels, so through Thanos Query the `ALERTS` series of such an alert says
 * `cluster="<observer>"`. Dashboards count it under this label instead.
 */
export const AFFECTED_CLUSTER_LABEL = 'affected_cluster';
