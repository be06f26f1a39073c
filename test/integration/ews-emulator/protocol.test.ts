import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { child, childText, parseXml, path } from '../../../src/emulators/ews/xml.js';

let emu: EwsEmulator;
const BASIC = `Basic ${Buffer.from('svc@demo.example:demo-password').toString('base64')}`;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false });
});
afterAll(async () => {
  await emu.close();
});

async function soap(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(emu.ewsUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', authorization: BASIC, ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const ENV = (header: string, body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
const IMPERSONATE = (smtp: string) =>
  `<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${smtp}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;

function faultCode(text: string): string | undefined {
  const doc = parseXml(text);
  return childText(path(doc, 'Body', 'Fault', 'detail'), 'ResponseCode');
}

describe('SOAP envelope handling', () => {
  it('parses any namespace prefixes (and default namespaces) and answers with ServerVersionInfo', async () => {
    const body =
      '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header>' +
      '<ExchangeImpersonation xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><ConnectingSID><PrimarySmtpAddress>alice@demo.example</PrimarySmtpAddress></ConnectingSID></ExchangeImpersonation>' +
      '</env:Header><env:Body><GetFolder xmlns="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:q="http://schemas.microsoft.com/exchange/services/2006/types">' +
      '<FolderShape><q:BaseShape>AllProperties</q:BaseShape></FolderShape><FolderIds><q:DistinguishedFolderId Id="calendar"/></FolderIds></GetFolder></env:Body></env:Envelope>';
    const res = await soap(body);
    expect(res.status).toBe(200);
    const doc = parseXml(res.text);
    expect(child(child(doc, 'Header'), 'ServerVersionInfo')?.attrs.MajorVersion).toBe('15');
    const msg = path(doc, 'Body', 'GetFolderResponse', 'ResponseMessages', 'GetFolderResponseMessage');
    expect(msg?.attrs.ResponseClass).toBe('Success');
    expect(childText(path(msg, 'Folders', 'CalendarFolder'), 'DisplayName')).toBe('Calendar');
    expect(childText(path(msg, 'Folders', 'CalendarFolder'), 'FolderClass')).toBe('IPF.Appointment');
  });

  it('rejects DTDs with 400, oversized requests with 413, missing credentials with 401', async () => {
    const dtd = await soap('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>');
    expect(dtd.status).toBe(400);
    const big = await soap(ENV('', `<m:GetFolder>${'x'.repeat(10 * 1024 * 1024)}</m:GetFolder>`));
    expect(big.status).toBe(413);
    const anon = await fetch(emu.ewsUrl, { method: 'POST', body: ENV('', '<m:GetFolder/>') });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('answers malformed XML and unsupported operations with SOAP faults (HTTP 500)', async () => {
    const malformed = await soap(
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolder></s:Body>',
    );
    expect(malformed.status).toBe(500);
    expect(faultCode(malformed.text)).toBe('ErrorSchemaValidation');
    const unknown = await soap(ENV(IMPERSONATE('alice@demo.example'), '<m:ResolveNames/>'));
    expect(unknown.status).toBe(500);
    expect(faultCode(unknown.text)).toBe('ErrorInvalidRequest');
  });

  it('faults an unknown RequestServerVersion with ErrorInvalidServerVersion', async () => {
    const res = await soap(
      ENV(
        '<t:RequestServerVersion Version="Exchange2099"/>' + IMPERSONATE('alice@demo.example'),
        '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>',
      ),
    );
    expect(res.status).toBe(500);
    expect(faultCode(res.text)).toBe('ErrorInvalidServerVersion');
  });

  it('faults MaxChangesReturned outside 1..512 as a schema violation', async () => {
    for (const max of ['0', '513']) {
      const res = await soap(
        ENV(
          IMPERSONATE('alice@demo.example'),
          `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId><m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`,
        ),
      );
      expect(res.status).toBe(500);
      expect(faultCode(res.text)).toBe('ErrorSchemaValidation');
    }
  });

  it('accepts X-AnchorMailbox alongside impersonation and impersonation by PrimarySmtpAddress', async () => {
    const res = await soap(
      ENV(
        IMPERSONATE('bob@demo.example'),
        '<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>',
      ),
      { 'x-anchormailbox': 'bob@demo.example' },
    );
    expect(res.status).toBe(200);
    const root = path(
      parseXml(res.text),
      'Body',
      'FindFolderResponse',
      'ResponseMessages',
      'FindFolderResponseMessage',
      'RootFolder',
    );
    expect(Number(root?.attrs.TotalItemsInView)).toBeGreaterThanOrEqual(4);
  });

  it('updates one field of an indexed physical address entry and deletes an extended property', async () => {
    const create = await soap(
      ENV(
        IMPERSONATE('alice@demo.example'),
        '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>' +
          '<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="00020329-0000-0000-C000-000000000046" PropertyName="Stamp" PropertyType="String"/><t:Value>bp-1</t:Value></t:ExtendedProperty>' +
          '<t:GivenName>Max</t:GivenName><t:PhysicalAddresses><t:Entry Key="Business"><t:Street>Main 1</t:Street><t:City>Walldorf</t:City></t:Entry></t:PhysicalAddresses></t:Contact></m:Items></m:CreateItem>',
      ),
    );
    const itemId = path(
      parseXml(create.text),
      'Body',
      'CreateItemResponse',
      'ResponseMessages',
      'CreateItemResponseMessage',
      'Items',
      'Contact',
      'ItemId',
    );
    expect(itemId?.attrs.Id).toBeTruthy();
    const update = await soap(
      ENV(
        IMPERSONATE('alice@demo.example'),
        `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="${itemId!.attrs.Id}"/><t:Updates>` +
          '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Business"/><t:Contact><t:PhysicalAddresses><t:Entry Key="Business"><t:City>Heidelberg</t:City></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>' +
          '<t:DeleteItemField><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Stamp" PropertyType="String"/></t:DeleteItemField>' +
          '</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>',
      ),
    );
    expect(update.text).toContain('ResponseClass="Success"');
    const dump = emu.listItems('alice@demo.example').find((i) => i.id === itemId!.attrs.Id);
    expect(dump?.props.PhysicalAddresses).toContain('<t:Street>Main 1</t:Street>');
    expect(dump?.props.PhysicalAddresses).toContain('<t:City>Heidelberg</t:City>');
    // PublicStrings by GUID and by DistinguishedPropertySetId name the same property.
    expect(dump?.extendedProperties).toEqual([]);
  });
});

describe('identity endpoints', () => {
  it('serves OpenID configuration over https on the same port', async () => {
    const json = await new Promise<Record<string, string>>((resolve, reject) => {
      request(`${emu.httpsUrl}/t1/v2.0/.well-known/openid-configuration`, { ca: emu.caPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>));
      })
        .on('error', reject)
        .end();
    });
    expect(json.token_endpoint).toBe(`${emu.httpsUrl}/t1/oauth2/v2.0/token`);
    expect(json.jwks_uri).toBeTruthy();
    const http = await fetch(`${emu.url}/t1/v2.0/.well-known/openid-configuration`);
    expect(http.status).toBe(200);
  });

  it('answers OAuth errors for bad client credential requests', async () => {
    const post = (form: Record<string, string>) =>
      fetch(`${emu.url}/t1/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const wrong = await post({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'nope',
      scope: 'https://outlook.office365.com/.default',
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    const scope = await post({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
      scope: 'https://outlook.office365.com/EWS.AccessAsUser.All',
    });
    expect(((await scope.json()) as { error: string }).error).toBe('invalid_scope');
    const ok = await post({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
      scope: 'https://outlook.office365.com/.default',
    });
    const token = (await ok.json()) as { token_type: string; expires_in: number; access_token: string };
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBeGreaterThan(0);
    const call = await soap(
      ENV(
        IMPERSONATE('alice@demo.example'),
        '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>',
      ),
      {
        authorization: `Bearer ${token.access_token}`,
      },
    );
    expect(call.status).toBe(200);
  });
});

describe('/_emulator API', () => {
  it('injects faults, dumps mailboxes and resets', async () => {
    const add = await fetch(`${emu.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'GetFolder', httpStatus: 503, count: 1 }),
    });
    expect(add.status).toBe(201);
    const failing = await soap(
      ENV(
        IMPERSONATE('alice@demo.example'),
        '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>',
      ),
    );
    expect(failing.status).toBe(503);
    const invalid = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ count: 1 }) });
    expect(invalid.status).toBe(400);
    await fetch(`${emu.url}/_emulator/mailboxes`, {
      method: 'POST',
      body: JSON.stringify({ smtp: 'carol@demo.example' }),
    });
    const items = await fetch(`${emu.url}/_emulator/mailboxes/carol%40demo.example/items`);
    expect(await items.json()).toEqual({ items: [] });
    const reset = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((await fetch(`${emu.url}/_emulator/mailboxes/carol%40demo.example/items`)).status).toBe(404);
  });
});
