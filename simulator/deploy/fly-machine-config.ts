// The machine config flyctl sends the Machines API (fly-go's MachineConfig), with the API's JSON
// field names so it reads like the request. One difference: the API writes durations as strings
// ("10s"); here every duration is a number of milliseconds, and the field's doc says so.

export interface FlyMachineConfig {
  readonly image?: string;
  readonly init?: FlyMachineInit;
  readonly env?: Readonly<Record<string, string>>;
  /** Absent: the machine keeps its size (a new one gets `shared-cpu-1x`). */
  readonly guest?: FlyMachineGuest;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly restart?: FlyMachineRestart;
  readonly dns?: FlyDnsConfig;
  readonly stop_config?: FlyStopConfig;
  readonly auto_destroy?: boolean;
  readonly services?: readonly FlyMachineService[];
  readonly checks?: Readonly<Record<string, FlyMachineCheck>>;
  readonly statics?: readonly FlyStatic[];
  readonly metrics?: FlyMachineMetrics;
  readonly mounts?: readonly FlyMachineMount[];
  readonly files?: readonly FlyMachineFile[];
  /** Fields flysim does not model, kept from a `machine_config` base (schedule, processes...). */
  readonly [apiField: string]: unknown;
}

export interface FlyMachineInit {
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly exec?: readonly string[];
  readonly swap_size_mb?: number;
}

export interface FlyMachineGuest {
  readonly cpu_kind: string;
  readonly cpus: number;
  readonly memory_mb: number;
  readonly max_memory_mb?: number;
  readonly gpus?: number;
  readonly gpu_kind?: string;
  readonly kernel_args?: readonly string[];
  readonly host_dedication_id?: string;
  readonly persist_rootfs?: string;
}

export interface FlyMachineRestart {
  readonly policy: 'no' | 'always' | 'on-failure';
  readonly max_retries?: number;
}

export interface FlyDnsConfig {
  /** Release, console and test machines stay out of `.internal` DNS. */
  readonly skip_registration?: boolean;
  readonly nameservers?: readonly string[];
  readonly [apiField: string]: unknown;
}

export interface FlyStopConfig {
  readonly signal?: string;
  /** Milliseconds (the API: a duration string). */
  readonly timeout?: number;
}

export interface FlyMachineService {
  readonly protocol: string;
  readonly internal_port: number;
  readonly autostop?: 'off' | 'stop' | 'suspend';
  readonly autostart?: boolean;
  readonly min_machines_running?: number;
  readonly ports?: readonly FlyMachinePort[];
  readonly concurrency?: FlyConcurrency;
  readonly checks?: readonly FlyMachineServiceCheck[];
}

export interface FlyMachinePort {
  readonly port?: number;
  readonly start_port?: number;
  readonly end_port?: number;
  readonly handlers?: readonly string[];
  readonly force_https?: boolean;
  readonly tls_options?: {
    readonly alpn?: readonly string[];
    readonly versions?: readonly string[];
    readonly default_self_signed?: boolean;
  };
}

export interface FlyConcurrency {
  readonly type?: string;
  readonly soft_limit?: number;
  readonly hard_limit?: number;
}

/** Shared by service checks and top-level checks; durations in milliseconds. */
export interface FlyMachineServiceCheck {
  readonly type: 'tcp' | 'http';
  readonly port?: number;
  readonly interval?: number;
  readonly timeout?: number;
  readonly grace_period?: number;
  readonly method?: string;
  readonly path?: string;
  readonly protocol?: string;
  readonly tls_skip_verify?: boolean;
  readonly tls_server_name?: string;
  readonly headers?: readonly { readonly name: string; readonly values: readonly string[] }[];
}

/** A top-level check always has a port (its own, or the group's http_service internal_port). */
export interface FlyMachineCheck extends FlyMachineServiceCheck {
  readonly port: number;
}

export interface FlyStatic {
  readonly guest_path: string;
  readonly url_prefix: string;
  readonly tigris_bucket?: string;
  readonly index_document?: string;
}

export interface FlyMachineMetrics {
  readonly port?: number;
  readonly path?: string;
  readonly https?: boolean;
}

export interface FlyMachineMount {
  /** The volume name; the volume id is picked at deploy time. */
  readonly name: string;
  readonly path: string;
  readonly volume?: string;
}

export interface FlyMachineFile {
  readonly guest_path: string;
  /** Base64 of the file's content. */
  readonly raw_value?: string;
  /** A secret whose value is the base64 content. */
  readonly secret_name?: string;
}

/** flyctl's reserved process-group names for machines that are not app machines. */
export const RELEASE_COMMAND_GROUP = 'fly_app_release_command';
export const CONSOLE_GROUP = 'fly_app_console';
export const TEST_MACHINE_GROUP = 'fly_app_test_machine_command';
export const FLY_PLATFORM_VERSION = 'v2';
