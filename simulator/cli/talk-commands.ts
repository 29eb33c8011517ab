// The commands that only read from a running platform (status, machines list, releases,
// checks list, logs) and `down`.

import { flagBoolean, flagString, parseArgs, usageError, type FlagSpec } from './args.js';
import { connect, frameWriter } from './connect.js';
import { EXIT, type CliContext } from './context.js';
import type { CheckView, MachineView, ReleaseView, StatusView } from './control-api.js';
import { readControlState } from './state-file.js';
import { renderChecks, renderMachines, renderReleases, renderStatus } from './tables.js';

export const CONFIG_FLAG: FlagSpec = {
  name: 'config',
  short: 'c',
  kind: 'string',
  value: 'PATH',
  help: "the app's fly.toml (default: ./fly.toml); finds the platform of that app directory",
};
export const JSON_FLAG: FlagSpec = {
  name: 'json',
  short: 'j',
  kind: 'boolean',
  help: 'print JSON',
};
const READ_FLAGS = [CONFIG_FLAG, JSON_FLAG];

function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function noPositionals(positionals: readonly string[], command: string): void {
  if (positionals.length === 0) return;
  throw usageError(
    `unexpected argument "${positionals[0] ?? ''}" for \`flysim ${command}\``,
    `run \`flysim ${command} --help\``,
  );
}

export async function runStatus(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, READ_FLAGS, 'status');
  noPositionals(args.positionals, 'status');
  const { client } = await connect(ctx, flagString(args, 'config'));

  const status = await client.get<StatusView>('/status');
  if (flagBoolean(args, 'json')) writeJson(ctx, status);
  else ctx.stdout.write(renderStatus(status));
  return EXIT.ok;
}

export async function runMachines(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'ls') {
    throw usageError(
      `unknown machines command "${sub ?? ''}"`,
      'flysim has `flysim machines list`',
    );
  }
  const args = parseArgs(rest, READ_FLAGS, 'machines list');
  noPositionals(args.positionals, 'machines list');
  const { client, state } = await connect(ctx, flagString(args, 'config'));

  const machines = await client.get<MachineView[]>('/machines');
  if (flagBoolean(args, 'json')) writeJson(ctx, machines);
  else ctx.stdout.write(renderMachines(state.app, machines));
  return EXIT.ok;
}

export async function runReleases(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, READ_FLAGS, 'releases');
  noPositionals(args.positionals, 'releases');
  const { client } = await connect(ctx, flagString(args, 'config'));

  const releases = await client.get<ReleaseView[]>('/releases');
  if (flagBoolean(args, 'json')) writeJson(ctx, releases);
  else ctx.stdout.write(renderReleases(releases));
  return EXIT.ok;
}

export async function runChecks(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') {
    throw usageError(`unknown checks command "${sub ?? ''}"`, 'flysim has `flysim checks list`');
  }
  const args = parseArgs(rest, READ_FLAGS, 'checks list');
  noPositionals(args.positionals, 'checks list');
  const { client, state } = await connect(ctx, flagString(args, 'config'));

  const checks = await client.get<CheckView[]>('/checks');
  if (flagBoolean(args, 'json')) writeJson(ctx, checks);
  else ctx.stdout.write(renderChecks(state.app, checks));
  return EXIT.ok;
}

const LOGS_FLAGS: FlagSpec[] = [
  CONFIG_FLAG,
  { name: 'instance', short: 'i', kind: 'string', value: 'MACHINE', help: 'only this machine' },
  { name: 'no-tail', short: 'n', kind: 'boolean', help: 'print recent logs and exit' },
];

/** `fly logs`: follows by default until Ctrl-C; `--no-tail` dumps what is there. */
export async function runLogs(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, LOGS_FLAGS, 'logs');
  noPositionals(args.positionals, 'logs');
  const { client } = await connect(ctx, flagString(args, 'config'));
  const machine = flagString(args, 'instance');
  const query = machine === undefined ? '' : `machine=${encodeURIComponent(machine)}&`;

  if (flagBoolean(args, 'no-tail')) {
    const lines = await client.get<string[]>(`/logs?${query}follow=0`);
    ctx.stdout.write(lines.map((line) => `${line}\n`).join(''));
    return EXIT.ok;
  }
  await client.stream('GET', `/logs?${query}follow=1`, undefined, frameWriter(ctx), ctx.interrupt);
  return EXIT.ok;
}

export async function runDown(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, [CONFIG_FLAG], 'down');
  noPositionals(args.positionals, 'down');
  const { client, state, stateDir } = await connect(ctx, flagString(args, 'config'));

  await client.post('/down', {});
  const gone = await waitForTeardown(stateDir, state.runId, 120_000);
  ctx.stderr.write(
    gone
      ? `Tore down ${state.app} (run ${state.runId}): machines, services and network removed\n`
      : `Asked ${state.app}'s platform (pid ${state.pid}) to tear down; it is still exiting\n`,
  );
  return gone ? EXIT.ok : EXIT.failed;
}

/** Polls until the platform's state file is gone (it is removed last), at most `timeoutMs`. */
async function waitForTeardown(
  stateDir: string,
  runId: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await readControlState(stateDir);
    if (state?.runId !== runId) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
