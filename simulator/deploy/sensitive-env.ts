// flyctl's warning for `[env]` names that look like secrets (reference §1.5).

const SENSITIVE_PARTS = ['KEY', 'PRIVATE', 'DATABASE_URL', 'PASSWORD', 'SECRET'];
const ALLOWED = new Set(['AWS_ACCESS_KEY_ID', 'TIGRIS_ACCESS_KEY_ID']);

export function sensitiveEnvWarnings(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .filter((name) => !ALLOWED.has(name))
    .filter((name) => SENSITIVE_PARTS.some((part) => name.toUpperCase().includes(part)))
    .sort()
    .map(
      (name) =>
        `WARN ${name} may be a potentially sensitive environment variable. Consider setting it as a secret, and removing it from the [env] section: https://fly.io/docs/apps/secrets/`,
    );
}
