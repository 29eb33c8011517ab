import type { AppServer } from '../app-server.js';
import { createAppServer } from '../app-server.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { loadSettings, type Settings } from '../settings.js';
import { exitWithError, readPackageVersion, stdoutLogger } from './edge.js';

async function main(): Promise<void> {
  const logger = stdoutLogger();
  const settings = readSettings();
  exitOnCrash(logger);

  const cache = settings.redisUrl === undefined ? 'off (no REDIS_URL)' : 'redis';
  logger.info(`starting grupo-gad ${settings.version} (cache: ${cache})`);

  const appServer = createAppServer(settings, logger);
  // Before listening: until a handler exists, a signal kills the process without a drain.
  stopOnSignals(appServer, logger, settings.shutdownTimeoutMs);

  const address = await appServer
    .listen()
    .catch((error: unknown) =>
      exitWithError(`cannot listen on ${settings.host}:${settings.port}`, error),
    );

  logger.info(`listening on ${address.address}:${address.port}`);
}

function readSettings(): Settings {
  try {
    return loadSettings(process.env, readPackageVersion());
  } catch (error) {
    return exitWithError('configuration error', error);
  }
}

/** SIGINT (what Fly sends by default) and SIGTERM both drain; a second signal changes nothing. */
function stopOnSignals(appServer: AppServer, logger: Logger, shutdownTimeoutMs: number): void {
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return logger.info(`received ${signal} again; still shutting down`);
    stopping = true;

    logger.info(`received ${signal}: shutting down (hard stop after ${shutdownTimeoutMs}ms)`);
    void shutDown(appServer, logger, shutdownTimeoutMs);
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function shutDown(appServer: AppServer, logger: Logger, shutdownTimeoutMs: number) {
  const hardStop = setTimeout(() => {
    logger.error(`shutdown did not finish within ${shutdownTimeoutMs}ms; exiting anyway`);
    process.exit(1);
  }, shutdownTimeoutMs);

  try {
    await appServer.close();
    logger.info('shutdown complete');
    process.exit(0);
  } catch (error) {
    logger.error(`shutdown failed: ${describeError(error)}`);
    process.exit(1);
  } finally {
    clearTimeout(hardStop);
  }
}

/** A crash still leaves one readable line rather than a stack trace that might hold secrets. */
function exitOnCrash(logger: Logger): void {
  const crash = (error: unknown): void => {
    logger.error(`crashed: ${describeError(error)}`);
    process.exit(1);
  };

  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

await main();
