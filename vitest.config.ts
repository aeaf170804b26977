import { defineConfig } from 'vitest/config';

// One root run covers every workspace. The `@omnibus/source` condition resolves sibling packages to their
// TypeScript sources, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['@omnibus/source'] },
  ssr: { resolve: { conditions: ['@omnibus/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Broker suites run side by side against emulators on a 2-core machine; under CI a scenario
    // that failed on a timing margin gets one more try (a real defect fails both).
    retry: process.env.CI === 'true' ? 1 : 0,
  },
});
