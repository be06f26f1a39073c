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
  {
    name: 'engine-pure',
    files: ['src/sync'],
    forbid: ['src', 'cockpit'],
    allow: ['src/sync', 'src/contract', 'src/errors', 'src/validation'],
    packages: [
      'pg',
      'ioredis',
      'bullmq',
      'express',
      'ews-javascript-api',
      '@sap-cloud-sdk/http-client',
      '@sap-cloud-sdk/connectivity',
      '@azure/msal-node',
    ],
    because: 'the engine decides; it does no I/O and knows no connector, store, queue or HTTP',
  },
  {
    name: 'contract-leaf',
    files: ['src/contract'],
    forbid: ['src', 'cockpit'],
    allow: ['src/contract'],
    because: 'the vocabulary shared with clients imports nothing',
  },
  {
    name: 'edges-no-sql-driver',
    files: ['src/http'],
    packages: ['pg'],
    because: 'HTTP edges call repositories inside a tenant-scoped transaction; they do not talk to the database driver',
  },
  {
    name: 'edges-use-cases',
    files: ['src/http'],
    forbid: ['src/connectors', 'src/reconcile', 'src/worker'],
    // The push payloads are Exchange's wire format: the edge decodes them with the connector's own
    // parsers (the codec that also reads them on subscribe) before it stores the event.
    allow: [
      'src/connectors/exchange/ews/notification-parser.js',
      'src/connectors/exchange/graph/notification-parser.js',
    ],
    because:
      'HTTP edges call the feature modules (repositories, use cases such as src/environments/connection-test.ts); they do not build connectors or run reconciliation',
  },
  {
    name: 'worker-on-top',
    files: ['src'],
    exceptFiles: ['src/worker', 'src/runtime'],
    forbid: ['src/worker'],
    because:
      'the worker runs the handlers the features register; features and everything below meet it through src/inbox/inbox-handlers.ts',
  },
  {
    name: 'service-not-cockpit',
    files: ['src', 'scripts'],
    forbid: ['cockpit/src'],
    because: 'the cockpit is a client; the service serves its build, it does not import its code',
  },
  {
    name: 'cockpit-contract-only',
    files: ['cockpit/src'],
    forbid: ['src'],
    allow: ['src/contract'],
    because: 'the cockpit sees the service through the admin API and the shared vocabulary in src/contract',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'gen/', 'node_modules/', 'coverage/', 'cockpit/dist/', 'approuter/', '.tandem/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'cockpit/**/*.{ts,tsx}', 'test/**/*.ts', 'scripts/**/*.{ts,mjs}'],
    plugins: { tandem },
    rules: { 'tandem/layers': ['error', LAYERS] },
  },
  {
    // SQL only in repositories (docs/architecture.md, "Layers"): a use case calls named functions of
    // its feature's *-repository.ts, which take the tenant-scoped transaction first.
    files: ['src/**/*.ts'],
    ignores: [
      'src/**/*-repository.ts',
      'src/journal/journal.ts',
      // Infrastructure: the pool, transactions, migrations and readiness are the store itself.
      'src/store/**',
      // Benchmarks, the demo seed and the emulators run their own databases or none of the service's.
      'src/bench/**',
      'src/demo/**',
      'src/emulators/**',
      // The links' repository, named for what it stores before the rule existed.
      'src/reconcile/link-store.ts',
    ],
    rules: { 'tandem/sql-in-repositories': 'error' },
  },
  {
    // HTTP edges run no SQL of their own (`tx.query`, `pool.query`): they call a feature's repository.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query']",
          message:
            'HTTP edges run no SQL: call a repository of the feature with the tenant-scoped transaction (docs/architecture.md, "Layers").',
        },
      ],
    },
  },
  // Tests poke at untyped protocol payloads (SOAP, OData, YAML); `any` there is honest, not sloppy.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    files: ['**/*.mjs', 'bin/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
);
