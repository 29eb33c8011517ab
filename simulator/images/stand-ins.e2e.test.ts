import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { Socket } from 'node:net';
import pg from 'pg';
import { GenericContainer, getContainerRuntimeClient, ImageName, Wait } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { resolveImage } from './stand-ins.js';

const LABELS = { 'dev.flysim.run': 'images-e2e' };

async function hasImage(name: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  return client.image.exists(ImageName.fromString(name));
}

async function redisPing(host: string, port: number): Promise<string> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject).connect(port, host, resolve);
  });
  const reply = new Promise<string>((resolve) =>
    socket.once('data', (data) => resolve(String(data))),
  );
  socket.write('PING\r\n');
  const answer = await reply;
  socket.destroy();
  return answer.trim();
}

describe('stand-in images with testcontainers', () => {
  it('should run postgres with the official contract: user, password, database', async () => {
    const image = await resolveImage('postgres:16', hasImage);
    await using container = await new PostgreSqlContainer(image)
      .withUsername('gcp_user')
      .withPassword('gcp-password-1')
      .withDatabase('gcp_db')
      .withLabels(LABELS)
      .start();

    const client = new pg.Client({ connectionString: container.getConnectionUri() });
    await client.connect();
    const result = await client.query<{ user: string; db: string }>(
      'select current_user as user, current_database() as db',
    );
    await client.end();

    expect(result.rows[0]).toEqual({ user: 'gcp_user', db: 'gcp_db' });
  });

  it('should print the ready line twice, as the official image does, and take any password', async () => {
    const image = await resolveImage('postgres:16', hasImage);
    const password = `it's a "quoted" pass word`;
    await using container = await new GenericContainer(image)
      .withEnvironment({ POSTGRES_PASSWORD: password, POSTGRES_DB: 'other' })
      .withExposedPorts(5432)
      .withLabels(LABELS)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();

    const uri = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${container.getMappedPort(5432)}/other`;
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    const result = await client.query<{ db: string }>('select current_database() as db');
    await client.end();

    expect(result.rows[0]?.db).toBe('other');
  });

  it('should run redis reachable from the host despite Debian protected mode', async () => {
    const image = await resolveImage('redis:7', hasImage);
    await using container = await new RedisContainer(image).withLabels(LABELS).start();

    expect(await redisPing(container.getHost(), container.getPort())).toBe('+PONG');
  });
});
