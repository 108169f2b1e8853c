import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// `npm run test:slow`: the opt-in checks that take minutes (full-size checkpoints, long trainings).
export default defineConfig({
  test: { ...base.test, include: ['**/*.slow.test.ts'], exclude: ['**/node_modules/**'], passWithNoTests: true },
});
