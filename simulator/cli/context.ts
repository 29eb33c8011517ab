// What every command gets: where to write, the environment, the directory, and Ctrl-C.

import type { Writable } from 'node:stream';
import { isFlysimError, type FlysimError } from '../errors.js';
import { InterruptedError } from './interrupt.js';
import type { Stdin } from './secret-input.js';

/** Where the CLI writes: passed in, so tests capture it and nothing below the CLI prints. */
export interface Output {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The environment the options are read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where fly.toml is looked for. @default process.cwd() */
  readonly cwd?: string;
  /** Whether stdout is a terminal. @default stdout.isTTY */
  readonly isTTY?: boolean;
  /** Aborts on Ctrl-C; by default SIGINT and SIGTERM of this process. */
  readonly interrupt?: AbortSignal;
  /** Where `secrets set NAME=-` and `secrets import` read values. @default process.stdin */
  readonly stdin?: Stdin;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface CliContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Env;
  readonly cwd: string;
  readonly isTTY: boolean;
  /** Aborts when the user asks the command to stop (Ctrl-C, SIGTERM). */
  readonly interrupt: AbortSignal;
  /** Read only by the commands that take secret values from it. */
  readonly stdin: Stdin;
}

/** Exit codes: 0 succeeded, 1 the deploy (or the operation) failed, 2 usage or config error. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const USAGE_CODES = new Set([
  'FLYSIM_CLI_USAGE',
  'FLYSIM_CLOCK_INVALID_SPEED',
  'FLYSIM_CONTROL_NOT_RUNNING',
  'FLYSIM_CONTROL_ALREADY_RUNNING',
]);

/** A usage or config mistake exits 2; everything else that failed exits 1. */
export function exitCodeOf(error: FlysimError): number {
  const usage = USAGE_CODES.has(error.code) || error.code.startsWith('FLYSIM_CONFIG_');
  return usage ? EXIT.usage : EXIT.failed;
}

/** One line: `Error: <message>; <fix>`. The stack only with FLYSIM_DEBUG set. */
export function reportError(error: unknown, ctx: Pick<CliContext, 'stderr' | 'env'>): number {
  // Ctrl-C on a command that only talks to the platform: nothing to report, the shell's code.
  if (error instanceof InterruptedError) return EXIT.interrupted;

  const debug = (ctx.env['FLYSIM_DEBUG'] ?? '') !== '';
  if (isFlysimError(error)) {
    const hint = error.hint === undefined ? '' : `; ${error.hint}`;
    ctx.stderr.write(`Error: ${error.message}${hint}\n`);
    if (debug && error.stack !== undefined) ctx.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }

  const message = error instanceof Error ? error.message : String(error);
  ctx.stderr.write(`Error: ${message}\n`);
  if (debug && error instanceof Error && error.stack !== undefined) {
    ctx.stderr.write(`${error.stack}\n`);
  }
  return EXIT.failed;
}
