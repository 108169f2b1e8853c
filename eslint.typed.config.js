// Type-aware lint (`npm run lint:types`): the base config plus the promise rules that need the
// type checker. Not part of `npm test` because it takes about 1.5 min on a 2-core machine.
import tseslint from 'typescript-eslint';
import base from './eslint.config.js';

export default tseslint.config(...base, {
  files: ['**/*.ts', '**/*.tsx'],
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    '@typescript-eslint/await-thenable': 'error',
  },
});
