import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AppProcess,
  buildService,
  closedPort,
  sleep,
  startServer,
  TEST_JWT_SECRET_KEY,
  TEST_SECRET_KEY,
  waitUntilReady,
} from './helpers/app-process.js';
import {
  createEmptyDatabase,
  startBackingServices,
  type BackingServices,
} from './helpers/containers.js';

let services: BackingServices;
/** A database `migrate` has brought up to date; the app runs against it. */
let appDatabaseUrl: string;
const processes: AppProcess[] = [];

function track<T extends { app: AppProcess } | AppProcess>(started: T): T {
  processes.push(started instanceof AppProcess ? started : started.app);
  return started;
}

function appEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: appDatabaseUrl,
    REDIS_URL: services.redis.getConnectionUrl(),
    SECRET_KEY: TEST_SECRET_KEY,
    JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
    ...overrides,
  };
}

async function runMigrate(databaseUrl: string) {
  const migrate = track(new AppProcess('migrate', { DATABASE_URL: databaseUrl }));
  return {
    exit: await migrate.waitForExit(30_000),
    stdout: migrate.stdout,
    stderr: migrate.stderr,
  };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

beforeAll(async () => {
  services = await startBackingServices();
  appDatabaseUrl = await createEmptyDatabase(services.postgres, 'lifecycle_app');

  const { exit, stderr } = await runMigrate(appDatabaseUrl);
  expect(exit.code, stderr).toBe(0);
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((app) => app.kill()));
});

afterAll(async () => {
  await services?.close();
});

describe('settings at start', () => {
  it('should print one line naming DATABASE_URL and exit 1 when it is missing', async () => {
    const app = track(new AppProcess('server', { SECRET_KEY: TEST_SECRET_KEY }));
    const exit = await app.waitForExit();

    expect(exit.code).toBe(1);
    expect(lines(app.stderr)).toHaveLength(1);
    expect(app.stderr).toMatch(/DATABASE_URL is not set/);
    expect(app.stdout).toBe('');
  });

  it('should print one line naming SECRET_KEY and exit 1 when it has 20 characters', async () => {
    const shortKey = 'abcdefghij0123456789';
    const app = track(new AppProcess('server', appEnv({ SECRET_KEY: shortKey })));
    const exit = await app.waitForExit();

    expect(exit.code).toBe(1);
    expect(lines(app.stderr)).toHaveLength(1);
    expect(app.stderr).toMatch(/SECRET_KEY is 20 characters long but must be at least 32/);
    expect(app.stderr).not.toContain(shortKey);
    expect(app.stderr).not.toMatch(/\n\s+at /);
  });

  it('should answer /health with status, timestamp, uptime and version', async () => {
    const { app, baseUrl } = track(await startServer(appEnv({ APP_VERSION: 'v-test-7' })));
    const response = await fetch(`${baseUrl}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      uptime: expect.any(Number) as unknown,
      version: 'v-test-7',
    });
    expect(app.stdout).not.toContain(TEST_SECRET_KEY);
  });
});

// The image runs the compiled output, and tsx's loader alone costs 1-2 s on a busy 2-core
// machine, so the start-up budget is measured where it applies: `node service/dist/bin/...`.
describe('compiled dist (what the image runs)', () => {
  beforeAll(async () => {
    await buildService();
  });

  it('should answer /health within 2 s of starting when everything is set', async () => {
    const { app, baseUrl } = track(await startServer(appEnv(), { compiled: true }));
    const response = await fetch(`${baseUrl}/health`);
    const answeredAfterMs = performance.now() - app.startedAtMs;

    expect(response.status).toBe(200);
    expect(answeredAfterMs).toBeLessThan(2_000);
    expect(await response.json()).toMatchObject({ status: 'ok', version: '1.0.0' });
  });

  it('should run the release command from dist without the TypeScript sources', async () => {
    const databaseUrl = await createEmptyDatabase(services.postgres, 'migrate_from_dist');
    const migrate = track(
      new AppProcess('migrate', { DATABASE_URL: databaseUrl }, { compiled: true }),
    );

    expect((await migrate.waitForExit(30_000)).code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/applied 3 migration\(s\)/);
  });
});

describe('readiness', () => {
  it('should report the database and Redis as ok', async () => {
    const { baseUrl } = track(await startServer(appEnv()));
    await waitUntilReady(baseUrl);

    const body = await (await fetch(`${baseUrl}/health/ready`)).json();
    expect(body).toEqual({
      status: 'ready',
      checks: { database: { status: 'ok' }, redis: { status: 'ok' } },
    });
  });

  it('should stay ready with Redis reported as not configured when REDIS_URL is unset', async () => {
    const { baseUrl } = track(await startServer(appEnv({ REDIS_URL: '' })));
    const response = await fetch(`${baseUrl}/health/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      checks: { database: { status: 'ok' }, redis: { status: 'not configured' } },
    });
  });

  it('should answer 503 when the database cannot be reached, while /health stays 200', async () => {
    const unreachable = `postgres://test:test@127.0.0.1:${await closedPort()}/test`;
    const { baseUrl } = track(await startServer(appEnv({ DATABASE_URL: unreachable })));

    const ready = await fetch(`${baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      checks: {
        database: {
          status: 'unavailable',
          error: expect.stringMatching(/ECONNREFUSED/) as unknown,
        },
      },
    });
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
  });
});

describe('readiness while running', () => {
  it('should turn 503 when the database goes away, and 200 again when it is back', async () => {
    const databaseUrl = await createEmptyDatabase(services.postgres, 'readiness_outage');
    const { baseUrl } = track(await startServer(appEnv({ DATABASE_URL: databaseUrl })));
    await waitUntilReady(baseUrl);

    // The server keeps running for the other tests; refusing this one database is the outage.
    await asAdmin('alter database readiness_outage allow_connections false');
    await asAdmin(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = 'readiness_outage'",
    );
    const down = await fetch(`${baseUrl}/health/ready`);

    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      checks: { database: { status: 'unavailable' }, redis: { status: 'ok' } },
    });

    await asAdmin('alter database readiness_outage allow_connections true');
    await waitUntilReady(baseUrl);
  });
});

describe('migrate', () => {
  it('should create the tables on an empty database, then find nothing pending', async () => {
    const databaseUrl = await createEmptyDatabase(services.postgres, 'migrate_twice');

    const first = await runMigrate(databaseUrl.replace(/^postgresql:/, 'postgres:'));
    expect(first.exit.code, first.stderr).toBe(0);
    expect(lines(first.stdout)).toEqual([
      'migrate: applied 0001-create-usuarios',
      'migrate: applied 0002-create-efectivos',
      'migrate: applied 0003-create-tareas',
      'migrate: applied 3 migration(s); the database is up to date',
    ]);
    expect(await tableNames(databaseUrl)).toEqual(
      expect.arrayContaining(['efectivos', 'tareas', 'usuarios']),
    );

    const second = await runMigrate(databaseUrl);
    expect(second.exit.code, second.stderr).toBe(0);
    expect(lines(second.stdout)).toEqual([
      'migrate: nothing pending; all 3 migrations were already applied',
    ]);
  });

  it('should exit non-zero with one clear line, quickly, when the database is unreachable', async () => {
    const password = 'do-not-print-this-password';
    const url = `postgres://gad:${password}@127.0.0.1:${await closedPort()}/gad`;

    const startedAtMs = performance.now();
    const { exit, stdout, stderr } = await runMigrate(url);

    expect(exit.atMs - startedAtMs).toBeLessThan(10_000);
    expect(exit.code).toBe(1);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(
      /^migrate: cannot run migrations on 127\.0\.0\.1:\d+\/gad: .*ECONNREFUSED/,
    );
    expect(stdout + stderr).not.toContain(password);
  });
});

describe('graceful shutdown', () => {
  it('should finish a 3-second request after SIGINT, then exit 0', async () => {
    const { app, baseUrl } = track(await startServer(appEnv({ DEBUG_ROUTES: '1' })));
    const slow = fetch(`${baseUrl}/debug/sleep?ms=3000`).then(async (response) => ({
      status: response.status,
      body: await response.json(),
      atMs: performance.now(),
    }));
    await sleep(500);

    app.signal('SIGINT');
    await app.waitForLine(/received SIGINT/);
    const refused = await fetch(`${baseUrl}/health`).catch((error: unknown) => error);
    const response = await slow;
    const exit = await app.waitForExit();

    expect(refused).toBeInstanceOf(Error);
    expect(response).toMatchObject({ status: 200, body: { sleptMs: 3000 } });
    expect(exit.code).toBe(0);
    expect(exit.atMs).toBeGreaterThanOrEqual(response.atMs);
    expect(app.stdout).toMatch(/shutdown complete/);
  });

  it('should send WebSocket clients a 1001 close frame on SIGINT', async () => {
    const { app, port } = track(await startServer(appEnv()));
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws/connect`);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );

    app.signal('SIGINT');

    expect(await closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect((await app.waitForExit()).code).toBe(0);
  });

  it('should drain on SIGTERM as well', async () => {
    const { app } = track(await startServer(appEnv()));
    app.signal('SIGTERM');

    expect((await app.waitForExit()).code).toBe(0);
    expect(app.stdout).toMatch(/received SIGTERM/);
  });

  it('should exit 1 with a line saying so when the drain outlasts the hard stop', async () => {
    const env = appEnv({ DEBUG_ROUTES: '1', SHUTDOWN_TIMEOUT_MS: '500' });
    const { app, baseUrl } = track(await startServer(env));
    const stuck = fetch(`${baseUrl}/debug/sleep?ms=20000`).catch((error: unknown) => error);
    await sleep(300);

    app.signal('SIGINT');
    const exit = await app.waitForExit();

    expect(exit.code).toBe(1);
    expect(app.stdout).toMatch(/shutdown did not finish within 500ms; exiting anyway/);
    expect(await stuck).toBeInstanceOf(Error);
  });
});

async function tableNames(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public'",
    );
    return result.rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: services.postgres.getConnectionUri() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
