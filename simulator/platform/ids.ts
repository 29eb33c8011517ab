import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** Where ids get their randomness; tests pass a seeded source. */
export type RandomSource = (bytes: number) => Uint8Array;

const ADJECTIVES = [
  'ancient',
  'autumn',
  'billowing',
  'bitter',
  'black',
  'blue',
  'bold',
  'broken',
  'cold',
  'crimson',
  'damp',
  'dark',
  'dawn',
  'delicate',
  'divine',
  'dry',
  'empty',
  'falling',
  'fragrant',
  'frosty',
  'gentle',
  'green',
  'hidden',
  'holy',
  'icy',
  'late',
  'lingering',
  'little',
  'lively',
  'long',
  'misty',
  'morning',
  'muddy',
  'nameless',
  'old',
  'patient',
  'polished',
  'proud',
  'purple',
  'quiet',
  'red',
  'restless',
  'rough',
  'shy',
  'silent',
  'small',
  'snowy',
  'solitary',
  'sparkling',
  'spring',
  'still',
  'summer',
  'twilight',
  'wandering',
  'weathered',
  'white',
  'wild',
  'winter',
  'wispy',
  'young',
] as const;

const NOUNS = [
  'bird',
  'breeze',
  'brook',
  'bush',
  'butterfly',
  'cherry',
  'cloud',
  'darkness',
  'dawn',
  'dew',
  'dream',
  'dust',
  'feather',
  'field',
  'fire',
  'firefly',
  'flower',
  'fog',
  'forest',
  'frog',
  'frost',
  'glade',
  'glitter',
  'grass',
  'haze',
  'hill',
  'lake',
  'leaf',
  'meadow',
  'moon',
  'morning',
  'mountain',
  'night',
  'paper',
  'pine',
  'pond',
  'rain',
  'resonance',
  'river',
  'sea',
  'shadow',
  'shape',
  'silence',
  'sky',
  'smoke',
  'snow',
  'snowflake',
  'sound',
  'star',
  'sun',
  'sunset',
  'surf',
  'thunder',
  'tree',
  'violet',
  'voice',
  'water',
  'waterfall',
  'wave',
  'wildflower',
] as const;

const defaultRandom: RandomSource = (bytes) => randomBytes(bytes);

/** A machine id: 14 lowercase hex characters, like `3287eeeb342085`. */
export function newMachineId(random: RandomSource = defaultRandom): string {
  return Buffer.from(random(7)).toString('hex');
}

/** A machine name: adjective-noun-number, like `muddy-violet-4491`. */
export function newMachineName(random: RandomSource = defaultRandom): string {
  const [a = 0, n = 0, high = 0, low = 0] = random(4);
  const number = ((high << 8) | low) % 10_000;
  return `${ADJECTIVES[a % ADJECTIVES.length]}-${NOUNS[n % NOUNS.length]}-${number}`;
}

/** Machine versions are ULIDs stamped with platform time and strictly increasing. */
export function machineVersionFactory(random?: RandomSource): (platformTimeMs: number) => string {
  const next = random ? monotonicFactory(() => (random(1)[0] ?? 0) / 256) : monotonicFactory();
  return (platformTimeMs) => next(platformTimeMs);
}

export const MACHINE_ID_PATTERN = /^[0-9a-f]{14}$/;
export const MACHINE_NAME_PATTERN = /^[a-z]+-[a-z]+-\d{1,4}$/;
