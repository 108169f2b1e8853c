// `npm run lint` (and one counted test of `npm test`): the base config plus the promise rules
// that need the type checker (about 35 s on this 2-core machine; the base alone about 15 s).
import tseslint from 'typescript-eslint';
import base from './eslint.config.js';

export default tseslint.config(...base, {
  files: ['**/*.ts', '**/*.tsx'],
  languageOptions: {
    parserOptions: {
      // The two build configs at the root belong to no tsconfig project.
      projectService: { allowDefaultProject: ['vite.config.ts', 'vitest.slow.config.ts'] },
      tsconfigRootDir: import.meta.dirname,
    },
  },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    '@typescript-eslint/await-thenable': 'error',
  },
});
