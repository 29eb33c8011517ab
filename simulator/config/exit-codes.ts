// `flysim config validate` exit codes: 0 all valid (warnings allowed), 1 any invalid, 2 any file
// that cannot be read or parsed.

import type { ConfigStatus } from './load.js';

export function exitCodeFor(statuses: readonly ConfigStatus[]): 0 | 1 | 2 {
  if (statuses.includes('unreadable')) return 2;
  return statuses.includes('invalid') ? 1 : 0;
}
