import { production, staging } from '../lib/config';
import { DEFAULT_SETTINGS, Harness, startHarness } from './harness';
import { cleanupSync, killAllSync, stopAll } from './processes';
import { describeDelivery, RunReport } from './report';
import { stackSloSource } from './stack-slos';

/**
 * `npm run demo [-- --env staging] [-- --production-windows]`: the same processes as the e2e
 * (the Prometheus replicas with the stack's config and rules and their Thanos sidecars, two
 * clustered Alertmanagers, Thanos store gateway and Query, the exporter in simulate mode, the
 * receiver sinks; not the compactor), left running until Ctrl-C. Prints the local URLs
 * and every notification the sinks receive.
 */

const USAGE = `usage: npm run demo [-- --env production|staging] [--production-windows]
  --env                  the environment whose manifests run (default production)
  --production-windows   the SLOs with their real period (30d: alerts take hours to fire);
                         by default the period is 60 times shorter, as in the e2e`;

function parseArgs(argv: readonly string[]): { env: string; productionWindows: boolean } {
  let env = 'production';
  let productionWindows = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--env' || a.startsWith('--env=')) env = a.includes('=') ? a.slice(6) : argv[++i] ?? '';
    else if (a === '--production-windows') productionWindows = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${a}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  if (env !== 'production' && env !== 'staging') {
    process.stderr.write(`--env: "${env}" is not an environment; use production or staging\n`);
    process.exit(2);
  }
  return { env, productionWindows };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = args.env === 'staging' ? staging : production;
  const report = new RunReport('demo');
  const settings = { ...DEFAULT_SETTINGS, timeScale: args.productionWindows ? 1 : DEFAULT_SETTINGS.timeScale };
  let harness: Harness | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    report.log(`${signal}: stopping`);
    await harness?.stop().catch(() => undefined);
    await stopAll(5000).catch(() => killAllSync());
    report.write({ deliveries: harness?.sinks.deliveries, note: `demo stopped by ${signal}` });
    report.log(`stopped; logs in ${report.relativeDir()}`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('exit', cleanupSync);

  harness = await startHarness({ config, slos: stackSloSource(config), settings, logDir: report.dir, log: report.log });
  harness.sinks.onDelivery = (d) => report.log(`notification -> ${d.kind} ${describeDelivery(d)}`);
  const h = harness;
  const period = settings.timeScale === 1 ? 'their production period' : `a period ${settings.timeScale} times shorter than production (30d -> 12h; page windows 5s/1m and 30s/6m)`;
  process.stdout.write(`
The "${config.environment}" stack is running on this machine (Ctrl-C stops everything):

  Prometheus      ${h.urls.prometheus}            rules: ${h.urls.prometheus}/rules   alerts: ${h.urls.prometheus}/alerts   targets: ${h.urls.prometheus}/targets
  Alertmanager    ${h.urls.alertmanagers[0]}  and  ${h.urls.alertmanagers[1]}  (clustered)
  Prometheus HA   ${h.prometheusReplicas.map((r) => `${r.pod} ${r.url}`).join('   ')}${h.thanos ? `
  Thanos Query    ${h.thanos.query.http}   (both replicas deduplicated, and the store gateway on the bucket ${h.thanos.bucketDir})` : ''}
  Exporter        ${h.urls.exporter}/metrics   (simulate mode)
  Sinks           ${h.urls.sinks}/received   (what Slack, PagerDuty, the webhook and email received)

Scrape and evaluation every ${settings.scrapeInterval}; SLOs rendered with ${period}.
Force an error burst, and watch the SLO alerts fire and the notifications arrive here:

  curl -X POST -H 'content-type: application/json' -d '{"errorRatio": 1, "durationSeconds": 120}' ${h.urls.exporter}/v1/incident
  curl -X DELETE ${h.urls.exporter}/v1/incident

Process logs: ${report.relativeDir()}
`);
  await new Promise(() => undefined);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  killAllSync();
  process.exit(1);
});
