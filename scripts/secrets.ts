/**
 * Print the `kubectl create secret` commands for an environment's Secrets, or a fleet
 * cluster's: every Secret its manifests reference, with exactly the keys they read (README,
 * "Secrets" and "A fleet").
 *
 *   npm run secrets -- <environment>      (staging, production)
 *   npm run secrets -- <fleet>/<cluster>  (fleet/observer, fleet/workload-a, ...)
 */
import { exampleFleet, production, staging, validateConfig } from '../lib/config';
import { fleetStackConfig, resolveFleet } from '../lib/fleet/model';
import { secretCommands } from '../lib/secrets';

const ENVIRONMENTS = [staging, production];
const FLEETS = [exampleFleet];

function main(argv: readonly string[]): number {
  const fleetDirs = FLEETS.flatMap((f) => f.clusters.map((c) => `${f.name}/${c.name}`));
  const names = [...ENVIRONMENTS.map((c) => c.environment), ...fleetDirs];
  if (argv.length !== 1 || !names.includes(argv[0])) {
    process.stderr.write(`usage: npm run secrets -- <environment or fleet/cluster>  (one of ${names.join(', ')})\n`);
    return 1;
  }
  const env = ENVIRONMENTS.find((c) => c.environment === argv[0]);
  if (env) {
    process.stdout.write(`${secretCommands(validateConfig(env))}\n`);
    return 0;
  }
  const [fleetName, clusterName] = argv[0].split('/');
  const fleet = FLEETS.find((f) => f.name === fleetName)!;
  const resolved = resolveFleet(fleet);
  const self = resolved.clusters.find((c) => c.name === clusterName)!;
  process.stdout.write(`${secretCommands(fleetStackConfig(fleet, clusterName), { fleet: resolved, self })}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
