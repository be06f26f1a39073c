import { describe, expect, it } from 'vitest';
import { startEwsEmulator, DEFAULT_EWS_EMULATOR_PORT } from '../../../src/emulators/ews/index.js';
import { EmulatorConfigError } from '../../../src/emulators/common/errors.js';

describe('startEwsEmulator options', () => {
  it('refuses invalid options with CONFIG_INVALID', async () => {
    await expect(startEwsEmulator({ port: 70_000 })).rejects.toBeInstanceOf(EmulatorConfigError);
    await expect(startEwsEmulator({ mailboxes: ['not-an-address'] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(startEwsEmulator({ timeScale: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('seeds the extra mailboxes and exposes URLs', async () => {
    const emu = await startEwsEmulator({ log: false, mailboxes: ['Carol@Demo.Example'] });
    try {
      expect(DEFAULT_EWS_EMULATOR_PORT).toBe(8090);
      expect(emu.ewsUrl).toBe(`http://127.0.0.1:${emu.port}/EWS/Exchange.asmx`);
      expect(emu.mailbox('carol@demo.example')).toBeDefined();
      expect(emu.mailbox('alice@demo.example')).toBeDefined();
      expect(emu.mailbox('bob@demo.example')).toBeDefined();
      expect(emu.caPem).toContain('BEGIN CERTIFICATE');
      emu.reset();
      expect(emu.mailbox('carol@demo.example')).toBeDefined();
    } finally {
      await emu.close();
    }
  });
});
