// rolling (reference §2.6): process groups roll side by side (up to 16 at once, as flyctl);
// within a group, stopped machines take the new config and stay stopped; started ones go one at
// a time first (the spearhead), then in a pool of max_unavailable. The first failure, in any
// group, cancels every machine not yet started on, and nothing is rolled back.

import { machineLabel, type DeployContext } from '../deploy-context.js';
import { poolSize } from '../options.js';
import { groupOf } from '../platform-config.js';
import {
  inPool,
  updateAndVerify,
  updateCold,
  WARM_STATES,
  type MachineUpdate,
} from '../update-machine.js';

/** flyctl updates at most this many process groups at once. */
export const MAX_PARALLEL_GROUPS = 16;

export async function rollingUpdate(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
): Promise<void> {
  ctx.checkInterrupted();
  const deploy = { failed: false };
  await inPool(
    groupsOf(updates),
    MAX_PARALLEL_GROUPS,
    (group) =>
      rollGroup(ctx, group, deploy).catch((error: unknown) => {
        deploy.failed = true;
        throw error;
      }),
    (group) => group.forEach((entry) => canceled(ctx, entry)),
  );
}

async function rollGroup(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
  deploy: { readonly failed: boolean },
): Promise<void> {
  const warm = updates.filter((entry) => WARM_STATES.includes(entry.machine.state));
  const cold = updates.filter((entry) => !warm.includes(entry));
  await Promise.all(cold.map((entry) => updateCold(ctx, entry)));

  // Another group's failure stops this one before its next machine, as flyctl's shared context.
  const next = (entry: MachineUpdate): Promise<void> =>
    deploy.failed ? Promise.resolve(canceled(ctx, entry)) : updateAndVerify(ctx, entry);
  const [spearhead, ...rest] = warm;
  if (spearhead === undefined) return;
  try {
    await next(spearhead);
  } catch (error) {
    for (const entry of rest) canceled(ctx, entry);
    throw error;
  }

  const size = poolSize(warm.length, ctx.options.maxUnavailable);
  await inPool(rest, size, next, (entry) => canceled(ctx, entry));
}

/** A machine the deploy never reached after a failure: left on its previous release. */
export function canceled(ctx: DeployContext, entry: MachineUpdate): void {
  const { machine, slot } = entry;
  ctx.outcome(machine, 'not-attempted');
  ctx.status(
    `update:${machine.id}`,
    'failed',
    `Machine ${machineLabel(machine)} update canceled`,
    slot,
    machine.id,
  );
}

export function groupsOf(updates: readonly MachineUpdate[]): MachineUpdate[][] {
  const groups = new Map<string, MachineUpdate[]>();
  for (const entry of updates) {
    const list = groups.get(groupOf(entry.machine)) ?? [];
    list.push(entry);
    groups.set(groupOf(entry.machine), list);
  }
  return [...groups.values()];
}
