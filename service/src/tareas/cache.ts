import type { Redis } from 'ioredis';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppMetrics } from '../metrics.js';
import type { Tarea, TareaListQuery } from './tarea.js';

/**
 * Cache-aside for tareas: look in Redis, else load from the database and store the result.
 * Redis failures are counted and logged, never raised: the database is the source of truth, so
 * a cache outage costs latency, not errors.
 */
export interface TareaCache {
  tarea(id: number, load: () => Promise<Tarea | undefined>): Promise<Tarea | undefined>;
  list(query: TareaListQuery, load: () => Promise<Tarea[]>): Promise<Tarea[]>;
  /** Drops the tarea (when given) and every cached list. */
  invalidate(id?: number): Promise<void>;
}

/**
 * A read that loads an item just before a write commits can store the old version after the
 * write's invalidation; the TTL bounds how long that stale copy lives.
 */
export const CACHE_TTL_SECONDS = 60;

/**
 * Lists are keyed by a generation number that every write increments, so one INCR invalidates
 * all of them; the old keys just expire. A list loaded before a write is stored under the old
 * generation, which nobody reads any more, so lists never go stale.
 */
export const LIST_GENERATION_KEY = 'tareas:list:generation';

type CacheKind = 'item' | 'list';

export function tareaKey(id: number): string {
  return `tareas:item:${id}`;
}

export function listKey(generation: string, query: TareaListQuery): string {
  return `tareas:list:${generation}:${query.estado ?? '*'}:${query.limit}:${query.offset}`;
}

/** Without REDIS_URL: every read goes to the database. */
export function createDisabledCache(): TareaCache {
  return {
    tarea: (_id, load) => load(),
    list: (_query, load) => load(),
    invalidate: async () => undefined,
  };
}

export function createRedisCache(redis: Redis, metrics: AppMetrics, logger: Logger): TareaCache {
  return new RedisTareaCache(redis, metrics, logger);
}

class RedisTareaCache implements TareaCache {
  constructor(
    private readonly redis: Redis,
    private readonly metrics: AppMetrics,
    private readonly logger: Logger,
  ) {}

  async tarea(id: number, load: () => Promise<Tarea | undefined>): Promise<Tarea | undefined> {
    const key = tareaKey(id);
    const cached = await this.read<Tarea>('item', key);
    if (cached !== undefined) return cached;

    const tarea = await load();
    if (tarea !== undefined) await this.write(key, tarea);
    return tarea;
  }

  async list(query: TareaListQuery, load: () => Promise<Tarea[]>): Promise<Tarea[]> {
    const generation = await this.attempt('generation read', () =>
      this.redis.get(LIST_GENERATION_KEY),
    );
    if (generation === undefined) return load();

    const key = listKey(generation ?? '0', query);
    const cached = await this.read<Tarea[]>('list', key);
    if (cached !== undefined) return cached;

    const tareas = await load();
    await this.write(key, tareas);
    return tareas;
  }

  async invalidate(id?: number): Promise<void> {
    const transaction = this.redis.multi().incr(LIST_GENERATION_KEY);
    if (id !== undefined) transaction.del(tareaKey(id));

    await this.attempt('invalidation', () => transaction.exec());
  }

  private async read<T>(kind: CacheKind, key: string): Promise<T | undefined> {
    const cached = await this.attempt(`${kind} lookup`, () => this.redis.get(key));
    const result = cached === undefined ? 'error' : cached === null ? 'miss' : 'hit';
    this.metrics.cacheLookups.inc({ kind, result });

    return typeof cached === 'string' ? (JSON.parse(cached) as T) : undefined;
  }

  private async write(key: string, value: unknown): Promise<void> {
    await this.attempt('store', () =>
      this.redis.set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS),
    );
  }

  /** `undefined` when Redis failed; the caller falls back to the database. */
  private async attempt<T>(action: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.logger.warn(`cache: ${action} failed, using the database: ${describeError(error)}`);
      return undefined;
    }
  }
}
