import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baseImages } from './build.js';
import { deployApp } from './deploy-app.js';
import { deployHarness, type DeployHarness } from './test-support.js';

let h: DeployHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('build: base images and stand-ins', () => {
  it('should read FROM lines with ARG defaults, build args, flags and stage names', () => {
    const dockerfile = [
      'ARG BASE_IMAGE=node:20-bookworm-slim',
      'FROM --platform=linux/amd64 ${BASE_IMAGE} AS builder',
      'FROM builder AS deps',
      'FROM redis:7',
      'FROM scratch',
    ].join('\n');
    expect(baseImages(dockerfile, {})).toEqual(['node:20-bookworm-slim', 'redis:7']);
    expect(baseImages(dockerfile, { BASE_IMAGE: 'debian:12' })).toEqual(['debian:12', 'redis:7']);
  });

  it('should tag the offline stand-in under the official name, say so, and tag the deployment image', async () => {
    h = deployHarness();
    const info = {
      id: 'sha256:standin',
      tags: ['flysim/node:20-bookworm-slim'],
      labels: {},
      env: [],
      cmd: [],
      sizeBytes: 172_000_000,
    };
    h.runtime.images.set('flysim/node:20-bookworm-slim', info);
    h.program('v1');
    const result = await h.drive(
      deployApp({ configPath: h.configPath, imageLabel: 'v1' }, { platform: h.platform }),
    );

    expect(result.status).toBe('succeeded');
    expect(h.runtime.images.get('node:20-bookworm-slim')?.id).toBe('sha256:standin');
    expect(h.lines()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^warn WARN node:20-bookworm-slim cannot be pulled here: building FROM its offline stand-in flysim\/node:20-bookworm-slim/,
        ),
      ]),
    );
    expect(h.runtime.images.has('registry.fly.io/shop:v1')).toBe(true);
  });

  it('should add the npm CA bundle to the context only for a Dockerfile that names it', async () => {
    h = deployHarness();
    const caFile = join(h.dir, 'host-ca.pem');
    writeFileSync(caFile, 'HOST CA');
    h.program('v1');
    await h.drive(
      deployApp({ configPath: h.configPath, buildCaFile: caFile }, { platform: h.platform }),
    );
    writeFileSync(
      join(h.dir, 'Dockerfile'),
      'FROM node:20-bookworm-slim\nCOPY .npm-ca.pem /tmp/\n',
    );
    await h.drive(
      deployApp({ configPath: h.configPath, buildCaFile: caFile }, { platform: h.platform }),
    );

    const [plain, asking] = h.runtime.builds;
    expect(plain?.extraFiles).toEqual({});
    expect(asking?.extraFiles).toEqual({ '.npm-ca.pem': 'HOST CA' });
  });

  it('should print the pushed image and its size as flyctl does', async () => {
    h = deployHarness();
    h.program('v1');
    await h.drive(
      deployApp({ configPath: h.configPath, imageLabel: 'v1' }, { platform: h.platform }),
    );

    expect(h.lines()).toEqual(
      expect.arrayContaining(['info image: registry.fly.io/shop:v1', 'info image size: 119 MB']),
    );
  });

  it('should fail the build phase with flyctl text when the Dockerfile is missing', async () => {
    h = deployHarness();
    const result = await h.drive(
      deployApp(
        { configPath: h.configPath, dockerfile: 'Nope.Dockerfile' },
        { platform: h.platform },
      ),
    );

    expect(result).toMatchObject({ status: 'failed', phase: 'build' });
    expect(result.error?.code).toBe('FLYSIM_DEPLOY_BUILD');
    expect(result.error?.message).toMatch(/^failed to fetch an image or build from source: /);
    expect(h.platform.releases.list('shop')).toHaveLength(0);
  });
});
