import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CHANGES_RETURNED, pageFromLibrary } from '../../../src/connectors/exchange/ews/change-tracking.js';
import {
  BasePropertySet,
  FolderId,
  Mailbox,
  PropertySet,
  SyncFolderItemsScope,
  WellKnownFolderName,
} from '../../../src/connectors/exchange/ews/ews-lib.js';
import { normalizeEwsError } from '../../../src/connectors/exchange/ews/normalize-ews-error.js';
import { soapBody, distinguishedFolder, folderById } from '../../../src/connectors/exchange/ews/soap-xml.js';
import { changePageFromXml, syncFolderItemsRequest } from '../../../src/connectors/exchange/ews/soap-sync.js';
import { escapeXml } from '../../../src/connectors/exchange/ews/xml-escape.js';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { ChangePage, TaskDraft } from '../../../src/connectors/exchange/types.js';
import { isTandemError, type TandemError } from '../../../src/errors/tandem-error.js';
import { recordingService } from '../../unit/exchange-ews/library-reference.js';
import { ALICE, recordExchanges, stamp, startHarness, type Harness } from './support.js';

/**
 * SyncFolderItems written and read by Tandem (soap-sync.ts) against what ews-javascript-api sends
 * for the same folder and state, and the page each reads from the very same emulator answers —
 * creates, updates, deletes, the paging flag, the contacts folder and an invalid sync state.
 */

let h: Harness;
let connector: MailboxConnector;
const recording = recordExchanges();
/** The SyncFolderItems answers recorded in this test, in order. */
const answers = () =>
  recording.exchanged.filter((entry) => entry.request.includes('<m:SyncFolderItems>')).map((entry) => entry.answer);

beforeAll(async () => {
  h = await startHarness('ews-soap-sync');
  connector = h.connector({}, { retry: { maxAttempts: 1 } });
});
afterAll(async () => {
  recording.restore();
  await h.close();
});
beforeEach(() => {
  h.emulator.reset();
  recording.exchanged.length = 0;
});

/** The page the library's path builds from an answer. */
async function libraryPage(answer: string): Promise<ChangePage> {
  const { service } = recordingService(answer);
  const changes = await service.SyncFolderItems(
    new FolderId(WellKnownFolderName.Calendar),
    new PropertySet(BasePropertySet.IdOnly),
    null as never,
    MAX_CHANGES_RETURNED,
    SyncFolderItemsScope.NormalItems,
    null as never,
  );
  return pageFromLibrary(changes);
}

/** The connector's page is what Tandem's reader and the library's path each read from the answer. */
async function expectReadAlike(page: ChangePage, answer: string): Promise<void> {
  expect(changePageFromXml(soapBody(answer))).toEqual(page);
  expect(await libraryPage(answer)).toEqual(page);
}

/** What the library sends for a folder and state, as the library's path calls it. */
async function libraryRequest(folder: unknown, syncState: string | undefined, impersonate = true): Promise<string> {
  const { service, sent } = recordingService(answers()[0] ?? EMPTY, { impersonate });
  await service.SyncFolderItems(
    folder as never,
    new PropertySet(BasePropertySet.IdOnly),
    null as never,
    MAX_CHANGES_RETURNED,
    SyncFolderItemsScope.NormalItems,
    syncState !== undefined ? escapeXml(syncState) : (null as never),
  );
  return sent[0]!;
}

const EMPTY = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:SyncFolderItemsResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:SyncFolderItemsResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:SyncState>S</m:SyncState><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange><m:Changes/></m:SyncFolderItemsResponseMessage></m:ResponseMessages></m:SyncFolderItemsResponse></s:Body></s:Envelope>`;

/** The SOAP Body's content, empty elements written one way (the library writes <a></a>, Tandem <a/>). */
function bodyOf(envelope: string): string {
  const body = /<soap:Body>(.*)<\/soap:Body>/s.exec(envelope)![1]!;
  return body.replace(/<([\w:]+)([^<>]*?)><\/\1>/g, '<$1$2/>');
}

const task = (subject: string): TaskDraft => ({
  subject,
  body: { type: 'text', content: '' },
  status: 'notStarted',
  percentComplete: 0,
  importance: 'normal',
  categories: [],
  sensitivity: 'normal',
});

describe('SyncFolderItems written and read by Tandem', () => {
  it('sends what the library sends: state escaped, mailbox-qualified for delegates, contacts by id', async () => {
    const state = 'U1N8<&>"state"';
    expect(bodyOf(envelopeOf(syncFolderItemsRequest(distinguishedFolder('calendar', undefined), state, 512)))).toBe(
      bodyOf(await libraryRequest(new FolderId(WellKnownFolderName.Calendar), state)),
    );
    expect(
      bodyOf(envelopeOf(syncFolderItemsRequest(distinguishedFolder('tasks', 'bob@demo.example'), undefined, 512))),
    ).toBe(
      bodyOf(
        await libraryRequest(
          new FolderId(WellKnownFolderName.Tasks, new Mailbox('bob@demo.example')),
          undefined,
          false,
        ),
      ),
    );
    expect(bodyOf(envelopeOf(syncFolderItemsRequest(folderById('AAMk&Contacts'), 'S', 512)))).toBe(
      bodyOf(await libraryRequest(new FolderId('AAMk&amp;Contacts'), 'S')),
    );
  });

  it('reads creates, updates with their ChangeKeys, deletes and the paging flag as the library does', async () => {
    const created = await Promise.all(
      ['a', 'b', 'c'].map((key) => connector.createItem(ALICE, 'task', task(key), stamp(key))),
    );
    const first = await connector.changesSince(ALICE, 'task', undefined);
    expect(new Set(first.created)).toEqual(new Set(created.map((item) => item.id)));
    expect(first.moreAvailable).toBe(false);
    await expectReadAlike(first, answers().at(-1)!);

    const item = (await connector.getItem(ALICE, 'task', created[0]!.id))!;
    const written = await connector.updateItem(ALICE, 'task', item, { subject: 'changed' }, stamp('a', 'h2'));
    await connector.deleteItem(ALICE, 'task', created[1]!.id);
    const next = await connector.changesSince(ALICE, 'task', first.syncState);
    expect(next).toMatchObject({ updated: [created[0]!.id], deleted: [created[1]!.id], created: [] });
    expect(next.changeKeys).toEqual({ [created[0]!.id]: written.changeKey });
    await expectReadAlike(next, answers().at(-1)!);
  });

  it('pages past 512 changes with the same flags as the library', async () => {
    for (let i = 0; i < 520; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          connector.createItem(ALICE, 'task', task(`p${i + j}`), stamp(`p${i + j}`)),
        ),
      );
    const first = await connector.changesSince(ALICE, 'task', undefined);
    expect(first.created).toHaveLength(512);
    expect(first.moreAvailable).toBe(true);
    await expectReadAlike(first, answers().at(-1)!);
    const rest = await connector.changesSince(ALICE, 'task', first.syncState);
    expect(rest.created).toHaveLength(8);
    expect(rest.moreAvailable).toBe(false);
    await expectReadAlike(rest, answers().at(-1)!);
  }, 60_000);

  it('tracks the Tandem contacts folder by its id', async () => {
    const contact = await connector.createItem(
      ALICE,
      'contact',
      { displayName: 'C', emailAddresses: [], businessPhones: [], categories: [] },
      stamp('BP-1'),
    );
    const page = await connector.changesSince(ALICE, 'contact', undefined);
    expect(page.created).toEqual([contact.id]);
    await expectReadAlike(page, answers().at(-1)!);
  });

  it('turns an invalid sync state into the error the library path gives', async () => {
    const error = (await connector
      .changesSince(ALICE, 'task', 'bm90IGEgc3luYyBzdGF0ZQ==')
      .catch((e: unknown) => e)) as TandemError;
    expect(isTandemError(error, 'EXCHANGE_INVALID_SYNC_STATE')).toBe(true);
    const library = await libraryPage(answers().at(-1)!).catch((e: unknown) => normalizeEwsError(e));
    expect(library).toMatchObject({ code: error.code, details: error.details });
    expect(() => changePageFromXml(soapBody(answers().at(-1)!))).toThrow(error.message);
  });
});

/** A request body in the envelope the connector sends (the envelope itself is compared in soap-appointments.test.ts). */
function envelopeOf(request: { body: string }): string {
  return `<soap:Body>${request.body}</soap:Body>`;
}
