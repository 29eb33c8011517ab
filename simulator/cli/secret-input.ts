// Secret values that stay off the command line (and out of shell history and `ps`): flyctl's
// `secrets set NAME=-`, which reads one value from standard input, and `secrets import`, which
// reads NAME=VALUE lines. Error messages name lines, never the values on them.

import { usageError } from './args.js';

/** What a command may read: the process's stdin, or a stream a test hands in. */
export type Stdin = NodeJS.ReadableStream & { readonly isTTY?: boolean };

/** flyctl's bound on what it reads from standard input. */
export const STDIN_MAX_BYTES = 64 * 1024;

/**
 * The piped input, whole; a terminal is no input at all (nothing would ever end it). `wanted`
 * names what reads it and `example` shows how to pipe it in, for the error.
 */
export async function readPipedInput(
  stdin: Stdin,
  wanted: string,
  example: string,
): Promise<string> {
  if (stdin.isTTY === true) {
    throw usageError(
      `${wanted} expects standard input but none provided`,
      `pipe it in, e.g. ${example}`,
    );
  }

  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > STDIN_MAX_BYTES) {
      throw usageError(
        `standard input exceeded the limit of ${STDIN_MAX_BYTES} bytes`,
        'a secret holds at most 64 KiB; store a larger file elsewhere and pass its location',
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `secrets import`'s format, as flyctl reads it: one NAME=VALUE a line; blank lines and lines
 * starting with `#` skipped; a value in double quotes loses them; a value opening with `"""`
 * runs until a line that ends with `"""`, newlines kept.
 */
export function parseSecretLines(text: string): Record<string, string> {
  const secrets: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trim() === '' || line.startsWith('#')) continue;

    const [name, value] = splitPair(line, index + 1);
    if (!value.startsWith('"""')) {
      secrets[name] = unquote(value);
      continue;
    }
    const block = readBlock(lines, index, value.slice(3));
    secrets[name] = block.value;
    index = block.lastIndex;
  }
  return secrets;
}

function splitPair(line: string, lineNumber: number): [string, string] {
  const eq = line.indexOf('=');
  const name = eq === -1 ? '' : line.slice(0, eq).trim();
  if (name === '') {
    throw usageError(
      `standard input line ${lineNumber} is not NAME=VALUE`,
      'write one NAME=VALUE a line; lines starting with # are comments',
    );
  }
  return [name, line.slice(eq + 1).replace(/^ +/, '')];
}

function readBlock(lines: readonly string[], start: number, first: string) {
  let value = `${first}\n`;
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.endsWith('"""')) return { value: value + line.slice(0, -3), lastIndex: index };
    value += `${line}\n`;
  }
  throw usageError(
    `the value opened with """ on standard input line ${start + 1} never closes`,
    'end it with a line that ends in """',
  );
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}
