// flyctl's legacy shapes (internal/appconfig/patches.go), re-done as decoders: each accepts the
// old spelling, yields the shape flyctl's typed Config holds, and fails with flyctl's text.

import {
  goString,
  isTable,
  patchedDuration,
  str,
  typeError,
  type DecodeContext,
  type Decoder,
} from './decode.js';
import type { KeyPath } from './positions.js';
import { describeValue } from './problem.js';

/** `[env]` as a table, or as an array of tables merged in order; values stringified. */
export const env: Decoder = (value, path, ctx) => {
  const tables = isTable(value) ? [value] : Array.isArray(value) ? value : undefined;
  const bad = tables?.findIndex((item) => !isTable(item)) ?? 0;
  if (tables === undefined || bad >= 0) {
    return shapeError(ctx, [...path, ...(tables === undefined ? [] : [bad])], value, {
      message: `Do not know how to process 'env' section of type: ${describeValue(value)}`,
      expected: 'a table of NAME = "value" lines',
      hint: 'write [env] followed by NAME = "value" lines',
    });
  }

  const out: Record<string, string> = {};
  for (const item of tables as Record<string, unknown>[]) {
    for (const [name, raw] of Object.entries(item)) out[name] = goString(raw);
  }
  ctx.sources.set(out, path);
  return out;
};

/** `[processes]` as a table of commands, or the legacy `[[processes]] name=/command=` array. */
export const processes: Decoder = (value, path, ctx) => {
  if (isTable(value)) return processTable(value, path, ctx);
  if (!Array.isArray(value)) {
    return shapeError(ctx, path, value, {
      message: `Unknown processes type: ${describeValue(value)}`,
      expected: 'a table of name = "command" lines',
      hint: 'write [processes] followed by name = "command" lines',
    });
  }

  const out: Record<string, string> = {};
  for (const item of value) {
    if (isTable(item) && 'name' in item) out[goString(item.name)] = goString(item.command ?? '');
  }
  ctx.sources.set(out, path);
  return Object.keys(out).length > 0 ? out : undefined;
};

function processTable(value: Record<string, unknown>, path: KeyPath, ctx: DecodeContext) {
  const out: Record<string, unknown> = {};
  for (const [name, command] of Object.entries(value)) {
    const decoded = str(command, [...path, name], ctx);
    if (decoded !== undefined) out[name] = decoded;
  }
  ctx.sources.set(out, path);
  return out;
}

/** `cmd`, `entrypoint`, `exec`: a string becomes a one-word array. */
export const stringOrStrings: Decoder = (value, path, ctx) => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return shapeError(ctx, path, value, {
    message: `could not cast ${goString(value)} to []string on ${String(path.at(-1))}`,
    expected: 'a string or an array of strings',
    hint: 'write it as ["program", "arg"]',
  });
};

/** `port`, `internal_port` in [[services]]: numeric strings and floats become integers. */
export const castInt: Decoder = (value, path, ctx) => {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return Number(value);

  const reason =
    typeof value === 'string'
      ? `Can not convert '${value}' to integer: strconv.Atoi: parsing "${value}": invalid syntax`
      : `Unknown type for cast: ${describeValue(value)}`;
  return shapeError(ctx, path, value, {
    message: reason,
    expected: 'a port number',
    hint: `write ${String(path.at(-1))} = 8080 (a number)`,
  });
};

/** `[services] concurrency = "soft,hard"` (legacy) or a table. */
export function concurrency(tableDecoder: Decoder): Decoder {
  return (value, path, ctx) => {
    if (isTable(value)) return tableDecoder(value, path, ctx);
    if (typeof value !== 'string') {
      return shapeError(ctx, path, value, {
        message: `Unknown type for service concurrency: ${goKindOf(value)}`,
        expected: 'a [services.concurrency] table with type, soft_limit and hard_limit',
        hint: 'write [services.concurrency] with type = "connections", soft_limit = 20',
      });
    }
    return legacyConcurrency(value, path, ctx);
  };
}

function legacyConcurrency(value: string, path: KeyPath, ctx: DecodeContext): unknown {
  const [soft, hard, ...rest] = value.split(',');
  const valid = rest.length === 0 && hard !== undefined && /^[+-]?\d+$/.test(soft ?? '');
  if (!valid || !/^[+-]?\d+$/.test(hard)) {
    return shapeError(ctx, path, value, {
      message:
        hard === undefined
          ? `Unknown value '${value}' for concurrency limits`
          : `Can not convert '${value}': invalid syntax`,
      expected: '"<soft>,<hard>", like "20,25"',
      hint: 'write [services.concurrency] with soft_limit and hard_limit instead',
    });
  }
  const out = { type: 'requests', hard_limit: Number(hard), soft_limit: Number(soft) };
  ctx.sources.set(out, path);
  return out;
}

// Go's %T of the decoded TOML value, which flyctl prints in this message.
function goKindOf(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return describeValue(value);
}

/** `auto_stop_machines`: "off" | "stop" | "suspend", or a boolean (false = off, true = stop). */
export const autostop: Decoder = (value, path, ctx) => {
  if (value === true) return 'stop';
  if (value === false) return 'off';
  if (value === 'off' || value === 'stop' || value === 'suspend') return value;
  return typeError(ctx, path, value, 'autostop', '"off", "stop", "suspend", true or false');
};

/** `[[vm]] memory`, `[[mounts]] initial_size`: numbers are stringified ("512"). */
export const stringified: Decoder = (value) => goString(value);

/** Check headers: a table of name = value, or an array of {name, value} tables. */
export const headers: Decoder = (value, path, ctx) => {
  if (isTable(value)) return headerTable(value, path, ctx);
  if (!Array.isArray(value)) return headerError(ctx, path, value);

  const out: Record<string, string> = {};
  for (const [i, item] of value.entries()) {
    if (!isTable(item) || !('name' in item)) return headerError(ctx, [...path, i], item);
    out[goString(item.name)] = goString(item.value ?? '');
  }
  ctx.sources.set(out, path);
  return Object.keys(out).length > 0 ? out : undefined;
};

function headerTable(value: Record<string, unknown>, path: KeyPath, ctx: DecodeContext) {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) out[name] = goString(raw);
  ctx.sources.set(out, path);
  return Object.keys(out).length > 0 ? out : undefined;
}

function headerError(ctx: DecodeContext, path: KeyPath, value: unknown): undefined {
  return shapeError(ctx, path, value, {
    message: `Unsupported headers format ${goString(value)}`,
    expected: 'a table of Header-Name = "value", or items with name and value',
    hint: 'write [services.http_checks.headers] followed by Header-Name = "value" lines',
  });
}

/** Check durations: a bare number is milliseconds. */
export const checkDuration = patchedDuration(1, 'milliseconds');
/** kill_timeout: a bare number is seconds. */
export const killTimeout = patchedDuration(1000, 'seconds');

interface ShapeMessage {
  readonly message: string;
  readonly expected: string;
  readonly hint: string;
}

function shapeError(ctx: DecodeContext, path: KeyPath, value: unknown, text: ShapeMessage) {
  ctx.fail('legacy-shape', path, text.message, {
    expected: text.expected,
    found: describeValue(value),
    hint: text.hint,
  });
  return undefined;
}
