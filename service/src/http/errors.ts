import type { ErrorRequestHandler, RequestHandler } from 'express';
import { describeError, HttpError } from '../errors.js';
import type { Logger } from '../logger.js';

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `no route for ${req.method} ${req.path}`));
};

/** Last in the chain: every failure leaves as `{ error }` JSON; only 5xx are logged. */
export function handleErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const { status, message } = toHttpFailure(error);
    if (status >= 500) logger.error(`${req.method} ${req.path} failed: ${describeError(error)}`);

    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json({ error: message });
  };
}

export function toHttpFailure(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };

  const type = bodyParserType(error);
  if (type === 'entity.parse.failed')
    return { status: 400, message: 'request body is not valid JSON' };
  if (type === 'entity.too.large') return { status: 413, message: 'request body is too large' };
  if (type !== undefined) return { status: 400, message: `request body rejected (${type})` };

  return { status: 500, message: 'internal error' };
}

/** express.json() marks its errors with a `type` such as `entity.parse.failed`. */
function bodyParserType(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  return typeof error.type === 'string' ? error.type : undefined;
}
