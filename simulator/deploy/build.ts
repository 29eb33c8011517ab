// Build and "push" (reference §2.1 step 3): the image is built from the directory holding
// fly.toml and tagged `registry.fly.io/<app>:deployment-<ULID>` in the local engine, which is
// flysim's registry. Official base images the engine lacks resolve to their offline stand-ins.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ulid } from 'ulid';
import type { AppConfig } from '../config/app-config.js';
import { loadStandIns } from '../images/stand-ins.js';
import { flysimLabels } from '../runtime/labels.js';
import type { DeployContext } from './deploy-context.js';
import { DEPLOY_ERROR_CODES, deployError } from './deploy-errors.js';
import type { DeployRequest } from './options.js';

export interface BuiltImage {
  readonly tag: string;
  readonly sizeBytes: number | undefined;
}

/** `registry.fly.io/<app>:deployment-<ULID>`, or `:<label>` with --image-label. */
export function deploymentTag(app: string, label?: string): string {
  return `registry.fly.io/${app}:${label ?? `deployment-${ulid()}`}`;
}

export async function buildImage(
  ctx: DeployContext,
  config: AppConfig,
  request: DeployRequest,
): Promise<BuiltImage> {
  const contextDir = dirname(request.configPath);
  const dockerfile = request.dockerfile ?? config.build.dockerfile ?? 'Dockerfile';
  const tag = deploymentTag(ctx.app, request.imageLabel);
  try {
    const dockerfileText = await readFile(join(contextDir, dockerfile), 'utf8');
    await useStandIns(ctx, dockerfileText, request);
    const image = await ctx.platform.runtime.buildImage(
      {
        ...{ contextDir, dockerfile, tag, target: request.buildTarget ?? config.build.target },
        ...{ ignorefile: config.build.ignorefile },
        extraFiles: await caFileFor(dockerfileText, request.buildCaFile),
        buildArgs: { ...config.build.args, ...request.buildArgs },
        labels: flysimLabels({ run: ctx.platform.runId, app: ctx.app }),
        onOutput: (line) => ctx.buildOutput(line),
      },
      ctx.signal,
    );
    return { tag, sizeBytes: image.sizeBytes };
  } catch (error) {
    throw buildFailed(error);
  }
}

/** The file name a Dockerfile uses to ask for the build host's npm CA bundle. */
export const NPM_CA_FILE = '.npm-ca.pem';

/** Only a Dockerfile that names the file gets it: any other might `COPY . .` it into an image. */
async function caFileFor(
  dockerfile: string,
  caFile: string | undefined,
): Promise<Record<string, string>> {
  if (!dockerfile.includes(NPM_CA_FILE)) return {};
  const content = caFile === undefined ? '' : await readFile(caFile, 'utf8');
  return { [NPM_CA_FILE]: content };
}

/** `--image` / `[build] image`: an image the engine already holds, retagged for the release. */
export async function useExistingImage(ctx: DeployContext, image: string): Promise<BuiltImage> {
  const runtime = ctx.platform.runtime;
  if (!(await runtime.hasImage(image))) {
    throw buildFailed(new Error(`image ${image} not found in the local Docker engine`));
  }
  const tag = deploymentTag(ctx.app);
  await runtime.tagImage(image, tag);
  return { tag, sizeBytes: (await runtime.inspectImage(tag))?.sizeBytes };
}

/** The base images a Dockerfile's FROM lines name, with `${ARG}` defaults and build args applied. */
export function baseImages(dockerfile: string, buildArgs: Readonly<Record<string, string>>) {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of logicalLines(dockerfile)) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg?.[1] !== undefined) args[arg[1]] = buildArgs[arg[1]] ?? unquote(arg[2] ?? '');

    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from?.[1] === undefined) continue;
    const image = from[1].replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
      (_, name: string) => args[name] ?? '',
    );
    if (!stages.has(image) && image !== 'scratch') images.push(image);
    if (from[2] !== undefined) stages.add(from[2]);
  }
  return [...new Set(images)];
}

/**
 * flysim's choice (docs/deploy.md): a base image the engine lacks but whose stand-in it has is
 * tagged under the official name, so any Dockerfile builds unchanged (FROM lines, ARG defaults
 * and multi-stage builds alike). The deploy says so in a warning.
 */
async function useStandIns(ctx: DeployContext, dockerfile: string, request: DeployRequest) {
  const runtime = ctx.platform.runtime;
  const standIns = loadStandIns();
  const args = { ...ctx.config?.build.args, ...request.buildArgs };
  for (const image of baseImages(dockerfile, args)) {
    const entry = standIns.get(image);
    if (entry === undefined || (await runtime.hasImage(image))) continue;
    if (!(await runtime.hasImage(entry.standIn))) continue;

    await runtime.tagImage(entry.standIn, image);
    ctx.print(
      `WARN ${image} cannot be pulled here: building FROM its offline stand-in ${entry.standIn} (${entry.note}), tagged as ${image} in the local engine`,
      'warn',
    );
  }
}

function buildFailed(error: unknown) {
  const reason = error instanceof Error ? error.message : String(error);
  return deployError(
    DEPLOY_ERROR_CODES.build,
    `failed to fetch an image or build from source: ${reason}`,
    {
      cause: error,
      hint: 'Fix the Dockerfile step above; base images must exist in the local engine or have a stand-in (npm run images)',
    },
  );
}

function logicalLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}
