// ESLint (flat config): @eslint/js and typescript-eslint recommended over the whole tree
// (`npx eslint .` / `npm run lint:fast`, about 15 s here). `npm run lint`, counted in `npm test`,
// runs eslint.typed.config.js: this plus the type-aware promise rules (about 35 s).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export const ignores = {
  ignores: [
    'node_modules/',
    'dist/',
    'out/',
    'release/',
    '.tsbuild/',
    'test-results/',
    'playwright-report/',
    'engine/kernels/build/',
    // Local caches the .gitignore names.
    '.gl/',
    '.whl/',
    'tmp/',
    // AssemblyScript, not TypeScript: `@inline` on functions is not valid TS syntax, and asc
    // (scripts/build-kernels.mjs) type-checks these files itself.
    'engine/kernels/assembly/',
    '**/*.d.ts',
  ],
};

export default tseslint.config(ignores, js.configs.recommended, ...tseslint.configs.recommended, {
  languageOptions: {
    ecmaVersion: 2022,
    sourceType: 'module',
    // The tree holds Node scripts, browser UI code and workers; tsc's per-folder `lib`
    // settings already keep each to its own globals, so ESLint's no-undef-style checks may
    // know them all.
    globals: { ...globals.node, ...globals.browser, ...globals.worker },
  },
  linterOptions: { reportUnusedDisableDirectives: 'error' },
  rules: {
    // A leading underscore marks a value left unused on purpose (a destructured field being
    // dropped, a required callback parameter).
    '@typescript-eslint/no-unused-vars': [
      'error',
      {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      },
    ],
    // Every control character in the tree's regexes is deliberate: they are the sanitisers
    // of untrusted text (export/textSafety.ts, generated Python, file names, search input),
    // which is exactly what this rule flags.
    'no-control-regex': 'off',
  },
});
