import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The e2e project needs the images: the stand-ins for official images that cannot be pulled, and
 * the sample app's `grupo-gad:local`. Both scripts are cached, so this costs about a second when
 * nothing changed; they fail with one line naming the fix when no Docker engine answers.
 */
export default function setup(): void {
  execFileSync('bash', ['scripts/build-image.sh'], { cwd: ROOT, stdio: 'inherit' });
}
