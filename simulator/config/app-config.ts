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
  /** `swap_size_mb`: sent as `init.swap_size_mb` to app, release, console and test machines. */
  readonly swapSizeMb: number | undefined;
  /** `console_command` as written (used by `fly console`, which flysim does not have). */
  readonly consoleCommand: string | undefined;
  readonly consoleCommandArgv: readonly string[] | undefined;
  /** Top-level `host_dedication_id`; a group's `[[vm]]` may override it (ProcessGroup). */
  readonly hostDedicationId: string | undefined;
  /** `[[statics]]`: every app machine gets all of them (they have no `processes`). */
  readonly statics: readonly StaticMapping[];
  /** Top-level `[[machine_checks]]` (service ones live on each Service). */
  readonly machineChecks: readonly MachineCheckSpec[];
  /** `machine_config` (or `experimental.machine_config`): the base every app machine starts from. */
  readonly machineConfig: MachineConfigSource | undefined;
  /** Top-level settings whose value above is flysim's default, not the file's. */
  readonly defaulted: readonly ('killSignal' | 'killTimeoutMs')[];
}

/** Inline JSON (a value starting with `{`), a file path, or JSON that does not parse. */
export type MachineConfigSource =
  | { readonly kind: 'inline'; readonly json: Readonly<Record<string, unknown>> }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'invalid'; readonly error: string };

export interface StaticMapping {
  readonly guestPath: string;
  readonly urlPrefix: string;
  readonly tigrisBucket: string | undefined;
  readonly indexDocument: string | undefined;
}

/** One `machine_checks` entry: a command run in a throwaway test machine (reference §3.4). */
export interface MachineCheckSpec {
  /** Where it came from: `http_service.machine_checks.0`, `services.1.machine_checks.0`, ... */
  readonly origin: string;
  readonly command: readonly string[] | undefined;
  readonly image: string | undefined;
  readonly entrypoint: readonly string[] | undefined;
  readonly killSignal: string | undefined;
  readonly killTimeoutMs: number | undefined;
}

/** A machine size in Machines API terms (reference §1.10). */
export interface MachineGuestSpec {
  readonly cpuKind: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly maxMemoryMb: number | undefined;
  readonly gpus: number | undefined;
  readonly gpuKind: string | undefined;
  readonly kernelArgs: readonly string[] | undefined;
  readonly hostDedicationId: string | undefined;
  readonly persistRootfs: string | undefined;
}

/** A `[[vm]]` section resolved to a guest; `error` is flyctl's text when it cannot be. */
export interface VmConfig {
  readonly guest: MachineGuestSpec | undefined;
  readonly error: string | undefined;
}

export interface MetricsConfig {
  readonly port: number | undefined;
  readonly path: string | undefined;
  readonly https: boolean;
}

/** `[[files]]`: exactly one source is set when the file is valid. */
export interface FileSpec {
  readonly guestPath: string;
  /** Written into the machine as is (flyctl base64-encodes it for the API). */
  readonly rawValue: string | undefined;
  /** Read at deploy time, relative to the working directory. */
  readonly localPath: string | undefined;
  /** A secret whose value is the file's base64 content. */
  readonly secretName: string | undefined;
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
  /** `[deploy.release_command_vm]`; undefined: the release machine's size comes from the app. */
  readonly releaseCommandVm: VmConfig | undefined;
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
  /** The group's `[[vm]]` (its own, else the one without `processes`); undefined: none. */
  readonly vm: VmConfig | undefined;
  /** host_dedication_id after flattening: the group's `[[vm]]` value wins over the top level. */
  readonly hostDedicationId: string | undefined;
  /** The first `[[metrics]]` entry of the group. */
  readonly metrics: MetricsConfig | undefined;
  readonly files: readonly FileSpec[];
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
  readonly machineChecks: readonly MachineCheckSpec[];
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
  /** Fields above that are flysim's defaults, not the file's. */
  readonly defaulted: readonly ('type' | 'softLimit')[];
}

export type DefaultedCheckField =
  'intervalMs' | 'timeoutMs' | 'gracePeriodMs' | 'method' | 'path' | 'protocol';

export interface CheckTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly gracePeriodMs: number;
  /** Fields whose value is flysim's default ([UNCONFIRMED] platform defaults), not the file's. */
  readonly defaulted: readonly DefaultedCheckField[];
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
  /** Fields above that are the platform's defaults; both when no `[[restart]]` applies. */
  readonly defaulted: readonly ('policy' | 'maxRetries')[];
}

export interface Mount {
  readonly source: string;
  readonly destination: string;
}
