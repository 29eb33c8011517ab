import type { RequestHandler } from 'express';
import type { ServerResponse } from 'node:http';

/**
 * Tracks the responses not yet finished, so a shutdown can let them complete on connections
 * that then close instead of staying open for keep-alive.
 */
export class InFlightRequests {
  readonly #responses = new Set<ServerResponse>();
  #onFinished: (() => void) | undefined;

  get size(): number {
    return this.#responses.size;
  }

  readonly middleware: RequestHandler = (_req, res, next) => {
    this.#responses.add(res);
    if (this.#onFinished !== undefined) res.setHeader('Connection', 'close');

    res.once('close', () => {
      this.#responses.delete(res);
      this.#onFinished?.();
    });
    next();
  };

  /**
   * From now on every response asks its connection to close, and `onFinished` runs after each
   * one ends (the server uses it to drop connections that just went idle).
   */
  drain(onFinished: () => void): void {
    this.#onFinished = onFinished;

    for (const res of this.#responses) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
  }
}
