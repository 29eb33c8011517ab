import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError, processInterrupt } from './interrupt.js';

describe('the process interrupt', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('should abort on %s', (name) => {
    const interrupt = processInterrupt([]);
    try {
      process.emit(name, name);
      expect(interrupt.signal.reason).toEqual(new InterruptedError(name));
    } finally {
      interrupt.dispose();
    }
  });

  it('should abort when its output is closed under it, and stop listening once disposed', () => {
    const stdout = new PassThrough();
    const hangupListeners = process.listenerCount('SIGHUP');
    const interrupt = processInterrupt([stdout]);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    stdout.emit('error', epipe);

    expect(interrupt.signal.reason).toEqual(new InterruptedError('EPIPE'));
    interrupt.dispose();
    expect(stdout.listenerCount('error')).toBe(0);
    expect(process.listenerCount('SIGHUP')).toBe(hangupListeners);
  });
});
