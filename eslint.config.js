// Lint: typescript-eslint's recommended rules on the sources and tests; type-aware rules would
// double the lint time on this 2-core machine, and `tsc --noEmit` already runs in `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import tandem from './eslint-rules/layers.js';

/**
 * Layer rules (docs/architecture.md, "Layers"). Each names the files it applies to, the trees they
 * must not import (by resolved path) and the packages they must not use.
 */
const LAYERS = [
  {
    name: 'emulators-standalone',
    files: ['src/emulators'],
    forbid: ['src', 'cockpit'],
    allow: ['src/emulators'],
    because: 'the emulators are a product of their own and import nothing from the service',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'gen/', 'node_modules/', 'coverage/', 'cockpit/dist/', 'approuter/', '.tandem/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/**/*.ts', 'cockpit/**/*.{ts,tsx}', 'test/**/*.ts', 'scripts/**/*.{ts,mjs}'], plugins: { tandem }, rules: { 'tandem/layers': ['error', LAYERS] } },
  // Tests poke at untyped protocol payloads (SOAP, OData, YAML); `any` there is honest, not sloppy.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.mjs', 'bin/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } } },
);
