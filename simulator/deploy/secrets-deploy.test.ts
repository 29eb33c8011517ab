import { afterEach, describe, expect, it } from 'vitest';
import { deployApp } from './deploy-app.js';
import { secretsDeploy } from './secrets-deploy.js';
import { deployHarness, type DeployHarness } from './test-support.js';

let h: DeployHarness;
afterEach(async () => {
  await h.close();
});

describe('secretsDeploy: the restart-only deploy of fly secrets', () => {
  it('should restart started machines on the current image with the new secrets; stopped ones stay stopped', async () => {
    h = deployHarness();
    const imageLabel = h.program('v1');
    const first = await h.drive(
      deployApp({ configPath: h.configPath, imageLabel }, { platform: h.platform }),
    );
    const [runningId, stoppedId] = first.machines.map((m) => m.id).sort();
    await h.drive(h.platform.machine(stoppedId ?? '')?.stop() ?? Promise.resolve());
    h.platform.secrets.set('shop', { SECRET_KEY: 'a-very-long-secret-value' });
    const imagesBefore = h.runtime.images.size;

    const result = await h.drive(secretsDeploy({ app: 'shop' }, { platform: h.platform }));

    expect(result).toMatchObject({
      status: 'succeeded',
      release: { version: 2, image: 'registry.fly.io/shop:v1' },
    });
    expect(h.platform.releases.list('shop')[0]).toMatchObject({
      reason: 'secrets',
      status: 'complete',
    });
    expect(h.runtime.images.size).toBe(imagesBefore);
    const releaseMachines = h.platform
      .machines('shop')
      .filter((m) => m.config.metadata?.processGroup === 'fly_app_release_command');
    expect(releaseMachines).toHaveLength(1);
    expect(h.platform.machine(runningId ?? '')?.state).toBe('started');
    expect(h.platform.machine(stoppedId ?? '')?.state).toBe('stopped');
    const env = h.runtime.containers.at(-1)?.spec.env;
    expect(env?.SECRET_KEY).toBe('a-very-long-secret-value');
    expect(h.platform.secrets.list('shop')[0]?.status).toBe('Deployed');
    expect(result.machines.every((m) => m.releaseVersion === 2 && m.outcome === 'updated')).toBe(
      true,
    );
  });

  it('should fail with flyctl text when the app has no machines', async () => {
    h = deployHarness();
    const result = await h.drive(secretsDeploy({ app: 'shop' }, { platform: h.platform }));

    expect(result.error).toEqual({
      code: 'FLYSIM_DEPLOY_NO_MACHINES',
      message: 'no machines available to deploy',
      hint: "'fly secrets deploy' will only work if the app has been deployed and there are machines available\nTry 'fly deploy' first",
    });
  });
});
