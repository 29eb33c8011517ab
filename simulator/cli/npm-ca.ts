// The CA bundle npm trusts on this host, for builds that reach the npm registry from inside a
// container (behind a TLS-intercepting proxy, npm fails there without it). Read once, at the edge.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Env } from './context.js';

const run = promisify(execFile);

/** `FLYSIM_NPM_CAFILE` when set, else `npm config get cafile`; undefined when there is none. */
export async function npmCaFile(env: Env): Promise<string | undefined> {
  const explicit = env['FLYSIM_NPM_CAFILE'];
  if (explicit !== undefined && explicit !== '') return existing(explicit);

  try {
    const { stdout } = await run('npm', ['config', 'get', 'cafile'], { env, timeout: 10_000 });
    return existing(stdout.trim());
  } catch {
    // No npm on PATH, or it failed: builds then get no CA, exactly as on a host without one.
    return undefined;
  }
}

function existing(path: string): string | undefined {
  if (path === '' || path === 'null' || path === 'undefined') return undefined;
  return existsSync(path) ? path : undefined;
}
