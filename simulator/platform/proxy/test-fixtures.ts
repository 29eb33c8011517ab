import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ScaledClock } from '../../clock/scaled-clock.js';
import { EventLog } from '../../events/event-log.js';
import { LogStore } from '../logs.js';
import { StaticDirectory, type Upstream } from './directory.js';
import { EdgeProxy } from './edge-proxy.js';
import type { EdgeProxyOptions, ProxyService } from './options.js';

/** The sample app's service as fly.toml declares it: 80 → 301, 443 with TLS, port 8080. */
export function sampleService(overrides: Partial<ProxyService> = {}): ProxyService {
  return {
    internalPort: 8080,
    ports: [
      { port: 80, handlers: ['http'], forceHttps: true },
      { port: 443, handlers: ['tls', 'http'], forceHttps: false },
    ],
    concurrency: { type: 'connections', softLimit: 20, hardLimit: undefined },
    ...overrides,
  };
}

export function upstream(
  machineId: string,
  address: string,
  change: Partial<Upstream> = {},
): Upstream {
  return {
    ...{ machineId, region: 'mad', releaseVersion: 1, state: 'started' },
    ...{ checksPassing: true, cordoned: false, address },
    ...change,
  };
}

export interface ProxyHarness {
  readonly proxy: EdgeProxy;
  readonly directory: StaticDirectory;
  readonly events: EventLog;
  readonly logs: LogStore;
  readonly stateDir: string;
  /** `https://127.0.0.1:<443's host port>` and the like. */
  url(port: number, path?: string, host?: string): string;
  close(): Promise<void>;
}

/** A proxy over a hand-set directory, with its own state directory, on ports the OS picks. */
export async function startProxy(
  options: Partial<EdgeProxyOptions> & { services?: readonly ProxyService[] } = {},
): Promise<ProxyHarness> {
  const stateDir = await mkdtemp(join(tmpdir(), 'flysim-proxy-'));
  const clock = new ScaledClock();
  const events = new EventLog({ clock });
  const logs = new LogStore({ clock });
  const directory = new StaticDirectory();
  const proxy = await EdgeProxy.start({
    ...{ app: 'grupo-gad', services: [sampleService()], directory, clock, events, logs, stateDir },
    ...options,
  });

  const url = (port: number, path = '/', host = '127.0.0.1'): string => {
    const scheme = port === 443 ? 'https' : 'http';
    return `${scheme}://${host}:${proxy.hostPort(port) ?? 0}${path}`;
  };
  const close = async (): Promise<void> => {
    await proxy.destroy();
    await rm(stateDir, { recursive: true, force: true });
  };
  return { proxy, directory, events, logs, stateDir, url, close };
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request without keep-alive, trusting `ca` for HTTPS. */
export function fetchText(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<SimpleResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30s`)));
    req.end(options.body);
  });
}

/** Writes `bytes` on a raw connection and resolves everything the server sent until it closed. */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: { tls?: boolean; ca?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = options.tls
      ? tlsConnect({ host: '127.0.0.1', port, ca: options.ca, servername: 'localhost' })
      : connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error('raw exchange timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString()) : reject(error),
    );
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.write(bytes);
  });
}
