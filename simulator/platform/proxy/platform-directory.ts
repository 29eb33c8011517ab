import type { FlysimEvent, FlysimEventType } from '../../events/event-types.js';
import type { MachineConfig } from '../machine-config.js';
import type { DirectoryListener, MachineDirectory, Upstream } from './directory.js';

/** The part of a platform `Machine` the proxy reads. */
export interface MachineView {
  readonly id: string;
  readonly app: string;
  readonly state: string;
  /** Out of the proxy's pool whatever its checks say (bluegreen's greens, a cordon). */
  readonly cordoned: boolean;
  readonly config: MachineConfig;
  /** The host port on 127.0.0.1 for a container port, while a container runs. */
  hostPort(containerPort: number): number | undefined;
}

/** The part of the `Platform` the proxy reads; the Platform class fits it as it is. */
export interface PlatformView {
  readonly region: string;
  machines(app?: string): readonly MachineView[];
  readonly health: { isRoutable(machineId: string): boolean };
  readonly events: { subscribe(listener: (event: FlysimEvent) => void): () => void };
}

/** The platform's hook that runs before a running machine is signalled to stop. */
export interface HaltHooks {
  machine(id: string): { readonly app: string } | undefined;
  addHaltHook(hook: (machineId: string) => Promise<unknown>): () => void;
}

/** Events after which routing may differ. */
const ROUTING_EVENTS: ReadonlySet<FlysimEventType> = new Set([
  'machine.created',
  'machine.state_changed',
  'machine.updated',
  'machine.destroyed',
  'machine.cordoned',
  'machine.uncordoned',
  'check.status_changed',
]);

/**
 * The platform's machines of one app as the proxy's directory. The list is rebuilt lazily after
 * a routing event, and listeners hear of it a microtask later: a machine's checks are registered
 * right after its `started` event, and a listener that looked at once would see none.
 */
export class PlatformDirectory implements MachineDirectory {
  readonly #platform: PlatformView;
  readonly #app: string;
  readonly #cordoned = new Set<string>();
  readonly #listeners = new Set<DirectoryListener>();
  readonly #cache = new Map<number, readonly Upstream[]>();
  readonly #unsubscribe: () => void;
  #notifyQueued = false;

  constructor(platform: PlatformView, app: string) {
    this.#platform = platform;
    this.#app = app;
    this.#unsubscribe = platform.events.subscribe((event) => {
      if (ROUTING_EVENTS.has(event.type)) this.#changed();
    });
  }

  upstreams(internalPort: number): readonly Upstream[] {
    const cached = this.#cache.get(internalPort);
    if (cached) return cached;

    const upstreams = this.#build(internalPort);
    this.#cache.set(internalPort, upstreams);
    return upstreams;
  }

  subscribe(listener: DirectoryListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Keeps a machine out of routing on top of the platform's own cordon.
   * @deprecated call `machine.cordon()` on the platform, which this directory follows.
   */
  cordon(machineId: string): void {
    this.#cordoned.add(machineId);
    this.#changed();
  }

  /** @deprecated call `machine.uncordon()` on the platform. */
  uncordon(machineId: string): void {
    if (this.#cordoned.delete(machineId)) this.#changed();
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #build(internalPort: number): Upstream[] {
    const machines = this.#platform.machines(this.#app);
    const serving = machines.filter((machine) =>
      (machine.config.services ?? []).some((service) => service.internalPort === internalPort),
    );
    return serving.map((machine) => this.#upstream(machine, internalPort));
  }

  #upstream(machine: MachineView, internalPort: number): Upstream {
    const hostPort = machine.hostPort(internalPort);
    return {
      ...{ machineId: machine.id, region: this.#platform.region, state: machine.state },
      releaseVersion: machine.config.metadata?.releaseVersion,
      checksPassing: this.#platform.health.isRoutable(machine.id),
      cordoned: machine.cordoned || this.#cordoned.has(machine.id),
      address: hostPort === undefined ? undefined : `127.0.0.1:${hostPort}`,
    };
  }

  #changed(): void {
    this.#cache.clear();
    if (this.#notifyQueued) return;

    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      this.#cache.clear();
      for (const listener of [...this.#listeners]) listener();
    });
  }
}

/**
 * Drains each of the app's machines in the proxy before the platform signals it to stop (update,
 * stop, restart, destroy); returns the function that undoes it.
 */
export function drainBeforeHalt(
  platform: HaltHooks,
  app: string,
  proxy: { drain(machineId: string): Promise<unknown> },
): () => void {
  return platform.addHaltHook(async (machineId) => {
    if (platform.machine(machineId)?.app === app) await proxy.drain(machineId);
  });
}
