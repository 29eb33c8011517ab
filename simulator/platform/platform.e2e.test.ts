import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../clock/scaled-clock.js';
import { resolveImage } from '../images/stand-ins.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { MachineConfig } from './machine-config.js';
import type { Machine } from './machine.js';
import { Platform } from './platform.js';

const run = promisify(execFile);
const APP = 'grupo-gad';
const SECRET = 'e2e-secret-value-that-must-stay-in-env-only';
const runtime = new DockerRuntime();
const stateDir = mkdtempSync(join(tmpdir(), 'flysim-platform-'));
const platform = new Platform({
  ...{
    runtime,
    clock: new ScaledClock({ speed: 20 }),
    runId: `platform-e2e-${process.pid}`,
    stateDir,
  },
});
let image = '';

beforeAll(async () => {
  // The sample image when the lead's Dockerfile has landed, else the node stand-in.
  image = (await runtime.hasImage('grupo-gad:local'))
    ? 'grupo-gad:local'
    : await resolveImage('node:20-bookworm-slim', (name) => runtime.hasImage(name));
  await platform.open();
});

afterAll(async () => {
  await platform.close();
  await runtime.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function node(script: string, extra: Partial<MachineConfig> = {}): MachineConfig {
  return { image, entrypoint: [], cmd: ['node', '-e', script], ...extra };
}

async function inspect(target: string, format: string): Promise<string> {
  return (await run('docker', ['inspect', '--format', format, target])).stdout;
}

async function untilLogged(machine: Machine, text: string): Promise<void> {
  await expect
    .poll(() => platform.logs.query({ machineId: machine.id }).some((e) => e.message === text), {
      timeout: 15_000,
    })
    .toBe(true);
}

describe('platform on Docker', () => {
  it('should put secrets only in the environment, and redact them from app logs', async () => {
    platform.secrets.set(APP, { SECRET_KEY: SECRET });
    const machine = await platform.launchMachine(
      APP,
      node("console.log('key is ' + process.env.SECRET_KEY);setInterval(()=>{},1000)", {
        env: { SECRET_KEY: 'from-env' },
      }),
    );
    const container = machine.containerId ?? '';
    await untilLogged(machine, 'key is [redacted]');

    expect(await inspect(container, '{{json .Config.Env}}')).toContain(`"SECRET_KEY=${SECRET}"`);
    expect(await inspect(container, '{{json .Config.Cmd}} {{json .Config.Labels}}')).not.toContain(
      SECRET,
    );
    expect((await run('docker', ['history', '--no-trunc', image])).stdout).not.toContain(SECRET);
    expect(await inspect(image, '{{json .Config}}')).not.toContain(SECRET);
    expect(platform.logs.lines().join('\n') + platform.events.toJsonLines()).not.toContain(SECRET);
    expect(platform.secrets.list(APP)).toMatchObject([{ name: 'SECRET_KEY', status: 'Deployed' }]);
    await machine.destroy({ force: true });
  });

  it('should honour kill_timeout for an app that ignores SIGINT, then send SIGTERM', async () => {
    const machine = await platform.launchMachine(
      APP,
      node(
        "process.on('SIGINT',()=>console.log('ignoring SIGINT'));console.log('ready');setInterval(()=>{},1000)",
        {
          killTimeoutMs: 2_000,
        },
      ),
    );
    await untilLogged(machine, 'ready');
    const startedAt = Date.now();
    await machine.stop();

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_000);
    const signals = platform.events
      .query({ type: 'machine.signal_sent', machineId: machine.id })
      .map((e) => e.signal);
    expect(signals).toEqual(['SIGINT', 'SIGTERM']);
    expect(platform.events.query({ type: 'machine.exited', machineId: machine.id })).toMatchObject([
      { exitCode: 143, signal: 'SIGTERM', requestedStop: true },
    ]);
    expect(machine.state).toBe('stopped');
  });

  it('should return at once from a stop when the app exits on SIGINT', async () => {
    const machine = await platform.launchMachine(
      APP,
      node("console.log('ready');setInterval(()=>{},1000)"),
    );
    await untilLogged(machine, 'ready');
    const startedAt = Date.now();
    await machine.stop();

    expect(Date.now() - startedAt).toBeLessThan(1_500);
    const signals = platform.events
      .query({ type: 'machine.signal_sent', machineId: machine.id })
      .map((e) => e.signal);
    expect(signals).toEqual(['SIGINT']);
  });

  it('should stop a crash-looping machine after exactly 10 restarts at speed 20, with Fly’s log line', async () => {
    const machine = await platform.launchMachine(
      APP,
      node("console.error('boom');process.exit(1)"),
    );
    await expect
      .poll(
        () =>
          platform.events.query({ type: 'machine.restarts_exhausted', machineId: machine.id })
            .length,
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe(1);

    expect(
      platform.events.query({ type: 'machine.restarted', machineId: machine.id }),
    ).toHaveLength(10);
    expect(platform.events.query({ type: 'machine.exited', machineId: machine.id })).toHaveLength(
      11,
    );
    expect(machine.state).toBe('stopped');
    expect(platform.logs.lines({ machineId: machine.id }).at(-1)).toMatch(
      new RegExp(
        `^\\S+Z runner\\[${machine.id}\\] mad \\[info\\]machine has reached its max restart count of 10$`,
      ),
    );
  }, 90_000);
});
