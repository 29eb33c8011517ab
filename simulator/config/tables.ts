// Tables and arrays of tables: the decoders that know which keys exist, so every other key is
// reported as unknown (with a "did you mean") instead of vanishing as it does in flyctl.

import { isTable, typeError, type DecodeContext, type Decoder } from './decode.js';
import type { KeyPath } from './positions.js';
import { describeValue } from './problem.js';

export interface TableSpec {
  readonly fields: Readonly<Record<string, Decoder>>;
  /** Keys read by a legacy patch elsewhere: known, but not decoded here. */
  readonly consumed?: readonly string[];
  /** flyctl deletes the section when it has no keys. */
  readonly dropWhenEmpty?: boolean;
}

// Sections flyctl's legacy patches turn into typed slices, which `--strict` never looks inside.
const STRICT_BLIND = new Set(['services', 'mounts', 'mount', 'vm', 'compute', 'computes']);
const STRICT_BLIND_TOO = new Set(['metrics', 'metric']);

/** Keys of the Nomad era (platform v1) that Fly Machines no longer read, with what to do. */
const OBSOLETE: Readonly<Record<string, string>> = {
  script_checks:
    'script checks ran on the Nomad platform only; use [[services.tcp_checks]], ' +
    '[[services.http_checks]] or a top-level [checks.<name>], or remove it',
  allowed_public_ports: 'a Nomad-era setting that Fly Machines ignore; remove it',
  private_network: 'every Machine is on the private network already; remove it',
};

export function table(spec: TableSpec): Decoder {
  return (value, path, ctx) => {
    if (!isTable(value)) return typeError(ctx, path, value, 'struct', 'a table');
    if (spec.dropWhenEmpty === true && Object.keys(value).length === 0) return undefined;

    const out: Record<string, unknown> = {};
    ctx.sources.set(out, path);
    for (const [key, raw] of Object.entries(value)) {
      readField(spec, key, raw, [...path, key], ctx, out);
    }
    return out;
  };
}

function readField(
  spec: TableSpec,
  key: string,
  raw: unknown,
  path: KeyPath,
  ctx: DecodeContext,
  out: Record<string, unknown>,
): void {
  const decoder = spec.fields[key];
  if (decoder === undefined) {
    if (!(spec.consumed ?? []).includes(key)) reportUnknown(ctx, path, Object.keys(spec.fields));
    return;
  }
  if (raw === null || raw === undefined) return;

  const decoded = decoder(raw, path, ctx);
  if (decoded !== undefined) out[key] = decoded;
}

export function reportUnknown(ctx: DecodeContext, path: KeyPath, known: readonly string[]): void {
  const key = String(path.at(-1));
  const flyctlStrict = isStrictVisible(path);
  const obsolete = OBSOLETE[key];
  if (obsolete !== undefined) {
    ctx.report('warning', 'obsolete-key', path, `obsolete key \`${key}\` is ignored`, {
      hint: obsolete,
      flyctlStrict,
    });
    return;
  }

  const suggestion = closestKey(key, known);
  const where = path.length > 1 ? ` in [${path.slice(0, -1).join('.')}]` : '';
  ctx.report('warning', 'unknown-key', path, `unknown key \`${key}\`${where} is ignored`, {
    hint:
      suggestion === undefined
        ? `remove it; known keys here: ${known.join(', ')}`
        : `did you mean \`${suggestion}\`?`,
    flyctlStrict,
  });
}

function isStrictVisible(path: KeyPath): boolean {
  const top = String(path[0]);
  return !(STRICT_BLIND.has(top) || (STRICT_BLIND_TOO.has(top) && path.length > 1));
}

/** The known key nearest to `key` (same letters once case and dashes are ignored, or within a
 * small edit distance), if any is near enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const normal = (text: string) => text.toLowerCase().replace(/-/g, '_');
  const exact = known.find((candidate) => normal(candidate) === normal(key));
  if (exact !== undefined) return exact;

  const limit = key.length <= 4 ? 1 : key.length <= 8 ? 2 : 3;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(normal(key), normal(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export interface ArraySpec {
  /** Go slice element type, for messages (`[]Restart`). */
  readonly goType: string;
  /** flyctl's ensureArrayOfMap patch: a single table is accepted and becomes one item. */
  readonly singleTable?: boolean;
  /** The label flyctl's patch error uses (`Error processing services: ...`). */
  readonly label?: string;
}

/** An array of tables, each item read by `item`; items `item` drops are left out. */
export function tableArray(item: Decoder, spec: ArraySpec): Decoder {
  return (value, path, ctx) => {
    const items = spec.singleTable === true ? ensureArrayOfTables(value, path, ctx, spec) : value;
    if (items === undefined) return undefined;
    if (!Array.isArray(items))
      return typeError(ctx, path, value, spec.goType, 'an array of tables');

    const out = decodeItems(items, item, path, ctx);
    ctx.sources.set(out, path);
    return out;
  };
}

function decodeItems(items: unknown[], item: Decoder, path: KeyPath, ctx: DecodeContext) {
  const out: unknown[] = [];
  items.forEach((raw, i) => {
    const decoded = item(raw, [...path, i], ctx);
    if (decoded !== undefined) out.push(decoded);
  });
  return out;
}

/** Accepts one table or an array of tables, as flyctl's patches do for services, mounts, ... */
export function ensureArrayOfTables(
  value: unknown,
  path: KeyPath,
  ctx: DecodeContext,
  spec: ArraySpec,
): unknown[] | undefined {
  if (isTable(value)) return [value];
  const label = spec.label === undefined ? '' : `Error processing ${spec.label}: `;

  if (!Array.isArray(value)) {
    ctx.fail('legacy-shape', path, `${label}Unknown type '${describeValue(value)}'`, {
      expected: 'a table, or an array of tables',
      found: describeValue(value),
      hint: `write it as [[${path.join('.')}]] sections`,
    });
    return undefined;
  }

  const items: unknown[] = value;
  const bad = items.findIndex((item) => !isTable(item));
  if (bad < 0) return items;
  ctx.fail('legacy-shape', [...path, bad], `${label}Can not cast item ${bad} as a table`, {
    expected: 'every item to be a table',
    found: describeValue(value[bad]),
    hint: `write each item as a table, like [[${path.join('.')}]]`,
  });
  return undefined;
}
