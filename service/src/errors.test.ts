import { describe, expect, it } from 'vitest';
import { describeError, errorCode } from './errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeError', () => {
  it('should use the first inner error of an AggregateError with no message (pg on localhost)', () => {
    const aggregate = new AggregateError(
      [withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), new Error('second')],
      '',
    );
    expect(describeError(aggregate)).toBe('connect ECONNREFUSED ::1:5432');
  });

  it('should add the code when the message does not mention it', () => {
    expect(describeError(withCode('password authentication failed', '28P01'))).toBe(
      'password authentication failed (28P01)',
    );
  });

  it('should keep to one line', () => {
    expect(describeError(new Error('first\n  second'))).toBe('first second');
  });

  it('should describe values that are not errors', () => {
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new TypeError(''))).toBe('TypeError');
  });
});

describe('errorCode', () => {
  it('should return only string codes', () => {
    expect(errorCode(withCode('x', 'ENOTFOUND'))).toBe('ENOTFOUND');
    expect(errorCode({ code: 42 })).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});
