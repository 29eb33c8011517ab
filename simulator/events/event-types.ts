/**
 * Every event flysim records: one discriminated union on `type`, past-tense names. Ids an event
 * concerns are fields of their own (`machineId`, `checkName`, ...), so views can filter on them.
 * No field may carry a secret value: secrets appear by name and digest only.
 */

/** Fields the EventLog fills in on append. */
export interface EventStamp {
  /** Position in the log, from 1. */
  readonly seq: number;
  /** Platform time, epoch ms (runs `speed` times faster than wall time). */
  readonly platformTime: number;
  /** Wall-clock time, epoch ms. */
  readonly wallTime: number;
}

export type CheckStatus = 'passing' | 'warning' | 'critical';
export type CheckKind = 'service' | 'toplevel';
export type BackingServiceKind = 'postgres' | 'redis';
export type BackingServiceState = 'started' | 'stopped' | 'paused' | 'disconnected';
export type RestartReason = 'restart_policy' | 'check_restart_limit' | 'requested';

interface MachineRef {
  readonly app: string;
  readonly machineId: string;
}

export interface MachineCreated extends MachineRef {
  readonly type: 'machine.created';
  readonly machineName: string;
  readonly version: string;
  readonly image: string;
  readonly processGroup: string | undefined;
  readonly releaseVersion: number | undefined;
}

export interface MachineStateChanged extends MachineRef {
  readonly type: 'machine.state_changed';
  readonly from: string;
  readonly to: string;
  readonly reason: string | undefined;
}

export interface MachineSignalSent extends MachineRef {
  readonly type: 'machine.signal_sent';
  readonly signal: string;
}

export interface MachineExited extends MachineRef {
  readonly type: 'machine.exited';
  readonly exitCode: number;
  /** The signal that ended the process, when its exit code says it was one (128 + n). */
  readonly signal: string | undefined;
  readonly oomKilled: boolean;
  readonly requestedStop: boolean;
  readonly restartCount: number;
}

export interface MachineRestarted extends MachineRef {
  readonly type: 'machine.restarted';
  readonly restartCount: number;
  readonly reason: RestartReason;
}

export interface MachineRestartsExhausted extends MachineRef {
  readonly type: 'machine.restarts_exhausted';
  readonly maxRetries: number;
  readonly windowMs: number;
}

export interface MachineUpdated extends MachineRef {
  readonly type: 'machine.updated';
  readonly fromVersion: string;
  readonly toVersion: string;
}

export interface MachineDestroyed extends MachineRef {
  readonly type: 'machine.destroyed';
}

export interface CheckCompleted extends MachineRef {
  readonly type: 'check.completed';
  readonly checkName: string;
  readonly checkKind: CheckKind;
  readonly passed: boolean;
  readonly output: string;
  readonly durationMs: number;
}

export interface CheckStatusChanged extends MachineRef {
  readonly type: 'check.status_changed';
  readonly checkName: string;
  readonly checkKind: CheckKind;
  /** `null` for the first result after a start. */
  readonly from: CheckStatus | null;
  readonly to: CheckStatus;
  readonly output: string;
}

export interface SecretsChanged {
  readonly type: 'secrets.changed';
  readonly app: string;
  readonly action: 'set' | 'unset';
  readonly names: readonly string[];
  readonly digests: readonly string[];
}

export interface SecretsDeployed {
  readonly type: 'secrets.deployed';
  readonly app: string;
  readonly names: readonly string[];
}

export interface BackingServiceStateChanged {
  readonly type: 'service.state_changed';
  readonly app: string;
  readonly service: BackingServiceKind;
  readonly hostname: string;
  readonly state: BackingServiceState;
}

export interface NetworkCreated {
  readonly type: 'network.created';
  readonly network: string;
}

export interface NetworkRemoved {
  readonly type: 'network.removed';
  readonly network: string;
}

export interface PlatformWarningIssued {
  readonly type: 'platform.warning_issued';
  readonly app: string | undefined;
  /** The config key or feature the warning is about, e.g. `checks.restart_limit`. */
  readonly key: string;
  readonly message: string;
}

export interface ProxyListenerStarted {
  readonly type: 'proxy.listener_started';
  readonly app: string;
  /** The public port of the service (`[[services.ports]] port`). */
  readonly port: number;
  /** Where flysim listens for it on this host (127.0.0.1). */
  readonly hostPort: number;
  readonly handlers: readonly string[];
}

/** One request through the edge proxy; `machineId` is undefined when no machine took it. */
export interface ProxyRequestServed {
  readonly type: 'proxy.request_served';
  readonly app: string;
  readonly machineId: string | undefined;
  readonly releaseVersion: number | undefined;
  readonly port: number;
  readonly method: string;
  readonly status: number;
  readonly latencyMs: number;
  /** A proxy error code when the proxy answered itself (`PR04`, `PC01`, ...). */
  readonly errorCode: string | undefined;
}

export interface ProxyMachineDrained {
  readonly type: 'proxy.machine_drained';
  readonly app: string;
  readonly machineId: string;
  readonly inFlightAtStart: number;
  readonly websocketsClosed: number;
  /** True when in-flight requests were still running at the end of the drain timeout. */
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export interface MachineCordoned extends MachineRef {
  readonly type: 'machine.cordoned';
}

export interface MachineUncordoned extends MachineRef {
  readonly type: 'machine.uncordoned';
}

export type ReleaseStatus = 'pending' | 'running' | 'complete' | 'failed' | 'interrupted';

/** A release record (`fly releases`): every deploy attempt makes one, its version increments. */
export interface ReleaseCreated {
  readonly type: 'release.created';
  readonly app: string;
  readonly releaseId: string;
  readonly version: number;
  readonly image: string;
  readonly strategy: string;
  /** What made it: `deploy`, or `secrets` for a restart-only deploy. */
  readonly reason: string;
}

export interface ReleaseStatusChanged {
  readonly type: 'release.status_changed';
  readonly app: string;
  readonly releaseId: string;
  readonly version: number;
  readonly from: ReleaseStatus;
  readonly to: ReleaseStatus;
  /** flyctl's error text when the release failed. */
  readonly error: string | undefined;
}

/** The fly.toml key behind a step, for `--explain`. */
export interface ExplainedKey {
  /** Dotted key path as written (`deploy.release_command`). */
  readonly key: string;
  readonly file: string;
  readonly line: number;
  /** The source line, trimmed. */
  readonly text: string;
}

interface DeployRef {
  readonly app: string;
  /** One id per deploy attempt (a ULID), so views can tell deploys apart in one log. */
  readonly deployId: string;
}

export interface DeployStarted extends DeployRef {
  readonly type: 'deploy.started';
  readonly configPath: string | undefined;
  readonly strategy: string;
  /** A restart-only deploy (secrets): no build, no release command. */
  readonly restartOnly: boolean;
}

/**
 * A phase of `fly deploy` began (`verify`, `build`, `push`, `release_command`, `create_machines`,
 * `update_machines`). `message` is flyctl's header line when it prints one.
 */
export interface DeployPhaseStarted extends DeployRef {
  readonly type: 'deploy.phase_started';
  readonly phase: string;
  readonly message: string | undefined;
  /** Filled only when the deploy was asked to explain itself. */
  readonly explain: readonly ExplainedKey[];
}

export interface DeployPhaseFinished extends DeployRef {
  readonly type: 'deploy.phase_finished';
  readonly phase: string;
  readonly message: string | undefined;
  readonly failed: boolean;
  /** Wall milliseconds the phase took. */
  readonly durationMs: number;
}

export type DeployLineStatus = 'running' | 'succeeded' | 'failed' | 'none';

/**
 * One statuslogger line (reference §2.2): a TTY redraws the line with the same `lineKey`, plain
 * output prints every update. `index`/`total` give flyctl's `[i/N]` prefix.
 */
export interface DeployStatusUpdated extends DeployRef {
  readonly type: 'deploy.status_updated';
  readonly lineKey: string;
  readonly machineId: string | undefined;
  readonly index: number | undefined;
  readonly total: number | undefined;
  readonly status: DeployLineStatus;
  readonly message: string;
}

/** A line flyctl prints outside the status lines; `warn` and `error` go to stderr. */
export interface DeployMessagePrinted extends DeployRef {
  readonly type: 'deploy.message_printed';
  readonly level: 'info' | 'warn' | 'error';
  /** `flyctl` for flyctl's own lines, `build` for the image build's output. */
  readonly source: 'flyctl' | 'build';
  readonly message: string;
}

export interface DeployImageReady extends DeployRef {
  readonly type: 'deploy.image_ready';
  readonly image: string;
  /** Undefined when the runtime does not report sizes. */
  readonly sizeBytes: number | undefined;
  /** False when the deploy reused an image (`--image`, or a restart-only deploy). */
  readonly built: boolean;
}

export interface DeployFinished extends DeployRef {
  readonly type: 'deploy.finished';
  readonly status: 'succeeded' | 'failed';
  /** The last phase entered: where it failed, or `done`. */
  readonly phase: string;
  readonly releaseVersion: number | undefined;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  readonly errorHint: string | undefined;
}

export type FlysimEventInput =
  | MachineCreated
  | MachineStateChanged
  | MachineSignalSent
  | MachineExited
  | MachineRestarted
  | MachineRestartsExhausted
  | MachineUpdated
  | MachineDestroyed
  | CheckCompleted
  | CheckStatusChanged
  | SecretsChanged
  | SecretsDeployed
  | BackingServiceStateChanged
  | NetworkCreated
  | NetworkRemoved
  | PlatformWarningIssued
  | ProxyListenerStarted
  | ProxyRequestServed
  | ProxyMachineDrained
  | MachineCordoned
  | MachineUncordoned
  | ReleaseCreated
  | ReleaseStatusChanged
  | DeployStarted
  | DeployPhaseStarted
  | DeployPhaseFinished
  | DeployStatusUpdated
  | DeployMessagePrinted
  | DeployImageReady
  | DeployFinished;

export type FlysimEvent = FlysimEventInput & EventStamp;
export type FlysimEventType = FlysimEvent['type'];
export type EventOfType<T extends FlysimEventType> = Extract<FlysimEvent, { type: T }>;
