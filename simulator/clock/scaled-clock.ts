import { FlysimError } from '../errors.js';
import { abortReason, toRealMs, type Clock, type DurationKind, type Timer } from './clock.js';

export interface ScaledClockOptions {
  /**
   * How many times faster pauses run than on Fly.
   * @default 1
   */
  readonly speed?: number;
  /** Injected for tests of the scaling arithmetic; `Date.now` otherwise. */
  readonly wallNow?: () => number;
}

/**
 * Real time with pauses shortened by `speed`. Platform time starts at the wall time of
 * construction and then runs `speed` times faster, so a 15 s interval at speed 5 shows as 15 s on
 * the timeline after 3 s of wall time.
 */
export class ScaledClock implements Clock {
  readonly speed: number;
  readonly #wallNow: () => number;
  readonly #startWallMs: number;

  constructor(options: ScaledClockOptions = {}) {
    this.speed = validateSpeed(options.speed ?? 1);
    this.#wallNow = options.wallNow ?? Date.now;
    this.#startWallMs = this.#wallNow();
  }

  now(): number {
    return this.#startWallMs + (this.#wallNow() - this.#startWallMs) * this.speed;
  }

  wallNow(): number {
    return this.#wallNow();
  }

  sleep(ms: number, signal?: AbortSignal, kind: DurationKind = 'pause'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));

      const onAbort = (): void => {
        timer.cancel();
        reject(abortReason(signal as AbortSignal));
      };
      const timer = this.setTimer(
        ms,
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        kind,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(ms: number, callback: () => void, kind: DurationKind = 'pause'): Timer {
    const handle = setTimeout(callback, toRealMs(ms, kind, this.speed));
    return { cancel: () => clearTimeout(handle) };
  }

  timeoutSignal(ms: number, kind: DurationKind = 'deadline'): AbortSignal {
    return AbortSignal.timeout(Math.max(0, Math.round(toRealMs(ms, kind, this.speed))));
  }
}

function validateSpeed(speed: number): number {
  if (Number.isFinite(speed) && speed > 0) return speed;

  throw new FlysimError(
    'FLYSIM_CLOCK_INVALID_SPEED',
    `Expected speed to be a finite number above 0, got \`${String(speed)}\` (${typeof speed})`,
    { hint: 'Pass --speed 1 for real time, or --speed 20 to run platform timers 20 times faster' },
  );
}
