import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { edgeHeaders } from './headers.js';
import type { EdgeIdentity } from './responses.js';

/** Codes that may not be sent in a close frame (RFC 6455 §7.4.1). */
const UNSENDABLE = new Set([1004, 1005, 1006, 1015]);

/** Client request headers the relay's own WebSocket client sets for the machine. */
const HANDSHAKE_HEADERS = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

export interface RelayTarget {
  readonly machineId: string;
  readonly address: string;
  /** Request headers for the machine, flat `[name, value, ...]`, already with Fly's. */
  readonly headers: readonly string[];
  readonly edge: EdgeIdentity;
  readonly handshakeTimeoutMs: number;
}

export interface RelayOutcome {
  /** 101 once relaying, else the status the client was answered with. */
  readonly status: number;
  readonly error: Error | undefined;
}

interface Relay {
  readonly client: WebSocket;
  readonly upstream: WebSocket;
}

/**
 * WebSockets through the edge: the proxy ends the client's WebSocket and opens its own to the
 * machine, relaying messages and close frames both ways. Ending them here is what lets the
 * proxy send the client a close frame of its own when the machine is drained (§4.5).
 */
export class WebSocketRelays {
  readonly #server: WebSocketServer;
  readonly #edges = new WeakMap<IncomingMessage, EdgeIdentity>();
  readonly #protocols = new WeakMap<IncomingMessage, string>();
  readonly #byMachine = new Map<string, Set<Relay>>();

  constructor(maxPayloadBytes = 64 * 1024 * 1024) {
    this.#server = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: maxPayloadBytes,
      handleProtocols: (_offered, req) => this.#protocols.get(req) ?? false,
    });
    this.#server.on('headers', (headers, req) => {
      const edge = this.#edges.get(req);
      if (!edge) return;
      for (const [name, value] of Object.entries(edgeHeaders(edge)))
        headers.push(`${name}: ${String(value)}`);
    });
  }

  /** Opens the machine's side first, so the client sees the machine's own refusal if any. */
  open(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: RelayTarget,
    onEnd: (outcome: RelayOutcome) => void,
  ): void {
    const upstream = new WebSocket(
      `ws://${target.address}${req.url ?? '/'}`,
      offeredProtocols(req),
      {
        headers: handshakeHeaders(target.headers),
        perMessageDeflate: false,
        handshakeTimeout: target.handshakeTimeoutMs,
        followRedirects: false,
      },
    );
    let settled = false;
    const end = once(onEnd);
    const fail = (status: number, error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      upstream.terminate();
      end({ status, error });
    };

    const clientGone = (): void => fail(499, undefined);
    socket.on('error', clientGone);
    socket.once('close', clientGone);
    upstream.once('unexpected-response', (_request, response) => {
      settled = true;
      passResponse(socket, response, target.edge);
      end({ status: response.statusCode ?? 502, error: undefined });
    });
    upstream.once('error', (error) => fail(502, error));
    upstream.once('open', () => {
      if (settled) return;
      settled = true;
      socket.removeListener('close', clientGone);
      this.#accept(req, socket, head, target, upstream, end);
    });
  }

  /** Sends close frames to the machine's WebSockets; resolves how many there were. */
  closeMachine(machineId: string, code: number, reason: string): number {
    const relays = this.#byMachine.get(machineId);
    for (const relay of relays ?? []) {
      relay.client.close(code, reason);
      relay.upstream.close(code, reason);
    }
    return relays?.size ?? 0;
  }

  /** Ends the machine's WebSockets without a close handshake. */
  terminateMachine(machineId: string): void {
    for (const relay of this.#byMachine.get(machineId) ?? []) {
      relay.client.terminate();
      relay.upstream.terminate();
    }
  }

  closeAll(code: number, reason: string): number {
    let count = 0;
    for (const machineId of this.#byMachine.keys())
      count += this.closeMachine(machineId, code, reason);
    return count;
  }

  terminateAll(): void {
    for (const machineId of [...this.#byMachine.keys()]) this.terminateMachine(machineId);
  }

  get size(): number {
    let count = 0;
    for (const relays of this.#byMachine.values()) count += relays.size;
    return count;
  }

  #accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: RelayTarget,
    upstream: WebSocket,
    end: (outcome: RelayOutcome) => void,
  ): void {
    this.#edges.set(req, target.edge);
    if (upstream.protocol) this.#protocols.set(req, upstream.protocol);

    this.#server.handleUpgrade(req, socket, head, (client) => {
      const relay = { client, upstream };
      this.#track(target.machineId, relay);
      pipeMessages(client, upstream);
      pipeMessages(upstream, client);
      client.once('close', () => {
        this.#untrack(target.machineId, relay);
        end({ status: 101, error: undefined });
      });
    });
  }

  #track(machineId: string, relay: Relay): void {
    const relays = this.#byMachine.get(machineId) ?? new Set();
    relays.add(relay);
    this.#byMachine.set(machineId, relays);
  }

  #untrack(machineId: string, relay: Relay): void {
    const relays = this.#byMachine.get(machineId);
    relays?.delete(relay);
    if (relays?.size === 0) this.#byMachine.delete(machineId);
  }
}

function pipeMessages(from: WebSocket, to: WebSocket): void {
  from.on('message', (data: RawData, isBinary: boolean) => {
    if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
  });
  from.on('error', () => to.terminate());
  from.once('close', (code: number, reason: Buffer) => closeOther(to, code, reason));
}

function closeOther(socket: WebSocket, code: number, reason: Buffer): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (code === 1005) return socket.close();
  if (UNSENDABLE.has(code) || code < 1000 || code >= 5000) return socket.terminate();
  socket.close(code, reason);
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

function handshakeHeaders(flat: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const name = flat[index] ?? '';
    if (!HANDSHAKE_HEADERS.has(name.toLowerCase())) headers[name] = flat[index + 1] ?? '';
  }
  return headers;
}

/** The machine answered the handshake with something else than 101: pass it on as it is. */
function passResponse(socket: Duplex, response: IncomingMessage, edge: EdgeIdentity): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('error', () => socket.destroy());
  response.on('end', () => {
    const body = Buffer.concat(chunks);
    const lines = [`HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}`];
    for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
      const name = response.rawHeaders[index] ?? '';
      if (/^(connection|transfer-encoding|content-length|keep-alive)$/i.test(name)) continue;
      lines.push(`${name}: ${response.rawHeaders[index + 1] ?? ''}`);
    }
    for (const [name, value] of Object.entries(edgeHeaders(edge)))
      lines.push(`${name}: ${String(value)}`);
    lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
    if (socket.writable) socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
  });
}

function once<T>(callback: (value: T) => void): (value: T) => void {
  let called = false;
  return (value) => {
    if (called) return;
    called = true;
    callback(value);
  };
}
