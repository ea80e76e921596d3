import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Differential suites run many processes inside private namespaces.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: the namespace suites are heavy; keep file-level parallelism modest.
    maxWorkers: 2,
  },
});
