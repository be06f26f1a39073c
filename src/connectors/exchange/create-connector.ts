import { createEwsConnector, type EwsConnectorDeps } from './ews/ews-connector.js';
import { createGraphConnector, type GraphConnectorDeps } from './graph/graph-connector.js';
import type { ExchangeEnvironmentConfig, MailboxConnector } from './mailbox-connector.js';

/** What either backend needs; each takes the fields it knows. */
export type MailboxConnectorDeps = EwsConnectorDeps & GraphConnectorDeps;

/** The one place that picks the Exchange backend for an environment: EWS (on premises, online) or Graph. */
export function createMailboxConnector(env: ExchangeEnvironmentConfig, deps: MailboxConnectorDeps): MailboxConnector {
  return env.kind === 'graph' ? createGraphConnector(env, deps) : createEwsConnector(env, deps);
}
