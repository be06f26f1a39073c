import { escapeXml as x } from './xml-escape.js';
import { TandemError } from '../../../errors/tandem-error.js';
import type { ExchangeEnvironmentConfig } from '../mailbox-connector.js';
import {
  ConnectingIdType,
  ExchangeCredentials,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  TimeZoneInfo,
  Uri,
  WebCredentials,
} from './ews-lib.js';
import type { EwsTransport } from './transport.js';

export type EwsEnvironment = Extract<ExchangeEnvironmentConfig, { kind: 'ews-onprem' | 'ews-online' }>;

/**
 * Credentials that leave the Authorization header to the transport: the bearer provider there
 * puts a current msal token on every request, so a service object never holds an expiring token.
 * (The library insists on a credentials object; OAuthCredentials would pin one token for good.)
 */
class TransportAuthCredentials extends (ExchangeCredentials as unknown as new () => InstanceType<
  typeof WebCredentials
>) {
  override PrepareWebRequest(): void {
    // The transport's auth provider writes the header.
  }
}

/** Exchange Online accepts every current schema version; Exchange2016 is the newest name EWS documents. */
const ONLINE_SERVER_VERSION = 'Exchange2016';

export function toExchangeVersion(name: string): number {
  const versions = ExchangeVersion as unknown as Record<string, number>;
  const value = versions[name];
  if (typeof value !== 'number') {
    const known = Object.keys(versions).filter((key) => Number.isNaN(Number(key)) && key.startsWith('Exchange20'));
    throw new TandemError(
      'CONFIG_INVALID',
      `Unknown Exchange server version "${name}"; use one of ${known.join(', ')}`,
    );
  }
  return value;
}

/**
 * One ExchangeService per target mailbox: impersonation (ImpersonatedUserId) and the
 * X-AnchorMailbox header are state of the service object, so sharing one across mailboxes under
 * concurrency would send requests as the wrong user. All of them share the environment's transport.
 *
 * X-AnchorMailbox is ALWAYS set to the target mailbox: Exchange Online (and on-premises CAS
 * proxying) route impersonated requests by it, and Microsoft documents that omitting it with
 * impersonation causes ErrorServerBusy / wrong-backend errors under load.
 */
export function createMailboxService(
  env: EwsEnvironment,
  transport: EwsTransport,
  smtpAddress: string,
  options: {
    /** Impersonate this mailbox (ApplicationImpersonation / full_access_as_app); otherwise act as the service user. */
    impersonate: boolean;
  },
): ExchangeService {
  const version = toExchangeVersion(env.kind === 'ews-onprem' ? env.ews.serverVersion : ONLINE_SERVER_VERSION);
  // UTC as the service zone: every DateTime we send and read is an instant; wall-clock zones are
  // written explicitly as StartTimeZone / EndTimeZone on the items themselves.
  const service = new ExchangeService(version, TimeZoneInfo.Utc);
  service.Url = new Uri(env.ews.url);
  service.XHRApi = transport.xhrApi;
  if (env.kind === 'ews-onprem') {
    const username =
      env.ews.domain && env.ews.auth === 'basic' && !env.ews.username.includes('@') && !env.ews.username.includes('\\')
        ? `${env.ews.domain}\\${env.ews.username}`
        : env.ews.username;
    // For NTLM the transport's provider writes the Authorization header; the library still insists on credentials.
    service.Credentials = new WebCredentials(username, env.ews.password);
  } else {
    service.Credentials = new TransportAuthCredentials();
  }
  if (options.impersonate) {
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, x(smtpAddress));
  }
  service.HttpHeaders.addUpdate('X-AnchorMailbox', smtpAddress);
  return service;
}
