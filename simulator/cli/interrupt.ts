// Ctrl-C and its relatives as an AbortSignal, so long commands tear down through the same path.

import type { Writable } from 'node:stream';

/** The signals that end a command: Ctrl-C, `kill`, and a closed terminal (or SSH session). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface ProcessInterrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Aborts on the first SIGINT, SIGTERM or SIGHUP, or when stdout or stderr is closed under it
 * (`flysim logs | head`). Without this, Node's default for SIGHUP and for a write to a closed pipe
 * is to die at once, leaving the run's containers behind. Later signals are swallowed while the
 * teardown runs (it is bounded), because leaving containers behind is worse than a few seconds.
 */
export function processInterrupt(
  outputs: readonly Writable[] = [process.stdout, process.stderr],
): ProcessInterrupt {
  const controller = new AbortController();
  const stop = (reason: string): void => {
    if (!controller.signal.aborted) controller.abort(new InterruptedError(reason));
  };
  const onSignal = (name: NodeJS.Signals): void => stop(name);
  // A closed reader (EPIPE) or a gone terminal (EIO): the output is unusable, so the command
  // stops as if interrupted, and tears down instead of dying on an unhandled error.
  const onOutputError = (error: NodeJS.ErrnoException): void => stop(error.code ?? 'EPIPE');

  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  for (const output of outputs) output.on('error', onOutputError);

  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
      for (const output of outputs) output.off('error', onOutputError);
    },
  };
}

/** The abort reason when the user (or a closed terminal or pipe) stopped the command. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly signal: string;

  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}
