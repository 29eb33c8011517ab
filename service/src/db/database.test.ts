import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createPool, DEFAULT_CONNECT_TIMEOUT_MS } from './database.js';

describe('createPool', () => {
  it('should emulate pool_size=10, max_overflow=20: 30 at most, 10 kept when idle', async () => {
    const pool = createPool(
      'postgresql://u:p@127.0.0.1:1/d',
      createLogger(() => undefined),
    );

    expect(pool.options).toMatchObject({
      max: 30,
      min: 10,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
    });
    expect(pool.totalCount).toBe(0);
    await pool.end();
  });

  it('should log, not crash, when an idle connection is lost', async () => {
    const lines: string[] = [];
    const pool = createPool(
      'postgresql://u:p@127.0.0.1:1/d',
      createLogger((line) => lines.push(line)),
    );

    pool.emit('error', new Error('terminating connection due to administrator command'));

    expect(lines).toEqual([
      '[warn] database: idle connection lost: terminating connection due to administrator command',
    ]);
    await pool.end();
  });
});
