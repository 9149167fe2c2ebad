import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { dirname, join } from 'path';

/**
 * Runners for the real tools the checks rely on (Debian's promtool 2.42, amtool 0.25,
 * prometheus, alertmanager, kubectl's kustomize; np-guard's netpol-analyzer built at a pinned
 * version). A missing tool is a failure, not a skip: `.ci/run` installs them.
 */

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

/** Where pinned upstream tools are built (one folder per tool and version). */
export const TOOLS_CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'observability-stack', 'tools');

/**
 * Tools built from their upstream Go modules at a pinned version, not taken from PATH:
 * the binary's place under TOOLS_CACHE and how to build it there.
 */
const PINNED_TOOLS: Record<string, { readonly path: string; readonly build: string }> = {
  // np-guard's NetworkPolicy connectivity analyzer (test/network-policy.test.ts).
  k8snetpolicy: {
    path: 'netpol-analyzer-v1.4.4/k8snetpolicy',
    build:
      'd=$(mktemp -d) && cd $d && go mod init tools.local/netpol && go get github.com/np-guard/netpol-analyzer/cmd/netpolicy@v1.4.4 && ' +
      `go build -trimpath -o ${join(TOOLS_CACHE, 'netpol-analyzer-v1.4.4', 'k8snetpolicy')} github.com/np-guard/netpol-analyzer/cmd/netpolicy`,
  },
};

/** The binary of a tool: a pinned build under TOOLS_CACHE, or else the one on PATH. */
export function toolPath(name: string): string {
  const pinned = PINNED_TOOLS[name];
  if (pinned) {
    const path = join(TOOLS_CACHE, pinned.path);
    if (existsSync(path)) return path;
    throw new Error(`${name} is not built at ${path}; build it with:\n  ${pinned.build}`);
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed; run 'apt-get install -y prometheus prometheus-alertmanager' (as .ci/run does)`);
  }
}

export function runTool(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): ToolResult {
  const res = spawnSync(toolPath(name), args, { cwd: options.cwd, input: options.input, encoding: 'utf8', timeout: 120_000 });
  if (res.error) throw res.error;
  const stdout = res.stdout ?? '';
  const stderr = res.stderr ?? '';
  return { status: res.status ?? -1, stdout, stderr, output: stdout + stderr };
}

/** A temporary directory holding the given files (relative path -> content); removed by `cleanup`. */
export function tempFiles(files: Record<string, string>): { dir: string; path: (rel: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'obs-stack-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return { dir, path: (rel) => join(dir, rel), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run a tool over files written to a temp directory (cwd is that directory). */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const t = tempFiles(files);
  try {
    return fn(t.dir);
  } finally {
    t.cleanup();
  }
}

export function promtool(args: readonly string[], options: { cwd?: string; input?: string } = {}): ToolResult {
  return runTool('promtool', args, options);
}

export function amtool(args: readonly string[], options: { cwd?: string; input?: string } = {}): ToolResult {
  return runTool('amtool', args, options);
}
