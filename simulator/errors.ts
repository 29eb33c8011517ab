/**
 * A stable code callers can match on. Every code starts with `FLYSIM_`; modules add their own
 * (`FLYSIM_MACHINE_ILLEGAL_TRANSITION`, `FLYSIM_RUNTIME_BUILD_FAILED`, ...).
 */
export type FlysimErrorCode = `FLYSIM_${string}`;

export interface FlysimErrorOptions {
  readonly cause?: unknown;
  /** The next step for a person, printed by the CLI below the message. */
  readonly hint?: string;
}

/** The one error class of flysim: a message that names the thing, a stable code, the cause. */
export class FlysimError extends Error {
  override readonly name = 'FlysimError';
  readonly code: FlysimErrorCode;
  readonly hint: string | undefined;

  constructor(code: FlysimErrorCode, message: string, options: FlysimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

export function isFlysimError(error: unknown, code?: FlysimErrorCode): error is FlysimError {
  return error instanceof FlysimError && (code === undefined || error.code === code);
}
