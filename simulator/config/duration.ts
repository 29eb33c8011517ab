// Go's time.ParseDuration and Duration.String, which flyctl uses for every duration in fly.toml.

const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export type DurationParse =
  { readonly ok: true; readonly ns: number } | { readonly ok: false; readonly error: string };

/** Parses a Go duration string (`"1m30s"`, `"300ms"`); the error text is Go's own. */
export function parseGoDuration(text: string): DurationParse {
  const invalid = { ok: false, error: `time: invalid duration "${text}"` } as const;
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return { ok: true, ns: 0 };
  if (body === '') return invalid;

  let ns = 0;
  const unitPattern = /(\d*\.?\d*)([^\d.]*)/y;
  for (let at = 0; at < body.length;) {
    unitPattern.lastIndex = at;
    const match = unitPattern.exec(body);
    const [whole = '', amount = '', unit = ''] = match ?? [];
    if (whole === '' || amount === '' || amount === '.') return invalid;
    if (unit === '') return { ok: false, error: `time: missing unit in duration "${text}"` };
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined)
      return { ok: false, error: `time: unknown unit "${unit}" in duration "${text}"` };
    ns += Number(amount) * scale;
    at += whole.length;
  }

  return { ok: true, ns: text.startsWith('-') ? -ns : ns };
}

/** Formats milliseconds the way Go prints a time.Duration (`1m21s`, `500ms`, `3m0s`). */
export function formatGoDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  if (ns < 0) return `-${formatGoDuration(-ms)}`;
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trimFraction(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trimFraction(ns / 1e6)}ms`;

  const hours = Math.floor(ns / 3600e9);
  const minutes = Math.floor((ns % 3600e9) / 60e9);
  const seconds = `${trimFraction((ns % 60e9) / 1e9)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}
