import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ScaledClock } from '../../clock/scaled-clock.js';
import { DockerRuntime } from '../../runtime/docker-runtime.js';
import type { MachineConfig } from '../machine-config.js';
import type { Machine } from '../machine.js';
import { Platform } from '../platform.js';
import { EdgeProxy } from './edge-proxy.js';
import { drainBeforeHalt, PlatformDirectory } from './platform-directory.js';
import { fetchText, sampleService } from './test-fixtures.js';

const APP = 'grupo-gad';
const runtime = new DockerRuntime();
let stateDir = '';
let platform: Platform;
let proxy: EdgeProxy;
let machines: Machine[] = [];

/** The sample app's machine config, with a fast service check on /health. */
const config: MachineConfig = {
  image: 'grupo-gad:local',
  env: { PORT: '8080', DEBUG_ROUTES: '1' },
  services: [
    {
      protocol: 'tcp',
      internalPort: 8080,
      ports: [{ port: 443, handlers: ['tls', 'http'] }],
      checks: [
        { type: 'http', path: '/health', intervalMs: 1_000, timeoutMs: 2_000, gracePeriodMs: 500 },
      ],
    },
  ],
};

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'flysim-proxy-platform-'));
  platform = new Platform({ runtime, clock: new ScaledClock(), runId: 'proxy-tests', stateDir });
  // /health needs no database; the app only checks the URL's shape at start.
  platform.secrets.set(APP, {
    DATABASE_URL: 'postgres://gad:gad@db.invalid:5432/gad',
    SECRET_KEY: 's'.repeat(40),
    JWT_SECRET_KEY: 'j'.repeat(40),
  });
  const directory = new PlatformDirectory(platform, APP);
  proxy = await EdgeProxy.start({
    ...{ app: APP, services: [sampleService()], directory, stateDir },
    ...{ clock: platform.clock, events: platform.events, logs: platform.logs },
    noCandidateWaitMs: 20_000,
  });
  drainBeforeHalt(platform, APP, proxy);
  machines = [await platform.launchMachine(APP, config), await platform.launchMachine(APP, config)];
});

afterAll(async () => {
  await proxy.destroy();
  await platform.close();
  await runtime.close();
  await rm(stateDir, { recursive: true, force: true });
});

const ca = (): string => proxy.certificate.certPem;
const get = (path: string) =>
  fetchText(`https://localhost:${proxy.hostPort(443)}${path}`, { ca: ca() });

describe('the edge proxy on the platform', () => {
  it("should route to the platform's machines once their service checks pass", async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    await waitUntil(() => machines.every((machine) => platform.health.isRoutable(machine.id)));

    const served = new Set<string | undefined>();
    await Promise.all(Array.from({ length: 6 }, () => get('/debug/sleep?ms=300')));
    for (const event of platform.events.query({ type: 'proxy.request_served' }).slice(-6))
      served.add(event.machineId);
    expect(served).toEqual(new Set(machines.map((machine) => machine.id)));
  });

  it('should send nothing new to a machine the platform cordons', async () => {
    const [cordoned] = machines;
    cordoned?.cordon();
    await Promise.resolve();
    await Promise.all(Array.from({ length: 6 }, () => get('/debug/sleep?ms=100')));
    const recent = platform.events.query({ type: 'proxy.request_served' }).slice(-6);
    expect(recent.map((event) => event.machineId)).not.toContain(cordoned?.id);
    cordoned?.uncordon();
  });

  it('should drain a machine the platform stops: zero failed requests, its WebSocket closed first', async () => {
    const [stopping, staying] = machines;
    if (!stopping || !staying) throw new Error('expected two machines');
    staying.cordon();
    const socket = new WebSocket(`wss://localhost:${proxy.hostPort(443)}/ws/connect`, { ca: ca() });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<{ code: number; atMs: number }>((resolve) =>
      socket.once('close', (code) => resolve({ code, atMs: Date.now() })),
    );
    staying.uncordon();

    const inFlight = Array.from({ length: 4 }, () => get('/debug/sleep?ms=1500'));
    const load = steadyLoad(2_500);
    await delay(300);
    const signalled = platform.events.next({ type: 'machine.signal_sent', machineId: stopping.id });
    await stopping.stop();

    const statuses = [...(await Promise.all(inFlight)).map((r) => r.status), ...(await load)];
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(10);
    const close = await closed;
    expect(close.code).toBe(1001);
    expect(close.atMs).toBeLessThanOrEqual((await signalled).wallTime);
    const drained = platform.events.query({
      type: 'proxy.machine_drained',
      machineId: stopping.id,
    });
    expect(drained.at(-1)).toMatchObject({ websocketsClosed: 1, timedOut: false });
    expect(drained.at(-1)?.inFlightAtStart).toBeGreaterThanOrEqual(1);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !condition(); attempt++) await delay(200);
  expect(condition()).toBe(true);
}

/** Sequential requests from 4 clients for `durationMs`; resolves every status seen. */
async function steadyLoad(durationMs: number): Promise<number[]> {
  const statuses: number[] = [];
  const endAt = Date.now() + durationMs;
  const client = async (): Promise<void> => {
    while (Date.now() < endAt)
      statuses.push(
        await get('/health').then(
          (response) => response.status,
          () => -1,
        ),
      );
  };
  await Promise.all([client(), client(), client(), client()]);
  return statuses;
}
