import { FlysimError } from '../errors.js';
import { abortReason, type Clock, type DurationKind, type Timer } from './clock.js';

/** 2026-01-01T00:00:00Z: a round start so timelines in tests read easily. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

interface PendingTimer {
  readonly dueMs: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export interface RunUntilIdleOptions {
  /** Stop after this much platform time even if timers remain (a crash loop never idles). */
  readonly maxMs?: number;
  /** Stop after firing this many timers. */
  readonly maxTimers?: number;
}

/**
 * Time that moves only when a test says so. Timers fire in due order (ties in creation order)
 * and the promise jobs each one starts run before the next fires, so a test reads as a timeline.
 * Both kinds of duration advance it by their platform length: there is no real work to guard.
 */
export class VirtualClock implements Clock {
  readonly speed = 1;
  #nowMs: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  constructor(startMs: number = VIRTUAL_EPOCH_MS) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  wallNow(): number {
    return this.#nowMs;
  }

  /** Platform milliseconds elapsed since `startMs`: handy for exact timelines. */
  elapsed(startMs: number = VIRTUAL_EPOCH_MS): number {
    return this.#nowMs - startMs;
  }

  get pendingTimers(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  sleep(ms: number, signal?: AbortSignal, _kind?: DurationKind): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));

      const onAbort = (): void => {
        timer.cancel();
        reject(abortReason(signal as AbortSignal));
      };
      const timer = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(ms: number, callback: () => void, _kind?: DurationKind): Timer {
    const timer: PendingTimer = {
      dueMs: this.#nowMs + Math.max(0, ms),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  timeoutSignal(ms: number, _kind?: DurationKind): AbortSignal {
    const controller = new AbortController();
    this.setTimer(ms, () => controller.abort(new DOMException('timed out', 'TimeoutError')));
    return controller.signal;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) {
      throw new FlysimError('FLYSIM_CLOCK_INVALID_ADVANCE', `Expected ms >= 0, got ${ms}`);
    }

    await this.advanceTo(this.#nowMs + ms);
  }

  /** Moves time forward to `targetMs`, firing every timer due on the way. */
  async advanceTo(targetMs: number): Promise<void> {
    await settle();

    for (let next = this.#nextDue(targetMs); next; next = this.#nextDue(targetMs)) {
      await this.#fire(next);
    }

    this.#nowMs = Math.max(this.#nowMs, targetMs);
    await settle();
  }

  /** Fires timers until none remain or a bound is reached; returns how many fired. */
  async runUntilIdle(options: RunUntilIdleOptions = {}): Promise<number> {
    const limitMs = this.#nowMs + (options.maxMs ?? 3_600_000);
    const maxTimers = options.maxTimers ?? 100_000;
    let fired = 0;
    await settle();

    for (
      let next = this.#nextDue(limitMs);
      next && fired < maxTimers;
      next = this.#nextDue(limitMs)
    ) {
      await this.#fire(next);
      fired++;
    }
    return fired;
  }

  async #fire(timer: PendingTimer): Promise<void> {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#nowMs = Math.max(this.#nowMs, timer.dueMs);
    timer.callback();
    await settle();
  }

  #nextDue(limitMs: number): PendingTimer | undefined {
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.dueMs > limitMs) continue;
      if (!best || timer.dueMs < best.dueMs || (timer.dueMs === best.dueMs && timer.seq < best.seq))
        best = timer;
    }
    return best;
  }
}

/**
 * Lets every promise job started by a timer run before time moves on. A macrotask turn drains
 * the microtask queue; a few turns cover code that awaits across `setImmediate` boundaries.
 */
async function settle(turns = 4): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
