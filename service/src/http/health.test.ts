import { describe, expect, it } from 'vitest';
import { runProbes } from './health.js';

describe('runProbes', () => {
  it('should report ok, not configured and unavailable per dependency', async () => {
    const results = await runProbes(
      [
        { name: 'database', check: async () => 1 },
        { name: 'redis', check: undefined },
        { name: 'queue', check: () => Promise.reject(new Error('connect ECONNREFUSED')) },
      ],
      1_000,
    );

    expect(results).toEqual({
      database: { status: 'ok' },
      redis: { status: 'not configured' },
      queue: { status: 'unavailable', error: 'connect ECONNREFUSED' },
    });
  });

  it('should give up on a probe that does not answer in time', async () => {
    const never = () => new Promise<never>(() => undefined);
    const results = await runProbes([{ name: 'database', check: never }], 20);

    expect(results['database']).toEqual({
      status: 'unavailable',
      error: 'database did not answer within 20ms',
    });
  });
});
