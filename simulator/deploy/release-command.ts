// The release command (reference §2.3): a throwaway machine with the new image runs it once per
// deploy attempt; a non-zero exit or release_command_timeout aborts the deploy before any app
// machine is touched. A timed-out machine is left running; the next deploy destroys it.

import type { MachineConfig } from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import type { DeployContext } from './deploy-context.js';
import { DEPLOY_ERROR_CODES, deployError } from './deploy-errors.js';
import { lastLogLines, withDeadline } from './machine-wait.js';
import { leftoverReleaseMachines } from './platform-config.js';

const ABORTING = 'release command failed - aborting deployment.';

export async function destroyLeftoverReleaseMachines(ctx: DeployContext): Promise<void> {
  for (const machine of leftoverReleaseMachines(ctx.platform.machines(ctx.app))) {
    await machine.destroy({ force: true }).catch(() => {
      // flyctl ignores errors here too: the leftover is only in the way of the org's limits.
    });
  }
}

export async function runReleaseCommand(
  ctx: DeployContext,
  command: string,
  config: MachineConfig,
): Promise<void> {
  ctx.print(`Running ${ctx.app} release_command: ${command}`, 'warn');
  const machine = await createReleaseMachine(ctx, config);
  const key = `release:${machine.id}`;
  ctx.status(key, 'running', `Created release_command machine ${machine.id}`);
  const sinceSeq = ctx.events.size;

  await startReleaseMachine(ctx, machine, key);
  await waitUntilDestroyed(ctx, machine);
  ctx.status(key, 'running', `Waiting for ${machine.id} to get exit event`);

  const exitCode = lastExitCode(ctx, machine, sinceSeq);
  if (exitCode === 0) {
    ctx.status(key, 'succeeded', `release_command ${machine.id} completed successfully`);
    return;
  }
  ctx.status(key, 'failed', 'release_command failed');
  throw releaseFailed(ctx, machine, exitCode);
}

async function createReleaseMachine(ctx: DeployContext, config: MachineConfig): Promise<Machine> {
  try {
    return await ctx.platform.createMachine(ctx.app, config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw deployError(
      DEPLOY_ERROR_CODES.releaseCommand,
      `${ABORTING} error running release_command machine: error creating a release_command machine: ${reason}`,
      { cause: error },
    );
  }
}

async function startReleaseMachine(ctx: DeployContext, machine: Machine, key: string) {
  ctx.status(key, 'running', 'Starting machine');
  try {
    await machine.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    ctx.print(`error starting release_command machine: ${reason}`, 'error');
    throw deployError(DEPLOY_ERROR_CODES.releaseCommand, `${ABORTING} ${reason}`, { cause: error });
  }
  ctx.status(key, 'running', `Waiting for ${machine.id} to have state: started`);
  ctx.status(key, 'running', `Machine ${machine.id} has state: started`);
}

async function waitUntilDestroyed(ctx: DeployContext, machine: Machine): Promise<void> {
  const timeoutMs = ctx.options.releaseCommandTimeoutMs;
  const state = await withDeadline(ctx, timeoutMs, (signal) =>
    machine.waitForState(['destroyed'], signal),
  );
  if (state !== undefined) return;

  throw deployError(
    DEPLOY_ERROR_CODES.releaseCommandTimeout,
    `${ABORTING} error waiting for release_command machine ${machine.id} to finish running: timeout reached waiting for machine's state to change\n\nYour machine never reached the state "destroyed".`,
    { hint: 'You can try increasing the timeout with the --release-command-timeout flag' },
  );
}

function lastExitCode(ctx: DeployContext, machine: Machine, sinceSeq: number): number {
  const exits = ctx.events
    .query({ type: 'machine.exited', machineId: machine.id })
    .filter((exit) => exit.seq > sinceSeq);
  return exits.at(-1)?.exitCode ?? -1;
}

function releaseFailed(ctx: DeployContext, machine: Machine, exitCode: number) {
  ctx.print(
    [
      `Error release_command failed running on machine ${machine.id} with exit code ${exitCode}.`,
      'Checking logs: fetching the last 100 lines below:',
      ...lastLogLines(ctx, machine.id),
    ].join('\n'),
    'error',
  );
  return deployError(
    DEPLOY_ERROR_CODES.releaseCommand,
    `${ABORTING} machine ${machine.id} exited with non-zero status of ${exitCode}`,
    { hint: `Check the release command's output above, or run 'flysim logs -i ${machine.id}'` },
  );
}
