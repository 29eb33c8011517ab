import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeProgram } from '../runtime/fake-runtime.js';
import { deployApp } from './deploy-app.js';
import type { DeployRequest } from './options.js';
import {
  deployHarness,
  SAMPLE_TOML,
  type DeployHarness,
  type ReleasePrograms,
} from './test-support.js';

let h: DeployHarness;
afterEach(async () => {
  await h.close();
});

const CRASHING: FakeProgram = { exitAfterMs: 300, exitCode: 1, output: ['Error: boom'] };
const UNHEALTHY: FakeProgram = { http: () => ({ status: 500 }) };

function deploy(label: string, programs?: ReleasePrograms, request: Partial<DeployRequest> = {}) {
  const imageLabel = h.program(label, programs);
  return h.drive(
    deployApp({ configPath: h.configPath, imageLabel, ...request }, { platform: h.platform }),
  );
}

function releaseOf(machineId: string): number | undefined {
  return h.platform.machine(machineId)?.config.metadata?.releaseVersion;
}

describe('deployApp: the flyctl sequence', () => {
  it('should run the phases in flyctl order on a first deploy and create two machines per group', async () => {
    h = deployHarness();
    const result = await deploy('v1');

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const phases = h.platform.events.query({ type: 'deploy.phase_started' }).map((e) => e.phase);
    expect(phases).toEqual([
      'verify',
      'build',
      'push',
      'release_command',
      'create_machines',
      'done',
    ]);
    expect(result.machines).toHaveLength(2);
    expect(result.machines.every((m) => m.outcome === 'created' && m.state === 'started')).toBe(
      true,
    );
    expect(result.release).toEqual({ version: 1, image: 'registry.fly.io/shop:v1' });
    expect(h.platform.releases.current('shop')?.status).toBe('complete');
    expect(h.lines()).toContain(' * create 2 "app" machines'.replace(/^/, 'info '));
  });

  it('should give a group without services one machine and a stopped standby', async () => {
    h = deployHarness(
      `${SAMPLE_TOML}\n[processes]\n  app = "node server.js"\n  worker = "node worker.js"\n`.replace(
        '[http_service]',
        '[http_service]\n  processes = ["app"]',
      ),
    );
    const result = await deploy('v1');

    const byGroup = (group: string) => result.machines.filter((m) => m.processGroup === group);
    expect(byGroup('app').map((m) => m.state)).toEqual(['started', 'started']);
    expect(
      byGroup('worker')
        .map((m) => m.state)
        .sort(),
    ).toEqual(['created', 'started']);
  });

  it('should warn about sensitive [env] names and explain phases with fly.toml lines', async () => {
    h = deployHarness(SAMPLE_TOML.replace('[deploy]', '[env]\n  API_KEY = "x"\n\n[deploy]'));
    await deploy('v1', {}, { explain: true });

    expect(h.lines()).toContain(
      'warn WARN API_KEY may be a potentially sensitive environment variable. Consider setting it as a secret, and removing it from the [env] section: https://fly.io/docs/apps/secrets/',
    );
    const release = h.platform.events
      .query({ type: 'deploy.phase_started' })
      .find((e) => e.phase === 'release_command');
    expect(release?.explain).toEqual([
      expect.objectContaining({
        key: 'deploy.release_command',
        line: 8,
        text: 'release_command = "migrate"',
      }),
    ]);
  });

  it('should fail verify with FLYSIM_DEPLOY_CONFIG and touch nothing when fly.toml is invalid', async () => {
    h = deployHarness('app = "shop"\n[deploy]\n  strategy = "sideways"\n');
    const result = await deploy('v1');

    expect(result).toMatchObject({ status: 'failed', phase: 'verify' });
    expect(result.error?.code).toBe('FLYSIM_DEPLOY_CONFIG');
    expect(h.platform.machines()).toHaveLength(0);
  });
});

describe('deployApp: the release command', () => {
  it('should abort on a non-zero exit with flyctl text and the last log lines, touching no machine', async () => {
    h = deployHarness();
    await deploy('v1');
    const before = h.platform.events.query({ type: 'machine.updated' }).length;
    const result = await deploy('v2', {
      release: { exitAfterMs: 200, exitCode: 3, output: ['relation "x" does not exist'] },
    });

    expect(result).toMatchObject({ status: 'failed', phase: 'release_command' });
    expect(result.error?.code).toBe('FLYSIM_DEPLOY_RELEASE_COMMAND');
    expect(result.error?.message).toMatch(
      /^release command failed - aborting deployment\. machine [0-9a-f]{14} exited with non-zero status of 3$/,
    );
    const printed = h.lines().join('\n');
    expect(printed).toMatch(
      /Error release_command failed running on machine [0-9a-f]{14} with exit code 3\./,
    );
    expect(printed).toContain('relation "x" does not exist');
    expect(h.platform.events.query({ type: 'machine.updated' })).toHaveLength(before);
    expect(result.machines.every((m) => m.releaseVersion === 1 && m.state === 'started')).toBe(
      true,
    );
    expect(h.platform.releases.list('shop')[0]).toMatchObject({ version: 2, status: 'failed' });
  });

  it('should create no app machine when the release command fails on a first deploy', async () => {
    h = deployHarness();
    const result = await deploy('v1', { release: { exitAfterMs: 100, exitCode: 1 } });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_RELEASE_COMMAND');
    expect(result.machines).toHaveLength(0);
  });

  it('should time out, leave the release machine running, and destroy it on the next deploy', async () => {
    h = deployHarness();
    await deploy('v1');
    const result = await deploy('v2', { release: {} }, { releaseCommandTimeoutMs: 10_000 });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_RELEASE_COMMAND_TIMEOUT');
    expect(result.error?.message).toContain(
      "timeout reached waiting for machine's state to change",
    );
    expect(result.error?.hint).toBe(
      'You can try increasing the timeout with the --release-command-timeout flag',
    );
    const leftover = h.platform
      .machines('shop')
      .filter(
        (m) =>
          m.config.metadata?.processGroup === 'fly_app_release_command' && m.state === 'started',
      );
    expect(leftover).toHaveLength(1);
    expect(result.machines.every((m) => m.releaseVersion === 1)).toBe(true);

    await deploy('v3');
    expect(leftover[0]?.state).toBe('destroyed');
  });
});

describe('deployApp: rolling', () => {
  const TWO_GROUPS =
    `${SAMPLE_TOML}\n[processes]\n  app = "node server.js"\n  worker = "node worker.js"\n`.replace(
      '[http_service]',
      '[http_service]\n  processes = ["app"]',
    );

  /** v2's worker machines crash at start when `workerCrashes`; everything else runs. */
  function programTwoGroups(label: string, workerCrashes: boolean): void {
    h.runtime.setProgram(`registry.fly.io/shop:${label}`, (spec) => {
      if (spec.cmd?.[0] === 'migrate') return { exitAfterMs: 500, exitCode: 0 };
      return workerCrashes && spec.cmd?.includes('worker.js') ? CRASHING : {};
    });
  }

  function deployTwoGroups(label: string, workerCrashes = false) {
    programTwoGroups(label, workerCrashes);
    const request = { configPath: h.configPath, imageLabel: label };
    return h.drive(deployApp(request, { platform: h.platform }));
  }

  it('should roll process groups side by side, as flyctl does', async () => {
    h = deployHarness(TWO_GROUPS);
    await deployTwoGroups('v1');
    const since = h.clock.now();
    const second = await deployTwoGroups('v2');

    expect(second.error).toBeUndefined();
    const firstUpdateOf = (group: string) =>
      h.platform.events
        .query({ type: 'machine.updated', since })
        .find((e) => h.platform.machine(e.machineId)?.config.metadata?.processGroup === group);
    expect(firstUpdateOf('worker')?.platformTime).toBe(firstUpdateOf('app')?.platformTime);
  });

  it("should cancel another group's machines not yet started on when one group fails", async () => {
    h = deployHarness(TWO_GROUPS);
    const first = await deployTwoGroups('v1');
    const second = await deployTwoGroups('v2', true);

    expect(second.error?.code).toBe('FLYSIM_DEPLOY_SMOKE_CHECKS');
    const app = first.machines
      .filter((m) => m.processGroup === 'app')
      .map((m) => m.id)
      .sort();
    const outcome = (id: string | undefined) => second.machines.find((m) => m.id === id)?.outcome;
    expect([outcome(app[0]), outcome(app[1])]).toEqual(['updated', 'not-attempted']);
    expect(releaseOf(app[1] ?? '')).toBe(1);
  });

  it('should update the spearhead alone, then the rest in pools of max_unavailable', async () => {
    h = deployHarness();
    const first = await deploy('v1');
    const template = h.platform.machine(first.machines[0]?.id ?? '');
    for (let i = 0; i < 3; i++)
      await h.drive(h.platform.launchMachine('shop', template?.config ?? { image: '' }));
    const result = await deploy('v2', {}, { maxUnavailable: 2 });

    expect(result.status).toBe('succeeded');
    const ids = result.machines.map((m) => m.id).sort();
    const spans = ids.map((id) => updateSpan(id));
    const [spearhead, ...rest] = spans;
    expect(rest.every((span) => span.start > (spearhead?.end ?? Infinity))).toBe(true);
    expect(maxOverlap(rest)).toBe(2);
    expect(result.machines.every((m) => m.releaseVersion === 2 && m.outcome === 'updated')).toBe(
      true,
    );
    expect(h.lines()).toContain(`succeeded Machine ${ids[0]} [app] update succeeded`);
  });

  it('should stop at the first failure (smoke checks) and roll nothing back', async () => {
    h = deployHarness();
    const first = await deploy('v1');
    const result = await deploy('v2', { app: CRASHING });

    expect(result).toMatchObject({ status: 'failed', phase: 'update_machines' });
    expect(result.error?.code).toBe('FLYSIM_DEPLOY_SMOKE_CHECKS');
    const [spearhead, other] = first.machines.map((m) => m.id).sort();
    expect(result.error?.message).toBe(
      `smoke checks for ${spearhead} failed: the app appears to be crashing`,
    );
    expect(result.error?.hint).toContain('Error: boom');
    expect(releaseOf(spearhead ?? '')).toBe(2);
    expect(releaseOf(other ?? '')).toBe(1);
    expect(result.machines.find((m) => m.id === other)).toMatchObject({
      outcome: 'not-attempted',
      state: 'started',
    });
    expect(h.lines()).toContain(`failed Machine ${other} [app] update canceled`);
  });

  it('should say what an interrupt left behind, before the release and after it', async () => {
    h = deployHarness();
    const early = new AbortController();
    early.abort(new Error('SIGINT'));
    const before = await deploy('v1', {}, { signal: early.signal });

    const late = new AbortController();
    h.platform.events.subscribe((event) => {
      if (event.type === 'deploy.phase_started' && event.phase === 'release_command') late.abort();
    });
    const after = await deploy('v1', {}, { signal: late.signal });

    expect(before.error).toMatchObject({
      code: 'FLYSIM_DEPLOY_INTERRUPTED',
      hint: 'it stopped before the release: nothing on the platform changed',
    });
    expect(after.error).toMatchObject({
      code: 'FLYSIM_DEPLOY_INTERRUPTED',
      hint: 'release v1 is marked interrupted; machines already updated keep it',
    });
    expect(h.platform.releases.list('shop').map((r) => r.status)).toEqual(['interrupted']);
  });

  it('should stop waiting once wait_timeout cuts the smoke checks short', async () => {
    h = deployHarness();
    // A smoke check still looping after its deadline would query the log on every microtask turn
    // and starve the event loop (this test included); past a budget far above a deploy's own
    // queries, the query throws, which ends such a loop and lets the test report it.
    const events = h.platform.events;
    const original = events.query.bind(events);
    const budget = 5_000;
    const query = vi.spyOn(events, 'query').mockImplementation((filter) => {
      if (query.mock.calls.length > budget) throw new Error('a wait polls without end');
      return original(filter);
    });

    const result = await deploy('v1', {}, { waitTimeoutMs: 3_000 });
    for (let turn = 0; turn < 1_000; turn++) await Promise.resolve();

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_SMOKE_CHECKS');
    expect(query.mock.calls.length).toBeLessThan(budget);
  });

  it('should fail with the health-check timeout after wait_timeout when checks never pass', async () => {
    h = deployHarness();
    await deploy('v1');
    const startedAt = h.clock.now();
    const result = await deploy('v2', { app: UNHEALTHY }, { waitTimeoutMs: 30_000 });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_WAIT_HEALTHY');
    expect(result.error?.message).toMatch(
      /^timeout reached waiting for health checks to pass for machine [0-9a-f]{14}: context deadline exceeded$/,
    );
    expect(result.error?.hint).toContain('--wait-timeout');
    expect(h.clock.now() - startedAt).toBeGreaterThanOrEqual(30_000);
    expect(h.lines()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^running Waiting for [0-9a-f]{14} \[app\] to become healthy: 0\/1$/),
      ]),
    );
  });
});

describe('deployApp: immediate and canary', () => {
  it('immediate should update every machine at once with no waits', async () => {
    h = deployHarness();
    await deploy('v1');
    const result = await deploy('v2', { app: UNHEALTHY }, { strategy: 'immediate' });

    expect(result.status).toBe('succeeded');
    expect(result.machines.every((m) => m.releaseVersion === 2)).toBe(true);
    const waits = h.lines().filter((line) => line.includes('to become healthy'));
    expect(waits).toHaveLength(2);
    const spans = result.machines.map((m) => updateSpan(m.id));
    expect(maxOverlap(spans)).toBe(2);
  });

  it('canary should create one extra machine, destroy it, then roll', async () => {
    h = deployHarness();
    const first = await deploy('v1');
    const result = await deploy('v2', {}, { strategy: 'canary' });

    expect(result.status).toBe('succeeded');
    const created = h.platform.events
      .query({ type: 'machine.created' })
      .filter((e) => e.releaseVersion === 2 && e.processGroup === 'app');
    expect(created).toHaveLength(1);
    const canaryId = created[0]?.machineId ?? '';
    const destroyedSeq =
      h.platform.events.query({ type: 'machine.destroyed', machineId: canaryId })[0]?.seq ??
      Infinity;
    const firstUpdate =
      h.platform.events
        .query({ type: 'machine.updated' })
        .filter((e) => first.machines.some((m) => m.id === e.machineId))[0]?.seq ?? 0;
    expect(destroyedSeq).toBeLessThan(firstUpdate);
    expect(h.lines()).toContain(
      'info Canary machines successfully created and healthy, destroying before continuing',
    );
    expect(result.machines.map((m) => m.id).sort()).toEqual(first.machines.map((m) => m.id).sort());
  });
});

describe('deployApp: bluegreen', () => {
  it('should create greens, wait, mark them ready, cordon, stop and destroy the blues', async () => {
    h = deployHarness();
    const first = await deploy('v1');
    const blues = first.machines.map((m) => m.id);
    const result = await deploy('v2', {}, { strategy: 'bluegreen' });

    expect(result.status).toBe('succeeded');
    const live = result.machines.filter((m) => m.state === 'started');
    expect(live).toHaveLength(2);
    expect(live.every((m) => m.releaseVersion === 2 && !blues.includes(m.id))).toBe(true);
    const order = h.platform.events
      .query({ type: ['machine.uncordoned', 'machine.cordoned', 'machine.destroyed'] })
      .filter((e) => h.platform.machine(e.machineId)?.config.metadata?.processGroup === 'app')
      .map((e) => `${e.type}:${blues.includes(e.machineId) ? 'blue' : 'green'}`);
    expect(order).toEqual([
      'machine.uncordoned:green',
      'machine.uncordoned:green',
      'machine.cordoned:blue',
      'machine.cordoned:blue',
      'machine.destroyed:blue',
      'machine.destroyed:blue',
    ]);
  });

  it('should roll back a failing green: greens deleted, blues untouched and serving', async () => {
    h = deployHarness();
    const first = await deploy('v1');
    const result = await deploy(
      'v2',
      { app: UNHEALTHY },
      { strategy: 'bluegreen', waitTimeoutMs: 20_000 },
    );

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_WAIT_HEALTHY');
    expect(h.lines()).toContain('warn Rolling back failed deployment');
    const blues = first.machines.map((m) => h.platform.machine(m.id));
    expect(blues.every((m) => m?.state === 'started' && !m.cordoned && releaseOf(m.id) === 1)).toBe(
      true,
    );
    expect(blues.every((m) => h.platform.health.isRoutable(m?.id ?? ''))).toBe(true);
    const greens = result.machines.filter((m) => m.releaseVersion === 2);
    expect(greens.map((m) => m.state)).toEqual(['destroyed', 'destroyed']);
  });
});

/** Platform time from a machine's `Updating` line to its last line. */
function updateSpan(machineId: string): { start: number; end: number } {
  const lines = h.platform.events
    .query({ type: 'deploy.status_updated', machineId })
    .filter((e) => e.lineKey.startsWith('update:'));
  const last = lines.at(-1);
  const started = lines.filter((e) => e.message.startsWith('Updating')).at(-1);
  return { start: started?.seq ?? 0, end: last?.seq ?? 0 };
}

function maxOverlap(spans: readonly { start: number; end: number }[]): number {
  return Math.max(
    ...spans.map(
      (span) =>
        spans.filter((other) => other.start <= span.start && other.end >= span.start).length,
    ),
  );
}
