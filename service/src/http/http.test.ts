import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { MAX_SLEEP_MS, parseSleepMs } from './debug.js';
import { toHttpFailure } from './errors.js';
import { routeLabel } from './observability.js';

describe('parseSleepMs', () => {
  it('should accept 0 to the cap', () => {
    expect(parseSleepMs('0')).toBe(0);
    expect(parseSleepMs('3000')).toBe(3000);
    expect(parseSleepMs(String(MAX_SLEEP_MS))).toBe(MAX_SLEEP_MS);
  });

  it.each([undefined, '', '-1', '1.5', 'abc', String(MAX_SLEEP_MS + 1), ['1']])(
    'should reject %j with a 400',
    (raw) => {
      expect(() => parseSleepMs(raw)).toThrow(
        new HttpError(400, 'ms must be an integer from 0 to 60000'),
      );
    },
  );
});

describe('toHttpFailure', () => {
  it('should keep an HttpError as it is', () => {
    expect(toHttpFailure(new HttpError(404, 'tarea 1 not found'))).toEqual({
      status: 404,
      message: 'tarea 1 not found',
    });
  });

  it('should turn body parser errors into 400 and 413', () => {
    expect(toHttpFailure({ type: 'entity.parse.failed' })).toEqual({
      status: 400,
      message: 'request body is not valid JSON',
    });
    expect(toHttpFailure({ type: 'entity.too.large' }).status).toBe(413);
  });

  it('should hide anything else behind a 500', () => {
    expect(toHttpFailure(new Error('relation "tareas" does not exist'))).toEqual({
      status: 500,
      message: 'internal error',
    });
  });
});

describe('routeLabel', () => {
  it('should use the route pattern, or "unmatched"', () => {
    expect(routeLabel({ route: { path: '/api/v1/tareas/:id' } })).toBe('/api/v1/tareas/:id');
    expect(routeLabel({ route: undefined })).toBe('unmatched');
  });
});
