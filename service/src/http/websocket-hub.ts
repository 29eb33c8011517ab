import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppMetrics } from '../metrics.js';

export const WEBSOCKET_PATH = '/ws/connect';
/** RFC 6455 "going away": the server is shutting down; clients should reconnect elsewhere. */
export const CLOSE_GOING_AWAY = 1001;
/** How long a client gets to answer our close frame before its socket is cut. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS = 5_000;

/** The clients of `/ws/connect`: accepts upgrades, broadcasts to all, says goodbye on close. */
export class WebSocketHub {
  readonly #server = new WebSocketServer({ noServer: true });
  #closing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: AppMetrics,
  ) {}

  /** For the HTTP server's `upgrade` event; anything but `/ws/connect` is refused. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (upgradePath(request) !== WEBSOCKET_PATH) return refuse(socket, '404 Not Found');
    if (this.#closing !== undefined) return refuse(socket, '503 Service Unavailable');

    this.#server.handleUpgrade(request, socket, head, (client) => this.#accept(client));
  }

  broadcast(message: unknown): void {
    const data = JSON.stringify(message);
    for (const client of this.#server.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data);
    }
  }

  get size(): number {
    return this.#server.clients.size;
  }

  /** Sends every client a 1001 close frame and waits (bounded) for them to close. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  #accept(client: WebSocket): void {
    this.metrics.websocketClients.inc();
    client.on('close', () => this.metrics.websocketClients.dec());
    client.on('error', (error) => this.logger.warn(`websocket: ${describeError(error)}`));
  }

  async #closeAll(): Promise<void> {
    const clients = [...this.#server.clients];
    if (clients.length > 0) this.logger.info(`websocket: closing ${clients.length} client(s)`);

    await Promise.all(clients.map((client) => closeClient(client)));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function closeClient(client: WebSocket): Promise<void> {
  if (client.readyState === WebSocket.CLOSED) return Promise.resolve();

  return new Promise((resolve) => {
    // A client that never answers the close frame must not hold the shutdown up.
    const timer = setTimeout(() => client.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close(CLOSE_GOING_AWAY, 'server shutting down');
  });
}

function upgradePath(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://localhost').pathname;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
