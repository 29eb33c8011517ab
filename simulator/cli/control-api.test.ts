import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from './control-client.js';
import { ControlServer } from './control-server.js';
import { FakeHost, fakeResult } from './fake-host.js';
import {
  newToken,
  readControlState,
  removeControlState,
  resolveStateDir,
  writeControlState,
} from './state-file.js';

const host = new FakeHost();
const token = newToken();
const server = new ControlServer({ host, token, heartbeatMs: 20 });
let url = '';

beforeAll(async () => {
  url = await server.listen();
});

afterAll(async () => {
  await server.close();
});

function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control API', () => {
  it('should listen on 127.0.0.1 only', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('should refuse a request without the token, or with a wrong one, with 401', async () => {
    const none = await raw('/v1/status');
    const wrong = await raw('/v1/status', { authorization: `Bearer ${newToken()}` });
    const short = await raw('/v1/status', { authorization: 'Bearer x' });

    for (const answer of [none, wrong, short]) {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({
        error: { code: 'FLYSIM_CONTROL_UNAUTHORIZED' },
      });
    }
    expect(none.body).not.toContain(token);
  });

  it('should answer the read routes with the host views as JSON', async () => {
    const client = new ControlClient({ url, token });
    expect(await client.get('/status')).toMatchObject({
      app: 'grupo-gad',
      runId: 'up-test',
      speed: 10,
    });
    expect(await client.get('/releases')).toHaveLength(2);
    expect(await client.get('/checks')).toEqual([
      expect.objectContaining({ name: 'servicecheck-00-http-8080', status: 'passing' }),
    ]);
    expect(await client.get('/logs?machine=3287eeeb342085&follow=0')).toHaveLength(1);
    expect(await client.get('/logs?machine=ffffffffffffff&follow=0')).toEqual([]);
  });

  it('should stream a deploy as out/err frames, then the result', async () => {
    const client = new ControlClient({ url, token });
    host.nextResult = fakeResult('failed', 2);
    const frames: unknown[] = [];
    const body = { env: { LOG_LEVEL: 'debug' }, explain: true, presentation: { mode: 'plain' } };

    const result = await client.stream('POST', '/deploy', body, (frame) => frames.push(frame));

    expect(result).toEqual(fakeResult('failed', 2));
    expect(frames).toContainEqual({ type: 'out', text: '==> Verifying app config (plain)\n' });
    expect(frames).toContainEqual({ type: 'err', text: 'WARNING a line on stderr\n' });
    expect(host.deploys.at(-1)).toEqual({
      env: { LOG_LEVEL: 'debug' },
      explain: true,
      presentation: { mode: 'plain', color: false },
    });
  });

  it('should refuse a malformed body with 400 and name the field', async () => {
    const client = new ControlClient({ url, token });
    const error = await client
      .stream('POST', '/secrets/set', { values: { A: 1 } }, () => undefined)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'FLYSIM_CONTROL_BAD_REQUEST',
      message: '`values` must map names to strings',
    });
  });

  it('should answer an unknown route with 404 naming it', async () => {
    const client = new ControlClient({ url, token });
    await expect(client.get('/nope')).rejects.toMatchObject({
      code: 'FLYSIM_CONTROL_NOT_FOUND',
      message: 'no control API route GET /v1/nope',
    });
  });

  it('should say no platform runs when nothing answers', async () => {
    const closed = new ControlServer({ host, token });
    const closedUrl = await closed.listen();
    await closed.close();

    await expect(new ControlClient({ url: closedUrl, token }).get('/status')).rejects.toMatchObject(
      {
        code: 'FLYSIM_CONTROL_NOT_RUNNING',
        hint: expect.stringContaining('flysim up') as unknown,
      },
    );
  });

  it('should give up on a platform that does not answer within the timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;

    const client = new ControlClient(
      { url: `http://127.0.0.1:${port}`, token },
      { timeoutMs: 100 },
    );
    await expect(client.get('/status')).rejects.toMatchObject({ code: 'FLYSIM_CONTROL_TIMEOUT' });
    silent.close();
  });
});

describe('state file', () => {
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flysim-state-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const state = (runId: string) => ({
    ...{ url: 'http://127.0.0.1:1', token: newToken(), pid: process.pid, app: 'grupo-gad' },
    ...{ runId, configPath: '/app/fly.toml', startedAt: new Date(0).toISOString() },
  });

  it('should be written with mode 0600 in a 0700 directory, and read back', async () => {
    const stateDir = join(dir, 'a', '.flysim');
    const file = await writeControlState(stateDir, state('run-a'));

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect(await readControlState(stateDir)).toMatchObject({ runId: 'run-a' });
  });

  it('should refuse a state file that others can read', async () => {
    const stateDir = join(dir, 'b');
    const file = await writeControlState(stateDir, state('run-b'));
    await writeFile(file, JSON.stringify(state('run-b')), { mode: 0o644 });
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);

    await expect(readControlState(stateDir)).rejects.toMatchObject({
      code: 'FLYSIM_CONTROL_STATE_PERMISSIONS',
      hint: expect.stringContaining(`chmod 600 ${file}`) as unknown,
    });
  });

  it('should treat the file of a dead process as no platform', async () => {
    const stateDir = join(dir, 'c');
    await writeControlState(stateDir, { ...state('run-c'), pid: 2 ** 22 + 12345 });
    expect(await readControlState(stateDir)).toBeUndefined();
  });

  it('should remove the file only for the run that owns it', async () => {
    const stateDir = join(dir, 'd');
    await writeControlState(stateDir, state('run-d'));
    await removeControlState(stateDir, 'another-run');
    expect(await readControlState(stateDir)).toBeDefined();
    await removeControlState(stateDir, 'run-d');
    expect(await readControlState(stateDir)).toBeUndefined();
  });

  it('should live in FLYSIM_STATE_DIR, else in .flysim beside fly.toml', () => {
    expect(resolveStateDir({ FLYSIM_STATE_DIR: '/tmp/s' }, '/work', 'x/fly.toml')).toBe('/tmp/s');
    expect(resolveStateDir({}, '/work', 'apps/web/fly.toml')).toBe('/work/apps/web/.flysim');
    expect(resolveStateDir({}, '/work')).toBe('/work/.flysim');
  });
});
