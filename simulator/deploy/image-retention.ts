// Fly's registry keeps every deployment image; flysim's registry is the local engine, where each
// deploy adds a `deployment-<ULID>` tag and, after a code change, a few hundred megabytes. After
// each push flysim untags the app's older deployment images (docs/deploy.md, "Old deployment
// images").

import { decodeTime } from 'ulid';
import type { DeployContext } from './deploy-context.js';

/** What pruning reads of a deploy: the app, and the platform's engine, machines and releases. */
export type RetentionContext = Pick<DeployContext, 'app' | 'platform'>;

/** The newest deployment images of an app that are always kept, the new one included. */
export const DEPLOYMENT_IMAGES_KEPT = 3;

/**
 * Younger images are kept too: another run on this engine (a parallel CI job) may have built one
 * and not yet created its machines.
 */
export const DEPLOYMENT_IMAGE_MIN_AGE_MS = 60 * 60 * 1000;

/** What the deploy prints of the policy next to what it removed. */
export const KEPT_NOTE =
  `kept the ${DEPLOYMENT_IMAGES_KEPT} newest, those in use ` + 'and those under an hour old';

const DEPLOYMENT_TAG = /:deployment-([0-9A-HJKMNP-TV-Z]{26})$/;

/**
 * Untags the app's deployment images beyond the newest few that are older than an hour and that
 * no machine or release of this platform uses; an image a container still uses stays. Returns the
 * tags removed. Tags from `--image-label` are never touched.
 */
export async function pruneDeploymentImages(
  ctx: RetentionContext,
  nowMs: number,
): Promise<string[]> {
  const runtime = ctx.platform.runtime;
  const tags = await runtime.listImageTags(`registry.fly.io/${ctx.app}`);
  const inUse = imagesInUse(ctx);

  const removable = tags
    .map((tag) => ({ tag, madeAt: madeAt(tag) }))
    .filter((entry): entry is { tag: string; madeAt: number } => entry.madeAt !== undefined)
    .sort((a, b) => b.madeAt - a.madeAt)
    .slice(DEPLOYMENT_IMAGES_KEPT)
    .filter((entry) => nowMs - entry.madeAt > DEPLOYMENT_IMAGE_MIN_AGE_MS && !inUse.has(entry.tag));

  const removed: string[] = [];
  for (const { tag } of removable) if (await runtime.untagImage(tag)) removed.push(tag);
  return removed;
}

function imagesInUse(ctx: RetentionContext): Set<string> {
  const machines = ctx.platform.machines(ctx.app).map((machine) => machine.config.image);
  const releases = ctx.platform.releases.list(ctx.app).map((release) => release.image);
  return new Set([...machines, ...releases]);
}

/** When the tag was made, from its ULID; undefined for any other tag. */
function madeAt(tag: string): number | undefined {
  const id = DEPLOYMENT_TAG.exec(tag)?.[1];
  return id === undefined ? undefined : decodeTime(id);
}
