import type { Config } from '../config/config.js';
import { SecretBox } from '../security/secret-box.js';
import { createEnvironment, listEnvironments, updateEnvironment } from '../environments/environment-repository.js';
import { environmentInput } from '../environments/environment-schema.js';
import { issueCallbackCredential } from '../security/callback-credentials.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, withTenant } from '../store/transaction.js';
import { saveS4Connection } from '../tenants/s4-connection.js';
import { readSettings, saveSettings } from '../tenants/tenant-repository.js';

/** The demo tenant (docs/s4-setup.md "Demo values"); fixed values so the printed walk-through always matches. */
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
  /**
   * When set, the demo users live in a Graph environment (Exchange Online through Microsoft Graph)
   * pointed at the Graph emulator, instead of the EWS one.
   */
  graph?: {
    baseUrl: string;
    authorityHost: string;
    caCertificate: string;
    clientId: string;
    clientSecret: string;
    directoryId: string;
  };
}

/** The demo tenant's settings: ZVIS appointments and ZTSK tasks both ways, Outlook → S/4 by category, contacts on. */
export const DEMO_SETTINGS = {
  appointments: {
    processTypes: [{ processType: 'ZVIS', textType: 'A002' }],
    exchangeToS4: 'category',
    category: 'S/4HANA',
    defaultProcessType: 'ZVIS',
  },
  tasks: {
    processTypes: [{ processType: 'ZTSK', textType: 'A002' }],
    exchangeToS4: 'category',
    category: 'S/4HANA',
    defaultProcessType: 'ZTSK',
  },
  contacts: { enabled: true },
};

/** A tenant seeded like the demo one (the fairness bench seeds a second with users of its own). */
export interface SeedTenant {
  tenantId: string;
  callback: { username: string; password: string };
  users: ReadonlyArray<{ smtpAddress: string; s4User: string; employeeBp: string }>;
}

/** Creates (or refreshes) the demo tenant: EWS (or Graph) environment, Alice and Bob, the S/4 callback credential. Idempotent. */
export async function seedDemoTenant(
  pool: Pool,
  config: Config,
  urls: DemoUrls,
  tenant: SeedTenant = DEMO,
): Promise<{ environmentId: string }> {
  await withSystemScope(
    (tx) =>
      tx.query(
        `INSERT INTO tenants (id, display_name, state) VALUES ($1, 'Demo tenant', 'active') ON CONFLICT (id) DO NOTHING`,
        [tenant.tenantId],
      ),
    pool,
  );
  const box = new SecretBox(config.secretKeys);
  return withTenant(
    tenant.tenantId,
    async (tx) => {
      // Through the same repository (and validation) the admin API uses; refreshed when it exists.
      const input = environmentInput.parse(
        urls.graph
          ? {
              kind: 'graph',
              name: 'Demo Exchange (Graph emulator)',
              testMailbox: tenant.users[0]!.smtpAddress,
              ...urls.graph,
            }
          : {
              kind: 'ews-onprem',
              name: 'Demo Exchange (EWS emulator)',
              testMailbox: tenant.users[0]!.smtpAddress,
              url: urls.ewsUrl,
              auth: 'basic',
              username: DEMO.ews.username,
              password: DEMO.ews.password,
              impersonation: true,
              serverVersion: 'Exchange2016',
            },
      );
      const existing = (await listEnvironments(tx, box)).find((environment) => environment.name === input.name);
      const environmentId = (
        existing
          ? await updateEnvironment(tx, box, existing.id, input)
          : await createEnvironment(tx, box, tenant.tenantId, input)
      ).id;
      for (const user of tenant.users) {
        await tx.query(
          `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, s4_user, employee_bp)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, lower(smtp_address)) DO NOTHING`,
          [tenant.tenantId, environmentId, user.smtpAddress, user.s4User, user.employeeBp],
        );
      }
      const credential = await tx.query('SELECT 1 FROM callback_credentials WHERE username = $1', [
        tenant.callback.username,
      ]);
      if (credential.rowCount === 0) await issueCallbackCredential(tx, tenant.tenantId, 'demo-seed', tenant.callback);
      await saveS4Connection(tx, tenant.tenantId, box, {
        kind: 'url',
        url: urls.s4Url,
        username: 'TANDEM_COMM',
        password: 'demo-password',
        sapClient: '100',
      });
      const { version } = await readSettings(tx);
      if (version === 1) await saveSettings(tx, tenant.tenantId, DEMO_SETTINGS, 'demo-seed');
      return { environmentId };
    },
    pool,
  );
}
