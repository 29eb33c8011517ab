// `flysim config validate [PATH...] [--strict] [--json]` and `flysim config show [PATH] --json`.

import { exitCodeFor } from '../config/exit-codes.js';
import { findConfigFile, loadConfigFile, type ConfigReport } from '../config/load.js';
import { formatProblem } from '../config/problem.js';
import { isFlysimError } from '../errors.js';
import type { Output } from './main.js';

const USAGE = `Usage:
  flysim config validate [PATH...] [--strict] [--json]
  flysim config show [PATH] --json

validate  Loads each config file (fly.toml, fly.json or fly.yaml) as flyctl does and checks it
          offline. Exit 0: all valid (warnings allowed); 1: any invalid; 2: a file cannot be
          read or parsed. --strict makes unknown keys errors; --json prints a report.
show      Prints the resolved configuration (defaults filled in, process groups) as JSON.
`;

interface Args {
  readonly paths: readonly string[];
  readonly strict: boolean;
  readonly json: boolean;
}

/** Runs `flysim config ...`; `cwd` is where a config is searched when no path is given. */
export async function runConfigCommand(
  argv: readonly string[],
  output: Output,
  cwd: string,
): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest);
  if (typeof args === 'string') return usageError(output, args);

  if (sub === 'validate') return validate(args, output, cwd);
  if (sub === 'show') return show(args, output, cwd);
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    output.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  return usageError(output, `unknown config command "${sub}"`);
}

function parseArgs(argv: readonly string[]): Args | string {
  const paths: string[] = [];
  let strict = false;
  let json = false;
  for (const arg of argv) {
    if (arg === '--strict') strict = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-')) return `unknown option "${arg}"`;
    else paths.push(arg);
  }
  return { paths, strict, json };
}

function usageError(output: Output, message: string): number {
  output.stderr.write(`Error: ${message}\n\n${USAGE}`);
  return 2;
}

async function resolvePaths(args: Args, cwd: string): Promise<string[]> {
  if (args.paths.length === 0) return [await findConfigFile(cwd)];
  return Promise.all(args.paths.map((path) => findConfigFile(cwd, path)));
}

async function loadAll(args: Args, output: Output, cwd: string): Promise<ConfigReport[] | number> {
  try {
    const paths = await resolvePaths(args, cwd);
    return await Promise.all(paths.map((path) => loadConfigFile(path, { strict: args.strict })));
  } catch (error) {
    if (!isFlysimError(error)) throw error;
    output.stderr.write(
      `Error: ${error.message}\n${error.hint === undefined ? '' : `${error.hint}\n`}`,
    );
    return 2;
  }
}

async function validate(args: Args, output: Output, cwd: string): Promise<number> {
  const reports = await loadAll(args, output, cwd);
  if (typeof reports === 'number') return reports;

  if (args.json) output.stdout.write(`${JSON.stringify(reports.map(jsonReport), null, 2)}\n`);
  else reports.forEach((report) => writeReport(report, output));
  return exitCodeFor(reports.map((report) => report.status));
}

/** flyctl's shape: `Validating <path>`, the messages, then `✓ Configuration is valid` or ✘. */
function writeReport(report: ConfigReport, output: Output): void {
  output.stdout.write(`Validating ${report.path}\n`);
  for (const problem of report.problems) output.stdout.write(`${formatProblem(problem)}\n`);

  if (report.status === 'valid') {
    output.stdout.write('✓ Configuration is valid\n');
  } else if (report.status === 'unreadable') {
    const reason = report.problems[0]?.message ?? 'cannot be read';
    output.stdout.write(`\n   ✘failed loading app config from ${report.path}: ${reason}\n`);
    output.stderr.write(`Error: failed loading app config from ${report.path}: ${reason}\n`);
  } else {
    output.stdout.write('\n   ✘invalid app configuration\n');
    output.stderr.write(`Error: App configuration is not valid (${report.path})\n`);
  }
}

function jsonReport(report: ConfigReport) {
  return {
    path: report.path,
    format: report.format,
    status: report.status,
    valid: report.status === 'valid',
    problems: report.problems,
    strict: report.strict,
  };
}

async function show(args: Args, output: Output, cwd: string): Promise<number> {
  if (args.paths.length > 1) return usageError(output, 'config show takes one path');
  const reports = await loadAll(args, output, cwd);
  if (typeof reports === 'number') return reports;

  const [report] = reports;
  if (report?.config === undefined) {
    report?.problems
      .filter((p) => p.severity === 'error')
      .forEach((p) => output.stderr.write(`${formatProblem(p)}\n`));
    output.stderr.write(
      `Error: ${report?.path ?? 'config'} is not valid; run \`flysim config validate\`\n`,
    );
    return exitCodeFor([report?.status ?? 'unreadable']);
  }
  output.stdout.write(`${JSON.stringify(report.config, null, 2)}\n`);
  return 0;
}
