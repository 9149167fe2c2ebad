import { ChildProcess, spawn } from 'child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'fs';
import { allocatePorts } from '../test/support/ports';
import { dirname, join } from 'path';

/**
 * Processes of the e2e harness and their cleanup. Every child runs in its own process group
 * behind a small `sh` guard that (1) forwards nothing and waits for the real program, so a
 * signal to the group reaches the program and the guard exits only after the program has,
 * and (2) kills the program when its stdin (a pipe from this process) reaches EOF: if this
 * process dies, even by SIGKILL, no child is left running.
 */

/** `sh -c` script of the guard; `$@` is the program and its args. */
export const GUARD_SCRIPT = [
  "trap ':' TERM INT HUP",
  // fd 3: the pipe from the harness; the program itself reads nothing.
  'exec 3<&0 </dev/null',
  '"$@" 3<&- &',
  'c=$!',
  // Watchdog: EOF on the pipe means the harness is gone (even if it was SIGKILLed).
  '{ while read -r _; do :; done; kill -KILL "$c" 2>/dev/null; } <&3 3<&- &',
  'w=$!',
  'exec 3<&-',
  's=0; wait "$c" || s=$?',
  // A trapped signal interrupts wait: wait again until the program has really exited.
  'while kill -0 "$c" 2>/dev/null; do s=0; wait "$c" || s=$?; done',
  'kill "$w" 2>/dev/null',
  'exit "$s"',
].join('\n');

export interface Service {
  readonly name: string;
  /** Process group id (the guard's pid). */
  readonly pgid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the program and its guard are gone. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Signal the whole group and wait for it to exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

const live = new Set<ManagedService>();

class ManagedService implements Service {
  readonly pgid: number;
  readonly exited: Promise<number | string>;
  private done = false;

  constructor(
    readonly name: string,
    child: ChildProcess,
    readonly logFile: string,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: could not be started`);
    this.pgid = child.pid;
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.done = true;
        live.delete(this);
        resolve(code ?? signal ?? 'unknown');
      });
    });
  }

  get running(): boolean {
    return !this.done;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.done) return;
    try {
      process.kill(-this.pgid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | string> {
    if (this.done) return this.exited;
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Start `command args` in its own process group, output appended to `logFile`. */
export function startService(name: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string }): Service {
  if (!existsSync(command)) throw new Error(`${name}: ${command} is not installed (apt-get install -y prometheus prometheus-alertmanager)`);
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn('sh', ['-c', GUARD_SCRIPT, `e2e-${name}`, command, ...args], {
      detached: true,
      stdio: ['pipe', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    // Never written to: only its EOF matters (when this process exits).
    child.stdin!.on('error', () => undefined);
    return new ManagedService(name, child, options.logFile);
  } finally {
    closeSync(fd);
  }
}

/** SIGKILL every process group still running (synchronous: usable in an 'exit' handler). */
export function killAllSync(): void {
  for (const s of live) s.signal('SIGKILL');
}

const tempDirs = new Set<string>();

/** A temporary directory that `cleanupSync` removes (and `forgetTempDir` no longer does). */
export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Last resort, for 'exit' handlers: kill every process group, remove every temporary directory. */
export function cleanupSync(): void {
  killAllSync();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * Stop every running service, gracefully, one at a time in reverse start order (an
 * Alertmanager leaving its cluster waits for a peer to acknowledge; a peer that is
 * stopping at the same time never does).
 */
export async function stopAll(timeoutMs = 10_000): Promise<void> {
  for (const s of [...live].reverse()) await s.stop('SIGTERM', timeoutMs);
}

export function runningServices(): string[] {
  return [...live].map((s) => `${s.name} (pgid ${s.pgid})`);
}

// ---------------------------------------------------------------------------------------

/** Loopback ports below the ephemeral range (test/support/ports.ts says why). */
export async function freePorts(count: number, options: { udp?: boolean } = {}): Promise<number[]> {
  return allocatePorts(count, options);
}

// ---------------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `probe` until it returns a value other than undefined, or fail after `timeoutMs`
 * with `what` and the last observation. Errors thrown by the probe count as "not yet".
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs: number; intervalMs?: number; describe?: () => string }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) {
      const detail = options.describe ? options.describe() : last;
      throw new Error(`timed out after ${options.timeoutMs / 1000}s waiting for ${what}${detail ? `; last: ${detail}` : ''}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/** GET/POST JSON with a timeout; throws on a non-2xx status, naming the URL and body. */
export async function http(url: string, init: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<any> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.body !== undefined ? { 'content-type': 'application/json' } : undefined,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------

/** Temporary roots of runs are named `obs-e2e-<pid>-*`: remove those whose process is gone. */
export function removeStaleRoots(tmp: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    const m = /^obs-e2e-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) continue;
    rmSync(join(tmp, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The last `lines` lines of a file (for failure reports). */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

/** The repository root (the folder of the package.json named observability-stack), from this file up. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'observability-stack') return dir;
    } catch {
      // not here
    }
    if (dirname(dir) === dir) throw new Error(`no observability-stack package.json above ${from}`);
  }
}
