// 10,000 seeded mutations of the real corpus: each ends in a resolved config or located
// problems, never a crash, a stack trace or a hang.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDir } from './corpus.js';
import { loadConfigText } from './load.js';

const realDir = corpusDir('real');
const sources = readdirSync(realDir)
  .filter((file) => !file.endsWith('.tsv'))
  .map((file) => readFileSync(`${realDir}${file}`, 'utf8'));

/** mulberry32: a small seeded generator, so every run feeds the same mutations. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Replacements chosen to hit legacy shapes and types: numbers as strings, tables as arrays, ...
const TOKENS = [
  '"',
  "'",
  '[',
  ']',
  '[[',
  ']]',
  '{',
  '}',
  '=',
  ',',
  '\n',
  '#',
  '.',
  '0',
  '-1',
  '1.5',
  '"10"',
  'true',
  '""',
  '"1m"',
  '[]',
  '{}',
  '"x,y"',
  '"20,25"',
  '[[services]]\n',
  '[checks.x]\n',
  '[[services.ports]]\n',
  'processes = ["web"]\n',
  'strategy = "canary"\n',
  '[[mounts]]\n',
  'interval = 500\n',
  'restart_limit = 3\n',
  'internal_port = "80"\n',
  'headers = [{v = 1}]\n',
];

function mutate(text: string, next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const at = Math.floor(next() * (text.length + 1));
  const span = Math.floor(next() * 12);
  const kind = Math.floor(next() * 4);
  if (kind === 0) return text.slice(0, at) + text.slice(at + span);
  if (kind === 1) return text.slice(0, at) + pick(TOKENS) + text.slice(at);
  if (kind === 2) return text.slice(0, at) + pick(TOKENS) + text.slice(at + span);
  const lines = text.split('\n');
  const line = Math.floor(next() * lines.length);
  lines.splice(Math.floor(next() * lines.length), 0, lines[line] ?? '');
  return lines.join('\n');
}

describe('fuzzing the loader with mutated real files', () => {
  it('should end every one of 10,000 mutations in a config or located problems', () => {
    const next = random(20_260_821);
    const outcomes = { valid: 0, invalid: 0, unreadable: 0 };

    for (let i = 0; i < 10_000; i++) {
      const base = sources[i % sources.length] ?? '';
      const text = mutate(mutate(base, next), next);
      const report = loadConfigText(text, `fuzz-${i}.toml`);

      outcomes[report.status]++;
      if (report.status === 'valid') expect(report.config, `mutation ${i}`).toBeDefined();
      else
        expect(
          report.problems.some((p) => p.severity === 'error'),
          `mutation ${i}`,
        ).toBe(true);
      for (const problem of report.problems) {
        expect(problem.line >= 1 && problem.column >= 1, `mutation ${i}`).toBe(true);
        expect(problem.message).not.toMatch(/\n\s+at /);
      }
    }

    process.stdout.write(`\nfuzz outcomes: ${JSON.stringify(outcomes)}\n`);
    expect(outcomes.valid + outcomes.invalid + outcomes.unreadable).toBe(10_000);
  }, 30_000);
});
