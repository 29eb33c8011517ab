import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDatabase, createPool } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import {
  startServer,
  TEST_JWT_SECRET_KEY,
  TEST_SECRET_KEY,
  waitUntilReady,
  type AppProcess,
} from './helpers/app-process.js';
import {
  createEmptyDatabase,
  startBackingServices,
  type BackingServices,
} from './helpers/containers.js';

interface TareaBody {
  id: number;
  titulo: string;
  descripcion: string | null;
  estado: string;
  prioridad: string;
  efectivo_id: number | null;
  updated_at: string;
}

let services: BackingServices;
let app: AppProcess;
let baseUrl: string;
let port: number;
let redis: Redis;
let db: pg.Client;

beforeAll(async () => {
  services = await startBackingServices();
  const databaseUrl = await createEmptyDatabase(services.postgres, 'api');
  await migrate(databaseUrl);

  ({ app, baseUrl, port } = await startServer({
    DATABASE_URL: databaseUrl,
    REDIS_URL: services.redis.getConnectionUrl(),
    SECRET_KEY: TEST_SECRET_KEY,
    JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
  }));
  await waitUntilReady(baseUrl);

  redis = new Redis(services.redis.getConnectionUrl());
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await app?.kill();
  redis?.disconnect();
  await db?.end();
  await services?.close();
});

async function migrate(databaseUrl: string): Promise<void> {
  const kysely = createDatabase(
    createPool(
      databaseUrl,
      createLogger(() => undefined),
    ),
  );
  try {
    const report = await migrateToLatest(kysely);
    if (report.error !== undefined) throw new Error('migrate failed', { cause: report.error });
  } finally {
    await kysely.destroy();
  }
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

async function createTarea(
  titulo: string,
  extra: Record<string, unknown> = {},
): Promise<TareaBody> {
  const { status, body } = await call('POST', '/api/v1/tareas', { titulo, ...extra });
  expect(status).toBe(201);
  return body as TareaBody;
}

async function cacheLookups(
  kind: 'item' | 'list',
  result: 'hit' | 'miss' | 'error',
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`tareas_cache_lookups_total{kind="${kind}",result="${result}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('REST API over tareas', () => {
  it('should create a tarea with defaults and a Location header', async () => {
    const { status, headers, body } = await call('POST', '/api/v1/tareas', {
      titulo: '  Patrulla norte ',
    });

    expect(status).toBe(201);
    expect(body).toMatchObject({
      titulo: 'Patrulla norte',
      descripcion: null,
      estado: 'pendiente',
      prioridad: 'media',
      efectivo_id: null,
      creado_por_id: null,
    });
    expect(headers.get('location')).toBe(`/api/v1/tareas/${(body as TareaBody).id}`);
  });

  it('should answer 400 with a message for invalid input', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /titulo is required/],
      [{ titulo: '' }, /titulo must be a non-empty string/],
      [{ titulo: 'x', estado: 'hecha' }, /estado must be one of pendiente, en_progreso/],
      [{ titulo: 'x', color: 'rojo' }, /unknown field "color"/],
      [{ titulo: 'x', efectivo_id: 999_999 }, /efectivo_id 999999 does not exist/],
      ['{"titulo":', /request body is not valid JSON/],
      [[1, 2], /request body must be a JSON object, got an array/],
    ];

    for (const [body, message] of cases) {
      const response = await call('POST', '/api/v1/tareas', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual({ error: expect.stringMatching(message) as unknown });
    }
  });

  it('should accept a reference to an existing efectivo', async () => {
    const { rows } = await db.query<{ id: number }>(
      "insert into efectivos (nombre, rango) values ('Ana', 'cabo') returning id",
    );
    const efectivoId = rows[0]?.id;

    const tarea = await createTarea('Con efectivo', { efectivo_id: efectivoId, prioridad: 'alta' });
    expect(tarea).toMatchObject({ efectivo_id: efectivoId, prioridad: 'alta' });
  });

  it('should read, update and delete a tarea, with 404s once it is gone', async () => {
    const tarea = await createTarea('Ciclo de vida');
    const path = `/api/v1/tareas/${tarea.id}`;

    expect((await call('GET', path)).body).toEqual(tarea);
    const updated = await call('PATCH', path, { estado: 'en_progreso', descripcion: 'en camino' });
    expect(updated).toMatchObject({
      status: 200,
      body: { estado: 'en_progreso', descripcion: 'en camino' },
    });
    expect((updated.body as TareaBody).updated_at >= tarea.updated_at).toBe(true);

    expect((await call('DELETE', path)).status).toBe(204);
    expect(await call('GET', path)).toMatchObject({
      status: 404,
      body: { error: `tarea ${tarea.id} not found` },
    });
    expect((await call('PATCH', path, { estado: 'completada' })).status).toBe(404);
    expect((await call('DELETE', path)).status).toBe(404);
  });

  it('should reject bad ids, empty patches and bad list parameters with 400', async () => {
    expect((await call('GET', '/api/v1/tareas/abc')).status).toBe(400);
    expect((await call('GET', '/api/v1/tareas/0')).status).toBe(400);
    expect((await call('PATCH', '/api/v1/tareas/1', {})).body).toEqual({
      error: expect.stringMatching(/send at least one of titulo/) as unknown,
    });
    expect((await call('GET', '/api/v1/tareas?limit=1000')).status).toBe(400);
    expect((await call('GET', '/api/v1/tareas?estado=rara')).status).toBe(400);
  });

  it('should list tareas, filtered by estado and paged', async () => {
    const done = await createTarea('Terminada', { estado: 'completada' });

    const filtered = await call('GET', '/api/v1/tareas?estado=completada');
    expect(filtered.status).toBe(200);
    expect((filtered.body as { items: TareaBody[] }).items.map((t) => t.id)).toContain(done.id);
    expect(
      (filtered.body as { items: TareaBody[] }).items.every((t) => t.estado === 'completada'),
    ).toBe(true);

    const page = await call('GET', '/api/v1/tareas?limit=1&offset=1');
    expect(page.body).toMatchObject({
      limit: 1,
      offset: 1,
      items: [expect.any(Object) as unknown],
    });
  });

  it('should answer unknown routes with a JSON 404', async () => {
    expect(await call('GET', '/nope')).toMatchObject({
      status: 404,
      body: { error: 'no route for GET /nope' },
    });
  });

  it('should not mount the debug route unless DEBUG_ROUTES=1', async () => {
    expect((await call('GET', '/debug/sleep?ms=1')).status).toBe(404);
  });
});

describe('Redis cache-aside', () => {
  it('should serve a second GET by id from Redis, and drop it on a write', async () => {
    const tarea = await createTarea('Cacheada');
    const path = `/api/v1/tareas/${tarea.id}`;
    const hitsBefore = await cacheLookups('item', 'hit');

    await call('GET', path);
    expect(JSON.parse((await redis.get(`tareas:item:${tarea.id}`)) ?? 'null')).toEqual(tarea);

    // Changed behind the app's back: only a cached answer can still show the old title.
    await db.query('update tareas set titulo = $1 where id = $2', [
      'Cambiada en la base',
      tarea.id,
    ]);
    expect((await call('GET', path)).body).toMatchObject({ titulo: 'Cacheada' });
    expect(await cacheLookups('item', 'hit')).toBe(hitsBefore + 1);

    await call('PATCH', path, { prioridad: 'baja' });
    expect(await redis.exists(`tareas:item:${tarea.id}`)).toBe(0);
    expect((await call('GET', path)).body).toMatchObject({
      titulo: 'Cambiada en la base',
      prioridad: 'baja',
    });
  });

  it('should serve a repeated list from Redis until a write invalidates every list', async () => {
    const path = '/api/v1/tareas?limit=100';
    await call('GET', path);
    const hitsBefore = await cacheLookups('list', 'hit');

    await db.query("insert into tareas (titulo) values ('Invisible hasta una escritura')");
    const cached = await call('GET', path);
    expect(JSON.stringify(cached.body)).not.toContain('Invisible hasta una escritura');
    expect(await cacheLookups('list', 'hit')).toBe(hitsBefore + 1);

    await createTarea('Escritura que invalida');
    const fresh = await call('GET', path);
    expect(JSON.stringify(fresh.body)).toContain('Invisible hasta una escritura');
  });
});

describe('WebSocket /ws/connect', () => {
  async function connect(): Promise<{ client: WebSocket; messages: unknown[] }> {
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws/connect`);
    const messages: unknown[] = [];
    client.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    return { client, messages };
  }

  async function waitForMessages(messages: unknown[], count: number): Promise<void> {
    for (let waitedMs = 0; messages.length < count && waitedMs < 5_000; waitedMs += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('should broadcast created, updated and deleted tareas to every client', async () => {
    const first = await connect();
    const second = await connect();

    const tarea = await createTarea('Difundida');
    await call('PATCH', `/api/v1/tareas/${tarea.id}`, { estado: 'completada' });
    await call('DELETE', `/api/v1/tareas/${tarea.id}`);
    await Promise.all([waitForMessages(first.messages, 3), waitForMessages(second.messages, 3)]);

    const expected = [
      { type: 'tarea.created', tarea },
      {
        type: 'tarea.updated',
        tarea: expect.objectContaining({ id: tarea.id, estado: 'completada' }) as unknown,
      },
      { type: 'tarea.deleted', tarea: expect.objectContaining({ id: tarea.id }) as unknown },
    ];
    expect(first.messages).toEqual(expected);
    expect(second.messages).toEqual(expected);
    first.client.close();
    second.client.close();
  });

  it('should refuse upgrades on other paths', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws/other`);
    const error = await new Promise<Error>((resolve) => client.once('error', resolve));
    expect(error.message).toMatch(/404/);
  });
});

describe('metrics', () => {
  it('should expose process metrics and requests by route pattern and status', async () => {
    await call('GET', '/api/v1/tareas/424242');
    const text = await (await fetch(`${baseUrl}/metrics`)).text();

    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/tareas\/:id",status="404"\} \d+/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health\/ready"/,
    );
  });
});

// Last on purpose: it stops the Redis container that the tests above share.
describe('when Redis goes away', () => {
  it('should keep answering from Postgres and report Redis unavailable', async () => {
    const tarea = await createTarea('Sin caché');
    const errorsBefore = await cacheLookups('item', 'error');
    redis.disconnect();
    await services.redis.stop();

    expect(await call('GET', `/api/v1/tareas/${tarea.id}`)).toMatchObject({
      status: 200,
      body: { id: tarea.id, titulo: 'Sin caché' },
    });
    expect(await cacheLookups('item', 'error')).toBe(errorsBefore + 1);

    const ready = await fetch(`${baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      checks: { database: { status: 'ok' }, redis: { status: 'unavailable' } },
    });
  });
});
