// The platform of one app, held by `flysim up` (or by `deploy --once` for one deploy): the
// Platform with its network and backing services, the edge proxy, the releases so far, and the
// deploys and secrets changes the control API asks for. Everything it creates carries
// `dev.flysim.run=<run id>`, and close() removes all of it.

import { ScaledClock } from '../clock/scaled-clock.js';
import type { DeployResult } from '../deploy/deploy-result.js';
import { RELEASE_COMMAND_GROUP } from '../deploy/fly-machine-config.js';
import { FlysimError } from '../errors.js';
import { formatLogLine } from '../platform/logs.js';
import type { Machine } from '../platform/machine.js';
import { Platform } from '../platform/platform.js';
import { EdgeProxy } from '../platform/proxy/edge-proxy.js';
import type { ProxyService } from '../platform/proxy/options.js';
import { drainBeforeHalt, PlatformDirectory } from '../platform/proxy/platform-directory.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { LABELS } from '../runtime/labels.js';
import type {
  CheckView,
  ControlHost,
  DeployCommandRequest,
  LogQuery,
  MachineView,
  ProxyView,
  ReleaseView,
  SecretsCommandRequest,
  SecretsOutcome,
  SecretView,
  StatusView,
  StreamSink,
} from './control-api.js';
import type { DeployEngine } from './deploy-engine.js';

export interface PlatformHostOptions {
  readonly app: string;
  /** Absolute path of the app's fly.toml: every deploy reads it again. */
  readonly configPath: string;
  /** The host's npm CA bundle, passed to every build (see simulator/cli/npm-ca.ts). */
  readonly buildCaFile: string | undefined;
  readonly primaryRegion: string | undefined;
  /** The public services of the app, for the edge proxy. */
  readonly services: readonly ProxyService[];
  readonly stateDir: string;
  readonly runId: string;
  readonly speed: number;
  readonly runtime: ContainerRuntime;
  readonly engine: DeployEngine;
  /** Attach Postgres (DATABASE_URL) and Redis (REDIS_URL) before the first deploy. */
  readonly postgres: boolean;
  readonly redis: boolean;
  /** Start the edge proxy for the services. @default true */
  readonly proxy?: boolean;
  /** Called when a client asks for `down`. */
  readonly onShutdownRequested?: () => void;
}

/** How long close() waits for a deploy to notice it was interrupted, and for a start to settle. */
const SETTLE_MS = 15_000;

export class PlatformHost implements ControlHost {
  readonly platform: Platform;
  readonly clock: ScaledClock;
  readonly #options: PlatformHostOptions;
  readonly #deploys = new Set<{ controller: AbortController; done: Promise<unknown> }>();
  #proxy: EdgeProxy | undefined;
  #stopDraining: (() => void) | undefined;
  #proxyNote: string | undefined = 'the edge proxy has not started yet';
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #deploying = false;

  constructor(options: PlatformHostOptions) {
    this.#options = options;
    this.clock = new ScaledClock({ speed: options.speed });
    this.platform = new Platform({
      runtime: options.runtime,
      clock: this.clock,
      runId: options.runId,
      stateDir: options.stateDir,
      ...(options.primaryRegion === undefined ? {} : { primaryRegion: options.primaryRegion }),
    });
  }

  get app(): string {
    return this.#options.app;
  }

  get runId(): string {
    return this.#options.runId;
  }

  get proxy(): EdgeProxy | undefined {
    return this.#proxy;
  }

  /** The network, then the backing services, then the edge proxy. */
  open(): Promise<void> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<void> {
    const { app, postgres, redis } = this.#options;
    await this.platform.open();

    // One after the other: two cores, and Postgres's first start is the slow one.
    if (postgres) await this.platform.attachPostgres(app);
    if (redis) await this.platform.attachRedis(app);
    await this.#startProxy();
  }

  async #startProxy(): Promise<void> {
    const { app, services, stateDir, proxy = true } = this.#options;
    if (!proxy) return void (this.#proxyNote = 'the edge proxy is turned off (--no-proxy)');
    if (services.length === 0) return void (this.#proxyNote = 'the app has no public services');

    this.#proxy = await EdgeProxy.start({
      ...{ app, services, stateDir, region: this.platform.region },
      ...{ clock: this.clock, events: this.platform.events, logs: this.platform.logs },
      directory: new PlatformDirectory(this.platform, app),
    });
    // Fly's proxy stops sending a machine requests before the machine is signalled to stop, so
    // a rolling deploy or a restart lets in-flight requests finish instead of failing.
    this.#stopDraining = drainBeforeHalt(this.platform, app, this.#proxy);
    this.#proxyNote = undefined;
  }

  async status(): Promise<StatusView> {
    const { app, runId, speed, configPath } = this.#options;
    const latest = this.platform.releases.current(app);
    const proxy = this.#proxyView();
    const machines = await this.machines();
    return {
      ...{ app, hostname: `${app}.fly.dev`, runId, speed, configPath },
      ...{ image: latest?.image, deploying: this.#deploying, machines },
      services: this.platform.services(app).map((s) => ({
        ...{ kind: s.kind, hostname: s.hostname, state: s.state },
      })),
      proxy,
      urls: proxy.running ? proxy.urls : machineUrls(machines),
    };
  }

  async machines(): Promise<readonly MachineView[]> {
    return this.#appMachines().map((machine) => this.#machineView(machine));
  }

  async releases(): Promise<readonly ReleaseView[]> {
    return this.platform.releases.list(this.#options.app).map((release) => ({
      ...{ version: release.version, status: release.status, image: release.image },
      description: release.reason === 'secrets' ? 'Secrets updated' : 'Release',
      createdAt: iso(release.createdAt),
    }));
  }

  async checks(): Promise<readonly CheckView[]> {
    return this.#appMachines().flatMap((machine) =>
      this.platform.health.checks(machine.id).map((check) => ({
        ...{ name: check.name, kind: check.kind, machineId: machine.id, status: check.status },
        ...{ output: check.output, updatedAt: iso(check.updatedAt) },
      })),
    );
  }

  async secrets(): Promise<readonly SecretView[]> {
    return this.platform.secrets.list(this.#options.app);
  }

  async logs(query: LogQuery): Promise<readonly string[]> {
    return this.platform.logs.lines({ app: this.#options.app, ...definedMachine(query) });
  }

  async *followLogs(query: LogQuery, signal: AbortSignal): AsyncIterable<string> {
    const filter = { app: this.#options.app, ...definedMachine(query), limit: 100 };
    for await (const entry of this.platform.logs.stream(filter, signal)) {
      yield formatLogLine(entry);
    }
  }

  async deploy(
    request: DeployCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<DeployResult> {
    const { configPath, buildCaFile } = this.#options;
    return this.#exclusive(sink, signal, (engine, deps, aborted) =>
      engine.deploy(
        { configPath, buildCaFile, env: request.env, explain: request.explain, signal: aborted },
        deps,
      ),
    );
  }

  async setSecrets(
    values: Readonly<Record<string, string>>,
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome> {
    this.platform.secrets.set(this.#options.app, values);
    return this.#afterSecretsChange(request, sink, signal);
  }

  async unsetSecrets(
    names: readonly string[],
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome> {
    const known = new Set(this.platform.secrets.list(this.#options.app).map((s) => s.name));
    const missing = names.filter((name) => !known.has(name));
    if (missing.length > 0) throw unknownSecrets(this.#options.app, missing);

    this.platform.secrets.unset(this.#options.app, names);
    return this.#afterSecretsChange(request, sink, signal);
  }

  async deploySecrets(
    _request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome> {
    if (this.#appMachines().length === 0) {
      throw new FlysimError('FLYSIM_SECRETS_NO_MACHINES', 'no machines available to deploy', {
        hint: "'flysim secrets deploy' will only work if the app has been deployed; try 'flysim deploy' first",
      });
    }
    return { message: undefined, deploy: await this.#restartOnly(sink, signal) };
  }

  requestShutdown(): void {
    this.#options.onShutdownRequested?.();
  }

  /**
   * Interrupts running deploys, then removes machines, services, the network and anything else
   * labelled with the run. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    for (const deploy of this.#deploys)
      deploy.controller.abort(new Error('the platform is going down'));
    await settleWithin(
      [...this.#deploys].map((deploy) => deploy.done),
      SETTLE_MS,
    );

    // The proxy first, so no request is forwarded to a machine being destroyed; a closed proxy
    // has nothing left to drain.
    this.#stopDraining?.();
    await Promise.allSettled([this.#proxy?.close()]);
    await this.platform.close();

    // A start still attaching a service may create a container after the platform closed.
    await settleWithin([this.#opening], SETTLE_MS);
    await this.#options.runtime.removeByLabel(LABELS.run, this.#options.runId);
  }

  async #afterSecretsChange(
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome> {
    if (request.stage) {
      const message =
        'Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.';
      return { message, deploy: undefined };
    }
    if (this.#appMachines().length === 0) {
      return { message: 'Secrets are staged for the first deployment', deploy: undefined };
    }
    return { message: undefined, deploy: await this.#restartOnly(sink, signal) };
  }

  #restartOnly(sink: StreamSink, signal: AbortSignal): Promise<DeployResult> {
    const { app, configPath } = this.#options;
    return this.#exclusive(sink, signal, (engine, deps, aborted) =>
      engine.secretsDeploy({ app, configPath, signal: aborted }, deps),
    );
  }

  /** One deploy at a time, like flyctl's leases; its lines go to `sink` while it runs. */
  async #exclusive(
    sink: StreamSink,
    signal: AbortSignal,
    run: (
      engine: DeployEngine,
      deps: { platform: Platform; proxy: EdgeProxy | undefined },
      signal: AbortSignal,
    ) => Promise<DeployResult>,
  ): Promise<DeployResult> {
    if (this.#deploying) throw deployInProgress(this.#options.app);
    if (this.#closing) throw goingDown();
    this.#deploying = true;

    const controller = new AbortController();
    const forward = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const reporter = this.#options.engine.report(this.platform, sink);
    const deps = { platform: this.platform, proxy: this.#proxy };
    const done = run(this.#options.engine, deps, controller.signal);
    const entry = { controller, done };
    this.#deploys.add(entry);

    try {
      return await done;
    } finally {
      this.#deploys.delete(entry);
      signal.removeEventListener('abort', forward);
      reporter.close();
      this.#deploying = false;
    }
  }

  #appMachines(): Machine[] {
    return this.platform
      .machines(this.#options.app)
      .filter(
        (m) => m.state !== 'destroyed' && m.config.metadata?.processGroup !== RELEASE_COMMAND_GROUP,
      );
  }

  #machineView(machine: Machine): MachineView {
    const checks = this.platform.health.checks(machine.id);
    const count = (status: string): number => checks.filter((c) => c.status === status).length;
    const events = this.platform.events.query({ machineId: machine.id });
    const metadata = machine.config.metadata;
    return {
      ...{ id: machine.id, name: machine.name, state: machine.state },
      ...{ processGroup: String(metadata?.processGroup ?? 'app'), region: this.platform.region },
      ...{ image: machine.config.image, version: machine.version },
      ...{ releaseVersion: Number(metadata?.releaseVersion ?? 0), restarts: machine.restartCount },
      checks: {
        ...{ total: checks.length, passing: count('passing') },
        ...{ warning: count('warning'), critical: count('critical') },
      },
      createdAt: iso(events[0]?.platformTime ?? this.clock.now()),
      updatedAt: iso(events.at(-1)?.platformTime ?? this.clock.now()),
      hostPorts: hostPorts(machine),
    };
  }

  #proxyView(): ProxyView {
    const proxy = this.#proxy;
    if (proxy === undefined) {
      return { running: false, urls: [], certificatePath: undefined, note: this.#proxyNote };
    }
    const urls = proxy.listeners
      .filter((l) => l.url.startsWith('http'))
      .map((l) => l.url.replace('://127.0.0.1:', '://localhost:'));
    return { running: true, urls, certificatePath: proxy.certificate.certPath, note: undefined };
  }
}

function hostPorts(machine: Machine): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const service of machine.config.services ?? []) {
    const hostPort = machine.hostPort(service.internalPort);
    if (hostPort !== undefined) ports[String(service.internalPort)] = hostPort;
  }
  return ports;
}

/** Without the proxy: each started machine's published port, straight to the app. */
export function machineUrls(machines: readonly MachineView[]): string[] {
  return machines
    .filter((m) => m.state === 'started')
    .flatMap((m) => Object.values(m.hostPorts).map((port) => `http://127.0.0.1:${port}`));
}

function definedMachine(query: LogQuery): { machineId?: string } {
  return query.machineId === undefined ? {} : { machineId: query.machineId };
}

function iso(platformTimeMs: number): string {
  return new Date(platformTimeMs).toISOString();
}

async function settleWithin(
  promises: readonly (Promise<unknown> | undefined)[],
  ms: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  const pending = promises.filter((p): p is Promise<unknown> => p !== undefined);
  await Promise.race([Promise.allSettled(pending), timeout]);
  clearTimeout(timer);
}

function deployInProgress(app: string): FlysimError {
  return new FlysimError('FLYSIM_DEPLOY_IN_PROGRESS', `another deploy of ${app} is running`, {
    hint: 'wait for it to finish (watch it with `flysim status`), then try again',
  });
}

function goingDown(): FlysimError {
  return new FlysimError('FLYSIM_PLATFORM_CLOSING', 'the platform is shutting down', {
    hint: 'start it again with `flysim up`',
  });
}

function unknownSecrets(app: string, names: readonly string[]): FlysimError {
  return new FlysimError(
    'FLYSIM_SECRETS_UNKNOWN',
    `app ${app} has no secret named ${names.join(', ')}`,
    { hint: 'list them with `flysim secrets list`' },
  );
}
