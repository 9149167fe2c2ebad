import { killAllSync } from './processes';
import { runE2e } from './scenarios';

/** `npm run e2e` (see e2e/scenarios.ts). Exit code 0 when every scenario passed. */
runE2e().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    killAllSync();
    process.exit(1);
  },
);
