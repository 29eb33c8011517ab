import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSecretLines, readPipedInput, STDIN_MAX_BYTES, type Stdin } from './secret-input.js';

const piped = (text: string): Stdin => Readable.from([Buffer.from(text)]);

describe('secrets import lines', () => {
  it('should read NAME=VALUE lines, skipping blanks and comments, unquoting values', () => {
    const text = [
      '# production keys',
      '',
      'SECRET_KEY=abc=def',
      '  SPACED  =   value with spaces',
      'QUOTED="kept # and spaces "',
      'EMPTY=',
    ].join('\n');

    expect(parseSecretLines(text)).toEqual({
      SECRET_KEY: 'abc=def',
      SPACED: 'value with spaces',
      QUOTED: 'kept # and spaces ',
      EMPTY: '',
    });
  });

  it('should keep the newlines of a """ block and go on after it', () => {
    const text = 'CERT="""-----BEGIN-----\r\nline two\r\n-----END-----"""\nNEXT=1\n';

    expect(parseSecretLines(text)).toEqual({
      CERT: '-----BEGIN-----\nline two\n-----END-----',
      NEXT: '1',
    });
  });

  it('should name the line, and never its value, when a line is not NAME=VALUE', () => {
    const parse = () => parseSecretLines('A=1\nhunter2-the-password\n');
    expect(parse).toThrow('standard input line 2 is not NAME=VALUE');
    expect(parse).not.toThrow(/hunter2/);
    expect(() => parseSecretLines('=value')).toThrow('line 1 is not NAME=VALUE');
  });

  it('should say where a """ block that never closes began', () => {
    expect(() => parseSecretLines('A=1\nKEY="""start\nmore\n')).toThrow(
      'the value opened with """ on standard input line 2 never closes',
    );
  });
});

describe('piped input', () => {
  it('should read all of it, and refuse a terminal and more than 64 KiB', async () => {
    await expect(readPipedInput(piped('s3cr3t\n'), 'secret `A`', 'x')).resolves.toBe('s3cr3t\n');

    const terminal = Object.assign(Readable.from([]), { isTTY: true });
    await expect(readPipedInput(terminal, 'secret `A`', 'x')).rejects.toThrow(
      'secret `A` expects standard input but none provided',
    );
    await expect(readPipedInput(piped('x'.repeat(STDIN_MAX_BYTES + 1)), 'x', 'x')).rejects.toThrow(
      'standard input exceeded the limit of 65536 bytes',
    );
  });
});
