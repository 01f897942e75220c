// Lint is kept small and about architecture: what may import what. Style is the formatter's job.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'worker_threads'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'e2e/artifacts/**', 'test-results/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The core and the contract run in any host: no Electron, ever.
    files: ['src-main/core/**/*.ts', 'src-main/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src-main/core must stay platform-free: put Electron code in src-main/hosts/electron.' }],
          patterns: [{ group: ['electron/*', '**/hosts/**'], message: 'The core may not depend on a host.' }],
        },
      ],
    },
  },
  {
    // The contract is also bundled into the renderer: no Node built-ins there.
    files: ['src-main/contract/**/*.ts', 'src-renderer/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...nodeBuiltins.flatMap((m) => [m, `node:${m}`])],
          patterns: [{ group: ['**/core/**', '**/hosts/**'], message: 'The renderer talks to the core only through the contract.' }],
        },
      ],
    },
  },
);
