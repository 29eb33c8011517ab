// The parts of a deploy that `fly deploy` and the restart-only deploy of `fly secrets` share:
// running the strategy over existing machines, and closing the release and the result.

import { isFlysimError } from '../errors.js';
import type { Release } from '../platform/releases.js';
import type { DeployContext } from './deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES, deployError, isAbort } from './deploy-errors.js';
import type { DeployedMachine, DeployError, DeployResult } from './deploy-result.js';
import { managedMachines } from './platform-config.js';
import { bluegreenUpdate } from './strategies/bluegreen.js';
import { canaryUpdate } from './strategies/canary.js';
import { immediateUpdate } from './strategies/immediate.js';
import { rollingUpdate } from './strategies/rolling.js';
import type { MachineUpdate } from './update-machine.js';

/** Existing machines updated with the strategy (reference §2.1 steps 9 and 12). */
export async function updateExisting(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
  firstDeploy: boolean,
): Promise<void> {
  ctx.startPhase(
    'update_machines',
    `Updating existing machines in '${ctx.app}' with ${ctx.options.strategy} strategy`,
  );
  for (const { machine } of updates) ctx.outcome(machine, 'not-attempted');

  const strategy = ctx.options.strategy;
  if (strategy === 'immediate') await immediateUpdate(ctx, updates);
  else if (strategy === 'bluegreen') await bluegreenUpdate(ctx, updates);
  else if (strategy === 'canary' && !firstDeploy) await canaryUpdate(ctx, updates);
  else await rollingUpdate(ctx, updates);
  ctx.finishPhase();
}

/** Slots `[i/N]` over the machines in id order, as flyctl's status lines number them. */
export function numbered<T extends { machine: { id: string } }>(items: readonly T[]) {
  const sorted = [...items].sort((a, b) => a.machine.id.localeCompare(b.machine.id));
  return sorted.map((item, i) => ({ ...item, slot: { index: i + 1, total: sorted.length } }));
}

/**
 * Turns whatever stopped the deploy into its stage's error; an interrupt is its own stage, and
 * its hint says what it left behind: nothing before the release, else updated machines.
 */
export function failureOf(ctx: DeployContext, error: unknown, release: Release | undefined) {
  if (ctx.signal?.aborted === true || isAbort(error)) {
    const hint =
      release === undefined
        ? 'it stopped before the release: nothing on the platform changed'
        : `release v${release.version} is marked interrupted; machines already updated keep it`;
    return deployError(DEPLOY_ERROR_CODES.interrupted, 'deploy interrupted', {
      cause: error,
      hint,
    });
  }
  if (isFlysimError(error) && error.code.startsWith('FLYSIM_DEPLOY_')) return error;
  return asDeployError(error, DEPLOY_ERROR_CODES.updateMachine);
}

export function closeRelease(
  ctx: DeployContext,
  release: Release | undefined,
  error?: DeployError,
) {
  if (release === undefined) return;
  const status =
    error === undefined
      ? 'complete'
      : error.code === DEPLOY_ERROR_CODES.interrupted
        ? 'interrupted'
        : 'failed';
  ctx.platform.releases.setStatus(ctx.app, release.version, status, error?.message);
}

export function finishDeploy(
  ctx: DeployContext,
  release: Release | undefined,
  image: string,
  error?: DeployError,
): DeployResult {
  if (error === undefined) ctx.startPhase('done');
  ctx.events.append({
    ...{ type: 'deploy.finished', app: ctx.app, deployId: ctx.deployId },
    ...{ status: error === undefined ? 'succeeded' : 'failed', phase: ctx.phase },
    ...{ releaseVersion: release?.version, errorCode: error?.code },
    ...{ errorMessage: error?.message, errorHint: error?.hint },
  });
  return {
    app: ctx.app,
    release: { version: release?.version ?? 0, image },
    status: error === undefined ? 'succeeded' : 'failed',
    phase: ctx.phase,
    ...(error === undefined ? {} : { error }),
    machines: machinesOf(ctx),
    durations: { ...ctx.durations },
  };
}

export function toDeployError(error: {
  code: string;
  message: string;
  hint: string | undefined;
}): DeployError {
  return { code: error.code, message: error.message, hint: error.hint };
}

function machinesOf(ctx: DeployContext): DeployedMachine[] {
  const live = managedMachines(ctx.platform.machines(ctx.app));
  return [...live, ...ctx.destroyed].map((machine) => ({
    ...{ id: machine.id, name: machine.name },
    processGroup: machine.config.metadata?.processGroup ?? 'app',
    ...{ state: machine.state, version: machine.version },
    releaseVersion: machine.config.metadata?.releaseVersion ?? 0,
    restarts: machine.restartCount,
    outcome: ctx.outcomes.get(machine.id) ?? 'not-attempted',
  }));
}
