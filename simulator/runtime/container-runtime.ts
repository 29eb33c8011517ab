/**
 * The only door to Docker, in flysim's terms. `DockerRuntime` implements it on dockerode and
 * testcontainers; `FakeRuntime` implements it in memory for unit tests. No Docker type crosses it.
 */

/** Signals a machine may be stopped with (the Machines API's `kill_signal` values). */
export const SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGKILL',
  'SIGUSR1',
  'SIGUSR2',
  'SIGTERM',
] as const;
export type Signal = (typeof SIGNALS)[number];

/** Linux signal numbers, to read `128 + n` exit codes. */
export const SIGNAL_NUMBERS: Readonly<Record<Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

export interface NetworkAttachment {
  readonly name: string;
  readonly aliases: readonly string[];
}

export interface ContainerSpec {
  readonly name?: string;
  readonly image: string;
  /** Replaces the image's CMD when given. */
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Every container carries `dev.flysim.run` at least (see labels.ts). */
  readonly labels: Readonly<Record<string, string>>;
  /** Container TCP ports to publish on 127.0.0.1, each on a host port the engine picks. */
  readonly publishPorts?: readonly number[];
  readonly network?: NetworkAttachment;
  readonly hostname?: string;
}

export type ContainerState =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** Container port → host port on 127.0.0.1. */
  readonly ports: ReadonlyMap<number, number>;
  readonly labels: Readonly<Record<string, string>>;
  readonly cmd: readonly string[];
}

export interface ContainerExit {
  readonly exitCode: number;
  readonly oomKilled: boolean;
}

export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export type OutputListener = (line: OutputLine) => void;

export interface ExecResult {
  readonly exitCode: number;
  readonly output: string;
}

export interface ImageBuildSpec {
  /** The directory sent as build context (`.dockerignore` honoured). */
  readonly contextDir: string;
  /** Relative to the context. @default 'Dockerfile' */
  readonly dockerfile?: string;
  readonly tag: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The ignore file, relative to the context. @default '.dockerignore' */
  readonly ignorefile?: string;
  /**
   * Files added at the root of the context as it is sent, name → content; the directory itself is
   * never written to, so two builds of one directory cannot disturb each other.
   */
  readonly extraFiles?: Readonly<Record<string, string>>;
  /** Each line of the build's output, as it arrives. */
  readonly onOutput?: (line: string) => void;
}

export interface ImageInfo {
  readonly id: string;
  readonly tags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly env: readonly string[];
  readonly cmd: readonly string[];
  /** Uncompressed size on the engine, as `docker image ls` shows it. */
  readonly sizeBytes: number;
}

export type BackingServiceKind = 'postgres' | 'redis';

export interface BackingServiceSpec {
  readonly kind: BackingServiceKind;
  readonly image: string;
  readonly network: NetworkAttachment;
  readonly labels: Readonly<Record<string, string>>;
  /** Postgres only: the role, password and database to create. */
  readonly credentials?: {
    readonly user: string;
    readonly password: string;
    readonly database: string;
  };
}

export interface StartedBackingService {
  readonly containerId: string;
  /** The port inside the network (5432, 6379). */
  readonly internalPort: number;
}

export interface RemovedByLabel {
  readonly containers: number;
  readonly networks: number;
}

export interface ContainerRuntime {
  hasImage(name: string): Promise<boolean>;
  buildImage(spec: ImageBuildSpec, signal?: AbortSignal): Promise<ImageInfo>;
  inspectImage(name: string): Promise<ImageInfo | undefined>;
  tagImage(source: string, target: string): Promise<void>;
  /** Every `repository:tag` the engine holds for `repository`. */
  listImageTags(repository: string): Promise<string[]>;
  /**
   * Removes the tag, and the image when it was its last; false when a container still uses the
   * image or the tag is gone already.
   */
  untagImage(reference: string): Promise<boolean>;

  createContainer(spec: ContainerSpec): Promise<string>;
  /** Delivers the container's output from its start; attach before `startContainer`. */
  followOutput(id: string, listener: OutputListener, signal?: AbortSignal): Promise<void>;
  startContainer(id: string): Promise<void>;
  /** Resolves when the container is no longer running; call after `startContainer`. */
  waitForExit(id: string, signal?: AbortSignal): Promise<ContainerExit>;
  killContainer(id: string, signal: Signal): Promise<void>;
  /** Sends `signal`, then SIGKILL after `timeoutMs` of wall time if still running. */
  stopContainer(id: string, options: { signal: Signal; timeoutMs: number }): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** Removes the container, running or not; a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInfo>;
  readLogs(id: string, options?: { tail?: number }): Promise<OutputLine[]>;
  exec(id: string, cmd: readonly string[]): Promise<ExecResult>;

  createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<void>;
  /** Removes the network; a missing network is not an error. */
  removeNetwork(name: string): Promise<void>;
  connectToNetwork(id: string, network: NetworkAttachment): Promise<void>;
  disconnectFromNetwork(id: string, network: string): Promise<void>;

  startBackingService(spec: BackingServiceSpec): Promise<StartedBackingService>;
  /** Removes every container and network whose label `key` has `value`. */
  removeByLabel(key: string, value: string): Promise<RemovedByLabel>;
  close(): Promise<void>;
}

/** The signal an exit code of 128 + n stands for, when n is one flysim knows. */
export function signalFromExitCode(exitCode: number): Signal | undefined {
  return SIGNALS.find((signal) => SIGNAL_NUMBERS[signal] + 128 === exitCode);
}
