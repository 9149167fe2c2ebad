/**
 * The cdk8s app: builds every environment from its config and writes <outdir>/<env>/, and the
 * example fleet's clusters to <outdir>/fleet/<cluster>/. Nothing is written unless everything
 * synthesizes cleanly. The folder is the one `cdk8s synth` asks for (CDK8S_OUTDIR: `--output`,
 * or a temporary one for `--stdout`), else dist/.
 */
import { exampleFleet, production, runSynth, staging } from './lib';

const outdir = process.env.CDK8S_OUTDIR ?? process.env.OBS_STACK_OUTDIR ?? 'dist';
process.exitCode = runSynth([staging, production, exampleFleet], outdir, { regenerateHint: 'change lib/config and run `npm run synth`' });
