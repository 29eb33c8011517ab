// One problem found in a config file, located at file:line:column and named by its key path.

/** `error` makes the file invalid; `warning` does not (but `--strict` raises unknown keys to
 * errors); `notice` says flysim reads a key without emulating it. */
export type ProblemSeverity = 'error' | 'warning' | 'notice';

export type ProblemKind =
  | 'syntax'
  | 'type'
  | 'legacy-shape'
  | 'invalid-value'
  | 'unknown-key'
  | 'obsolete-key'
  | 'not-emulated'
  | 'ignored-by-machines'
  | 'clamped'
  | 'surprising-unit'
  | 'flyctl-warning';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface Problem extends SourcePosition {
  readonly severity: ProblemSeverity;
  readonly kind: ProblemKind;
  readonly file: string;
  /** Dotted key path as written in fly.toml (`services.0.ports.1.port`); '' for the whole file. */
  readonly path: string;
  /** The same path as segments, array items as numbers. */
  readonly segments: readonly (string | number)[];
  /** flyctl's own text where flyctl has one, so it can be searched for. */
  readonly message: string;
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
  /** Unknown keys only: `fly config validate --strict` would report this key too. */
  readonly flyctlStrict?: boolean;
}

/** `fly.toml:12:3: error: services.0.internal_port: <message> (expected ..., found ...)` + hint. */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const key = problem.path === '' ? '' : `${problem.path}: `;
  const detail = describeExpectation(problem);
  const hint = problem.hint === undefined ? '' : `\n    fix: ${problem.hint}`;
  return `${where}: ${problem.severity}: ${key}${problem.message}${detail}${hint}`;
}

function describeExpectation(problem: Problem): string {
  if (problem.expected === undefined && problem.found === undefined) return '';
  const parts = [
    problem.expected === undefined ? undefined : `expected ${problem.expected}`,
    problem.found === undefined ? undefined : `found ${problem.found}`,
  ].filter((part): part is string => part !== undefined);
  return ` (${parts.join(', ')})`;
}

/** Describes a value for a message: its type and a short rendering (`string "8080"`). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === 'object') return isDateLike(value) ? 'a date' : 'a table';
  if (typeof value === 'string') return `string ${JSON.stringify(truncate(value))}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${value}`;
  }
  return typeof value;
}

function isDateLike(value: object): boolean {
  return value instanceof Date;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
