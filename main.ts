/**
 * The cdk8s app: builds every environment from its config and writes dist/<env>/.
 * Nothing is written unless every environment synthesizes cleanly.
 */
import { production, staging } from './lib/config';
import { runSynth } from './lib/synth';

process.exitCode = runSynth([staging, production], process.env.OBS_STACK_OUTDIR ?? 'dist');
