// Where a running platform can be found: `<stateDir>/control.json`, mode 0600, holding the control
// API's address and its token. Only the user who started `flysim up` can read it.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FlysimError } from '../errors.js';
import type { Env } from './context.js';

export const STATE_FILE_NAME = 'control.json';

export interface ControlState {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  readonly app: string;
  readonly runId: string;
  readonly configPath: string;
  readonly startedAt: string;
}

/** FLYSIM_STATE_DIR, else `.flysim/` beside the app's fly.toml (or in `cwd`). */
export function resolveStateDir(env: Env, cwd: string, configPath?: string): string {
  const fromEnv = env['FLYSIM_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(cwd, fromEnv);

  const appDir = configPath === undefined ? cwd : dirname(resolve(cwd, configPath));
  return join(appDir, '.flysim');
}

/** 32 random bytes as hex: what a client must send as `Authorization: Bearer <token>`. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export async function writeControlState(stateDir: string, state: ControlState): Promise<string> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, STATE_FILE_NAME);
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFile applies only when it creates the file.
  await chmod(file, 0o600);
  return file;
}

/** The state of a platform that is running, or undefined when none is (or the file is stale). */
export async function readControlState(stateDir: string): Promise<ControlState | undefined> {
  const file = join(stateDir, STATE_FILE_NAME);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;

  await refuseOpenPermissions(file);
  const state = parseState(text, file);
  return isAlive(state.pid) ? state : undefined;
}

/** Removes the state file, but only when it still belongs to `runId`. */
export async function removeControlState(stateDir: string, runId: string): Promise<void> {
  const file = join(stateDir, STATE_FILE_NAME);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;

  const owner = safeParse(text);
  if (owner === undefined || owner.runId === runId) await rm(file, { force: true });
}

async function refuseOpenPermissions(file: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) === 0) return;

  throw new FlysimError(
    'FLYSIM_CONTROL_STATE_PERMISSIONS',
    `${file} has mode ${mode.toString(8)}; expected 600, because it holds the control token`,
    { hint: `run \`chmod 600 ${file}\`, or \`flysim down\` and \`flysim up\` again` },
  );
}

function parseState(text: string, file: string): ControlState {
  const state = safeParse(text);
  if (state !== undefined) return state;

  throw new FlysimError(
    'FLYSIM_CONTROL_STATE_INVALID',
    `${file} is not a flysim control state file (expected JSON with url, token, pid)`,
    { hint: `remove ${file} and run \`flysim up\` again` },
  );
}

function safeParse(text: string): ControlState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;

  const record = value as Record<string, unknown>;
  const strings = ['url', 'token', 'app', 'runId', 'configPath', 'startedAt'];
  const ok = strings.every((key) => typeof record[key] === 'string');
  return ok && typeof record['pid'] === 'number' ? (record as unknown as ControlState) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
