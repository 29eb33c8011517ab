// One small argument parser for every command: long and short flags, `--flag=value`,
// repeatable flags (`-e K=V -e K2=V2`), positionals, and `--` to end the flags.

import { FlysimError } from '../errors.js';

export type FlagKind = 'boolean' | 'string' | 'list';

export interface FlagSpec {
  /** The long name without dashes: `config` for `--config`. */
  readonly name: string;
  /** One letter, without the dash: `e` for `-e`. */
  readonly short?: string;
  readonly kind: FlagKind;
  /** What the value looks like in help (`PATH`, `K=V`). */
  readonly value?: string;
  readonly help: string;
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | boolean | readonly string[]>;
  readonly positionals: readonly string[];
}

/** An error in what the user typed: exit code 2, one line, and the fix. */
export function usageError(message: string, hint: string): FlysimError {
  return new FlysimError('FLYSIM_CLI_USAGE', message, { hint });
}

/** Parses `argv` for `command`; anything unknown is a usage error that names the flag. */
export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  command: string,
): ParsedArgs {
  const flags = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }

    const { spec, inline } = findSpec(arg, specs, command);
    i += takeValue(flags, spec, inline, argv[i + 1], command);
  }
  return { flags, positionals };
}

function findSpec(
  arg: string,
  specs: readonly FlagSpec[],
  command: string,
): { spec: FlagSpec; inline: string | undefined } {
  const long = arg.startsWith('--');
  const body = arg.slice(long ? 2 : 1);
  const eq = body.indexOf('=');
  const key = eq === -1 ? body : body.slice(0, eq);
  const inline = eq === -1 ? undefined : body.slice(eq + 1);

  const spec = specs.find((s) => (long ? s.name === key : s.short === key));
  if (spec === undefined) {
    throw usageError(
      `unknown flag ${arg.split('=')[0]} for \`flysim ${command}\``,
      `run \`flysim ${command} --help\` for its flags`,
    );
  }
  return { spec, inline };
}

/** Stores the flag's value; returns 1 when it consumed the next argument. */
function takeValue(
  flags: Map<string, string | boolean | string[]>,
  spec: FlagSpec,
  inline: string | undefined,
  next: string | undefined,
  command: string,
): number {
  if (spec.kind === 'boolean') {
    if (inline !== undefined) {
      throw usageError(
        `flag --${spec.name} takes no value, got "${inline}"`,
        `write --${spec.name}`,
      );
    }
    flags.set(spec.name, true);
    return 0;
  }

  const value = inline ?? next;
  if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-')) {
    throw usageError(
      `flag --${spec.name} of \`flysim ${command}\` needs a value`,
      `write --${spec.name} ${spec.value ?? 'VALUE'}`,
    );
  }

  if (spec.kind === 'list') {
    const list = flags.get(spec.name);
    flags.set(spec.name, [...(Array.isArray(list) ? list : []), value]);
  } else {
    flags.set(spec.name, value);
  }
  return inline === undefined ? 1 : 0;
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function flagBoolean(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

export function flagList(args: ParsedArgs, name: string): readonly string[] {
  const value = args.flags.get(name);
  return Array.isArray(value) ? (value as readonly string[]) : [];
}

/** `--speed N`: a finite number above 0. */
export function parseSpeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;

  const speed = Number(text);
  if (text.trim() !== '' && Number.isFinite(speed) && speed > 0) return speed;
  throw usageError(
    `--speed expects a number above 0, got "${text}"`,
    'pass --speed 1 for real time, or --speed 10 to run platform timers ten times faster',
  );
}

/** `K=V` pairs (`-e`, `secrets set`); the key must not be empty. */
export function parseAssignments(pairs: readonly string[], flag: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw usageError(
        `${flag} expects NAME=VALUE, got "${pair}"`,
        `write ${flag} ${pair.length > 0 && eq === -1 ? pair : 'NAME'}=VALUE`,
      );
    }
    values[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return values;
}

/** The flags' lines for a command's help, aligned. */
export function describeFlags(specs: readonly FlagSpec[]): string {
  const heads = specs.map((spec) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    const value = spec.kind === 'boolean' ? '' : ` ${spec.value ?? 'VALUE'}`;
    return `  ${short}--${spec.name}${value}`;
  });
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  return specs.map((spec, i) => `${(heads[i] ?? '').padEnd(width)}${spec.help}\n`).join('');
}
