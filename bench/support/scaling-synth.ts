/**
 * One synth of both environments with N extra scraped services, each with an SLO, run by
 * bench/scaling.ts in a fresh process as `node scripts/run-ts.js bench/support/scaling-synth.ts N OUTDIR`
 * (the same esbuild runner as `npm run synth`). Prints one JSON line of timings.
 *
 * Each service is what a team adds for its own service: a ComponentChart with a ScrapeTarget
 * (pod annotations and a PodMonitor) and a rule group with one alert (bench/support/services.ts),
 * and one SLO (Sloth's getting-started availability SLO for that service) declared where users
 * declare SLOs, in the environment's config (`slos.declarations`). Rule groups reach both their
 * chart's PrometheusRule and the stack Prometheus's rules ConfigMap.
 *
 * The service charts must exist before the stack's Prometheus renders the rules ConfigMap (the
 * last step of MonitoringStack), so they are added at that moment: `addRulesConfigMap` is wrapped
 * to add them first. Everything else is the real pipeline: `synthesizeAll` (config validation,
 * SLO generation, toJson, YAML) and `writeOutput`.
 */
import { parse } from 'yaml';
import { production, staging } from '../../lib/config';
import { PrometheusChart } from '../../lib/components/prometheus';
import { RuleRegistry } from '../../lib/observability/rule-registry';
import type { ComponentChart } from '../../lib/k8s/component';
import type { MonitoringStack } from '../../lib/stack';
import { synthesizeAll, writeOutput } from '../../lib/synth';
import type { StackConfig } from '../../lib/config/types';
import { BenchServiceChart, gettingStartedSlo, serviceName } from './services';

const loadedAt = performance.now();

function main(): void {
  const n = Number(process.argv[2]);
  const outdir = process.argv[3];
  if (!Number.isInteger(n) || n < 0 || !outdir) throw new Error('usage: scaling-synth.ts N OUTDIR');
  let servicesMs = 0;
  const original = PrometheusChart.prototype.addRulesConfigMap;
  PrometheusChart.prototype.addRulesConfigMap = function (this: PrometheusChart) {
    const stack = this.node.scope as MonitoringStack;
    const t = performance.now();
    // The stack's chart list, as the stack itself fills it (read-only to users).
    for (let i = 0; i < n; i++) (stack.charts as ComponentChart[]).push(new BenchServiceChart(stack, i));
    servicesMs += performance.now() - t;
    original.call(this);
  };
  // The rule files of the stack's Prometheus (all of its rules ConfigMaps), per environment.
  // (Kept, and measured after the timed part.)
  const ruleFileSets: Array<Record<string, string>> = [];
  const ruleFiles = RuleRegistry.prototype.ruleFiles;
  RuleRegistry.prototype.ruleFiles = function (this: RuleRegistry, ...args: Parameters<RuleRegistry['ruleFiles']>) {
    const files = ruleFiles.apply(this, args);
    ruleFileSets.push(files);
    return files;
  };
  const withSlos = (c: StackConfig): StackConfig => ({
    ...c,
    slos: { ...c.slos, declarations: [...c.slos.declarations, ...Array.from({ length: n }, (_, i) => gettingStartedSlo(serviceName(i)))] },
  });
  const t0 = performance.now();
  const files = synthesizeAll([withSlos(staging), withSlos(production)]);
  const t1 = performance.now();
  const cpuBeforeWrite = process.cpuUsage();
  writeOutput(outdir, files);
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  // Everything below is measurement, not synth: its time is reported (postMs) and taken off
  // the wall time by bench/scaling.ts.
  const rulesConfigMapBytes = ruleFileSets.map((f) => Object.entries(f).reduce((a, [k, v]) => a + Buffer.byteLength(k) + Buffer.byteLength(v), 0));
  // The largest object as JSON (what a client-side `kubectl apply` stores in its annotation):
  // the 5 largest documents by YAML size are parsed back, as JSON sizes follow YAML sizes.
  const documents = [...files.values()].flatMap((content) => content.split(/^---\n/m));
  const candidates = documents.sort((a, b) => b.length - a.length).slice(0, 5);
  let largest = { bytes: 0, name: '' };
  for (const doc of candidates) {
    const o = parse(doc) as { kind: string; metadata?: { name?: string } };
    const size = Buffer.byteLength(JSON.stringify(o));
    if (size > largest.bytes) largest = { bytes: size, name: `${o.kind}/${o.metadata?.name}` };
  }
  let bytes = 0;
  let objects = 0;
  for (const content of files.values()) {
    bytes += Buffer.byteLength(content);
    objects += (content.match(/^kind: /gm) ?? []).length;
  }
  const result = { n, cpuMs: (cpu.user + cpu.system) / 1000, cpuSysMs: cpu.system / 1000, writeSysMs: (cpu.system - cpuBeforeWrite.system) / 1000, loadMs: loadedAt, servicesMs, synthMs: t1 - t0, writeMs: t2 - t1, totalInProcessMs: t2, files: files.size, objects, bytes, rulesBytes: Math.max(...rulesConfigMapBytes), largestObjectBytes: largest.bytes, largestObject: largest.name };
  process.stdout.write(JSON.stringify({ ...result, postMs: performance.now() - t2 }) + '\n');
}

// Run as the entry of scripts/run-ts.js (where require.main is the runner, not this module).
main();
