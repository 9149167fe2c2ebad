import { ChildProcess, spawn } from 'child_process';
import { allocatePort } from './ports';

/** A binary started by a test, its output kept for failure messages. */
export class TestProcess {
  private readonly child: ChildProcess;
  log = '';

  constructor(readonly name: string, binary: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(binary, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }
}

/** A loopback port below the ephemeral range (./ports.ts says why). */
export async function freePort(): Promise<number> {
  return allocatePort();
}

/** Polls `fn` until it returns a value; fails naming what was awaited and the processes' logs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, processes: readonly TestProcess[] = [], timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const dead = processes.find((p) => p.exited);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.log.slice(-4000)}`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what} (${String(last)})\n${processes.map((p) => `--- ${p.name} ---\n${p.log.slice(-3000)}`).join('\n')}`);
}
