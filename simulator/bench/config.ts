// `npm run bench -- config`: time to validate the whole real corpus, and p99 per file.

import { readdirSync, readFileSync } from 'node:fs';
import { corpusDir } from '../config/corpus.js';
import { loadConfigText } from '../config/load.js';

const realDir = corpusDir('real');

export async function run(args: readonly string[]): Promise<void> {
  const rounds = Number(args[0] ?? 20);
  const files = readdirSync(realDir)
    .filter((file) => !file.endsWith('.tsv'))
    .map((file) => ({
      path: `${realDir}${file}`,
      text: readFileSync(`${realDir}${file}`, 'utf8'),
    }));

  loadAll(files, []);
  const perFileMs: number[] = [];
  const corpusMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    loadAll(files, perFileMs);
    corpusMs.push(performance.now() - started);
  }

  console.log(`files: ${files.length}, rounds: ${rounds} (first warm-up round not counted)`);
  console.log(
    `whole corpus: median ${fmt(percentile(corpusMs, 0.5))} ms, max ${fmt(Math.max(...corpusMs))} ms`,
  );
  console.log(
    `per file: median ${fmt(percentile(perFileMs, 0.5))} ms, p99 ${fmt(percentile(perFileMs, 0.99))} ms, max ${fmt(Math.max(...perFileMs))} ms`,
  );
}

function loadAll(files: readonly { path: string; text: string }[], timings: number[]): void {
  for (const file of files) {
    const started = performance.now();
    loadConfigText(file.text, file.path);
    timings.push(performance.now() - started);
  }
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}
