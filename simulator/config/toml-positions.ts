// A small TOML scanner that records where keys, tables and array items start. It runs only on
// text smol-toml has accepted, so it can skip over anything it does not need to understand.

import { PositionIndex, type KeyPath } from './positions.js';

interface Cursor {
  readonly text: string;
  at: number;
  line: number;
  lineStart: number;
}

type Segment = string | number;

/** Indexes every key of a valid TOML document by its path (array-of-tables items numbered). */
export function indexTomlPositions(text: string): PositionIndex {
  const index = new PositionIndex();
  const cursor: Cursor = { text, at: 0, line: 1, lineStart: 0 };
  const arrayCounts = new Map<string, number>();
  let table: Segment[] = [];

  while (cursor.at < text.length) {
    const before = cursor.at;
    skipBlank(cursor);
    const char = text[cursor.at];

    if (char === '[') table = readHeader(cursor, index, arrayCounts);
    else if (char !== undefined && char !== '\n') readKeyValue(cursor, index, table);

    skipToLineEnd(cursor);
    if (cursor.at === before) advance(cursor);
  }

  return index;
}

function readHeader(cursor: Cursor, index: PositionIndex, counts: Map<string, number>): Segment[] {
  const isArray = cursor.text[cursor.at + 1] === '[';
  const position = here(cursor);
  cursor.at += isArray ? 2 : 1;

  const keys = readKey(cursor);
  const path: Segment[] = [];
  keys.forEach((key, i) => {
    path.push(key);
    const count = counts.get(countKey(path));
    const last = i === keys.length - 1;
    if (last && isArray) {
      index.add(path, position);
      counts.set(countKey(path), (count ?? 0) + 1);
      path.push(count ?? 0);
    } else if (count !== undefined) {
      path.push(count - 1);
    }
  });

  index.add(path, position);
  return path;
}

function countKey(path: readonly Segment[]): string {
  return path.join('\u001f');
}

function readKeyValue(cursor: Cursor, index: PositionIndex, table: readonly Segment[]): void {
  const position = here(cursor);
  const keys = readKey(cursor);
  if (keys.length === 0) return;

  keys.forEach((_, i) => index.add([...table, ...keys.slice(0, i + 1)], position));
  skipSpaces(cursor);
  if (cursor.text[cursor.at] !== '=') return;
  cursor.at++;
  readValue(cursor, index, [...table, ...keys]);
}

/** Reads a dotted key (`a."b.c".d`) and leaves the cursor after it. */
function readKey(cursor: Cursor): string[] {
  const keys: string[] = [];
  for (;;) {
    skipSpaces(cursor);
    const key = readKeyPart(cursor);
    if (key === undefined) return keys;
    keys.push(key);
    skipSpaces(cursor);
    if (cursor.text[cursor.at] !== '.') return keys;
    cursor.at++;
  }
}

function readKeyPart(cursor: Cursor): string | undefined {
  const char = cursor.text[cursor.at];
  if (char === '"' || char === "'") return readQuotedKey(cursor, char);

  const match = /[A-Za-z0-9_-]+/y;
  match.lastIndex = cursor.at;
  const found = match.exec(cursor.text)?.[0];
  if (found !== undefined) cursor.at += found.length;
  return found;
}

function readQuotedKey(cursor: Cursor, quote: string): string {
  const start = cursor.at;
  skipString(cursor);
  const raw = cursor.text.slice(start, cursor.at);
  if (quote === "'") return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    // A TOML escape JSON does not know (\e, \x..): the raw text still names the key well enough.
    return raw.slice(1, -1);
  }
}

function readValue(cursor: Cursor, index: PositionIndex, path: KeyPath): void {
  skipSpaces(cursor);
  const char = cursor.text[cursor.at];
  if (char === '"' || char === "'") skipString(cursor);
  else if (char === '[') readInlineArray(cursor, index, path);
  else if (char === '{') readInlineTable(cursor, index, path);
  else skipScalar(cursor);
}

function readInlineArray(cursor: Cursor, index: PositionIndex, path: KeyPath): void {
  cursor.at++;
  for (let item = 0; cursor.at < cursor.text.length;) {
    skipBlankAndComments(cursor);
    const char = cursor.text[cursor.at];
    if (char === ']') return void cursor.at++;
    if (char === ',') {
      cursor.at++;
      item++;
      continue;
    }
    const before = cursor.at;
    index.add([...path, item], here(cursor));
    readValue(cursor, index, [...path, item]);
    if (cursor.at === before) cursor.at++;
  }
}

function readInlineTable(cursor: Cursor, index: PositionIndex, path: KeyPath): void {
  cursor.at++;
  while (cursor.at < cursor.text.length) {
    skipSpaces(cursor);
    const char = cursor.text[cursor.at];
    if (char === '}') return void cursor.at++;
    if (char === ',') {
      cursor.at++;
      continue;
    }
    const before = cursor.at;
    readKeyValue(cursor, index, path);
    if (cursor.at === before) cursor.at++;
  }
}

function skipString(cursor: Cursor): void {
  const { text } = cursor;
  const quote = text[cursor.at] ?? '"';
  const triple = text.startsWith(quote.repeat(3), cursor.at);
  const closing = triple ? quote.repeat(3) : quote;
  cursor.at += closing.length;

  while (cursor.at < text.length) {
    const char = text[cursor.at];
    if (char === '\\' && quote === '"') cursor.at++;
    else if (text.startsWith(closing, cursor.at)) return skipClosing(cursor, quote, closing);
    else if (char === '\n') newLine(cursor);
    cursor.at++;
  }
}

// A multi-line string may end with up to two extra quotes right before its closing delimiter.
function skipClosing(cursor: Cursor, quote: string, closing: string): void {
  cursor.at += closing.length;
  while (closing.length === 3 && cursor.text[cursor.at] === quote) cursor.at++;
}

function skipScalar(cursor: Cursor): void {
  while (cursor.at < cursor.text.length && !',]}\n#'.includes(cursor.text[cursor.at] ?? '\n')) {
    cursor.at++;
  }
}

function skipSpaces(cursor: Cursor): void {
  while (cursor.text[cursor.at] === ' ' || cursor.text[cursor.at] === '\t') cursor.at++;
}

function skipBlank(cursor: Cursor): void {
  for (;;) {
    skipSpaces(cursor);
    if (cursor.text[cursor.at] !== '\r') return;
    cursor.at++;
  }
}

function skipBlankAndComments(cursor: Cursor): void {
  for (;;) {
    skipBlank(cursor);
    const char = cursor.text[cursor.at];
    if (char === '#') skipComment(cursor);
    else if (char === '\n') advance(cursor);
    else return;
  }
}

function skipComment(cursor: Cursor): void {
  while (cursor.at < cursor.text.length && cursor.text[cursor.at] !== '\n') cursor.at++;
}

function skipToLineEnd(cursor: Cursor): void {
  skipComment(cursor);
  if (cursor.text[cursor.at] === '\n') advance(cursor);
}

function advance(cursor: Cursor): void {
  if (cursor.text[cursor.at] === '\n') newLine(cursor);
  cursor.at++;
}

function newLine(cursor: Cursor): void {
  cursor.line++;
  cursor.lineStart = cursor.at + 1;
}

function here(cursor: Cursor): { line: number; column: number } {
  return { line: cursor.line, column: cursor.at - cursor.lineStart + 1 };
}
