import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import pg from 'pg';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { resolveImage } from '../../../simulator/images/stand-ins.js';

/** Every container these tests start carries this, so leftovers can be found and removed. */
export const CONTAINER_LABELS = { 'dev.flysim.run': 'service-tests' };

export interface BackingServices {
  readonly postgres: StartedPostgreSqlContainer;
  readonly redis: StartedRedisContainer;
  close(): Promise<void>;
}

/** Asks the engine, so an official image that is present wins over its stand-in. */
async function hasImage(name: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  return client.image.exists(ImageName.fromString(name));
}

export async function startPostgres(): Promise<StartedPostgreSqlContainer> {
  const image = await resolveImage('postgres:16', hasImage);
  return new PostgreSqlContainer(image).withLabels(CONTAINER_LABELS).start();
}

export async function startRedis(): Promise<StartedRedisContainer> {
  const image = await resolveImage('redis:7', hasImage);
  return new RedisContainer(image).withLabels(CONTAINER_LABELS).start();
}

/** Both at once; if one fails to start, the other is stopped before the error surfaces. */
export async function startBackingServices(): Promise<BackingServices> {
  const [postgres, redis] = await Promise.allSettled([startPostgres(), startRedis()]);

  if (postgres.status === 'rejected' || redis.status === 'rejected') {
    await Promise.allSettled([
      postgres.status === 'fulfilled' && postgres.value.stop(),
      redis.status === 'fulfilled' && redis.value.stop(),
    ]);
    throw postgres.status === 'rejected'
      ? postgres.reason
      : (redis as PromiseRejectedResult).reason;
  }

  return {
    postgres: postgres.value,
    redis: redis.value,
    close: async () => {
      await Promise.allSettled([postgres.value.stop(), redis.value.stop()]);
    },
  };
}

/** The container's URL pointed at another database on the same server. */
export function databaseUrl(postgres: StartedPostgreSqlContainer, database: string): string {
  const url = new URL(postgres.getConnectionUri());
  url.pathname = `/${database}`;
  return url.toString();
}

/** A new, empty database on the running server, so each test can start from nothing. */
export async function createEmptyDatabase(
  postgres: StartedPostgreSqlContainer,
  database: string,
): Promise<string> {
  const client = new pg.Client({ connectionString: postgres.getConnectionUri() });
  await client.connect();
  try {
    await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(postgres, database);
}
