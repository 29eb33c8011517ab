// How output looks: live lines on a terminal, plain lines in CI or a pipe, JSON for tools.

import type { Env } from './context.js';

export type OutputMode = 'tty' | 'plain' | 'json';

export interface Presentation {
  readonly mode: OutputMode;
  /** ANSI colour; never in JSON, never with NO_COLOR (no-color.org: set and not empty). */
  readonly color: boolean;
}

export interface PresentationInput {
  readonly json: boolean;
  readonly isTTY: boolean;
  readonly env: Env;
}

export function isCi(env: Env): boolean {
  const ci = (env['CI'] ?? '').toLowerCase();
  return ci === 'true' || ci === '1';
}

export function resolvePresentation(input: PresentationInput): Presentation {
  if (input.json) return { mode: 'json', color: false };

  const mode: OutputMode = input.isTTY && !isCi(input.env) ? 'tty' : 'plain';
  const noColor = (input.env['NO_COLOR'] ?? '') !== '';
  return { mode, color: mode === 'tty' && !noColor };
}
