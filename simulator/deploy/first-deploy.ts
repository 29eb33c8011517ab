// Machines for process groups that have none (reference §2.4): two per group with services (the
// second "for high availability"), one plus a stopped standby for a group without services.

import type { ProcessGroup } from '../config/app-config.js';
import type { MachineConfig } from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import { machineLabel, type DeployContext } from './deploy-context.js';
import { asDeployError, DEPLOY_ERROR_CODES } from './deploy-errors.js';
import { verifyMachine } from './update-machine.js';

export interface GroupLaunch {
  readonly group: ProcessGroup;
  readonly config: MachineConfig;
}

/** flyctl's `This deployment will:` bullets for the groups about to get machines. */
export function describeLaunches(launches: readonly GroupLaunch[]): string[] {
  return launches.map(({ group }) =>
    group.services.length > 0
      ? ` * create 2 "${group.name}" machines`
      : ` * create 1 "${group.name}" machine and 1 standby machine for it`,
  );
}

export async function launchGroups(
  ctx: DeployContext,
  launches: readonly GroupLaunch[],
): Promise<void> {
  for (const launch of launches) await launchGroup(ctx, launch);
  ctx.print('Finished launching new machines');
}

async function launchGroup(ctx: DeployContext, launch: GroupLaunch): Promise<void> {
  const { group, config } = launch;
  ctx.print(`No machines in group ${group.name}, launching a new machine`);
  const sinceSeq = ctx.events.size;
  const first = await launchOne(ctx, config);

  if (group.services.length === 0) {
    await createStandby(ctx, config, first);
    return verify(ctx, [first], sinceSeq);
  }
  ctx.print('Creating a second machine for high availability and zero downtime deployments.');
  ctx.print('To disable this, set "min_machines_running = 0" in your fly.toml.');
  const second = await launchOne(ctx, config);
  await verify(ctx, [first, second], sinceSeq);
}

async function launchOne(ctx: DeployContext, config: MachineConfig): Promise<Machine> {
  const machine = await ctx.platform.createMachine(ctx.app, config);
  ctx.outcome(machine, 'failed');
  ctx.status(
    `create:${machine.id}`,
    'none',
    `Machine ${machineLabel(machine)} was created`,
    undefined,
    machine.id,
  );
  try {
    await machine.start();
  } catch (error) {
    throw asDeployError(error, DEPLOY_ERROR_CODES.createMachine, 'error creating a new machine: ');
  }
  return machine;
}

async function createStandby(ctx: DeployContext, config: MachineConfig, primary: Machine) {
  ctx.print(`Creating a standby machine for ${primary.id}`);
  const env = { ...config.env, FLY_STANDBY_FOR: primary.id };
  const standby = await ctx.platform.createMachine(ctx.app, { ...config, env });
  ctx.outcome(standby, 'created');
}

async function verify(ctx: DeployContext, machines: readonly Machine[], sinceSeq: number) {
  if (ctx.options.strategy === 'immediate') {
    for (const machine of machines) ctx.outcome(machine, 'created');
    return;
  }
  await Promise.all(machines.map((machine) => verifyCreated(ctx, machine, sinceSeq)));
}

async function verifyCreated(ctx: DeployContext, machine: Machine, sinceSeq: number) {
  const key = `create:${machine.id}`;
  try {
    await verifyMachine(ctx, machine, key, undefined, sinceSeq);
  } catch (error) {
    const failure = asDeployError(error, DEPLOY_ERROR_CODES.createMachine);
    ctx.status(
      key,
      'failed',
      `Machine ${machineLabel(machine)} update failed: ${failure.message.split('\n')[0] ?? ''}`,
      undefined,
      machine.id,
    );
    throw failure;
  }
  ctx.outcome(machine, 'created');
  ctx.status(
    key,
    'succeeded',
    `Machine ${machineLabel(machine)} update finished: success`,
    undefined,
    machine.id,
  );
}
