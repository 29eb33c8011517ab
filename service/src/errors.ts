/** A failure the HTTP layer turns into a status code and a `{ error }` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * One line for a log or a terminal. pg rejects a refused connection to `localhost` with an
 * AggregateError whose own message is empty (one error per address tried), so dig into it.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const first: unknown = error.errors[0];
    return first === undefined ? 'AggregateError' : describeError(first);
  }

  if (error instanceof Error) {
    const code = errorCode(error);
    const message = error.message === '' ? error.name : error.message;
    const described =
      code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
    return described.replace(/\s+/g, ' ').trim();
  }
  return String(error);
}

/** The `code` a Node or pg error carries, e.g. `ECONNREFUSED` or `23503`. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
