// Loading a config file the way flyctl does, then validating it offline: the entry point.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FlysimError } from '../errors.js';
import type { AppConfig } from './app-config.js';
import { DecodeContext } from './decode.js';
import { flattenForGroup } from './groups.js';
import { noticeNotEmulated } from './not-emulated.js';
import { PositionIndex, type KeyPath } from './positions.js';
import type { Problem } from './problem.js';
import { resolveAppConfig } from './resolve.js';
import { decodeFlyConfig, type FlyView } from './schema.js';
import { formatForPath, parseSource, type ConfigFormat } from './source.js';
import { validateFlyView } from './validate.js';

export interface LoadOptions {
  /** Unknown and obsolete keys become errors (`fly config validate --strict`). */
  readonly strict?: boolean;
}

/** What `fly config validate --strict` would list: sections, and keys per section. */
export interface StrictReport {
  readonly unrecognizedSections: readonly string[];
  readonly unrecognizedKeys: Readonly<Record<string, readonly string[]>>;
}

export type ConfigStatus = 'valid' | 'invalid' | 'unreadable';

export interface ConfigReport {
  readonly path: string;
  readonly format: ConfigFormat;
  /** `unreadable`: the file cannot be read or parsed (exit 2); `invalid`: errors (exit 1). */
  readonly status: ConfigStatus;
  /** Every problem, in file order. */
  readonly problems: readonly Problem[];
  /** The resolved config, when the file is valid. */
  readonly config: AppConfig | undefined;
  /** The config as flyctl holds it after loading (only `app` survives a load failure). */
  readonly flyctlView: FlyView;
  readonly strict: StrictReport;
}

/** Loads `text` as if read from `path` (the extension picks the format). */
export function loadConfigText(
  text: string,
  path: string,
  options: LoadOptions = {},
): ConfigReport {
  const format = formatForPath(path);
  const parsed = parseSource(text, format);
  if (!parsed.ok) return unreadable(path, format, parsed.message, parsed.position);

  const ctx = new DecodeContext(path, parsed.positions);
  const decoded = decodeFlyConfig(parsed.data, ctx);
  validateFlyView({ view: decoded, ctx });
  noticeNotEmulated(parsed.data, ctx);
  return finish(path, format, decoded, ctx, options);
}

/** Reads and loads one file; a file that cannot be read is `unreadable`, never a throw. */
export async function loadConfigFile(
  path: string,
  options: LoadOptions = {},
): Promise<ConfigReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return unreadable(path, formatForPath(path), `cannot read file: ${reason}`, {
      line: 1,
      column: 1,
    });
  }
  return loadConfigText(text, path, options);
}

/**
 * flyctl's search: with a path, that file (or `<dir>/fly.toml` for a directory); without one,
 * fly.toml, then fly.json, then fly.yaml in `cwd`.
 */
export async function findConfigFile(cwd: string, path?: string): Promise<string> {
  if (path !== undefined) {
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return isDir ? join(path, 'fly.toml') : path;
  }
  for (const name of ['fly.toml', 'fly.json', 'fly.yaml']) {
    const candidate = join(cwd, name);
    if (
      await stat(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new FlysimError('FLYSIM_CONFIG_NOT_FOUND', `no fly.toml, fly.json or fly.yaml in ${cwd}`, {
    hint: 'run flysim in the app directory, or pass the path of the config file',
  });
}

/** flyctl's ValidateGroups for one group: the config flattened to that group, validated. */
export function validateGroup(report: ConfigReport, group: string): readonly Problem[] {
  const ctx = new DecodeContext(report.path, new PositionIndex());
  validateFlyView({ view: flattenForGroup(report.flyctlView, group), ctx, group });
  return ctx.problems;
}

function finish(
  path: string,
  format: ConfigFormat,
  view: FlyView,
  ctx: DecodeContext,
  options: LoadOptions,
): ConfigReport {
  const problems = ctx.problems.map((problem) =>
    options.strict === true ? strictened(problem) : problem,
  );
  const ordered = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  const valid = !ordered.some((problem) => problem.severity === 'error');
  const flyctlView = ctx.discardsConfig ? onlyApp(view) : view;

  return {
    path,
    format,
    status: valid ? 'valid' : 'invalid',
    problems: ordered,
    config: valid ? resolveAppConfig(view, path, ctx) : undefined,
    flyctlView,
    strict: strictReport(ctx.problems),
  };
}

function strictened(problem: Problem): Problem {
  const unknown = problem.kind === 'unknown-key' || problem.kind === 'obsolete-key';
  return unknown ? { ...problem, severity: 'error' } : problem;
}

function onlyApp(view: FlyView): FlyView {
  return view.app === undefined ? {} : { app: view.app };
}

function strictReport(problems: readonly Problem[]): StrictReport {
  const sections: string[] = [];
  const keys: Record<string, string[]> = {};
  for (const problem of problems.filter((p) => p.flyctlStrict === true)) {
    const segments = problem.segments;
    if (segments.length === 1) sections.push(String(segments[0]));
    else (keys[sectionName(segments.slice(0, -1))] ??= []).push(String(segments.at(-1)));
  }
  return { unrecognizedSections: sections, unrecognizedKeys: keys };
}

function sectionName(path: KeyPath): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function unreadable(
  path: string,
  format: ConfigFormat,
  message: string,
  position: { line: number; column: number },
): ConfigReport {
  const problem: Problem = {
    severity: 'error',
    kind: 'syntax',
    file: path,
    path: '',
    segments: [],
    message,
    ...position,
    hint:
      format === 'toml'
        ? 'fix the TOML syntax at this position (each table may be declared once)'
        : `fix the ${format.toUpperCase()} syntax at this position`,
  };
  return {
    path,
    format,
    status: 'unreadable',
    problems: [problem],
    config: undefined,
    flyctlView: {},
    strict: { unrecognizedSections: [], unrecognizedKeys: {} },
  };
}
