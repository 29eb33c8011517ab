/** The process environment, or any record shaped like it (tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface DatabaseSettings {
  /** Always `postgresql://...`, whatever scheme the variable used. */
  readonly databaseUrl: string;
}

export interface Settings extends DatabaseSettings {
  readonly secretKey: string;
  readonly jwtSecretKey: string;
  /** `undefined` turns the cache off; `/health/ready` then reports Redis as not configured. */
  readonly redisUrl: string | undefined;
  readonly host: string;
  /** 0 asks the OS for a free port; the listen line prints the one it chose. */
  readonly port: number;
  /** Shown by `GET /health`. */
  readonly version: string;
  /** Mounts `GET /debug/sleep` (tests and proxy-draining scenarios only). */
  readonly debugRoutes: boolean;
  /** After a signal, how long the drain may take before the process exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
}

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 8080;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
export const MIN_SECRET_LENGTH = 32;

const EXAMPLE_DATABASE_URL = 'postgresql://user:password@host:5432/dbname';
const GENERATE_SECRET_HINT = 'generate one with `openssl rand -hex 32`';

/** A setting that cannot be used. The message is one line and never contains the value. */
export class SettingsError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Everything the web process needs; throws `SettingsError` on the first bad variable. */
export function loadSettings(env: Environment, fallbackVersion: string): Settings {
  return Object.freeze({
    ...loadDatabaseSettings(env),
    secretKey: readSecret(env, 'SECRET_KEY'),
    jwtSecretKey: readSecret(env, 'JWT_SECRET_KEY'),
    redisUrl: readRedisUrl(env),
    host: DEFAULT_HOST,
    port: readPort(env),
    version: readText(env, 'APP_VERSION') ?? fallbackVersion,
    debugRoutes: readFlag(env, 'DEBUG_ROUTES'),
    shutdownTimeoutMs: readShutdownTimeout(env),
  });
}

/** What the release command needs: only the database, so a missing app secret cannot block it. */
export function loadDatabaseSettings(env: Environment): DatabaseSettings {
  const raw = readText(env, 'DATABASE_URL');
  if (raw === undefined) {
    throw new SettingsError(
      'DATABASE_URL',
      `DATABASE_URL is not set: set it to the Postgres URL, e.g. ${EXAMPLE_DATABASE_URL}`,
    );
  }

  return Object.freeze({ databaseUrl: normalizeDatabaseUrl(raw) });
}

/**
 * Accepts `postgres://`, `postgresql://` and SQLAlchemy's `postgresql+driver://` (the URL the
 * Python app used) and returns the `postgresql://` form.
 */
export function normalizeDatabaseUrl(raw: string): string {
  const match = /^(postgres|postgresql)(\+[a-z0-9]+)?:\/\//i.exec(raw);
  if (match === null) {
    throw new SettingsError(
      'DATABASE_URL',
      `DATABASE_URL must start with postgres:// or postgresql:// (found ${describeScheme(raw)}); ` +
        `set it to e.g. ${EXAMPLE_DATABASE_URL}`,
    );
  }

  const normalized = 'postgresql://' + raw.slice(match[0].length);
  if (!URL.canParse(normalized)) {
    throw new SettingsError(
      'DATABASE_URL',
      `DATABASE_URL is not a valid URL; write it as ${EXAMPLE_DATABASE_URL} ` +
        '(percent-encode special characters in the password)',
    );
  }
  return normalized;
}

function readSecret(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new SettingsError(
      name,
      `${name} is not set: set it to at least ${MIN_SECRET_LENGTH} random characters; ` +
        GENERATE_SECRET_HINT,
    );
  }

  if (value.length < MIN_SECRET_LENGTH) {
    throw new SettingsError(
      name,
      `${name} is ${value.length} characters long but must be at least ${MIN_SECRET_LENGTH}; ` +
        GENERATE_SECRET_HINT,
    );
  }
  return value;
}

function readRedisUrl(env: Environment): string | undefined {
  const value = readText(env, 'REDIS_URL');
  if (value === undefined) return undefined;

  if (!/^rediss?:\/\//i.test(value) || !URL.canParse(value)) {
    throw new SettingsError(
      'REDIS_URL',
      `REDIS_URL must be a redis:// or rediss:// URL (found ${describeScheme(value)}); ` +
        'set it to e.g. redis://host:6379 or unset it to run without the cache',
    );
  }
  return value;
}

function readPort(env: Environment): number {
  const value = readText(env, 'PORT');
  if (value === undefined) return DEFAULT_PORT;

  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new SettingsError(
      'PORT',
      `PORT must be an integer from 0 to 65535, got "${value}"; unset it to use ${DEFAULT_PORT}`,
    );
  }
  return port;
}

function readFlag(env: Environment, name: string): boolean {
  const value = readText(env, name)?.toLowerCase();
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;

  throw new SettingsError(name, `${name} must be 1 or 0, got "${value}"; unset it to turn it off`);
}

function readShutdownTimeout(env: Environment): number {
  const value = readText(env, 'SHUTDOWN_TIMEOUT_MS');
  if (value === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;

  const timeoutMs = /^\d{1,7}$/.test(value) ? Number(value) : 0;
  if (timeoutMs < 1) {
    throw new SettingsError(
      'SHUTDOWN_TIMEOUT_MS',
      `SHUTDOWN_TIMEOUT_MS must be a positive number of milliseconds, got "${value}"; ` +
        `unset it to use ${DEFAULT_SHUTDOWN_TIMEOUT_MS}`,
    );
  }
  return timeoutMs;
}

/** Blank counts as unset: a platform often injects an empty string for a removed secret. */
function readText(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Only the part before `://`: the rest of a URL may hold a password. */
function describeScheme(value: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  return scheme === undefined ? 'no scheme' : `"${scheme}://"`;
}
