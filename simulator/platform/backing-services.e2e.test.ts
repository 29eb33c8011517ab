import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../clock/scaled-clock.js';
import { resolveImage } from '../images/stand-ins.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { Machine } from './machine.js';
import { Platform } from './platform.js';

const APP = 'svc-e2e';
const runtime = new DockerRuntime();
const stateDir = mkdtempSync(join(tmpdir(), 'flysim-services-'));
const platform = new Platform({
  runtime,
  clock: new ScaledClock({ speed: 20 }),
  runId: `svc-e2e-${process.pid}`,
  stateDir,
});
let machine: Machine;

/** Connects from inside the machine and prints `open`, or the error code, within 1.5 s. */
const PROBE = `
const [host, port] = process.argv[1].split(':');
const s = require('net').connect(Number(port), host);
const done = (r) => { console.log(r); process.exit(0); };
s.on('connect', () => setTimeout(() => done('open'), 200));
s.on('error', (e) => done(e.code));
s.on('close', () => done('closed'));
setTimeout(() => done('timeout'), 1500);`;

async function reach(hostAndPort: string): Promise<string> {
  const result = await runtime.exec(machine.containerId ?? '', ['node', '-e', PROBE, hostAndPort]);
  return result.output.trim();
}

beforeAll(async () => {
  await platform.attachPostgres(APP);
  await platform.attachRedis(APP);
  const image = await resolveImage('node:20-bookworm-slim', (name) => runtime.hasImage(name));
  machine = await platform.launchMachine(APP, { image, cmd: ['sleep', '600'] });
}, 120_000);

afterAll(async () => {
  await platform.close();
  await runtime.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('backing services', () => {
  it('should set DATABASE_URL and REDIS_URL as secrets the way fly postgres attach does', () => {
    const secrets = platform.secrets.values(APP);

    expect(secrets['DATABASE_URL']).toMatch(
      /^postgres:\/\/svc_e2e:[0-9a-f]{24}@svc-e2e-db\.internal:5432\/svc_e2e\?sslmode=disable$/,
    );
    expect(secrets['REDIS_URL']).toBe('redis://svc-e2e-redis.internal:6379');
  });

  it('should reach Postgres and Redis from a machine by their .internal names', async () => {
    expect(await reach('svc-e2e-db.internal:5432')).toBe('open');
    expect(await reach('svc-e2e-redis.internal:6379')).toBe('open');
  });

  it('should stop, pause and disconnect a service, and bring it back each time', async () => {
    const [postgres, redis] = [platform.services()[0], platform.services()[1]];
    if (!postgres || !redis) throw new Error('services missing');

    await redis.pause();
    expect(await reach('svc-e2e-redis.internal:6379')).toBe('open');
    await redis.restore();

    await redis.disconnect();
    expect(await reach('svc-e2e-redis.internal:6379')).toMatch(/ENOTFOUND|EAI_AGAIN/);
    await redis.restore();
    expect(await reach('svc-e2e-redis.internal:6379')).toBe('open');

    await postgres.stop();
    expect(await reach('svc-e2e-db.internal:5432')).toMatch(/ENOTFOUND|EAI_AGAIN|ECONNREFUSED/);
    await postgres.restore();
    await expect.poll(() => reach('svc-e2e-db.internal:5432'), { timeout: 20_000 }).toBe('open');

    const states = platform.events
      .query({ type: 'service.state_changed' })
      .map((e) => `${e.service} ${e.state}`);
    expect(states.slice(2)).toEqual([
      'redis paused',
      'redis started',
      'redis disconnected',
      'redis started',
      'postgres stopped',
      'postgres started',
    ]);
  });
});
