import type { Clock } from '../clock/clock.js';
import { abortReason } from '../clock/clock.js';
import type { EventOfType, FlysimEvent, FlysimEventInput, FlysimEventType } from './event-types.js';

export type EventListener = (event: FlysimEvent) => void;

export interface EventFilter<T extends FlysimEventType = FlysimEventType> {
  readonly type?: T | readonly T[];
  readonly app?: string;
  readonly machineId?: string;
  /** Platform time, inclusive. */
  readonly since?: number;
  /** Platform time, inclusive. */
  readonly until?: number;
}

export interface EventLogOptions {
  readonly clock: Clock;
  /**
   * Scrubs secret values from every string an event holds. Events are built without secret
   * values; this is the second lock on the same door.
   */
  readonly redact?: (text: string) => string;
}

/** The run's append-only record; every report and expectation is a view of it. */
export class EventLog {
  readonly #clock: Clock;
  readonly #redact: ((text: string) => string) | undefined;
  readonly #events: FlysimEvent[] = [];
  readonly #listeners = new Set<EventListener>();

  constructor(options: EventLogOptions) {
    this.#clock = options.clock;
    this.#redact = options.redact;
  }

  get size(): number {
    return this.#events.length;
  }

  append<E extends FlysimEventInput>(input: E): E & FlysimEvent {
    const stamped = {
      ...this.#scrub(input),
      seq: this.#events.length + 1,
      platformTime: this.#clock.now(),
      wallTime: this.#clock.wallNow(),
    } as E & FlysimEvent;
    this.#events.push(Object.freeze(stamped));

    for (const listener of [...this.#listeners]) listener(stamped);
    return stamped;
  }

  /** Calls `listener` for every event appended from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  query<T extends FlysimEventType = FlysimEventType>(
    filter: EventFilter<T> = {},
  ): EventOfType<T>[] {
    return this.#events.filter((event) => matches(event, filter)) as EventOfType<T>[];
  }

  /** Resolves with the first event from now on that passes `predicate`. */
  next<T extends FlysimEventType>(
    filter: EventFilter<T>,
    signal?: AbortSignal,
    predicate: (event: EventOfType<T>) => boolean = () => true,
  ): Promise<EventOfType<T>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));

      const onAbort = (): void => {
        unsubscribe();
        reject(abortReason(signal as AbortSignal));
      };
      const unsubscribe = this.subscribe((event) => {
        if (!matches(event, filter) || !predicate(event as EventOfType<T>)) return;

        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(event as EventOfType<T>);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** One JSON object per line, in append order, ending with a newline when not empty. */
  toJsonLines(filter: EventFilter = {}): string {
    return this.query(filter)
      .map((event) => `${JSON.stringify(event)}\n`)
      .join('');
  }

  #scrub<E extends FlysimEventInput>(input: E): E {
    const redact = this.#redact;
    if (!redact) return input;

    return scrubValue(input, redact) as E;
  }
}

function scrubValue(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, redact));
  if (value === null || typeof value !== 'object') return value;

  const entries = Object.entries(value).map(([key, item]) => [key, scrubValue(item, redact)]);
  return Object.fromEntries(entries);
}

function matches(event: FlysimEvent, filter: EventFilter): boolean {
  if (filter.type !== undefined && !typeMatches(event.type, filter.type)) return false;
  if (filter.app !== undefined && !('app' in event && event.app === filter.app)) return false;
  if (
    filter.machineId !== undefined &&
    !('machineId' in event && event.machineId === filter.machineId)
  )
    return false;

  if (filter.since !== undefined && event.platformTime < filter.since) return false;
  return filter.until === undefined || event.platformTime <= filter.until;
}

function typeMatches(
  type: FlysimEventType,
  wanted: FlysimEventType | readonly FlysimEventType[],
): boolean {
  return typeof wanted === 'string' ? type === wanted : wanted.includes(type);
}
