import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TandemError } from '../errors/tandem-error.js';

/**
 * Encryption of secrets Tandem holds (Exchange passwords, client secrets, certificates, Graph
 * clientState). AES-256-GCM with a fresh 96-bit nonce per value; the key id travels with the
 * ciphertext so keys can be rotated: encrypt with the active key, decrypt with whichever key wrote it.
 *
 * Format: `v2.<keyId>.<nonce b64url>.<tag b64url>.<ciphertext b64url>`. Tenant, table, row and field
 * are bound in as additional authenticated data (`seal`/`open`), so a ciphertext copied into
 * another row — of another tenant or the same one — or another column fails to decrypt. `v1`
 * values (bound to the tenant only) are still read; `tandem rotate-secrets` rewrites them as v2.
 */
const VERSION = 'v1';
const BOUND_VERSION = 'v2';

/** Where a secret lives: its ciphertext is valid only there. */
export interface SecretBinding {
  tenantId: string;
  table: string;
  /** The row's key (an id, or the tenant id for one-row-per-tenant tables). */
  row: string;
  field: string;
}

function boundContext(binding: SecretBinding): string {
  return ['tandem-secret', binding.tenantId, binding.table, binding.row, binding.field].join('\u0000');
}

/** The keys secrets are sealed with (TANDEM_SECRET_KEY, parsed by the configuration): the active one seals, all open. */
export interface SecretKeyring {
  activeKeyId: string;
  keys: Map<string, Buffer>;
}

export class SecretBox {
  constructor(private readonly keyring: SecretKeyring) {}

  /** Encrypts a secret for exactly one place (tenant, table, row, field). */
  seal(plaintext: string, binding: SecretBinding): string {
    return BOUND_VERSION + this.encrypt(plaintext, boundContext(binding)).slice(VERSION.length);
  }

  /** Decrypts a secret read from `binding`; a v1 value is checked against its tenant only. */
  open(sealed: string, binding: SecretBinding): string {
    if (sealed.startsWith(`${BOUND_VERSION}.`))
      return this.decrypt(VERSION + sealed.slice(BOUND_VERSION.length), boundContext(binding));
    return this.decrypt(sealed, binding.tenantId);
  }

  /** Re-seals with the active key and the full binding; a no-op for values already so. */
  reseal(sealed: string, binding: SecretBinding): string {
    return this.needsRotation(sealed) || !sealed.startsWith(`${BOUND_VERSION}.`)
      ? this.seal(this.open(sealed, binding), binding)
      : sealed;
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keyring.keys.get(this.keyring.activeKeyId)!;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.keyring.activeKeyId,
      nonce.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [version, keyId, nonce, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !keyId || nonce === undefined || tag === undefined || ciphertext === undefined) {
      throw new TandemError('SECRET_DECRYPT_FAILED', 'Stored secret has an unknown format');
    }
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new TandemError(
        'SECRET_KEY_UNKNOWN',
        `Stored secret was encrypted with key "${keyId}", which TANDEM_SECRET_KEY no longer holds`,
        { details: { keyId } },
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new TandemError('SECRET_DECRYPT_FAILED', 'Stored secret failed its integrity check', { cause: error });
    }
  }

  /** True when the value was written with a key other than the active one (rotation pending). */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keyring.activeKeyId;
  }

  /** Re-encrypts with the active key; a no-op for values already on it. */
  rotate(sealed: string, context: string): string {
    return this.needsRotation(sealed) ? this.encrypt(this.decrypt(sealed, context), context) : sealed;
  }
}
