import { runMultiClusterE2e } from './multicluster';
import { killAllSync } from './processes';
import { runE2e } from './scenarios';

/**
 * `npm run e2e` (see e2e/scenarios.ts): every scenario, the fleet's last;
 * `npm run e2e -- --only multi-cluster`: the fleet's alone (e2e/multicluster.ts).
 * Exit code 0 when every scenario passed.
 */
const args = process.argv.slice(2);
const only = args[0] === '--only' ? args[1] : undefined;
if (args.length > 0 && only !== 'multi-cluster') {
  process.stderr.write('usage: npm run e2e [-- --only multi-cluster]\n');
  process.exit(2);
}
(only === 'multi-cluster' ? runMultiClusterE2e() : runE2e()).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    killAllSync();
    process.exit(1);
  },
);
