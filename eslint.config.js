// ESLint (flat config): @eslint/js and typescript-eslint recommended over the whole tree.
// `npm run lint`. The type checker (tsc -b) already does what type-aware rules would add to
// most of these checks, and a type-aware run over ~500 files costs minutes on a small machine,
// so the rules here are the syntactic ones (see the README's Lint section).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      'release/',
      '.tsbuild/',
      'test-results/',
      'playwright-report/',
      'engine/kernels/build/',
      // AssemblyScript (decorators on functions, v128): compiled and checked by asc, not tsc/eslint.
      'engine/kernels/assembly/',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser, ...globals.worker },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {},
  },
);
