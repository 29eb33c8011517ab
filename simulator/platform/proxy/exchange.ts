import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Upstream } from './directory.js';
import type { Forwarding } from './forwarder.js';
import {
  clientResponseHeaders,
  newRequestId,
  upstreamRequestHeaders,
  viaValue,
} from './headers.js';
import type { PortRoute } from './listeners.js';
import type { EdgeIdentity } from './responses.js';

/** What an exchange reports to the proxy that owns it. */
export interface ExchangeOwner {
  /** The machine's side ended: `error` is undefined when the response completed. */
  forwarded(exchange: Exchange, error: Error | undefined): void;
  /** The client's response closed, finished or not. */
  closed(exchange: Exchange): void;
}

const EXCHANGE = Symbol('flysim.exchange');

interface TaggedResponse extends ServerResponse {
  [EXCHANGE]?: Exchange;
}

/**
 * One HTTP request through the proxy. Its callbacks are methods, not closures: on the hot path
 * every per-request function and object showed up in the profile as allocation and GC time.
 */
export class Exchange implements Forwarding, EdgeIdentity {
  readonly route: PortRoute;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly server: string;
  readonly via: string;
  readonly requestId: string;
  readonly startedMs: number;
  readonly #owner: ExchangeOwner;
  headers: string[] = [];
  upstream: Upstream | undefined = undefined;
  clientGone = false;

  constructor(
    owner: ExchangeOwner,
    route: PortRoute,
    req: IncomingMessage,
    res: ServerResponse,
    edge: { server: string; region: string },
  ) {
    this.#owner = owner;
    this.route = route;
    this.req = req;
    this.res = res;
    this.server = edge.server;
    this.via = viaValue(req.httpVersion);
    this.requestId = newRequestId(edge.region);
    this.startedMs = performance.now();
    (res as TaggedResponse)[EXCHANGE] = this;
    res.on('close', onResponseClose);
  }

  /** The client's response, which undici also takes as the exchange's abort signal. */
  get signal(): ServerResponse {
    return this.res;
  }

  /** Fills in the request headers for `upstream`, with Fly's. */
  prepare(upstream: Upstream, region: string): void {
    this.upstream = upstream;
    const socket = this.req.socket;
    this.headers = upstreamRequestHeaders(this.req, {
      clientIp: stripIpv6Prefix(socket.remoteAddress),
      edgeIp: stripIpv6Prefix(socket.localAddress),
      publicPort: this.route.port,
      tls: this.route.tls,
      region,
      requestId: this.requestId,
    });
  }

  onResponse(statusCode: number, headers: IncomingHttpHeaders): void {
    this.res.writeHead(statusCode, clientResponseHeaders(headers, this));
  }

  onDone(error: Error | undefined): void {
    this.#owner.forwarded(this, error);
  }

  /** A response that closed unfinished means the client went away: tell undici to stop too. */
  onClose(): void {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.res.emit('abort');
    }
    this.#owner.closed(this);
  }
}

function onResponseClose(this: TaggedResponse): void {
  this[EXCHANGE]?.onClose();
}

export function stripIpv6Prefix(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
