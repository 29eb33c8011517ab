// Ctrl-C and SIGTERM as an AbortSignal, so long commands tear down through the same path.

export interface ProcessInterrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Aborts on the first SIGINT or SIGTERM. Later signals are swallowed while the teardown runs
 * (it is bounded), because leaving containers behind is worse than a few more seconds.
 */
export function processInterrupt(): ProcessInterrupt {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (!controller.signal.aborted) controller.abort(new InterruptedError(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The abort reason when the user stopped the command. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly signal: string;

  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}
