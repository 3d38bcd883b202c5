// Lint conventions from STYLE.md: named exports only, no `export *`, no console, no floating
// promises, type-only imports; services never import each other (they meet in shared-api).
import tseslint from 'typescript-eslint';

const services = ['galley', 'pilot', 'citadel', 'mixer', 'sidecar'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md 1).' },
        { selector: 'ExportAllDeclaration', message: 'No `export *`: list what the package exports (STYLE.md 1).' },
      ],
    },
  },
  ...services.map((svc) => ({
    files: [`packages/${svc}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: services.filter((s) => s !== svc).map((s) => `@mesh/${s}`).concat(services.filter((s) => s !== svc).map((s) => `@mesh/${s}/*`)),
              message: 'Services never import each other; share contracts through @mesh/shared-api.',
            },
            { group: ['../../*/src/*', '../../../*/src/*'], message: 'Do not reach into another package by path.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
