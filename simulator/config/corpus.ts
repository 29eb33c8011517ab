// Where the fly.toml corpora live: the project's shared/ folder, beside the repo (as CI lays it
// too). The config tests and `npm run bench -- config` read them; nothing else does.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `real`: 120 public fly.toml files; `flyctl`: flyctl's own test data and its expectations. */
export type Corpus = 'real' | 'flyctl';

/** The corpus folder, ending in `/`; a clear error, not ENOENT, when shared/ is not beside us. */
export function corpusDir(corpus: Corpus): string {
  const dir = fileURLToPath(new URL(`../../../shared/corpus/${corpus}/`, import.meta.url));
  if (existsSync(dir)) return dir;
  throw new Error(
    `the fly.toml corpus is missing: expected ${dir}. ` +
      "It is the project's shared/ folder, which must sit beside the repo (../shared).",
  );
}
