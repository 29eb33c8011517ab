import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  loadDatabaseSettings,
  loadSettings,
  normalizeDatabaseUrl,
  SettingsError,
  type Environment,
} from './settings.js';

const SECRET = 's'.repeat(32);
const JWT_SECRET = 'j'.repeat(40);
const VALID: Environment = {
  DATABASE_URL: 'postgresql://gad:pw@db:5432/gad',
  SECRET_KEY: SECRET,
  JWT_SECRET_KEY: JWT_SECRET,
};

function settingsError(env: Environment): SettingsError {
  try {
    loadSettings(env, '1.2.3');
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('loadSettings', () => {
  it('should fill defaults when only the required variables are set', () => {
    expect(loadSettings(VALID, '1.2.3')).toEqual({
      databaseUrl: 'postgresql://gad:pw@db:5432/gad',
      secretKey: SECRET,
      jwtSecretKey: JWT_SECRET,
      redisUrl: undefined,
      host: '0.0.0.0',
      port: DEFAULT_PORT,
      version: '1.2.3',
      debugRoutes: false,
      shutdownTimeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS,
    });
  });

  it('should read every optional variable', () => {
    const settings = loadSettings(
      {
        ...VALID,
        REDIS_URL: 'redis://cache:6379/0',
        PORT: '9090',
        APP_VERSION: 'deployment-01J',
        DEBUG_ROUTES: '1',
        SHUTDOWN_TIMEOUT_MS: '5000',
      },
      '1.2.3',
    );

    expect(settings).toMatchObject({
      redisUrl: 'redis://cache:6379/0',
      port: 9090,
      version: 'deployment-01J',
      debugRoutes: true,
      shutdownTimeoutMs: 5000,
    });
  });

  it('should be frozen', () => {
    expect(Object.isFrozen(loadSettings(VALID, 'dev'))).toBe(true);
  });

  it('should name DATABASE_URL when it is missing or blank', () => {
    for (const value of [undefined, '', '   ']) {
      const error = settingsError({ ...VALID, DATABASE_URL: value });
      expect(error.variable).toBe('DATABASE_URL');
      expect(error.message).toMatch(/^DATABASE_URL is not set: set it to the Postgres URL/);
    }
  });

  it('should reject a DATABASE_URL of another scheme without echoing the URL', () => {
    const error = settingsError({ ...VALID, DATABASE_URL: 'mysql://root:hunter2@db/gad' });

    expect(error.message).toMatch(
      /must start with postgres:\/\/ or postgresql:\/\/ \(found "mysql:\/\/"\)/,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it.each(['SECRET_KEY', 'JWT_SECRET_KEY'])('should require %s', (name) => {
    const error = settingsError({ ...VALID, [name]: undefined });

    expect(error.variable).toBe(name);
    expect(error.message).toMatch(new RegExp(`^${name} is not set: .*at least 32`));
  });

  it.each(['SECRET_KEY', 'JWT_SECRET_KEY'])(
    'should reject a %s shorter than 32 characters',
    (name) => {
      const short = 'x'.repeat(31);
      const error = settingsError({ ...VALID, [name]: short });

      expect(error.message).toBe(
        `${name} is 31 characters long but must be at least 32; generate one with \`openssl rand -hex 32\``,
      );
      expect(error.message).not.toContain(short);
    },
  );

  it('should accept a secret of exactly 32 characters', () => {
    expect(loadSettings({ ...VALID, SECRET_KEY: 'a'.repeat(32) }, 'dev').secretKey).toHaveLength(
      32,
    );
  });

  it('should report DATABASE_URL before the secrets when several are wrong', () => {
    expect(settingsError({}).variable).toBe('DATABASE_URL');
  });

  it('should treat a blank REDIS_URL as unset and reject other schemes', () => {
    expect(loadSettings({ ...VALID, REDIS_URL: '' }, 'dev').redisUrl).toBeUndefined();
    expect(loadSettings({ ...VALID, REDIS_URL: 'rediss://h:6380' }, 'dev').redisUrl).toBe(
      'rediss://h:6380',
    );

    const error = settingsError({ ...VALID, REDIS_URL: 'http://user:pw@cache' });
    expect(error.variable).toBe('REDIS_URL');
    expect(error.message).not.toContain('pw@');
  });

  it.each(['abc', '-1', '65536', '80.5', '123456'])('should reject PORT=%s', (port) => {
    const error = settingsError({ ...VALID, PORT: port });

    expect(error.variable).toBe('PORT');
    expect(error.message).toContain(`got "${port}"`);
  });

  it('should accept PORT 0 (the OS picks) and 65535', () => {
    expect(loadSettings({ ...VALID, PORT: '0' }, 'dev').port).toBe(0);
    expect(loadSettings({ ...VALID, PORT: '65535' }, 'dev').port).toBe(65_535);
  });

  it('should read DEBUG_ROUTES as a 1/0 flag', () => {
    expect(loadSettings({ ...VALID, DEBUG_ROUTES: 'true' }, 'dev').debugRoutes).toBe(true);
    expect(loadSettings({ ...VALID, DEBUG_ROUTES: '0' }, 'dev').debugRoutes).toBe(false);
    expect(settingsError({ ...VALID, DEBUG_ROUTES: 'yes' }).variable).toBe('DEBUG_ROUTES');
  });

  it.each(['0', 'soon', '-5'])('should reject SHUTDOWN_TIMEOUT_MS=%s', (value) => {
    expect(settingsError({ ...VALID, SHUTDOWN_TIMEOUT_MS: value }).variable).toBe(
      'SHUTDOWN_TIMEOUT_MS',
    );
  });

  it('should fall back to the given version when APP_VERSION is blank', () => {
    expect(loadSettings({ ...VALID, APP_VERSION: ' ' }, 'dev').version).toBe('dev');
  });
});

describe('normalizeDatabaseUrl', () => {
  it.each([
    ['postgres://u:p@h:5432/d', 'postgresql://u:p@h:5432/d'],
    ['postgresql://u:p@h/d', 'postgresql://u:p@h/d'],
    ['postgresql+asyncpg://u:p@h/d', 'postgresql://u:p@h/d'],
    ['POSTGRES://u@h/d?sslmode=disable', 'postgresql://u@h/d?sslmode=disable'],
  ])('should turn %s into %s', (raw, normalized) => {
    expect(normalizeDatabaseUrl(raw)).toBe(normalized);
  });

  it('should reject a URL that does not parse, without echoing it', () => {
    expect(() => normalizeDatabaseUrl('postgres://u:se cret@[bad/d')).toThrow(
      /DATABASE_URL is not a valid URL; write it as postgresql:\/\/user:password@host:5432\/dbname/,
    );
  });
});

describe('loadDatabaseSettings', () => {
  it('should need only DATABASE_URL (the release command has no use for the app secrets)', () => {
    expect(loadDatabaseSettings({ DATABASE_URL: 'postgres://u@h/d' })).toEqual({
      databaseUrl: 'postgresql://u@h/d',
    });
  });
});
