import type { Clock } from '../clock/clock.js';
import { FlysimError } from '../errors.js';
import { EventLog } from '../events/event-log.js';
import { resolveImage } from '../images/stand-ins.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { flysimLabels, LABELS } from '../runtime/labels.js';
import {
  attachPostgres,
  attachRedis,
  type BackingService,
  type BackingServiceDeps,
} from './backing-services.js';
import { NetworkProber, type CheckProber } from './check-probe.js';
import { HealthBoard } from './health-checks.js';
import { machineVersionFactory, newMachineId, newMachineName, type RandomSource } from './ids.js';
import { LogStore } from './logs.js';
import type { MachineConfig } from './machine-config.js';
import { Machine, type MachineDeps } from './machine.js';
import { ReleaseStore } from './releases.js';
import { SecretsStore } from './secrets-store.js';

export interface PlatformOptions {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  /** Labels everything this platform creates, as `dev.flysim.run`. */
  readonly runId: string;
  /** Where secrets are kept (`<stateDir>/apps/<app>/secrets.json`). */
  readonly stateDir: string;
  /** @default 'mad' */
  readonly region?: string;
  readonly primaryRegion?: string;
  /** @default a NetworkProber over 127.0.0.1 */
  readonly prober?: CheckProber;
  /** Honour the Nomad-era `restart_limit` on checks. @default false */
  readonly legacyRestartLimit?: boolean;
  /** Back-off before a restart-policy restart (a pause). @default 1000 */
  readonly restartDelayMs?: number;
  /** Wait between SIGTERM and SIGKILL in a stop (a deadline). @default 5000 */
  readonly sigkillAfterMs?: number;
  readonly random?: RandomSource;
}

/** The emulated Fly Machines layer of one run: one network, its machines and services. */
export class Platform {
  readonly events: EventLog;
  readonly logs: LogStore;
  readonly secrets: SecretsStore;
  readonly health: HealthBoard;
  readonly releases: ReleaseStore;
  readonly network: string;
  readonly #options: PlatformOptions;
  readonly #machines = new Map<string, Machine>();
  readonly #services: BackingService[] = [];
  readonly #haltHooks = new Set<(machineId: string) => Promise<unknown>>();
  readonly #newVersion: (platformTimeMs: number) => string;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: PlatformOptions) {
    this.#options = options;
    const redact = (text: string): string => this.secrets.redact(text);
    this.events = new EventLog({ clock: options.clock, redact });
    this.logs = new LogStore({ clock: options.clock, redact });
    this.secrets = new SecretsStore({ stateDir: options.stateDir, events: this.events });
    this.health = new HealthBoard({
      ...{ clock: options.clock, events: this.events, logs: this.logs, region: this.region },
      ...{
        prober: options.prober ?? new NetworkProber(),
        legacyRestartLimit: options.legacyRestartLimit ?? false,
      },
    });
    this.releases = new ReleaseStore({ clock: options.clock, events: this.events });
    this.network = `flysim-${options.runId}`;
    this.#newVersion = machineVersionFactory(options.random);
  }

  get region(): string {
    return this.#options.region ?? 'mad';
  }

  get clock(): Clock {
    return this.#options.clock;
  }

  get runtime(): ContainerRuntime {
    return this.#options.runtime;
  }

  get runId(): string {
    return this.#options.runId;
  }

  /** Creates the run's network; idempotent. */
  open(): Promise<void> {
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  /** A new machine in `created`; `start()` it, or use `launchMachine`. */
  async createMachine(
    app: string,
    config: MachineConfig,
    options: { cordoned?: boolean } = {},
  ): Promise<Machine> {
    await this.open();
    const random = this.#options.random;
    const machine = new Machine(this.#machineDeps(app), {
      ...{ id: this.#uniqueId(), name: newMachineName(random), app, config },
      cordoned: options.cordoned ?? false,
    });
    this.#machines.set(machine.id, machine);
    return machine;
  }

  async launchMachine(app: string, config: MachineConfig): Promise<Machine> {
    const machine = await this.createMachine(app, config);
    await machine.start();
    return machine;
  }

  /**
   * Runs `hook` before any running machine is signalled to stop (update, stop, restart,
   * destroy), so the edge proxy can drain it first; returns the function that removes it.
   */
  addHaltHook(hook: (machineId: string) => Promise<unknown>): () => void {
    this.#haltHooks.add(hook);
    return () => void this.#haltHooks.delete(hook);
  }

  machines(app?: string): Machine[] {
    return [...this.#machines.values()].filter(
      (machine) => app === undefined || machine.app === app,
    );
  }

  machine(id: string): Machine | undefined {
    return this.#machines.get(id);
  }

  services(app?: string): BackingService[] {
    return this.#services.filter((service) => app === undefined || service.app === app);
  }

  /** Postgres for `app` as `<app>-db.internal`, DATABASE_URL set as a secret. */
  async attachPostgres(app: string, image = 'postgres:16'): Promise<BackingService> {
    await this.open();
    const service = await attachPostgres(this.#serviceDeps(), app, await this.#resolve(image));
    this.#services.push(service);
    return service;
  }

  /** Redis for `app` as `<app>-redis.internal`, REDIS_URL set as a secret. */
  async attachRedis(app: string, image = 'redis:7'): Promise<BackingService> {
    await this.open();
    const service = await attachRedis(this.#serviceDeps(), app, await this.#resolve(image));
    this.#services.push(service);
    return service;
  }

  /** Destroys machines, removes services and the network, then anything else with the run label. */
  close(): Promise<void> {
    this.#closing ??= this.#close().catch((error: unknown) => {
      this.#closing = undefined;
      throw error;
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #open(): Promise<void> {
    await this.#options.runtime.createNetwork(
      this.network,
      flysimLabels({ run: this.#options.runId }),
    );
    this.events.append({ type: 'network.created', network: this.network });
  }

  async #close(): Promise<void> {
    const { runtime, runId } = this.#options;
    // Machines first: they would log connection errors while their services go away.
    await Promise.allSettled(this.machines().map((machine) => machine.destroy({ force: true })));
    await Promise.allSettled(this.#services.map((service) => service.remove()));
    await runtime.removeNetwork(this.network);
    await runtime.removeByLabel(LABELS.run, runId);
    if (this.#opening) this.events.append({ type: 'network.removed', network: this.network });
  }

  #machineDeps(app: string): MachineDeps {
    const { runtime, clock, runId, sigkillAfterMs = 5_000, restartDelayMs = 1_000 } = this.#options;
    return {
      ...{ runtime, clock, events: this.events, logs: this.logs, runId, region: this.region },
      ...{ primaryRegion: this.#options.primaryRegion, network: this.network },
      timing: { restartDelayMs, sigkillAfterMs },
      secrets: () => this.#secretsForStart(app),
      newVersion: () => this.#newVersion(clock.now()),
      startCompanion: (run) => this.health.startChecks(run),
      beforeHalt: (machine) =>
        Promise.allSettled([...this.#haltHooks].map((hook) => hook(machine.id))),
    };
  }

  /** Machines read secrets only when a container starts; from then on they are deployed. */
  #secretsForStart(app: string): Record<string, string> {
    const values = this.secrets.values(app);
    this.secrets.markDeployed(app);
    return values;
  }

  #serviceDeps(): BackingServiceDeps {
    const { runtime, runId } = this.#options;
    return { runtime, events: this.events, secrets: this.secrets, runId, network: this.network };
  }

  #resolve(image: string): Promise<string> {
    return resolveImage(image, (name) => this.#options.runtime.hasImage(name));
  }

  #uniqueId(): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = newMachineId(this.#options.random);
      if (!this.#machines.has(id)) return id;
    }
    throw new FlysimError(
      'FLYSIM_MACHINE_ID_EXHAUSTED',
      'Could not pick an unused machine id in 100 attempts',
      {
        hint: 'The random source passed to the platform repeats itself; pass one that does not',
      },
    );
  }
}
