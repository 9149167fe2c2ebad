import { ConfigError, parseCli } from './config';
import { createLogger } from './log';
import { Exporter } from './server';

/**
 * The exporter process: `npx tsx exporter/src/main.ts --port 9464 --interval 15`, or the
 * bundled `node exporter.cjs ...` in the image. Exit codes: 0 after a graceful stop, 1 on a
 * runtime failure (e.g. the port is taken), 2 on invalid flags or environment.
 */
async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`app-exporter: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (cli.kind === 'print') {
    process.stdout.write(cli.text);
    return;
  }
  const logger = createLogger(cli.config.logLevel);
  const exporter = new Exporter(cli.config, { logger });

  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception; exiting', { error, stack: error.stack });
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection; exiting', { error: reason });
    process.exit(1);
  });

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn('second signal; exiting at once', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    exporter.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    await exporter.start();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    logger.error('cannot start', { error: err, code: err.code, port: cli.config.port, host: cli.config.host });
    process.exit(1);
  }
}

void main();
