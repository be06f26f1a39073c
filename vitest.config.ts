import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/outbound-dev.ts'],
    testTimeout: 30_000,
    // Generous: end-to-end files start a whole system, and the machine is small and shared.
    hookTimeout: 180_000,
    // Two cores: integration files each own a database, but too many at once only thrash.
    maxWorkers: 2,
    pool: 'forks',
    // Tests run the local mode explicitly: without AUTH_MODE=dev the service fails closed.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', AUTH_MODE: 'dev' },
  },
});
