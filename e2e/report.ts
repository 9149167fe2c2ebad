import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { repoRoot } from './processes';
import type { Delivery } from './sinks';

/**
 * The record of one e2e run, under `test-results/e2e/<run>/` (gitignored; CI shows or keeps
 * it): `run.log` (timed lines, each scenario's assertions, what each sink received),
 * `report.json` (the same, structured) and the processes' own logs.
 */

export interface ScenarioResult {
  readonly name: string;
  status: 'passed' | 'failed' | 'skipped';
  readonly startedMs: number;
  durationMs: number;
  readonly checks: string[];
  error?: string;
}

export const RESULTS_DIR = join(repoRoot(), 'test-results', 'e2e');
const KEEP_RUNS = 10;

export class RunReport {
  readonly dir: string;
  readonly id: string;
  private readonly t0 = Date.now();
  private readonly lines: string[] = [];
  readonly scenarios: ScenarioResult[] = [];
  private current?: ScenarioResult;

  constructor(kind: 'e2e' | 'demo', base = RESULTS_DIR) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    this.id = `${kind}-${stamp}-${process.pid}`;
    this.dir = join(base, this.id);
    mkdirSync(this.dir, { recursive: true });
    // Keep the last runs only.
    const runs = readdirSync(base).filter((n) => n.startsWith(`${kind}-`)).sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUNS))) rmSync(join(base, old), { recursive: true, force: true });
  }

  elapsed(): number {
    return Date.now() - this.t0;
  }

  log = (line: string): void => {
    const text = `[${(this.elapsed() / 1000).toFixed(1).padStart(6)}s] ${line}`;
    this.lines.push(text);
    process.stdout.write(`${text}\n`);
  };

  /** A passed assertion of the current scenario, logged. */
  check(text: string): void {
    this.current?.checks.push(text);
    this.log(`  ok: ${text}`);
  }

  async scenario(name: string, run: () => Promise<void>, options: { skipBecause?: string } = {}): Promise<boolean> {
    const result: ScenarioResult = { name, status: 'skipped', startedMs: this.elapsed(), durationMs: 0, checks: [] };
    this.scenarios.push(result);
    if (options.skipBecause) {
      result.error = `not run: ${options.skipBecause}`;
      this.log(`SKIP ${name}: ${options.skipBecause}`);
      return false;
    }
    this.current = result;
    this.log(`SCENARIO ${name}`);
    try {
      await run();
      result.status = 'passed';
    } catch (e) {
      result.status = 'failed';
      result.error = e instanceof Error ? e.message : String(e);
      this.log(`FAIL ${name}: ${result.error}`);
    } finally {
      result.durationMs = this.elapsed() - result.startedMs;
      this.current = undefined;
    }
    if (result.status === 'passed') this.log(`PASS ${name} (${(result.durationMs / 1000).toFixed(1)}s)`);
    return result.status === 'passed';
  }

  /** Marks the scenario in progress as failed by an interruption (signal). */
  interrupt(reason: string): void {
    if (!this.current) return;
    this.current.status = 'failed';
    this.current.error = reason;
    this.current.durationMs = this.elapsed() - this.current.startedMs;
  }

  get failed(): boolean {
    return this.scenarios.some((s) => s.status !== 'passed');
  }

  /** Write run.log and report.json; returns the directory. */
  write(extra: { deliveries?: readonly Delivery[]; urls?: unknown; settings?: unknown; note?: string } = {}): string {
    const summary = [
      '',
      'SUMMARY',
      ...this.scenarios.map((s) => `  ${s.status.toUpperCase().padEnd(7)} ${s.name} (${(s.durationMs / 1000).toFixed(1)}s)${s.error ? `\n          ${s.error}` : ''}`),
      `  total ${(this.elapsed() / 1000).toFixed(1)}s`,
      '',
      'DELIVERIES (what each sink received, in order; ms since the sinks started)',
      ...(extra.deliveries ?? []).map((d) => `  ${String(d.at).padStart(7)} ${d.kind.padEnd(9)} ${describeDelivery(d)}${d.problems.length ? `  PROBLEMS: ${d.problems.join('; ')}` : ''}`),
    ];
    writeFileSync(join(this.dir, 'run.log'), [...this.lines, ...summary].join('\n') + '\n');
    writeFileSync(
      join(this.dir, 'report.json'),
      JSON.stringify({ id: this.id, totalMs: this.elapsed(), scenarios: this.scenarios, urls: extra.urls, settings: extra.settings, note: extra.note, deliveries: extra.deliveries ?? [] }, null, 2) + '\n',
    );
    return this.dir;
  }

  relativeDir(): string {
    return relative(process.cwd(), this.dir) || '.';
  }
}

/** One line per delivery: where it went and what it says. */
export function describeDelivery(d: Delivery): string {
  const b = d.body;
  switch (d.kind) {
    case 'slack':
      return `${d.key} ${b.attachments?.[0]?.title ?? b.text ?? ''} (sent by ${slackSender(d) ?? '?'})`;
    case 'pagerduty':
      return `${b.event_action} dedup_key=${String(b.dedup_key).slice(0, 12)}… ${b.payload?.summary ?? ''}`;
    case 'webhook':
      return `${b.status} ${b.groupKey} alerts=${(b.alerts ?? []).map((a: any) => `${a.labels.sloth_alert_window ?? a.labels.alertname}:${a.status}`).join(',')} (sent by ${b.externalURL})`;
    case 'email':
      return `to=${b.to.join(',')} tls=${b.tls} auth=${b.authUser ?? '-'} "${b.subject}"`;
  }
}

/** The Alertmanager URL in a Slack message's fallback text (`... | <external URL>/#/alerts?...`). */
export function slackSender(d: Delivery): string | undefined {
  const m = /\|\s*(https?:\/\/[^/\s]+)\/#\/alerts/.exec(d.body?.attachments?.[0]?.fallback ?? '');
  return m?.[1];
}
