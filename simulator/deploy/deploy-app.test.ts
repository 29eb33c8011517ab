import { afterEach, describe, expect, it } from 'vitest';
import { deployApp } from './deploy-app.js';
import { deployHarness, type DeployHarness } from './test-support.js';

let h: DeployHarness;
afterEach(async () => {
  await h.close();
});

describe('deployApp: the flyctl sequence', () => {
  it('should run the phases in flyctl order on a first deploy and create two machines per group', async () => {
    h = deployHarness();
    const imageLabel = h.program('v1');
    const result = await h.drive(
      deployApp({ configPath: h.configPath, imageLabel }, { platform: h.platform }),
    );

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
  });
});
