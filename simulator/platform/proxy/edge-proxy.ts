import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Balancer } from './balancer.js';
import { ensureEdgeCertificate, type EdgeCertificate } from './certificate.js';
import type { Upstream } from './directory.js';
import { Exchange, stripIpv6Prefix, type ExchangeOwner } from './exchange.js';
import { PoolForwarder } from './forwarder.js';
import { newRequestId, upstreamRequestHeaders, viaValue } from './headers.js';
import {
  createRouteServer,
  listen,
  planRoutes,
  type AnyServer,
  type PortRoute,
  type ProxyListener,
} from './listeners.js';
import {
  resolveProxyOptions,
  type EdgeProxyOptions,
  type ResolvedProxyOptions,
} from './options.js';
import {
  badGatewayBody,
  failedLogLine,
  noCandidateBody,
  noCandidateLogLine,
  redirectLocation,
  refusedLogLine,
  sendRaw,
  sendText,
  type EdgeIdentity,
  type ProxyErrorCode,
} from './responses.js';
import { relayTcp } from './tcp-passthrough.js';
import { WebSocketRelays, type RelayOutcome } from './websocket.js';

/** Published for tests and tools that watch routing without parsing logs (STYLE.md §5). */
export const requestChannel = channel('flysim:proxy:request');
export const upstreamErrorChannel = channel('flysim:proxy:upstream-error');

export interface RequestDiagnostic {
  readonly app: string;
  readonly machineId: string | undefined;
  readonly port: number;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly requestId: string;
}

export interface DrainOptions {
  /** @default the proxy's `drainTimeoutMs` */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface DrainResult {
  readonly inFlightAtStart: number;
  readonly websocketsClosed: number;
  readonly timedOut: boolean;
}

/** Close code for WebSockets of a machine that is stopping (RFC 6455 "going away"). */
const GOING_AWAY = 1001;
/** nginx's status for a request whose client closed the connection first. */
const CLIENT_CLOSED = 499;

/**
 * fly-proxy for one app (§4): a listener per public port, `force_https`, TLS with the edge
 * certificate, routing to healthy machines by load, Fly's headers, WebSockets, draining.
 * `close()` lets in-flight requests finish; `destroy(error)` fails them.
 */
export class EdgeProxy {
  readonly certificate: EdgeCertificate;
  readonly #options: ResolvedProxyOptions;
  readonly #routes: readonly PortRoute[];
  readonly #balancer: Balancer;
  readonly #forwarder: PoolForwarder;
  readonly #relays = new WebSocketRelays();
  readonly #servers = new Map<AnyServer, PortRoute>();
  readonly #hostPorts = new Map<PortRoute, number>();
  readonly #server: string;
  readonly #drainedSeenStopped = new Map<string, boolean>();
  readonly #unsubscribe: () => void;
  readonly #identity: { readonly server: string; readonly region: string };
  readonly #owner: ExchangeOwner = {
    forwarded: (exchange, error) => this.#forwarded(exchange, error),
    closed: () => this.#closed(),
  };
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  private constructor(
    options: ResolvedProxyOptions,
    routes: PortRoute[],
    certificate: EdgeCertificate,
  ) {
    this.#options = options;
    this.#routes = routes;
    this.certificate = certificate;
    this.#balancer = new Balancer(options.directory, options.clock);
    this.#forwarder = new PoolForwarder({
      connections: options.upstreamConnections,
      headersTimeoutMs: options.upstreamHeadersTimeoutMs,
      bodyIdleTimeoutMs: options.idleTimeoutMs,
    });
    this.#server = `Fly/flysim (${new Date(options.clock.now()).toISOString().slice(0, 10)})`;
    this.#identity = { server: this.#server, region: options.region };
    this.#unsubscribe = options.directory.subscribe(() => this.#onDirectoryChange());
  }

  /** Makes or reuses the certificate, then listens on every public port of the services. */
  static async start(options: EdgeProxyOptions): Promise<EdgeProxy> {
    const resolved = resolveProxyOptions(options);
    const { routes, warnings } = planRoutes(resolved.services);
    for (const warning of warnings)
      resolved.events.append({ type: 'platform.warning_issued', app: resolved.app, ...warning });

    const certificate = await ensureEdgeCertificate(join(resolved.stateDir, 'proxy'));
    const proxy = new EdgeProxy(resolved, routes, certificate);
    try {
      await proxy.#listenAll();
    } catch (error) {
      await proxy.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return proxy;
  }

  get listeners(): ProxyListener[] {
    return this.#routes.flatMap((route) => {
      const hostPort = this.#hostPorts.get(route);
      if (hostPort === undefined) return [];
      const scheme = route.http ? (route.tls ? 'https' : 'http') : route.tls ? 'tls' : 'tcp';
      const url = `${scheme}://${this.#options.host}:${hostPort}`;
      return [{ port: route.port, hostPort, handlers: route.handlers, url }];
    });
  }

  /** The host port flysim listens on for public port `port`. */
  hostPort(port: number): number | undefined {
    const route = this.#routes.find((item) => item.port === port);
    return route && this.#hostPorts.get(route);
  }

  /** In-flight requests and open WebSockets of a machine. */
  load(machineId: string): number {
    return this.#balancer.load(machineId);
  }

  /**
   * Before a machine is stopped or cordoned: no new request goes to it, its WebSockets get a
   * close frame, and this resolves when its in-flight requests finished (or at the timeout).
   * The machine is routable again once it has been seen stopped and started, or on `undrain`.
   */
  async drain(machineId: string, options: DrainOptions = {}): Promise<DrainResult> {
    const started = this.#options.clock.now();
    this.#balancer.drain(machineId);
    this.#drainedSeenStopped.set(machineId, false);
    const websocketsClosed = this.#relays.closeMachine(
      machineId,
      GOING_AWAY,
      'machine is stopping',
    );
    const inFlightAtStart = Math.max(0, this.#balancer.load(machineId) - websocketsClosed);

    const timeoutMs = options.timeoutMs ?? this.#options.drainTimeoutMs;
    const idle = await this.#balancer.waitForIdle(machineId, timeoutMs, options.signal);
    if (!idle) this.#relays.terminateMachine(machineId);

    const result = { inFlightAtStart, websocketsClosed, timedOut: !idle };
    this.#options.events.append({
      ...{ type: 'proxy.machine_drained', app: this.#options.app, machineId, ...result },
      durationMs: this.#options.clock.now() - started,
    });
    return result;
  }

  undrain(machineId: string): void {
    this.#drainedSeenStopped.delete(machineId);
    this.#balancer.undrain(machineId);
  }

  close(): Promise<void> {
    this.#closing ??= this.#destroying ?? this.#close();
    return this.#closing;
  }

  destroy(error: Error = new Error('the edge proxy was destroyed')): Promise<void> {
    this.#destroying ??= this.#destroy(error);
    return this.#destroying;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #listenAll(): Promise<void> {
    for (const route of this.#routes) {
      const server = createRouteServer(route, this.#options, this.certificate);
      this.#attach(server, route);
      const wanted = this.#options.hostPorts[route.port] ?? 0;
      const hostPort = await listen(server, route.port, wanted, this.#options.host);
      this.#hostPorts.set(route, hostPort);
      this.#options.events.append({
        ...{ type: 'proxy.listener_started', app: this.#options.app, port: route.port },
        ...{ hostPort, handlers: route.handlers },
      });
    }
  }

  #attach(server: AnyServer, route: PortRoute): void {
    this.#servers.set(server, route);
    // A listener error after start (EMFILE, a socket torn down mid-accept) must not crash flysim.
    server.on('error', () => undefined);
    server.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());

    if (!route.http) {
      const event = route.tls ? 'secureConnection' : 'connection';
      return void server.on(event, (socket: Duplex) => this.#onTcp(route, socket));
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      this.#onRequest(route, req, res),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(route, req, socket, head),
    );
  }

  #onRequest(route: PortRoute, req: IncomingMessage, res: ServerResponse): void {
    const exchange = new Exchange(this.#owner, route, req, res, this.#identity);
    this.#inFlight++;
    if (this.#closing || this.#destroying) res.shouldKeepAlive = false;
    if (!req.url?.startsWith('/')) return this.#badTarget(exchange);
    if (route.forceHttps) return this.#redirect(exchange);

    const upstream = this.#balancer.tryAcquire(
      route.service.internalPort,
      route.service.concurrency,
    );
    if (upstream) return this.#forward(exchange, upstream);
    this.#forwardWhenRoutable(exchange).catch((error: unknown) => this.#failed(exchange, error));
  }

  /** An absolute-form or `*` target: Fly's edge serves origin-form paths only. */
  #badTarget(exchange: Exchange): void {
    exchange.res.shouldKeepAlive = false;
    sendText(exchange.res, 400, '400 Bad Request: the request target must be a path\n', exchange);
    this.#served(exchange, 400, undefined);
  }

  /** A bug must cost one request, never the proxy. */
  #failed(exchange: Exchange, error: unknown): void {
    upstreamErrorChannel.publish({
      app: this.#options.app,
      machineId: undefined,
      code: 'PU02',
      error,
    });
    if (!exchange.res.headersSent) sendText(exchange.res, 502, badGatewayBody('PU02'), exchange);
    else exchange.res.destroy();
    this.#served(exchange, 502, 'PU02');
  }

  async #forwardWhenRoutable(exchange: Exchange): Promise<void> {
    const { route } = exchange;
    const waitMs = this.#options.noCandidateWaitMs;
    const acquired = await this.#balancer.acquire(
      route.service.internalPort,
      route.service.concurrency,
      waitMs,
    );
    if ('upstream' in acquired && exchange.clientGone) {
      this.#balancer.release(acquired.upstream.machineId);
      return this.#served(exchange, CLIENT_CLOSED, undefined);
    }
    if ('upstream' in acquired) return this.#forward(exchange, acquired.upstream);

    this.#proxyLog(undefined, 'error', noCandidateLogLine(acquired.none));
    sendText(exchange.res, 503, noCandidateBody(acquired.none, waitMs), exchange);
    this.#served(exchange, 503, 'PR04');
  }

  #forward(exchange: Exchange, upstream: Upstream): void {
    exchange.prepare(upstream, this.#options.region);
    this.#forwarder.forward(upstream.address ?? '', exchange);
  }

  #forwarded(exchange: Exchange, error: Error | undefined): void {
    const upstream = exchange.upstream;
    if (!upstream) return;
    this.#balancer.release(upstream.machineId);
    const { res } = exchange;
    if (exchange.clientGone) return this.#served(exchange, CLIENT_CLOSED, undefined);
    if (!error) return this.#served(exchange, res.statusCode, undefined);

    const code = upstreamErrorCode(error);
    upstreamErrorChannel.publish({
      app: this.#options.app,
      machineId: upstream.machineId,
      code,
      error,
    });
    const internalPort = exchange.route.service.internalPort;
    this.#proxyLog(
      upstream.machineId,
      'error',
      code === 'PC01' ? refusedLogLine(internalPort) : failedLogLine(code, error),
    );

    if (res.headersSent) {
      res.destroy();
      return this.#served(exchange, res.statusCode, code);
    }
    sendText(res, 502, badGatewayBody(code), exchange);
    this.#served(exchange, 502, code);
  }

  #redirect(exchange: Exchange): void {
    const { req, res, route } = exchange;
    const httpsPort = this.#httpsPortFor(route);
    const location = redirectLocation(req.headers.host, req.url ?? '/', httpsPort);
    sendText(res, 301, `301 Moved Permanently: ${location}\n`, exchange, { location });
    this.#served(exchange, 301, undefined);
  }

  #onUpgrade(route: PortRoute, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const edge = this.#edge(req);
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !req.url?.startsWith('/'))
      return sendRaw(
        socket,
        400,
        'Bad Request',
        '400 Bad Request: only WebSocket upgrades are proxied\n',
        edge,
      );
    if (route.forceHttps) {
      const location = redirectLocation(
        req.headers.host,
        req.url ?? '/',
        this.#httpsPortFor(route),
      );
      return sendRaw(socket, 301, 'Moved Permanently', '', edge, { location });
    }
    this.#upgradeWhenRoutable(route, req, socket, head, edge).catch((error: unknown) => {
      upstreamErrorChannel.publish({
        app: this.#options.app,
        machineId: undefined,
        code: 'PU02',
        error,
      });
      sendRaw(socket, 502, 'Bad Gateway', badGatewayBody('PU02'), edge);
    });
  }

  async #upgradeWhenRoutable(
    route: PortRoute,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    edge: EdgeIdentity,
  ): Promise<void> {
    const startedMs = performance.now();
    const waitMs = this.#options.noCandidateWaitMs;
    const acquired = await this.#balancer.acquire(
      route.service.internalPort,
      route.service.concurrency,
      waitMs,
    );
    if ('none' in acquired) {
      this.#proxyLog(undefined, 'error', noCandidateLogLine(acquired.none));
      return sendRaw(
        socket,
        503,
        'Service Unavailable',
        noCandidateBody(acquired.none, waitMs),
        edge,
      );
    }

    const { upstream } = acquired;
    const target = {
      ...{ machineId: upstream.machineId, address: upstream.address ?? '', edge },
      headers: upstreamRequestHeaders(req, this.#hop(route, req, edge)),
      handshakeTimeoutMs: this.#options.upstreamHeadersTimeoutMs,
    };
    try {
      this.#relays.open(req, socket, head, target, (outcome) =>
        this.#upgraded(route, req, upstream, outcome, startedMs, socket),
      );
    } catch (error) {
      this.#balancer.release(upstream.machineId);
      throw error;
    }
  }

  #upgraded(
    route: PortRoute,
    req: IncomingMessage,
    upstream: Upstream,
    outcome: RelayOutcome,
    startedMs: number,
    socket: Duplex,
  ): void {
    this.#balancer.release(upstream.machineId);
    const { error } = outcome;
    const code = error ? upstreamErrorCode(error) : undefined;
    if (error && code) {
      const internalPort = route.service.internalPort;
      const line = code === 'PC01' ? refusedLogLine(internalPort) : failedLogLine(code, error);
      this.#proxyLog(upstream.machineId, 'error', line);
      sendRaw(socket, 502, 'Bad Gateway', badGatewayBody(code));
    }
    this.#record(route, req.method ?? 'GET', upstream, outcome.status, startedMs, undefined);
  }

  #onTcp(route: PortRoute, socket: Duplex): void {
    socket.on('error', () => socket.destroy());
    const upstream = this.#balancer.tryAcquire(
      route.service.internalPort,
      route.service.concurrency,
    );
    if (!upstream) {
      this.#proxyLog(
        undefined,
        'error',
        noCandidateLogLine({ machines: 0, attempts: 1, reason: 'no routable machine' }),
      );
      return void socket.destroy();
    }
    relayTcp(socket, upstream.address ?? '', (error) => {
      this.#balancer.release(upstream.machineId);
      if (error && upstreamErrorCode(error) === 'PC01')
        this.#proxyLog(upstream.machineId, 'error', refusedLogLine(route.service.internalPort));
    });
  }

  #served(exchange: Exchange, status: number, errorCode: ProxyErrorCode | undefined): void {
    const { route, req, upstream, startedMs } = exchange;
    const latencyMs = this.#record(
      route,
      req.method ?? 'GET',
      upstream,
      status,
      startedMs,
      errorCode,
    );
    if (!requestChannel.hasSubscribers) return;

    requestChannel.publish({
      ...{ app: this.#options.app, machineId: upstream?.machineId, port: route.port },
      ...{ method: req.method ?? 'GET', url: req.url ?? '/', status, latencyMs },
      requestId: exchange.requestId,
    } satisfies RequestDiagnostic);
  }

  #record(
    route: PortRoute,
    method: string,
    upstream: Upstream | undefined,
    status: number,
    startedMs: number,
    errorCode: ProxyErrorCode | undefined,
  ): number {
    const latencyMs = Math.round((performance.now() - startedMs) * 1000) / 1000;
    // One flat literal: this runs for every request, and spread groups allocate.
    this.#options.events.append({
      type: 'proxy.request_served',
      app: this.#options.app,
      machineId: upstream?.machineId,
      releaseVersion: upstream?.releaseVersion,
      port: route.port,
      method,
      status,
      latencyMs,
      errorCode,
    });
    return latencyMs;
  }

  #edge(req: IncomingMessage): EdgeIdentity {
    return {
      server: this.#server,
      via: viaValue(req.httpVersion),
      requestId: newRequestId(this.#options.region),
    };
  }

  #hop(route: PortRoute, req: IncomingMessage, edge: EdgeIdentity) {
    const socket = req.socket;
    return {
      ...{
        clientIp: stripIpv6Prefix(socket.remoteAddress),
        edgeIp: stripIpv6Prefix(socket.localAddress),
      },
      ...{
        publicPort: route.port,
        tls: route.tls,
        region: this.#options.region,
        requestId: edge.requestId,
      },
    };
  }

  #httpsPortFor(route: PortRoute): number {
    const https = this.#routes.find(
      (item) => item.service === route.service && item.tls && item.http,
    );
    return (https && this.#hostPorts.get(https)) ?? 443;
  }

  #proxyLog(machineId: string | undefined, level: 'info' | 'error', message: string): void {
    this.#options.logs.write({
      ...{
        app: this.#options.app,
        machineId: machineId ?? this.#anyMachineId(),
        region: this.#options.region,
      },
      ...{ provider: 'proxy', level, message },
    });
  }

  /** Fly files app-wide proxy errors under one of the app's instances. */
  #anyMachineId(): string {
    for (const route of this.#routes) {
      const first = this.#options.directory.upstreams(route.service.internalPort)[0];
      if (first) return first.machineId;
    }
    return this.#options.app;
  }

  #onDirectoryChange(): void {
    const addresses = new Set<string>();
    const seen = new Map<string, Upstream>();
    for (const route of this.#routes)
      for (const upstream of this.#options.directory.upstreams(route.service.internalPort)) {
        if (upstream.address) addresses.add(upstream.address);
        seen.set(upstream.machineId, upstream);
      }

    this.#forwarder.retain(addresses);
    this.#releaseRestartedDrains(seen);
  }

  /** A drained machine that stopped and started again takes traffic again. */
  #releaseRestartedDrains(seen: ReadonlyMap<string, Upstream>): void {
    for (const [machineId, sawStopped] of this.#drainedSeenStopped) {
      const state = seen.get(machineId)?.state;
      if (state !== 'started') this.#drainedSeenStopped.set(machineId, true);
      else if (sawStopped) this.undrain(machineId);
    }
  }

  #closed(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) this.#idle?.();
  }

  async #close(): Promise<void> {
    for (const server of this.#servers.keys()) server.close();
    this.#relays.closeAll(GOING_AWAY, 'the edge proxy is shutting down');

    const finished = await this.#waitForNoRequests(this.#options.closeTimeoutMs);
    if (!finished)
      return this.destroy(
        new Error(`requests still in flight after ${this.#options.closeTimeoutMs}ms`),
      );

    await this.#forwarder.close();
    this.#shutDown();
  }

  async #destroy(error: Error): Promise<void> {
    for (const server of this.#servers.keys()) server.close();
    this.#relays.terminateAll();
    await this.#forwarder.destroy(error);
    this.#shutDown();
  }

  #shutDown(): void {
    for (const server of this.#servers.keys())
      if ('closeAllConnections' in server) server.closeAllConnections();
    this.#relays.terminateAll();
    this.#unsubscribe();
    this.#balancer.close();
  }

  async #waitForNoRequests(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return true;

    const timer = new AbortController();
    const idle = new Promise<boolean>((resolve) => (this.#idle = () => resolve(true)));
    const deadline = this.#options.clock.sleep(timeoutMs, timer.signal, 'deadline').then(
      () => false,
      () => false,
    );
    const result = await Promise.race([idle, deadline]);
    timer.abort();
    return result;
  }
}

/**
 * Fly's code for a failed exchange. Docker's port publishing accepts the connection on the host
 * and then resets or closes it when nothing listens in the container, so "refused" also shows as
 * a reset, or a close before the machine sent a single byte. Through Docker those cannot be told
 * apart from an app that dies before answering; the refused case is the common one.
 */
function upstreamErrorCode(error: Error): ProxyErrorCode {
  const code = 'code' in error ? error.code : undefined;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return 'PC01';
  if (code === 'UND_ERR_SOCKET' && bytesRead(error) === 0) return 'PC01';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'PC05';
  return 'PU02';
}

function bytesRead(error: Error): number | undefined {
  const socket: unknown = 'socket' in error ? error.socket : undefined;
  if (typeof socket !== 'object' || socket === null || !('bytesRead' in socket)) return undefined;
  return typeof socket.bytesRead === 'number' ? socket.bytesRead : undefined;
}
