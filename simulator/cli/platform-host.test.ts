import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../clock/scaled-clock.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import type { DeployEngine } from './deploy-engine.js';
import { PlatformHost } from './platform-host.js';

const APP = 'grupo-gad';

/** The host never deploys in these tests; a call to the engine is a bug. */
const NO_ENGINE: DeployEngine = {
  deploy: () => Promise.reject(new Error('no deploy expected')),
  secretsDeploy: () => Promise.reject(new Error('no deploy expected')),
  report: () => ({ close: () => undefined }),
};

const hosts: PlatformHost[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openHost(): Promise<PlatformHost> {
  const stateDir = await mkdtemp(join(tmpdir(), 'flysim-host-test-'));
  dirs.push(stateDir);
  const host = new PlatformHost({
    ...{ app: APP, configPath: join(stateDir, 'fly.toml'), buildCaFile: undefined },
    ...{ primaryRegion: 'mad', stateDir, runId: 'host-test', speed: 1 },
    runtime: new FakeRuntime(new ScaledClock({ speed: 1 })),
    ...{ engine: NO_ENGINE, postgres: false, redis: false },
    services: [
      {
        internalPort: 8080,
        ports: [{ port: 443, handlers: ['tls', 'http'], forceHttps: false }],
        concurrency: { type: 'connections', softLimit: 20, hardLimit: undefined },
      },
    ],
  });
  hosts.push(host);
  await host.open();
  return host;
}

describe('the platform host', () => {
  it('should drain a machine in the edge proxy before the platform stops it', async () => {
    const host = await openHost();
    const machine = await host.platform.launchMachine(APP, {
      image: 'grupo-gad:local',
      services: [{ protocol: 'tcp', internalPort: 8080, ports: [{ port: 443 }] }],
    });

    await machine.stop();

    const types = host.platform.events
      .query({ machineId: machine.id })
      .map((event) => event.type)
      .filter((type) => type === 'proxy.machine_drained' || type === 'machine.state_changed');
    expect(types.indexOf('proxy.machine_drained')).toBeGreaterThanOrEqual(0);
    expect(types.lastIndexOf('machine.state_changed')).toBeGreaterThan(
      types.indexOf('proxy.machine_drained'),
    );
    expect(host.proxy?.load(machine.id)).toBe(0);
  });

  it('should stop draining when it closes: teardown waits on no closed proxy', async () => {
    const host = await openHost();
    const machine = await host.platform.launchMachine(APP, { image: 'grupo-gad:local' });

    await host.close();

    const drained = host.platform.events.query({ type: ['proxy.machine_drained'] });
    expect(drained).toEqual([]);
    expect(machine.state).toBe('destroyed');
  });
});
