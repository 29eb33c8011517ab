import { createDatabase, createPool } from '../db/database.js';
import { migrateToLatest, type MigrationReport } from '../db/migrate.js';
import { describeError } from '../errors.js';
import { loadDatabaseSettings, type DatabaseSettings } from '../settings.js';
import { exitWithError, stdoutLogger } from './edge.js';

/** The release command: applies pending migrations, says what it did, exits 0 or 1. */
async function main(): Promise<void> {
  const settings = readSettings();
  const db = createDatabase(createPool(settings.databaseUrl, stdoutLogger()));

  const report = await migrateToLatest(db);
  await db.destroy().catch(() => undefined);

  if (report.error !== undefined) exitWithError('migrate', failureMessage(report, settings));
  printSuccess(report);
  process.exit(0);
}

function readSettings(): DatabaseSettings {
  try {
    return loadDatabaseSettings(process.env);
  } catch (error) {
    return exitWithError('configuration error', error);
  }
}

function printSuccess(report: MigrationReport): void {
  if (report.applied.length === 0) {
    console.log(`migrate: nothing pending; all ${report.total} migrations were already applied`);
    return;
  }

  for (const name of report.applied) console.log(`migrate: applied ${name}`);
  console.log(`migrate: applied ${report.applied.length} migration(s); the database is up to date`);
}

function failureMessage(report: MigrationReport, settings: DatabaseSettings): string {
  const cause = describeError(report.error);
  if (report.failed !== undefined) {
    const before = report.applied.length;
    return `${report.failed} failed (${before} applied before it stay applied): ${cause}`;
  }

  return `cannot run migrations on ${describeTarget(settings.databaseUrl)}: ${cause}; check DATABASE_URL and that the database is reachable`;
}

/** Host, port and database name only: the URL's password must not reach the logs. */
function describeTarget(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

await main();
