import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlysimError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';

export type SecretStatus = 'Deployed' | 'Staged';

/** One row of `fly secrets list`: never the value. */
export interface SecretListing {
  readonly name: string;
  readonly digest: string;
  readonly status: SecretStatus;
}

interface StoredSecret {
  readonly value: string;
  readonly digest: string;
  /** The digest machines last started with; absent until the first deploy. */
  readonly deployedDigest?: string;
}

type AppSecrets = Record<string, StoredSecret>;

/** Values shorter than this are not redacted: they would blank out ordinary words and numbers. */
export const MIN_REDACTED_LENGTH = 4;
export const REDACTED = '[redacted]';
const MAX_VALUE_BYTES = 64 * 1024;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Each app's secrets in `<stateDir>/apps/<app>/secrets.json`, mode 0600. Values leave the store
 * only through `values()`, which the platform uses to build a container's environment.
 */
export class SecretsStore {
  readonly #stateDir: string;
  readonly #events: EventLog | undefined;
  readonly #cache = new Map<string, AppSecrets>();

  constructor(options: { stateDir: string; events?: EventLog }) {
    this.#stateDir = options.stateDir;
    this.#events = options.events;
  }

  /** Sets secrets; they stay Staged until `markDeployed`. */
  set(app: string, values: Readonly<Record<string, string>>): void {
    const secrets = { ...this.#load(app) };
    for (const [name, value] of Object.entries(values)) {
      validate(app, name, value);
      const previous = secrets[name];
      secrets[name] = { ...previous, value, digest: secretDigest(value) };
    }
    this.#save(app, secrets);

    const names = Object.keys(values);
    const digests = names.map((name) => secrets[name]?.digest ?? '');
    this.#events?.append({ type: 'secrets.changed', app, action: 'set', names, digests });
  }

  unset(app: string, names: readonly string[]): void {
    const secrets = { ...this.#load(app) };
    for (const name of names) delete secrets[name];
    this.#save(app, secrets);
    this.#events?.append({
      type: 'secrets.changed',
      app,
      action: 'unset',
      names: [...names],
      digests: [],
    });
  }

  list(app: string): SecretListing[] {
    return Object.entries(this.#load(app))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, secret]) => ({
        ...{ name, digest: secret.digest },
        status: secret.deployedDigest === secret.digest ? 'Deployed' : 'Staged',
      }));
  }

  /** Name → value, for a machine's environment at container start and nothing else. */
  values(app: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.#load(app)).map(([name, secret]) => [name, secret.value]),
    );
  }

  /** Records that machines now run with the current values: every secret becomes Deployed. */
  markDeployed(app: string): void {
    const secrets = this.#load(app);
    const names = Object.keys(secrets);
    if (names.every((name) => secrets[name]?.deployedDigest === secrets[name]?.digest)) return;

    const deployed = Object.fromEntries(
      Object.entries(secrets).map(([name, secret]) => [
        name,
        { ...secret, deployedDigest: secret.digest },
      ]),
    );
    this.#save(app, deployed);
    this.#events?.append({ type: 'secrets.deployed', app, names });
  }

  /** Replaces every known secret value (of every app this store has opened) in `text`. */
  redact(text: string): string {
    let result = text;
    for (const value of this.#knownValues()) result = result.replaceAll(value, REDACTED);
    return result;
  }

  #knownValues(): string[] {
    const values = [...this.#cache.values()].flatMap((secrets) =>
      Object.values(secrets).map((s) => s.value),
    );
    const long = values.filter((value) => value.length >= MIN_REDACTED_LENGTH);
    return [...new Set(long)].sort((a, b) => b.length - a.length);
  }

  #load(app: string): AppSecrets {
    const cached = this.#cache.get(app);
    if (cached) return cached;

    const file = this.#file(app);
    const secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AppSecrets) : {};
    this.#cache.set(app, secrets);
    return secrets;
  }

  #save(app: string, secrets: AppSecrets): void {
    const dir = join(this.#stateDir, 'apps', app);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.#file(app), `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    // writeFileSync's mode applies only when it creates the file.
    chmodSync(this.#file(app), 0o600);
    this.#cache.set(app, secrets);
  }

  #file(app: string): string {
    return join(this.#stateDir, 'apps', app, 'secrets.json');
  }
}

/**
 * 16 hex characters, as `fly secrets list` shows today. Fly computes it server-side with an
 * unconfirmed algorithm; flysim uses the start of the value's SHA-256.
 */
export function secretDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

function validate(app: string, name: string, value: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new FlysimError(
      'FLYSIM_SECRET_INVALID_NAME',
      `Secret name \`${name}\` for app ${app} is not valid: expected letters, digits and _ not starting with a digit`,
    );
  }
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
    throw new FlysimError(
      'FLYSIM_SECRET_TOO_LARGE',
      `Secret ${name} for app ${app} is ${Buffer.byteLength(value)} bytes; expected at most 65536`,
    );
  }
}
