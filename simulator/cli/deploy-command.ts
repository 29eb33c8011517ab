// `flysim deploy`: to the running platform through the control API, or with `--once` on a
// platform started for this deploy and torn down at its end.

import type { DeployResult } from '../deploy/deploy-result.js';
import { loadAppConfig, type LoadedApp } from './app-config-loader.js';
import {
  describeFlags,
  flagBoolean,
  flagList,
  flagString,
  parseArgs,
  parseAssignments,
  parseSpeed,
  usageError,
  type FlagSpec,
} from './args.js';
import { findPlatform, frameWriter, type Connection } from './connect.js';
import { EXIT, type CliContext } from './context.js';
import type { DeployCommandRequest, StreamSink } from './control-api.js';
import { notRunning } from './control-client.js';
import { npmCaFile } from './npm-ca.js';
import { createPlatform, runIdFromEnv } from './platform-runner.js';
import { resolvePresentation, type Presentation } from './presentation.js';
import { resolveStateDir } from './state-file.js';
import { CONFIG_FLAG, JSON_FLAG } from './talk-commands.js';
import { SERVICE_FLAGS, SPEED_FLAG, untilAborted } from './up-command.js';

const DEPLOY_FLAGS: FlagSpec[] = [
  CONFIG_FLAG,
  { name: 'once', kind: 'boolean', help: 'with no platform running: start one, deploy, tear down' },
  SPEED_FLAG,
  JSON_FLAG,
  { name: 'env', short: 'e', kind: 'list', value: 'K=V', help: 'set an env var for this deploy' },
  { name: 'explain', kind: 'boolean', help: 'narrate each step with the fly.toml line behind it' },
  ...SERVICE_FLAGS,
];

export const DEPLOY_USAGE = `Usage: flysim deploy [-c PATH] [--once] [--speed N] [--json] [-e K=V]... [--explain]

Deploys the app like \`fly deploy\`: verify, build, push, release command, machines with the
app's strategy. Exit 0: succeeded; 1: the deploy failed; 2: usage or config error.

${describeFlags(DEPLOY_FLAGS)}`;

export async function runDeploy(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, DEPLOY_FLAGS, 'deploy');
  if (args.positionals.length > 0) {
    throw usageError(
      `unexpected argument "${args.positionals[0] ?? ''}" for \`flysim deploy\``,
      'pass the app with --config path/to/fly.toml',
    );
  }
  const speed = parseSpeed(flagString(args, 'speed'), 1);
  const env = parseAssignments(flagList(args, 'env'), '--env');
  const presentation = resolvePresentation({
    ...{ json: flagBoolean(args, 'json'), isTTY: ctx.isTTY, env: ctx.env },
  });
  const request = { env, explain: flagBoolean(args, 'explain'), presentation };
  const loaded = await loadAppConfig(ctx, flagString(args, 'config'));

  const platform = await findPlatform(ctx, loaded.path);
  if (platform !== undefined) {
    warnIgnoredSpeed(ctx, args.flags.has('speed'));
    return finish(ctx, presentation, await deployRemote(ctx, platform, request));
  }
  if (!flagBoolean(args, 'once')) throw notRunning();

  const services = { postgres: flagBoolean(args, 'postgres'), redis: flagBoolean(args, 'redis') };
  return finish(ctx, presentation, await deployOnce(ctx, loaded, speed, services, request));
}

async function deployRemote(
  ctx: CliContext,
  { client }: Connection,
  request: DeployCommandRequest,
): Promise<DeployResult> {
  const frames = frameWriter(ctx, request.presentation.mode === 'json');
  try {
    return (await client.stream('POST', '/deploy', request, frames)) as DeployResult;
  } catch (error) {
    // The platform stops a deploy whose client went away; say where to see what it left.
    if (ctx.interrupt.aborted) ctx.stderr.write(REMOTE_INTERRUPTED);
    throw error;
  }
}

const REMOTE_INTERRUPTED =
  'Deploy interrupted: the platform stopped it; `flysim releases` and `flysim status` show ' +
  'where it left off\n';

/** A platform for this deploy only; torn down at the end, on failure and on Ctrl-C alike. */
export async function deployOnce(
  ctx: CliContext,
  loaded: LoadedApp,
  speed: number,
  services: { postgres: boolean; redis: boolean },
  request: DeployCommandRequest,
): Promise<DeployResult> {
  const running = createPlatform(
    {
      ...{ loaded, speed, ...services, proxy: true, control: false },
      stateDir: resolveStateDir(ctx.env, ctx.cwd, loaded.path),
      buildCaFile: await npmCaFile(ctx.env),
      ...runIdFromEnv(ctx.env),
    },
    'once',
  );
  try {
    await untilAborted(running.open(), ctx.interrupt);
    return await running.host.deploy(request, localSink(ctx, request.presentation), ctx.interrupt);
  } finally {
    await running.close();
  }
}

export function localSink(ctx: CliContext, presentation: Presentation): StreamSink {
  return {
    presentation,
    // Under --json stdout holds the one result object.
    out: (text) => (presentation.mode === 'json' ? ctx.stderr : ctx.stdout).write(text),
    err: (text) => ctx.stderr.write(text),
  };
}

/** `--json`: the result object alone on stdout. */
export function finish(ctx: CliContext, presentation: Presentation, result: DeployResult): number {
  if (presentation.mode === 'json') ctx.stdout.write(`${JSON.stringify(result)}\n`);
  return deployExitCode(ctx, result);
}

/** 0 when the deploy succeeded; 130 when Ctrl-C stopped it, as a shell expects; 2 in verify. */
export function deployExitCode(ctx: CliContext, result: DeployResult): number {
  if (result.status === 'succeeded') return EXIT.ok;
  if (ctx.interrupt.aborted) return EXIT.interrupted;
  return result.phase === 'verify' ? EXIT.usage : EXIT.failed;
}

function warnIgnoredSpeed(ctx: CliContext, given: boolean): void {
  if (!given) return;
  ctx.stderr.write(
    'Warning: --speed applies when a platform starts; the running platform keeps its own speed\n',
  );
}
