import { describe, expect, it } from 'vitest';
import { isFlysimError } from '../errors.js';
import {
  flagList,
  flagString,
  parseArgs,
  parseAssignments,
  parseSpeed,
  type FlagSpec,
} from './args.js';
import { resolvePresentation } from './presentation.js';

const SPECS: FlagSpec[] = [
  { name: 'config', short: 'c', kind: 'string', value: 'PATH', help: '' },
  { name: 'json', kind: 'boolean', help: '' },
  { name: 'env', short: 'e', kind: 'list', value: 'K=V', help: '' },
];

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isFlysimError(error, 'FLYSIM_CLI_USAGE')) return `${error.message}; ${error.hint ?? ''}`;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseArgs', () => {
  it('should read long, short, inline and repeated flags and positionals', () => {
    const args = parseArgs(
      ['-c', 'app/fly.toml', '--json', '-e', 'A=1', '--env=B=2', 'extra', '--', '--not-a-flag'],
      SPECS,
      'deploy',
    );
    expect(flagString(args, 'config')).toBe('app/fly.toml');
    expect(args.flags.get('json')).toBe(true);
    expect(flagList(args, 'env')).toEqual(['A=1', 'B=2']);
    expect(args.positionals).toEqual(['extra', '--not-a-flag']);
  });

  it('should name an unknown flag, the command and the fix', () => {
    expect(usageMessage(() => parseArgs(['--strategy=x'], SPECS, 'deploy'))).toBe(
      'unknown flag --strategy for `flysim deploy`; run `flysim deploy --help` for its flags',
    );
  });

  it('should refuse a flag without its value, and a value given to a boolean', () => {
    expect(usageMessage(() => parseArgs(['--config'], SPECS, 'up'))).toContain(
      'flag --config of `flysim up` needs a value; write --config PATH',
    );
    expect(usageMessage(() => parseArgs(['-c', '--json'], SPECS, 'up'))).toContain('needs a value');
    expect(usageMessage(() => parseArgs(['--json=yes'], SPECS, 'up'))).toContain('takes no value');
  });
});

describe('parseSpeed', () => {
  it('should accept numbers above 0 and default when absent', () => {
    expect(parseSpeed(undefined, 1)).toBe(1);
    expect(parseSpeed('10', 1)).toBe(10);
    expect(parseSpeed('0.5', 1)).toBe(0.5);
  });

  it.each(['0', '-2', 'fast', '', 'Infinity'])('should refuse --speed %j with the fix', (text) => {
    expect(usageMessage(() => parseSpeed(text, 1))).toContain(
      `--speed expects a number above 0, got "${text}"; pass --speed 1`,
    );
  });
});

describe('parseAssignments', () => {
  it('should split on the first = and keep the rest of the value', () => {
    expect(parseAssignments(['A=1', 'URL=postgres://u:p@h/db?x=y', 'EMPTY='], '-e')).toEqual({
      A: '1',
      URL: 'postgres://u:p@h/db?x=y',
      EMPTY: '',
    });
  });

  it('should refuse a pair without a name', () => {
    expect(usageMessage(() => parseAssignments(['=1'], '--env'))).toContain(
      '--env expects NAME=VALUE, got "=1"',
    );
    expect(usageMessage(() => parseAssignments(['LOG_LEVEL'], '--env'))).toContain(
      'write --env LOG_LEVEL=VALUE',
    );
  });
});

describe('resolvePresentation', () => {
  it('should be live with colour on a terminal', () => {
    expect(resolvePresentation({ json: false, isTTY: true, env: {} })).toEqual({
      mode: 'tty',
      color: true,
    });
  });

  it('should print plain lines without colour in a pipe or under CI=true', () => {
    const plain = { mode: 'plain', color: false };
    expect(resolvePresentation({ json: false, isTTY: false, env: {} })).toEqual(plain);
    expect(resolvePresentation({ json: false, isTTY: true, env: { CI: 'true' } })).toEqual(plain);
  });

  it('should honour NO_COLOR when set and not empty', () => {
    expect(resolvePresentation({ json: false, isTTY: true, env: { NO_COLOR: '1' } }).color).toBe(
      false,
    );
    expect(resolvePresentation({ json: false, isTTY: true, env: { NO_COLOR: '' } }).color).toBe(
      true,
    );
  });

  it('should print JSON for --json, whatever the terminal', () => {
    expect(resolvePresentation({ json: true, isTTY: true, env: {} })).toEqual({
      mode: 'json',
      color: false,
    });
  });
});
