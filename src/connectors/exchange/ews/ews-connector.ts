import type { Redis } from 'ioredis';
import { logger as rootLogger, type Logger } from '../../../logging/logger.js';
import { RedisSemaphore } from '../../../limits/redis-semaphore.js';
import { TandemError } from '../../../errors/tandem-error.js';
import type { MailboxConnector } from '../mailbox-connector.js';
import { addAttachment, getAttachment, listAttachments } from './attachment-operations.js';
import { changesSince, renewSubscription, subscribe, unsubscribe } from './change-tracking.js';
import { testConnection } from './connection-test.js';
import { EwsContext } from './ews-context.js';
import {
  createItem,
  deleteItem,
  expandSeries,
  findByStamp,
  getItems,
  listItems,
  updateItem,
} from './item-operations.js';
import { createTokenSource, scopeForEwsUrl, type TokenSource } from './oauth-token-source.js';
import {
  DEFAULT_MAILBOX_CONCURRENCY,
  DEFAULT_RETRY_POLICY,
  EwsRequestRunner,
  type RetryPolicy,
} from './request-runner.js';
import type { EwsEnvironment } from './service-factory.js';
import { createEwsTransport, type TransportOptions } from './transport.js';

export interface EwsConnectorDeps {
  redis: Redis;
  keyPrefix: string;
  logger?: Logger;
  /** Per-mailbox concurrent requests (default 10, below Exchange's EWSMaxConcurrency of 27). */
  mailboxConcurrency?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Observes every HTTP request (metrics; tests count concurrency). */
  onRequest?: TransportOptions['onRequest'];
}

/** The EWS backend of MailboxConnector, for Exchange Server on-premises and Exchange Online. */
export function createEwsConnector(env: EwsEnvironment, deps: EwsConnectorDeps): MailboxConnector {
  const log = (deps.logger ?? rootLogger).child({ module: 'ews-connector', environmentId: env.id });
  let tokens: TokenSource | undefined;
  let auth: TransportOptions['auth'];
  if (env.kind === 'ews-online') {
    const source = createTokenSource(env.ews, scopeForEwsUrl(env.ews.url));
    tokens = source;
    auth = { kind: 'bearer', token: () => source.token() };
  } else if (env.ews.auth === 'ntlm') {
    auth = {
      kind: 'ntlm',
      username: env.ews.username,
      password: env.ews.password,
      ...(env.ews.domain ? { domain: env.ews.domain } : {}),
    };
  } else if (env.ews.auth === 'basic') {
    auth = { kind: 'basic' };
  } else {
    throw new TandemError('CONFIG_INVALID', `Unknown EWS authentication "${String(env.ews.auth)}"`);
  }
  const transport = createEwsTransport({
    timeoutMs: deps.timeoutMs ?? 60_000,
    auth,
    ...(env.ews.caCertificate ? { caCertificate: env.ews.caCertificate } : {}),
    ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
  });
  const runner = new EwsRequestRunner({
    semaphore: new RedisSemaphore(deps.redis, deps.keyPrefix),
    tenantId: env.tenantId,
    environmentId: env.id,
    environmentConcurrency: Math.max(1, env.maxConcurrency),
    mailboxConcurrency: deps.mailboxConcurrency ?? DEFAULT_MAILBOX_CONCURRENCY,
    retry: { ...DEFAULT_RETRY_POLICY, ...deps.retry },
    logger: log,
  });
  const ctx = new EwsContext(env, transport, runner, log);

  return {
    backend: 'ews',
    async getItem(mailbox, kind, id) {
      return (await getItems(ctx, mailbox, kind, [id])).get(id);
    },
    getItems: (mailbox, kind, ids) => getItems(ctx, mailbox, kind, ids),
    createItem: (mailbox, kind, draft, stamp) => createItem(ctx, mailbox, kind, draft, stamp),
    updateItem: (mailbox, kind, version, changes, stamp) => updateItem(ctx, mailbox, kind, version, changes, stamp),
    deleteItem: (mailbox, _kind, id) => deleteItem(ctx, mailbox, id),
    findByStamp: (mailbox, kind, s4Key) => findByStamp(ctx, mailbox, kind, s4Key),
    listItems: (mailbox, kind, window) => listItems(ctx, mailbox, kind, window),
    expandSeries: (mailbox, seriesMasterId, window) => expandSeries(ctx, mailbox, seriesMasterId, window),
    listAttachments: (mailbox, _kind, itemId) => listAttachments(ctx, mailbox, itemId),
    getAttachment: (mailbox, _kind, itemId, attachmentId) => getAttachment(ctx, mailbox, itemId, attachmentId),
    addAttachment: (mailbox, _kind, itemId, attachment) => addAttachment(ctx, mailbox, itemId, attachment),
    // SyncFolderItems has no time window; the window only matters to Graph's calendarView delta.
    changesSince: (mailbox, kind, syncState) => changesSince(ctx, mailbox, kind, syncState),
    subscribe: (request) => subscribe(ctx, request),
    renewSubscription: (request, current) => renewSubscription(ctx, request, current),
    unsubscribe: (mailbox, subscription) => unsubscribe(ctx, mailbox, subscription),
    async testConnection(mailbox) {
      try {
        return await testConnection(ctx, mailbox, tokens);
      } catch (error) {
        return [
          {
            step: 'internal',
            ok: false,
            message: `The test itself failed: ${(error as Error).message}`,
            durationMs: 0,
          },
        ];
      }
    },
    async close() {
      transport.close();
    },
  };
}
