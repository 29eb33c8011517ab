// The public API of flysim, listed by name (STYLE.md §3).
export { main } from './cli/main.js';
export type { Output } from './cli/main.js';
