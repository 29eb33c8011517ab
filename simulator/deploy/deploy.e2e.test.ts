// The deploy engine on real Docker: the sample app's first and second (rolling) deploys under
// traffic through the edge proxy's 443, and the ways a deploy fails, on a tiny fixture app.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { npmCaFile } from '../cli/npm-ca.js';
import { ScaledClock } from '../clock/scaled-clock.js';
import type { MachineConfig } from '../platform/machine-config.js';
import { Platform } from '../platform/platform.js';
import { EdgeProxy } from '../platform/proxy/edge-proxy.js';
import { PlatformDirectory } from '../platform/proxy/platform-directory.js';
import { fetchText } from '../platform/proxy/test-fixtures.js';
import { ConsoleReporter } from '../report/console-reporter.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { deployApp } from './deploy-app.js';
import type { DeployRequest } from './options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TINY = fileURLToPath(new URL('./fixtures/tiny/fly.toml', import.meta.url));

interface Run {
  readonly platform: Platform;
  readonly runtime: DockerRuntime;
  readonly stateDir: string;
  close(): Promise<void>;
}

function startRun(name: string, speed: number): Run {
  const runtime = new DockerRuntime();
  const stateDir = mkdtempSync(join(tmpdir(), `flysim-${name}-`));
  const runId = `deploy-e2e-${name}-${process.pid}`;
  const platform = new Platform({ runtime, clock: new ScaledClock({ speed }), runId, stateDir });
  return {
    ...{ platform, runtime, stateDir },
    close: async () => {
      await platform.close();
      await runtime.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Requests every `everyMs` until stopped; resolves to each status (0: connection failed). */
function steadyTraffic(request: () => Promise<number>, everyMs: number) {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && i < 10_000; i++) {
      statuses.push(await request().catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return statuses;
    },
  };
}

describe('deploy e2e: the sample app through the edge proxy', () => {
  let run: Run;
  let proxy: EdgeProxy;
  let buildCaFile: string | undefined;

  beforeAll(async () => {
    buildCaFile = await npmCaFile(process.env);
    run = startRun('sample', 15);
    await run.platform.attachPostgres('grupo-gad');
    await run.platform.attachRedis('grupo-gad');
    run.platform.secrets.set('grupo-gad', {
      SECRET_KEY: 'k'.repeat(40),
      JWT_SECRET_KEY: 'j'.repeat(40),
    });
  }, 240_000);

  afterAll(async () => {
    await proxy?.destroy();
    await run?.close();
  }, 120_000);

  it('should roll v1 -> v2 on both machines, serving every request on 443', async () => {
    const { platform } = run;
    const configPath = join(ROOT, 'fly.toml');
    const first = await deployApp({ configPath, buildCaFile }, { platform });
    expect(first.error).toBeUndefined();
    expect(first.machines.map((m) => [m.state, m.releaseVersion])).toEqual([
      ['started', 1],
      ['started', 1],
    ]);

    proxy = await startProxy(platform);
    const url = `https://127.0.0.1:${proxy.hostPort(443) ?? 0}/health`;
    const ca = proxy.certificate.certPem;
    const traffic = steadyTraffic(async () => (await fetchText(url, { ca })).status, 50);
    const out = new PassThrough();
    const printed: string[] = [];
    out.on('data', (chunk: Buffer) => printed.push(String(chunk)));
    const reporter = new ConsoleReporter(platform.events, {
      out,
      err: out,
      mode: 'plain',
      color: false,
    });

    const second = await deployApp({ configPath, buildCaFile }, { platform });
    reporter.close();
    const statuses = await traffic.stop();

    expect(second.error).toBeUndefined();
    expect(second.machines.map((m) => [m.id, m.releaseVersion, m.outcome])).toEqual(
      first.machines.map((m) => [m.id, 2, 'updated']),
    );
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const served = platform.events.query({ type: 'proxy.request_served' });
    expect(served.some((e) => e.releaseVersion === 1)).toBe(true);
    expect(served.at(-1)?.releaseVersion).toBe(2);
    const text = printed.join('');
    for (const [i, machine] of second.machines.entries())
      expect(text).toContain(`✔ [${i + 1}/2] Machine ${machine.id} [app] update succeeded`);
    expect(text).toMatch(/✔ release_command [0-9a-f]{14} completed successfully/);
  });
});

describe('deploy e2e: failures on a fixture app', () => {
  let run: Run;
  let v1: MachineConfig | undefined;

  beforeAll(async () => {
    run = startRun('tiny', 20);
    const first = await tiny({});
    expect(first.error).toBeUndefined();
    v1 = run.platform.machine(first.machines[0]?.id ?? '')?.config;
  }, 240_000);

  // A failed rolling deploy leaves its spearhead on the new release (as on Fly): put it back.
  afterEach(async () => {
    const appMachines = run.platform
      .machines('tiny')
      .filter((m) => m.config.metadata?.processGroup === 'app' && m.state !== 'destroyed');
    for (const machine of appMachines) {
      if (v1 && machine.config.metadata?.releaseVersion !== 1) await machine.update(v1);
    }
  }, 60_000);

  afterAll(async () => {
    await run?.close();
  }, 120_000);

  function tiny(request: Partial<DeployRequest>) {
    return deployApp({ configPath: TINY, ...request }, { platform: run.platform });
  }

  async function expectPreviousReleaseServing(): Promise<void> {
    const machines = run.platform
      .machines('tiny')
      .filter((m) => m.config.metadata?.processGroup === 'app' && m.state !== 'destroyed');
    expect(machines.map((m) => [m.state, m.config.metadata?.releaseVersion])).toEqual([
      ['started', 1],
      ['started', 1],
    ]);
    for (const machine of machines) {
      const response = await fetchText(`http://127.0.0.1:${machine.hostPort(8080) ?? 0}/`);
      expect(response.status).toBe(200);
    }
  }

  it('a failing release command aborts with flyctl text and touches no machine', async () => {
    const result = await tiny({ env: { RELEASE_EXIT: '3' } });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_RELEASE_COMMAND');
    expect(result.error?.message).toMatch(/machine [0-9a-f]{14} exited with non-zero status of 3$/);
    const printed = run.platform.events.query({ type: 'deploy.message_printed' }).at(-1)?.message;
    expect(printed).toContain('migration failed: relation "tareas" does not exist');
    await expectPreviousReleaseServing();
  });

  it('a release command timeout keeps its machine and touches no app machine', async () => {
    const result = await tiny({
      env: { RELEASE_SLEEP_MS: '60000' },
      releaseCommandTimeoutMs: 4_000,
    });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_RELEASE_COMMAND_TIMEOUT');
    const left = run.platform
      .machines('tiny')
      .filter(
        (m) =>
          m.config.metadata?.processGroup === 'fly_app_release_command' && m.state === 'started',
      );
    expect(left).toHaveLength(1);
    await expectPreviousReleaseServing();
  });

  it('a crash-looping new version fails the smoke checks; the other machine keeps v1', async () => {
    const result = await tiny({ env: { MODE: 'crash' } });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_SMOKE_CHECKS');
    expect(result.error?.message).toMatch(
      /^smoke checks for [0-9a-f]{14} failed: the app appears to be crashing$/,
    );
    expect(result.error?.hint).toContain('tiny: MODE=crash, exiting 1');
    const [spearhead, other] = result.machines;
    expect([spearhead?.releaseVersion, spearhead?.outcome]).toEqual([
      result.release.version,
      'failed',
    ]);
    expect([other?.releaseVersion, other?.state, other?.outcome]).toEqual([
      1,
      'started',
      'not-attempted',
    ]);
  });

  it('checks that never pass time out after wait_timeout with flyctl text', async () => {
    const result = await tiny({ env: { HEALTH_STATUS: '500' }, waitTimeoutMs: 6_000 });

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_WAIT_HEALTHY');
    expect(result.error?.message).toMatch(
      /^timeout reached waiting for health checks to pass for machine [0-9a-f]{14}/,
    );
    const [, other] = result.machines;
    expect(other?.releaseVersion).toBe(1);
  });

  it('a broken Dockerfile fails the build with flyctl text', async () => {
    const result = await tiny({ dockerfile: 'Dockerfile.broken' });

    expect(result).toMatchObject({ status: 'failed', phase: 'build' });
    expect(result.error?.message).toMatch(/^failed to fetch an image or build from source: /);
    expect(result.error?.message).toContain('exit 7');
    await expectPreviousReleaseServing();
  });

  it('bluegreen with a failing green rolls back; the blues never stop serving', async () => {
    await expectPreviousReleaseServing();
    const blues = run.platform
      .machines('tiny')
      .filter((m) => m.state === 'started' && m.config.metadata?.processGroup === 'app');
    let next = 0;
    const traffic = steadyTraffic(async () => {
      const routable = blues.filter((m) => !m.cordoned && run.platform.health.isRoutable(m.id));
      const target = routable[next++ % Math.max(1, routable.length)];
      return (await fetchText(`http://127.0.0.1:${target?.hostPort(8080) ?? 0}/`)).status;
    }, 50);

    const result = await tiny({
      strategy: 'bluegreen',
      env: { HEALTH_STATUS: '500' },
      waitTimeoutMs: 6_000,
    });
    const statuses = await traffic.stop();

    expect(result.error?.code).toBe('FLYSIM_DEPLOY_WAIT_HEALTHY');
    const greens = result.machines.filter((m) => m.releaseVersion === result.release.version);
    expect(greens.map((m) => m.state)).toEqual(['destroyed', 'destroyed']);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await expectPreviousReleaseServing();
  });
});

async function startProxy(platform: Platform): Promise<EdgeProxy> {
  // The directory follows the platform's cordon, so bluegreen's greens stay out until ready.
  const directory = new PlatformDirectory(platform, 'grupo-gad');
  const proxy = await EdgeProxy.start({
    ...{ app: 'grupo-gad', directory, clock: platform.clock, events: platform.events },
    ...{ logs: platform.logs, stateDir: join(tmpdir(), 'flysim-deploy-e2e-proxy') },
    services: [
      {
        internalPort: 8080,
        ports: [
          { port: 80, handlers: ['http'], forceHttps: true },
          { port: 443, handlers: ['tls', 'http'], forceHttps: false },
        ],
        concurrency: { type: 'connections', softLimit: 20, hardLimit: undefined },
      },
    ],
  });
  platform.addHaltHook((machineId) => proxy.drain(machineId, { timeoutMs: 10_000 }));
  return proxy;
}
