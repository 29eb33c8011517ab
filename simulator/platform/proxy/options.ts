import type { Clock } from '../../clock/clock.js';
import { FlysimError } from '../../errors.js';
import type { FlysimEventInput } from '../../events/event-types.js';
import type { LogEntryInput } from '../logs.js';
import type { MachineDirectory } from './directory.js';

/** A `[[services.ports]]` entry (or one of `[http_service]`'s two), as the proxy reads it. */
export interface ProxyServicePort {
  readonly port: number | undefined;
  readonly startPort?: number | undefined;
  readonly endPort?: number | undefined;
  readonly handlers: readonly string[];
  readonly forceHttps: boolean;
  readonly tlsOptions?:
    | {
        readonly alpn?: readonly string[] | undefined;
        readonly versions?: readonly string[] | undefined;
      }
    | undefined;
}

/** A service as the proxy reads it; the config's resolved `Service` fits this shape. */
export interface ProxyService {
  readonly internalPort: number;
  readonly ports: readonly ProxyServicePort[];
  readonly concurrency: {
    readonly type: string;
    readonly softLimit: number;
    readonly hardLimit: number | undefined;
  };
}

export interface EventSink {
  append(event: FlysimEventInput): unknown;
}

export interface LogSink {
  write(entry: LogEntryInput): unknown;
}

export interface EdgeProxyOptions {
  readonly app: string;
  readonly services: readonly ProxyService[];
  readonly directory: MachineDirectory;
  readonly clock: Clock;
  readonly events: EventSink;
  /** Where `proxy[...]` lines go (the platform's LogStore). */
  readonly logs: LogSink;
  /** The certificate lives in `<stateDir>/proxy/` (mode 0600) and is reused by later runs. */
  readonly stateDir: string;
  /** The edge region in `Fly-Region` and `Fly-Request-Id`. @default 'mad' */
  readonly region?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Host port per public port, e.g. `{ 80: 8080, 443: 8443 }`. A port not listed gets one the
   * OS picks (0), so two runs never collide; the chosen ports are in `listeners` and in the
   * `proxy.listener_started` events.
   */
  readonly hostPorts?: Readonly<Record<number, number>>;
  /** How long a request waits for a routable machine before its 503 (a deadline). @default 5000 */
  readonly noCandidateWaitMs?: number;
  /** How long `drain` waits for in-flight requests (a deadline). @default 30000 */
  readonly drainTimeoutMs?: number;
  /** How long `close` waits for in-flight requests before failing them. @default 30000 */
  readonly closeTimeoutMs?: number;
  /** A client must send its request headers within this. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** A client must send its whole request within this. @default 60000 */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connections close after this (Fly's `idle_timeout`). @default 60000 */
  readonly idleTimeoutMs?: number;
  /** Larger request heads get a 431. @default 16384 */
  readonly maxHeaderSize?: number;
  /** Keep-alive connections per machine. @default 64 */
  readonly upstreamConnections?: number;
  /** The machine must answer with headers within this (a deadline). @default 60000 */
  readonly upstreamHeadersTimeoutMs?: number;
}

export type ResolvedProxyOptions = Required<Omit<EdgeProxyOptions, 'hostPorts'>> & {
  readonly hostPorts: Readonly<Record<number, number>>;
};

export const PROXY_DEFAULTS = Object.freeze({
  region: 'mad',
  host: '127.0.0.1',
  noCandidateWaitMs: 5_000,
  drainTimeoutMs: 30_000,
  closeTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxHeaderSize: 16_384,
  upstreamConnections: 64,
  upstreamHeadersTimeoutMs: 60_000,
});

export function resolveProxyOptions(options: EdgeProxyOptions): ResolvedProxyOptions {
  const resolved = { ...PROXY_DEFAULTS, hostPorts: {}, ...withoutUndefined(options) };
  for (const key of Object.keys(PROXY_DEFAULTS) as (keyof typeof PROXY_DEFAULTS)[]) {
    const value = resolved[key];
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0))
      throw invalidOption(key, value);
  }
  return Object.freeze(resolved);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function invalidOption(key: string, value: unknown): FlysimError {
  return new FlysimError(
    'FLYSIM_PROXY_INVALID_OPTION',
    `Expected proxy option \`${key}\` to be a number of milliseconds (or bytes) ≥ 0, got \`${String(value)}\` (${typeof value})`,
    { hint: `Leave \`${key}\` unset for its default` },
  );
}
