import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecretKeyring } from '../../../src/config/config.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips a secret and never stores it in the clear', () => {
    const box = new SecretBox(parseSecretKeyring(`k1:${key()}`));
    const sealed = box.encrypt('hunter2-client-secret', 'tenant-a');
    expect(sealed).not.toContain('hunter2');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(box.decrypt(sealed, 'tenant-a')).toBe('hunter2-client-secret');
  });

  it('uses a fresh nonce for every encryption', () => {
    const box = new SecretBox(parseSecretKeyring(`k1:${key()}`));
    expect(box.encrypt('same', 't')).not.toBe(box.encrypt('same', 't'));
  });

  it("refuses a ciphertext moved into another tenant's row", () => {
    const box = new SecretBox(parseSecretKeyring(`k1:${key()}`));
    const sealed = box.encrypt('secret', 'tenant-a');
    expect(() => box.decrypt(sealed, 'tenant-b')).toThrow(/integrity/);
  });

  it('detects tampering', () => {
    const box = new SecretBox(parseSecretKeyring(`k1:${key()}`));
    const parts = box.encrypt('secret', 't').split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    const error = (() => {
      try {
        box.decrypt(parts.join('.'), 't');
      } catch (e) {
        return e;
      }
    })();
    expect(isTandemError(error, 'SECRET_DECRYPT_FAILED')).toBe(true);
  });

  it('rotates: old values stay readable with the old key listed second, and re-encrypt onto the new key', () => {
    const oldKey = key();
    const before = new SecretBox(parseSecretKeyring(`old:${oldKey}`));
    const sealed = before.encrypt('password', 'tenant-a');

    const during = new SecretBox(parseSecretKeyring(`new:${key()},old:${oldKey}`));
    expect(during.needsRotation(sealed)).toBe(true);
    expect(during.decrypt(sealed, 'tenant-a')).toBe('password');
    const rotated = during.rotate(sealed, 'tenant-a');
    expect(rotated.startsWith('v1.new.')).toBe(true);
    expect(during.needsRotation(rotated)).toBe(false);
    expect(during.decrypt(rotated, 'tenant-a')).toBe('password');

    const error = (() => {
      try {
        before.decrypt(rotated, 'tenant-a');
      } catch (e) {
        return e;
      }
    })();
    expect(isTandemError(error, 'SECRET_KEY_UNKNOWN')).toBe(true);
  });

  it('rejects malformed keyrings with the key name in the message', () => {
    expect(() => parseSecretKeyring('k1:tooshort')).toThrow(/TANDEM_SECRET_KEY/);
    expect(() => parseSecretKeyring('')).toThrow(/TANDEM_SECRET_KEY/);
  });
});
