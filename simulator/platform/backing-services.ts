import { randomBytes } from 'node:crypto';
import type { EventLog } from '../events/event-log.js';
import type { BackingServiceKind, BackingServiceState } from '../events/event-types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { flysimLabels } from '../runtime/labels.js';
import type { SecretsStore } from './secrets-store.js';

export interface BackingServiceDeps {
  readonly runtime: ContainerRuntime;
  readonly events: EventLog;
  readonly secrets: SecretsStore;
  readonly runId: string;
  readonly network: string;
}

/**
 * Postgres or Redis on the run's network, reachable from machines as `<app>-db.internal` or
 * `<app>-redis.internal`. Faults stop, pause or disconnect it; `restore()` undoes any of them.
 */
export class BackingService {
  readonly kind: BackingServiceKind;
  readonly app: string;
  readonly hostname: string;
  readonly containerId: string;
  readonly #deps: BackingServiceDeps;
  #state: BackingServiceState = 'started';

  constructor(
    deps: BackingServiceDeps,
    init: { kind: BackingServiceKind; app: string; hostname: string; containerId: string },
  ) {
    this.#deps = deps;
    this.kind = init.kind;
    this.app = init.app;
    this.hostname = init.hostname;
    this.containerId = init.containerId;
  }

  get state(): BackingServiceState {
    return this.#state;
  }

  async stop(): Promise<void> {
    await this.restore();
    await this.#deps.runtime.stopContainer(this.containerId, {
      signal: 'SIGTERM',
      timeoutMs: 10_000,
    });
    this.#set('stopped');
  }

  async pause(): Promise<void> {
    await this.restore();
    await this.#deps.runtime.pauseContainer(this.containerId);
    this.#set('paused');
  }

  async disconnect(): Promise<void> {
    await this.restore();
    await this.#deps.runtime.disconnectFromNetwork(this.containerId, this.#deps.network);
    this.#set('disconnected');
  }

  /** Brings the service back to `started` from whichever fault it is in. */
  async restore(): Promise<void> {
    const { runtime } = this.#deps;
    if (this.#state === 'started') return;

    if (this.#state === 'stopped') await runtime.startContainer(this.containerId);
    if (this.#state === 'paused') await runtime.unpauseContainer(this.containerId);
    if (this.#state === 'disconnected')
      await runtime.connectToNetwork(this.containerId, {
        name: this.#deps.network,
        aliases: [this.hostname],
      });
    this.#set('started');
  }

  async remove(): Promise<void> {
    await this.#deps.runtime.removeContainer(this.containerId);
  }

  #set(state: BackingServiceState): void {
    this.#state = state;
    this.#deps.events.append({
      ...{ type: 'service.state_changed', app: this.app, service: this.kind },
      ...{ hostname: this.hostname, state },
    });
  }
}

/**
 * Starts Postgres for `app` and sets DATABASE_URL as a staged secret, the way `fly postgres
 * attach` does: a role and database named after the app, a generated password.
 */
export async function attachPostgres(
  deps: BackingServiceDeps,
  app: string,
  image: string,
): Promise<BackingService> {
  const hostname = `${app}-db.internal`;
  const name = app.replaceAll('-', '_');
  const credentials = { user: name, password: randomBytes(12).toString('hex'), database: name };
  const started = await deps.runtime.startBackingService({
    ...{ kind: 'postgres', image, credentials },
    network: { name: deps.network, aliases: [hostname] },
    labels: flysimLabels({ run: deps.runId, app, service: 'postgres' }),
  });

  const url = `postgres://${credentials.user}:${credentials.password}@${hostname}:${started.internalPort}/${credentials.database}?sslmode=disable`;
  deps.secrets.set(app, { DATABASE_URL: url });
  return announce(deps, { kind: 'postgres', app, hostname, containerId: started.containerId });
}

/** Starts Redis for `app` and sets REDIS_URL as a staged secret. */
export async function attachRedis(
  deps: BackingServiceDeps,
  app: string,
  image: string,
): Promise<BackingService> {
  const hostname = `${app}-redis.internal`;
  const started = await deps.runtime.startBackingService({
    ...{ kind: 'redis', image },
    network: { name: deps.network, aliases: [hostname] },
    labels: flysimLabels({ run: deps.runId, app, service: 'redis' }),
  });

  deps.secrets.set(app, { REDIS_URL: `redis://${hostname}:${started.internalPort}` });
  return announce(deps, { kind: 'redis', app, hostname, containerId: started.containerId });
}

function announce(
  deps: BackingServiceDeps,
  init: { kind: BackingServiceKind; app: string; hostname: string; containerId: string },
): BackingService {
  deps.events.append({
    type: 'service.state_changed',
    app: init.app,
    service: init.kind,
    hostname: init.hostname,
    state: 'started',
  });
  return new BackingService(deps, init);
}
