import { describe, expect, it } from 'vitest';
import type { FlysimEvent } from '../events/event-types.js';
import type { MachineCheck } from './machine-config.js';
import { machineHarness, TEST_IMAGE } from './test-harness.js';

const NAME = 'servicecheck-00-http-8080';
const statusChanges = (e: FlysimEvent): boolean => e.type === 'check.status_changed';
const results = (e: FlysimEvent): boolean => e.type === 'check.completed';

function serviceWith(check: MachineCheck) {
  return {
    services: [
      {
        protocol: 'tcp' as const,
        internalPort: 8080,
        ports: [{ port: 80 }, { port: 443 }],
        checks: [check],
      },
    ],
  };
}

const httpCheck = (overrides: Partial<MachineCheck> = {}): MachineCheck => ({
  ...{ type: 'http', path: '/health', gracePeriodMs: 5_000, intervalMs: 10_000, timeoutMs: 2_000 },
  ...overrides,
});

describe('health checks', () => {
  it('should wait the grace period, then check once per interval', async () => {
    const h = machineHarness();
    const machine = h.machine(serviceWith(httpCheck()));
    await machine.start();
    await h.clock.advance(30_000);

    expect(h.timeline(results)).toEqual([
      [5_000, `${NAME} pass: 200 OK`],
      [15_000, `${NAME} pass: 200 OK`],
      [25_000, `${NAME} pass: 200 OK`],
    ]);
    expect(h.timeline(statusChanges)).toEqual([[5_000, `${NAME} none→passing`]]);
    expect(h.logs.lines({ machineId: machine.id }).at(-1)).toBe(
      `2026-01-01T00:00:05Z health[${machine.id}] mad [info]Health check '${NAME}' on port 8080 is now passing.`,
    );
  });

  it('should fail while the app does not listen, with Fly’s log line, and pass once it does', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { listenAfterMs: 12_000 });
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 1_000, intervalMs: 5_000 })));
    await machine.start();
    await h.clock.advance(20_000);

    expect(h.timeline(results)).toEqual([
      [1_000, `${NAME} fail: connect: connection refused`],
      [6_000, `${NAME} fail: connect: connection refused`],
      [11_000, `${NAME} fail: connect: connection refused`],
      [16_000, `${NAME} pass: 200 OK`],
    ]);
    expect(h.timeline(statusChanges)).toEqual([
      [1_000, `${NAME} none→critical`],
      [16_000, `${NAME} critical→passing`],
    ]);
    expect(h.logs.lines({ machineId: machine.id })).toContain(
      `2026-01-01T00:00:01Z health[${machine.id}] mad [error]Health check '${NAME}' on port 8080 has failed. ` +
        'Your app is not responding properly. Services exposed on ports [80, 443] will have intermittent ' +
        'failures until the health check passes.',
    );
  });

  it('should fail an attempt at its timeout and start the next one an interval after the last began', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, {
      http: (_request, { uptimeMs }) => ({
        status: 200,
        delayMs: uptimeMs < 5_000 ? 3_000 : 1_500,
      }),
    });
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0 })));
    await machine.start();
    await h.clock.advance(12_000);

    expect(h.timeline(results)).toEqual([
      [2_000, `${NAME} fail: context deadline exceeded`],
      [11_500, `${NAME} pass: 200 OK`],
    ]);
  });

  it('should follow a flapping app with one status change per flip and route only while passing', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, {
      http: (_request, { uptimeMs }) => ({
        status: uptimeMs >= 20_000 && uptimeMs < 40_000 ? 500 : 200,
      }),
    });
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0 })));
    await machine.start();
    const routable: [number, boolean][] = [];
    for (let t = 0; t <= 50_000; t += 10_000) {
      await h.clock.advance(t === 0 ? 0 : 10_000);
      routable.push([t, h.health.isRoutable(machine.id)]);
    }

    expect(h.timeline(statusChanges)).toEqual([
      [0, `${NAME} none→passing`],
      [20_000, `${NAME} passing→critical`],
      [40_000, `${NAME} critical→passing`],
    ]);
    expect(routable).toEqual([
      [0, true],
      [10_000, true],
      [20_000, false],
      [30_000, false],
      [40_000, true],
      [50_000, true],
    ]);
  });

  it('should fail on a redirect because checks do not follow it', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { http: () => ({ status: 301 }) });
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0 })));
    await machine.start();
    await h.clock.advance(0);

    expect(h.health.checks(machine.id)).toMatchObject([
      { name: NAME, status: 'critical', output: '301 Moved Permanently' },
    ]);
  });

  it('should not route to a machine before its first service check result', async () => {
    const h = machineHarness();
    const machine = h.machine(serviceWith(httpCheck()));
    await machine.start();

    expect(h.health.isRoutable(machine.id)).toBe(false);
    await h.clock.advance(5_000);
    expect(h.health.isRoutable(machine.id)).toBe(true);
  });

  it('should let top-level checks inform without deciding routing', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, {
      http: (request) => ({ status: request.path === '/ready' ? 503 : 200 }),
    });
    const machine = h.machine({
      ...serviceWith(httpCheck({ gracePeriodMs: 0 })),
      checks: { ready: { type: 'http', path: '/ready', gracePeriodMs: 0, intervalMs: 10_000 } },
    });
    await machine.start();
    await h.clock.advance(0);

    expect(h.health.checks(machine.id).map((c) => [c.name, c.kind, c.status])).toEqual([
      [NAME, 'service', 'passing'],
      ['ready', 'toplevel', 'critical'],
    ]);
    expect(h.health.isRoutable(machine.id)).toBe(true);
    expect(h.logs.lines().at(-1)).toBe(
      `2026-01-01T00:00:00Z health[${machine.id}] mad [error]Health check 'ready' on port 8080 has failed. Your app is not responding properly.`,
    );
  });

  it('should run TCP checks: refused before the app listens, Success after', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { listenAfterMs: 3_000 });
    const machine = h.machine(
      serviceWith({ type: 'tcp', gracePeriodMs: 1_000, intervalMs: 2_000, timeoutMs: 1_000 }),
    );
    await machine.start();
    await h.clock.advance(4_000);

    expect(h.timeline(results)).toEqual([
      [1_000, 'servicecheck-00-tcp-8080 fail: connect: connection refused'],
      [3_000, 'servicecheck-00-tcp-8080 pass: Success'],
    ]);
  });

  it('should clamp service check durations to Fly’s limits', async () => {
    const h = machineHarness();
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0, intervalMs: 100 })));
    await machine.start();
    await h.clock.advance(3_000);

    expect(h.timeline(results).map(([t]) => t)).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('should stop checking when the machine stops', async () => {
    const h = machineHarness();
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0 })));
    await machine.start();
    await h.clock.advance(10_000);
    await machine.stop();
    await h.clock.advance(60_000);

    expect(h.timeline(results)).toHaveLength(2);
    expect(h.health.isRoutable(machine.id)).toBe(false);
  });

  it('should never restart a machine for failing checks, and warn that restart_limit is ignored', async () => {
    const h = machineHarness();
    h.runtime.setProgram(TEST_IMAGE, { http: () => ({ status: 500 }) });
    const machine = h.machine(serviceWith(httpCheck({ gracePeriodMs: 0, restartLimit: 3 })));
    await machine.start();
    await h.clock.advance(10 * 60_000);

    expect(machine.state).toBe('started');
    expect(h.events.query({ type: 'machine.restarted' })).toHaveLength(0);
    expect(h.events.query({ type: 'platform.warning_issued' })[0]?.message).toMatch(
      /restart_limit on .* is ignored/,
    );
  });

  it('should restart after restart_limit consecutive failures when the legacy option is on, and say so', async () => {
    const h = machineHarness({ legacyRestartLimit: true });
    h.runtime.setProgram(TEST_IMAGE, (_spec, start) =>
      start === 0 ? { http: () => ({ status: 500 }) } : {},
    );
    const machine = h.machine(
      serviceWith(httpCheck({ gracePeriodMs: 0, intervalMs: 5_000, restartLimit: 3 })),
    );
    await machine.start();
    await h.clock.advance(15_000);

    expect(h.timeline((e) => e.type === 'machine.restarted' || results(e))).toEqual([
      [0, `${NAME} fail: 500 Internal Server Error`],
      [5_000, `${NAME} fail: 500 Internal Server Error`],
      [10_000, `${NAME} fail: 500 Internal Server Error`],
      [10_000, 'restarted #0 (check_restart_limit)'],
      [10_000, `${NAME} pass: 200 OK`],
      [15_000, `${NAME} pass: 200 OK`],
    ]);
    expect(h.events.query({ type: 'platform.warning_issued' })[0]?.message).toMatch(
      /^restart_limit is on for/,
    );
  });
});
