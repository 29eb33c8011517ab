import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';

interface IgnoreRules {
  add(rules: string): IgnoreRules;
  createFilter(): (path: string) => boolean;
}

// The package is CommonJS (`module.exports = factory`) while its types declare a default export,
// which NodeNext takes for the module object; requiring it gives the factory, typed here.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options: {
  ignorecase: boolean;
}) => IgnoreRules;

export interface BuildContextSpec {
  readonly contextDir: string;
  /** Relative to the context. @default '.dockerignore' */
  readonly ignorefile?: string;
  /** name → content, added at the context root. */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

/**
 * The build context as the engine receives it: a tar of the directory without what the ignore
 * file excludes, plus the extra files. The engine itself never reads the ignore file.
 */
export async function packBuildContext(spec: BuildContextSpec): Promise<Readable> {
  const accept = await ignoreFilter(spec.contextDir, spec.ignorefile ?? '.dockerignore');
  const entries = (await readdir(spec.contextDir)).filter(accept);
  const extraFiles = Object.entries(spec.extraFiles ?? {});

  return tar.pack(spec.contextDir, {
    entries,
    // tar-fs asks about nested paths as absolute ones; the ignore rules speak of relative ones.
    ignore: (path) => !accept(relativeTo(spec.contextDir, path)),
    finalize: false,
    finish: (pack) => {
      for (const [name, content] of extraFiles) pack.entry({ name, mode: 0o644 }, content);
      pack.finalize();
    },
  });
}

async function ignoreFilter(
  contextDir: string,
  ignorefile: string,
): Promise<(path: string) => boolean> {
  const rules = await readFile(join(contextDir, ignorefile), 'utf8').catch(() => '');
  return dockerignore({ ignorecase: false }).add(rules).createFilter();
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
