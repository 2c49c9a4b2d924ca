// ESLint (flat config) with typescript-eslint's type-aware rules, over src/, test/ and bench/. Formatting is
// Prettier's job (.prettierrc), so no stylistic rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'assembly/', 'test/fixtures/types-consumer/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Values from JSON, storage and user modules are `unknown`/`any` by nature; the checks below catch misuse.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `void promise` marks a deliberate fire-and-forget.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { ignoreVoid: true, allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Error messages show whatever the user passed (`got ${v}`), and String(v) is the deliberate last resort there.
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // Ambient typings (e.g. WebAssembly's, absent from lib ES2022) are declared as namespaces.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // Interfaces like Storage are async by contract; a backend may have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The numeric code indexes typed arrays with `!` (written for noUncheckedIndexedAccess) and keeps published
    // coefficients digit for digit, beyond what a double holds.
    files: ['src/numeric/**', 'test/numeric/**', 'bench/**'],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off', 'no-loss-of-precision': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    // fixtures and examples spell out the objective's full signature, (config, ctx)
    rules: { '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }] },
  },
);
