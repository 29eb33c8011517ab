import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';

/** What one `migrate` run did, in a shape the release command can print. */
export interface MigrationReport {
  readonly applied: readonly string[];
  /** The migration that failed, when one did; earlier ones in `applied` stay committed. */
  readonly failed: string | undefined;
  /** Set when the run failed, whether in a migration or before (e.g. no database). */
  readonly error: unknown;
  /** How many migrations this build knows. */
  readonly total: number;
}

const staticProvider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

export function createMigrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: staticProvider });
}

/** Applies every pending migration; kysely's lock makes two concurrent runs safe. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationReport> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();

  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    failed: results.find((r) => r.status === 'Error')?.migrationName,
    error,
    total: Object.keys(MIGRATIONS).length,
  };
}
