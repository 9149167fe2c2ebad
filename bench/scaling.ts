/**
 * Synth scaling with the number of scraped services and SLOs.
 *
 *   npx tsx bench/scaling.ts [--sizes=1,10,100,500] [--runs=3]
 *
 * Each size N runs in a fresh process (`node scripts/run-ts.js bench/support/scaling-synth.ts N`,
 * the runner of `npm run synth`): both environments, each with N extra services (scrape target +
 * PodMonitor, one alert, one SLO of Sloth's getting-started shape; see bench/support/services.ts).
 * Sizes are interleaved run by run; the median of the runs is reported.
 *
 * Figures, against N=1 measured in the same run:
 * - wall: the whole process (Node start, esbuild bundle, module load, synth, write), less the
 *   child's measuring of sizes after the write;
 * - CPU: the child's user + system CPU time up to the end of the write (system: mostly
 *   creating and writing the files, which on a VM can vary several-fold from run to run);
 * - synth: in-process time of synthesizeAll + writeOutput (+ the services' construction);
 * - per service: (synth(N) - synth(1)) / (N - 1), the average cost of a service; and the
 *   marginal cost between consecutive sizes: constant means linear, growing means super-linear.
 * Goal (issue 10): linear, and the 500 case under 3x the 1 case.
 */
import { join } from 'path';
import { ROOT, fixed, median, numberOption, parseArgs, printMachine, removeTempDir, startChild, table, tempDir } from './support/common';

interface Sample {
  n: number;
  wallMs: number;
  cpuMs: number;
  cpuSysMs: number;
  loadMs: number;
  servicesMs: number;
  synthMs: number;
  writeMs: number;
  objects: number;
  bytes: number;
  files: number;
  /** The stack Prometheus's rule files, all ConfigMaps together (largest environment). */
  rulesBytes: number;
  /** The largest object (JSON bytes) and its kind/name. */
  largestObjectBytes: number;
  largestObject: string;
}

async function runOnce(n: number, outdir: string): Promise<Sample> {
  const start = performance.now();
  const child = startChild(process.execPath, [join(ROOT, 'scripts', 'run-ts.js'), join(ROOT, 'bench', 'support', 'scaling-synth.ts'), String(n), outdir], {
    cwd: ROOT,
    timeoutMs: 600_000,
  });
  const { code, signal } = await child.exited;
  const wallMs = performance.now() - start;
  if (code !== 0) throw new Error(`scaling-synth ${n} exited with ${code ?? signal}:\n${child.output().slice(-3000)}`);
  const line = child.output().trim().split('\n').pop()!;
  const r = JSON.parse(line) as Omit<Sample, 'wallMs'> & { postMs: number };
  // The child's own measuring after the synth (sizes, the largest object) is not synth time.
  return { ...r, wallMs: wallMs - r.postMs };
}

export async function benchScaling(argv: readonly string[]): Promise<void> {
  const { options } = parseArgs(argv, ['sizes', 'runs']);
  const sizes = (options.get('sizes') ?? '1,10,100,500').split(',').map((s) => Number(s));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error('--sizes: comma-separated positive integers');
  if (!sizes.includes(1)) sizes.unshift(1);
  const runs = numberOption(options, 'runs', 3);
  printMachine(`scaling: services + SLOs declared, sizes ${sizes.join(', ')}, ${runs} runs each (fresh process per run)`);
  const dir = tempDir('scaling');
  try {
    const samples = new Map<number, Sample[]>(sizes.map((n) => [n, []]));
    await runOnce(1, join(dir, 'warmup'));
    for (let r = 0; r < runs; r++) {
      for (const n of sizes) {
        const out = join(dir, `n${n}-r${r}`);
        samples.get(n)!.push(await runOnce(n, out));
        removeTempDir(out);
      }
    }
    const m = (n: number, f: (s: Sample) => number) => median(samples.get(n)!.map(f));
    const synthOf = (s: Sample) => s.synthMs + s.writeMs;
    const base = { wall: m(1, (s) => s.wallMs), synth: m(1, synthOf), cpu: m(1, (s) => s.cpuMs) };
    table(
      ['services+SLOs', 'objects', 'YAML', 'rule files', 'largest object', 'wall', 'wall / N=1', 'CPU (sys)', 'CPU / N=1', 'synth', 'synth / N=1', 'per service'],
      sizes.map((n) => {
        const wall = m(n, (s) => s.wallMs);
        const synth = m(n, synthOf);
        const s0 = samples.get(n)![0];
        return [
          String(n),
          String(s0.objects),
          `${fixed(s0.bytes / 2 ** 20, 1)} MiB`,
          `${fixed(s0.rulesBytes / 1024, 0)} KiB`,
          `${fixed(s0.largestObjectBytes / 1024, 0)} KiB${s0.largestObjectBytes > 256 * 1024 ? ' (!)' : ''}`,
          `${fixed(wall / 1000, 2)} s`,
          `${fixed(wall / base.wall, 2)}x`,
          `${fixed(m(n, (s) => s.cpuMs) / 1000, 2)} s (${fixed(m(n, (s) => s.cpuSysMs) / 1000, 2)} s)`,
          `${fixed(m(n, (s) => s.cpuMs) / base.cpu, 2)}x`,
          `${fixed(synth / 1000, 2)} s`,
          `${fixed(synth / base.synth, 2)}x`,
          n === 1 ? '-' : `${fixed((synth - base.synth) / (n - 1), 1)} ms`,
        ];
      }),
    );
    const largest = Math.max(...sizes);
    const wallRatio = m(largest, (s) => s.wallMs) / base.wall;
    // Linearity: the marginal cost of a service between consecutive sizes. Constant = linear;
    // growing from step to step = super-linear (a quadratic doubles it when N doubles).
    const steps = sizes.slice(1).map((n, i) => ({ from: sizes[i], to: n, ms: (m(n, synthOf) - m(sizes[i], synthOf)) / (n - sizes[i]) }));
    console.log(`marginal cost of one service (synth, both environments): ${steps.map((s) => `N=${s.from}->${s.to}: ${fixed(s.ms, 1)} ms`).join('; ')}`);
    const [first, last] = [steps.find((s) => s.from >= 10) ?? steps[0], steps[steps.length - 1]];
    console.log(
      `goal: ${largest} case < 3x the 1 case (wall): ${wallRatio < 3 ? 'met' : 'NOT met'} (${fixed(wallRatio, 2)}x); ` +
        `linear: marginal cost N=${last.from}->${last.to} is ${fixed(last.ms / first.ms, 2)}x that of N=${first.from}->${first.to} (1.00x = linear, 2x per doubling = quadratic)`,
    );
    // Kubernetes limits: 1 MiB of data in a ConfigMap or Secret; about 1.5 MiB for any object
    // (etcd's default request size); 256 KiB of annotations, which a client-side
    // `kubectl apply` fills with the whole object (last-applied-configuration).
    for (const n of sizes) {
      const s0 = samples.get(n)![0];
      if (s0.largestObjectBytes <= 256 * 1024) continue;
      const kib = s0.largestObjectBytes / 1024;
      const limits = ['a client-side kubectl apply fails (over 256 KiB)'];
      if (kib > 1024 && /^(ConfigMap|Secret)\//.test(s0.largestObject)) limits.push('the API server rejects it (over 1 MiB)');
      if (kib > 1536) limits.push("it exceeds etcd's default request size (1.5 MiB)");
      console.log(`(!) N=${n}: ${s0.largestObject} is ${fixed(kib)} KiB: ${limits.join('; ')}`);
    }
    console.log('both environments per run; "synth" = synthesizeAll + writeOutput, including the services\' construction and validation');
  } finally {
    removeTempDir(dir);
  }
}

if (require.main === module) {
  benchScaling(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
