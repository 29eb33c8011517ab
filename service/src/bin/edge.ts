import { readFileSync } from 'node:fs';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { SettingsError } from '../settings.js';

/** Log lines go to stdout (what `fly logs` streams); pipes are synchronous on Linux. */
export function stdoutLogger(): Logger {
  return createLogger((line) => process.stdout.write(`${line}\n`));
}

/** One line on stderr and exit 1: for a setting, the message already names the variable. */
export function exitWithError(prefix: string, error: unknown): never {
  const message = error instanceof SettingsError ? error.message : describeError(error);
  process.stderr.write(`${prefix}: ${message}\n`);
  process.exit(1);
}

/**
 * The version `/health` reports when APP_VERSION is unset. `../../package.json` is the service's
 * from both `src/bin/` and `dist/bin/`; the runtime image keeps it.
 */
export function readPackageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    const version = (manifest as { version?: unknown } | null)?.version;
    return typeof version === 'string' && version !== '' ? version : 'dev';
  } catch {
    // No readable package.json (an unusual image layout): "dev" says the version is unknown.
    return 'dev';
  }
}
