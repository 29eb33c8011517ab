import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { requestChannel, type RequestDiagnostic } from './edge-proxy.js';
import {
  fetchText,
  rawExchange,
  sampleService,
  startProxy,
  upstream,
  type ProxyHarness,
} from './test-fixtures.js';

/** A machine stand-in: echoes what it received, sleeps on `/sleep?ms=N`, echoes WebSockets. */
interface FakeMachine {
  readonly address: string;
  readonly seen: IncomingMessage[];
  close(): Promise<void>;
}

async function fakeMachine(name: string): Promise<FakeMachine> {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    const url = new URL(req.url ?? '/', 'http://machine');
    const ms = Number(url.searchParams.get('ms') ?? 0);
    const answer = (): void => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('via', '1.1 app-cache');
      res.end(JSON.stringify({ machine: name, url: req.url, headers: req.headers }));
    };
    if (url.pathname === '/sleep') setTimeout(answer, ms);
    else answer();
  });
  const wss = new WebSocketServer({
    server,
    verifyClient: (info: { req: IncomingMessage }) => info.req.url !== '/deny',
    handleProtocols: (protocols: Set<string>) => (protocols.has('tareas.v2') ? 'tareas.v2' : false),
  });
  wss.on('connection', (socket) =>
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function json(harness: ProxyHarness, path: string, headers: Record<string, string> = {}) {
  const response = await fetchText(harness.url(443, path), {
    ca: harness.proxy.certificate.certPem,
    headers,
  });
  return {
    ...response,
    data: JSON.parse(response.body) as { machine: string; headers: Record<string, string> },
  };
}

let machineA: FakeMachine;
let machineB: FakeMachine;
let harness: ProxyHarness;

beforeAll(async () => {
  [machineA, machineB] = await Promise.all([fakeMachine('a'), fakeMachine('b')]);
});
afterAll(async () => {
  await Promise.all([machineA.close(), machineB.close()]);
});
afterEach(async () => {
  await harness.close();
});

describe('the edge proxy: ports, redirect and TLS', () => {
  it('should answer port 80 with a 301 to the HTTPS listener, keeping host, path and query', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));

    const response = await fetchText(
      harness.url(80, '/api/v1/tareas?estado=pendiente&x=1', 'localhost'),
    );
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe(
      `https://localhost:${harness.proxy.hostPort(443)}/api/v1/tareas?estado=pendiente&x=1`,
    );
    expect(response.headers.server).toMatch(/^Fly\/flysim \(\d{4}-\d{2}-\d{2}\)$/);
    expect(machineA.seen).toHaveLength(0);
  });

  it('should listen on ports the OS picks by default, so two proxies never collide', async () => {
    harness = await startProxy();
    const second = await startProxy();
    try {
      const ports = [
        harness.proxy.hostPort(80),
        harness.proxy.hostPort(443),
        second.proxy.hostPort(80),
        second.proxy.hostPort(443),
      ];
      expect(new Set(ports).size).toBe(4);
      expect(
        harness.events.query({ type: 'proxy.listener_started' }).map((event) => event.port),
      ).toEqual([80, 443]);
      expect(harness.proxy.listeners.map((listener) => listener.url)).toEqual([
        `http://127.0.0.1:${harness.proxy.hostPort(80)}`,
        `https://127.0.0.1:${harness.proxy.hostPort(443)}`,
      ]);
    } finally {
      await second.close();
    }
  });

  it('should listen on the host ports it is given', async () => {
    const probe = await startProxy();
    const free = probe.proxy.hostPort(443) ?? 0;
    await probe.close();

    harness = await startProxy({ hostPorts: { 443: free } });
    expect(harness.proxy.hostPort(443)).toBe(free);
  });

  it('should speak TLS 1.2 and 1.3 with ALPN http/1.1, and refuse TLS 1.1', async () => {
    harness = await startProxy();
    const port = harness.proxy.hostPort(443) ?? 0;
    const handshake = (options: {
      minVersion?: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3';
      maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    }) =>
      new Promise<{ protocol: string | null; alpn: string | false | null }>((resolve, reject) => {
        const socket = tlsConnect(
          {
            host: '127.0.0.1',
            port,
            servername: 'localhost',
            ca: harness.proxy.certificate.certPem,
            ALPNProtocols: ['h2', 'http/1.1'],
            ...options,
          },
          () => {
            resolve({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
            socket.end();
          },
        );
        socket.on('error', reject);
      });

    await expect(handshake({ minVersion: 'TLSv1.3' })).resolves.toEqual({
      protocol: 'TLSv1.3',
      alpn: 'http/1.1',
    });
    await expect(handshake({ maxVersion: 'TLSv1.2' })).resolves.toEqual({
      protocol: 'TLSv1.2',
      alpn: 'http/1.1',
    });
    await expect(handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })).rejects.toThrow();
  });

  it('should warn about what it does not emulate: h2 in ALPN and port ranges', async () => {
    harness = await startProxy({
      services: [
        sampleService({
          ports: [
            {
              port: 443,
              handlers: ['tls', 'http'],
              forceHttps: false,
              tlsOptions: { alpn: ['h2', 'http/1.1'] },
            },
            { port: undefined, startPort: 9000, endPort: 9010, handlers: [], forceHttps: false },
          ],
        }),
      ],
    });
    const keys = harness.events
      .query({ type: 'platform.warning_issued' })
      .map((event) => event.key);
    expect(keys).toEqual([
      'services[0].ports[0].tls_options.alpn',
      'services[0].ports[1].start_port',
    ]);
  });
});

describe('the edge proxy: headers', () => {
  it("should add Fly's request headers and replace the ones a client may not set", async () => {
    harness = await startProxy({ region: 'mia' });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));

    const { data, headers, status } = await json(harness, '/headers', {
      'x-forwarded-for': '203.0.113.9',
      'fly-client-ip': '6.6.6.6',
      'fly-region': 'xxx',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'drop me',
    });
    expect(status).toBe(200);
    expect(data.headers).toMatchObject({
      'fly-client-ip': '127.0.0.1',
      'x-forwarded-for': '203.0.113.9, 127.0.0.1, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-ssl': 'on',
      'x-forwarded-port': '443',
      'fly-forwarded-port': '443',
      'fly-region': 'mia',
      via: '1.1 fly.io',
      host: `127.0.0.1:${harness.proxy.hostPort(443)}`,
    });
    expect(data.headers['x-secret-hop']).toBeUndefined();
    expect(data.headers['fly-request-id']).toBe(headers['fly-request-id']);
    expect(headers['fly-request-id']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}-mia$/);
    expect(headers.via).toBe('1.1 app-cache, 1.1 fly.io');
    expect(headers.server).toMatch(/^Fly\/flysim/);
  });

  it('should say http and off on a plain port, and keep a client X-Forwarded-Port', async () => {
    harness = await startProxy({
      services: [sampleService({ ports: [{ port: 80, handlers: ['http'], forceHttps: false }] })],
    });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));

    const response = await fetchText(harness.url(80, '/'), {
      headers: { 'x-forwarded-port': '8443' },
    });
    const data = JSON.parse(response.body) as { headers: Record<string, string> };
    expect(data.headers).toMatchObject({
      'x-forwarded-proto': 'http',
      'x-forwarded-ssl': 'off',
      'x-forwarded-port': '8443',
      'fly-forwarded-port': '80',
    });
  });
});

describe('the edge proxy: routing', () => {
  it('should route only to started machines whose checks pass and that are not cordoned', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    harness.directory.set(
      8080,
      upstream('b0000000000002', machineB.address, { checksPassing: false }),
    );
    harness.directory.set(8080, upstream('c0000000000003', machineB.address, { cordoned: true }));
    harness.directory.set(
      8080,
      upstream('d0000000000004', machineB.address, { state: 'stopping' }),
    );

    const machines = new Set<string>();
    for (let index = 0; index < 8; index++) machines.add((await json(harness, '/')).data.machine);
    expect([...machines]).toEqual(['a']);

    harness.directory.update(8080, 'b0000000000002', { checksPassing: true });
    for (let index = 0; index < 8; index++) machines.add((await json(harness, '/')).data.machine);
    expect([...machines].sort()).toEqual(['a', 'b']);
  });

  it('should send a request to the machine with the fewest in flight', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    harness.directory.set(8080, upstream('b0000000000002', machineB.address));

    const slow = [json(harness, '/sleep?ms=600'), json(harness, '/sleep?ms=600')];
    await delay(100);
    const loads = [harness.proxy.load('a0000000000001'), harness.proxy.load('b0000000000002')];
    expect(loads).toEqual([1, 1]);
    await Promise.all(slow);
  });

  it('should honour hard_limit: a full machine gets no new request until one finishes', async () => {
    const service = sampleService({
      concurrency: { type: 'requests', softLimit: 1, hardLimit: 1 },
    });
    harness = await startProxy({ services: [service], noCandidateWaitMs: 3_000 });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));

    const started = Date.now();
    const first = json(harness, '/sleep?ms=500');
    await delay(50);
    const second = await json(harness, '/');
    expect(second.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await first;
  });

  it('should answer 503 with a reason after the bounded wait, and log PR04', async () => {
    harness = await startProxy({ noCandidateWaitMs: 300 });
    harness.directory.set(
      8080,
      upstream('a0000000000001', machineA.address, { checksPassing: false }),
    );

    const started = Date.now();
    const response = await fetchText(harness.url(443, '/'), {
      ca: harness.proxy.certificate.certPem,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(response.status).toBe(503);
    expect(response.body).toContain('no healthy machines');
    expect(response.body).toContain('1 failing service checks');
    expect(response.headers['fly-request-id']).toBeDefined();
    expect(harness.logs.lines().at(-1)).toMatch(
      /^\S+Z proxy\[a0000000000001\] mad \[error\]\[PR04\] could not find a good candidate within \d+ attempts/,
    );
  });

  it('should serve a request that waited once a machine becomes healthy', async () => {
    harness = await startProxy({ noCandidateWaitMs: 3_000 });
    harness.directory.set(
      8080,
      upstream('a0000000000001', machineA.address, { checksPassing: false }),
    );

    const waiting = json(harness, '/');
    await delay(200);
    harness.directory.update(8080, 'a0000000000001', { checksPassing: true });
    expect((await waiting).status).toBe(200);
  });

  it('should answer 502 and log PC01 with its hint when the machine refuses the connection', async () => {
    harness = await startProxy();
    const closed = await fakeMachine('gone');
    await closed.close();
    harness.directory.set(8080, upstream('e0000000000005', closed.address));

    const response = await fetchText(harness.url(443, '/'), {
      ca: harness.proxy.certificate.certPem,
    });
    expect(response.status).toBe(502);
    expect(response.body).toContain('[PC01]');
    expect(harness.logs.lines().at(-1)).toContain(
      'proxy[e0000000000005] mad [error][PC01] instance refused connection. is your app listening on 0.0.0.0:8080? make sure it is not only listening on 127.0.0.1 (hint: look at your startup logs',
    );
  });

  it('should record every request as an event and publish it on the diagnostics channel', async () => {
    harness = await startProxy();
    harness.directory.set(
      8080,
      upstream('a0000000000001', machineA.address, { releaseVersion: 7 }),
    );
    const seen: RequestDiagnostic[] = [];
    const listener = (message: unknown): void => void seen.push(message as RequestDiagnostic);
    subscribe('flysim:proxy:request', listener);

    try {
      await json(harness, '/one');
      await fetchText(harness.url(80, '/two'));
    } finally {
      unsubscribe('flysim:proxy:request', listener);
    }
    const events = harness.events.query({ type: 'proxy.request_served' });
    expect(
      events.map((event) => [event.port, event.status, event.machineId, event.releaseVersion]),
    ).toEqual([
      [443, 200, 'a0000000000001', 7],
      [80, 301, undefined, undefined],
    ]);
    expect(events[0]?.latencyMs).toBeGreaterThan(0);
    expect(seen.map((item) => item.url)).toEqual(['/one', '/two']);
    expect(requestChannel.name).toBe('flysim:proxy:request');
  });
});

describe('the edge proxy: WebSockets and draining', () => {
  const openSocket = (url: string, ca?: string): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { ca });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const nextMessage = (socket: WebSocket): Promise<string> =>
    new Promise((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));

  it('should echo WebSocket messages through 443 and through a plain port', async () => {
    harness = await startProxy({
      services: [
        sampleService({
          ports: [
            { port: 80, handlers: ['http'], forceHttps: false },
            { port: 443, handlers: ['tls', 'http'], forceHttps: false },
          ],
        }),
      ],
    });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));

    const secure = await openSocket(
      `wss://localhost:${harness.proxy.hostPort(443)}/ws`,
      harness.proxy.certificate.certPem,
    );
    const plain = await openSocket(`ws://127.0.0.1:${harness.proxy.hostPort(80)}/ws`);
    const echoes = [nextMessage(secure), nextMessage(plain)];
    secure.send('over tls');
    plain.send('over http');
    expect(await Promise.all(echoes)).toEqual(['over tls', 'over http']);
    secure.close();
    plain.close();
  });

  it("should pass on the machine's subprotocol, and its refusal of a handshake", async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const url = `wss://localhost:${harness.proxy.hostPort(443)}`;
    const ca = harness.proxy.certificate.certPem;

    const socket = new WebSocket(`${url}/ws`, ['tareas.v1', 'tareas.v2'], { ca });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.protocol).toBe('tareas.v2');
    socket.close();

    const refused = new WebSocket(`${url}/deny`, { ca });
    refused.on('error', () => undefined);
    const status = await new Promise<number>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    refused.terminate();
    await delay(50);
    expect(harness.proxy.load('a0000000000001')).toBe(0);
  });

  it('should redirect a WebSocket on a force_https port', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const reply = await rawExchange(
      harness.proxy.hostPort(80) ?? 0,
      'GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1.1 301 /);
    expect(reply).toContain(`location: https://localhost:${harness.proxy.hostPort(443)}/ws`);
  });

  it('should drain a machine: no new requests, in-flight ones finish, WebSockets get a close frame', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    harness.directory.set(8080, upstream('b0000000000002', machineB.address));
    const socket = await openSocket(
      `wss://localhost:${harness.proxy.hostPort(443)}/ws`,
      harness.proxy.certificate.certPem,
    );
    const drainedMachine = harness.proxy.load('a0000000000001') === 1 ? 'a' : 'b';
    const drainedId = drainedMachine === 'a' ? 'a0000000000001' : 'b0000000000002';
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const slow = [
      json(harness, '/sleep?ms=700'),
      json(harness, '/sleep?ms=700'),
      json(harness, '/sleep?ms=700'),
    ];
    await delay(100);

    const drain = harness.proxy.drain(drainedId, { timeoutMs: 5_000 });
    const during = await Promise.all([json(harness, '/'), json(harness, '/'), json(harness, '/')]);
    const result = await drain;

    expect(await closed).toBe(1001);
    expect(during.every((response) => response.data.machine !== drainedMachine)).toBe(true);
    expect((await Promise.all(slow)).every((response) => response.status === 200)).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.websocketsClosed).toBe(1);
    expect(result.inFlightAtStart).toBeGreaterThanOrEqual(1);
    expect(harness.proxy.load(drainedId)).toBe(0);

    harness.directory.update(8080, drainedId, { state: 'stopped' });
    harness.directory.update(8080, drainedId, { state: 'started' });
    const after = new Set<string>();
    for (let index = 0; index < 6; index++) after.add((await json(harness, '/')).data.machine);
    expect(after.has(drainedMachine)).toBe(true);
  });

  it('should report a drain that timed out', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const slow = json(harness, '/sleep?ms=800');
    await delay(100);

    const result = await harness.proxy.drain('a0000000000001', { timeoutMs: 100 });
    expect(result).toEqual({ inFlightAtStart: 1, websocketsClosed: 0, timedOut: true });
    expect((await slow).status).toBe(200);
  });
});

describe('the edge proxy: hostile clients', () => {
  it('should answer malformed requests with 400 and oversized headers with 431', async () => {
    harness = await startProxy({ maxHeaderSize: 4_096 });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const port = harness.proxy.hostPort(443) ?? 0;
    const ca = harness.proxy.certificate.certPem;

    expect(await rawExchange(port, 'GARBAGE\r\n\r\n', { tls: true, ca })).toMatch(
      /^HTTP\/1.1 400 /,
    );
    expect(
      await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n', {
        tls: true,
        ca,
      }),
    ).toMatch(/^HTTP\/1.1 400 /);
    expect(
      await rawExchange(port, 'GET http://elsewhere.example/ HTTP/1.1\r\nHost: x\r\n\r\n', {
        tls: true,
        ca,
      }),
    ).toMatch(/^HTTP\/1.1 400 /);
    expect(
      await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
        tls: true,
        ca,
      }),
    ).toMatch(/^HTTP\/1.1 400 /);
    const badMethod = await rawExchange(port, 'FOO\x01 / HTTP/1.1\r\nHost: x\r\n\r\n', {
      tls: true,
      ca,
    });
    expect(badMethod).toMatch(/^HTTP\/1.1 400 /);
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8_000)}\r\n\r\n`;
    expect(await rawExchange(port, big, { tls: true, ca })).toMatch(/^HTTP\/1.1 431 /);
    expect((await json(harness, '/still-fine')).status).toBe(200);
  });

  it('should answer a client that sends its headers too slowly with 408', async () => {
    harness = await startProxy({ headersTimeoutMs: 500, requestTimeoutMs: 600 });
    const reply = await rawExchange(
      harness.proxy.hostPort(80) ?? 0,
      'GET / HTTP/1.1\r\nHost: x\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1.1 408 /);
  });

  it('should survive clients that vanish mid-request and mid-handshake', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const port = harness.proxy.hostPort(443) ?? 0;

    const abandoned = tlsConnect(
      { host: '127.0.0.1', port, servername: 'localhost', ca: harness.proxy.certificate.certPem },
      () => {
        abandoned.write('GET /sleep?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n');
        setTimeout(() => abandoned.destroy(), 50);
      },
    );
    abandoned.on('error', () => undefined);
    const halfHandshake = (await import('node:net')).connect({ host: '127.0.0.1', port }, () => {
      halfHandshake.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x50]));
      halfHandshake.destroy();
    });
    halfHandshake.on('error', () => undefined);
    await delay(500);

    expect((await json(harness, '/after')).status).toBe(200);
    await delay(100);
    const statuses = harness.events
      .query({ type: 'proxy.request_served' })
      .map((event) => event.status);
    expect(statuses).toContain(499);
    expect(harness.proxy.load('a0000000000001')).toBe(0);
  });
});

describe('the edge proxy: garbage', () => {
  it('should survive 150 random inputs on both ports and keep serving', async () => {
    harness = await startProxy({
      services: [
        sampleService({
          ports: [
            { port: 80, handlers: ['http'], forceHttps: false },
            { port: 443, handlers: ['tls', 'http'], forceHttps: false },
          ],
        }),
      ],
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 1_000,
    });
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    let seed = 42;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const prefixes = [
      '',
      'GET / HTTP/1.1\r\n',
      'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n',
    ];
    const inputs = Array.from({ length: 150 }, (_, index) => {
      const noise = Buffer.from(
        Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
      );
      return {
        bytes: Buffer.concat([Buffer.from(prefixes[index % prefixes.length] ?? ''), noise]),
        tls: index % 2 === 0,
      };
    });

    for (let start = 0; start < inputs.length; start += 15)
      await Promise.all(
        inputs.slice(start, start + 15).map(({ bytes, tls }) =>
          rawExchange(harness.proxy.hostPort(tls ? 443 : 80) ?? 0, bytes, {
            tls,
            ca: harness.proxy.certificate.certPem,
          }).catch(() => ''),
        ),
      );
    expect((await json(harness, '/after-garbage')).status).toBe(200);
    expect(harness.proxy.load('a0000000000001')).toBe(0);
  });
});

describe('the edge proxy: close and destroy', () => {
  it('should let in-flight requests finish on close, and be idempotent', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const slow = json(harness, '/sleep?ms=400');
    await delay(100);

    const closing = harness.proxy.close();
    expect(harness.proxy.close()).toBe(closing);
    expect((await slow).status).toBe(200);
    await closing;
    await expect(
      fetchText(harness.url(443, '/'), { ca: harness.proxy.certificate.certPem }),
    ).rejects.toThrow();
  });

  it('should fail in-flight requests on destroy', async () => {
    harness = await startProxy();
    harness.directory.set(8080, upstream('a0000000000001', machineA.address));
    const slow = json(harness, '/sleep?ms=2000');
    await delay(100);

    await harness.proxy.destroy(new Error('test says stop'));
    await expect(slow).rejects.toThrow();
  });
});
