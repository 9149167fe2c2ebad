import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { ToolSpec, toolSetDir, toolSpecs } from '../../scripts/tools/manifest';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

/**
 * Runners for the real tools the checks rely on. The upstream binaries (promtool, prometheus,
 * amtool, alertmanager, thanos, node_exporter, kube-state-metrics, the config reloader,
 * kustomize, the NetworkPolicy analyzer, kube-apiserver and etcd) are the ones `npm run tools` built at the versions
 * lib/images.ts pins (scripts/tools/manifest.ts); nothing else is used for them, whatever the
 * PATH holds. Other tools (buildah, openssl) come from the PATH. A missing tool is a failure,
 * not a skip: `.ci/run` runs `npm run tools` and installs the rest.
 */

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

/** Binary name -> its tool, for the binaries `npm run tools` builds. */
const PINNED = new Map(toolSpecs().flatMap((spec) => Object.keys(spec.binaries).map((binary) => [binary, spec] as const)));

/** The folder of the pinned binaries; throws with the fix when `npm run tools` has not built them. */
export function toolsDir(): string {
  const dir = toolSetDir();
  if (!existsSync(join(dir, 'VERSIONS.tsv'))) {
    throw new Error(`the upstream binaries at the pinned versions are not built (no ${dir}); run \`npm run tools\` (as .ci/run does)`);
  }
  return dir;
}

/** The pinned tool a binary belongs to (module and version), or undefined for other tools. */
export function pinnedTool(name: string): ToolSpec | undefined {
  return PINNED.get(name);
}

export function toolPath(name: string): string {
  if (PINNED.has(name)) {
    const path = join(toolsDir(), name);
    if (!existsSync(path)) throw new Error(`${path} is missing; run \`npm run tools\``);
    return path;
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed; run 'apt-get install -y ${name}' (as .ci/run does)`);
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
