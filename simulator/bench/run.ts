// `npm run bench -- <name> [args]` runs simulator/bench/<name>.ts; with no name, every bench.
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.test.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

const [name, ...rest] = process.argv.slice(2);
const selected = name === undefined ? available : [name];

for (const bench of selected) {
  if (!available.includes(bench)) {
    console.error(`Error: no bench named "${bench}". Available: ${available.join(', ')}`);
    process.exit(2);
  }
  console.log(`== bench ${bench}`);
  const module = (await import(new URL(`./${bench}.ts`, here).href)) as {
    run: (args: readonly string[]) => Promise<void>;
  };
  await module.run(rest);
}
