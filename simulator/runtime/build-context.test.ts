import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-fs';
import { afterEach, describe, expect, it } from 'vitest';
import { packBuildContext } from './build-context.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flysim-context-'));
  dirs.push(dir);
  return dir;
}

async function files(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await files(root, path)));
    else found.push(relative(root, path));
  }
  return found.sort();
}

async function writeTree(root: string, tree: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('packBuildContext', () => {
  it('should leave out what .dockerignore excludes, at any depth', async () => {
    const context = await tempDir();
    await writeTree(context, {
      '.dockerignore': 'node_modules\n**/*.log\nsecret.txt\n',
      Dockerfile: 'FROM scratch\n',
      'secret.txt': 'no',
      'node_modules/x/index.js': 'no',
      'src/app.ts': 'yes',
      'src/debug.log': 'no',
    });

    const out = await tempDir();
    await pipeline(await packBuildContext({ contextDir: context }), tar.extract(out));

    expect(await files(out)).toEqual(['.dockerignore', 'Dockerfile', 'src/app.ts']);
  });

  it('should honour another ignore file and add extra files without writing to the directory', async () => {
    const context = await tempDir();
    await writeTree(context, { 'build.ignore': 'notes.md\n', Dockerfile: '', 'notes.md': '' });

    const out = await tempDir();
    const packed = await packBuildContext({
      ...{ contextDir: context, ignorefile: 'build.ignore' },
      extraFiles: { '.npm-ca.pem': 'CERTIFICATE' },
    });
    await pipeline(packed, tar.extract(out));

    expect(await files(out)).toEqual(['.npm-ca.pem', 'Dockerfile', 'build.ignore']);
    expect(await readFile(join(out, '.npm-ca.pem'), 'utf8')).toBe('CERTIFICATE');
    expect(await files(context)).toEqual(['Dockerfile', 'build.ignore', 'notes.md']);
  });
});
