import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  appointmentFromXml,
  calendarFolder,
  createItemRequest,
  firstItem,
  getItemBody,
} from '../../../src/connectors/exchange/ews/soap-appointments.js';
import { requestTemplate } from '../../../src/connectors/exchange/ews/soap-call.js';
import {
  decodeXml,
  envelope,
  responseMessages,
  soapBody,
  SoapReadError,
} from '../../../src/connectors/exchange/ews/soap-xml.js';
import { TANDEM_PROPERTY_SET_ID } from '../../../src/connectors/exchange/stamp-names.js';
import type { Appointment, AppointmentDraft, Stamp } from '../../../src/connectors/exchange/types.js';
import { orderFor } from '../../../src/emulators/ews/item-schema.js';
import { ENV, libraryCreateRequest, libraryGetItems, recordingService } from './library-reference.js';

/**
 * The SOAP Tandem writes for appointments against what ews-javascript-api writes for the same
 * draft (element trees, escaped text compared as sent), and what it reads from an answer against
 * what the library reads from the same answer.
 */

type Tree = { name: string; attributes: Record<string, string>; text: string; children: Tree[] };
const treeParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

/** An element tree: names with their prefix, attributes, text exactly as written (entities undecoded). */
function tree(xml: string): Tree[] {
  const convert = (entries: Array<Record<string, unknown>>): Tree[] =>
    entries
      .filter((entry) => !('#text' in entry))
      .map((entry) => {
        const name = Object.keys(entry).find((key) => key !== ':@')!;
        const children = entry[name] as Array<Record<string, unknown>>;
        return {
          name,
          attributes: { ...((entry[':@'] as Record<string, string>) ?? {}) },
          text: children
            .filter((child) => '#text' in child)
            .map((child) => String(child['#text']))
            .join(''),
          children: convert(children),
        };
      });
  return convert(treeParser.parse(xml) as Array<Record<string, unknown>>);
}

const BERLIN: AppointmentDraft = {
  subject: 'R&D <Q1> ]]> "review" \'s',
  body: { type: 'html', content: '<p>Agenda &amp; <b>notes</b></p> ]]>' },
  start: '2026-03-29T00:30:00.000Z',
  end: '2026-03-29T02:30:00.000Z',
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: 'Walldorf <WDF03> & "B"',
  categories: ['S/4HANA', 'A&B <c>'],
  sensitivity: 'confidential',
  importance: 'high',
  showAs: 'oof',
  reminderMinutesBeforeStart: 30,
  attendees: [
    { email: 'bob@demo.example', name: 'Bob <B&B>', type: 'required' },
    { email: 'carol@demo.example', type: 'optional' },
    { email: 'room-1@demo.example', name: 'Room ]]>', type: 'resource' },
  ],
};
const STAMP: Stamp = { s4Key: 'ACT-<1>&"2"', hash: 'h]]>&' };

const DRAFTS: Array<[string, AppointmentDraft]> = [
  ['hostile values, a DST day in Berlin, every attendee kind', BERLIN],
  [
    'UTC, all day, text body, no reminder, no attendees or categories',
    {
      ...BERLIN,
      subject: 'Plain',
      body: { type: 'text', content: 'line 1\nline 2\u0001\u0008' },
      start: '2026-07-01T00:00:00Z',
      end: '2026-07-02T00:00:00Z',
      timeZone: 'UTC',
      isAllDay: true,
      categories: [],
      attendees: [],
      sensitivity: 'normal',
      importance: 'low',
      showAs: 'free',
      reminderMinutesBeforeStart: undefined,
    },
  ],
  [
    'New York, no showAs and no reminder key',
    (() => {
      const { showAs: _showAs, reminderMinutesBeforeStart: _reminder, ...rest } = BERLIN;
      return {
        ...rest,
        timeZone: 'America/New_York',
        start: '2026-11-01T05:30:00.000Z',
        end: '2026-11-01T07:00:00.000Z',
      };
    })(),
  ],
];

/** The CreateItem envelope as ews-context.ts `soap` sends it for this service. */
function soapCreateRequest(
  draft: AppointmentDraft,
  stamp: Stamp,
  impersonate: boolean,
  mailbox = 'alice@demo.example',
) {
  const { service } = recordingService('', { impersonate, mailbox });
  const request = createItemRequest(calendarFolder(impersonate ? undefined : mailbox), draft, stamp);
  return envelope(
    {
      version: requestTemplate(service).version,
      ...(impersonate ? { impersonate: mailbox } : {}),
      ...(request.timeZoneContext ? { timeZoneContext: request.timeZoneContext } : {}),
    },
    request.body,
  );
}

describe("CreateItem of an appointment: the SOAP Tandem writes is the library's", () => {
  for (const [name, draft] of DRAFTS) {
    it(name, async () => {
      const library = await libraryCreateRequest(draft, STAMP);
      const ours = soapCreateRequest(draft, STAMP, true);
      expect(tree(ours)).toEqual(tree(library));
    });
  }

  it('for delegate access (the calendar qualified with the mailbox, no impersonation header)', async () => {
    const mailbox = "o'brien&co@demo.example";
    const library = await libraryCreateRequest(BERLIN, STAMP, { impersonate: false, mailbox });
    expect(tree(soapCreateRequest(BERLIN, STAMP, false, mailbox))).toEqual(tree(library));
  });

  it('for Exchange 2013 (RequestServerVersion)', async () => {
    const env = { ...ENV, ews: { ...ENV.ews, serverVersion: 'Exchange2013' } } as typeof ENV;
    const library = await libraryCreateRequest(BERLIN, STAMP, { env });
    const { service } = recordingService('', { env });
    const ours = envelope(
      { version: requestTemplate(service).version, impersonate: 'alice@demo.example' },
      createItemRequest(calendarFolder(undefined), BERLIN, STAMP).body,
    );
    expect(requestTemplate(service).version).toBe('Exchange2013');
    expect(tree(ours)).toEqual(tree(library));
  });

  it('writes every hostile value escaped: one Subject element, text intact after decoding', () => {
    const xml = soapCreateRequest(BERLIN, STAMP, true);
    expect(xml).not.toContain(']]>');
    expect(xml).toContain('<t:Subject>R&amp;D &lt;Q1&gt; ]]&gt; &quot;review&quot; &apos;s</t:Subject>');
    expect(xml.match(/<t:Subject>/g)).toHaveLength(1);
    const item = tree(xml)[0]!.children[1]!.children[0]!.children[1]!.children[0]!;
    expect(item.name).toBe('t:CalendarItem');
    expect(decodeXml(item.children.find((c) => c.name === 't:Subject')!.text)).toBe(BERLIN.subject);
    // Characters XML 1.0 cannot carry are dropped, never written raw.
    expect(soapCreateRequest(DRAFTS[1]![1], STAMP, true)).toContain('line 1\nline 2</t:Body>');
  });

  it("writes the CalendarItem children in the schema order (the EWS emulator's Types.xsd list)", () => {
    const xml = soapCreateRequest(BERLIN, STAMP, true);
    const item = tree(xml)[0]!.children[1]!.children[0]!.children[1]!.children[0]!;
    const names = item.children.map((child) => child.name.slice(2));
    const order = orderFor('CalendarItem');
    const positions = names.map((childName) => order.indexOf(childName));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('GetItem of appointments', () => {
  it("sends the library's request: AllProperties, the stamp and the calendar properties", async () => {
    const ids = ['AAMkAG+/1=', 'AAMkAG2='];
    const { request } = await libraryGetItems(ids, answer(ids.map((id) => calendarItem(id, '')).join('')));
    const { service } = recordingService('');
    const ours = envelope(
      { version: requestTemplate(service).version, impersonate: 'alice@demo.example' },
      getItemBody(ids),
    );
    expect(tree(ours)).toEqual(tree(request));
    // Ids are base64 from Exchange; anything else is still escaped, never written raw.
    expect(getItemBody(['a"b<c&'])).toContain('<t:ItemId Id="a&quot;b&lt;c&amp;"/>');
  });

  for (const [name, items] of Object.entries(ANSWERS())) {
    it(`reads what the library reads: ${name}`, async () => {
      const xml = answer(items);
      const ids = [...xml.matchAll(/<t:ItemId Id="([^"]+)"/g)].map((match) => match[1]!);
      const { appointments } = await libraryGetItems(ids, xml, { seriesMasterId: 'AAMkMaster' });
      const ours = readAnswer(xml, { seriesMasterId: 'AAMkMaster' });
      expect(ours).toEqual(appointments);
      expect(ours.length).toBe(ids.length);
    });
  }

  it('decodes entities and character references once, and trims text as the library does', () => {
    const [item] = readAnswer(
      answer(
        calendarItem(
          'AAMk1',
          '<t:Subject>  a &amp;lt; b &#x1F600; &#169; &amp;amp;  </t:Subject><t:Location>&lt;![CDATA[x]]&gt;</t:Location>',
        ),
      ),
    );
    expect(item!.subject).toBe('a &lt; b \u{1F600} \u00A9 &amp;');
    expect(item!.location).toBe('<![CDATA[x]]>');
  });

  it('reads a dateTime with fractions and an offset (which the library reads as missing)', () => {
    const [item] = readAnswer(
      answer(
        calendarItem('AAMk1', '<t:Start>2026-07-01T00:00:00.000+02:00</t:Start><t:End>2026-07-01T01:00:00</t:End>'),
      ),
    );
    expect(item).toMatchObject({ start: '2026-06-30T22:00:00.000Z', end: '2026-07-01T01:00:00.000Z' });
  });

  it('refuses an answer with a DTD (no entity is ever expanded)', () => {
    const evil = `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "boom">]>${answer(calendarItem('AAMk1', '<t:Subject>&x;</t:Subject>'))}`;
    expect(() => soapBody(evil)).toThrow(SoapReadError);
    expect(() => soapBody('<html><body>proxy</body></html>')).toThrow(SoapReadError);
    expect(() => soapBody('<s:Envelope')).toThrow(SoapReadError);
  });

  it('reads Error response messages with their code, text and MessageXml', () => {
    const xml = answer(
      '',
      '<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>Busy &amp; busy</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:MessageXml><t:Value Name="BackOffMilliseconds">2500</t:Value></m:MessageXml><m:Items/></m:GetItemResponseMessage>',
    );
    const [message] = responseMessages(soapBody(xml), 'GetItem');
    expect(message).toMatchObject({
      success: false,
      code: 'ErrorServerBusy',
      messageText: 'Busy & busy',
      messageXml: { BackOffMilliseconds: '2500' },
    });
  });
});

function readAnswer(xml: string, context: { seriesMasterId?: string } = {}): Appointment[] {
  return responseMessages(soapBody(xml), 'GetItem')
    .filter((message) => message.success)
    .map((message) => appointmentFromXml(firstItem(message.element)!, context));
}

function answer(items: string, extraMessages = ''): string {
  const messages = items
    .split('\u0000')
    .filter(Boolean)
    .map(
      (item) =>
        `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>${item}</m:Items></m:GetItemResponseMessage>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>' +
    '<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/>' +
    '</s:Header><s:Body>\n<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">' +
    `<m:ResponseMessages>${messages}${extraMessages}</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`
  );
}

function calendarItem(id: string, elements: string): string {
  return `<t:CalendarItem><t:ItemId Id="${id}" ChangeKey="CK-${id}"/>${elements}</t:CalendarItem>\u0000`;
}

const ZONE = `<t:StartTimeZone Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna">
<t:Periods><t:Period Bias="-PT1H" Name="Standard" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Standard"/>
<t:Period Bias="-PT2H" Name="Daylight" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight"/></t:Periods>
<t:TransitionsGroups><t:TransitionsGroup Id="0">
<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight</t:To><t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>
<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Standard</t:To><t:TimeOffset>PT3H</t:TimeOffset><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>
</t:TransitionsGroup></t:TransitionsGroups>
<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>
</t:StartTimeZone>`;

const stampXml = (s4Key: string, hash: string) =>
  `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID.toUpperCase()}" PropertyName="TandemS4Key" PropertyType="String"/><t:Value>${s4Key}</t:Value></t:ExtendedProperty>` +
  `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="TandemHash" PropertyType="String"/><t:Value>${hash}</t:Value></t:ExtendedProperty>` +
  '<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="00020329-0000-0000-c000-000000000046" PropertyName="TandemS4Key" PropertyType="String"/><t:Value>not ours</t:Value></t:ExtendedProperty>';

const master = (id: string, recurrence: string, deleted = '') =>
  calendarItem(
    id,
    `<t:Subject>Series ${id}</t:Subject><t:Body BodyType="Text">weekly</t:Body>${stampXml('ACT-S', 'h')}<t:LastModifiedTime>2026-03-01T10:00:00Z</t:LastModifiedTime>` +
      `<t:Start>2026-03-02T08:00:00Z</t:Start><t:End>2026-03-02T09:00:00Z</t:End><t:IsAllDayEvent>false</t:IsAllDayEvent><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>` +
      `<t:CalendarItemType>RecurringMaster</t:CalendarItemType><t:Recurrence>${recurrence}</t:Recurrence>${deleted}${ZONE}`,
  );

/** GetItem answers as Exchange Server and the EWS emulator write them. */
function ANSWERS(): Record<string, string> {
  return {
    'a single appointment as Exchange Server writes it (pretty-printed, full TimeZoneDefinition)': calendarItem(
      'AAMkADk=',
      `
<t:Subject>R&amp;D review &lt;Q1&gt; ]]&gt;</t:Subject>
<t:Sensitivity>Confidential</t:Sensitivity>
<t:Body BodyType="HTML">&lt;html&gt;&lt;body&gt;Agenda &amp;amp; more&lt;/body&gt;&lt;/html&gt;</t:Body>
<t:Categories><t:String>S/4HANA</t:String><t:String>A &amp; B</t:String></t:Categories>
<t:Importance>High</t:Importance>
<t:HasAttachments>true</t:HasAttachments>
${stampXml('ACT-7 &lt;x&gt;', 'abc')}
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
<t:RequiredAttendees><t:Attendee><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@demo.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox><t:ResponseType>Accept</t:ResponseType></t:Attendee><t:Attendee><t:Mailbox><t:EmailAddress>eve@demo.example</t:EmailAddress></t:Mailbox><t:ResponseType>Unknown</t:ResponseType></t:Attendee></t:RequiredAttendees>
<t:OptionalAttendees><t:Attendee><t:Mailbox><t:Name>Carol</t:Name><t:EmailAddress>carol@demo.example</t:EmailAddress></t:Mailbox><t:ResponseType>Decline</t:ResponseType></t:Attendee></t:OptionalAttendees>
<t:Resources><t:Attendee><t:Mailbox><t:EmailAddress>room@demo.example</t:EmailAddress></t:Mailbox><t:ResponseType>NoResponseReceived</t:ResponseType></t:Attendee></t:Resources>
${ZONE}
`,
    ),
    'a minimal item (nothing but its id), an all-day item with offsets, reminder off': [
      calendarItem('AAMkMin', ''),
      calendarItem(
        'AAMkDay',
        '<t:Subject></t:Subject><t:Sensitivity>Private</t:Sensitivity><t:Importance>Low</t:Importance><t:ReminderIsSet>false</t:ReminderIsSet><t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart>' +
          '<t:Start>2026-07-01T00:00:00+02:00</t:Start><t:End>2026-07-02T00:00:00+02:00</t:End><t:IsAllDayEvent>true</t:IsAllDayEvent><t:LegacyFreeBusyStatus>WorkingElsewhere</t:LegacyFreeBusyStatus>' +
          '<t:StartTimeZone Id="Eastern Standard Time" Name="(UTC-05:00) Eastern Time (US &amp; Canada)"/>',
      ),
    ].join(''),
    'series masters: weekly (no FirstDayOfWeek), numbered, with deleted occurrences': master(
      'AAMkW',
      '<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Monday Wednesday Friday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-02+01:00</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>',
      '<t:DeletedOccurrences><t:DeletedOccurrence><t:Start>2026-03-04T08:00:00Z</t:Start></t:DeletedOccurrence><t:DeletedOccurrence><t:Start>2026-03-16T08:00:00Z</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>',
    ),
    'series masters: weekly from Monday with an end date, daily without end': [
      master(
        'AAMkW2',
        '<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:EndDateRecurrence><t:StartDate>2026-03-03</t:StartDate><t:EndDate>2026-06-30Z</t:EndDate></t:EndDateRecurrence>',
      ),
      master(
        'AAMkD',
        '<t:DailyRecurrence><t:Interval>3</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2026-03-02Z</t:StartDate></t:NoEndRecurrence>',
      ),
    ].join(''),
    'series masters: monthly and yearly, absolute and relative': [
      master(
        'AAMkAM',
        '<t:AbsoluteMonthlyRecurrence><t:Interval>2</t:Interval><t:DayOfMonth>31</t:DayOfMonth></t:AbsoluteMonthlyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-31</t:StartDate></t:NoEndRecurrence>',
      ),
      master(
        'AAMkRM',
        '<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Thursday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-29</t:StartDate><t:NumberOfOccurrences>12</t:NumberOfOccurrences></t:NumberedRecurrence>',
      ),
      master(
        'AAMkAY',
        '<t:AbsoluteYearlyRecurrence><t:DayOfMonth>14</t:DayOfMonth><t:Month>February</t:Month></t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2026-02-14</t:StartDate></t:NoEndRecurrence>',
      ),
      master(
        'AAMkRY',
        '<t:RelativeYearlyRecurrence><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex><t:Month>November</t:Month></t:RelativeYearlyRecurrence><t:EndDateRecurrence><t:StartDate>2026-11-10</t:StartDate><t:EndDate>2030-12-31</t:EndDate></t:EndDateRecurrence>',
      ),
    ].join(''),
    'an occurrence and an exception with their original start': [
      calendarItem(
        'AAMkOcc',
        '<t:Subject>Series</t:Subject><t:Start>2026-03-09T08:00:00Z</t:Start><t:End>2026-03-09T09:00:00Z</t:End><t:OriginalStart>2026-03-09T08:00:00Z</t:OriginalStart><t:CalendarItemType>Occurrence</t:CalendarItemType>',
      ),
      calendarItem(
        'AAMkExc',
        '<t:Subject>Moved</t:Subject><t:Start>2026-03-10T12:00:00Z</t:Start><t:End>2026-03-10T13:00:00Z</t:End><t:OriginalStart>2026-03-09T08:00:00Z</t:OriginalStart><t:CalendarItemType>Exception</t:CalendarItemType>',
      ),
    ].join(''),
  };
}
