import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flysim-config-'));
  await writeFile(join(dir, 'fly.toml'), 'app = "ok"\n[http_service]\n  internal_port = 8080\n');
  await writeFile(join(dir, 'typo.toml'), 'app = "x"\n[http_service]\n  internal_prot = 8080\n');
  await writeFile(join(dir, 'bad.toml'), 'app = "x"\n[deploy]\n  strategy = "fast"\n');
  await writeFile(join(dir, 'broken.toml'), 'app = \n');
  await writeFile(join(dir, 'fly.json'), '{"app": "j", "deploy": {"strategy": "nope"}}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (chunk: Buffer) => (chunks.out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (chunks.err += chunk.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, ...chunks };
}

describe('flysim config validate', () => {
  it('should print flyctl-shaped output and exit 0 for a valid file', async () => {
    const result = await run('config', 'validate', join(dir, 'fly.toml'));
    expect(result.out).toContain(`Validating ${join(dir, 'fly.toml')}`);
    expect(result.out).toContain('✓ Configuration is valid');
    expect(result.code).toBe(0);
  });

  it('should warn about a near-miss key with a suggestion, and fail it under --strict', async () => {
    const loose = await run('config', 'validate', join(dir, 'typo.toml'));
    expect(loose.out).toContain('typo.toml:3:3: warning: http_service.internal_prot');
    expect(loose.out).toContain('did you mean `internal_port`?');
    expect(loose.code).toBe(0);

    const strict = await run('config', 'validate', '--strict', join(dir, 'typo.toml'));
    expect(strict.out).toContain('✘invalid app configuration');
    expect(strict.code).toBe(1);
  });

  it('should exit 1 with flyctl text, file:line:column and a fix when a file is invalid', async () => {
    const result = await run('config', 'validate', join(dir, 'fly.toml'), join(dir, 'bad.toml'));
    expect(result.out).toContain(
      "bad.toml:3:3: error: deploy.strategy: unsupported deployment strategy 'fast'",
    );
    expect(result.out).toContain('fix: set strategy to one of');
    expect(result.err).toContain('Error: App configuration is not valid');
    expect(result.code).toBe(1);
  });

  it('should exit 2 when a file is not valid TOML or cannot be read', async () => {
    expect((await run('config', 'validate', join(dir, 'broken.toml'))).code).toBe(2);
    expect((await run('config', 'validate', join(dir, 'missing.toml'))).code).toBe(2);
  });

  it('should read fly.json with positions and report JSON', async () => {
    const result = await run('config', 'validate', '--json', join(dir, 'fly.json'));
    const [report] = JSON.parse(result.out) as {
      status: string;
      problems: { line: number; path: string }[];
    }[];
    expect(report?.status).toBe('invalid');
    expect(report?.problems.find((p) => p.path === 'deploy.strategy')?.line).toBe(1);
    expect(result.code).toBe(1);
  });
});

describe('flysim config show', () => {
  it('should print the resolved config with defaults and the two http_service ports', async () => {
    const result = await run('config', 'show', join(dir, 'fly.toml'), '--json');
    const config = JSON.parse(result.out) as {
      deploy: { strategy: string; waitTimeoutMs: number };
      processGroups: { name: string; services: { ports: { port: number }[] }[] }[];
    };
    expect(config.deploy).toMatchObject({ strategy: 'rolling', waitTimeoutMs: 300_000 });
    expect(config.processGroups[0]?.services[0]?.ports.map((p) => p.port)).toEqual([80, 443]);
    expect(result.code).toBe(0);
  });

  it('should refuse an invalid file with exit 1', async () => {
    expect((await run('config', 'show', join(dir, 'bad.toml'))).code).toBe(1);
  });
});
