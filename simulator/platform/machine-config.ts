import type { Signal } from '../runtime/container-runtime.js';

/** A health check in Machines API terms: durations in milliseconds. */
export interface MachineCheck {
  readonly type: 'http' | 'tcp';
  /** Container port; top-level checks fall back to the first service's internal port. */
  readonly port?: number;
  /** @default 15000 (docs' example; unconfirmed) */
  readonly intervalMs?: number;
  /** @default 2000 (docs' example; unconfirmed) */
  readonly timeoutMs?: number;
  /** @default 1000 (docs' example; unconfirmed) */
  readonly gracePeriodMs?: number;
  /** @default 'GET' */
  readonly method?: string;
  /** @default '/' */
  readonly path?: string;
  /** @default 'http' */
  readonly protocol?: 'http' | 'https';
  readonly tlsSkipVerify?: boolean;
  readonly tlsServerName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Nomad-era `restart_limit`: restart after this many consecutive failures. Fly Machines ignore
   * it; flysim honours it only when the platform's `legacyRestartLimit` option is on.
   */
  readonly restartLimit?: number;
}

export interface MachineServicePort {
  readonly port: number;
  readonly handlers?: readonly string[];
  readonly forceHttps?: boolean;
}

export interface MachineService {
  readonly protocol: 'tcp' | 'udp';
  readonly internalPort: number;
  readonly ports: readonly MachineServicePort[];
  /** `http_checks` and `tcp_checks` of the service, in that order. */
  readonly checks?: readonly MachineCheck[];
}

export type RestartPolicyName = 'no' | 'always' | 'on-failure';

export interface MachineRestart {
  readonly policy: RestartPolicyName;
  /** on-failure only. @default 10 */
  readonly maxRetries?: number;
}

export interface MachineMetadata {
  readonly processGroup?: string;
  readonly releaseVersion?: number;
  readonly releaseId?: string;
  readonly [key: string]: string | number | undefined;
}

/** What flyctl sends the Machines API for one machine (not fly.toml). */
export interface MachineConfig {
  readonly image: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly services?: readonly MachineService[];
  readonly checks?: Readonly<Record<string, MachineCheck>>;
  /** @default { policy: 'on-failure', maxRetries: 10 } */
  readonly restart?: MachineRestart;
  /** @default 'SIGINT' */
  readonly killSignal?: Signal;
  /** @default 5000 (max 300000) */
  readonly killTimeoutMs?: number;
  readonly metadata?: MachineMetadata;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Destroy the machine once it exits and its restart policy does not restart it. */
  readonly autoDestroy?: boolean;
}

export const DEFAULT_CHECK_INTERVAL_MS = 15_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
export const DEFAULT_CHECK_GRACE_PERIOD_MS = 1_000;
export const DEFAULT_MAX_RETRIES = 10;
export const DEFAULT_KILL_SIGNAL: Signal = 'SIGINT';
export const DEFAULT_KILL_TIMEOUT_MS = 5_000;
export const MAX_KILL_TIMEOUT_MS = 300_000;
export const DEFAULT_MEMORY_MB = 256;

/** Service checks are clamped by the platform to [1 s, 60 s]; grace may be 0 (§3.2). */
const SERVICE_CHECK_MIN_MS = 1_000;
const SERVICE_CHECK_MAX_MS = 60_000;

export type ResolvedCheck = Required<
  Omit<MachineCheck, 'tlsServerName' | 'restartLimit' | 'port'>
> & {
  readonly name: string;
  readonly kind: 'service' | 'toplevel';
  readonly port: number;
  readonly tlsServerName: string | undefined;
  readonly restartLimit: number | undefined;
  /** Public ports of the service a service check belongs to, for its log line. */
  readonly servicePorts: readonly number[];
};

/** Resolves every check of a config with its Fly name, defaults and clamps. */
export function resolveChecks(config: MachineConfig): ResolvedCheck[] {
  const services = config.services ?? [];
  const serviceChecks = services.flatMap((service, index) =>
    (service.checks ?? []).map((check) => resolveServiceCheck(check, service, index)),
  );
  const fallbackPort = services[0]?.internalPort ?? 0;
  const topLevel = Object.entries(config.checks ?? {}).map(([name, check]) =>
    resolveCheck(check, name, 'toplevel', check.port ?? fallbackPort, []),
  );
  return [...serviceChecks, ...topLevel];
}

function resolveServiceCheck(
  check: MachineCheck,
  service: MachineService,
  index: number,
): ResolvedCheck {
  const name = `servicecheck-${String(index).padStart(2, '0')}-${check.type}-${service.internalPort}`;
  const clamped = {
    ...check,
    intervalMs: clamp(check.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS, SERVICE_CHECK_MIN_MS),
    timeoutMs: clamp(check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, SERVICE_CHECK_MIN_MS),
    gracePeriodMs: clamp(check.gracePeriodMs ?? DEFAULT_CHECK_GRACE_PERIOD_MS, 0),
  };
  const publicPorts = service.ports.map((port) => port.port);
  return resolveCheck(clamped, name, 'service', service.internalPort, publicPorts);
}

function resolveCheck(
  check: MachineCheck,
  name: string,
  kind: ResolvedCheck['kind'],
  port: number,
  servicePorts: readonly number[],
): ResolvedCheck {
  return {
    ...{ name, kind, type: check.type, port, servicePorts },
    intervalMs: check.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS,
    timeoutMs: check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
    gracePeriodMs: check.gracePeriodMs ?? DEFAULT_CHECK_GRACE_PERIOD_MS,
    method: check.method ?? 'GET',
    path: check.path ?? '/',
    protocol: check.protocol ?? 'http',
    tlsSkipVerify: check.tlsSkipVerify ?? false,
    tlsServerName: check.tlsServerName,
    headers: check.headers ?? {},
    restartLimit: check.restartLimit,
  };
}

function clamp(ms: number, minMs: number): number {
  return Math.min(SERVICE_CHECK_MAX_MS, Math.max(minMs, ms));
}

export function resolveKillTimeoutMs(config: MachineConfig): number {
  return Math.min(
    MAX_KILL_TIMEOUT_MS,
    Math.max(0, config.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS),
  );
}

/** Container ports to publish on the host: every service's internal port and every check port. */
export function publishedPorts(config: MachineConfig): number[] {
  const ports = (config.services ?? []).map((service) => service.internalPort);
  const checkPorts = resolveChecks(config).map((check) => check.port);
  return [...new Set([...ports, ...checkPorts])].filter((port) => port > 0);
}
