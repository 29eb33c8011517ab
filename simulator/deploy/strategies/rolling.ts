// rolling (reference §2.6): per process group, stopped machines take the new config and stay
// stopped; started ones go one at a time first (the spearhead), then in a pool of
// max_unavailable; the first failure cancels the rest and nothing is rolled back.

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

export async function rollingUpdate(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
): Promise<void> {
  for (const group of groupsOf(updates)) {
    ctx.checkInterrupted();
    await rollGroup(ctx, group);
  }
}

async function rollGroup(ctx: DeployContext, updates: readonly MachineUpdate[]): Promise<void> {
  const warm = updates.filter((entry) => WARM_STATES.includes(entry.machine.state));
  const cold = updates.filter((entry) => !warm.includes(entry));
  await Promise.all(cold.map((entry) => updateCold(ctx, entry)));

  const [spearhead, ...rest] = warm;
  if (spearhead === undefined) return;
  try {
    await updateAndVerify(ctx, spearhead);
  } catch (error) {
    for (const entry of rest) canceled(ctx, entry);
    throw error;
  }

  const size = poolSize(warm.length, ctx.options.maxUnavailable);
  await inPool(
    rest,
    size,
    (entry) => updateAndVerify(ctx, entry),
    (entry) => canceled(ctx, entry),
  );
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
