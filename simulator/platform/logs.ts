import type { Clock } from '../clock/clock.js';

export type LogProvider = 'app' | 'runner' | 'health' | 'proxy';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntryInput {
  readonly app: string;
  readonly machineId: string;
  readonly region: string;
  readonly provider: LogProvider;
  readonly level: LogLevel;
  readonly message: string;
}

export interface LogEntry extends LogEntryInput {
  readonly seq: number;
  readonly platformTime: number;
}

export interface LogFilter {
  readonly app?: string;
  readonly machineId?: string;
  /** Platform time, inclusive. */
  readonly since?: number;
  /** Only the last `limit` matching entries. */
  readonly limit?: number;
}

/**
 * One line as `fly logs` prints it (fly-platform.md §5.5): second-precision UTC time, then
 * `provider[machine id] region [level]` and the message right after `]`, no space added.
 */
export function formatLogLine(entry: LogEntry): string {
  const time = new Date(entry.platformTime).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${time} ${entry.provider}[${entry.machineId}] ${entry.region} [${entry.level}]${entry.message}`;
}

export interface LogStoreOptions {
  readonly clock: Clock;
  /** Applied to every message before it is stored: secret values never reach a log line. */
  readonly redact?: (text: string) => string;
  /** Oldest entries are dropped beyond this many. @default 100000 */
  readonly maxEntries?: number;
}

type LogListener = (entry: LogEntry) => void;

/** Every machine's output and the platform's own lines, queryable and streamable. */
export class LogStore {
  readonly #clock: Clock;
  readonly #redact: (text: string) => string;
  readonly #maxEntries: number;
  readonly #entries: LogEntry[] = [];
  readonly #listeners = new Set<LogListener>();
  #seq = 0;

  constructor(options: LogStoreOptions) {
    this.#clock = options.clock;
    this.#redact = options.redact ?? ((text) => text);
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  write(input: LogEntryInput): LogEntry {
    const entry: LogEntry = Object.freeze({
      ...input,
      message: this.#redact(input.message),
      seq: ++this.#seq,
      platformTime: this.#clock.now(),
    });
    this.#entries.push(entry);
    if (this.#entries.length > this.#maxEntries) this.#entries.shift();

    for (const listener of [...this.#listeners]) listener(entry);
    return entry;
  }

  query(filter: LogFilter = {}): LogEntry[] {
    const matching = this.#entries.filter((entry) => matches(entry, filter));
    return filter.limit === undefined ? matching : matching.slice(-filter.limit);
  }

  /** The matching entries as `fly logs` lines. */
  lines(filter: LogFilter = {}): string[] {
    return this.query(filter).map(formatLogLine);
  }

  subscribe(listener: LogListener, filter: LogFilter = {}): () => void {
    const filtered: LogListener = (entry) => {
      if (matches(entry, filter)) listener(entry);
    };
    this.#listeners.add(filtered);
    return () => void this.#listeners.delete(filtered);
  }

  /** Recent entries first (like `fly logs`), then new ones as they arrive, until `signal` aborts. */
  async *stream(filter: LogFilter, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const queue: LogEntry[] = this.query(filter);
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe(
      (entry) => {
        queue.push(entry);
        wake?.();
      },
      { ...filter, limit: undefined, since: undefined },
    );

    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await waitFor(signal, (resolve) => (wake = resolve));
      }
    } finally {
      unsubscribe();
    }
  }
}

function waitFor(signal: AbortSignal, register: (resolve: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    register(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function matches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.app !== undefined && entry.app !== filter.app) return false;
  if (filter.machineId !== undefined && entry.machineId !== filter.machineId) return false;
  return filter.since === undefined || entry.platformTime >= filter.since;
}
