import { Redis } from 'ioredis';
import { describeError } from './errors.js';
import type { Logger } from './logger.js';

export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Without an offline queue, commands fail at once while Redis is away instead of piling up, so
 * the cache falls back to the database and readiness answers quickly.
 */
export function createRedisClient(redisUrl: string, logger: Logger): Redis {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });

  watchConnection(redis, logger);
  return redis;
}

/** One line when Redis goes away and one when it is back, not one per reconnect attempt. */
function watchConnection(redis: Redis, logger: Logger): void {
  let reachable = true;

  redis.on('error', (error) => {
    if (reachable) logger.warn(`redis: ${describeError(error)}; reconnecting in the background`);
    reachable = false;
  });
  redis.on('ready', () => {
    if (!reachable) logger.info('redis: connected');
    reachable = true;
  });
}

/** QUIT when connected (lets pending replies arrive), else just drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit();
    return;
  }
  redis.disconnect();
}
