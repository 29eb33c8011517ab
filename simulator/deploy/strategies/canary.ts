// canary (reference §2.6, classic path): per process group one extra machine on the new release
// must start and pass its checks; it is then destroyed and the update continues as rolling.

import type { Machine } from '../../platform/machine.js';
import { machineLabel, type DeployContext } from '../deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES } from '../deploy-errors.js';
import { groupOf } from '../platform-config.js';
import { verifyMachine, type MachineUpdate } from '../update-machine.js';
import { groupsOf, rollingUpdate } from './rolling.js';

export async function canaryUpdate(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
): Promise<void> {
  for (const group of groupsOf(updates)) {
    const first = group[0];
    if (first !== undefined) await runCanary(ctx, first);
  }
  ctx.print('Canary machines successfully created and healthy, destroying before continuing');
  await rollingUpdate(ctx, updates);
}

async function runCanary(ctx: DeployContext, template: MachineUpdate): Promise<void> {
  const group = groupOf(template.machine);
  const key = `canary:${group}`;
  ctx.status(key, 'running', `Creating canary machine for group ${group}`);
  const config = {
    ...template.config,
    metadata: { ...template.config.metadata, fly_canary: 'true' },
  };

  let canary: Machine | undefined;
  const sinceSeq = ctx.events.size;
  try {
    canary = await ctx.platform.createMachine(ctx.app, config);
    await canary.start();
    await verifyMachine(ctx, canary, key, undefined, sinceSeq);
  } catch (error) {
    const failure = asDeployError(error, DEPLOY_ERROR_CODES.createMachine);
    ctx.status(
      key,
      'failed',
      `Machine ${canary ? machineLabel(canary) : group} update failed: ${failure.message.split('\n')[0] ?? ''}`,
    );
    await canary?.destroy({ force: true });
    throw failure;
  }

  ctx.status(key, 'succeeded', `Machine ${machineLabel(canary)} update finished: success`);
  await canary.destroy({ force: true });
}
