import type { Redis } from 'ioredis';
import { createMailboxConnector } from '../connectors/exchange/create-connector.js';
import { environmentConnectorConfig } from '../environments/environment-repository.js';
import { logger } from '../logging/logger.js';
import { findMailbox } from '../mailboxes/mailbox-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { liveSubscriptions } from './subscription-repository.js';

export interface EndSubscriptionsDeps {
  pool: Pool;
  secretBox: SecretBox;
  redis: Redis;
  keyPrefix: string;
}

/**
 * A user is being removed: delete their subscriptions at Exchange before the rows go (they are
 * deleted with the user, and with them what is needed to end them). Graph would otherwise post
 * for days until the subscriptions expire. Best effort: a failure is logged and the removal goes
 * on — notifications of a removed user's subscriptions carry a clientState (Graph) or token (EWS)
 * nobody knows any more and are dropped (EWS is answered `Unsubscribe`). Returns how many ended.
 */
export async function endSubscriptionsOfUser(
  deps: EndSubscriptionsDeps,
  tenantId: string,
  mailboxId: string,
): Promise<number> {
  const found = await withTenant(
    tenantId,
    async (tx) => {
      const live = (await liveSubscriptions(tx, mailboxId)).filter((s) => s.remoteId);
      if (live.length === 0) return undefined;
      const user = await findMailbox(tx, mailboxId);
      if (!user) return undefined;
      return {
        live,
        smtp: user.smtpAddress,
        config: await environmentConnectorConfig(tx, deps.secretBox, user.environmentId),
      };
    },
    deps.pool,
  );
  if (!found) return 0;
  const limits = { redis: deps.redis, keyPrefix: `${deps.keyPrefix}:exchange`, retry: { maxAttempts: 2 } };
  const connector = createMailboxConnector(found.config, limits);
  let ended = 0;
  try {
    for (const subscription of found.live) {
      if (subscription.backend !== connector.backend) continue;
      try {
        await connector.unsubscribe({ smtpAddress: found.smtp }, { remoteId: subscription.remoteId! });
        ended++;
      } catch (error) {
        logger.warn(
          { err: error, tenantId, mailboxId, subscriptionId: subscription.id },
          'unsubscribe of a removed user failed; its notifications will be dropped until it expires',
        );
      }
    }
  } finally {
    await connector.close();
  }
  return ended;
}
