// bluegreen (reference §2.6): a green machine next to every blue one, out of the proxy's pool
// until every green is started and healthy; then greens take traffic, blues are cordoned,
// stopped and destroyed. Any failure before the greens are ready deletes them; blues keep serving.

import { resolveChecks } from '../../platform/machine-config.js';
import type { Machine } from '../../platform/machine.js';
import { machineLabel, type DeployContext } from '../deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES, deployError } from '../deploy-errors.js';
import { waitHealthy, waitStarted } from '../machine-wait.js';
import { BLUEGREEN_PAUSE_MS } from '../options.js';
import { WARM_STATES, type MachineUpdate } from '../update-machine.js';

interface Pair {
  readonly blue: Machine;
  readonly green: Machine;
}

export async function bluegreenUpdate(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
): Promise<void> {
  ctx.print('\nVerifying if app can be safely deployed \n');
  requireChecks(updates);

  const pairs: Pair[] = [];
  try {
    await createGreens(ctx, updates, pairs);
    await waitForGreens(ctx, pairs);
  } catch (error) {
    await rollBack(ctx, pairs);
    for (const { blue } of pairs) ctx.outcome(blue, 'not-attempted');
    throw asDeployError(error, DEPLOY_ERROR_CODES.bluegreen);
  }

  await retireBlues(ctx, pairs);
}

function requireChecks(updates: readonly MachineUpdate[]): void {
  if (updates.some((entry) => resolveChecks(entry.config).length > 0)) return;
  throw deployError(
    DEPLOY_ERROR_CODES.bluegreen,
    'app not in valid state for bluegreen deployments',
    {
      hint: 'You need to define at least 1 check in order to use blue-green deployments. Refer to https://fly.io/docs/reference/configuration/#services-tcp_checks',
    },
  );
}

async function createGreens(
  ctx: DeployContext,
  updates: readonly MachineUpdate[],
  pairs: Pair[],
): Promise<void> {
  ctx.print('Creating green machines');
  for (const { machine: blue, config } of updates) {
    const tag = String(Math.floor(ctx.clock.now() / 1000));
    const green = await ctx.platform.createMachine(
      ctx.app,
      { ...config, metadata: { ...config.metadata, fly_bluegreen_deployment_tag: tag } },
      { cordoned: true },
    );
    pairs.push({ blue, green });
    ctx.outcome(green, 'created');
    if (WARM_STATES.includes(blue.state)) await green.start();
    ctx.print(`  Created machine ${machineLabel(green)}`);
  }
}

async function waitForGreens(ctx: DeployContext, pairs: readonly Pair[]): Promise<void> {
  const started = pairs.filter(({ green }) => green.state !== 'created');

  ctx.print('Waiting for all green machines to start');
  for (const { green } of started) {
    await waitStarted(ctx, green);
    ctx.print(`  Machine ${machineLabel(green)} - started`);
  }

  ctx.print('Waiting for all green machines to be healthy');
  await Promise.all(
    started.map(({ green }) => waitHealthy(ctx, green, `green:${green.id}`, undefined)),
  );
  for (const { green } of started) {
    const total = resolveChecks(green.config).length;
    ctx.print(`  Machine ${machineLabel(green)} - ${total}/${total} passing`);
  }

  ctx.print('Marking green machines as ready');
  for (const { green } of pairs) {
    green.uncordon();
    ctx.print(`  Machine ${green.id} now ready`);
  }
}

async function retireBlues(ctx: DeployContext, pairs: readonly Pair[]): Promise<void> {
  ctx.print('Checkpointing deployment, this may take a few seconds...');
  ctx.print('Waiting before cordoning all blue machines');
  await ctx.clock.sleep(BLUEGREEN_PAUSE_MS, ctx.signal, 'pause');
  for (const { blue } of pairs) {
    blue.cordon();
    ctx.print(`  Machine ${blue.id} cordoned`);
  }

  ctx.print('Waiting before stopping all blue machines');
  await ctx.clock.sleep(BLUEGREEN_PAUSE_MS, ctx.signal, 'pause');
  ctx.print('Stopping all blue machines');
  ctx.print('Waiting for all blue machines to stop');
  await Promise.all(pairs.map(({ blue }) => blue.stop()));

  ctx.print('Destroying all blue machines');
  for (const { blue } of pairs) {
    await blue.destroy({ force: true });
    ctx.outcome(blue, 'destroyed');
    ctx.destroyed.push(blue);
    ctx.print(`  Machine ${blue.id} destroyed`);
  }
  ctx.print('Deployment Complete');
}

async function rollBack(ctx: DeployContext, pairs: readonly Pair[]): Promise<void> {
  ctx.print('Rolling back failed deployment', 'warn');
  for (const { green } of pairs) {
    await green.destroy({ force: true });
    ctx.outcome(green, 'destroyed');
    ctx.destroyed.push(green);
    ctx.print(`  Deleted machine ${green.id}`);
  }
}
