import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { EventLog } from '../events/event-log.js';
import { secretDigest, SecretsStore } from './secrets-store.js';

const dirs: string[] = [];
function store(events?: EventLog): { store: SecretsStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flysim-secrets-'));
  dirs.push(dir);
  return { store: new SecretsStore({ stateDir: dir, ...(events ? { events } : {}) }), dir };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SecretsStore', () => {
  it('should keep secrets per app in a 0600 file that a new store reads back', () => {
    const { store: first, dir } = store();
    first.set('grupo-gad', { SECRET_KEY: 'k'.repeat(32) });
    const file = join(dir, 'apps', 'grupo-gad', 'secrets.json');

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new SecretsStore({ stateDir: dir }).values('grupo-gad')).toEqual({
      SECRET_KEY: 'k'.repeat(32),
    });
    expect(new SecretsStore({ stateDir: dir }).values('other-app')).toEqual({});
  });

  it('should list names with 16-hex digests, Staged until deployed, Staged again when changed', () => {
    const { store: secrets } = store();
    secrets.set('grupo-gad', { JWT_SECRET_KEY: 'first-value', SECRET_KEY: 'other-value' });
    expect(secrets.list('grupo-gad')).toEqual([
      { name: 'JWT_SECRET_KEY', digest: secretDigest('first-value'), status: 'Staged' },
      { name: 'SECRET_KEY', digest: secretDigest('other-value'), status: 'Staged' },
    ]);

    secrets.markDeployed('grupo-gad');
    secrets.set('grupo-gad', { SECRET_KEY: 'changed-value' });
    expect(secrets.list('grupo-gad').map((s) => [s.name, s.status])).toEqual([
      ['JWT_SECRET_KEY', 'Deployed'],
      ['SECRET_KEY', 'Staged'],
    ]);
    expect(secretDigest('asdf')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('should unset secrets', () => {
    const { store: secrets } = store();
    secrets.set('grupo-gad', { A_KEY: 'aaaa', B_KEY: 'bbbb' });
    secrets.unset('grupo-gad', ['A_KEY']);

    expect(Object.keys(secrets.values('grupo-gad'))).toEqual(['B_KEY']);
  });

  it('should record names and digests in events, never values', () => {
    const events = new EventLog({ clock: new VirtualClock() });
    const { store: secrets } = store(events);
    secrets.set('grupo-gad', { DATABASE_URL: 'postgres://u:pw-123456@db/x' });
    secrets.markDeployed('grupo-gad');

    expect(events.toJsonLines()).not.toContain('pw-123456');
    expect(events.query().map((e) => e.type)).toEqual(['secrets.changed', 'secrets.deployed']);
  });

  it('should redact every known value, longest first, and leave very short values alone', () => {
    const { store: secrets } = store();
    secrets.set('grupo-gad', {
      DATABASE_URL: 'postgres://u:s3cr3t-pw@db/x',
      PW: 's3cr3t-pw',
      N: '1',
    });

    expect(
      secrets.redact('connecting to postgres://u:s3cr3t-pw@db/x as pw s3cr3t-pw on 1 host'),
    ).toBe('connecting to [redacted] as pw [redacted] on 1 host');
  });

  it('should refuse a name that cannot be an environment variable', () => {
    const { store: secrets, dir } = store();

    expect(() => secrets.set('grupo-gad', { 'BAD-NAME': 'x' })).toThrow(/Secret name `BAD-NAME`/);
    expect(() => readFileSync(join(dir, 'apps', 'grupo-gad', 'secrets.json'))).toThrow();
  });
});
