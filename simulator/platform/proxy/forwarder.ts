import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';

/** One request on its way to a machine: what the forwarder needs and reports back. */
export interface Forwarding {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headers: string[];
  /**
   * Emits `abort` when the client goes away, so the machine's side stops too. undici takes any
   * EventEmitter here; the proxy passes the client's response, which costs nothing per request,
   * where an AbortController per request cost about 2 % of the proxy's CPU.
   */
  readonly signal: NodeJS.EventEmitter;
  /** Writes the response head; the proxy adds its own headers here. */
  onResponse(statusCode: number, headers: IncomingHttpHeaders): void;
  /** Called once when the exchange ends: `error` is undefined when it completed. */
  onDone(error: Error | undefined): void;
}

export interface ForwarderOptions {
  readonly connections: number;
  readonly headersTimeoutMs: number;
  /** Longest silence inside a response body before the exchange fails. */
  readonly bodyIdleTimeoutMs: number;
}

/**
 * Forwards over one undici Pool of keep-alive connections per machine address. `stream()` with
 * the client's response as the destination was the fastest of the ways measured (docs/proxy.md):
 * no intermediate Readable, and backpressure from the client reaches the machine's socket.
 */
export class PoolForwarder {
  readonly #options: ForwarderOptions;
  readonly #pools = new Map<string, Pool>();
  #closed = false;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  forward(address: string, forwarding: Forwarding): void {
    const { req } = forwarding;
    const options: Dispatcher.RequestOptions<Forwarding> = {
      path: req.url ?? '/',
      method: req.method as Dispatcher.HttpMethod,
      headers: forwarding.headers,
      body: hasBody(req) ? req : null,
      opaque: forwarding,
      signal: forwarding.signal,
    };
    try {
      this.#pool(address).stream(options, writeHead, finished);
    } catch (error) {
      // undici checks the request before sending it (a method or header it refuses); the
      // exchange fails like any other, on the next tick as undici's own failures do.
      process.nextTick(() => forwarding.onDone(asError(error)));
    }
  }

  /** Closes the pools of addresses no longer in use (a machine's port changes on each start). */
  retain(addresses: ReadonlySet<string>): void {
    for (const [address, pool] of this.#pools) {
      if (addresses.has(address)) continue;
      this.#pools.delete(address);
      void pool.close().catch(() => undefined);
    }
  }

  /** Lets in-flight requests finish, then closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.close()));
  }

  /** Fails in-flight requests with `error` and closes every connection now. */
  async destroy(error: Error): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.destroy(error)));
  }

  #pool(address: string): Pool {
    const existing = this.#pools.get(address);
    if (existing) return existing;

    const pool = new Pool(`http://${address}`, {
      connections: this.#options.connections,
      pipelining: 1,
      headersTimeout: this.#options.headersTimeoutMs,
      // Fly closes a connection idle for `idle_timeout` (60 s), mid-response too; a longer
      // silence in a streamed body (SSE, a download) ends it here the same way.
      bodyTimeout: this.#options.bodyIdleTimeoutMs,
      keepAliveTimeout: 4_000,
    });
    if (!this.#closed) this.#pools.set(address, pool);
    return pool;
  }
}

function writeHead({
  statusCode,
  headers,
  opaque,
}: Dispatcher.StreamFactoryData<Forwarding>): Writable {
  opaque.onResponse(statusCode, headers);
  return opaque.res;
}

function finished(error: Error | null, data: { opaque: Forwarding }): void {
  data.opaque.onDone(error ?? undefined);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
