// immediate (reference §2.6): every machine updated at once (up to --max-concurrent), with no
// wait for state, smoke checks or health checks.

import type { DeployContext } from '../deploy-context.js';
import { DEFAULT_MAX_CONCURRENT } from '../options.js';
import { inPool, reportUpdate, WARM_STATES, type MachineUpdate } from '../update-machine.js';
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

/** No wait after the update: a machine that was not running is updated and stays stopped. */
async function updateNow(ctx: DeployContext, entry: MachineUpdate): Promise<void> {
  const skipLaunch = !WARM_STATES.includes(entry.machine.state);
  await reportUpdate(ctx, entry, () => entry.machine.update(entry.config, { skipLaunch }));
}
