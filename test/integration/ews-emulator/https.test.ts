import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'node:https';
import { XhrApi } from '@ewsjs/xhr';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { ews } from './support.js';

let emu: EwsEmulator;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false });
});
afterAll(async () => {
  await emu.close();
});

describe('EWS over TLS on the same port', () => {
  it('works for ews-javascript-api with an XhrApi that trusts only the emulator certificate', async () => {
    // ConfigureXHR is process-global in ews-javascript-api; this file runs in its own module registry.
    ews.ConfigurationApi.ConfigureXHR(new XhrApi({ httpsAgent: new Agent({ ca: emu.caPem }) } as unknown as boolean));
    const svc = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
    svc.Credentials = new ews.WebCredentials('svc@demo.example', 'demo-password');
    svc.Url = new ews.Uri(emu.ewsHttpsUrl);
    svc.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, 'alice@demo.example');
    const folder = await ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar);
    expect(folder.DisplayName).toBe('Calendar');
    expect(emu.calls.get('GetFolder')).toBe(1);
  });
});
