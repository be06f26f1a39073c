import type { Config } from '../config/config.js';
import { SecretBox } from '../security/secret-box.js';
import { issueCallbackCredential } from '../security/callback-credentials.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, withTenant } from '../store/transaction.js';
import { saveS4Connection } from '../tenants/s4-connection.js';
import { readSettings, saveSettings } from '../tenants/settings-repository.js';

/** The demo tenant of CONTRACT.md; fixed values so the printed walk-through always matches. */
export const DEMO = {
  tenantId: 'demo',
  callback: { username: 'DEMO_S4', password: 'demo-callback-password' },
  ews: { username: 'svc@demo.example', password: 'demo-password' },
  users: [
    { smtpAddress: 'alice@demo.example', s4User: 'ALICE', employeeBp: 'EMP001' },
    { smtpAddress: 'bob@demo.example', s4User: 'BOB', employeeBp: 'EMP002' },
  ],
} as const;

export interface DemoUrls {
  ewsUrl: string;
  s4Url: string;
}

/** CONTRACT.md "Demo tenant": ZVIS appointments and ZTSK tasks both ways, Outlook → S/4 by category, contacts on. */
export const DEMO_SETTINGS = {
  appointments: { processTypes: [{ processType: 'ZVIS', textType: 'A002' }], exchangeToS4: 'category', category: 'S/4HANA', defaultProcessType: 'ZVIS' },
  tasks: { processTypes: [{ processType: 'ZTSK', textType: 'A002' }], exchangeToS4: 'category', category: 'S/4HANA', defaultProcessType: 'ZTSK' },
  contacts: { enabled: true },
};

/** Creates (or refreshes) the demo tenant: EWS environment, Alice and Bob, the S/4 callback credential. Idempotent. */
export async function seedDemoTenant(pool: Pool, config: Config, urls: DemoUrls): Promise<{ environmentId: string }> {
  await withSystemScope((tx) => tx.query(
    `INSERT INTO tenants (id, display_name, state) VALUES ($1, 'Demo tenant', 'active') ON CONFLICT (id) DO NOTHING`, [DEMO.tenantId]), pool);
  const box = new SecretBox(config.secretKeys);
  return withTenant(DEMO.tenantId, async (tx) => {
    const connection = { url: urls.ewsUrl, auth: 'basic', username: DEMO.ews.username, impersonation: true, serverVersion: 'Exchange2016' };
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO exchange_environments (tenant_id, name, kind, connection, secret_ciphertext, max_concurrency, test_mailbox)
       VALUES ($1, 'Demo Exchange (EWS emulator)', 'ews-onprem', $2, $3, 10, 'alice@demo.example')
       ON CONFLICT (tenant_id, name) DO UPDATE SET connection = EXCLUDED.connection, secret_ciphertext = EXCLUDED.secret_ciphertext
       RETURNING id`,
      [DEMO.tenantId, JSON.stringify(connection), box.encrypt(JSON.stringify({ password: DEMO.ews.password }), DEMO.tenantId)]);
    const environmentId = rows[0]!.id;
    for (const user of DEMO.users) {
      await tx.query(
        `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, s4_user, employee_bp)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, lower(smtp_address)) DO NOTHING`,
        [DEMO.tenantId, environmentId, user.smtpAddress, user.s4User, user.employeeBp]);
    }
    const existing = await tx.query('SELECT 1 FROM callback_credentials WHERE username = $1', [DEMO.callback.username]);
    if (existing.rowCount === 0) await issueCallbackCredential(tx, DEMO.tenantId, 'demo-seed', DEMO.callback);
    await saveS4Connection(tx, DEMO.tenantId, box, { kind: 'url', url: urls.s4Url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' });
    const { version } = await readSettings(tx);
    if (version === 1) await saveSettings(tx, DEMO.tenantId, DEMO_SETTINGS, 'demo-seed');
    return { environmentId };
  }, pool);
}
