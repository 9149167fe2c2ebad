/**
 * Helpers for `promtool test rules` files of the SLO tests: input-series text from per-step
 * values, and a parser of promtool's report of failed `promql_expr_test`s (used to read
 * what a rule set actually produced at each evaluation time).
 */
import { spawnSync } from 'child_process';
import { parseDuration } from '../../lib/observability/slo/format';
import { ToolResult, toolPath } from './tools';

/**
 * `promtool test rules` whose report may be large (every firing alert at every evaluation
 * time of a long scenario): like tools.ts's `promtool`, with a larger output buffer.
 */
export function promtoolTestRules(files: readonly string[], cwd: string): ToolResult {
  const res = spawnSync(toolPath('promtool'), ['test', 'rules', ...files], { cwd, encoding: 'utf8', timeout: 900_000, maxBuffer: 512 * 1024 * 1024 });
  if (res.error) throw res.error;
  const stdout = res.stdout ?? '';
  const stderr = res.stderr ?? '';
  return { status: res.status ?? -1, stdout, stderr, output: stdout + stderr };
}

/** A per-step sample: a number, `undefined` for no sample, `null` for a staleness marker. */
export type Step = number | undefined | null;

/**
 * promtool's `values:` text for the given samples (one per `interval`), compressed with
 * its expanding notation: `a+bxn` is the n+1 values a, a+b, ..., a+n*b (only used with
 * integer steps, so the expansion is exact), `_xn` is n missing samples, `stale` a marker.
 */
export function seriesValues(values: readonly Step[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (v === undefined) {
      let j = i;
      while (j < values.length && values[j] === undefined) j++;
      out.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
      continue;
    }
    if (v === null) {
      out.push('stale');
      i++;
      continue;
    }
    const next = values[i + 1];
    if (typeof next === 'number' && Number.isInteger(next - v) && Number.isInteger(v)) {
      const step = next - v;
      let j = i + 1;
      while (j + 1 < values.length && typeof values[j + 1] === 'number' && (values[j + 1] as number) - (values[j] as number) === step) j++;
      out.push(`${v}${step >= 0 ? '+' : '-'}${Math.abs(step)}x${j - i}`);
      i = j + 1;
      continue;
    }
    if (typeof next === 'number' && next === v) {
      let j = i + 1;
      while (j + 1 < values.length && values[j + 1] === v) j++;
      out.push(`${v}+0x${j - i}`);
      i = j + 1;
      continue;
    }
    out.push(String(v));
    i++;
  }
  return out.join(' ');
}

/** Cumulative counter values from per-step increments (`undefined` = series absent at that step). */
export function counter(increments: ReadonlyArray<number | undefined>): Step[] {
  let total = 0;
  let present = false;
  return increments.map((inc) => {
    if (inc === undefined) {
      const wasPresent = present;
      present = false;
      return wasPresent ? null : undefined;
    }
    present = true;
    total += inc;
    return total;
  });
}

export interface ExprResult {
  readonly expr: string;
  /** Milliseconds after the start of the test. */
  readonly time: number;
  readonly samples: ReadonlyArray<{ readonly labels: Record<string, string>; readonly value: number }>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** `{a="1", b="2"} 1E+00, {...} 2E+00` -> samples. */
function parseSamples(text: string): ExprResult['samples'] {
  if (text.trim() === 'nil') return [];
  const samples: Array<{ labels: Record<string, string>; value: number }> = [];
  const re = /\{([^}]*)\}\s+(\S+?)(?:,\s*|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text.trim())) !== null) {
    const labels: Record<string, string> = {};
    for (const l of m[1].matchAll(LABEL)) labels[l[1]] = JSON.parse(`"${l[2]}"`);
    samples.push({ labels, value: Number(m[2]) });
  }
  return samples;
}

/**
 * The `got:` of every failed `promql_expr_test` in promtool 2.42's report:
 *
 *     expr: "<go-quoted expr>", time: 5m,
 *         exp: nil
 *         got: {a="b"} 1E+00, {a="c"} 1E+00
 *
 * Throws if the report contains anything else (a failure that is not such a block), so a
 * broken test file cannot pass for "no alerts".
 */
export function parseExprFailures(output: string): ExprResult[] {
  const results: ExprResult[] = [];
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s+expr: (".*"), time: (\S+),$/.exec(lines[i]);
    if (!head) continue;
    const exp = /^\s+exp: (.*)$/.exec(lines[i + 1] ?? '');
    const got = /^\s+got: (.*)$/.exec(lines[i + 2] ?? '');
    if (!exp || !got) throw new Error(`unexpected promtool report near line ${i + 1}:\n${lines.slice(i, i + 3).join('\n')}`);
    const time = parseDuration(head[2] === '0s' ? '0s' : head[2]);
    if (time === undefined) throw new Error(`unexpected time "${head[2]}" in promtool report`);
    results.push({ expr: JSON.parse(head[1]) as string, time, samples: parseSamples(got[1]) });
    i += 2;
  }
  const blocks = (output.match(/^\s+expr: /gm) ?? []).length;
  if (blocks !== results.length) throw new Error(`could not read every failure of the promtool report:\n${output.slice(0, 4000)}`);
  if (/FAILED:/.test(output) && results.length === 0) throw new Error(`promtool failed for another reason:\n${output.slice(0, 4000)}`);
  return results;
}

/** Prometheus duration text for whole minutes (promtool's eval_time). */
export function minutes(m: number): string {
  return `${m}m`;
}
