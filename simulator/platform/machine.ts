import type { Clock, Timer } from '../clock/clock.js';
import { FlysimError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { RestartReason } from '../events/event-types.js';
import {
  signalFromExitCode,
  type ContainerExit,
  type ContainerRuntime,
  type ContainerSpec,
  type Signal,
} from '../runtime/container-runtime.js';
import { flysimLabels } from '../runtime/labels.js';
import type { LogLevel, LogProvider, LogStore } from './logs.js';
import {
  DEFAULT_KILL_SIGNAL,
  DEFAULT_MEMORY_MB,
  publishedPorts,
  resolveKillTimeoutMs,
  type MachineConfig,
} from './machine-config.js';
import { buildMachineEnv, type MachineEnvFacts } from './machine-env.js';
import { MachineStateMachine, type MachineState } from './machine-state.js';
import { decideRestart, RESTART_WINDOW_MS, type RestartDecision } from './restart-policy.js';

/** What runs alongside one container incarnation and stops with it (health checks). */
export interface RunCompanion {
  stop(): void;
}

export interface MachineRunView {
  readonly machine: Machine;
  readonly containerId: string;
  /** Container port → host port on 127.0.0.1 for this incarnation. */
  readonly hostPorts: ReadonlyMap<number, number>;
  readonly startedAtMs: number;
}

export interface MachineTiming {
  /** Back-off before a restart-policy restart (a pause). */
  readonly restartDelayMs: number;
  /** How long after SIGTERM the platform sends SIGKILL (a deadline). */
  readonly sigkillAfterMs: number;
}

export interface MachineDeps {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly events: EventLog;
  readonly logs: LogStore;
  readonly runId: string;
  readonly region: string;
  readonly primaryRegion: string | undefined;
  readonly network: string | undefined;
  readonly timing: MachineTiming;
  /** The app's secret values at this moment; read at every container start. */
  readonly secrets: () => Readonly<Record<string, string>>;
  readonly newVersion: () => string;
  /** Starts the health checks of a fresh incarnation. */
  readonly startCompanion?: (run: MachineRunView) => RunCompanion;
  /** Runs before a running container is signalled (the edge proxy drains the machine). */
  readonly beforeHalt?: (machine: Machine) => Promise<unknown>;
}

export interface MachineInit {
  readonly id: string;
  readonly name: string;
  readonly app: string;
  readonly config: MachineConfig;
  /** Created out of the proxy's pool (bluegreen's greens, `skip_service_registration`). */
  readonly cordoned?: boolean;
}

interface MachineRun extends MachineRunView {
  readonly exited: Promise<ContainerExit>;
  readonly output: AbortController;
  companion: RunCompanion | undefined;
}

/**
 * One Fly machine: a state machine over container incarnations. Operations (start, stop,
 * restart, update, destroy) run one at a time; exits and restart-policy restarts happen on
 * their own and go through the same guarded transitions.
 */
export class Machine {
  readonly id: string;
  readonly name: string;
  readonly app: string;
  readonly #deps: MachineDeps;
  readonly #fsm: MachineStateMachine;
  #config: MachineConfig;
  #version: string;
  #run: MachineRun | undefined;
  #launches = 0;
  #stopRequested = false;
  #restartTimes: number[] = [];
  #restartTimer: Timer | undefined;
  #cordoned: boolean;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: MachineDeps, init: MachineInit) {
    this.id = init.id;
    this.name = init.name;
    this.app = init.app;
    this.#deps = deps;
    this.#config = init.config;
    this.#version = deps.newVersion();
    this.#cordoned = init.cordoned ?? false;
    this.#fsm = new MachineStateMachine(init.id, (from, to, reason) =>
      this.#onState(from, to, reason),
    );
    this.#announceCreated();
  }

  get state(): MachineState {
    return this.#fsm.state;
  }

  get config(): MachineConfig {
    return this.#config;
  }

  get version(): string {
    return this.#version;
  }

  /** Restart-policy restarts since the machine was last started on request. */
  get restartCount(): number {
    return this.#restartTimes.length;
  }

  /** The host port on 127.0.0.1 that reaches `containerPort` now, while a container runs. */
  hostPort(containerPort: number): number | undefined {
    return this.#run?.hostPorts.get(containerPort);
  }

  get containerId(): string | undefined {
    return this.#run?.containerId;
  }

  /** A cordoned machine gets no new requests from the edge proxy, whatever its checks say. */
  get cordoned(): boolean {
    return this.#cordoned;
  }

  cordon(): void {
    if (this.#cordoned) return;
    this.#cordoned = true;
    this.#deps.events.append({ type: 'machine.cordoned', ...this.#ref() });
  }

  uncordon(): void {
    if (!this.#cordoned) return;
    this.#cordoned = false;
    this.#deps.events.append({ type: 'machine.uncordoned', ...this.#ref() });
  }

  /** Runs a command in the running container (like `fly ssh console -C`); undefined when none. */
  async exec(cmd: readonly string[]): Promise<{ exitCode: number; output: string } | undefined> {
    const containerId = this.#run?.containerId;
    if (containerId === undefined) return undefined;
    return this.#deps.runtime.exec(containerId, cmd);
  }

  start(): Promise<void> {
    return this.#locked(() => this.#start());
  }

  stop(options: { signal?: Signal; timeoutMs?: number } = {}): Promise<void> {
    return this.#locked(() => this.#stop(options));
  }

  restart(reason: RestartReason = 'requested'): Promise<void> {
    return this.#locked(() => this.#restart(reason));
  }

  /** A new machine version with `config`; a running machine is stopped and started again. */
  update(config: MachineConfig, options: { skipLaunch?: boolean } = {}): Promise<void> {
    return this.#locked(() => this.#update(config, options.skipLaunch ?? false));
  }

  destroy(options: { force?: boolean } = {}): Promise<void> {
    return this.#locked(() => this.#destroy(options.force ?? false));
  }

  /** Resolves once the machine reaches one of `states` (checked after every transition). */
  async waitForState(states: readonly MachineState[], signal?: AbortSignal): Promise<MachineState> {
    if (this.#fsm.is(...states)) return this.state;

    await this.#deps.events.next(
      { type: 'machine.state_changed', machineId: this.id },
      signal,
      (event) => states.includes(event.to as MachineState),
    );
    return this.state;
  }

  async #start(): Promise<void> {
    if (this.#fsm.is('started', 'starting')) return;

    this.#cancelPendingRestart();
    if (this.#fsm.is('restarting')) this.#fsm.transition('stopped', 'start requested');
    this.#restartTimes = [];
    this.#fsm.transition('starting', 'start requested');
    await this.#launch('start requested');
  }

  async #stop(options: { signal?: Signal; timeoutMs?: number }): Promise<void> {
    if (this.#fsm.is('restarting') && !this.#run) {
      this.#cancelPendingRestart();
      this.#fsm.transition('stopped', 'stop requested');
      return;
    }
    if (!this.#fsm.is('started')) return;

    this.#fsm.transition('stopping', 'stop requested');
    await this.#halt(options.signal, options.timeoutMs);
    this.#fsm.transition('stopped', 'stop requested');
  }

  async #restart(reason: RestartReason): Promise<void> {
    if (!this.#fsm.is('started')) return this.#start();

    this.#fsm.transition('restarting', reason);
    await this.#halt();
    this.#deps.events.append({
      type: 'machine.restarted',
      ...this.#ref(),
      restartCount: this.restartCount,
      reason,
    });
    await this.#launch(reason);
  }

  async #update(config: MachineConfig, skipLaunch: boolean): Promise<void> {
    const wasRunning = this.#fsm.is('started', 'restarting');
    this.#cancelPendingRestart();
    if (this.#fsm.is('restarting') && !this.#run) this.#fsm.transition('stopped', 'update');

    this.#fsm.transition('updating', 'update requested');
    await this.#halt();
    const fromVersion = this.#version;
    this.#config = config;
    this.#version = this.#deps.newVersion();
    this.#deps.events.append({
      type: 'machine.updated',
      ...this.#ref(),
      fromVersion,
      toVersion: this.#version,
    });

    if (!wasRunning || skipLaunch) return void this.#fsm.transition('stopped', 'update applied');
    this.#restartTimes = [];
    this.#fsm.transition('starting', 'update applied');
    await this.#launch('update applied');
  }

  async #destroy(force: boolean): Promise<void> {
    if (this.#fsm.is('destroyed')) return;
    if (this.#fsm.is('started', 'restarting') && !force) throw notStopped(this.id, this.state);

    this.#cancelPendingRestart();
    if (this.#fsm.is('restarting')) this.#fsm.transition('stopped', 'destroy requested');
    this.#fsm.transition('destroying', 'destroy requested');
    await this.#halt('SIGKILL', 0);
    this.#fsm.transition('destroyed', 'destroy requested');
    this.#deps.events.append({ type: 'machine.destroyed', ...this.#ref() });
  }

  /** Creates and starts a fresh container; the machine ends `started`, or `failed` and throws. */
  async #launch(reason: string): Promise<void> {
    const startedWallMs = this.#deps.clock.wallNow();
    const spec = this.#containerSpec();
    let containerId: string | undefined;
    const output = new AbortController();

    try {
      containerId = await this.#deps.runtime.createContainer(spec);
      await this.#deps.runtime.followOutput(
        containerId,
        (line) => this.#log('app', 'info', line.text),
        output.signal,
      );
      this.#logInit(spec);
      await this.#deps.runtime.startContainer(containerId);
      const info = await this.#deps.runtime.inspectContainer(containerId);
      this.#begin({ containerId, hostPorts: info.ports, output }, reason, startedWallMs);
    } catch (error) {
      output.abort();
      if (containerId !== undefined) await this.#deps.runtime.removeContainer(containerId);
      this.#fsm.transition('failed', 'launch failed');
      throw launchFailed(this.id, spec.image, error);
    }
  }

  #begin(
    parts: Pick<MachineRun, 'containerId' | 'hostPorts' | 'output'>,
    reason: string,
    t0: number,
  ): void {
    const run: MachineRun = {
      ...parts,
      machine: this,
      startedAtMs: this.#deps.clock.now(),
      exited: this.#deps.runtime.waitForExit(parts.containerId),
      companion: undefined,
    };
    this.#run = run;
    this.#stopRequested = false;
    this.#fsm.transition('started', reason);
    this.#log('runner', 'info', `Machine started in ${this.#deps.clock.wallNow() - t0}ms`);

    run.exited.then(
      (exit) => this.#onExit(run, exit),
      (error: unknown) => this.#onExit(run, { exitCode: -1, oomKilled: false }, error),
    );
    run.companion = this.#deps.startCompanion?.(run);
  }

  /** Fly's stop sequence (§4.5): kill_signal, kill_timeout, SIGTERM, then SIGKILL. */
  async #halt(signal?: Signal, timeoutMs?: number): Promise<void> {
    const run = this.#run;
    if (!run) return;

    this.#stopRequested = true;
    await this.#deps.beforeHalt?.(this).catch(() => {
      // A drain that fails must not keep a machine from stopping; the proxy logged why.
    });
    run.companion?.stop();
    const killSignal = signal ?? this.#config.killSignal ?? DEFAULT_KILL_SIGNAL;
    await this.#signal(run, killSignal);
    if (
      killSignal === 'SIGKILL' ||
      (await this.#exitedWithin(run, timeoutMs ?? resolveKillTimeoutMs(this.#config)))
    )
      return;

    if (killSignal !== 'SIGTERM') {
      await this.#signal(run, 'SIGTERM');
      if (await this.#exitedWithin(run, this.#deps.timing.sigkillAfterMs)) return;
    }
    await this.#signal(run, 'SIGKILL');
    await run.exited.catch(() => undefined);
  }

  async #signal(run: MachineRun, signal: Signal): Promise<void> {
    this.#deps.events.append({ type: 'machine.signal_sent', ...this.#ref(), signal });
    this.#log('app', 'info', ` INFO Sending signal ${signal} to main child process`);
    await this.#deps.runtime.killContainer(run.containerId, signal);
  }

  async #exitedWithin(run: MachineRun, ms: number): Promise<boolean> {
    const timer = new AbortController();
    const exited = run.exited.then(
      () => true,
      () => true,
    );
    const deadline = this.#deps.clock.sleep(ms, timer.signal, 'deadline').then(
      () => false,
      () => true,
    );
    const result = await Promise.race([exited, deadline]);
    timer.abort();
    return result;
  }

  #onExit(run: MachineRun, exit: ContainerExit, error?: unknown): void {
    if (this.#run !== run) return;

    run.companion?.stop();
    this.#run = undefined;
    this.#recordExit(exit, error);
    void this.#deps.runtime.removeContainer(run.containerId).catch(() => undefined);
    if (this.#stopRequested) return;

    this.#afterCrash(exit);
  }

  #recordExit(exit: ContainerExit, error: unknown): void {
    const signal = signalFromExitCode(exit.exitCode);
    this.#deps.events.append({
      ...{ type: 'machine.exited', ...this.#ref(), exitCode: exit.exitCode, signal },
      ...{
        oomKilled: exit.oomKilled,
        requestedStop: this.#stopRequested,
        restartCount: this.restartCount,
      },
    });

    if (error !== undefined)
      this.#log('runner', 'error', `lost track of the main process: ${describe(error)}`);
    else if (signal)
      this.#log(
        'app',
        'info',
        ` INFO Main child exited with signal (with signal '${signal}', core dumped? false)`,
      );
    else this.#log('app', 'info', ` INFO Main child exited normally with code: ${exit.exitCode}`);
    this.#log('app', 'info', ' INFO Starting clean up.');
  }

  #afterCrash(exit: ContainerExit): void {
    const decision = decideRestart(this.#config.restart, {
      ...{ exitCode: exit.exitCode, requestedStop: false },
      ...{ restartTimes: this.#restartTimes, nowMs: this.#deps.clock.now() },
    });
    if (decision.restart) return this.#scheduleRestart(exit);

    this.#fsm.transition('stopped', `exited with code ${exit.exitCode}`);
    this.#explainNoRestart(decision);
    if (this.#config.autoDestroy === true) this.#autoDestroy();
  }

  #autoDestroy(): void {
    this.destroy().catch(() => {
      // Destroying a stopped machine only fails if it is already gone, which is the goal.
    });
  }

  #scheduleRestart(exit: ContainerExit): void {
    this.#fsm.transition('restarting', `exited with code ${exit.exitCode}`);
    this.#restartTimer = this.#deps.clock.setTimer(this.#deps.timing.restartDelayMs, () => {
      this.#restartTimer = undefined;
      this.#locked(() => this.#restartAfterCrash()).catch(() => {
        // The failure is already recorded: the machine went to `failed` with a log line.
      });
    });
  }

  async #restartAfterCrash(): Promise<void> {
    if (!this.#fsm.is('restarting') || this.#run) return;

    this.#restartTimes.push(this.#deps.clock.now());
    this.#deps.events.append({
      ...{ type: 'machine.restarted', ...this.#ref() },
      ...{ restartCount: this.restartCount, reason: 'restart_policy' },
    });
    await this.#launch('restart policy');
  }

  #explainNoRestart(decision: Exclude<RestartDecision, { restart: true }>): void {
    if (decision.reason === 'policy_no')
      this.#log('runner', 'info', "machine restart policy set to 'no', not restarting");
    if (decision.reason !== 'max_retries') return;

    this.#deps.events.append({
      ...{ type: 'machine.restarts_exhausted', ...this.#ref() },
      ...{ maxRetries: decision.maxRetries, windowMs: RESTART_WINDOW_MS },
    });
    this.#log(
      'runner',
      'info',
      `machine has reached its max restart count of ${decision.maxRetries}`,
    );
  }

  #cancelPendingRestart(): void {
    this.#restartTimer?.cancel();
    this.#restartTimer = undefined;
  }

  #containerSpec(): ContainerSpec {
    const config = this.#config;
    const network = this.#deps.network;
    const aliases = [
      `${this.id}.vm.${this.app}.internal`,
      `${this.app}.internal`,
      `${this.#deps.region}.${this.app}.internal`,
    ];
    return {
      ...{
        name: `flysim-${this.#deps.runId}-${this.id}-${++this.#launches}`,
        hostname: this.id,
        image: config.image,
      },
      ...(config.cmd ? { cmd: config.cmd } : {}),
      ...(config.entrypoint ? { entrypoint: config.entrypoint } : {}),
      env: buildMachineEnv(this.#envFacts(), {
        configEnv: config.env ?? {},
        secrets: this.#deps.secrets(),
      }),
      labels: flysimLabels({
        ...{ run: this.#deps.runId, app: this.app, machine: this.id },
        ...(config.metadata?.releaseVersion === undefined
          ? {}
          : { release: `v${config.metadata.releaseVersion}` }),
      }),
      publishPorts: publishedPorts(config),
      ...(network ? { network: { name: network, aliases } } : {}),
    };
  }

  #envFacts(): MachineEnvFacts {
    return {
      ...{
        app: this.app,
        machineId: this.id,
        region: this.#deps.region,
        primaryRegion: this.#deps.primaryRegion,
      },
      ...{
        imageRef: this.#config.image,
        version: this.#version,
        processGroup: this.#config.metadata?.processGroup,
      },
      ...{ memoryMb: this.#config.memoryMb ?? DEFAULT_MEMORY_MB, privateIp: privateIp(this.id) },
    };
  }

  #logInit(spec: ContainerSpec): void {
    const command =
      [...(spec.entrypoint ?? []), ...(spec.cmd ?? [])].join(' ') || "the image's CMD";
    this.#log('app', 'info', ' INFO Starting init (commit: flysim)...');
    this.#log('app', 'info', ` INFO Preparing to run: \`${command}\` as root`);
  }

  #announceCreated(): void {
    this.#deps.events.append({
      ...{
        type: 'machine.created',
        ...this.#ref(),
        machineName: this.name,
        version: this.#version,
      },
      ...{ image: this.#config.image, processGroup: this.#config.metadata?.processGroup },
      releaseVersion: this.#config.metadata?.releaseVersion,
    });
    this.#fsm.transition('created', 'create requested');
  }

  #onState(from: MachineState, to: MachineState, reason: string | undefined): void {
    this.#deps.events.append({ type: 'machine.state_changed', ...this.#ref(), from, to, reason });
  }

  #log(provider: LogProvider, level: LogLevel, message: string): void {
    this.#deps.logs.write({
      app: this.app,
      machineId: this.id,
      region: this.#deps.region,
      provider,
      level,
      message,
    });
  }

  #ref(): { app: string; machineId: string } {
    return { app: this.app, machineId: this.id };
  }

  #locked<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(operation);
    this.#lock = result.catch(() => undefined);
    return result;
  }
}

/** A stand-in 6PN address derived from the machine id (not routable; flysim uses Docker DNS). */
function privateIp(machineId: string): string {
  const groups = [
    machineId.slice(0, 4),
    machineId.slice(4, 8),
    machineId.slice(8, 12),
    machineId.slice(12),
  ];
  return `fdaa:0:a7b:${groups.join(':')}::2`;
}

function notStopped(machineId: string, state: MachineState): FlysimError {
  return new FlysimError(
    'FLYSIM_MACHINE_NOT_STOPPED',
    `Machine ${machineId} is \`${state}\`; expected \`stopped\` before destroy`,
    { hint: 'Stop the machine first, or destroy it with force' },
  );
}

function launchFailed(machineId: string, image: string, cause: unknown): FlysimError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FlysimError(
    'FLYSIM_MACHINE_LAUNCH_FAILED',
    `Machine ${machineId} could not start ${image}: ${reason}`,
    {
      cause,
      hint: `Check that ${image} exists locally (\`docker image ls\`)`,
    },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}
