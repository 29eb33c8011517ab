import { defineConfig } from 'vitest/config';

// testcontainers reads these itself: no reaper (its image cannot be pulled offline; flysim cleans
// up by label instead), and reach published ports on loopback (docker-offline.md).
const containerEnv = {
  TESTCONTAINERS_RYUK_DISABLED: 'true',
  TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
};

export default defineConfig({
  test: {
    env: containerEnv,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Pure logic with no module-level state: one worker thread per core and no per-file
          // isolation takes the project from about 17 s to about 6 s on two cores.
          pool: 'threads',
          isolate: false,
          include: ['simulator/**/*.test.ts', 'service/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.e2e.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [
            'simulator/**/*.e2e.test.ts',
            'service/**/*.e2e.test.ts',
            'test/**/*.e2e.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: containers from parallel files starve each other's timers.
          fileParallelism: false,
        },
      },
    ],
  },
});
