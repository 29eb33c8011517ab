// Reads fly.toml / fly.json / fly.yaml text into plain data plus a key position index.

import { parse as parseToml, TomlError } from 'smol-toml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { PositionIndex, type KeyPath } from './positions.js';
import type { SourcePosition } from './problem.js';
import { indexTomlPositions } from './toml-positions.js';

export type ConfigFormat = 'toml' | 'json' | 'yaml';

export type ParsedSource =
  | { readonly ok: true; readonly data: unknown; readonly positions: PositionIndex }
  | { readonly ok: false; readonly message: string; readonly position: SourcePosition };

/** Picks the format by extension as flyctl does: .json, .yaml (and .yml), anything else TOML. */
export function formatForPath(path: string): ConfigFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return 'toml';
}

export function parseSource(text: string, format: ConfigFormat): ParsedSource {
  return format === 'toml' ? parseTomlSource(text) : parseYamlSource(text, format);
}

function parseTomlSource(text: string): ParsedSource {
  try {
    const data = parseToml(text);
    return { ok: true, data, positions: indexTomlPositions(text) };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? '';
    return { ok: false, message, position: { line: error.line, column: error.column } };
  }
}

// The yaml package reads JSON too (JSON is YAML 1.2), and keeps every node's source range.
function parseYamlSource(text: string, format: ConfigFormat): ParsedSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const [first] = document.errors;
  if (first !== undefined) {
    const position = toPosition(lineCounter, first.pos[0]);
    return { ok: false, message: `${format.toUpperCase()}: ${first.message}`, position: position };
  }

  const positions = new PositionIndex();
  indexYamlNode(document.contents, [], positions, lineCounter);
  return { ok: true, data: document.toJS({ maxAliasCount: 100 }) as unknown, positions };
}

function indexYamlNode(
  node: Node | null,
  path: KeyPath,
  positions: PositionIndex,
  lines: LineCounter,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const childPath = [...path, String(pair.key.value)];
      const start = pair.key.range?.[0];
      if (start !== undefined) positions.add(childPath, toPosition(lines, start));
      indexYamlNode(pair.value as Node | null, childPath, positions, lines);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const start = (item as Node | null)?.range?.[0];
      if (start !== undefined) positions.add([...path, i], toPosition(lines, start));
      indexYamlNode(item as Node | null, [...path, i], positions, lines);
    });
  }
}

function toPosition(lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
