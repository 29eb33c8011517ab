import { abortReason, type Clock, type Timer } from '../clock/clock.js';
import { FlysimError } from '../errors.js';
import {
  SIGNAL_NUMBERS,
  type BackingServiceSpec,
  type ContainerExit,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ExecResult,
  type ImageBuildSpec,
  type ImageInfo,
  type NetworkAttachment,
  type OutputLine,
  type OutputListener,
  type RemovedByLabel,
  type Signal,
  type StartedBackingService,
} from './container-runtime.js';

export interface FakeHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly containerPort: number;
}

/** What a fake app does with one HTTP request: answer after `delayMs`, hang, or refuse. */
export type FakeHttpAnswer =
  { readonly status: number; readonly delayMs?: number } | 'hang' | 'refused';

export interface FakeProgramContext {
  /** Platform ms since this container started. */
  readonly uptimeMs: number;
}

/** A script for what the process in a fake container does. */
export interface FakeProgram {
  /** Exit on its own this long after start; runs until signalled when absent. */
  readonly exitAfterMs?: number;
  /** @default 1 */
  readonly exitCode?: number;
  /** Signals the process ignores; SIGKILL cannot be ignored. */
  readonly ignoreSignals?: readonly Signal[];
  /** Time from a handled signal to exit. @default 0 */
  readonly shutdownMs?: number;
  /** Exit code after a handled signal. @default 0 */
  readonly exitCodeOnSignal?: number;
  readonly oomKilled?: boolean;
  /** Lines written to stdout at start. */
  readonly output?: readonly string[];
  /** When the published ports start accepting connections; never when `null`. @default 0 */
  readonly listenAfterMs?: number | null;
  /** @default every request answers 200 at once */
  readonly http?: (request: FakeHttpRequest, context: FakeProgramContext) => FakeHttpAnswer;
}

/** Picks the program for a container; `startIndex` counts containers of the image from 0. */
export type FakeProgramFactory = (spec: ContainerSpec, startIndex: number) => FakeProgram;

export interface FakeSignalRecord {
  readonly signal: Signal;
  readonly atMs: number;
}

interface FakeContainer {
  readonly id: string;
  readonly spec: ContainerSpec;
  readonly program: FakeProgram;
  readonly ports: Map<number, number>;
  readonly signals: FakeSignalRecord[];
  readonly listeners: OutputListener[];
  readonly timers: Timer[];
  readonly exitWaiters: ((exit: ContainerExit) => void)[];
  state: ContainerState;
  startedAtMs: number;
  listening: boolean;
  exit: ContainerExit | undefined;
}

const DEFAULT_PROGRAM: FakeProgram = {};
const FIRST_HOST_PORT = 40_000;

/** An in-memory ContainerRuntime driven by a Clock, for unit tests of the platform. */
/** What every fake image weighs: a size the console can print. */
export const FAKE_IMAGE_BYTES = 119_000_000;

export class FakeRuntime implements ContainerRuntime {
  readonly #clock: Clock;
  readonly #containers = new Map<string, FakeContainer>();
  readonly #programs = new Map<string, FakeProgramFactory>();
  readonly #starts = new Map<string, number>();
  readonly #networks = new Map<string, { labels: Record<string, string>; members: Set<string> }>();
  readonly images = new Map<string, ImageInfo>();
  /** Every build asked for, in order, so tests can read what a build was given. */
  readonly builds: ImageBuildSpec[] = [];
  readonly #createErrors = new Map<string, string>();
  #nextId = 1;
  #nextHostPort = FIRST_HOST_PORT;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Scripts what containers of `image` do; a plain program applies to every start. */
  setProgram(image: string, program: FakeProgram | FakeProgramFactory): void {
    this.#programs.set(image, typeof program === 'function' ? program : () => program);
  }

  /** Makes every later `createContainer` of `image` fail with `message`, like a missing image. */
  failCreate(image: string, message: string): void {
    this.#createErrors.set(image, message);
  }

  /** Every container ever created, oldest first (removed ones included). */
  get containers(): readonly ContainerSpecView[] {
    return [...this.#containers.values()].map((container) => this.#view(container));
  }

  container(id: string): ContainerSpecView {
    return this.#view(this.#get(id));
  }

  /** Makes a running container's process exit now, as if it crashed. */
  crash(id: string, exitCode: number): void {
    this.#exit(this.#get(id), { exitCode, oomKilled: false });
  }

  setListening(id: string, listening: boolean): void {
    this.#get(id).listening = listening;
  }

  answerHttp(hostPort: number, request: Omit<FakeHttpRequest, 'containerPort'>): FakeHttpAnswer {
    const target = this.#byHostPort(hostPort);
    if (!target) return 'refused';
    if (target.container.state === 'paused') return 'hang';

    const context = { uptimeMs: this.#clock.now() - target.container.startedAtMs };
    const answer = target.container.program.http?.(
      { ...request, containerPort: target.port },
      context,
    );
    return answer ?? { status: 200 };
  }

  answerTcp(hostPort: number): 'accepted' | 'refused' | 'hang' {
    const target = this.#byHostPort(hostPort);
    if (!target) return 'refused';
    return target.container.state === 'paused' ? 'hang' : 'accepted';
  }

  async hasImage(name: string): Promise<boolean> {
    return this.images.has(name) || this.#programs.has(name);
  }

  async buildImage(spec: ImageBuildSpec): Promise<ImageInfo> {
    this.builds.push(spec);
    const info = {
      id: `sha256:fake${this.images.size}`,
      tags: [spec.tag],
      labels: spec.labels ?? {},
      env: [],
      cmd: [],
      sizeBytes: FAKE_IMAGE_BYTES,
    };
    this.images.set(spec.tag, info);
    return info;
  }

  async inspectImage(name: string): Promise<ImageInfo | undefined> {
    return this.images.get(name);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const image = this.images.get(source);
    if (!image) throw notFound('image', source);
    this.images.set(target, { ...image, tags: [...image.tags, target] });
  }

  async listImageTags(repository: string): Promise<string[]> {
    return [...this.images.keys()].filter((tag) => tag.startsWith(`${repository}:`));
  }

  async untagImage(reference: string): Promise<boolean> {
    const inUse = [...this.#containers.values()].some(
      (container) => container.spec.image === reference && container.state !== 'removing',
    );
    return !inUse && this.images.delete(reference);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const createError = this.#createErrors.get(spec.image);
    if (createError !== undefined) throw new FlysimError('FLYSIM_RUNTIME_DOCKER', createError);

    const id = `fake${String(this.#nextId++).padStart(8, '0')}`;
    const startIndex = this.#starts.get(spec.image) ?? 0;
    this.#starts.set(spec.image, startIndex + 1);
    const program = (this.#programs.get(spec.image) ?? (() => DEFAULT_PROGRAM))(spec, startIndex);
    const ports = new Map((spec.publishPorts ?? []).map((port) => [port, this.#nextHostPort++]));

    this.#containers.set(id, {
      ...{ id, spec, program, ports, signals: [], listeners: [], timers: [], exitWaiters: [] },
      ...{ state: 'created', startedAtMs: 0, listening: false, exit: undefined },
    });
    if (spec.network) this.#join(spec.network.name, id);
    return id;
  }

  async followOutput(id: string, listener: OutputListener): Promise<void> {
    this.#get(id).listeners.push(listener);
  }

  async startContainer(id: string): Promise<void> {
    const container = this.#get(id);
    if (container.state === 'running') return;

    Object.assign(container, { state: 'running', startedAtMs: this.#clock.now(), exit: undefined });
    this.#scheduleProgram(container);
    for (const text of container.program.output ?? []) emit(container, { stream: 'stdout', text });
  }

  async waitForExit(id: string, signal?: AbortSignal): Promise<ContainerExit> {
    const container = this.#get(id);
    if (container.state !== 'running' && container.state !== 'paused')
      return container.exit ?? { exitCode: 0, oomKilled: false };

    return new Promise((resolve, reject) => {
      container.exitWaiters.push(resolve);
      signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
    });
  }

  async killContainer(id: string, signal: Signal): Promise<void> {
    const container = this.#get(id);
    if (container.state !== 'running' && container.state !== 'paused') return;

    container.signals.push({ signal, atMs: this.#clock.now() });
    this.#deliver(container, signal);
  }

  async stopContainer(id: string, options: { signal: Signal; timeoutMs: number }): Promise<void> {
    await this.killContainer(id, options.signal);
    const exited = this.waitForExit(id).then(() => true);
    const timedOut = this.#clock.sleep(options.timeoutMs, undefined, 'deadline').then(() => false);

    if (!(await Promise.race([exited, timedOut]))) await this.killContainer(id, 'SIGKILL');
  }

  async pauseContainer(id: string): Promise<void> {
    const container = this.#get(id);
    if (container.state === 'running') container.state = 'paused';
  }

  async unpauseContainer(id: string): Promise<void> {
    const container = this.#get(id);
    if (container.state === 'paused') container.state = 'running';
  }

  async removeContainer(id: string): Promise<void> {
    const container = this.#containers.get(id);
    if (!container || container.state === 'removing') return;

    if (container.state === 'running' || container.state === 'paused')
      this.#exit(container, { exitCode: 137, oomKilled: false });
    container.state = 'removing';
    for (const network of this.#networks.values()) network.members.delete(id);
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    const container = this.#get(id);
    if (container.state === 'removing') throw notFound('container', id);

    return {
      ...{
        id,
        name: container.spec.name ?? id,
        image: container.spec.image,
        state: container.state,
      },
      ...{ exitCode: container.exit?.exitCode ?? 0, oomKilled: container.exit?.oomKilled ?? false },
      ...{
        ports: new Map(container.ports),
        labels: container.spec.labels,
        cmd: container.spec.cmd ?? [],
      },
    };
  }

  async readLogs(id: string): Promise<OutputLine[]> {
    this.#get(id);
    return [];
  }

  async exec(id: string): Promise<ExecResult> {
    const container = this.#get(id);
    return container.state === 'running'
      ? { exitCode: 0, output: '' }
      : { exitCode: 126, output: 'container is not running' };
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<void> {
    if (!this.#networks.has(name))
      this.#networks.set(name, { labels: { ...labels }, members: new Set() });
  }

  async removeNetwork(name: string): Promise<void> {
    this.#networks.delete(name);
  }

  hasNetwork(name: string): boolean {
    return this.#networks.has(name);
  }

  isConnected(id: string, network: string): boolean {
    return this.#networks.get(network)?.members.has(id) ?? false;
  }

  async connectToNetwork(id: string, network: NetworkAttachment): Promise<void> {
    this.#get(id);
    this.#join(network.name, id);
  }

  async disconnectFromNetwork(id: string, network: string): Promise<void> {
    this.#networks.get(network)?.members.delete(id);
  }

  async startBackingService(spec: BackingServiceSpec): Promise<StartedBackingService> {
    const internalPort = spec.kind === 'postgres' ? 5432 : 6379;
    const containerId = await this.createContainer({
      ...{ image: spec.image, env: {}, labels: spec.labels, network: spec.network },
      publishPorts: [internalPort],
    });
    await this.startContainer(containerId);
    return { containerId, internalPort };
  }

  async removeByLabel(key: string, value: string): Promise<RemovedByLabel> {
    const containers = [...this.#containers.values()].filter(
      (container) => container.state !== 'removing' && container.spec.labels[key] === value,
    );
    for (const container of containers) await this.removeContainer(container.id);

    const networks = [...this.#networks].filter(([, network]) => network.labels[key] === value);
    for (const [name] of networks) this.#networks.delete(name);
    return { containers: containers.length, networks: networks.length };
  }

  async close(): Promise<void> {
    for (const container of this.#containers.values()) cancelTimers(container);
  }

  #scheduleProgram(container: FakeContainer): void {
    const { exitAfterMs, listenAfterMs = 0, exitCode = 1, oomKilled = false } = container.program;
    container.listening = false;
    if (listenAfterMs !== null)
      this.#after(container, listenAfterMs, () => (container.listening = true));
    if (exitAfterMs !== undefined)
      this.#after(container, exitAfterMs, () => this.#exit(container, { exitCode, oomKilled }));
  }

  #deliver(container: FakeContainer, signal: Signal): void {
    if (signal === 'SIGKILL')
      return this.#exit(container, { exitCode: 128 + SIGNAL_NUMBERS.SIGKILL, oomKilled: false });
    if (container.program.ignoreSignals?.includes(signal)) return;

    const exit = { exitCode: container.program.exitCodeOnSignal ?? 0, oomKilled: false };
    const shutdownMs = container.program.shutdownMs ?? 0;
    if (shutdownMs === 0) return this.#exit(container, exit);
    this.#after(container, shutdownMs, () => this.#exit(container, exit));
  }

  #exit(container: FakeContainer, exit: ContainerExit): void {
    if (container.state !== 'running' && container.state !== 'paused') return;

    cancelTimers(container);
    Object.assign(container, { state: 'exited', listening: false, exit });
    for (const waiter of container.exitWaiters.splice(0)) waiter(exit);
  }

  #after(container: FakeContainer, ms: number, action: () => void): void {
    container.timers.push(this.#clock.setTimer(ms, action));
  }

  #byHostPort(hostPort: number): { container: FakeContainer; port: number } | undefined {
    for (const container of this.#containers.values()) {
      if (container.state !== 'running' && container.state !== 'paused') continue;
      if (!container.listening) continue;

      for (const [port, host] of container.ports) if (host === hostPort) return { container, port };
    }
    return undefined;
  }

  #join(network: string, id: string): void {
    const entry = this.#networks.get(network);
    if (!entry) throw notFound('network', network);
    entry.members.add(id);
  }

  #get(id: string): FakeContainer {
    const container = this.#containers.get(id);
    if (!container) throw notFound('container', id);
    return container;
  }

  #view(container: FakeContainer): ContainerSpecView {
    return {
      ...{ id: container.id, spec: container.spec, state: container.state },
      ...{ signals: [...container.signals], ports: new Map(container.ports) },
    };
  }
}

/** What tests can see of a fake container. */
export interface ContainerSpecView {
  readonly id: string;
  readonly spec: ContainerSpec;
  readonly state: ContainerState;
  readonly signals: readonly FakeSignalRecord[];
  readonly ports: ReadonlyMap<number, number>;
}

function emit(container: FakeContainer, line: OutputLine): void {
  for (const listener of container.listeners) listener(line);
}

function cancelTimers(container: FakeContainer): void {
  for (const timer of container.timers.splice(0)) timer.cancel();
}

function notFound(kind: string, name: string): FlysimError {
  return new FlysimError('FLYSIM_RUNTIME_NOT_FOUND', `No such ${kind}: ${name}`);
}
