import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'engine/**/*.test.ts',
      'electron/**/*.test.ts',
      'renderer/**/*.test.ts',
      'tests/unit/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    // *.slow.test.ts (full-size imports, long trainings) run only with `npm run test:slow`.
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    environment: 'node',
    // Compiles engine/kernels (AssemblyScript → wasm) when its sources changed; quick otherwise.
    globalSetup: ['scripts/vitest-kernels-setup.mjs'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // 2 cores: tfjs tests are CPU-bound; more workers only thrash.
    maxWorkers: 2,
    pool: 'forks',
  },
});
