import type { Redis } from 'ioredis';
import { createMailboxConnector } from '../connectors/exchange/create-connector.js';
import type { ConnectionTestStep } from '../connectors/exchange/types.js';
import { TandemError } from '../errors/tandem-error.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { environmentConnectorConfig, getEnvironment } from './environment-repository.js';

export interface EnvironmentTestDeps {
  pool: Pool;
  secretBox: SecretBox;
  redis: Redis;
  /** Redis key prefix of this deployment: the test shares the environment's Exchange limits. */
  keyPrefix: string;
}

export interface EnvironmentTestResult {
  ok: boolean;
  steps: ConnectionTestStep[];
}

/**
 * The Test button of an Exchange environment: authenticate, impersonate (or address) the mailbox,
 * read its calendar. Uses the environment's stored configuration and the test mailbox set on it
 * unless `mailbox` names another. One attempt only: an admin waiting on the button wants the
 * first failure, not a retried one.
 */
export async function runEnvironmentTest(
  deps: EnvironmentTestDeps,
  tenantId: string,
  environmentId: string,
  mailbox?: string,
): Promise<EnvironmentTestResult> {
  const { config, testMailbox } = await withTenant(
    tenantId,
    async (tx) => ({
      config: await environmentConnectorConfig(tx, deps.secretBox, environmentId),
      testMailbox: (await getEnvironment(tx, deps.secretBox, environmentId)).testMailbox,
    }),
    deps.pool,
  );
  const address = mailbox ?? testMailbox;
  if (!address)
    throw new TandemError('VALIDATION_FAILED', 'Set a test mailbox on the environment first', {
      fieldErrors: [{ path: 'body.mailbox', message: 'no test mailbox configured' }],
    });
  const limits = { redis: deps.redis, keyPrefix: `${deps.keyPrefix}:exchange`, retry: { maxAttempts: 1 } };
  const connector = createMailboxConnector(config, limits);
  try {
    const steps = await connector.testConnection({ smtpAddress: address });
    return { ok: steps.every((s) => s.ok), steps };
  } finally {
    await connector.close();
  }
}
