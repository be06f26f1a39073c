import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ews from 'ews-javascript-api';
import { appointmentFromEws } from '../../../src/connectors/exchange/ews/appointment-mapping.js';
import { fullPropertySet } from '../../../src/connectors/exchange/ews/item-operations.js';
import { TANDEM_PROPERTY_SET_ID } from '../../../src/connectors/exchange/stamp-names.js';

/**
 * Reading an appointment the way Exchange Server returns it: StartTimeZone as a full
 * TimeZoneDefinition (periods, transition groups, transitions) — which is what
 * ews-javascript-api needs to resolve the zone (the EWS emulator sends only Id/Name) — and the
 * stamp as named extended properties of our property set.
 */
const START_TIME_ZONE = `<t:StartTimeZone Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna">
<t:Periods>
<t:Period Bias="-PT1H" Name="Standard" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Standard"/>
<t:Period Bias="-PT2H" Name="Daylight" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight"/>
</t:Periods>
<t:TransitionsGroups><t:TransitionsGroup Id="0">
<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight</t:To><t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>
<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Standard</t:To><t:TimeOffset>PT3H</t:TimeOffset><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>
</t:TransitionsGroup></t:TransitionsGroups>
<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>
</t:StartTimeZone>`;

const GET_ITEM_RESPONSE = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>
<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/>
</s:Header><s:Body>
<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>
<t:CalendarItem>
<t:ItemId Id="AAMkADk=" ChangeKey="DwAAABYA"/>
<t:Subject>R&amp;D review</t:Subject>
<t:Sensitivity>Confidential</t:Sensitivity>
<t:Body BodyType="HTML">&lt;html&gt;&lt;body&gt;Agenda&lt;/body&gt;&lt;/html&gt;</t:Body>
<t:Categories><t:String>S/4HANA</t:String></t:Categories>
<t:Importance>High</t:Importance>
<t:HasAttachments>false</t:HasAttachments>
<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="TandemS4Key" PropertyType="String"/><t:Value>ACT-7</t:Value></t:ExtendedProperty>
<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="TandemHash" PropertyType="String"/><t:Value>abc</t:Value></t:ExtendedProperty>
<t:LastModifiedTime>2026-03-01T10:00:00Z</t:LastModifiedTime>
<t:ReminderIsSet>true</t:ReminderIsSet>
<t:ReminderMinutesBeforeStart>30</t:ReminderMinutesBeforeStart>
<t:Start>2026-04-14T07:00:00Z</t:Start>
<t:End>2026-04-14T08:30:00Z</t:End>
<t:IsAllDayEvent>false</t:IsAllDayEvent>
<t:LegacyFreeBusyStatus>Tentative</t:LegacyFreeBusyStatus>
<t:Location>Walldorf</t:Location>
<t:CalendarItemType>Single</t:CalendarItemType>
<t:Organizer><t:Mailbox><t:Name>Alice</t:Name><t:EmailAddress>alice@demo.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:Organizer>
<t:RequiredAttendees><t:Attendee><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@demo.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox><t:ResponseType>Accept</t:ResponseType></t:Attendee></t:RequiredAttendees>
${START_TIME_ZONE}
</t:CalendarItem>
</m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(GET_ITEM_RESPONSE);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

describe('appointmentFromEws on an Exchange Server response', () => {
  it('maps every field, the IANA zone from the TimeZoneDefinition and the stamp', async () => {
    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016, ews.TimeZoneInfo.Utc);
    service.Url = new ews.Uri(url);
    service.Credentials = new ews.WebCredentials('svc', 'pw');
    service.XHRApi = new ews.XhrApi({ timeout: 2_000 });
    const item = await ews.Appointment.Bind(service, new ews.ItemId('AAMkADk='), fullPropertySet('appointment'));
    expect(appointmentFromEws(item)).toEqual({
      id: 'AAMkADk=',
      changeKey: 'DwAAABYA',
      type: 'single',
      subject: 'R&D review',
      body: { type: 'html', content: '<html><body>Agenda</body></html>' },
      start: '2026-04-14T07:00:00.000Z',
      end: '2026-04-14T08:30:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      location: 'Walldorf',
      categories: ['S/4HANA'],
      sensitivity: 'confidential',
      importance: 'high',
      showAs: 'tentative',
      reminderMinutesBeforeStart: 30,
      organizer: { email: 'alice@demo.example', name: 'Alice' },
      attendees: [{ email: 'bob@demo.example', name: 'Bob', type: 'required', response: 'accepted' }],
      hasAttachments: false,
      stamp: { s4Key: 'ACT-7', hash: 'abc' },
      lastModified: '2026-03-01T10:00:00.000Z',
    });
  });
});
