import { runConfigCommand } from './config-command.js';
import { EXIT, reportError, type CliContext, type Output } from './context.js';
import { DEPLOY_USAGE, runDeploy } from './deploy-command.js';
import { processInterrupt } from './interrupt.js';
import { runSecrets, SECRETS_USAGE } from './secrets-command.js';
import { runSimulate, SIMULATE_USAGE } from './simulate-command.js';
import {
  runChecks,
  runDown,
  runLogs,
  runMachines,
  runReleases,
  runStatus,
} from './talk-commands.js';
import { runUp, UP_USAGE } from './up-command.js';

export type { Output } from './context.js';

const HELP = `flysim: a local Fly.io. Does on one machine, with real containers, what \`fly deploy\` does.

Usage: flysim <command> [options]

Commands:
  up                Run the platform for an app in the foreground (Ctrl-C tears it down)
  deploy            Deploy the app to the running platform, or --once on a throwaway one
  status            The app and its machines
  machines list     The app's machines
  releases          The app's releases
  checks list       Health checks per machine
  logs              Logs in \`fly logs\` format; -i MACHINE filters, --no-tail dumps
  secrets           set, import, unset, list and deploy secrets
  down              Tear the running platform down
  simulate          The sample app with Postgres and Redis, deployed and streaming logs
  config            Validate fly.toml offline (validate), print the resolved config (show)
  help              Show this help

Options:
  -h, --help        Show this help (also after a command: \`flysim deploy --help\`)
  -v, --version     Print the version

Exit codes: 0 succeeded, 1 the deploy failed, 2 usage or config error.
`;

const VERSION = '0.1.0';

type Command = (argv: readonly string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  up: runUp,
  deploy: runDeploy,
  status: runStatus,
  machines: runMachines,
  machine: runMachines,
  releases: runReleases,
  checks: runChecks,
  logs: runLogs,
  secrets: runSecrets,
  down: runDown,
  simulate: runSimulate,
  config: (argv, ctx) => runConfigCommand(argv, ctx, ctx.cwd),
};

const USAGES: Readonly<Record<string, string>> = {
  up: UP_USAGE,
  deploy: DEPLOY_USAGE,
  secrets: SECRETS_USAGE,
  simulate: SIMULATE_USAGE,
};

/** Runs one CLI invocation and resolves to its exit code. */
export async function main(argv: readonly string[], output: Output): Promise<number> {
  const [command, ...rest] = argv;

  if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
    output.stdout.write(HELP);
    return EXIT.ok;
  }
  if (command === '-v' || command === '--version') {
    output.stdout.write(`flysim ${VERSION}\n`);
    return EXIT.ok;
  }

  const run = COMMANDS[command];
  if (run === undefined) {
    output.stderr.write(`Error: unknown command "${command}"; run \`flysim help\` for the list\n`);
    return EXIT.usage;
  }
  if (command !== 'config' && (rest.includes('--help') || rest.includes('-h'))) {
    output.stdout.write(USAGES[command] ?? HELP);
    return EXIT.ok;
  }
  return withContext(output, (ctx) => run(rest, ctx));
}

async function withContext(
  output: Output,
  run: (ctx: CliContext) => Promise<number>,
): Promise<number> {
  const interrupt = output.interrupt === undefined ? processInterrupt() : undefined;
  const ctx: CliContext = {
    ...{ stdout: output.stdout, stderr: output.stderr },
    env: output.env ?? process.env,
    cwd: output.cwd ?? process.cwd(),
    isTTY: output.isTTY ?? (output.stdout as { isTTY?: boolean }).isTTY === true,
    interrupt: output.interrupt ?? (interrupt as { signal: AbortSignal }).signal,
    stdin: output.stdin ?? process.stdin,
  };
  try {
    return await run(ctx);
  } catch (error) {
    return reportError(error, ctx);
  } finally {
    interrupt?.dispose();
  }
}
