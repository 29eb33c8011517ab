// The control API's server: 127.0.0.1 only, every request must carry the bearer token, JSON in
// and out, long operations streamed as JSON lines with heartbeats so clients can bound their waits.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isFlysimError } from '../errors.js';
import {
  CONTROL_API_VERSION,
  type ControlHost,
  type ErrorBody,
  type StreamFrame,
  type StreamSink,
} from './control-api.js';
import {
  badRequest,
  readDeployRequest,
  readSecretsRequest,
  readStringList,
  readValues,
} from './control-body.js';
import type { Presentation } from './presentation.js';

const PLAIN: Presentation = { mode: 'plain', color: false };

/** How often a streamed response says it is alive. @default 5000 */
export const HEARTBEAT_MS = 5_000;
const MAX_BODY_BYTES = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface ControlServerOptions {
  readonly host: ControlHost;
  readonly token: string;
  /** @default 0 (the OS picks) */
  readonly port?: number;
  /** @default HEARTBEAT_MS */
  readonly heartbeatMs?: number;
}

export class ControlServer {
  readonly #options: ControlServerOptions;
  readonly #server: Server;
  readonly #routes: ReadonlyMap<string, Handler>;
  #closing: Promise<void> | undefined;

  constructor(options: ControlServerOptions) {
    this.#options = options;
    this.#routes = this.#buildRoutes();
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Listens on 127.0.0.1 and resolves to the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo | null;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      // Streams (logs -f) would hold close() open forever.
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.url);
      if (!this.#authorized(req)) return sendError(res, 401, unauthorized());

      const handler = this.#routes.get(`${req.method ?? 'GET'} ${url.pathname}`);
      if (handler === undefined) return sendError(res, 404, notFound(req.method, url.pathname));
      await handler(req, res, url);
    } catch (error) {
      if (res.headersSent) res.end();
      else
        sendError(
          res,
          isFlysimError(error, 'FLYSIM_CONTROL_BAD_REQUEST') ? 400 : 500,
          toBody(error),
        );
    }
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(this.#options.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #buildRoutes(): Map<string, Handler> {
    const host = this.#options.host;
    const v = `/${CONTROL_API_VERSION}`;
    return new Map<string, Handler>([
      [`GET ${v}/status`, async (_q, res) => sendJson(res, 200, await host.status())],
      [`GET ${v}/machines`, async (_q, res) => sendJson(res, 200, await host.machines())],
      [`GET ${v}/releases`, async (_q, res) => sendJson(res, 200, await host.releases())],
      [`GET ${v}/checks`, async (_q, res) => sendJson(res, 200, await host.checks())],
      [`GET ${v}/secrets`, async (_q, res) => sendJson(res, 200, await host.secrets())],
      [`GET ${v}/logs`, (req, res, url) => this.#logs(req, res, url)],
      [`POST ${v}/deploy`, (req, res) => this.#deploy(req, res)],
      [`POST ${v}/secrets/set`, (req, res) => this.#secretsSet(req, res)],
      [`POST ${v}/secrets/unset`, (req, res) => this.#secretsUnset(req, res)],
      [`POST ${v}/secrets/deploy`, (req, res) => this.#secretsDeploy(req, res)],
      [`POST ${v}/down`, async (_q, res) => this.#down(res)],
    ]);
  }

  async #logs(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const query = { machineId: url.searchParams.get('machine') ?? undefined };
    if (url.searchParams.get('follow') !== '1') {
      return sendJson(res, 200, await this.#options.host.logs(query));
    }

    await this.#stream(res, PLAIN, async (_sink, signal, write) => {
      for await (const line of this.#options.host.followLogs(query, signal)) {
        write({ type: 'line', text: line });
      }
      return undefined;
    });
  }

  async #deploy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = readDeployRequest(await readJson(req));
    await this.#stream(res, request.presentation, (sink, signal) =>
      this.#options.host.deploy(request, sink, signal),
    );
  }

  async #secretsSet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const values = readValues(body);
    const request = readSecretsRequest(body);
    await this.#stream(res, request.presentation, (sink, signal) =>
      this.#options.host.setSecrets(values, request, sink, signal),
    );
  }

  async #secretsUnset(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const names = readStringList(body, 'names');
    const request = readSecretsRequest(body);
    await this.#stream(res, request.presentation, (sink, signal) =>
      this.#options.host.unsetSecrets(names, request, sink, signal),
    );
  }

  async #secretsDeploy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = readSecretsRequest(await readJson(req));
    await this.#stream(res, request.presentation, (sink, signal) =>
      this.#options.host.deploySecrets(request, sink, signal),
    );
  }

  #down(res: ServerResponse): void {
    sendJson(res, 202, { accepted: true });
    // After the answer is on its way: the shutdown closes this server.
    res.once('finish', () => this.#options.host.requestShutdown());
  }

  /** Runs `work` with a sink that writes frames; ends with a result or an error frame. */
  async #stream(
    res: ServerResponse,
    presentation: Presentation,
    work: (
      sink: StreamSink,
      signal: AbortSignal,
      write: (frame: StreamFrame) => void,
    ) => Promise<unknown>,
  ): Promise<void> {
    const aborted = new AbortController();
    res.on('close', () => aborted.abort(new Error('the client went away')));
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });

    const write = (frame: StreamFrame): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify(frame)}\n`);
    };
    const heartbeat = setInterval(() => write({ type: 'heartbeat' }), this.#heartbeatMs);
    heartbeat.unref();
    const sink: StreamSink = {
      presentation,
      out: (text) => write({ type: 'out', text }),
      err: (text) => write({ type: 'err', text }),
    };

    try {
      write({ type: 'result', result: (await work(sink, aborted.signal, write)) ?? null });
    } catch (error) {
      write({ type: 'error', error: toBody(error) });
    } finally {
      clearInterval(heartbeat);
      res.end();
    }
  }

  get #heartbeatMs(): number {
    return this.#options.heartbeatMs ?? HEARTBEAT_MS;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw badRequest('the request body is larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw badRequest('the request body is not JSON');
  }
  return body;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function sendError(res: ServerResponse, status: number, error: ErrorBody): void {
  sendJson(res, status, { error });
}

function unauthorized(): ErrorBody {
  return {
    code: 'FLYSIM_CONTROL_UNAUTHORIZED',
    message: 'missing or wrong control token',
    hint: 'send `Authorization: Bearer <token>` with the token from the state file (control.json)',
  };
}

function notFound(method: string | undefined, path: string): ErrorBody {
  return {
    code: 'FLYSIM_CONTROL_NOT_FOUND',
    message: `no control API route ${method ?? 'GET'} ${path}`,
    hint: 'the flysim that runs the platform may be another version; restart it with `flysim up`',
  };
}

export function toBody(error: unknown): ErrorBody {
  if (isFlysimError(error)) return { code: error.code, message: error.message, hint: error.hint };

  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: typeof code === 'string' && code.startsWith('FLYSIM_') ? code : 'FLYSIM_CONTROL_FAILED',
    message,
    hint: undefined,
  };
}
