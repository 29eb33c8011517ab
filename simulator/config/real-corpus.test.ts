// The 120 real fly.toml files of corpus/real: each must end as EXPECTED.tsv says.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDir } from './corpus.js';
import { exitCodeFor } from './exit-codes.js';
import { loadConfigFile, type ConfigReport } from './load.js';

// The repo's sibling `shared/` folder, wherever the repo is cloned.
const realDir = corpusDir('real');

interface Row {
  readonly file: string;
  readonly outcome: string;
  readonly exit: number;
  readonly reason: string;
}

const rows: Row[] = readFileSync(`${realDir}EXPECTED.tsv`, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [file = '', outcome = '', exit = '', reason = ''] = line.split('\t');
    return { file, outcome, exit: Number(exit), reason };
  });

const reports = new Map<string, ConfigReport>();

async function report(file: string): Promise<ConfigReport> {
  const cached = reports.get(file);
  if (cached !== undefined) return cached;
  const loaded = await loadConfigFile(`${realDir}${file}`);
  reports.set(file, loaded);
  return loaded;
}

const errorText = (loaded: ConfigReport) =>
  loaded.problems
    .filter((p) => p.severity === 'error')
    .map((p) => p.message)
    .join('\n');

describe('real-world fly.toml files (corpus/real/EXPECTED.tsv)', () => {
  it('has 120 files: 108 valid, 7 invalid, 5 unreadable', () => {
    const count = (outcome: string) => rows.filter((row) => row.outcome === outcome).length;
    expect([rows.length, count('valid'), count('invalid'), count('unreadable')]).toEqual([
      120, 108, 7, 5,
    ]);
  });

  it.each(rows.map((row) => [row.file, row] as const))('%s', async (_file, row) => {
    const loaded = await report(row.file);

    expect(loaded.status, errorText(loaded)).toBe(row.outcome);
    expect(exitCodeFor([loaded.status])).toBe(row.exit);
    if (row.outcome === 'invalid') {
      for (const fragment of row.reason.split('; ')) expect(errorText(loaded)).toContain(fragment);
    }
    if (row.outcome === 'unreadable') {
      // The reasons come from another TOML parser: the line must match, the wording need not.
      const line = Number(/at line (\d+)/.exec(row.reason)?.[1]);
      expect(loaded.problems[0]?.line).toBe(line);
    }
  });

  it('reports how many valid files warned, and why', async () => {
    const valid = rows.filter((row) => row.outcome === 'valid');
    const why = new Map<string, number>();
    let warned = 0;
    for (const row of valid) {
      const warnings = (await report(row.file)).problems.filter((p) => p.severity === 'warning');
      if (warnings.length > 0) warned++;
      for (const reason of new Set(warnings.map(warningReason)))
        why.set(reason, (why.get(reason) ?? 0) + 1);
    }

    const lines = [...why.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `  ${n} files: ${reason}`);
    process.stdout.write(
      `\n${warned} of ${valid.length} valid files warned:\n${lines.join('\n')}\n`,
    );
    expect(warned).toBeGreaterThan(0);
  });
});

/** Groups warnings by what they are about (`unknown key script_checks`, `restart_limit`). */
function warningReason(problem: ConfigReport['problems'][number]): string {
  const key = String(problem.segments.at(-1) ?? '');
  if (problem.kind === 'unknown-key' || problem.kind === 'obsolete-key')
    return `${problem.kind} \`${key}\``;
  if (problem.kind === 'clamped') return 'service check timing outside [1s, 1m]';
  return `${problem.kind}: ${problem.message.replace(/'[^']*'|"[^"]*"|\d+/g, '…').slice(0, 90)}`;
}
