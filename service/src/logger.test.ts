import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('should write one line per message, level first', () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));

    logger.info('listening on 0.0.0.0:8080');
    logger.warn('two\nlines');
    logger.error('boom');

    expect(lines).toEqual(['[info] listening on 0.0.0.0:8080', '[warn] two lines', '[error] boom']);
  });
});
