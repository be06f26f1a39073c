import { executeHttpRequest } from '@sap-cloud-sdk/http-client';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';

let emulator: S4Emulator;
const AUTH = `Basic ${Buffer.from('TANDEM_COMM:demo-password').toString('base64')}`;
const APPT = '/sap/opu/odata/sap/OP_API_ACTIVITY_APPOINTMENT_SRV_0001';
const BP = '/sap/opu/odata/sap/API_BUSINESS_PARTNER';
const TANDEM_BP = '/sap/opu/odata/sap/ZTANDEM_BP_SRV';

beforeAll(async () => {
  emulator = await startS4Emulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { headers: { authorization: AUTH, accept: 'application/json', ...headers } });
}

async function fetchToken(): Promise<{ token: string; cookie: string }> {
  const response = await fetch(`${emulator.url}${APPT}/`, {
    method: 'HEAD',
    headers: { authorization: AUTH, 'X-CSRF-Token': 'fetch' },
  });
  expect(response.status).toBe(200);
  const token = response.headers.get('x-csrf-token') ?? '';
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { token, cookie };
}

function newAppointment(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ActivityProcessType: 'ZVIS',
    ActivityDescription: 'Raw',
    AppointmentStartDateTime: '/Date(1800000000000+0000)/',
    AppointmentEndDateTime: '/Date(1800003600000+0000)/',
    ActivityTimeZone: 'UTC',
    ...extra,
  };
}

describe('S/4 emulator — Gateway mechanics', () => {
  it('requires basic auth and a known client', async () => {
    const anonymous = await fetch(`${emulator.url}${BP}/A_BusinessPartner`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await get(`${BP}/A_BusinessPartner?sap-client=100&$top=1`)).status).toBe(200);
    expect((await get(`${BP}/A_BusinessPartner?sap-client=200`)).status).toBe(401);
    expect((await get(`${BP}/A_BusinessPartner`, { 'sap-client': '300' })).status).toBe(401);
  });

  it('rejects a write without CSRF token (403, x-csrf-token: Required) and accepts it with token + cookie', async () => {
    const body = JSON.stringify(newAppointment());
    const noToken = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body,
    });
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get('x-csrf-token')).toBe('Required');
    const { token, cookie } = await fetchToken();
    expect(token.length).toBeGreaterThan(10);
    const tokenWithoutCookie = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': token },
      body,
    });
    expect(tokenWithoutCookie.status).toBe(403);
    const wrongToken = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': 'guess', cookie },
      body,
    });
    expect(wrongToken.status).toBe(403);
    const ok = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': token, cookie },
      body,
    });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('location')).toMatch(/A_AppointmentActivity\(guid'[0-9a-f-]{36}'\)$/);
    expect(ok.headers.get('etag')).toMatch(/^W\/"datetimeoffset'/);
    // GET with "Fetch" (any case) also hands out a token.
    const viaGet = await get(`${BP}/A_BusinessPartner?$top=1`, { 'x-csrf-token': 'FeTcH' });
    expect(viaGet.headers.get('x-csrf-token')).toBeTruthy();
  });

  it('applies S/4 business checks (end after start) with Gateway error JSON', async () => {
    const { token, cookie } = await fetchToken();
    const response = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': token, cookie },
      body: JSON.stringify(newAppointment({ AppointmentEndDateTime: '/Date(1700000000000+0000)/' })),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; innererror: { application: { service_id: string } } };
    };
    expect(body.error.code).toBe('CRM_APPOINTMENT/004');
    expect(body.error.innererror.application.service_id).toBe('OP_API_ACTIVITY_APPOINTMENT_SRV_0001');
  });

  it('refuses request bodies over the size limit with 413', async () => {
    const { token, cookie } = await fetchToken();
    const huge = JSON.stringify(newAppointment({ ActivityLocation: 'x'.repeat(6 * 1024 * 1024) }));
    const response = await fetch(`${emulator.url}${APPT}/A_AppointmentActivity`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': token, cookie },
      body: huge,
    });
    expect(response.status).toBe(413);
  });

  it('enforces ETags: 428 without If-Match, 412 on mismatch, * accepted; MERGE via X-HTTP-Method', async () => {
    const { token, cookie } = await fetchToken();
    const write = (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> =>
      fetch(`${emulator.url}${path}`, {
        method,
        headers: { authorization: AUTH, 'content-type': 'application/json', 'x-csrf-token': token, cookie, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = await write('POST', `${APPT}/A_AppointmentActivity`, {}, newAppointment());
    const entity = (
      (await created.json()) as { d: { __metadata: { uri: string; etag: string }; ActivityUUID: string } }
    ).d;
    const path = `${APPT}/A_AppointmentActivity(guid'${entity.ActivityUUID}')`;
    expect((await write('PATCH', path, {}, { ActivityDescription: 'x' })).status).toBe(428);
    expect(
      (
        await write(
          'PATCH',
          path,
          { 'if-match': 'W/"datetimeoffset\'2000-01-01T00%3A00%3A00.0000000Z\'"' },
          { ActivityDescription: 'x' },
        )
      ).status,
    ).toBe(412);
    const merged = await write(
      'POST',
      path,
      { 'if-match': entity.__metadata.etag, 'x-http-method': 'MERGE' },
      { ActivityDescription: 'Merged' },
    );
    expect(merged.status).toBe(204);
    const newEtag = merged.headers.get('etag');
    expect(newEtag).not.toBe(entity.__metadata.etag);
    const stale = await write(
      'MERGE',
      path,
      { 'if-match': entity.__metadata.etag },
      { ActivityDescription: 'Lost update' },
    );
    expect(stale.status).toBe(412);
    const error = (await stale.json()) as {
      error: { code: string; message: { lang: string; value: string }; innererror: { errordetails: unknown[] } };
    };
    expect(error.error.message.lang).toBe('en');
    expect(error.error.innererror.errordetails.length).toBeGreaterThan(0);
    const read = await get(path);
    expect(read.headers.get('etag')).toBe(newEtag);
    expect(((await read.json()) as { d: { ActivityDescription: string } }).d.ActivityDescription).toBe('Merged');
    expect((await write('DELETE', path, { 'if-match': '*' })).status).toBe(204);
    expect((await get(path)).status).toBe(404);
  });

  it('answers queries: $filter, $select, $expand, $orderby, $top/$skip, $inlinecount, $count', async () => {
    const list = async (query: string): Promise<{ __count?: string; results: Record<string, unknown>[] }> => {
      const response = await get(`${BP}/A_BusinessPartner?${query}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { d: { __count?: string; results: Record<string, unknown>[] } }).d;
    };
    const persons = await list(
      `$filter=${encodeURIComponent("BusinessPartnerCategory eq '1' and (substringof('Muster', LastName) or FirstName eq 'Jan')")}&$orderby=LastName desc&$select=BusinessPartner,LastName&$inlinecount=allpages`,
    );
    expect(persons.results.map((r) => r.LastName)).toEqual(['Mustermann', 'Musterfrau', 'Jansen']);
    expect(persons.__count).toBe('3');
    expect(Object.keys(persons.results[0] ?? {}).sort()).toEqual(['BusinessPartner', 'LastName', '__metadata']);
    const page = await list('$orderby=BusinessPartner&$top=2&$skip=1&$inlinecount=allpages');
    expect(page.results).toHaveLength(2);
    expect(Number(page.__count)).toBeGreaterThan(5);
    const expanded = await list(
      `$filter=BusinessPartner eq '${DEMO.contacts.max}'&$expand=to_BusinessPartnerAddress/to_EmailAddress,to_BusinessPartnerAddress/to_MobilePhoneNumber`,
    );
    const address = (expanded.results[0]?.to_BusinessPartnerAddress as { results: Record<string, unknown>[] })
      .results[0] as Record<string, unknown>;
    expect((address.to_EmailAddress as { results: { EmailAddress: string }[] }).results[0]?.EmailAddress).toBe(
      'max.mustermann@contoso.example',
    );
    expect((address.to_MobilePhoneNumber as { results: unknown[] }).results).toHaveLength(1);
    expect((address.to_PhoneNumber as { __deferred: { uri: string } }).__deferred.uri).toContain('/to_PhoneNumber');
    const count = await get(
      `${BP}/A_BusinessPartner/$count?$filter=${encodeURIComponent("BusinessPartnerCategory eq '2'")}`,
    );
    expect(await count.text()).toBe('2');
    const inWindow = await get(
      `${APPT}/A_AppointmentActivity?$filter=${encodeURIComponent("AppointmentStartDateTime ge datetimeoffset'2000-01-01T00:00:00+01:00' and ActivityTimeZone ne 'UTC'")}&$inlinecount=allpages&$top=0`,
    );
    expect(((await inWindow.json()) as { d: { __count: string } }).d.__count).toBe('4');
    const byKey = await get(
      `${TANDEM_BP}/BPRelationship?$filter=${encodeURIComponent("ValidityEndDate eq datetime'9999-12-31T00:00:00' and RelationshipCategory eq 'BUR011'")}`,
    );
    expect(((await byKey.json()) as { d: { results: unknown[] } }).d.results).toHaveLength(2);
    // Form-style '+' for spaces, and an unencoded '+' of a time-zone offset, both as clients send them.
    const formStyle = await get(
      `${APPT}/A_AppointmentActivity/$count?$filter=AppointmentStartDateTime+ge+datetimeoffset'2000-01-01T00:00:00+01:00'+and+ActivityProcessType+eq+'ZVIS'`,
    );
    expect(await formStyle.text()).toBe('4');
    const bad = await get(`${BP}/A_BusinessPartner?$filter=${encodeURIComponent('NoSuchField eq 1')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: { value: string } } }).error.message.value).toContain(
      'NoSuchField',
    );
    expect((await get(`${BP}/A_NoSuchSet`)).status).toBe(404);
    expect((await get('/sap/opu/odata/sap/NO_SUCH_SRV/X')).status).toBe(404);
  });

  it('serves DateTimeOffset with the local offset of the activity time zone and a parseable $metadata', async () => {
    const response = await get(
      `${APPT}/A_AppointmentActivity?$filter=${encodeURIComponent("substringof('DST', ActivityDescription)")}`,
    );
    const [dst] = (
      (await response.json()) as {
        d: { results: { AppointmentStartDateTime: string; AppointmentEndDateTime: string }[] };
      }
    ).d.results;
    const offsets = [dst?.AppointmentStartDateTime, dst?.AppointmentEndDateTime].map(
      (v) => /([+-]\d{4})\)\/$/.exec(v ?? '')?.[1],
    );
    expect(new Set(offsets)).toEqual(new Set(['+0060', '+0120']));

    const metadata = await get(`${APPT}/$metadata`);
    const xml = await metadata.text();
    expect(xml).not.toMatch(/<!DOCTYPE|<!ENTITY/);
    type Named = { '@_Name': string };
    type Edmx = {
      'edmx:Edmx': {
        'edmx:DataServices': {
          Schema: { EntityType: Named[]; Association: Named[]; EntityContainer: { EntitySet: Named[] } };
        };
      };
    };
    const schema = (new XMLParser({ ignoreAttributes: false }).parse(xml) as Edmx)['edmx:Edmx']['edmx:DataServices']
      .Schema;
    expect(schema.EntityType.map((t) => t['@_Name'])).toContain('A_AppointmentActivityType');
    expect(schema.Association.map((a) => a['@_Name'])).toContain('assoc_A_AppointmentActivity_to_Partner');
    expect(schema.EntityContainer.EntitySet.map((s) => s['@_Name'])).toEqual([
      'A_AppointmentActivity',
      'A_AppointmentActivityPartner',
      'A_AppointmentActivityText',
    ]);
  });

  it('is usable with the Cloud SDK directly (executeHttpRequest with CSRF fetch)', async () => {
    const destination = { url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' };
    const created = await executeHttpRequest(
      destination,
      {
        method: 'post',
        url: `${APPT}/A_AppointmentActivity`,
        data: newAppointment({ ActivityDescription: 'Via SDK' }),
      },
      { fetchCsrfToken: true },
    );
    expect(created.status).toBe(201);
    const uuid = (created.data as { d: { ActivityUUID: string } }).d.ActivityUUID;
    const read = await executeHttpRequest(destination, {
      method: 'get',
      url: `${APPT}/A_AppointmentActivity(guid'${uuid}')`,
    });
    expect((read.data as { d: { ActivityDescription: string } }).d.ActivityDescription).toBe('Via SDK');
    const etag = read.headers.etag as string;
    const patched = await executeHttpRequest(
      destination,
      {
        method: 'patch',
        url: `${APPT}/A_AppointmentActivity(guid'${uuid}')`,
        headers: { 'if-match': etag },
        data: { ActivityPriority: '1' },
      },
      { fetchCsrfToken: true },
    );
    expect(patched.status).toBe(204);
    // Without the CSRF middleware the same write is refused.
    const refused = await executeHttpRequest(
      destination,
      {
        method: 'patch',
        url: `${APPT}/A_AppointmentActivity(guid'${uuid}')`,
        headers: { 'if-match': '*' },
        data: { ActivityPriority: '9' },
      },
      { fetchCsrfToken: false },
    ).then(
      () => undefined,
      (e: { response?: { status: number; headers: Record<string, string> } }) => e.response,
    );
    expect(refused?.status).toBe(403);
    expect(refused?.headers['x-csrf-token']).toBe('Required');
  });
});

describe('S/4 emulator — $batch', () => {
  const batchBody = (boundary: string, changeset: string, requests: string[], query?: string): string =>
    [
      ...(query
        ? [
            `--${boundary}`,
            'Content-Type: application/http',
            'Content-Transfer-Encoding: binary',
            '',
            `GET ${query} HTTP/1.1`,
            'Accept: application/json',
            '',
            '',
          ]
        : []),
      `--${boundary}`,
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      ...requests.flatMap((r) => [
        `--${changeset}`,
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        r,
        '',
      ]),
      `--${changeset}--`,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
  const post = (path: string, body: unknown): string =>
    `POST ${path} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}`;

  async function sendBatch(body: string): Promise<string> {
    const { token, cookie } = await fetchToken();
    const response = await fetch(`${emulator.url}${APPT}/$batch`, {
      method: 'POST',
      body,
      headers: { authorization: AUTH, 'content-type': 'multipart/mixed; boundary=b1', 'x-csrf-token': token, cookie },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=/);
    return response.text();
  }

  it('commits a changeset as a whole', async () => {
    const before = emulator.list('A_AppointmentActivity').length;
    const text = await sendBatch(
      batchBody(
        'b1',
        'c1',
        [
          post('A_AppointmentActivity', newAppointment({ ActivityDescription: 'Batch 1' })),
          post(
            '/sap/opu/odata/sap/OP_API_ACTIVITY_APPOINTMENT_SRV_0001/A_AppointmentActivity',
            newAppointment({ ActivityDescription: 'Batch 2' }),
          ),
        ],
        'A_AppointmentActivity/$count',
      ),
    );
    expect(text.match(/HTTP\/1\.1 201 Created/g)).toHaveLength(2);
    expect(text.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n(\d+)/m)?.[1]).toBe(String(before));
    expect(text).toMatch(/HTTP\/1\.1 200 OK/);
    expect(emulator.list('A_AppointmentActivity').length).toBe(before + 2);
  });

  it('rolls back every operation of a changeset when one fails', async () => {
    const before = emulator.list('A_AppointmentActivity').length;
    const seeded = emulator.list('A_AppointmentActivity')[0]!;
    const text = await sendBatch(
      batchBody('b1', 'c1', [
        post('A_AppointmentActivity', newAppointment({ ActivityDescription: 'Would be created' })),
        `MERGE A_AppointmentActivity(guid'${String(seeded.ActivityUUID)}') HTTP/1.1\r\nContent-Type: application/json\r\nIf-Match: *\r\n\r\n${JSON.stringify({ ActivityDescription: 'Would be changed' })}`,
        post('A_AppointmentActivity', newAppointment({ ActivityProcessType: 'ZBAD' })),
      ]),
    );
    expect(text).not.toMatch(/201 Created/);
    expect(text).toMatch(/HTTP\/1\.1 400 Bad Request/);
    expect(text).toContain('Transaction type ZBAD');
    expect(emulator.list('A_AppointmentActivity').length).toBe(before);
    expect(
      emulator
        .list('A_AppointmentActivity')
        .some((r) => r.ActivityDescription === 'Would be changed' || r.ActivityDescription === 'Would be created'),
    ).toBe(false);
    // …and nothing of it was announced as an event.
    expect(emulator.events().some((e) => e.event.type.endsWith('Created.v1'))).toBe(false);
  });
});

describe('S/4 emulator — fault and inspection API', () => {
  it('injects faults and latency, lists store rows and resets', async () => {
    const inject = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, status: 503, pathContains: 'A_BusinessPartner', retryAfterSeconds: 3 }),
    });
    expect(inject.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const failed = await get(`${BP}/A_BusinessPartner?$top=1`);
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('3');
    }
    expect((await get(`${BP}/A_BusinessPartner?$top=1`)).status).toBe(200);
    const invalid = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 200 }),
    });
    expect(invalid.status).toBe(400);
    const rows = (await (await fetch(`${emulator.url}/_emulator/store/BPRelationship`)).json()) as unknown[];
    expect(rows).toHaveLength(2);
    await fetch(`${emulator.url}/_emulator/latency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 150 }),
    });
    const started = Date.now();
    await get(`${BP}/A_BusinessPartner?$top=1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emulator.faults.latencyMs).toBe(0);
  });

  it('offers the browser page and its forms change data', async () => {
    const page = await fetch(`${emulator.url}/ui`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Visit Contoso');
    const form = new URLSearchParams({
      processType: 'ZVIS',
      subject: 'Made in the GUI',
      start: '2027-05-03T10:00',
      end: '2027-05-03T11:00',
      timeZone: 'CET',
      note: 'hello',
      employee: DEMO.employees.alice,
      contact: DEMO.contacts.max,
    });
    const created = await fetch(`${emulator.url}/ui/appointments`, { method: 'POST', body: form, redirect: 'manual' });
    expect(created.status).toBe(303);
    const row = emulator.list('A_AppointmentActivity').find((r) => r.ActivityDescription === 'Made in the GUI');
    // 10:00 CEST on 3 May 2027 = 08:00 UTC.
    expect(row?.AppointmentStartDateTime).toBe(Date.UTC(2027, 4, 3, 8));
    expect(emulator.list('A_AppointmentActivityText').find((t) => t.ActivityUUID === row?.ActivityUUID)?.LongText).toBe(
      'hello',
    );
  });
});
