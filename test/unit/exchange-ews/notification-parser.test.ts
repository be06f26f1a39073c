import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import {
  ewsNotificationResponse,
  parseEwsNotification,
} from '../../../src/connectors/exchange/ews/notification-parser.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

// Shape as in Microsoft's "Push notifications" / SendNotification documentation.
const MULTI_EVENT = `<?xml version="1.0" encoding="utf-8"?>
<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/">
  <soap11:Header>
    <t:RequestServerVersion xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2010_SP1" />
  </soap11:Header>
  <soap11:Body>
    <m:SendNotification xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
      <m:ResponseMessages>
        <m:SendNotificationResponseMessage ResponseClass="Success">
          <m:ResponseCode>NoError</m:ResponseCode>
          <m:Notification>
            <t:SubscriptionId xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">FQBjb250b3NvLmNvcnAuZXhhbXBsZS5jb20QAAAA</t:SubscriptionId>
            <t:PreviousWatermark xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">AQAAAEf1</t:PreviousWatermark>
            <t:MoreEvents xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">true</t:MoreEvents>
            <t:CreatedEvent xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
              <t:Watermark>AQAAAEf2</t:Watermark>
              <t:TimeStamp>2026-03-02T10:00:00Z</t:TimeStamp>
              <t:ItemId Id="AAMkItem1" ChangeKey="DwAAAA1" />
              <t:ParentFolderId Id="AAMkCal" ChangeKey="AQAAAA==" />
            </t:CreatedEvent>
            <t:ModifiedEvent xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
              <t:Watermark>AQAAAEf3</t:Watermark>
              <t:TimeStamp>2026-03-02T10:00:01Z</t:TimeStamp>
              <t:ItemId Id="AAMkItem2" ChangeKey="DwAAAA2" />
              <t:ParentFolderId Id="AAMkCal" ChangeKey="AQAAAA==" />
            </t:ModifiedEvent>
            <t:ModifiedEvent xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
              <t:Watermark>AQAAAEf4</t:Watermark>
              <t:TimeStamp>2026-03-02T10:00:02Z</t:TimeStamp>
              <t:FolderId Id="AAMkCal" ChangeKey="AQAAAA==" />
              <t:ParentFolderId Id="AAMkRoot" ChangeKey="AQAAAA==" />
            </t:ModifiedEvent>
            <t:MovedEvent xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
              <t:Watermark>AQAAAEf5</t:Watermark>
              <t:TimeStamp>2026-03-02T10:00:03Z</t:TimeStamp>
              <t:ItemId Id="AAMkItem3new" ChangeKey="DwAAAA3" />
              <t:ParentFolderId Id="AAMkDeleted" ChangeKey="AQAAAA==" />
              <t:OldItemId Id="AAMkItem3" ChangeKey="DwAAAA4" />
              <t:OldParentFolderId Id="AAMkCal" ChangeKey="AQAAAA==" />
            </t:MovedEvent>
            <t:DeletedEvent xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
              <t:Watermark>AQAAAEf6</t:Watermark>
              <t:TimeStamp>2026-03-02T10:00:04Z</t:TimeStamp>
              <t:ItemId Id="AAMkItem1" ChangeKey="DwAAAA5" />
              <t:ParentFolderId Id="AAMkCal" ChangeKey="AQAAAA==" />
            </t:DeletedEvent>
          </m:Notification>
        </m:SendNotificationResponseMessage>
      </m:ResponseMessages>
    </m:SendNotification>
  </soap11:Body>
</soap11:Envelope>`;

const STATUS_ONLY = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<SendNotification xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
<ResponseMessages><SendNotificationResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode>
<Notification><SubscriptionId xmlns="http://schemas.microsoft.com/exchange/services/2006/types">SUB-1</SubscriptionId>
<PreviousWatermark xmlns="http://schemas.microsoft.com/exchange/services/2006/types">WM-1</PreviousWatermark>
<MoreEvents xmlns="http://schemas.microsoft.com/exchange/services/2006/types">false</MoreEvents>
<StatusEvent xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><Watermark>WM-2</Watermark></StatusEvent>
</Notification></SendNotificationResponseMessage></ResponseMessages></SendNotification></s:Body></s:Envelope>`;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(isTandemError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  throw new Error('expected a TandemError');
}

describe('parseEwsNotification', () => {
  it('reads several events in document order, with watermarks and MoreEvents', () => {
    const parsed = parseEwsNotification(MULTI_EVENT);
    expect(parsed.remoteSubscriptionId).toBe('FQBjb250b3NvLmNvcnAuZXhhbXBsZS5jb20QAAAA');
    expect(parsed.previousWatermark).toBe('AQAAAEf1');
    expect(parsed.lastWatermark).toBe('AQAAAEf6');
    expect(parsed.moreEvents).toBe(true);
    expect(parsed.heartbeat).toBe(false);
    // Folder events contribute no item id; moved items report both ids; duplicates collapse.
    expect(parsed.itemIds).toEqual(['AAMkItem1', 'AAMkItem2', 'AAMkItem3new', 'AAMkItem3']);
  });

  it('treats a lone StatusEvent as a heartbeat, whatever the namespace prefixes', () => {
    const parsed = parseEwsNotification(STATUS_ONLY);
    expect(parsed).toEqual({
      remoteSubscriptionId: 'SUB-1',
      previousWatermark: 'WM-1',
      lastWatermark: 'WM-2',
      heartbeat: true,
      moreEvents: false,
      itemIds: [],
    });
  });

  it('rejects an XXE payload before parsing', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
      <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><SendNotification>
      <ResponseMessages><SendNotificationResponseMessage><Notification><SubscriptionId>&xxe;</SubscriptionId>
      </Notification></SendNotificationResponseMessage></ResponseMessages></SendNotification></soap:Body></soap:Envelope>`;
    expectCode(() => parseEwsNotification(xxe), 'BAD_REQUEST');
  });

  it('rejects a billion-laughs payload quickly, without expanding it', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol9;</lolz>`;
    expectCode(() => parseEwsNotification(lol), 'BAD_REQUEST');
    // A lowercase or whitespace-padded declaration is refused too.
    expectCode(() => parseEwsNotification('<?xml version="1.0"?><!doctype x><x/>'), 'BAD_REQUEST');
    expectCode(() => parseEwsNotification('<x><!ENTITY  y "z"></x>'), 'BAD_REQUEST');
  });

  it('refuses oversize bodies, malformed XML and non-notifications', () => {
    expectCode(() => parseEwsNotification(MULTI_EVENT, 100), 'PAYLOAD_TOO_LARGE');
    expectCode(() => parseEwsNotification('<soap:Envelope><soap:Body><unclosed></soap:Body>'), 'BAD_REQUEST');
    expectCode(() => parseEwsNotification('<Envelope><Body><GetItem/></Body></Envelope>'), 'BAD_REQUEST');
    expectCode(
      () => parseEwsNotification(STATUS_ONLY.replace(/<SubscriptionId[^>]*>SUB-1<\/SubscriptionId>/, '')),
      'BAD_REQUEST',
    );
  });

  it('refuses an entity that is not predefined, and decodes the predefined ones and character references', () => {
    // Without a DTD nothing can define &xxe;: a parser that passed it through would hand it on.
    expectCode(() => parseEwsNotification(STATUS_ONLY.replace('SUB-1', 'SUB-&xxe;')), 'BAD_REQUEST');
    expectCode(() => parseEwsNotification(STATUS_ONLY.replace('</Notification>', '</Notificatio>')), 'BAD_REQUEST');
    expectCode(() => parseEwsNotification(`${STATUS_ONLY}<second/>`), 'BAD_REQUEST');
    const parsed = parseEwsNotification(STATUS_ONLY.replace('WM-2', 'WM&#x2B;2&amp;3'));
    expect(parsed.lastWatermark).toBe('WM+2&3');
  });
});

describe('ewsNotificationResponse', () => {
  it.each(['OK', 'Unsubscribe'] as const)('builds a SendNotificationResult with %s', (status) => {
    const xml = ewsNotificationResponse(status);
    const parsed = new XMLParser({ removeNSPrefix: true }).parse(xml) as {
      Envelope: { Body: { SendNotificationResult: { SubscriptionStatus: string } } };
    };
    expect(parsed.Envelope.Body.SendNotificationResult.SubscriptionStatus).toBe(status);
    expect(xml).toContain('xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"');
  });
});
