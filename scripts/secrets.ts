/**
 * Print the `kubectl create secret` commands for an environment's Secrets: every Secret its
 * manifests reference, with exactly the keys they read (README, "Secrets").
 *
 *   npm run secrets -- <environment>      (staging, production)
 */
import { production, staging, validateConfig } from '../lib/config';
import { secretCommands } from '../lib/secrets';

const ENVIRONMENTS = [staging, production];

function main(argv: readonly string[]): number {
  const names = ENVIRONMENTS.map((c) => c.environment);
  const env = ENVIRONMENTS.find((c) => c.environment === argv[0]);
  if (argv.length !== 1 || !env) {
    process.stderr.write(`usage: npm run secrets -- <environment>  (one of ${names.join(', ')})\n`);
    return 1;
  }
  process.stdout.write(`${secretCommands(validateConfig(env))}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
