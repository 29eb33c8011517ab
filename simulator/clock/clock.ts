/**
 * What a duration guards, which decides whether `--speed` shortens it (docs/platform.md, "Time").
 * - `pause`: the platform waits for time to pass and nothing else (grace periods, check intervals,
 *   restart back-off, the smoke window, bluegreen's pauses). Scaled: real = platform / speed.
 * - `deadline`: the platform waits for work inside a container and gives up at the end (a check's
 *   timeout, kill_timeout, release_command_timeout, wait_timeout). Never scaled, because the work
 *   runs at real speed and a shortened deadline would fire where it would not fire on Fly.
 */
export type DurationKind = 'pause' | 'deadline';

export const DURATION_KINDS = ['pause', 'deadline'] as const satisfies readonly DurationKind[];

/** A scheduled callback that can be cancelled; cancelling twice is harmless. */
export interface Timer {
  cancel(): void;
}

/**
 * Every wait and timer in flysim goes through a Clock. Durations passed in are platform
 * milliseconds (what fly.toml says); `kind` says whether `speed` shortens them.
 */
export interface Clock {
  /** How many times faster than real time pauses run; 1 for the virtual clock. */
  readonly speed: number;
  /** Platform time, epoch milliseconds: what a timeline shows. */
  now(): number;
  /** Wall-clock time, epoch milliseconds: what really elapsed. */
  wallNow(): number;
  /** Resolves after `ms` platform milliseconds; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal, kind?: DurationKind): Promise<void>;
  /** Calls `callback` once after `ms` platform milliseconds unless cancelled first. */
  setTimer(ms: number, callback: () => void, kind?: DurationKind): Timer;
  /** An AbortSignal that aborts after `ms` (a deadline by default), for guarding real work. */
  timeoutSignal(ms: number, kind?: DurationKind): AbortSignal;
}

/** The time-scaling rule as one function, so it is written once and tested once. */
export function toRealMs(platformMs: number, kind: DurationKind, speed: number): number {
  if (!(platformMs >= 0)) return 0;
  return kind === 'pause' ? platformMs / speed : platformMs;
}

/** The error a clock wait rejects with when its signal aborts and no reason was given. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;

  return new DOMException(`The operation was aborted: ${String(reason)}`, 'AbortError');
}
