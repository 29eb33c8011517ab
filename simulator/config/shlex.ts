// Shell-style word splitting as flyctl does it (google/shlex) for release_command, [processes]
// and console_command: quotes group words, a backslash escapes, and an open quote is an error.

export type ShellSplit =
  | { readonly ok: true; readonly words: readonly string[] }
  | { readonly ok: false; readonly error: string };

interface SplitState {
  readonly words: string[];
  word: string | undefined;
  quote: '"' | "'" | undefined;
  escaped: boolean;
}

/** Splits `command` into words; comments (`#` at a word start) end the command, as in shlex. */
export function shellSplit(command: string): ShellSplit {
  const state: SplitState = { words: [], word: undefined, quote: undefined, escaped: false };

  for (const char of command) {
    if (state.word === undefined && state.quote === undefined && !state.escaped && char === '#') {
      break;
    }
    step(state, char);
  }

  if (state.escaped) return { ok: false, error: 'EOF found after escape character' };
  if (state.quote !== undefined)
    return { ok: false, error: 'EOF found when expecting closing quote' };
  if (state.word !== undefined) state.words.push(state.word);
  return { ok: true, words: state.words };
}

function step(state: SplitState, char: string): void {
  if (state.escaped) {
    state.word = (state.word ?? '') + char;
    state.escaped = false;
  } else if (state.quote === "'") {
    if (char === "'") state.quote = undefined;
    else state.word = (state.word ?? '') + char;
  } else if (char === '\\') {
    state.escaped = true;
  } else if (state.quote === '"') {
    if (char === '"') state.quote = undefined;
    else state.word = (state.word ?? '') + char;
  } else {
    stepUnquoted(state, char);
  }
}

function stepUnquoted(state: SplitState, char: string): void {
  if (char === '"' || char === "'") {
    state.quote = char;
    state.word ??= '';
  } else if (/\s/.test(char)) {
    if (state.word !== undefined) state.words.push(state.word);
    state.word = undefined;
  } else {
    state.word = (state.word ?? '') + char;
  }
}
