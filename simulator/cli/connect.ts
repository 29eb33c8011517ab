// Finding the platform a command talks to: the state directory of the app, its control.json,
// and a client for it. Also how streamed frames reach the terminal.

import type { CliContext } from './context.js';
import type { StreamFrame } from './control-api.js';
import { ControlClient, notRunning } from './control-client.js';
import { readControlState, resolveStateDir, type ControlState } from './state-file.js';

export interface Connection {
  readonly client: ControlClient;
  readonly state: ControlState;
  readonly stateDir: string;
}

/** The running platform's client, or undefined when none runs for this app directory. */
export async function findPlatform(
  ctx: CliContext,
  configPath: string | undefined,
): Promise<Connection | undefined> {
  const stateDir = resolveStateDir(ctx.env, ctx.cwd, configPath);
  const state = await readControlState(stateDir);
  return state === undefined
    ? undefined
    : { client: new ControlClient(state, { signal: ctx.interrupt }), state, stateDir };
}

/** Like findPlatform, but no platform is a usage error that says what to run. */
export async function connect(
  ctx: CliContext,
  configPath: string | undefined,
): Promise<Connection> {
  const connection = await findPlatform(ctx, configPath);
  if (connection !== undefined) return connection;

  const stateDir = resolveStateDir(ctx.env, ctx.cwd, configPath);
  throw notRunning(`no control.json in ${stateDir}`);
}

/**
 * Writes `out` frames to stdout and `err` frames to stderr, as they arrive. Under `--json`
 * stdout holds the one result object, so progress goes to stderr.
 */
export function frameWriter(ctx: CliContext, json = false): (frame: StreamFrame) => void {
  const progress = json ? ctx.stderr : ctx.stdout;
  return (frame) => {
    if (frame.type === 'out') progress.write(frame.text);
    else if (frame.type === 'err') ctx.stderr.write(frame.text);
    else if (frame.type === 'line') ctx.stdout.write(`${frame.text}\n`);
  };
}
