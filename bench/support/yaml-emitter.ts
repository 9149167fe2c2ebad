/**
 * The YAML emitter (lib/render/yaml-emitter.ts) against `yaml` (what lib/render/yaml.ts used
 * before), as ratios measured in the same run, interleaved:
 *
 *   npx tsx bench/support/yaml-emitter.ts [--rounds=20] [--copies=500] [--runs=10] [--services=500] [--scale-runs=3]
 *
 * 1. render: the objects of every chart of both environments (what the synth renders into
 *    dist/), rendered with each, `--rounds` rounds, alternating which goes first;
 * 2. large: `--copies` copies of the biggest manifest as one multi-document file;
 * 3. synth: wall time of `node scripts/run-ts.js main.ts` (written to a temporary folder),
 *    `--runs` runs, in two copies of the sources: as they are, and with lib/render/yaml.ts
 *    replaced by the previous yaml-only version; with the floor, `node -e
 *    "require('cdk8s-plus-27')"`. Both must write the same files.
 * 4. scale: bench/support/scaling-synth.ts with `--services` extra services (500: some 28 MiB
 *    of YAML) in both copies, `--scale-runs` runs: its in-process synth time and the wall time.
 * Every rendering is checked byte for byte against yaml's before it is timed.
 */
import { App } from 'cdk8s';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';
import { production, staging } from '../../lib/config';
import { toYamlDocuments, toYamlWithLibrary } from '../../lib/render/yaml';
import { MonitoringStack } from '../../lib/stack';
import { cleanupAll, fixed, median, numberOption, parseArgs, printMachine, ratio, removeTempDir, ROOT, runChild, startChild, table, tempDir } from './common';

/** lib/render/yaml.ts as it was before the emitter: `yaml` for every document. */
const YAML_ONLY_SOURCE = `import { stringify } from 'yaml';
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true });
}
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\\n');
}
`;

const yamlOnly = (values: readonly unknown[]) => values.map((v) => toYamlWithLibrary(v)).join('---\n');

/** The objects of every chart, as the synth renders them (one array per output file). */
function chartObjects(): unknown[][] {
  return [staging, production].flatMap((config) => {
    const app = new App({ outdir: '.unused' });
    const stack = new MonitoringStack(app, config.environment, config);
    return stack.charts.map((chart) => chart.toJson() as unknown[]);
  });
}

function check(files: readonly (readonly unknown[])[]): number {
  let bytes = 0;
  for (const objects of files) {
    const a = toYamlDocuments(objects);
    if (a !== yamlOnly(objects)) throw new Error('the emitter and yaml disagree; the figures would mean nothing');
    bytes += Buffer.byteLength(a);
  }
  return bytes;
}

/** Interleaved timings (ms) of rendering `files` with yaml and with the emitter. */
function timeRenders(files: readonly (readonly unknown[])[], rounds: number): { yaml: number[]; emitter: number[] } {
  const renderers = { yaml: yamlOnly, emitter: toYamlDocuments };
  const times = { yaml: [] as number[], emitter: [] as number[] };
  const once = (name: 'yaml' | 'emitter') => {
    const start = performance.now();
    // byteLength flattens the result, as writing it does: part of the cost of building it.
    for (const objects of files) Buffer.byteLength(renderers[name](objects));
    times[name].push(performance.now() - start);
  };
  // Unmeasured warm-up of both (JIT), then alternate the order round by round.
  once('yaml');
  once('emitter');
  times.yaml.length = 0;
  times.emitter.length = 0;
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      once('yaml');
      once('emitter');
    } else {
      once('emitter');
      once('yaml');
    }
  }
  return times;
}

function report(title: string, bytes: number, t: { yaml: number[]; emitter: number[] }): void {
  const y = median(t.yaml);
  const e = median(t.emitter);
  const mib = bytes / 2 ** 20;
  console.log(`\n${title}: ${fixed(mib, 2)} MiB of YAML, ${t.yaml.length} rounds each`);
  table(
    ['', 'median', 'min', 'MiB/s', 'median / yaml'],
    [
      ['yaml.stringify', `${fixed(y, 1)} ms`, `${fixed(Math.min(...t.yaml), 1)} ms`, fixed(mib / (y / 1000), 1), '1.00x'],
      ['emitter', `${fixed(e, 1)} ms`, `${fixed(Math.min(...t.emitter), 1)} ms`, fixed(mib / (e / 1000), 1), ratio(e, y)],
    ],
  );
  console.log(`speed-up: ${fixed(y / e, 1)}x`);
}

/**
 * A copy of what the synth is built from (main.ts, lib/, imports/, scripts/, bench/,
 * exporter/src/, tsconfig.json, package.json, as they are in the working tree, untracked
 * files included) at a fixed temporary path, with the `node_modules` folders linked to the
 * project's, so that `node scripts/run-ts.js main.ts` runs there exactly as here, with its bundle and V8 code cache (keyed by the entry's path). `yamlTs`
 * replaces lib/render/yaml.ts.
 */
function synthTree(name: string, yamlTs?: string): string {
  const dir = join(tmpdir(), `obs-bench-yaml-emitter-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', 'main.ts', 'lib', 'imports', 'scripts', 'bench', 'exporter/src', 'exporter/package.json', 'tsconfig.json', 'package.json'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  if (yamlTs !== undefined) writeFileSync(join(dir, 'lib', 'render', 'yaml.ts'), yamlTs);
  for (const nm of ['node_modules', 'exporter/node_modules']) if (existsSync(join(ROOT, nm))) symlinkSync(join(ROOT, nm), join(dir, nm), 'dir');
  return dir;
}

/** Relative path -> content of every file under `dir`. */
function readTree(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) readTree(path, base, out);
    else out.set(relative(base, path), readFileSync(path, 'utf8'));
  }
  return out;
}

async function timeProcess(cwd: string, args: readonly string[], outdir: string): Promise<number> {
  const start = performance.now();
  const child = startChild(process.execPath, args, { cwd, env: { ...process.env, OBS_STACK_OUTDIR: outdir }, timeoutMs: 120_000 });
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code ?? signal}:\n${child.output().slice(-3000)}`);
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const { options } = parseArgs(process.argv.slice(2), ['rounds', 'copies', 'runs', 'services', 'scale-runs']);
  const rounds = numberOption(options, 'rounds', 20);
  const copies = numberOption(options, 'copies', 500);
  const runs = numberOption(options, 'runs', 10);
  const services = numberOption(options, 'services', 500);
  const scaleRuns = numberOption(options, 'scale-runs', 3);
  printMachine('YAML emitter against yaml.stringify');

  const files = chartObjects();
  report(`render: the ${files.length} chart files of both environments`, check(files), timeRenders(files, rounds));

  const objects = files.flat();
  const sizes = objects.map((o) => toYamlWithLibrary(o).length);
  const biggest = objects[sizes.indexOf(Math.max(...sizes))] as { kind: string; metadata: { name: string } };
  const large = [Array.from({ length: copies }, () => biggest)];
  report(`large: ${copies} copies of the biggest manifest (${biggest.kind}/${biggest.metadata.name}, ${fixed(Math.max(...sizes) / 1024, 1)} KiB)`, check(large), timeRenders(large, Math.max(3, Math.round(rounds / 4))));

  const runTs = ['scripts/run-ts.js', 'main.ts'];
  const variants: Array<[string, string, string[]]> = [
    ["floor: node -e \"require('cdk8s-plus-27')\"", ROOT, ['-e', "require('cdk8s-plus-27')"]],
    ['synth, yaml only (before)', synthTree('before', YAML_ONLY_SOURCE), runTs],
    ['synth, emitter (after)', synthTree('after'), runTs],
  ];
  const dir = tempDir('yaml-emitter');
  try {
    // Two unmeasured rounds: the first builds each tree's bundle, the second its code cache.
    for (const warmup of ['warmup-1', 'warmup-2']) {
      for (let j = 0; j < variants.length; j++) await timeProcess(variants[j][1], variants[j][2], join(dir, warmup, String(j)));
    }
    // The same files from both trees, or the timings would compare different work.
    const before = readTree(join(dir, 'warmup-2', '1'));
    const after = readTree(join(dir, 'warmup-2', '2'));
    if (before.size < 10 || JSON.stringify([...before]) !== JSON.stringify([...after])) throw new Error('the two synths wrote different files');
    const times = variants.map(() => [] as number[]);
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < variants.length; j++) times[j].push(await timeProcess(variants[j][1], variants[j][2], join(dir, `run-${i}-${j}`)));
    }
    const floor = median(times[0]);
    const beforeMedian = median(times[1]);
    console.log(`\nsynth wall time: ${runs} runs each, interleaved`);
    table(
      ['', 'median', 'min', 'median / floor', 'median / before'],
      variants.map(([name], j) => [name, `${fixed(median(times[j]), 3)} s`, `${fixed(Math.min(...times[j]), 3)} s`, ratio(median(times[j]), floor), ratio(median(times[j]), beforeMedian)]),
    );

    // At scale: the synth's own figure (in-process synthesizeAll time) and the process's.
    const scale = [variants[1], variants[2]].map(() => ({ synth: [] as number[], wall: [] as number[], bytes: 0 }));
    for (let i = -1; i < scaleRuns; i++) {
      for (let j = 0; j < 2; j++) {
        const out = join(dir, `scale-${i}-${j}`);
        const start = performance.now();
        const line = await runChild(process.execPath, ['scripts/run-ts.js', 'bench/support/scaling-synth.ts', String(services), out], { cwd: variants[j + 1][1], timeoutMs: 600_000 });
        const wall = (performance.now() - start) / 1000;
        const r = JSON.parse(line.trim().split('\n').pop()!) as { synthMs: number; bytes: number };
        removeTempDir(out);
        if (i < 0) continue; // unmeasured: builds the bundles and code caches
        scale[j].synth.push(r.synthMs / 1000);
        scale[j].wall.push(wall);
        scale[j].bytes = r.bytes;
      }
    }
    if (scale[0].bytes !== scale[1].bytes) throw new Error('the two scaled synths wrote different sizes');
    console.log(`\nscale: ${services} extra services, ${fixed(scale[0].bytes / 2 ** 20, 1)} MiB of YAML, ${scaleRuns} runs each, interleaved`);
    table(
      ['', 'synthesizeAll median', 'process median', 'synthesizeAll / before', 'process / before'],
      scale.map((t, j) => [
        variants[j + 1][0],
        `${fixed(median(t.synth), 3)} s`,
        `${fixed(median(t.wall), 3)} s`,
        ratio(median(t.synth), median(scale[0].synth)),
        ratio(median(t.wall), median(scale[0].wall)),
      ]),
    );
  } finally {
    removeTempDir(dir);
    for (const [, cwd] of variants.slice(1)) rmSync(cwd, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
