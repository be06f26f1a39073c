import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS4Client, type S4Client } from '../../../src/connectors/s4/index.js';
import { DEMO, startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';

/** API_CV_ATTACHMENT_SRV through the S/4 connector and raw HTTP, as SAP Gateway serves media entities. */
let emulator: S4Emulator;
let client: S4Client;

beforeAll(async () => {
  emulator = await startS4Emulator({ port: 0 });
  client = createS4Client(
    { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
    { resilience: { circuitBreaker: false, readRetries: 0, timeoutMs: 10_000 } },
  );
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
});

const auth = `Basic ${Buffer.from('TANDEM_COMM:demo-password').toString('base64')}`;
const service = () => `${emulator.url}/sap/opu/odata/sap/API_CV_ATTACHMENT_SRV`;

async function appointment(): Promise<string> {
  return (
    await client.createAppointment({
      processType: 'ZVIS',
      subject: 'With attachments',
      start: '2027-02-01T09:00:00Z',
      end: '2027-02-01T10:00:00Z',
      timeZone: 'Europe/Berlin',
      partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
    })
  ).uuid;
}

describe('S/4 attachments (API_CV_ATTACHMENT_SRV)', () => {
  it('adds an attachment to an appointment (POST with Slug and binary body), lists it (GetAllOriginals) and reads its bytes ($value)', async () => {
    const uuid = await appointment();
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
    const added = await client.addAttachment('BUS2000126', uuid, {
      name: 'Angebot Müller.pdf',
      contentType: 'application/pdf',
      content: bytes,
    });
    expect(added).toMatchObject({ name: 'Angebot Müller.pdf', contentType: 'application/pdf', size: bytes.length });
    const listed = await client.listAttachments('BUS2000126', uuid);
    expect(listed).toEqual([added]);
    expect(Buffer.compare(await client.getAttachmentContent(listed[0]!), bytes)).toBe(0);
    // Linked by the activity GUID as 32 upper-case hex digits; another object type lists nothing.
    expect(emulator.attachments.list()).toEqual([
      {
        objectType: 'BUS2000126',
        objectKey: uuid.replace(/-/g, '').toUpperCase(),
        fileName: 'Angebot Müller.pdf',
        mimeType: 'application/pdf',
        size: bytes.length,
      },
    ]);
    expect(await client.listAttachments('BUS2000125', uuid)).toEqual([]);
  });

  it('refuses a create without CSRF token (403 Required), without Slug (400) and for an object that does not exist (400)', async () => {
    const uuid = await appointment();
    const key = uuid.replace(/-/g, '').toUpperCase();
    const post = (headers: Record<string, string>) =>
      fetch(`${service()}/AttachmentContentSet`, {
        method: 'POST',
        body: 'x',
        headers: {
          authorization: auth,
          'content-type': 'text/plain',
          BusinessObjectTypeName: 'BUS2000126',
          LinkedSAPObjectKey: key,
          ...headers,
        },
      });
    const noToken = await post({ slug: 'a.txt' });
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get('x-csrf-token')).toBe('Required');

    const fetched = await fetch(`${service()}/`, {
      method: 'HEAD',
      headers: { authorization: auth, 'x-csrf-token': 'Fetch' },
    });
    const token = fetched.headers.get('x-csrf-token')!;
    const cookie = fetched.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect((await post({ 'x-csrf-token': token, cookie })).status).toBe(400);
    const unknown = await post({ 'x-csrf-token': token, cookie, slug: 'a.txt', LinkedSAPObjectKey: 'F'.repeat(32) });
    expect(unknown.status).toBe(400);
    const ok = await post({ 'x-csrf-token': token, cookie, slug: 'a.txt' });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('location')).toMatch(/AttachmentContentSet\(DocumentInfoRecordDocType='SAT',.*\)$/);
    const media = await fetch(`${ok.headers.get('location')}/$value`, { headers: { authorization: auth } });
    expect(media.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await media.text()).toBe('x');
  });
});
