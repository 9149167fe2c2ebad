/**
 * Synth time against the floor.
 *
 *   npx tsx bench/synth.ts [--runs=10]
 *
 * - floor: start Node and `require('cdk8s-plus-27')` alone (what any cdk8s-plus synth pays);
 * - synth: `node scripts/run-ts.js main.ts` (what `npm run synth` runs), both environments;
 * - npm run synth: the same through npm, as a user types it;
 * - npm alone: `npm run env`, npm's own start and script spawn, to tell npm's share apart.
 *
 * Each is timed as a whole process (spawn to exit), interleaved run by run so that a change of
 * the machine's load hits all alike. CPU: the CPU time of every Node process of the run, npm's
 * included (bench/support/cpu-report.js, loaded through NODE_OPTIONS), which a busy machine or
 * a VM's steal time moves much less than wall time. The synth writes to a temporary folder
 * (OBS_STACK_OUTDIR), never to dist/. Goal (issue 10): synth < 2x floor and < 2 s wall.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { ROOT, fixed, median, numberOption, parseArgs, percentile, printMachine, ratio, removeTempDir, startChild, table, tempDir } from './support/common';

interface Variant {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Checks the run did its work (the synth wrote both environments). */
  readonly check?: (outdir: string) => void;
}

function checkOutput(outdir: string): void {
  for (const env of ['staging', 'production']) {
    const dir = join(outdir, env);
    if (!existsSync(dir) || readdirSync(dir).filter((f) => f.endsWith('.yaml')).length < 5) throw new Error(`the synth did not write ${dir}`);
  }
}

const CPU_REPORT = join(ROOT, 'bench', 'support', 'cpu-report.js');

/** Wall seconds, and CPU seconds summed over every Node process of the run (npm and the synth). */
async function timeOnce(v: Variant, outdir: string): Promise<{ wall: number; cpu: number; processes: number }> {
  const cpuFile = `${outdir}.cpu`;
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${JSON.stringify(CPU_REPORT)}`].filter(Boolean).join(' ');
  const start = performance.now();
  const child = startChild(v.command, v.args, {
    cwd: ROOT,
    env: { ...process.env, OBS_STACK_OUTDIR: outdir, OBS_BENCH_CPU_FILE: cpuFile, NODE_OPTIONS: nodeOptions },
    timeoutMs: 120_000,
  });
  const { code, signal } = await child.exited;
  const wall = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`${v.name} exited with ${code ?? signal}:\n${child.output().slice(-3000)}`);
  v.check?.(outdir);
  const lines = readFileSync(cpuFile, 'utf8').trim().split('\n');
  const cpu = lines.reduce((sum, line) => {
    const [, user, system] = line.split(' ').map(Number);
    return sum + (user + system) / 1e6;
  }, 0);
  return { wall, cpu, processes: lines.length };
}

export async function benchSynth(argv: readonly string[]): Promise<void> {
  const { options } = parseArgs(argv, ['runs']);
  const runs = numberOption(options, 'runs', 10);
  printMachine(`synth: ${runs} runs each, interleaved`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const variants: Variant[] = [
    { name: "floor: node -e \"require('cdk8s-plus-27')\"", command: process.execPath, args: ['-e', "require('cdk8s-plus-27')"] },
    { name: 'synth: node scripts/run-ts.js main.ts', command: process.execPath, args: [join(ROOT, 'scripts', 'run-ts.js'), 'main.ts'], check: checkOutput },
    { name: 'npm run synth', command: npm, args: ['run', '--silent', 'synth'], check: checkOutput },
    // npm's own start-up and script spawn, with a script that does nothing of ours.
    { name: 'npm alone: npm run env', command: npm, args: ['run', '--silent', 'env'] },
  ];
  const dir = tempDir('synth');
  try {
    const times = variants.map(() => [] as number[]);
    const cpus = variants.map(() => [] as number[]);
    const processes = variants.map(() => 0);
    // One unmeasured round fills the page cache.
    for (const v of variants) await timeOnce(v, join(dir, 'warmup'));
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < variants.length; j++) {
        const r = await timeOnce(variants[j], join(dir, `run-${i}-${j}`));
        times[j].push(r.wall);
        cpus[j].push(r.cpu);
        processes[j] = r.processes;
      }
    }
    const floor = median(times[0]);
    const floorCpu = median(cpus[0]);
    table(
      ['', 'median', 'p90', 'min', 'median / floor', 'CPU median', 'CPU / floor', 'Node processes'],
      variants.map((v, j) => [
        v.name,
        `${fixed(median(times[j]), 3)} s`,
        `${fixed(percentile(times[j], 90), 3)} s`,
        `${fixed(Math.min(...times[j]), 3)} s`,
        ratio(median(times[j]), floor),
        `${fixed(median(cpus[j]), 3)} s`,
        ratio(median(cpus[j]), floorCpu),
        String(processes[j]),
      ]),
    );
    const synth = median(times[1]);
    const viaNpm = median(times[2]);
    const npmAlone = median(times[3]);
    console.log(`goal: synth < 2x floor: ${synth / floor < 2 ? 'met' : 'NOT met'} (${ratio(synth, floor)}); < 2 s wall: ${synth < 2 ? 'met' : 'NOT met'} (${fixed(synth, 2)} s median)`);
    console.log(
      `through npm: npm run synth < 2x floor: ${viaNpm / floor < 2 ? 'met' : 'NOT met'} (${ratio(viaNpm, floor)}, ${fixed(viaNpm, 2)} s); ` +
        `npm's own start (npm run env) is ${fixed(npmAlone, 3)} s, ${ratio(npmAlone, floor)} the floor`,
    );
  } finally {
    removeTempDir(dir);
  }
}

if (require.main === module) {
  benchSynth(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
