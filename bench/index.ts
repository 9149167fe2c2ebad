/**
 * `npm run bench [-- PART ... [--option=value ...]]`: the benchmarks of issue 10.
 *
 *   npm run bench                          # all parts, default (short) settings, about 10 minutes
 *   npm run bench -- synth scaling         # some parts
 *   npm run bench -- exporter memory --duration=600    # one part with its options
 *
 * Parts: synth, scaling, exporter, middleware, rules. Options after the part names go to
 * every part selected (see each file's header). Each part prints the machine and its figures
 * as ratios against a baseline measured in the same run. See bench/README.md.
 */
import { cleanupAll } from './support/common';
import { benchExporter } from './exporter';
import { benchMiddleware } from './middleware';
import { benchRules } from './rules';
import { benchScaling } from './scaling';
import { benchSynth } from './synth';

const PARTS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  synth: benchSynth,
  scaling: benchScaling,
  exporter: benchExporter,
  middleware: benchMiddleware,
  rules: benchRules,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const names = argv.filter((a) => !a.startsWith('--') && a in PARTS);
  const rest = argv.filter((a) => !names.includes(a));
  const selected = names.length > 0 ? names : Object.keys(PARTS);
  const started = performance.now();
  for (const name of selected) await PARTS[name](rest);
  console.log(`\nbench: ${selected.join(', ')} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
