import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { resolveImage } from '../../images/stand-ins.js';
import { DockerRuntime } from '../../runtime/docker-runtime.js';
import { flysimLabels, LABELS } from '../../runtime/labels.js';
import {
  fetchText,
  rawExchange,
  startProxy,
  upstream,
  type ProxyHarness,
} from './test-fixtures.js';

const RUN = 'proxy-tests';
const APP_IMAGE = 'grupo-gad:local';
const labels = flysimLabels({ run: RUN, app: 'grupo-gad' });
const network = `flysim-proxy-tests-${process.pid}`;
const DATABASE_URL = 'postgres://gad:gad-password-e2e@db:5432/gad';
const runtime = new DockerRuntime();
const run = promisify(execFile);

interface AppMachine {
  readonly id: string;
  readonly containerId: string;
  readonly address: string;
}

const appEnv = (port: string): Record<string, string> => ({
  ...{ DATABASE_URL, PORT: port, DEBUG_ROUTES: '1' },
  SECRET_KEY: 's'.repeat(40),
  JWT_SECRET_KEY: 'j'.repeat(40),
});

async function launch(id: string, port = '8080'): Promise<AppMachine> {
  const containerId = await runtime.createContainer({
    ...{ name: `flysim-proxy-tests-${process.pid}-${id}`, image: APP_IMAGE, env: appEnv(port) },
    ...{ labels: { ...labels, [LABELS.machine]: id }, publishPorts: [8080] },
    network: { name: network, aliases: [] },
  });
  await runtime.startContainer(containerId);
  const info = await runtime.inspectContainer(containerId);
  return { id, containerId, address: `127.0.0.1:${info.ports.get(8080) ?? 0}` };
}

async function waitForHealth(machine: AppMachine): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await fetchText(`http://${machine.address}/health`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await delay(200);
  }
  throw new Error(`machine ${machine.id} did not answer /health within 20s`);
}

async function migrate(): Promise<void> {
  const containerId = await runtime.createContainer({
    ...{ image: APP_IMAGE, cmd: ['node', 'service/dist/bin/migrate.js'], env: { DATABASE_URL } },
    ...{ labels, network: { name: network, aliases: [] } },
  });
  await runtime.startContainer(containerId);
  const exit = await runtime.waitForExit(containerId);
  await runtime.removeContainer(containerId);
  expect(exit.exitCode).toBe(0);
}

async function requestLines(machine: AppMachine, pattern: RegExp): Promise<number> {
  const lines = await runtime.readLogs(machine.containerId);
  return lines.filter((line) => pattern.test(line.text)).length;
}

/** The count of matching log lines once it reaches `expected`, or whatever it is after 5 s. */
async function settledCount(
  machine: AppMachine,
  pattern: RegExp,
  expected: number,
): Promise<number> {
  let count = 0;
  for (let attempt = 0; attempt < 25; attempt++) {
    count = await requestLines(machine, pattern);
    if (count >= expected) break;
    await delay(200);
  }
  return count;
}

let machineA: AppMachine;
let machineB: AppMachine;
let harness: ProxyHarness;

beforeAll(async () => {
  await runtime.createNetwork(network, labels);
  const image = await resolveImage('postgres:16', (name) => runtime.hasImage(name));
  await runtime.startBackingService({
    ...{ kind: 'postgres', image, labels },
    network: { name: network, aliases: ['db'] },
    credentials: { user: 'gad', password: 'gad-password-e2e', database: 'gad' },
  });
  await migrate();
  [machineA, machineB] = await Promise.all([launch('a1a1a1a1a1a1a1'), launch('b2b2b2b2b2b2b2')]);
  await Promise.all([waitForHealth(machineA), waitForHealth(machineB)]);
});

afterAll(async () => {
  await runtime.removeByLabel(LABELS.run, RUN);
  await runtime.removeNetwork(network);
  await runtime.close();
});

afterEach(async () => {
  await harness.close();
});

async function proxyToBoth(options: Parameters<typeof startProxy>[0] = {}): Promise<ProxyHarness> {
  const started = await startProxy(options);
  started.directory.set(8080, upstream(machineA.id, machineA.address));
  started.directory.set(8080, upstream(machineB.id, machineB.address));
  return started;
}

const ca = (): string => harness.proxy.certificate.certPem;

describe('the edge proxy in front of the sample app', () => {
  it('should redirect port 80 to HTTPS, keeping host, path and query', async () => {
    harness = await proxyToBoth();
    const response = await fetchText(
      harness.url(80, '/api/v1/tareas?estado=pendiente', 'localhost'),
    );

    expect(response.status).toBe(301);
    expect(response.headers.location).toBe(
      `https://localhost:${harness.proxy.hostPort(443)}/api/v1/tareas?estado=pendiente`,
    );
  });

  it("should serve /health over TLS that curl trusts with --cacert, with Fly's response headers", async () => {
    harness = await proxyToBoth({ region: 'mia' });
    const url = harness.url(443, '/health', 'localhost');
    const { stdout } = await run('curl', [
      '-sS',
      '-i',
      '--max-time',
      '10',
      '--cacert',
      harness.proxy.certificate.certPath,
      url,
    ]);

    expect(stdout).toMatch(/^HTTP\/1.1 200 OK/);
    expect(stdout).toMatch(/\r\nserver: Fly\/flysim \(\d{4}-\d{2}-\d{2}\)\r\n/i);
    expect(stdout).toMatch(/\r\nvia: 1.1 fly.io\r\n/i);
    expect(stdout).toMatch(/\r\nfly-request-id: [0-9A-Z]{26}-mia\r\n/i);
    expect(stdout).toContain('"status":"ok"');
  });

  it('should route only to machines whose checks pass, balancing between healthy ones', async () => {
    harness = await proxyToBoth();
    const before = await Promise.all(
      [machineA, machineB].map((m) => requestLines(m, /GET \/api\/v1\/tareas 200/)),
    );
    harness.directory.update(8080, machineB.id, { checksPassing: false });
    for (let index = 0; index < 6; index++)
      expect((await fetchText(harness.url(443, '/api/v1/tareas'), { ca: ca() })).status).toBe(200);

    // Docker delivers a container's output a moment after the app writes it.
    const servedByA = await settledCount(
      machineA,
      /GET \/api\/v1\/tareas 200/,
      (before[0] ?? 0) + 6,
    );
    const servedByB = await requestLines(machineB, /GET \/api\/v1\/tareas 200/);
    expect(servedByA - (before[0] ?? 0)).toBe(6);
    expect(servedByB - (before[1] ?? 0)).toBe(0);

    harness.directory.update(8080, machineB.id, { checksPassing: true });
    const parallel = Array.from({ length: 6 }, () =>
      fetchText(harness.url(443, '/debug/sleep?ms=300'), { ca: ca() }),
    );
    expect((await Promise.all(parallel)).map((response) => response.status)).toEqual(
      Array(6).fill(200),
    );
    const served = harness.events.query({ type: 'proxy.request_served' }).slice(-6);
    expect(new Set(served.map((event) => event.machineId))).toEqual(
      new Set([machineA.id, machineB.id]),
    );
  });

  it('should answer 503 with a reason and log PR04 when no machine passes its checks', async () => {
    harness = await proxyToBoth({ noCandidateWaitMs: 500 });
    harness.directory.update(8080, machineA.id, { checksPassing: false });
    harness.directory.update(8080, machineB.id, { state: 'stopped', address: undefined });

    const response = await fetchText(harness.url(443, '/health'), { ca: ca() });
    expect(response.status).toBe(503);
    expect(response.body).toContain('no healthy machines');
    expect(response.body).toContain('1 failing service checks, 1 stopped');
    expect(harness.logs.lines().at(-1)).toMatch(
      /proxy\[\w{14}\] mad \[error\]\[PR04\] could not find a good candidate/,
    );
  });

  it('should answer 502 and log PC01 when the app does not listen on its internal port', async () => {
    const wrongPort = await launch('c3c3c3c3c3c3c3', '9090');
    try {
      await delay(1_500);
      harness = await startProxy();
      harness.directory.set(8080, upstream(wrongPort.id, wrongPort.address));

      const response = await fetchText(harness.url(443, '/health'), { ca: ca() });
      expect(response.status).toBe(502);
      expect(response.headers['fly-request-id']).toBeDefined();
      expect(harness.logs.lines().at(-1)).toContain(
        `proxy[${wrongPort.id}] mad [error][PC01] instance refused connection. is your app listening on 0.0.0.0:8080? make sure it is not only listening on 127.0.0.1`,
      );

      const socket = new WebSocket(`wss://localhost:${harness.proxy.hostPort(443)}/ws/connect`, {
        ca: ca(),
      });
      socket.on('error', () => undefined);
      const status = await new Promise<number>((resolve) =>
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
      );
      expect(status).toBe(502);
      const lines = harness.logs.lines();
      const refusals = lines.filter((line) =>
        line.includes(`proxy[${wrongPort.id}] mad [error][PC01]`),
      );
      expect(refusals, lines.join('\n')).toHaveLength(2);
    } finally {
      await runtime.removeContainer(wrongPort.containerId);
    }
  });

  it('should carry a WebSocket through 443: a tarea created through the proxy arrives as a broadcast', async () => {
    harness = await proxyToBoth();
    harness.directory.update(8080, machineB.id, { checksPassing: false });
    const socket = new WebSocket(`wss://localhost:${harness.proxy.hostPort(443)}/ws/connect`, {
      ca: ca(),
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const broadcast = new Promise<{ type: string; tarea: { titulo: string } }>((resolve) =>
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; tarea: { titulo: string } };
        if (message.type === 'tarea.created') resolve(message);
      }),
    );

    const created = await fetchText(harness.url(443, '/api/v1/tareas'), {
      ca: ca(),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ titulo: 'por el proxy' }),
    });
    expect(created.status).toBe(201);
    expect((await broadcast).tarea.titulo).toBe('por el proxy');
    socket.close();
  });

  it('should drain a machine being stopped: zero failed requests, its WebSocket closed first', async () => {
    const third = await launch('d4d4d4d4d4d4d4');
    await waitForHealth(third);
    harness = await startProxy();
    harness.directory.set(8080, upstream(machineA.id, machineA.address));
    harness.directory.set(8080, upstream(third.id, third.address));
    harness.directory.update(8080, machineA.id, { checksPassing: false });
    const socket = new WebSocket(`wss://localhost:${harness.proxy.hostPort(443)}/ws/connect`, {
      ca: ca(),
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<{ code: number; atMs: number }>((resolve) =>
      socket.once('close', (code) => resolve({ code, atMs: Date.now() })),
    );
    harness.directory.update(8080, machineA.id, { checksPassing: true });

    const inFlight = Array.from({ length: 4 }, () =>
      fetchText(harness.url(443, '/debug/sleep?ms=1500'), { ca: ca() }),
    );
    const load = steadyLoad(harness, 2_500);
    await delay(300);

    const result = await harness.proxy.drain(third.id, { timeoutMs: 10_000 });
    const stopStartedMs = Date.now();
    await runtime.stopContainer(third.containerId, { signal: 'SIGINT', timeoutMs: 5_000 });
    harness.directory.update(8080, third.id, { state: 'stopped', address: undefined });

    const statuses = [...(await Promise.all(inFlight)).map((r) => r.status), ...(await load)];
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(10);
    expect(result.timedOut).toBe(false);
    expect(result.websocketsClosed).toBe(1);
    const close = await closed;
    expect(close.code).toBe(1001);
    expect(close.atMs).toBeLessThanOrEqual(stopStartedMs);
    await runtime.removeContainer(third.containerId);
  });

  it('should answer malformed, oversized and slow requests and keep serving others', async () => {
    harness = await proxyToBoth({ headersTimeoutMs: 500, requestTimeoutMs: 600 });
    const port = harness.proxy.hostPort(443) ?? 0;

    const replies = await Promise.all([
      rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n', { tls: true, ca: ca() }),
      rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, {
        tls: true,
        ca: ca(),
      }),
      rawExchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', { tls: true, ca: ca() }),
      fetchText(harness.url(443, '/health'), { ca: ca() }),
    ]);
    expect(replies[0]).toMatch(/^HTTP\/1.1 400 /);
    expect(replies[1]).toMatch(/^HTTP\/1.1 431 /);
    expect(replies[2]).toMatch(/^HTTP\/1.1 408 /);
    expect(replies[3].status).toBe(200);
  });
});

/** Sequential requests from 4 clients for `durationMs`; resolves every status seen. */
async function steadyLoad(target: ProxyHarness, durationMs: number): Promise<number[]> {
  const statuses: number[] = [];
  const endAt = Date.now() + durationMs;
  const client = async (): Promise<void> => {
    while (Date.now() < endAt) {
      const status = await fetchText(target.url(443, '/health'), {
        ca: target.proxy.certificate.certPem,
      }).then(
        (response) => response.status,
        () => -1,
      );
      statuses.push(status);
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  return statuses;
}
