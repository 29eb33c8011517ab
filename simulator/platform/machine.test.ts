import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_MS } from '../clock/virtual-clock.js';
import { isFlysimError } from '../errors.js';
import { MACHINE_ID_PATTERN, MACHINE_NAME_PATTERN, newMachineId, newMachineName } from './ids.js';
import { machineHarness, TEST_IMAGE } from './test-harness.js';

const stateOnly = (e: { type: string }): boolean => e.type === 'machine.state_changed';
const lifecycle = (e: { type: string }): boolean =>
  e.type.startsWith('machine.') && e.type !== 'machine.created';

describe('machine identity', () => {
  it('should make 14-hex ids, adjective-noun-number names and ULID versions in platform time', () => {
    const { machine, clock } = machineHarness();
    const created = machine();

    expect(newMachineId()).toMatch(MACHINE_ID_PATTERN);
    expect(newMachineName()).toMatch(MACHINE_NAME_PATTERN);
    expect(created.version).toHaveLength(26);
    expect(decodeTime(created.version)).toBe(clock.now());
  });
});

describe('machine start', () => {
  it('should go created → starting → started and publish the service port', async () => {
    const h = machineHarness();
    const machine = h.machine({
      services: [{ protocol: 'tcp', internalPort: 8080, ports: [{ port: 443 }] }],
    });
    await machine.start();

    expect(h.timeline(stateOnly)).toEqual([
      [0, 'creating→created'],
      [0, 'created→starting'],
      [0, 'starting→started'],
    ]);
    expect(machine.hostPort(8080)).toBeGreaterThan(0);
    expect(h.logs.lines({ machineId: machine.id }).at(-1)).toMatch(
      /^2026-01-01T00:00:00Z runner\[01aaaaaaaaaaaa\] mad \[info\]Machine started in \d+ms$/,
    );
  });

  it('should set the FLY_* environment, let a secret beat [env], and let nothing override FLY_*', async () => {
    const h = machineHarness({
      secrets: () => ({ SECRET_KEY: 'from-secrets', FLY_MACHINE_ID: 'spoof' }),
    });
    const machine = h.machine({
      env: { SECRET_KEY: 'from-env', LOG_LEVEL: 'info' },
      metadata: { processGroup: 'app', releaseVersion: 3 },
    });
    await machine.start();
    const spec = h.runtime.containers[0]?.spec;

    expect(spec?.env).toMatchObject({
      ...{ FLY_APP_NAME: 'grupo-gad', FLY_MACHINE_ID: machine.id, FLY_ALLOC_ID: machine.id },
      ...{
        FLY_REGION: 'mad',
        PRIMARY_REGION: 'mad',
        FLY_IMAGE_REF: TEST_IMAGE,
        FLY_PROCESS_GROUP: 'app',
      },
      ...{ FLY_MACHINE_VERSION: machine.version, FLY_VM_MEMORY_MB: '256' },
      ...{ SECRET_KEY: 'from-secrets', LOG_LEVEL: 'info' },
    });
    expect(spec?.labels).toEqual({
      'dev.flysim.run': 'test',
      'dev.flysim.app': 'grupo-gad',
      'dev.flysim.machine': machine.id,
      'dev.flysim.release': 'v3',
    });
  });

  it('should end `failed` with a coded error when the container cannot be created', async () => {
    const h = machineHarness();
    h.runtime.failCreate(TEST_IMAGE, 'No such image');
    const machine = h.machine();
    const error = await machine.start().catch((e: unknown) => e);

    expect(isFlysimError(error, 'FLYSIM_MACHINE_LAUNCH_FAILED')).toBe(true);
    expect(machine.state).toBe('failed');
  });
});

describe('machine stop (kill_signal → kill_timeout → SIGTERM → SIGKILL)', () => {
  it('should return at once for an app that exits on SIGINT', async () => {
    const h = machineHarness();
    const machine = h.machine();
    await machine.start();
    await machine.stop();

    expect(h.clock.elapsed()).toBe(0);
    expect(h.timeline(lifecycle).slice(3)).toEqual([
      [0, 'started→stopping'],
      [0, 'SIGINT'],
      [0, 'exited 0 (requested)'],
      [0, 'stopping→stopped'],
    ]);
  });

  it('should send SIGTERM after kill_timeout to an app that ignores SIGINT', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { ignoreSignals: ['SIGINT'], exitCodeOnSignal: 143 });
    const machine = h.machine({ killTimeoutMs: 7_000 });
    await machine.start();
    const stopping = machine.stop();
    await h.clock.advance(60_000);
    await stopping;

    expect(h.timeline(lifecycle).slice(3)).toEqual([
      [0, 'started→stopping'],
      [0, 'SIGINT'],
      [7_000, 'SIGTERM'],
      [7_000, 'exited 143 (requested)'],
      [7_000, 'stopping→stopped'],
    ]);
    expect(h.events.query({ type: 'machine.exited' })[0]?.signal).toBe('SIGTERM');
  });

  it('should SIGKILL an app that ignores SIGINT and SIGTERM', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { ignoreSignals: ['SIGINT', 'SIGTERM'] });
    const machine = h.machine({ killSignal: 'SIGINT' });
    await machine.start();
    const stopping = machine.stop();
    await h.clock.advance(60_000);
    await stopping;

    expect(h.timeline(lifecycle).slice(3)).toEqual([
      [0, 'started→stopping'],
      [0, 'SIGINT'],
      [5_000, 'SIGTERM'],
      [10_000, 'SIGKILL'],
      [10_000, 'exited 137 (requested)'],
      [10_000, 'stopping→stopped'],
    ]);
    expect(h.logs.lines({ machineId: machine.id }).slice(-3)).toEqual([
      '2026-01-01T00:00:10Z app[01aaaaaaaaaaaa] mad [info] INFO Sending signal SIGKILL to main child process',
      "2026-01-01T00:00:10Z app[01aaaaaaaaaaaa] mad [info] INFO Main child exited with signal (with signal 'SIGKILL', core dumped? false)",
      '2026-01-01T00:00:10Z app[01aaaaaaaaaaaa] mad [info] INFO Starting clean up.',
    ]);
  });
});

describe('restart policy', () => {
  it('should restart a crashing machine exactly 10 times, then leave it stopped with Fly’s log line', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 1_000, exitCode: 1 });
    const machine = h.machine();
    await machine.start();
    await h.clock.runUntilIdle({ maxMs: 10 * 60_000 });

    const restarts = h.events.query({ type: 'machine.restarted' });
    expect(restarts.map((e) => [e.platformTime - VIRTUAL_EPOCH_MS, e.restartCount])).toEqual(
      Array.from({ length: 10 }, (_, i) => [2_000 * (i + 1), i + 1]),
    );
    expect(h.events.query({ type: 'machine.exited' })).toHaveLength(11);
    expect(machine.state).toBe('stopped');
    expect(h.timeline(lifecycle).slice(-3)).toEqual([
      [21_000, 'exited 1'],
      [21_000, 'started→stopped'],
      [21_000, 'machine.restarts_exhausted'],
    ]);
    expect(h.logs.lines({ machineId: machine.id }).at(-1)).toBe(
      '2026-01-01T00:00:21Z runner[01aaaaaaaaaaaa] mad [info]machine has reached its max restart count of 10',
    );
  });

  it('should go through `restarting` between a crash and the next start', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, (_spec, start) =>
      start === 0 ? { exitAfterMs: 500, exitCode: 2 } : {},
    );
    const machine = h.machine();
    await machine.start();
    await h.clock.advance(5_000);

    expect(h.timeline(stateOnly).slice(3)).toEqual([
      [500, 'started→restarting'],
      [1_500, 'restarting→started'],
    ]);
    expect(machine.restartCount).toBe(1);
  });

  it('should honour a custom max_retries', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 100, exitCode: 1 });
    const machine = h.machine({ restart: { policy: 'on-failure', maxRetries: 3 } });
    await machine.start();
    await h.clock.runUntilIdle({ maxMs: 60_000 });

    expect(h.events.query({ type: 'machine.restarted' })).toHaveLength(3);
    expect(h.logs.lines().at(-1)).toContain('machine has reached its max restart count of 3');
  });

  it('should count only restarts within the 5-minute window', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 59_000, exitCode: 1 });
    const machine = h.machine();
    await machine.start();
    await h.clock.advance(30 * 60_000);

    expect(h.events.query({ type: 'machine.restarted' })).toHaveLength(30);
    expect(machine.state).toBe('started');
  });

  it('should not restart after a clean exit under on-failure', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 1_000, exitCode: 0 });
    const machine = h.machine();
    await machine.start();
    await h.clock.runUntilIdle();

    expect(machine.state).toBe('stopped');
    expect(h.events.query({ type: 'machine.restarted' })).toHaveLength(0);
  });

  it("should never restart under policy 'no', and say so", async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 1_000, exitCode: 1 });
    const machine = h.machine({ restart: { policy: 'no' } });
    await machine.start();
    await h.clock.runUntilIdle();

    expect(machine.state).toBe('stopped');
    expect(h.logs.lines().at(-1)).toBe(
      "2026-01-01T00:00:01Z runner[01aaaaaaaaaaaa] mad [info]machine restart policy set to 'no', not restarting",
    );
  });

  it("should keep restarting under policy 'always', clean exits included", async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 1_000, exitCode: 0 });
    const machine = h.machine({ restart: { policy: 'always' } });
    await machine.start();
    await h.clock.advance(30_000);

    expect(h.events.query({ type: 'machine.restarted' })).toHaveLength(15);
    expect(machine.state).toBe('started');
  });

  it('should cancel a pending restart when a stop is requested', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { exitAfterMs: 1_000, exitCode: 1 });
    const machine = h.machine();
    await machine.start();
    await h.clock.advance(1_500);
    await machine.stop();
    await h.clock.runUntilIdle();

    expect(machine.state).toBe('stopped');
    expect(h.timeline(stateOnly).slice(-1)).toEqual([[1_500, 'restarting→stopped']]);
  });

  it('should restart on request through `restarting` without counting a policy restart', async () => {
    const h = machineHarness();
    const machine = h.machine();
    await machine.start();
    await machine.restart();

    expect(h.timeline(lifecycle).slice(3)).toEqual([
      [0, 'started→restarting'],
      [0, 'SIGINT'],
      [0, 'exited 0 (requested)'],
      [0, 'restarted #0 (requested)'],
      [0, 'restarting→started'],
    ]);
  });
});

describe('machine update and destroy', () => {
  it('should make a new version and start it with the new config', async () => {
    const h = machineHarness();
    const machine = h.machine();
    await machine.start();
    const before = machine.version;
    await h.clock.advance(1_000);
    await machine.update({ image: 'registry.fly.io/grupo-gad:deployment-02', env: { A: '1' } });

    expect(machine.version > before).toBe(true);
    expect(machine.state).toBe('started');
    expect(h.runtime.containers.at(-1)?.spec.env['FLY_MACHINE_VERSION']).toBe(machine.version);
    expect(
      h
        .timeline(stateOnly)
        .slice(3)
        .map(([, s]) => s),
    ).toEqual(['started→updating', 'updating→starting', 'starting→started']);
  });

  it('should refuse to destroy a started machine without force, and destroy it with force', async () => {
    const h = machineHarness();
    const machine = h.machine();
    await machine.start();
    const refused = await machine.destroy().catch((e: unknown) => e);
    await machine.destroy({ force: true });

    expect(isFlysimError(refused, 'FLYSIM_MACHINE_NOT_STOPPED')).toBe(true);
    expect(machine.state).toBe('destroyed');
    expect(h.timeline(lifecycle).slice(-3)).toEqual([
      [0, 'exited 137 (requested)'],
      [0, 'destroying→destroyed'],
      [0, 'machine.destroyed'],
    ]);
  });
});
