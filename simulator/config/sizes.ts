// Volume sizes as flyctl reads them (helpers.ParseSize with docker's FromHumanSize): a bare
// number is GB, units are decimal (`15Mb` is 15,000,000 bytes, so 0 GB).

export type SizeParse =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

const DECIMAL: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  p: 1e15,
};

export function sizeInGb(text: string): SizeParse {
  if (/^\d+$/.test(text)) return { ok: true, value: Number(text) };

  const match = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  const scale = DECIMAL[(match?.[2] ?? '').toLowerCase()];
  if (match === null || scale === undefined) return { ok: false, error: `invalid size: '${text}'` };
  return { ok: true, value: Math.trunc((Number.parseFloat(match[1] ?? '0') * scale) / 1e9) };
}
