import { appointmentFromEws, applyAppointmentDraft } from '../../../src/connectors/exchange/ews/appointment-mapping.js';
import {
  Appointment as EwsAppointment,
  FolderId,
  ItemId,
  Mailbox,
  SendInvitationsMode,
  WellKnownFolderName,
  type ExchangeService,
} from '../../../src/connectors/exchange/ews/ews-lib.js';
import { fullPropertySet } from '../../../src/connectors/exchange/ews/item-operations.js';
import { createMailboxService, type EwsEnvironment } from '../../../src/connectors/exchange/ews/service-factory.js';
import { writeStamp } from '../../../src/connectors/exchange/ews/stamp-property.js';
import { escapeXml } from '../../../src/connectors/exchange/ews/xml-escape.js';
import type { Appointment, AppointmentDraft, Stamp } from '../../../src/connectors/exchange/types.js';

/**
 * What ews-javascript-api sends and reads for appointments — the reference the SOAP Tandem writes
 * and reads itself (soap-appointments.ts) is compared with. The library runs for real; only its
 * HTTP slot is a recorder that answers with the given text.
 */

export const ENV: EwsEnvironment = {
  kind: 'ews-onprem',
  id: 'env-reference',
  tenantId: 'demo',
  maxConcurrency: 4,
  ews: {
    url: 'http://127.0.0.1:1/EWS/Exchange.asmx',
    auth: 'basic',
    username: 'svc@demo.example',
    password: 'demo-password',
    impersonation: true,
    serverVersion: 'Exchange2016',
  },
} as EwsEnvironment;

export const CREATED = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:CalendarItem><t:ItemId Id="AAMkNew" ChangeKey="DwNew"/></t:CalendarItem></m:Items></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>`;

export function recordingService(
  answer: string,
  options: { impersonate?: boolean; env?: EwsEnvironment; mailbox?: string } = {},
): { service: ExchangeService; sent: string[] } {
  const sent: string[] = [];
  const xhrApi = {
    apiName: 'recorder',
    async xhr(request: { data?: string }) {
      sent.push(request.data ?? '');
      return {
        status: 200,
        statusText: 'OK',
        responseText: answer,
        headers: {},
        getResponseHeader: () => null,
        getAllResponseHeaders: () => '',
      };
    },
    xhrStream: () => Promise.reject(new Error('not used')),
    disconnect() {},
  };
  const service = createMailboxService(
    options.env ?? ENV,
    { xhrApi: xhrApi as never, close() {} },
    options.mailbox ?? 'alice@demo.example',
    { impersonate: options.impersonate ?? true },
  );
  return { service, sent };
}

/** The CreateItem envelope the library sends for this draft (the library path of item-operations.ts). */
export async function libraryCreateRequest(
  draft: AppointmentDraft,
  stamp: Stamp,
  options: { impersonate?: boolean; env?: EwsEnvironment; mailbox?: string } = {},
): Promise<string> {
  const { service, sent } = recordingService(CREATED, options);
  const mailbox = options.mailbox ?? 'alice@demo.example';
  const impersonate = options.impersonate ?? true;
  const folder = impersonate
    ? new FolderId(WellKnownFolderName.Calendar)
    : new FolderId(WellKnownFolderName.Calendar, new Mailbox(escapeXml(mailbox)));
  const item: any = new EwsAppointment(service);
  applyAppointmentDraft(item, draft);
  writeStamp(item, stamp);
  await item.Save(folder, SendInvitationsMode.SendToNone);
  return sent[0]!;
}

/** The GetItem envelope the library sends for these ids, and the appointments it reads from `answer`. */
export async function libraryGetItems(
  ids: string[],
  answer: string,
  context: { seriesMasterId?: string } = {},
): Promise<{ request: string; appointments: Appointment[] }> {
  const { service, sent } = recordingService(answer);
  const responses = await service.BindToItems(
    ids.map((id) => new ItemId(id)),
    fullPropertySet('appointment'),
  );
  const appointments = ((responses as any).Responses as any[])
    .filter((response) => response.Item)
    .map((response) => appointmentFromEws(response.Item, context));
  return { request: sent[0]!, appointments };
}
