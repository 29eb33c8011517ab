import type { Writable } from 'node:stream';
import { runConfigCommand } from './config-command.js';

/** Where the CLI writes: passed in, so tests capture it and nothing below the CLI prints. */
export interface Output {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

const HELP = `flysim: a local Fly.io. Does on one machine, with real containers, what \`fly deploy\` does.

Usage: flysim <command> [options]

Commands:
  config            Validate fly.toml offline (validate), print the resolved config (show)
  help              Show this help

Options:
  -h, --help        Show this help
  -v, --version     Print the version
`;

const VERSION = '0.1.0';

/** Runs one CLI invocation and resolves to its exit code. */
export async function main(argv: readonly string[], output: Output): Promise<number> {
  const [command] = argv;

  if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
    output.stdout.write(HELP);
    return 0;
  }

  if (command === '-v' || command === '--version') {
    output.stdout.write(`flysim ${VERSION}\n`);
    return 0;
  }

  if (command === 'config') return runConfigCommand(argv.slice(1), output, process.cwd());

  output.stderr.write(`Error: unknown command "${command}". Run \`flysim help\` for the list.\n`);
  return 2;
}
