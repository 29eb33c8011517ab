// The other side of the control API: every call carries the token and every wait is bounded
// (a unary call by a deadline, a stream by how long it may stay silent between heartbeats).

import { request, type IncomingMessage } from 'node:http';
import { FlysimError } from '../errors.js';
import { CONTROL_API_VERSION, type ErrorBody, type StreamFrame } from './control-api.js';
import type { ControlState } from './state-file.js';

export interface ControlClientOptions {
  /** A unary call gives up after this long. @default 15000 */
  readonly timeoutMs?: number;
  /** A stream gives up after this long without a frame (heartbeats count). @default 30000 */
  readonly idleTimeoutMs?: number;
  /** Ctrl-C: every call stops waiting at once and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export type FrameListener = (frame: StreamFrame) => void;

export class ControlClient {
  readonly #state: Pick<ControlState, 'url' | 'token'>;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(state: Pick<ControlState, 'url' | 'token'>, options: ControlClientOptions = {}) {
    this.#state = state;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#signal = options.signal;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.#unary('GET', path, undefined)) as T;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.#unary('POST', path, body)) as T;
  }

  /**
   * Sends `body` and hands every frame to `onFrame`; resolves with the `result` frame's value,
   * rejects with the `error` frame's error. `signal` stops it early (Ctrl-C on `logs`).
   */
  async stream(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    onFrame: FrameListener,
    signal: AbortSignal | undefined = this.#signal,
  ): Promise<unknown> {
    const res = await this.#send(method, path, body, this.#idleTimeoutMs, signal);
    if (res.statusCode !== 200) throw errorFrom(await readBody(res), res.statusCode);
    return readFrames(res, onFrame, signal);
  }

  async #unary(method: 'GET' | 'POST', path: string, body: unknown): Promise<unknown> {
    const res = await this.#send(method, path, body, this.#timeoutMs, this.#signal);
    const parsed = await readBody(res);
    if ((res.statusCode ?? 500) >= 400) throw errorFrom(parsed, res.statusCode);
    return parsed;
  }

  #send(
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(`/${CONTROL_API_VERSION}${path}`, this.#state.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#state.token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        timeout: timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
      req.on('timeout', () => req.destroy(timedOut(url.pathname, timeoutMs)));
      req.on('error', (error) => {
        reject(
          signal?.aborted === true ? abortReason(signal) : connectionError(error, this.#state.url),
        );
      });
      req.on('response', resolve);
      req.end(payload);
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

async function readBody(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { code: 'FLYSIM_CONTROL_FAILED', message: text.slice(0, 200) } };
  }
}

async function readFrames(
  res: IncomingMessage,
  onFrame: FrameListener,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  let buffered = '';
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter((l) => l !== '')) {
        const frame = JSON.parse(line) as StreamFrame;
        if (frame.type === 'result') return frame.result;
        if (frame.type === 'error') throw toFlysimError(frame.error);
        onFrame(frame);
      }
    }
  } catch (error) {
    // Ctrl-C: its reason (an InterruptedError) ends the command with 130, as for every call.
    if (signal?.aborted === true) throw abortReason(signal);
    throw error;
  }
  if (signal?.aborted === true) throw abortReason(signal);
  throw new FlysimError(
    'FLYSIM_CONTROL_STREAM_ENDED',
    'the platform closed the stream before the operation finished',
    { hint: 'the `flysim up` process may have stopped; check its terminal' },
  );
}

function errorFrom(body: unknown, status: number | undefined): FlysimError {
  const error = (body as { error?: ErrorBody } | null)?.error;
  if (error !== undefined) return toFlysimError(error);
  return new FlysimError('FLYSIM_CONTROL_FAILED', `the control API answered ${status ?? '?'}`);
}

function toFlysimError(body: ErrorBody): FlysimError {
  const code = body.code.startsWith('FLYSIM_')
    ? (body.code as `FLYSIM_${string}`)
    : 'FLYSIM_CONTROL_FAILED';
  return new FlysimError(code, body.message, body.hint === undefined ? {} : { hint: body.hint });
}

function timedOut(path: string, timeoutMs: number): FlysimError {
  return new FlysimError(
    'FLYSIM_CONTROL_TIMEOUT',
    `the platform did not answer ${path} within ${timeoutMs}ms`,
    { hint: 'the `flysim up` process may be busy or stuck; check its terminal, or `flysim down`' },
  );
}

function connectionError(error: Error, url: string): Error {
  if (error instanceof FlysimError || error.name === 'AbortError') return error;

  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    return notRunning(`nothing answers at ${url}`);
  }
  return new FlysimError(
    'FLYSIM_CONTROL_FAILED',
    `cannot reach the platform at ${url}: ${error.message}`,
    {
      cause: error,
    },
  );
}

/** No platform runs for this app: the one message every talking command gives. */
export function notRunning(detail?: string): FlysimError {
  const why = detail === undefined ? '' : ` (${detail})`;
  return new FlysimError(
    'FLYSIM_CONTROL_NOT_RUNNING',
    `no flysim platform is running for this app${why}`,
    {
      hint: 'start one with `flysim up` in another terminal, or use `flysim deploy --once`',
    },
  );
}
