// immediate (reference §2.6): every machine updated at once (up to --max-concurrent), with no
// wait for state, smoke checks or health checks.

import { machineLabel, type DeployContext } from '../deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES } from '../deploy-errors.js';
import { DEFAULT_MAX_CONCURRENT } from '../options.js';
import { inPool, WARM_STATES, type MachineUpdate } from '../update-machine.js';
import { canceled } from './rolling.js';

export async function immediateUpdate(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
): Promise<void> {
  await inPool(
    updates,
    DEFAULT_MAX_CONCURRENT,
    (entry) => updateNow(ctx, entry),
    (entry) => canceled(ctx, entry),
  );
}

async function updateNow(ctx: DeployContext, entry: MachineUpdate): Promise<void> {
  const { machine, slot } = entry;
  const key = `update:${machine.id}`;
  const skipLaunch = !WARM_STATES.includes(machine.state);
  ctx.status(key, 'running', `Updating ${machineLabel(machine)}`, slot, machine.id);

  try {
    await machine.update(entry.config, { skipLaunch });
  } catch (error) {
    ctx.outcome(machine, 'failed');
    const failure = asDeployError(error, DEPLOY_ERROR_CODES.updateMachine);
    ctx.status(
      key,
      'failed',
      `Machine ${machineLabel(machine)} update failed: ${failure.message}`,
      slot,
      machine.id,
    );
    throw failure;
  }
  ctx.outcome(machine, 'updated');
  ctx.status(
    key,
    'succeeded',
    `Machine ${machineLabel(machine)} update succeeded`,
    slot,
    machine.id,
  );
}
