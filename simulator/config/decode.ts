// The decoding context and the primitive decoders: each reads one raw value the way Go's JSON
// decoder reads it into flyctl's typed Config, and reports what it cannot read, located.

import { parseGoDuration } from './duration.js';
import type { KeyPath, PositionIndex } from './positions.js';
import { describeValue, type Problem, type ProblemKind, type ProblemSeverity } from './problem.js';

/** What a problem needs beyond its severity, kind, path and message. */
export interface ProblemDetail {
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
  readonly flyctlStrict?: boolean;
}

/** Collects problems for one file and knows where each key path sits in it. */
export class DecodeContext {
  readonly problems: Problem[] = [];
  /** Each decoded table or array of flyctl's view -> its key path in the source file. */
  readonly sources = new WeakMap<object, KeyPath>();
  /** `restart_limit` of a decoded check, which flyctl drops and flysim keeps for the opt-in. */
  readonly restartLimits = new WeakMap<object, number>();
  /** Set when flyctl would discard the whole config ("invalid v2 config"). */
  discardsConfig = false;
  readonly #noticed = new Set<string>();

  constructor(
    readonly file: string,
    readonly positions: PositionIndex,
  ) {}

  report(
    severity: ProblemSeverity,
    kind: ProblemKind,
    path: KeyPath,
    message: string,
    detail: ProblemDetail = {},
  ): void {
    const position = this.positions.locate(path);
    this.problems.push({
      severity,
      kind,
      file: this.file,
      path: path.join('.'),
      segments: path,
      message,
      ...position,
      ...detail,
    });
  }

  /** A load failure flyctl turns into "invalid v2 config": reported, and the config discarded. */
  fail(kind: 'type' | 'legacy-shape', path: KeyPath, message: string, detail: ProblemDetail) {
    this.discardsConfig = true;
    this.report('error', kind, path, message, detail);
  }

  /** The source path of a decoded table, else `fallback`. */
  sourceOf(decoded: object, fallback: KeyPath = []): KeyPath {
    return this.sources.get(decoded) ?? fallback;
  }

  /** Reports `key` once per pattern (array indices folded), however often it appears. */
  noticeOnce(pattern: string, path: KeyPath, message: string, hint: string): void {
    if (this.#noticed.has(pattern)) return;
    this.#noticed.add(pattern);
    this.report('notice', 'not-emulated', path, message, { hint });
  }
}

/** Reads one raw value at `path`; `undefined` drops the key, as flyctl would. */
export type Decoder = (value: unknown, path: KeyPath, ctx: DecodeContext) => unknown;

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isDate(value);
}

export function isDate(value: unknown): value is Date {
  return value instanceof Date;
}

/** Go's `%v` for the scalar shapes TOML has (flyctl stringifies env values and sizes with it). */
export function goString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (isDate(value)) return value.toISOString();
  if (isTable(value)) {
    const entries = Object.keys(value).sort();
    return `map[${entries.map((key) => `${key}:${goString(value[key])}`).join(' ')}]`;
  }
  return String(value);
}

/** The Go-decoder kind of a raw value, for "cannot unmarshal <kind>" messages. */
export function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (isTable(value)) return 'object';
  if (isDate(value)) return 'string';
  return typeof value === 'bigint' ? 'number' : typeof value;
}

export function typeError(
  ctx: DecodeContext,
  path: KeyPath,
  value: unknown,
  goType: string,
  expected: string,
): undefined {
  const shown = typeof value === 'string' ? ` '${value}'` : '';
  const message = `json: ${path.join('.')}: cannot unmarshal ${jsonKind(value)}${shown} into ${goType}`;
  ctx.fail('type', path, message, {
    expected,
    found: describeValue(value),
    hint: `write ${path.at(-1) ?? 'it'} as ${expected}`,
  });
  return undefined;
}

export const str: Decoder = (value, path, ctx) =>
  typeof value === 'string' ? value : typeError(ctx, path, value, 'string', 'a string');

export const bool: Decoder = (value, path, ctx) =>
  typeof value === 'boolean' ? value : typeError(ctx, path, value, 'bool', 'true or false');

export const int: Decoder = (value, path, ctx) => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return typeError(ctx, path, value, 'int', 'a whole number');
};

export const float: Decoder = (value, path, ctx) =>
  typeof value === 'number' ? value : typeError(ctx, path, value, 'float64', 'a number');

export const strings: Decoder = (value, path, ctx) => {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return typeError(ctx, path, value, '[]string', 'an array of strings, like ["a", "b"]');
};

/** Any TOML value, kept as written (build.settings, response headers). */
export const anything: Decoder = (value) => value;

export const stringMap: Decoder = (value, path, ctx) => {
  if (!isTable(value)) return typeError(ctx, path, value, 'map[string]string', 'a table');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = str(item, [...path, key], ctx);
  return out;
};

export const anyMap: Decoder = (value, path, ctx) =>
  isTable(value) ? value : typeError(ctx, path, value, 'map[string]any', 'a table');

/**
 * Durations Go reads with fly-go's Duration: a string in Go syntax, or a bare number of
 * nanoseconds. flyctl never patches these fields, so `wait_timeout = 600` means 600ns.
 */
export const nanosecondDuration: Decoder = (value, path, ctx) => {
  if (typeof value === 'number') {
    warnNanoseconds(ctx, path, value);
    return value / 1e6;
  }
  if (typeof value !== 'string') return typeError(ctx, path, value, 'duration', 'a duration');
  return parseDurationField(value, path, ctx);
};

function warnNanoseconds(ctx: DecodeContext, path: KeyPath, value: number): void {
  if (value === 0) return;
  ctx.report('warning', 'surprising-unit', path, `bare number ${value} is read as nanoseconds`, {
    expected: 'a duration string',
    found: `number ${value}`,
    hint: `flyctl reads a bare number here as nanoseconds; write "${value}s" for seconds`,
  });
}

export function parseDurationField(text: string, path: KeyPath, ctx: DecodeContext): unknown {
  const parsed = parseGoDuration(text);
  if (parsed.ok) return parsed.ns / 1e6;

  const message = `json: ${path.join('.')}: cannot unmarshal string '${text}' into duration: ${parsed.error}`;
  ctx.fail('type', path, message, {
    expected: 'a duration like "10s", "1m30s" or "500ms"',
    found: describeValue(text),
    hint: `add a unit: "${text}s" for seconds, "${text}ms" for milliseconds`,
  });
  return undefined;
}

/**
 * Durations flyctl patches before decoding: a bare number counts in `unitMs` (seconds for
 * kill_timeout, milliseconds for checks), truncated to a whole number first as Go does; an
 * empty string drops the key; other kinds are dropped silently by flyctl (flysim warns).
 */
export function patchedDuration(unitMs: number, unitName: string): Decoder {
  return (value, path, ctx) => {
    if (typeof value === 'number') return Math.trunc(value) * unitMs;
    if (value === '') return undefined;
    if (typeof value === 'string') return parseDurationField(value, path, ctx);

    ctx.report('warning', 'type', path, 'flyctl ignores this value', {
      expected: `a duration string, or a number of ${unitName}`,
      found: describeValue(value),
      hint: `write it as "10s", or remove it`,
    });
    return undefined;
  };
}
