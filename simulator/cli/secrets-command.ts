// `flysim secrets set|import|unset|list|deploy`, with Fly's semantics (fly-platform.md §6): `set`
// on a deployed app restarts its machines with the new values; `--stage` only stores them.

import { SecretsStore } from '../platform/secrets-store.js';
import { loadAppConfig } from './app-config-loader.js';
import {
  flagBoolean,
  flagString,
  parseArgs,
  parseAssignments,
  usageError,
  type FlagSpec,
} from './args.js';
import { findPlatform, frameWriter, type Connection } from './connect.js';
import { EXIT, type CliContext } from './context.js';
import type { SecretsOutcome, SecretView } from './control-api.js';
import { notRunning } from './control-client.js';
import { resolvePresentation } from './presentation.js';
import { parseSecretLines, readPipedInput } from './secret-input.js';
import { resolveStateDir } from './state-file.js';
import { renderSecrets } from './tables.js';
import { CONFIG_FLAG, JSON_FLAG } from './talk-commands.js';

const STAGE_FLAG: FlagSpec = {
  name: 'stage',
  kind: 'boolean',
  help: 'store only; machines get the values at the next deploy',
};
const SET_FLAGS = [CONFIG_FLAG, STAGE_FLAG, JSON_FLAG];

export const SECRETS_USAGE = `Usage:
  flysim secrets set NAME=VALUE... [--stage] [-c PATH]
  flysim secrets import [--stage] [-c PATH]
  flysim secrets unset NAME... [--stage] [-c PATH]
  flysim secrets list [--json] [-c PATH]
  flysim secrets deploy [-c PATH]

set, import and unset restart the app's machines with the new values (no build, no release
command); --stage only stores them. Values never appear in output: list shows a digest.
To keep a value off the command line, NAME=- reads it from stdin, and import reads NAME=VALUE
lines (# comments, "quoted" values, """multi-line""" values) from stdin.
`;

export async function runSecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'set') return setSecrets(rest, ctx);
  if (sub === 'import') return importSecrets(rest, ctx);
  if (sub === 'unset') return unsetSecrets(rest, ctx);
  if (sub === 'list' || sub === 'ls') return listSecrets(rest, ctx);
  if (sub === 'deploy') return deploySecrets(rest, ctx);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    ctx.stdout.write(SECRETS_USAGE);
    return EXIT.ok;
  }
  throw usageError(
    `unknown secrets command "${sub ?? ''}"`,
    'use `flysim secrets set|import|unset|list|deploy`',
  );
}

async function setSecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, SET_FLAGS, 'secrets set');
  if (args.positionals.length === 0) {
    throw usageError(
      '`flysim secrets set` needs NAME=VALUE',
      'write flysim secrets set NAME=VALUE',
    );
  }
  const values = await withStdinValue(parseAssignments(args.positionals, 'secrets set'), ctx);
  return storeSecrets(ctx, values, args);
}

/** flyctl's `secrets import`: NAME=VALUE lines from stdin, then what `set` does with them. */
async function importSecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, SET_FLAGS, 'secrets import');
  if (args.positionals.length > 0) {
    throw usageError(
      '`flysim secrets import` takes no arguments: it reads NAME=VALUE lines from stdin',
      'pipe them in, e.g. `flysim secrets import < .secrets.env`',
    );
  }
  const input = await readPipedInput(
    ctx.stdin,
    '`secrets import`',
    '`flysim secrets import < .secrets.env`',
  );
  const values = parseSecretLines(input);
  if (Object.keys(values).length === 0) {
    throw usageError(
      'requires at least one SECRET=VALUE pair',
      'write NAME=VALUE lines to standard input',
    );
  }
  return storeSecrets(ctx, values, args);
}

async function storeSecrets(
  ctx: CliContext,
  values: Record<string, string>,
  args: ReturnType<typeof parseArgs>,
): Promise<number> {
  const configPath = flagString(args, 'config');
  const stage = flagBoolean(args, 'stage');

  const platform = await findPlatform(ctx, configPath);
  if (platform === undefined) return stageOffline(ctx, configPath, (s, app) => s.set(app, values));
  return change(ctx, platform, '/secrets/set', { values, stage }, flagBoolean(args, 'json'));
}

/** `NAME=-`: the value is stdin, trimmed of surrounding whitespace as flyctl does. */
async function withStdinValue(
  values: Record<string, string>,
  ctx: CliContext,
): Promise<Record<string, string>> {
  const fromStdin = Object.keys(values).filter((name) => values[name] === '-');
  if (fromStdin.length === 0) return values;
  if (fromStdin.length > 1) {
    throw usageError(
      `only one secret can read standard input, got ${fromStdin.join(', ')}`,
      'set the others with NAME=VALUE, or use `flysim secrets import`',
    );
  }
  const name = fromStdin[0] ?? '';
  const example = '`printf %s "$VALUE" | flysim secrets set NAME=-`';
  const value = (await readPipedInput(ctx.stdin, `secret \`${name}\``, example)).trim();
  return { ...values, [name]: value };
}

async function unsetSecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, SET_FLAGS, 'secrets unset');
  if (args.positionals.length === 0) {
    throw usageError('`flysim secrets unset` needs a NAME', 'write flysim secrets unset NAME');
  }
  const names = args.positionals;
  const configPath = flagString(args, 'config');
  const stage = flagBoolean(args, 'stage');

  const platform = await findPlatform(ctx, configPath);
  if (platform === undefined) return stageOffline(ctx, configPath, (s, app) => s.unset(app, names));
  return change(ctx, platform, '/secrets/unset', { names, stage }, flagBoolean(args, 'json'));
}

async function listSecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, [CONFIG_FLAG, JSON_FLAG], 'secrets list');
  const configPath = flagString(args, 'config');
  const platform = await findPlatform(ctx, configPath);
  const secrets = platform
    ? await platform.client.get<SecretView[]>('/secrets')
    : await offlineStore(ctx, configPath).then(({ store, app }) => store.list(app));

  if (flagBoolean(args, 'json')) ctx.stdout.write(`${JSON.stringify(secrets, null, 2)}\n`);
  else ctx.stdout.write(renderSecrets(secrets));
  return EXIT.ok;
}

async function deploySecrets(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, [CONFIG_FLAG, JSON_FLAG], 'secrets deploy');
  const platform = await findPlatform(ctx, flagString(args, 'config'));
  if (platform === undefined) throw notRunning('`secrets deploy` updates running machines');

  return change(ctx, platform, '/secrets/deploy', {}, flagBoolean(args, 'json'));
}

async function change(
  ctx: CliContext,
  { client }: Connection,
  path: string,
  body: Record<string, unknown>,
  json: boolean,
): Promise<number> {
  const presentation = resolvePresentation({ json, isTTY: ctx.isTTY, env: ctx.env });
  const outcome = (await client.stream(
    'POST',
    path,
    { ...body, presentation },
    frameWriter(ctx, json),
  )) as SecretsOutcome;

  if (json) ctx.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (outcome.message !== undefined) ctx.stdout.write(`${outcome.message}\n`);
  return outcome.deploy?.status === 'failed' ? EXIT.failed : EXIT.ok;
}

/** No platform runs: the values go to the app's store and wait for the first deploy. */
async function stageOffline(
  ctx: CliContext,
  configPath: string | undefined,
  apply: (store: SecretsStore, app: string) => void,
): Promise<number> {
  const { store, app } = await offlineStore(ctx, configPath);
  apply(store, app);
  ctx.stdout.write('Secrets are staged for the first deployment\n');
  return EXIT.ok;
}

async function offlineStore(
  ctx: CliContext,
  configPath: string | undefined,
): Promise<{ store: SecretsStore; app: string }> {
  const { config } = await loadAppConfig(ctx, configPath);
  const stateDir = resolveStateDir(ctx.env, ctx.cwd, configPath);
  return { store: new SecretsStore({ stateDir }), app: config.app };
}
