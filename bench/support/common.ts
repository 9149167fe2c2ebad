/**
 * Shared helpers of the benchmarks: the machine note, statistics, child processes that are
 * always killed (even when the benchmark fails or is interrupted), temporary folders that are
 * always removed, free loopback ports, a load generator (autocannon) in its own process, and
 * esbuild bundles.
 *
 * Every benchmark prints its figures as ratios against a baseline measured in the same run:
 * absolute numbers on a shared 2-core machine move with the neighbours' load, ratios much less.
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer } from 'net';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'os';
import { dirname, join, resolve } from 'path';

export const ROOT = resolve(__dirname, '..', '..');
export const EXPORTER_DIR = join(ROOT, 'exporter');
/** The shared fixtures (Sloth's generated rules); absent in a user's clone. */
export const SHARED_DIR = resolve(ROOT, '..', 'shared');

// ---------------------------------------------------------------------------------------------
// The machine

export interface MachineInfo {
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly node: string;
  readonly cpuModel: string;
  readonly loadAverage: string;
  readonly kernel: string;
}

export function machineInfo(): MachineInfo {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: os.cpus() is the fallback
  }
  let cpuModel = cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  let kernel: string = process.platform;
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // no uname
  }
  return {
    nproc,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    cpuModel,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    kernel,
  };
}

export function printMachine(title: string): MachineInfo {
  const m = machineInfo();
  console.log(`\n== ${title}`);
  console.log(`machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory (${m.freeMemoryGiB} free), node ${m.node}, ${m.kernel}, load average ${m.loadAverage}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Nearest-rank percentile (p in 0..100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

export function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
}

export function fixed(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Prints an aligned table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------
// Cleanup: children and temporary folders

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the child leads its own process group (detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every child still running and removes every temporary folder (synchronous). */
export function cleanupAll(): void {
  for (const c of children) killGroup(c, 'SIGKILL');
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      cleanupAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (e) => {
    console.error(e);
    cleanupAll();
    process.exit(1);
  });
}

export function tempDir(prefix: string): string {
  installHooks();
  const d = mkdtempSync(join(tmpdir(), `obs-bench-${prefix}-`));
  tempDirs.add(d);
  return d;
}

export function removeTempDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the child exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a child in its own process group, killed when this process exits, and after
 * `timeoutMs` at the latest (so a hung child cannot outlive its benchmark).
 */
export function startChild(command: string, args: readonly string[], options: SpawnOptions & { timeoutMs: number }): Child {
  installHooks();
  const { timeoutMs, ...spawnOptions } = options;
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions, detached: true });
  children.add(proc);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    proc.once('exit', (code, signal) => {
      children.delete(proc);
      clearTimeout(timer);
      res({ code, signal });
    });
    proc.once('error', (e) => {
      out += String(e);
      children.delete(proc);
      clearTimeout(timer);
      res({ code: -1, signal: null });
    });
  });
  const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), timeoutMs);
  timer.unref();
  return {
    process: proc,
    pid: proc.pid ?? -1,
    output: () => out,
    exited,
    async stop(graceMs = 3000) {
      killGroup(proc, 'SIGTERM');
      const t = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs a child to completion; rejects on a non-zero exit with its output. */
export async function runChild(command: string, args: readonly string[], options: SpawnOptions & { timeoutMs: number }): Promise<string> {
  const c = startChild(command, args, options);
  const { code, signal } = await c.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${c.output().slice(-4000)}`);
  return c.output();
}

// ---------------------------------------------------------------------------------------------
// Loopback networking

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export const sleep = (msec: number) => new Promise<void>((res) => setTimeout(res, msec));

/** Polls `url` until it answers 2xx; returns the time of that answer (performance.now()). */
export async function waitForOk(url: string, timeoutMs: number, intervalMs = 5, child?: Child): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && (child.process.exitCode !== null || child.process.signalCode !== null)) throw new Error(`the server exited before ${url} answered:\n${child.output().slice(-3000)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.ok) return performance.now();
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms${child ? `:\n${child.output().slice(-3000)}` : ''}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Load generator: autocannon's CLI in its own process

export interface LoadResult {
  /** Requests per second, mean over the run. */
  readonly rps: number;
  readonly latencyMedianMs: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly throughputBytesPerSec: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections?: number;
  readonly durationSeconds: number;
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Warm-up seconds before the sampled run (same connections; a separate, unmeasured run). */
  readonly warmupSeconds?: number;
  /** Fixed overall request rate (requests/s) instead of as fast as possible. */
  readonly rate?: number;
  /** Replace `[<id>]` in the body by a random id in each request. */
  readonly idReplacement?: boolean;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds) await load({ ...options, warmupSeconds: undefined, durationSeconds: options.warmupSeconds });
  const args = [join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '--json', '-n', '-c', String(options.connections ?? 10), '-d', String(options.durationSeconds)];
  if (options.method) args.push('-m', options.method);
  if (options.rate) args.push('-R', String(options.rate));
  if (options.idReplacement) args.push('-I');
  if (options.body !== undefined) args.push('-b', options.body);
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(options.url);
  const child = startChild(process.execPath, args, { timeoutMs: (options.durationSeconds + (options.warmupSeconds ?? 0) + 60) * 1000 });
  const { code } = await child.exited;
  const text = child.output();
  // --json prints one line per result (the warm-up's first): the last one is the measured run
  const json = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (code !== 0 || !json) throw new Error(`autocannon failed (${code}):\n${text.slice(-3000)}`);
  const r = JSON.parse(json) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    throughput: { average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    rps: r.requests.average,
    latencyMedianMs: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    throughputBytesPerSec: r.throughput.average,
  };
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

export interface ServerLoadResult extends LoadResult {
  /** CPU time the server process used per request during the measured run. */
  readonly cpuMsPerRequest: number;
}

/**
 * `load`, plus the server's CPU time per request over the measured run: CPU per request
 * measures the server's work and moves much less than req/s with the neighbours' load.
 */
export async function loadServer(pid: number, options: LoadOptions): Promise<ServerLoadResult> {
  if (options.warmupSeconds) await load({ ...options, warmupSeconds: undefined, durationSeconds: options.warmupSeconds });
  const before = cpuSeconds(pid);
  const r = await load({ ...options, warmupSeconds: undefined });
  const used = cpuSeconds(pid) - before;
  return { ...r, cpuMsPerRequest: (1000 * used) / Math.max(1, r.requests) };
}

/** A load result that failed requests make meaningless is an error, not a figure. */
export function assertClean<T extends LoadResult>(name: string, r: T): T {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts out of ${r.requests} requests`);
  if (r.requests === 0) throw new Error(`${name}: no request completed`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Bundles

/**
 * Bundles a TypeScript entry point with its packages into one CommonJS file (as the exporter
 * image does): each import is resolved from the file that makes it, so the exporter gets its
 * own express 5 / prom-client 15 and express-prometheus-middleware its express 4 / prom-client 13.
 */
export async function bundle(entry: string, outfile: string, external: readonly string[] = []): Promise<string> {
  const esbuild = await import('esbuild');
  // `bench-express5`: the express the exporter resolves (express 5), for the benchmark's own apps.
  const express5 = dirname(require.resolve('express/package.json', { paths: [EXPORTER_DIR] }));
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'error',
    external: [...external],
    alias: { 'bench-express5': express5 },
    outfile,
  });
  return outfile;
}

/**
 * Command-line options: `--name=value`, or `--name value` for the names in `valued`; any
 * other `--name` is a flag ('true').
 */
export function parseArgs(argv: readonly string[], valued: readonly string[] = []): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
    else if (valued.includes(a.slice(2))) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      options.set(a.slice(2), argv[++i]);
    } else options.set(a.slice(2), 'true');
  }
  return { positional, options };
}

export function numberOption(options: Map<string, string>, name: string, fallback: number): number {
  const v = options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: "${v}" is not a positive number`);
  return n;
}
