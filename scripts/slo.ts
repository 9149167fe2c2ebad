/**
 * Print the Prometheus rule groups of a Sloth `prometheus/v1` spec file, like `sloth generate`.
 *
 *   npm run slo -- <spec.yml> -o rules.yml [--period 30d|28d|7d] [--windows <AlertWindows.yaml>]... [--extra-label k=v]...
 *
 * Without `-o` the rules go to stdout: redirect with `npm run --silent slo -- spec.yml > rules.yml`
 * (without --silent npm writes its own banner to stdout, into the file). Exit status 1 with
 * every problem (and its field path) on stderr when the spec is invalid; nothing is written.
 */
import { readFileSync, renameSync, writeFileSync } from 'fs';
import { basename } from 'path';
import { SloValidationError, loadSlothSpec, readSlothAlertWindows, sloRuleFile } from '../lib/observability/slo';
import type { AlertWindows } from '../lib/observability/slo';

const USAGE = 'usage: npm run slo -- <spec.yml> [-o|--output <rules.yml>] [--period 30d|28d|7d] [--windows <AlertWindows.yaml>]... [--extra-label name=value]...';

function main(argv: readonly string[]): number {
  let spec: string | undefined;
  let period: string | undefined;
  let output: string | undefined;
  const alertWindows: AlertWindows[] = [];
  const extraLabels: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg === '--period') period = value();
    else if (arg === '-o' || arg === '--output') output = value();
    else if (arg === '--windows') {
      const file = value();
      alertWindows.push(readSlothAlertWindows(readFileSync(file, 'utf8'), basename(file)));
    } else if (arg === '--extra-label') {
      const [k, ...v] = value().split('=');
      if (!k || v.length === 0) throw new Error(`--extra-label expects name=value\n${USAGE}`);
      extraLabels[k] = v.join('=');
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else if (spec === undefined) spec = arg;
    else throw new Error(`one spec file at a time\n${USAGE}`);
  }
  if (spec === undefined) throw new Error(USAGE);
  const slos = loadSlothSpec(readFileSync(spec, 'utf8'), { source: basename(spec), period, alertWindows });
  const header = `# Generated from ${basename(spec)} by scripts/slo.ts (Sloth-compatible SLO rules). Do not edit.\n`;
  const text = header + sloRuleFile(slos, { extraLabels });
  if (output === undefined) process.stdout.write(text);
  else {
    // Whole or nothing: a reader (promtool, a reloader) never sees half a file.
    const temp = `${output}.tmp-${process.pid}`;
    writeFileSync(temp, text);
    renameSync(temp, output);
    process.stderr.write(`wrote ${output}: ${slos.length} SLO${slos.length === 1 ? '' : 's'}\n`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof SloValidationError) process.stderr.write(`invalid SLO spec:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  else process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
