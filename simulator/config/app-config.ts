// The resolved, frozen configuration the rest of flysim consumes: defaults filled in, legacy
// shapes gone, http_service expanded, sections sorted into process groups, units in names.

export type DeployStrategy = 'rolling' | 'immediate' | 'canary' | 'bluegreen';
export type RestartPolicyName = 'always' | 'no' | 'on-failure';
export type AutoStop = 'off' | 'stop' | 'suspend';

/** Defaults from reference §0.1 and §1; `[UNCONFIRMED]` choices are listed in docs/config.md. */
interface Defaults {
  readonly strategy: DeployStrategy;
  readonly restartPolicy: RestartPolicyName;
  readonly concurrencyType: 'connections';
  readonly checkProtocol: 'http';
}

// `satisfies` keeps the literal types without assertions.
export const DEFAULTS = Object.freeze({
  strategy: 'rolling',
  maxUnavailable: 0.33,
  waitTimeoutMs: 5 * 60_000,
  releaseCommandTimeoutMs: 5 * 60_000,
  killSignal: 'SIGINT',
  killTimeoutMs: 5_000,
  restartPolicy: 'on-failure',
  restartMaxRetries: 10,
  restartWindowMs: 5 * 60_000,
  concurrencyType: 'connections',
  concurrencySoftLimit: 20,
  checkIntervalMs: 15_000,
  checkTimeoutMs: 2_000,
  checkGracePeriodMs: 1_000,
  checkPath: '/',
  checkMethod: 'GET',
  checkProtocol: 'http',
} satisfies Defaults & Record<string, unknown>);

export interface AppConfig {
  /** The file this came from, as given. */
  readonly configPath: string;
  readonly app: string | undefined;
  readonly primaryRegion: string | undefined;
  /** @default "SIGINT" */
  readonly killSignal: string;
  /** @default 5000 */
  readonly killTimeoutMs: number;
  readonly build: BuildConfig;
  readonly deploy: DeployConfig;
  /** `[env]` as written (values stringified); groups add FLY_PROCESS_GROUP and PRIMARY_REGION. */
  readonly env: Readonly<Record<string, string>>;
  /** `app` when it is a group, else the first group in sorted order. */
  readonly defaultProcessGroup: string;
  readonly processGroups: readonly ProcessGroup[];
  readonly experimental: ExperimentalConfig;
}

export interface BuildConfig {
  readonly image: string | undefined;
  readonly dockerfile: string | undefined;
  readonly ignorefile: string | undefined;
  /** `build-target` (legacy `build_target`). */
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
}

export interface DeployConfig {
  /** @default "rolling" */
  readonly strategy: DeployStrategy;
  /** A fraction of started machines (< 1) or a count (>= 1). @default 0.33 */
  readonly maxUnavailable: number;
  /** @default 300000 */
  readonly waitTimeoutMs: number;
  readonly releaseCommand: string | undefined;
  /** `release_command` split into words, as the release machine's CMD. */
  readonly releaseCommandArgv: readonly string[] | undefined;
  /** @default 300000 */
  readonly releaseCommandTimeoutMs: number;
}

export interface ExperimentalConfig {
  readonly cmd: readonly string[] | undefined;
  readonly entrypoint: readonly string[] | undefined;
  readonly exec: readonly string[] | undefined;
}

export interface ProcessGroup {
  readonly name: string;
  /** `[processes]` command as written; undefined means the image's CMD. */
  readonly command: string | undefined;
  /** The command split into words (replaces CMD, keeps ENTRYPOINT); else experimental.cmd. */
  readonly cmd: readonly string[] | undefined;
  /** `[env]` + `FLY_PROCESS_GROUP` + `PRIMARY_REGION` (flyctl's always win). */
  readonly env: Readonly<Record<string, string>>;
  readonly services: readonly Service[];
  /** Top-level `[checks]` for this group: informational, never routing. */
  readonly checks: readonly TopLevelCheck[];
  readonly restart: RestartPolicy;
  readonly mounts: readonly Mount[];
}

export interface Service {
  /** `http_service` or `services.<i>`: where it came from. */
  readonly origin: string;
  readonly protocol: string;
  /** 0 when unset: flyctl sends 0 (the docs' 8080 is only what `fly launch` writes). */
  readonly internalPort: number;
  readonly ports: readonly ServicePort[];
  readonly concurrency: Concurrency;
  readonly checks: readonly ServiceCheck[];
  readonly processes: readonly string[];
  readonly autoStopMachines: AutoStop | undefined;
  readonly autoStartMachines: boolean | undefined;
  readonly minMachinesRunning: number | undefined;
}

export interface ServicePort {
  readonly port: number | undefined;
  readonly startPort: number | undefined;
  readonly endPort: number | undefined;
  readonly handlers: readonly string[];
  readonly forceHttps: boolean;
  readonly tlsOptions: TlsOptions | undefined;
}

export interface TlsOptions {
  readonly alpn: readonly string[] | undefined;
  readonly versions: readonly string[] | undefined;
  readonly defaultSelfSigned: boolean;
}

export interface Concurrency {
  /** @default "connections" */
  readonly type: string;
  /** @default 20 */
  readonly softLimit: number;
  /** undefined: unlimited. */
  readonly hardLimit: number | undefined;
}

export interface CheckTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly gracePeriodMs: number;
}

export interface HttpCheckSpec {
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
  readonly tlsSkipVerify: boolean;
  readonly tlsServerName: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ServiceCheck extends CheckTiming {
  /** As Fly names it: `servicecheck-00-http-8080` (index within the service). */
  readonly name: string;
  readonly kind: 'tcp' | 'http';
  readonly port: number;
  readonly http: HttpCheckSpec | undefined;
  /** Nomad-era key Fly Machines ignore; kept for the opt-in legacy restart behaviour. */
  readonly restartLimit?: number;
}

export interface TopLevelCheck extends CheckTiming {
  readonly name: string;
  readonly kind: 'tcp' | 'http';
  /** `port`, else the group's http_service internal_port; undefined when neither exists. */
  readonly port: number | undefined;
  readonly http: HttpCheckSpec | undefined;
}

export interface RestartPolicy {
  /** @default "on-failure" */
  readonly policy: RestartPolicyName;
  /** @default 10 */
  readonly maxRetries: number;
  /** Retries count within this window. @default 300000 */
  readonly windowMs: number;
}

export interface Mount {
  readonly source: string;
  readonly destination: string;
}
