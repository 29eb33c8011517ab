// The CLI as a user runs it: `node simulator/bin/flysim.js ...` from the repo root, on Docker.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'simulator/bin/flysim.js';
let stateRoot = '';

beforeAll(async () => {
  stateRoot = await mkdtemp(join(tmpdir(), 'flysim-cli-e2e-'));
});

afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

/** Every flysim this file spawned; a failed expectation must not leave one running. */
const spawned = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited(child);
  }
  spawned.clear();
});

function env(name: string, runId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FLYSIM_STATE_DIR: join(stateRoot, name),
    FLYSIM_RUN_ID: runId,
    CI: 'true',
  };
}

async function flysim(args: string[], environment: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { cwd: ROOT, env: environment });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A variable of the running container of a machine, as the app sees it. */
async function containerEnv(machineId: string, name: string): Promise<string> {
  const filter = `label=dev.flysim.machine=${machineId}`;
  const container = (await run('docker', ['ps', '-q', '--filter', filter])).stdout.trim();
  return (await run('docker', ['exec', container, 'printenv', name])).stdout;
}

/** Like `flysim`, with `input` piped to its stdin. */
function flysimWithStdin(args: string[], input: string, environment: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('node', [BIN, ...args], { cwd: ROOT, env: environment });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, ...out }));
    child.stdin.end(input);
  });
}

async function labelled(runId: string): Promise<string[]> {
  const filter = `label=dev.flysim.run=${runId}`;
  const containers = await run('docker', ['ps', '-aq', '--filter', filter]);
  const networks = await run('docker', ['network', 'ls', '-q', '--filter', filter]);
  return [...containers.stdout.split('\n'), ...networks.stdout.split('\n')].filter(
    (id) => id !== '',
  );
}

function spawnFlysim(
  args: string[],
  environment: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string } {
  const child = spawn('node', [BIN, ...args], { cwd: ROOT, env: environment });
  spawned.add(child);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

function exited(child: ChildProcess): Promise<number | null> {
  // A child killed by a signal has no exit code, and has already sent its one 'exit' event.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('flysim deploy --once', () => {
  it('should deploy the sample app, print the contract, and leave nothing labelled', async () => {
    const runId = `cli-e2e-once-${process.pid}`;
    const environment = env('once', runId);
    const keys = ['SECRET_KEY', 'JWT_SECRET_KEY'].map((name) => `${name}=${'k'.repeat(40)}${name}`);
    expect((await flysim(['secrets', 'set', ...keys], environment)).code).toBe(0);

    const result = await flysim(
      ['deploy', '--once', '--json', '--speed', '10', '--postgres', '--redis'],
      environment,
    );

    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      app: 'grupo-gad',
      release: {
        version: 1,
        image: expect.stringMatching(/^registry\.fly\.io\/grupo-gad:deployment-/) as unknown,
      },
      status: 'succeeded',
      phase: 'done',
    });
    const machines = printed['machines'] as { id: string; state: string; restarts: number }[];
    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      expect(machine).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{14}$/) as unknown,
        state: 'started',
        restarts: 0,
      });
    }
    expect(Object.keys(printed['durations'] as object)).toEqual(
      expect.arrayContaining(['verify', 'build', 'release_command', 'create_machines']),
    );
    expect(result.stderr).toContain('==> Building image');
    expect(result.stdout + result.stderr).not.toContain('k'.repeat(40));
    expect(await labelled(runId)).toEqual([]);
  }, 240_000);

  it('should stop on Ctrl-C mid-deploy, exit 130, and leave nothing labelled', async () => {
    const runId = `cli-e2e-once-sigint-${process.pid}`;
    const environment = env('once-sigint', runId);
    const keys = ['SECRET_KEY', 'JWT_SECRET_KEY'].map((name) => `${name}=${'k'.repeat(40)}${name}`);
    expect((await flysim(['secrets', 'set', ...keys], environment)).code).toBe(0);
    const deploy = spawnFlysim(['deploy', '--once', '--speed', '10', '--postgres'], environment);
    await expect
      .poll(deploy.output, { timeout: 180_000, interval: 200 })
      .toMatch(/Machine [0-9a-f]{14} \[app\] was created/);
    expect((await labelled(runId)).length).toBeGreaterThanOrEqual(3);

    deploy.child.kill('SIGINT');

    expect(await exited(deploy.child)).toBe(130);
    expect(await labelled(runId)).toEqual([]);
  }, 240_000);
});

describe('flysim up', () => {
  it('should answer status, take a secret, and tear everything down on flysim down', async () => {
    const runId = `cli-e2e-up-${process.pid}`;
    const environment = env('up', runId);
    const up = spawnFlysim(['up', '--speed', '10'], environment);
    await expect.poll(up.output, { timeout: 60_000, interval: 200 }).toContain('Control API:');

    const status = await flysim(['status', '--json'], environment);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      app: 'grupo-gad',
      runId,
      speed: 10,
      machines: [],
    });
    expect(await labelled(runId)).not.toEqual([]);

    const set = await flysim(['secrets', 'set', 'FEATURE_FLAG_TOKEN=abcdef123456'], environment);
    expect(set.stdout).toBe('Secrets are staged for the first deployment\n');
    const list = await flysim(['secrets', 'list'], environment);
    expect(list.stdout).toMatch(/^\* FEATURE_FLAG_TOKEN\t[0-9a-f]{16}\tStaged$/m);
    expect(list.stdout).not.toContain('abcdef123456');

    const down = await flysim(['down'], environment);
    expect(down.code, down.stderr).toBe(0);
    expect(await exited(up.child)).toBe(0);
    expect(await labelled(runId)).toEqual([]);
    expect((await flysim(['status'], environment)).stderr).toContain('flysim up');
  }, 120_000);

  it('should restart the deployed machines with a secret piped to secrets set', async () => {
    const runId = `cli-e2e-secrets-${process.pid}`;
    const environment = env('secrets', runId);
    const up = spawnFlysim(['up', '--speed', '10', '--postgres'], environment);
    await expect.poll(up.output, { timeout: 90_000, interval: 200 }).toContain('Control API:');
    const keys = ['SECRET_KEY', 'JWT_SECRET_KEY'].map((name) => `${name}=${'k'.repeat(40)}`);
    expect((await flysim(['secrets', 'set', '--stage', ...keys], environment)).code).toBe(0);
    const deploy = await flysim(['deploy'], environment);
    expect(deploy.code, deploy.stderr).toBe(0);

    const set = await flysimWithStdin(['secrets', 'set', 'FLAG_TOKEN=-'], 'ff-0123\n', environment);

    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("Updating existing machines in 'grupo-gad' with rolling strategy");
    expect(set.stdout + set.stderr).not.toContain('ff-0123');
    const listed = await flysim(['machines', 'list', '--json'], environment);
    const machines = JSON.parse(listed.stdout) as { id: string; releaseVersion: number }[];
    expect(machines.map((machine) => machine.releaseVersion)).toEqual([2, 2]);
    for (const { id } of machines) expect(await containerEnv(id, 'FLAG_TOKEN')).toBe('ff-0123\n');

    expect((await flysim(['down'], environment)).code).toBe(0);
    expect(await exited(up.child)).toBe(0);
    expect(await labelled(runId)).toEqual([]);
  }, 240_000);

  it('should remove every container and network of the run on SIGINT', async () => {
    const runId = `cli-e2e-sigint-${process.pid}`;
    const up = spawnFlysim(['up', '--speed', '10', '--redis'], env('sigint', runId));
    await expect.poll(up.output, { timeout: 90_000, interval: 200 }).toContain('Control API:');
    expect((await labelled(runId)).length).toBeGreaterThanOrEqual(2);

    up.child.kill('SIGINT');

    expect(await exited(up.child)).toBe(0);
    expect(up.output()).toContain('Torn down');
    expect(await labelled(runId)).toEqual([]);
  }, 120_000);
});
