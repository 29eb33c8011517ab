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
  /**
   * How many of the latest `proxy.request_served` events are kept; older ones are dropped and
   * counted in `droppedRequests`. Every other event is kept for the whole run.
   * @default 10_000
   */
  readonly requestEventLimit?: number;
}

/**
 * One per request through the edge proxy: a load test makes millions, and the run must not hold
 * them all (about 600 bytes each) nor scan them on every query a deploy makes.
 */
const REQUEST_EVENT = 'proxy.request_served';
const DEFAULT_REQUEST_EVENT_LIMIT = 10_000;

/**
 * The run's append-only record; every report and expectation is a view of it. Request events are
 * the one exception to "append-only": only the latest `requestEventLimit` of them are kept.
 */
export class EventLog {
  readonly #clock: Clock;
  readonly #redact: ((text: string) => string) | undefined;
  readonly #requestLimit: number;
  readonly #events: FlysimEvent[] = [];
  readonly #listeners = new Set<EventListener>();
  /** Request events, oldest first; trimmed in batches, so it may briefly hold twice the limit. */
  #requests: FlysimEvent[] = [];
  #seq = 0;
  #droppedRequests = 0;

  constructor(options: EventLogOptions) {
    this.#clock = options.clock;
    this.#redact = options.redact;
    this.#requestLimit = options.requestEventLimit ?? DEFAULT_REQUEST_EVENT_LIMIT;
  }

  /** How many events were ever appended, which is the `seq` of the latest one. */
  get size(): number {
    return this.#seq;
  }

  /** Request events no longer kept: older than the latest `requestEventLimit`. */
  get droppedRequests(): number {
    return this.#droppedRequests + Math.max(0, this.#requests.length - this.#requestLimit);
  }

  append<E extends FlysimEventInput>(input: E): E & FlysimEvent {
    const stamped = {
      ...this.#scrub(input),
      seq: ++this.#seq,
      platformTime: this.#clock.now(),
      wallTime: this.#clock.wallNow(),
    } as E & FlysimEvent;
    Object.freeze(stamped);
    if (stamped.type === REQUEST_EVENT) this.#keepRequest(stamped);
    else this.#events.push(stamped);

    for (const listener of [...this.#listeners]) listener(stamped);
    return stamped;
  }

  /** Calls `listener` for every event appended from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The kept events that pass `filter`, in append order. */
  query<T extends FlysimEventType = FlysimEventType>(
    filter: EventFilter<T> = {},
  ): EventOfType<T>[] {
    const pass = (event: FlysimEvent): boolean => matches(event, filter);
    const others = wantsOthers(filter) ? this.#events.filter(pass) : [];
    const requests = wantsRequests(filter) ? this.#keptRequests().filter(pass) : [];
    return mergeBySeq(others, requests) as EventOfType<T>[];
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

  #keepRequest(event: FlysimEvent): void {
    this.#requests.push(event);
    if (this.#requests.length < 2 * this.#requestLimit) return;

    // Trimming once per `limit` appends keeps the cost per append constant.
    const excess = this.#requests.length - this.#requestLimit;
    this.#requests = this.#requests.slice(excess);
    this.#droppedRequests += excess;
  }

  #keptRequests(): FlysimEvent[] {
    const excess = this.#requests.length - this.#requestLimit;
    return excess > 0 ? this.#requests.slice(excess) : this.#requests;
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

function wantsRequests(filter: EventFilter): boolean {
  return filter.type === undefined || typeMatches(REQUEST_EVENT, filter.type);
}

function wantsOthers(filter: EventFilter): boolean {
  const { type } = filter;
  if (type === undefined) return true;
  return typeof type === 'string' ? type !== REQUEST_EVENT : type.some((t) => t !== REQUEST_EVENT);
}

/** Two lists each in `seq` order, as one (two sorted runs: the sort merges them in one pass). */
function mergeBySeq(a: FlysimEvent[], b: FlysimEvent[]): FlysimEvent[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...a, ...b].sort((x, y) => x.seq - y.seq);
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
