// `npm run bench -- proxy [--duration 10] [--rounds 3] [--connections 32] [--compare-forwarders]
// [--trivial-upstream]`: requests/s
// and p50/p99 of the sample app's /health through flysim's edge proxy (443, TLS), through nginx
// as a TLS reverse proxy with upstream keep-alive, and straight to the machine's published port.
// Load from wrk; everything on loopback; every run bounded in time.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { ScaledClock } from '../clock/scaled-clock.js';
import { EventLog } from '../events/event-log.js';
import { LogStore } from '../platform/logs.js';
import { StaticDirectory } from '../platform/proxy/directory.js';
import { EdgeProxy } from '../platform/proxy/edge-proxy.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { flysimLabels, LABELS } from '../runtime/labels.js';

const exec = promisify(execFile);
const RUN = 'proxy-bench';
const APP_IMAGE = 'grupo-gad:local';

interface Settings {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly threads: number;
  readonly rounds: number;
  readonly compareForwarders: boolean;
  /** Measure against a one-line node:http server instead of the sample app (the setup). */
  readonly trivialUpstream: boolean;
}

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** CPU of this process per request, for the targets that run in it; NaN for the others. */
  readonly cpuUsPerRequest: number;
}

export async function run(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  await ensureTools();
  const workDir = await mkdtemp(join(tmpdir(), 'flysim-bench-proxy-'));
  const runtime = new DockerRuntime();
  const cleanups: (() => Promise<unknown>)[] = [];

  try {
    console.log(
      `load average before: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    const machine = settings.trivialUpstream
      ? await startTrivialUpstream(cleanups)
      : await startMachine(runtime);
    const what = settings.trivialUpstream ? 'a trivial node:http upstream' : APP_IMAGE;
    console.log(`machine ${machine} (${what}, /health)`);
    const results = await measureAll(settings, machine, workDir, cleanups);
    report(results, settings);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await runtime.removeByLabel(LABELS.run, RUN);
    await runtime.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Every target stays up, and the rounds interleave them (flysim, nginx, direct, flysim, ...), so
 * drift in the machine's load (2 shared cores) falls on all of them alike; each target's result
 * is its median round.
 */
async function measureAll(
  settings: Settings,
  machine: string,
  workDir: string,
  cleanups: (() => Promise<unknown>)[],
): Promise<Result[]> {
  const targets = await startTargets(settings, machine, workDir, cleanups);
  // A first pass warms every target (JIT, TLS sessions, upstream connections) before any round.
  for (const [, url] of targets) await wrk(url, settings.warmupS, settings);

  const rounds = new Map<string, Result[]>(targets.map(([name]) => [name, []]));
  for (let round = 1; round <= settings.rounds; round++)
    for (const [name, url, inProcess] of targets) {
      const result = await measure(name, url, settings, inProcess);
      rounds.get(name)?.push(result);
      console.log(
        `  round ${round}: ${describe(result)} (load ${loadavg()[0]?.toFixed(2) ?? '?'})`,
      );
    }
  return targets.map(([name]) => median(name, rounds.get(name) ?? []));
}

async function startTargets(
  settings: Settings,
  machine: string,
  workDir: string,
  cleanups: (() => Promise<unknown>)[],
): Promise<Target[]> {
  const proxy = await startFlysimProxy(machine, workDir);
  cleanups.push(() => proxy.close());
  const { certPath, keyPath } = proxy.certificate;
  const nginx = await startNginx(machine, workDir, certPath, keyPath);
  cleanups.push(() => stopChild(nginx.child));
  const targets: Target[] = [
    ['flysim proxy (443, TLS)', `https://127.0.0.1:${proxy.hostPort(443)}/health`, true],
    ['nginx (TLS, upstream keep-alive)', nginx.url, false],
    ['direct (published port, no TLS)', `http://${machine}/health`, false],
  ];
  if (!settings.compareForwarders) return targets;

  const nodeHttp = await startBareForwarder(machine, proxy.certificate, nodeHttpForward(machine));
  const undiciPool = await startBareForwarder(machine, proxy.certificate, undiciForward(machine));
  cleanups.push(
    () => nodeHttp.close(),
    () => undiciPool.close(),
  );
  return [
    ...targets,
    ['bare node:http Agent + pipe (TLS)', nodeHttp.url, true],
    ['bare undici Pool stream (TLS)', undiciPool.url, true],
  ];
}

/** A name, a URL, and whether it runs in this process (its CPU per request is measured). */
type Target = [string, string, boolean];

function median(name: string, results: readonly Result[]): Result {
  const middle = <T>(values: T[], key: (value: T) => number): number => {
    const sorted = values.map(key).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  return {
    name,
    rps: middle([...results], (result) => result.rps),
    p50Ms: middle([...results], (result) => result.p50Ms),
    p99Ms: middle([...results], (result) => result.p99Ms),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    cpuUsPerRequest: middle([...results], (result) => result.cpuUsPerRequest),
  };
}

function describe(result: Result): string {
  const cpu = Number.isNaN(result.cpuUsPerRequest)
    ? ''
    : `, ${result.cpuUsPerRequest.toFixed(0)} µs CPU/req`;
  return `${result.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}${cpu}`;
}

function parseArgs(args: readonly string[]): Settings {
  const value = (flag: string, fallback: number): number => {
    const index = args.indexOf(flag);
    const parsed = index === -1 ? fallback : Number(args[index + 1]);
    if (!Number.isInteger(parsed) || parsed <= 0 || parsed > 600)
      throw new Error(
        `Expected ${flag} to be an integer in 1..600, got \`${String(args[index + 1])}\``,
      );
    return parsed;
  };
  return {
    durationS: value('--duration', 10),
    warmupS: value('--warmup', 3),
    connections: value('--connections', 32),
    // One wrk thread drives far more than these targets serve, and leaves CPU to them.
    threads: 1,
    rounds: value('--rounds', 3),
    compareForwarders: args.includes('--compare-forwarders'),
    trivialUpstream: args.includes('--trivial-upstream'),
  };
}

/** wrk and nginx from Debian, installed when missing (as the issue asks; needs root). */
async function ensureTools(): Promise<void> {
  const missing = [];
  for (const tool of ['wrk', 'nginx'])
    if (
      !(await exec('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).then(
        () => true,
        () => false,
      ))
    )
      missing.push(tool);
  if (missing.length === 0) return;

  if (process.getuid?.() !== 0)
    throw new Error(
      `${missing.join(' and ')} missing; install with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  console.log(`installing ${missing.join(', ')} from Debian...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await exec('apt-get', ['update', '-qq'], { env, timeout: 180_000 });
  await exec('apt-get', ['install', '-y', '-qq', ...missing], { env, timeout: 300_000 });
}

/** The sample app alone: /health needs no database, so DATABASE_URL points nowhere. */
async function startMachine(runtime: DockerRuntime): Promise<string> {
  const containerId = await runtime.createContainer({
    name: `flysim-proxy-bench-${process.pid}`,
    image: APP_IMAGE,
    env: {
      ...{ DATABASE_URL: 'postgres://bench:bench@db.invalid:5432/bench', PORT: '8080' },
      ...{ SECRET_KEY: 's'.repeat(40), JWT_SECRET_KEY: 'j'.repeat(40) },
    },
    labels: flysimLabels({ run: RUN, app: 'grupo-gad' }),
    publishPorts: [8080],
  });
  await runtime.startContainer(containerId);
  const port = (await runtime.inspectContainer(containerId)).ports.get(8080);
  const address = `127.0.0.1:${port ?? 0}`;
  await waitForHealth(address);
  return address;
}

/** A server that answers every request with a fixed JSON body, in a process of its own. */
async function startTrivialUpstream(cleanups: (() => Promise<unknown>)[]): Promise<string> {
  const source = `require('node:http').createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"status":"ok"}');
  }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => stopChild(child));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', () => reject(new Error('the trivial upstream exited before listening')));
  });
  const address = `127.0.0.1:${port}`;
  await waitForHealth(address);
  return address;
}

async function waitForHealth(address: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpRequest(`http://${address}/health`, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await delay(200);
  }
  throw new Error(`the sample app at ${address} did not answer /health within 20s`);
}

async function startFlysimProxy(machine: string, stateDir: string): Promise<EdgeProxy> {
  const clock = new ScaledClock();
  const directory = new StaticDirectory();
  directory.set(8080, {
    ...{ machineId: 'b0b0b0b0b0b0b0', region: 'mad', releaseVersion: 1, state: 'started' },
    ...{ checksPassing: true, cordoned: false, address: machine },
  });
  return EdgeProxy.start({
    ...{ app: 'grupo-gad', directory, clock, stateDir },
    services: [
      {
        internalPort: 8080,
        ports: [{ port: 443, handlers: ['tls', 'http'], forceHttps: false }],
        concurrency: { type: 'connections', softLimit: 20, hardLimit: undefined },
      },
    ],
    events: new EventLog({ clock }),
    logs: new LogStore({ clock }),
  });
}

async function startNginx(
  machine: string,
  dir: string,
  certPath: string,
  keyPath: string,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConf(machine, port, dir, certPath, keyPath));
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
  const url = `https://127.0.0.1:${port}/health`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const ok = await exec('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', url]).then(
      ({ stdout }) => stdout === '200',
      () => false,
    );
    if (ok) return { child, url };
    await delay(100);
  }
  await stopChild(child);
  throw new Error(`nginx did not answer ${url} within 5s (config: ${conf})`);
}

/** Debian's defaults where they matter (worker_processes auto), TLS as flysim's, no access log. */
function nginxConf(machine: string, port: number, dir: string, cert: string, key: string): string {
  return `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream machine { server ${machine}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${cert}; ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://machine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
    }
  }
}
`;
}

type Forward = (req: IncomingMessage, res: ServerResponse) => void;

/** TLS in front of one forwarding function, nothing else: the two ways to forward, measured bare. */
async function startBareForwarder(
  machine: string,
  certificate: { certPem: string; keyPem: string },
  forward: Forward & { close?: () => Promise<unknown> },
): Promise<{ url: string; close: () => Promise<void> }> {
  const tls = { cert: certificate.certPem, key: certificate.keyPem };
  const server = createHttpsServer(tls, forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/health`,
    close: async () => {
      server.closeAllConnections();
      await forward.close?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The classic approach (what http-proxy does inside): node:http with a keep-alive Agent, piped. */
function nodeHttpForward(machine: string): Forward & { close: () => Promise<void> } {
  const [host, port] = machine.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const forward: Forward = (req, res) => {
    const options = { host, port: Number(port), path: req.url, method: req.method, agent };
    const upstream = httpRequest({ ...options, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  return Object.assign(forward, { close: async () => agent.destroy() });
}

/** undici's Pool with `stream()` into the client's response, as flysim's forwarder does. */
function undiciForward(machine: string): Forward & { close: () => Promise<void> } {
  const pool = new Pool(`http://${machine}`, { connections: 64 });
  const forward: Forward = (req, res) => {
    const options = { path: req.url ?? '/', method: 'GET' as const, headers: req.rawHeaders };
    pool.stream(
      { ...options, opaque: res },
      ({ statusCode, headers, opaque }) => opaque.writeHead(statusCode, headers),
      (error) => error && res.destroy(),
    );
  };
  return Object.assign(forward, { close: () => pool.close() });
}

async function measure(
  name: string,
  url: string,
  settings: Settings,
  inProcess: boolean,
): Promise<Result> {
  await wrk(url, 1, settings);
  const before = process.cpuUsage();
  const parsed = parseWrk(await wrk(url, settings.durationS, settings));
  const cpu = process.cpuUsage(before);
  const cpuUsPerRequest = inProcess ? (cpu.user + cpu.system) / parsed.requests : NaN;
  return { name, ...parsed, cpuUsPerRequest };
}

async function wrk(url: string, seconds: number, settings: Settings): Promise<string> {
  const args = [
    '-t',
    String(settings.threads),
    '-c',
    String(settings.connections),
    '-d',
    `${seconds}s`,
  ];
  const { stdout } = await exec('wrk', [...args, '--latency', '--timeout', '5s', url], {
    timeout: (seconds + 30) * 1000,
  });
  return stdout;
}

function parseWrk(output: string): Omit<Result, 'name' | 'cpuUsPerRequest'> & { requests: number } {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN);
  const latency = (percent: string): number => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(output);
    const scale = { us: 0.001, ms: 1, s: 1000 }[match?.[2] as 'us' | 'ms' | 's'] ?? NaN;
    return Number(match?.[1] ?? NaN) * scale;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`could not read wrk's output:\n${output}`);
  return {
    rps,
    requests,
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors: socketErrors + non2xx,
  };
}

function report(results: readonly Result[], settings: Settings): void {
  const [flysim, nginx, direct] = results;
  if (!flysim || !nginx || !direct) throw new Error('a bench target is missing');

  for (const result of results) console.log(`median of ${settings.rounds}: ${describe(result)}`);
  console.log(
    `wrk -t${settings.threads} -c${settings.connections} -d${settings.durationS}s after a ${settings.warmupS}s warm-up pass and 1s before each run, ${results.length} targets interleaved over ${settings.rounds} rounds`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const share = ((flysim.rps / nginx.rps) * 100).toFixed(0);
  const p99 = (flysim.p99Ms / nginx.p99Ms).toFixed(2);
  console.log(
    `proxy: ${share}% of nginx throughput, p99 ${p99}x nginx, direct ${direct.rps.toFixed(0)} req/s`,
  );
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, delay(5_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
