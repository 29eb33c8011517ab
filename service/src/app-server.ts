import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from './app.js';
import { createDatabase, createPool } from './db/database.js';
import type { Database } from './db/schema.js';
import { describeError } from './errors.js';
import type { HealthOptions } from './http/health.js';
import { InFlightRequests } from './http/in-flight.js';
import { WebSocketHub } from './http/websocket-hub.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { closeRedis, createRedisClient } from './redis.js';
import type { Settings } from './settings.js';
import { createDisabledCache, createRedisCache } from './tareas/cache.js';
import { createTareaRepository } from './tareas/repository.js';
import { createTareaService } from './tareas/service.js';

/** The whole app wired to its database, Redis and WebSocket clients; `listen()` starts it. */
export interface AppServer {
  listen(): Promise<AddressInfo>;
  /**
   * Graceful stop: stop accepting, close WebSockets with 1001, let in-flight requests finish,
   * then close Redis and the pool. Idempotent.
   */
  close(): Promise<void>;
}

export function createAppServer(settings: Settings, logger: Logger): AppServer {
  return new WiredAppServer(settings, logger);
}

class WiredAppServer implements AppServer {
  readonly #startedAtMs = performance.now();
  readonly #inFlight = new InFlightRequests();
  readonly #db: Kysely<Database>;
  readonly #redis: Redis | undefined;
  readonly #hub: WebSocketHub;
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly logger: Logger,
  ) {
    const metrics = createMetrics();
    this.#db = createDatabase(createPool(settings.databaseUrl, logger));
    this.#redis =
      settings.redisUrl === undefined ? undefined : createRedisClient(settings.redisUrl, logger);
    this.#hub = new WebSocketHub(logger, metrics);

    const tareas = createTareaService({
      repository: createTareaRepository(this.#db),
      cache: this.#redis ? createRedisCache(this.#redis, metrics, logger) : createDisabledCache(),
      publish: (event) => this.#hub.broadcast(event),
    });
    const app = createApp({
      tareas,
      metrics,
      logger,
      health: this.#healthOptions(),
      inFlight: this.#inFlight,
      debugRoutes: settings.debugRoutes,
    });

    this.#server = createServer(app);
    this.#server.on('upgrade', (request, socket, head) =>
      this.#hub.handleUpgrade(request, socket, head),
    );
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.settings.port, this.settings.host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #healthOptions(): HealthOptions {
    const redis = this.#redis;
    return {
      version: this.settings.version,
      uptimeSeconds: () => (performance.now() - this.#startedAtMs) / 1000,
      probes: [
        { name: 'database', check: () => sql`select 1`.execute(this.#db) },
        { name: 'redis', check: redis && (() => redis.ping()) },
      ],
    };
  }

  // The order matters: no new connections first, then WebSockets (they would hold server.close
  // open forever), then whatever requests are still running, and only then the pools they use.
  async #shutdown(): Promise<void> {
    const drained = this.#stopAccepting();
    this.#inFlight.drain(() => setImmediate(() => this.#server.closeIdleConnections()));
    if (this.#inFlight.size > 0) this.logger.info(`waiting for ${this.#inFlight.size} request(s)`);

    await this.#hub.close();
    await drained;
    await this.#closePools();
  }

  #stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      // ERR_SERVER_NOT_RUNNING (never listened) means there is nothing to drain: fine.
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  async #closePools(): Promise<void> {
    const results = await Promise.allSettled([
      this.#redis && closeRedis(this.#redis),
      this.#db.destroy(),
    ]);

    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.warn(
          `shutdown: closing a connection pool failed: ${describeError(result.reason)}`,
        );
      }
    }
  }
}
