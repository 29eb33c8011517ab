import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';

const IMAGE = 'grupo-gad:local';
const MAX_IMAGE_BYTES = 200_000_000;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function inspect<T>(format: string): T {
  return JSON.parse(docker('image', 'inspect', '--format', `{{json ${format}}}`, IMAGE)) as T;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * One long base64 line of each certificate in the CA file npm trusts here, leaving out the public
 * roots that every Node binary carries built in (`tls.rootCertificates`): those are in any Node
 * image, ours or not. What is left is what only this build host trusts.
 */
function caNeedles(): string[] {
  const cafile = execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).trim();
  if (cafile === '' || cafile === 'null' || cafile === 'undefined') return [];

  const builtIn = new Set(rootCertificates.map((pem) => pem.replace(/\s+/g, '')));
  const hostOnly = (readFileSync(cafile, 'utf8').match(PEM_BLOCK) ?? []).filter(
    (pem) => !builtIn.has(pem.replace(/\s+/g, '')),
  );
  return hostOnly.map((pem) => pem.split('\n').find((line) => line.length === 64) ?? pem);
}

/** Streams the image's whole filesystem and reports which needles occur anywhere in it. */
async function findInFilesystem(needles: readonly string[]): Promise<string[]> {
  const container = docker('create', '--label', 'dev.flysim.run=image-e2e', IMAGE);
  try {
    const exported = spawn('docker', ['export', container], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const found = new Set<string>();
    let tail = '';
    for await (const chunk of exported.stdout) {
      const text = tail + (chunk as Buffer).toString('latin1');
      for (const needle of needles) if (text.includes(needle)) found.add(needle);
      tail = text.slice(-100);
    }
    return [...found];
  } finally {
    docker('rm', '-f', container);
  }
}

describe(`the sample app's image (${IMAGE})`, () => {
  it('should be at most 200 MB', () => {
    expect(inspect<number>('.Size')).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
  });

  it('should run as a non-root user and start the app', () => {
    expect(inspect<string>('.Config.User')).toBe('node');
    expect(inspect<string[]>('.Config.Cmd')).toEqual(['node', 'service/dist/bin/server.js']);
  });

  it('should hold production dependencies only', () => {
    const modules = docker('run', '--rm', '--entrypoint', 'ls', IMAGE, '/app/node_modules');

    expect(modules.split('\n')).toEqual(expect.arrayContaining(['express', 'kysely', 'pg', 'ws']));
    expect(modules).not.toMatch(/typescript|vitest|testcontainers|dockerode|eslint|@types/);
  });

  it('should hold no certificate that npm trusts on the build host', async () => {
    const needles = caNeedles();

    expect(await findInFilesystem([...needles, 'npm-ca.pem'])).toEqual([]);
  });
});
