// --explain: the fly.toml keys behind each phase, with their lines, for the CLI to narrate. Only
// keys the file really holds are named; the file is parsed once (positions come from config/).

import type { KeyPath } from '../config/positions.js';
import { formatForPath, parseSource } from '../config/source.js';
import type { ExplainedKey } from '../events/event-types.js';
import type { Explainer } from './deploy-context.js';
import type { DeployPhase } from './deploy-result.js';

const KEYS_BY_PHASE: Readonly<Record<DeployPhase, readonly KeyPath[]>> = {
  verify: [['app'], ['primary_region']],
  build: [
    ['build', 'dockerfile'],
    ['build', 'image'],
    ['build', 'args'],
    ['build', 'build-target'],
  ],
  push: [['app']],
  release_command: [
    ['deploy', 'release_command'],
    ['deploy', 'release_command_timeout'],
  ],
  create_machines: [['processes'], ['http_service'], ['services'], ['env']],
  update_machines: [
    ['deploy', 'strategy'],
    ['deploy', 'max_unavailable'],
    ['deploy', 'wait_timeout'],
    ['http_service', 'checks'],
    ['services', 0, 'http_checks'],
    ['services', 0, 'tcp_checks'],
    ['checks'],
  ],
  done: [],
};

export const NO_EXPLAIN: Explainer = () => [];

/** An explainer over one config file's text. */
export function explainerFor(path: string, text: string): Explainer {
  const parsed = parseSource(text, formatForPath(path));
  if (!parsed.ok) return NO_EXPLAIN;
  const lines = text.split(/\r?\n/);

  return (phase) =>
    KEYS_BY_PHASE[phase]
      .filter((key) => holds(parsed.data, key))
      .map((key): ExplainedKey => {
        const { line } = parsed.positions.locate(key);
        return { key: key.join('.'), file: path, line, text: (lines[line - 1] ?? '').trim() };
      });
}

function holds(data: unknown, path: KeyPath): boolean {
  let node: unknown = data;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node !== undefined;
}
