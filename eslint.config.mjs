// Guardrails as code (run by `npm test`): workflow code stays deterministic and free of I/O, and no
// promise is left floating. Type-aware rules use the TypeScript project (typescript-eslint's project service).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['vitest.config.ts', 'lib/**', 'node_modules/**', 'packages/*/dist/**', 'coverage/**', 'test/fixtures/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Public entry points only: the SDK's lib/ paths change without notice between releases.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@temporalio/*/lib/*'], message: 'Import from the package entry point.' }] }],
    },
  },
  {
    // Temporal replays workflow code: no Node built-ins, and activities only as types (proxyActivities).
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins (do I/O in an activity).' })),
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only, through proxyActivities.',
            },
            {
              group: ['axios', 'pg', 'csv-parse', 'libphonenumber-js', '**/klaviyo/client', '**/klaviyo/http', '**/config', '**/credentials'],
              allowTypeImports: true,
              message: 'Workflow code does no I/O and reads no environment; call an activity.',
            },
          ],
        },
      ],
    },
  },
);
