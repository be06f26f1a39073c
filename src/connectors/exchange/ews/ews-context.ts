/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's folder API is loosely typed here. */
import type { Logger } from 'pino';
import { TandemError, isTandemError } from '../../../errors/tandem-error.js';
import type { ItemKind, MailboxAddress } from '../types.js';
import {
  ContactsFolder,
  FolderId,
  FolderSchema,
  FolderView,
  Mailbox,
  PropertySet,
  BasePropertySet,
  SearchFilter,
  WellKnownFolderName,
  type ExchangeService,
} from './ews-lib.js';
import { escapeXml } from './xml-escape.js';
import type { EwsRequestRunner, CallOptions } from './request-runner.js';
import { libraryFault, requestTemplate, unreadableAnswer, type SoapTransport } from './soap-call.js';
import type { SoapRequest } from './soap-appointments.js';
import { distinguishedFolder, envelope, folderById, soapBody, SoapReadError, type XmlNode } from './soap-xml.js';
import { createMailboxService, type EwsEnvironment } from './service-factory.js';
import type { EwsTransport } from './transport.js';

/** Display name of the contacts subfolder Tandem owns in each mailbox (under Contacts). */
export const CONTACTS_FOLDER_NAME = 'Tandem';

/**
 * What every EWS operation needs: a service per mailbox (cached), the request runner with the
 * limits and retries, and folder resolution. Operations call `ctx.call(mailbox, …, service => …)`.
 */
export class EwsContext {
  private readonly services = new Map<string, ExchangeService>();
  private readonly contactFolders = new Map<string, Promise<string>>();

  constructor(
    readonly env: EwsEnvironment,
    private readonly transport: EwsTransport,
    private readonly runner: EwsRequestRunner,
    readonly logger: Logger,
  ) {}

  get impersonation(): boolean {
    return this.env.kind === 'ews-online' ? true : this.env.ews.impersonation;
  }

  /**
   * Whether appointments are created and read, and folders' changes tracked, with SOAP Tandem
   * writes and parses itself (soap-appointments.ts, soap-sync.ts): they are the EWS calls of every
   * sync operation and change-tracking run, and the library's object model cost most of the
   * worker's CPU per operation. Exchange 2007 (whose time zones the library writes differently)
   * stays on the library path, as does every other call.
   */
  get ownSoap(): boolean {
    return this.env.kind === 'ews-online' || !this.env.ews.serverVersion.startsWith('Exchange2007');
  }

  /** The folder of a kind as SOAP: the well-known calendar and tasks, or Tandem's contacts folder by id. */
  async folderXml(mailbox: MailboxAddress, kind: ItemKind): Promise<string> {
    if (kind === 'contact') return folderById(await this.contactsFolderId(mailbox));
    return distinguishedFolder(
      kind === 'appointment' ? 'calendar' : 'tasks',
      this.impersonation ? undefined : mailbox.smtpAddress,
    );
  }

  service(mailbox: MailboxAddress, options: { impersonate?: boolean } = {}): ExchangeService {
    const impersonate = options.impersonate ?? this.impersonation;
    const key = `${mailbox.smtpAddress.toLowerCase()}|${impersonate}`;
    let service = this.services.get(key);
    if (!service) {
      service = createMailboxService(this.env, this.transport, mailbox.smtpAddress, { impersonate });
      // Bounded: a worker touches many mailboxes over its life; recreating a service is cheap.
      if (this.services.size >= 1_000) this.services.delete(this.services.keys().next().value!);
      this.services.set(key, service);
    }
    return service;
  }

  /** Runs one EWS request for a mailbox under the limits, with retries. */
  call<T>(
    mailbox: MailboxAddress,
    call: CallOptions,
    fn: (service: ExchangeService) => Promise<T>,
    options: { impersonate?: boolean } = {},
  ): Promise<T> {
    const service = this.service(mailbox, options);
    return this.runner
      .run(mailbox.smtpAddress, call, () => fn(service))
      .catch((error: unknown) => {
        // The cached Tandem contacts folder was deleted by the user: find or create it again next time.
        if (isTandemError(error) && error.details?.ewsResponseCode === 'ErrorFolderNotFound')
          this.forgetContactsFolder(mailbox);
        throw error;
      });
  }

  /**
   * Runs one EWS request whose SOAP Tandem wrote itself (soap-appointments.ts) exactly as `call`
   * runs the library's: same limits and retries, the URL and HTTP headers the library would send
   * for this mailbox, the same transport, and failures without a readable answer mapped by the
   * library's own code, so every error becomes the same TandemError either way.
   */
  soap<T>(mailbox: MailboxAddress, call: CallOptions, request: SoapRequest, read: (body: XmlNode) => T): Promise<T> {
    return this.call(mailbox, call, async (service) => {
      const template = requestTemplate(service);
      const xml = envelope(
        {
          version: template.version,
          ...(this.impersonation ? { impersonate: mailbox.smtpAddress } : {}),
          ...(request.timeZoneContext ? { timeZoneContext: request.timeZoneContext } : {}),
        },
        request.body,
      );
      const transport = this.transport.xhrApi as unknown as SoapTransport;
      let answer: { responseText: string };
      try {
        answer = await transport.xhr({ url: template.url, type: 'POST', headers: { ...template.headers }, data: xml });
      } catch (failure) {
        throw libraryFault(service, failure);
      }
      try {
        return read(soapBody(answer.responseText));
      } catch (error) {
        // Not SOAP, or SOAP without the operation's response: no EWS answer (as on the library's path).
        throw error instanceof SoapReadError ? unreadableAnswer(error) : error;
      }
    });
  }

  /** A well-known folder of the mailbox: plain under impersonation, mailbox-qualified for delegate access. */
  wellKnownFolder(mailbox: MailboxAddress, name: number): any {
    return this.impersonation ? new FolderId(name) : new FolderId(name, new Mailbox(escapeXml(mailbox.smtpAddress)));
  }

  async folderFor(mailbox: MailboxAddress, kind: ItemKind): Promise<any> {
    if (kind === 'appointment') return this.wellKnownFolder(mailbox, WellKnownFolderName.Calendar);
    if (kind === 'task') return this.wellKnownFolder(mailbox, WellKnownFolderName.Tasks);
    return new FolderId(await this.contactsFolderId(mailbox));
  }

  /** The "Tandem" subfolder of Contacts, found or created once per mailbox and process. */
  contactsFolderId(mailbox: MailboxAddress): Promise<string> {
    const key = mailbox.smtpAddress.toLowerCase();
    let pending = this.contactFolders.get(key);
    if (!pending) {
      pending = this.findOrCreateContactsFolder(mailbox);
      pending.catch(() => this.contactFolders.delete(key));
      this.contactFolders.set(key, pending);
    }
    return pending;
  }

  /**
   * Runs `fn` again once when the cached Tandem contacts folder turned out to be gone
   * (ErrorFolderNotFound: a user deleted it): `call` has already forgotten the id, so the second run
   * finds or recreates the folder. Safe for creates too: Exchange created nothing in a missing folder.
   */
  async withFolderRetry<T>(kinds: ItemKind[], fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (kinds.includes('contact') && isTandemError(error) && error.details?.ewsResponseCode === 'ErrorFolderNotFound')
        return fn();
      throw error;
    }
  }

  /** Forgets a cached folder id (after ErrorFolderNotFound: a user deleted the folder). */
  forgetContactsFolder(mailbox: MailboxAddress): void {
    this.contactFolders.delete(mailbox.smtpAddress.toLowerCase());
  }

  private async findOrCreateContactsFolder(mailbox: MailboxAddress): Promise<string> {
    const parent = this.wellKnownFolder(mailbox, WellKnownFolderName.Contacts);
    const find = () =>
      this.call(mailbox, { operation: 'FindFolder', idempotent: true }, async (service) => {
        const view = new FolderView(10);
        view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName]);
        const result = await service.FindFolders(
          parent,
          new SearchFilter.IsEqualTo(FolderSchema.DisplayName, CONTACTS_FOLDER_NAME),
          view,
        );
        const ids = result.Folders.map((folder: any) => folder.Id.UniqueId as string).sort();
        return ids[0];
      });
    const existing = await find();
    if (existing) return existing;
    try {
      return await this.call(mailbox, { operation: 'CreateFolder', idempotent: false }, async (service) => {
        const folder = new ContactsFolder(service);
        folder.DisplayName = CONTACTS_FOLDER_NAME;
        await folder.Save(parent);
        return folder.Id.UniqueId;
      });
    } catch (error) {
      // Another worker created it first: Exchange refuses a second sibling with the same name (ErrorFolderExists).
      if (isTandemError(error) && error.details?.ewsResponseCode === 'ErrorFolderExists') {
        const winner = await find();
        if (winner) return winner;
      }
      throw error;
    }
  }
}

export function notFound(message: string): TandemError {
  return new TandemError('EXCHANGE_ITEM_NOT_FOUND', message);
}
