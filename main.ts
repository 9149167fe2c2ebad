/**
 * The cdk8s app: builds every environment from its config and writes dist/<env>/, and the
 * example fleet's clusters to dist/fleet/<cluster>/. Nothing is written unless everything
 * synthesizes cleanly.
 */
import { exampleFleet, production, staging } from './lib/config';
import { runSynth } from './lib/synth';

process.exitCode = runSynth([staging, production, exampleFleet], process.env.OBS_STACK_OUTDIR ?? 'dist');
