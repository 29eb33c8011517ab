import { readFileSync } from 'node:fs';

/** How one official image is replaced when no registry can be reached. */
export interface StandIn {
  /** The local image built from Debian's archive, e.g. `flysim/postgres:15`. */
  readonly standIn: string;
  /** The folder under `simulator/images/` that holds its Dockerfile. */
  readonly context: string;
  readonly note: string;
}

/** The single record of official image → stand-in; `scripts/build-images.sh` reads it too. */
export const STAND_INS_FILE = new URL('./stand-ins.json', import.meta.url);

export function loadStandIns(): ReadonlyMap<string, StandIn> {
  const raw = JSON.parse(readFileSync(STAND_INS_FILE, 'utf8')) as Record<string, StandIn>;
  return new Map(Object.entries(raw));
}

/**
 * Picks the image to run for `official`: the official image when the engine has it, else its
 * stand-in. Names without a stand-in are returned unchanged.
 */
export async function resolveImage(
  official: string,
  hasImage: (name: string) => Promise<boolean>,
  standIns: ReadonlyMap<string, StandIn> = loadStandIns(),
): Promise<string> {
  const entry = standIns.get(official);
  if (entry === undefined || (await hasImage(official))) return official;
  return entry.standIn;
}
