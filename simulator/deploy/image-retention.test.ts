import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { deployApp } from './deploy-app.js';
import {
  DEPLOYMENT_IMAGE_MIN_AGE_MS,
  KEPT_NOTE,
  pruneDeploymentImages,
} from './image-retention.js';
import { deployHarness, type DeployHarness } from './test-support.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;

let h: DeployHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A deployment tag of `app` made `hoursAgo` before `now`, held by the fake engine. */
function tagMadeAgo(harness: DeployHarness, hoursAgo: number, app = 'shop', now = NOW): string {
  const tag = `registry.fly.io/${app}:deployment-${ulid(now - hoursAgo * HOUR)}`;
  holdImage(harness, tag);
  return tag;
}

function holdImage(harness: DeployHarness, tag: string): void {
  const info = { id: `sha256:${tag}`, tags: [tag], labels: {}, env: [], cmd: [], sizeBytes: 1 };
  harness.runtime.images.set(tag, info);
}

describe('pruning deployment images', () => {
  it('should untag all but the three newest; labels and other apps stay', async () => {
    h = deployHarness();
    const tags = [2, 3, 4, 5, 6, 7].map((hours) => tagMadeAgo(h as DeployHarness, hours));
    const otherApp = tagMadeAgo(h, 9, 'billing');
    const labelled = 'registry.fly.io/shop:v1';
    holdImage(h, labelled);

    const removed = await pruneDeploymentImages({ app: 'shop', platform: h.platform }, NOW);

    expect(removed.sort()).toEqual(tags.slice(3).sort());
    expect([...h.runtime.images.keys()].sort()).toEqual(
      [...tags.slice(0, 3), otherApp, labelled].sort(),
    );
  });

  it('should keep images under an hour old, in case another run is about to use them', async () => {
    h = deployHarness();
    const minutes = [5, 10, 20, 30, 50].map((m) => (m * 60_000) / HOUR);
    for (const age of minutes) tagMadeAgo(h, age);

    const removed = await pruneDeploymentImages({ app: 'shop', platform: h.platform }, NOW);

    expect(DEPLOYMENT_IMAGE_MIN_AGE_MS).toBe(HOUR);
    expect(removed).toEqual([]);
    expect(h.runtime.images.size).toBe(5);
  });

  it("should keep an image a machine, a release or another run's container uses", async () => {
    h = deployHarness();
    const [, , , byMachine, byRelease, byContainer, unused] = [1, 2, 3, 4, 5, 6, 7].map((hours) =>
      tagMadeAgo(h as DeployHarness, hours),
    );
    await h.platform.createMachine('shop', { image: byMachine ?? '' });
    h.platform.releases.create('shop', {
      ...{ image: byRelease ?? '', strategy: 'rolling', reason: 'deploy' },
    });
    await h.runtime.createContainer({ image: byContainer ?? '', env: {}, labels: {} });

    const removed = await pruneDeploymentImages({ app: 'shop', platform: h.platform }, NOW);

    expect(removed).toEqual([unused]);
    for (const kept of [byMachine, byRelease, byContainer])
      expect(h.runtime.images.has(kept ?? '')).toBe(true);
  });

  it('should say what a deploy removed, after the push', async () => {
    h = deployHarness();
    h.writeConfig('app = "shop"\nprimary_region = "mad"\n');
    // The deploy compares with the wall clock, which made the ULIDs of its tags.
    for (const days of [2, 3, 4, 5, 6]) tagMadeAgo(h, days * 24, 'shop', Date.now());

    const result = await h.drive(deployApp({ configPath: h.configPath }, { platform: h.platform }));

    expect(result.status).toBe('succeeded');
    expect(KEPT_NOTE).toBe('kept the 3 newest, those in use and those under an hour old');
    expect(h.lines()).toContain(`info Removed 3 older deployment images of shop (${KEPT_NOTE})`);
    expect([...h.runtime.images.keys()].filter((t) => t.includes(':deployment-'))).toHaveLength(3);
  });
});
