// Where each key of a parsed file sits, so every problem can name file:line:column.

import type { SourcePosition } from './problem.js';

export type KeyPath = readonly (string | number)[];

/** Positions of keys and array items, looked up by key path. */
export class PositionIndex {
  readonly #positions = new Map<string, SourcePosition>();

  /** Records the first position seen for `path`; later duplicates keep the first. */
  add(path: KeyPath, position: SourcePosition): void {
    const key = pathKey(path);
    if (!this.#positions.has(key)) this.#positions.set(key, position);
  }

  /** The position of `path`, else of its nearest recorded parent, else line 1 column 1. */
  locate(path: KeyPath): SourcePosition {
    for (let length = path.length; length > 0; length--) {
      const found = this.#positions.get(pathKey(path.slice(0, length)));
      if (found !== undefined) return found;
    }
    return { line: 1, column: 1 };
  }

  get size(): number {
    return this.#positions.size;
  }
}

function pathKey(path: KeyPath): string {
  return path.join('\u001f');
}
