// One machine through flyctl's classic update path (reference §2.2, §2.5, §2.7): update, wait for
// `started`, smoke checks, health checks, the listen-address warning once per group.

import type { MachineConfig } from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import { machineLabel, type DeployContext, type StatusSlot } from './deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES } from './deploy-errors.js';
import { warnAboutListenAddress } from './listen-address.js';
import { smokeCheck, waitHealthy, waitStarted } from './machine-wait.js';
import { groupOf } from './platform-config.js';

/** States flyctl relaunches on update; any other machine is updated and stays stopped. */
export const WARM_STATES: readonly string[] = ['started', 'starting', 'failed', 'restarting'];

export interface MachineUpdate {
  readonly machine: Machine;
  readonly config: MachineConfig;
  readonly slot: StatusSlot;
}

/** Updates a machine and verifies it; marks its outcome and throws the stage's error. */
export async function updateAndVerify(ctx: DeployContext, entry: MachineUpdate): Promise<void> {
  await reportUpdate(ctx, entry, async (key) => {
    const sinceSeq = ctx.events.size;
    await entry.machine.update(entry.config);
    await verifyMachine(ctx, entry.machine, key, entry.slot, sinceSeq);
  });
}

/** A stopped machine takes the new config and stays stopped (reference §2.5). */
export async function updateCold(ctx: DeployContext, entry: MachineUpdate): Promise<void> {
  await reportUpdate(ctx, entry, () => entry.machine.update(entry.config, { skipLaunch: true }));
}

/**
 * Runs one machine's update as a status line: `Updating …`, then `update succeeded` or `update
 * failed` with the first line of the error, which is thrown on as the stage's deploy error.
 */
export async function reportUpdate(
  ctx: DeployContext,
  entry: MachineUpdate,
  work: (key: string) => Promise<void>,
): Promise<void> {
  const { machine, slot } = entry;
  const key = `update:${machine.id}`;
  const label = machineLabel(machine);
  ctx.status(key, 'running', `Updating ${label}`, slot, machine.id);

  try {
    await work(key);
  } catch (error) {
    ctx.outcome(machine, 'failed');
    const failure = asDeployError(error, DEPLOY_ERROR_CODES.updateMachine);
    const message = `Machine ${label} update failed: ${firstLine(failure.message)}`;
    ctx.status(key, 'failed', message, slot, machine.id);
    throw failure;
  }

  ctx.outcome(machine, 'updated');
  ctx.status(key, 'succeeded', `Machine ${label} update succeeded`, slot, machine.id);
}

/** Waits for started, smoke checks and health checks, unless the deploy is detached. */
export async function verifyMachine(
  ctx: DeployContext,
  machine: Machine,
  key: string,
  slot: StatusSlot | undefined,
  sinceSeq: number,
): Promise<void> {
  if (ctx.options.detach) return;
  const label = machineLabel(machine);

  ctx.status(key, 'running', `Waiting for ${label} to have state: started`, slot, machine.id);
  await waitStarted(ctx, machine);
  ctx.status(key, 'running', `Machine ${label} has state: started`, slot, machine.id);

  if (ctx.options.smokeChecks) {
    ctx.status(key, 'running', `Checking that ${label} is up and running`, slot, machine.id);
    await smokeCheck(ctx, machine, sinceSeq);
  }

  await waitHealthy(ctx, machine, key, slot);
  await warnOncePerGroup(ctx, machine);
}

/** Runs `work` over `items`, at most `concurrency` at once, stopping at the first failure. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  onSkipped: (item: T) => void,
): Promise<void> {
  const queue = [...items];
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      if (failure) return onSkipped(item);
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  for (const item of queue.splice(0)) onSkipped(item);
  if (failure) throw failure.error;
}

const warnedGroups = new WeakMap<DeployContext, Set<string>>();

async function warnOncePerGroup(ctx: DeployContext, machine: Machine): Promise<void> {
  const groups = warnedGroups.get(ctx) ?? new Set<string>();
  warnedGroups.set(ctx, groups);
  if (groups.has(groupOf(machine))) return;

  groups.add(groupOf(machine));
  await warnAboutListenAddress(ctx, machine);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
