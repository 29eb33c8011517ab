import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Database } from './schema.js';

/** SQLAlchemy's `pool_size` in the Python app: connections kept open once made. */
export const POOL_SIZE = 10;
/** SQLAlchemy's `max_overflow`: extra connections allowed under load, closed once idle. */
export const POOL_MAX_OVERFLOW = 20;
export const POOL_IDLE_TIMEOUT_MS = 10_000;
/** Bounds a connect to an unreachable host, so `migrate` and readiness fail instead of hang. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface PoolOptions {
  readonly connectTimeoutMs?: number;
}

/**
 * pg has no overflow notion, so "10 + 20 overflow" is built from two of its options: `max` caps
 * the pool at 30 clients, and `min` stops the idle reaper at 10, so the first 10 clients stay
 * open (warm, like SQLAlchemy's pool_size) while clients 11 to 30 close after
 * POOL_IDLE_TIMEOUT_MS idle (SQLAlchemy closes overflow on check-in; a short idle window is the
 * nearest pg offers). Like SQLAlchemy, pg opens connections on demand, not at start.
 */
export function createPool(
  databaseUrl: string,
  logger: Logger,
  options: PoolOptions = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POOL_SIZE + POOL_MAX_OVERFLOW,
    min: POOL_SIZE,
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });

  // An idle client whose server went away emits here; without a listener the process crashes.
  pool.on('error', (error) =>
    logger.warn(`database: idle connection lost: ${describeError(error)}`),
  );
  return pool;
}

/** `destroy()` on the result ends the pool. */
export function createDatabase(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
