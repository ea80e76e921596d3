import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Differential suites run many processes inside private namespaces.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: the namespace suites are heavy; keep file-level parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Every test folder but test/property (an exclude here would replace the command line's --exclude).
        test: { name: 'suite', include: ['test/*.test.ts', 'test/!(property)/**/*.test.ts'] },
      },
      {
        // The property files are pure functions of generated input over the
        // same few modules (fast-check, the parsers): loading those once per
        // worker instead of once per file takes a third off their CPU time.
        // Nothing in them keeps state between files (test/property/README.md).
        extends: true,
        test: { name: 'property', include: ['test/property/**/*.test.ts'], isolate: false },
      },
    ],
  },
});
