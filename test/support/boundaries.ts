/**
 * Boundary cases of alert thresholds: for each threshold, input data just above and just below
 * it (the value taken from the config, never from the rule text), run through the stack's
 * rendered rule groups with `promtool test rules`. A threshold rendered wrong (14.4 -> 14,
 * 10 -> 30) makes one side of its case fail, which a scenario far from the threshold cannot.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import type { StackConfig } from '../../lib/config/types';
import { synthesizeAll } from '../../lib/synth';
import { toYaml } from '../../lib/render/yaml';
import { allObjects } from './synth';
import { ToolResult, withFiles } from './tools';
import { promtoolTestRules } from './slo-series';

export interface Series {
  readonly series: string;
  readonly values: string;
}

/** Which side of a threshold the data sit on (for a duration: just after or just before). */
export type Side = 'above' | 'below';
export const SIDES: readonly Side[] = ['above', 'below'];

export interface BoundaryCase {
  /** Alert name, group and threshold path with its value, e.g. `TargetDown [infrastructure] thresholds.infrastructure.targetDown.percent = 10`. */
  readonly name: string;
  /** Input series (one sample per `interval`) for a side. */
  readonly series: (side: Side) => readonly Series[];
  /** `ALERTS` matchers of the one alert instance under test, e.g. `alertname="TargetDown", job="b"`. */
  readonly alert: string;
  /** The side on which that instance fires (the other side must leave it quiet). */
  readonly firesWhen: Side;
  /** When the alert's state is checked, per side (a duration threshold checks two times). */
  readonly evalTime: (side: Side) => string;
  /** @default '1m' */
  readonly interval?: string;
}

type Obj = Record<string, any>;

/** The rule files of the stack's Prometheus (file -> text), as its `prometheus-rules` ConfigMap holds them. */
export function stackRuleFiles(config: StackConfig): Record<string, string> {
  const files = synthesizeAll([config]);
  const cms = allObjects(files).filter((o) => o.file.startsWith(`${config.environment}/`) && o.object.kind === 'ConfigMap' && o.object.metadata.name === 'prometheus-rules');
  if (cms.length !== 1) throw new Error(`expected one prometheus-rules ConfigMap for ${config.environment}, found ${cms.length}`);
  return { ...(cms[0].object.data as Record<string, string>) };
}

/** The groups (each as a one-group rule file) that hold an alert rule of this name, keyed `<file>#<group>`. */
export function groupsWithAlert(files: Readonly<Record<string, string>>, alertname: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    for (const g of (parse(text) as { groups: Obj[] }).groups) {
      if ((g.rules as Obj[]).some((r) => r.alert === alertname)) out[`${file}#${g.name}`] = toYaml({ groups: [g] });
    }
  }
  if (Object.keys(out).length === 0) throw new Error(`no rule group of the stack has an alert ${alertname}`);
  return out;
}

/** The rule group of that name as a one-group rule file. */
export function groupFile(files: Readonly<Record<string, string>>, groupName: string): string {
  for (const text of Object.values(files)) {
    const g = (parse(text) as { groups: Obj[] }).groups.find((x) => x.name === groupName);
    if (g) return toYaml({ groups: [g] });
  }
  throw new Error(`no rule group ${groupName} in the stack's rule files`);
}

/** The test-group name of a case's side, as promtool reports it. */
export function groupName(c: BoundaryCase, side: Side): string {
  return `${c.name} [${side}: ${side === c.firesWhen ? 'fires' : 'quiet'}]`;
}

export interface BoundaryResult extends ToolResult {
  /** Names of the test groups that failed (from promtool's JUnit report). */
  readonly failed: string[];
}

const XML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&#34;': '"', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

/** Names of the failed test cases of a JUnit report (promtool's `--junit`: one case per test group). */
export function failedCases(junit: string): string[] {
  return [...junit.matchAll(/<testcase name="([^"]*)"\s*>([\s\S]*?)<\/testcase>/g)]
    .filter((m) => /<(failure|error)>/.test(m[2]))
    .map((m) => m[1].replace(/&[#\w]+;/g, (e) => XML_ENTITIES[e] ?? e));
}

/**
 * One `promtool test rules` run: the rule files, and two test groups per case (each side its
 * own TSDB) asserting `count(ALERTS{<alert>, alertstate="firing"})` is 1 on the firing side
 * and empty on the other. promtool's report of a failed expression does not name its test
 * group; its JUnit report does.
 */
export function runBoundaries(ruleFiles: Readonly<Record<string, string>>, cases: readonly BoundaryCase[], evaluationInterval = '1m'): BoundaryResult {
  const names = Object.keys(ruleFiles).map((_, i) => `rules-${i}.yml`);
  const tests = cases.flatMap((c) =>
    SIDES.map((side) => ({
      name: groupName(c, side),
      interval: c.interval ?? '1m',
      input_series: c.series(side),
      promql_expr_test: [
        {
          expr: `count(ALERTS{${c.alert}, alertstate="firing"})`,
          eval_time: c.evalTime(side),
          exp_samples: side === c.firesWhen ? [{ labels: '{}', value: 1 }] : [],
        },
      ],
    })),
  );
  // Groups in file order at each evaluation (recording groups before the alerts that read
  // them): without it promtool's order is not the files', and an alert evaluated before the
  // recording it reads sees the previous evaluation's value (gone after 5m of lookback).
  const order = Object.values(ruleFiles).flatMap((text) => (parse(text) as { groups: Obj[] }).groups.map((g) => g.name as string));
  const files: Record<string, string> = { 'tests.yml': toYaml({ rule_files: names, evaluation_interval: evaluationInterval, group_eval_order: order, tests }) };
  Object.values(ruleFiles).forEach((text, i) => (files[names[i]] = text));
  return withFiles(files, (dir) => {
    const res = promtoolTestRules(['--junit=junit.xml', 'tests.yml'], dir);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const count = (junit.match(/<testcase /g) ?? []).length;
    if (count !== tests.length) throw new Error(`promtool's JUnit report has ${count} test cases, expected ${tests.length}:\n${res.output.slice(0, 3000)}`);
    return { ...res, failed: failedCases(junit) };
  });
}

/**
 * `text` with every `from` replaced by `to`; throws when `from` does not occur (a mutation
 * that changed nothing proves nothing), or not `count` times when given.
 */
export function mutate(text: string, from: string | RegExp, to: string, count?: number): string {
  const re = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(from.source, from.flags.includes('g') ? from.flags : `${from.flags}g`);
  const found = text.match(re)?.length ?? 0;
  if (found === 0 || (count !== undefined && found !== count)) throw new Error(`mutation ${String(from)} -> ${to}: found ${found} times, expected ${count ?? 'at least 1'}`);
  return text.replace(re, to);
}

/** The rule files (whole) that hold an alert rule of this name. */
export function filesWithAlert(files: Readonly<Record<string, string>>, alertname: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    if ((parse(text) as { groups: Obj[] }).groups.some((g) => (g.rules as Obj[]).some((r) => r.alert === alertname))) out[file] = text;
  }
  if (Object.keys(out).length === 0) throw new Error(`no rule file of the stack has an alert ${alertname}`);
  return out;
}

/** Smallest integer count `e` with `e / total >= ratio * (1 + rel)` (above), or largest with `e / total <= ratio * (1 - rel)` (below). */
export function countNear(ratio: number, total: number, side: Side, rel: number): number {
  return side === 'above' ? Math.ceil(ratio * total * (1 + rel)) : Math.floor(ratio * total * (1 - rel));
}

/** `ratio` moved by `rel` (relative) to the given side. */
export function near(value: number, side: Side, rel: number): number {
  return side === 'above' ? value * (1 + rel) : value * (1 - rel);
}

/** promtool's `values:` of a counter starting at 0 growing `perStep` a step, `steps` steps. */
export function linear(perStep: number, steps: number, start = 0): string {
  return `${start}${perStep >= 0 ? '+' : '-'}${Math.abs(perStep)}x${steps}`;
}
