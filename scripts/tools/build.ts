/**
 * `npm run tools`: builds the upstream binaries at the versions lib/images.ts pins (see
 * manifest.ts), or reuses them from the cache, and prints the folder that holds them all as
 * the last line of its output. Progress goes to stderr.
 *
 * Each module is downloaded from the Go module proxy (`go mod download`), copied to a
 * temporary folder and built there with `go build`: `go install pkg@version` refuses modules
 * whose go.mod has `replace` directives (Thanos, prometheus-operator, Prometheus itself).
 * The Go module and build caches are Go's own (`go env GOMODCACHE GOCACHE`), so a rebuild
 * after a version change reuses every unchanged dependency.
 *
 * Options: `--only name,...` builds a subset (names of manifest.ts); `--force` rebuilds.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ToolSpec, toolDir, toolSetDir, toolSpecs, toolsCacheRoot } from './manifest';

/**
 * The Go toolchain used when a module needs a newer Go than the machine's (thanos v0.42.5
 * says `go 1.26.10`; the machines have 1.26.8). The go command fetches it from the module proxy
 * (about 76 MB, once per machine); this is the one newer toolchain the project's machines may use.
 */
export const NEWER_GO_TOOLCHAIN = 'go1.27.3';

const started = Date.now();
function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`tools [${s}s] ${message}\n`);
}

function findGo(): string {
  const fromPath = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) return fromPath;
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'Go is not installed (no `go` on PATH, none in /usr/local/go/bin). The checks run the upstream binaries at the ' +
      'pinned versions, built from the Go module proxy: install Go 1.26 or newer (https://go.dev/dl/, or your ' +
      "distribution's golang package) and run `npm run tools` again.",
  );
}

function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; capture?: boolean; allowFailure?: boolean } = {}): string {
  const res = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  if (res.status !== 0 && !(opts.allowFailure && res.stdout)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status})${opts.capture ? `:\n${res.stderr}${res.stdout}` : ''}`);
  }
  return opts.capture ? res.stdout : '';
}

/** `1.26.8` < `1.26.10`. */
function goVersionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

interface Downloaded {
  readonly Dir?: string;
  readonly GoMod: string;
  readonly Info?: string;
  readonly Error?: string;
}

function buildTool(go: string, spec: ToolSpec, localGo: string, root: string): void {
  const target = toolDir(spec, root);
  const env: NodeJS.ProcessEnv = { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  log(`${spec.name} ${spec.version}: downloading ${spec.module}@${spec.version}`);
  const download = (): Downloaded => JSON.parse(run(go, ['mod', 'download', '-json', `${spec.module}@${spec.version}`], { env, capture: true, allowFailure: true })) as Downloaded;
  let dl = download();
  const needs = dl.Error ? /requires go >= (\S+)/.exec(dl.Error)?.[1] : /^go (\S+)/m.exec(readFileSync(dl.GoMod, 'utf8'))?.[1];
  if (needs && goVersionLess(localGo, needs)) {
    env.GOTOOLCHAIN = NEWER_GO_TOOLCHAIN;
    log(`${spec.name}: its go.mod needs Go ${needs}, this machine has ${localGo}: building with ${NEWER_GO_TOOLCHAIN} (fetched by the go command once)`);
    dl = download();
  }
  if (dl.Error || !dl.Dir) throw new Error(`go mod download ${spec.module}@${spec.version}: ${dl.Error ?? 'no folder'}`);
  const time = dl.Info && existsSync(dl.Info) ? (JSON.parse(readFileSync(dl.Info, 'utf8')) as { Time?: string }).Time : undefined;
  const work = mkdtempSync(join(tmpdir(), `tools-${spec.name}-`));
  const staging = `${target}.tmp-${process.pid}`;
  try {
    const src = join(work, 'src');
    cpSync(dl.Dir!, src, { recursive: true });
    // Module cache files are read-only; the copy must be writable for go to update go.sum.
    run('chmod', ['-R', 'u+w', src]);
    // A `replace` to a folder of the repository that is a module of its own (Go leaves nested
    // modules out of a module's zip): the same module at the same release tag instead
    // (prometheus-operator's pkg/apis/monitoring and pkg/client are tagged with the release),
    // or at `replaceVersion` (k8s.io/kubernetes's staging modules). One `go mod edit` for all.
    const mod = JSON.parse(run(go, ['mod', 'edit', '-json'], { cwd: src, env, capture: true })) as { Replace?: { Old: { Path: string }; New: { Path: string; Version?: string } }[] };
    const replaceVersion = spec.replaceVersion ?? spec.version;
    const edits: string[] = [];
    for (const r of mod.Replace ?? []) {
      if (!r.New.Version && /^\.\.?\//.test(r.New.Path) && !existsSync(join(src, r.New.Path))) {
        log(`${spec.name}: ${r.Old.Path} => ${r.New.Path} is not in the module zip: using ${r.Old.Path}@${replaceVersion}`);
        edits.push(`-replace=${r.Old.Path}=${r.Old.Path}@${replaceVersion}`);
      }
    }
    if (edits.length) run(go, ['mod', 'edit', ...edits], { cwd: src, env });
    for (const rel of spec.placeholderFiles ?? []) {
      mkdirSync(join(src, rel, '..'), { recursive: true });
      if (!existsSync(join(src, rel))) writeFileSync(join(src, rel), '<!-- web UI not built: observability-stack test binary -->\n');
    }
    const x = (v: string): string[] => ['-X', v];
    const ldflags = ['-s', '-w'];
    if (spec.versionPackage) {
      ldflags.push(
        ...x(`${spec.versionPackage}.Version=${spec.displayVersion.replace(/^v/, '')}`),
        ...x(`${spec.versionPackage}.Revision=${spec.module}@${spec.version}`),
        ...x(`${spec.versionPackage}.Branch=${spec.version}`),
        ...x(`${spec.versionPackage}.BuildUser=observability-stack`),
        ...x(`${spec.versionPackage}.BuildDate=${(time ?? '').replace(/[-:]/g, '').replace(/\..*$/, '')}`),
      );
    }
    for (const extra of spec.extraLdflags ?? []) ldflags.push(...x(extra));
    // No `go mod download` of the whole module graph: it also fetches modules only tests of
    // dependencies need, and the proxy refuses some of them (kube-state-metrics v2.20.0 lists
    // inet.af/netaddr). `go build` downloads what the binary's packages import.
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const [binary, pkg] of Object.entries(spec.binaries)) {
      log(`${spec.name}: go build ${pkg} -> ${binary}`);
      const tags = spec.buildTags?.length ? ['-tags', spec.buildTags.join(',')] : [];
      run(go, ['build', '-trimpath', ...tags, '-ldflags', ldflags.join(' '), '-o', join(staging, binary), pkg], { cwd: src, env });
    }
    writeFileSync(
      join(staging, 'tool.json'),
      `${JSON.stringify({ module: spec.module, version: spec.version, binaries: spec.binaries, buildTags: spec.buildTags ?? [], goToolchain: env.GOTOOLCHAIN === 'local' ? localGo : env.GOTOOLCHAIN }, null, 2)}\n`,
    );
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

function isComplete(spec: ToolSpec, root: string): boolean {
  const dir = toolDir(spec, root);
  return existsSync(join(dir, 'tool.json')) && Object.keys(spec.binaries).every((b) => existsSync(join(dir, b)));
}

/** The set folder: a symlink per binary into its tool's folder. */
function linkSet(specs: readonly ToolSpec[], root: string): string {
  const set = toolSetDir(specs, root);
  linkFolder(set, specs, root);
  return set;
}

/** A folder of symlinks to the binaries of the given (built) tools, with a VERSIONS.tsv. */
function linkFolder(folder: string, specs: readonly ToolSpec[], root: string): void {
  const staging = `${folder}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const lines: string[] = [];
  for (const spec of specs) {
    for (const binary of Object.keys(spec.binaries)) symlinkSync(join(toolDir(spec, root), binary), join(staging, binary));
    lines.push(`${spec.name}\t${spec.module}\t${spec.version}\t${Object.keys(spec.binaries).join(',')}`);
  }
  writeFileSync(join(staging, 'VERSIONS.tsv'), `${lines.join('\n')}\n`);
  rmSync(folder, { recursive: true, force: true });
  renameSync(staging, folder);
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? folderBytes(join(dir, name)) : st.size;
  }
  return total;
}

function main(argv: readonly string[]): void {
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;
  const force = argv.includes('--force');
  const specs = toolSpecs();
  if (only) {
    const unknown = [...only].filter((n) => !specs.some((s) => s.name === n));
    if (unknown.length) throw new Error(`--only: unknown tool(s) ${unknown.join(', ')}; known: ${specs.map((s) => s.name).join(', ')}`);
  }
  const root = toolsCacheRoot();
  mkdirSync(root, { recursive: true });
  const go = findGo();
  const localGo = run(go, ['env', 'GOVERSION'], { capture: true, env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim().replace(/^go/, '');
  log(`cache ${root}; ${go} (Go ${localGo})`);
  for (const spec of specs) {
    if (only && !only.has(spec.name)) continue;
    if (!force && isComplete(spec, root)) {
      log(`${spec.name} ${spec.version}: cached`);
      continue;
    }
    const t0 = Date.now();
    buildTool(go, spec, localGo, root);
    log(`${spec.name} ${spec.version}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s (${(folderBytes(toolDir(spec, root)) / 2 ** 20).toFixed(0)} MiB)`);
  }
  // A stable name for people's shells: the binaries built so far of the current pins.
  linkFolder(join(root, 'bin'), specs.filter((s) => isComplete(s, root)), root);
  const missing = specs.filter((s) => !isComplete(s, root));
  if (missing.length) {
    log(`not linked (not built yet): ${missing.map((s) => s.name).join(', ')}`);
    return;
  }
  const set = linkSet(specs, root);
  for (const spec of specs) {
    const binary = Object.keys(spec.binaries)[0];
    log(`${binary}: ${spec.module}@${spec.version}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${set}\n`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`tools: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
