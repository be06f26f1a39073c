import { z } from '../validation/zod.js';

/**
 * What an admin enters for an Exchange environment. Secrets (password, client secret, certificate
 * key) are write-only: accepted here, stored encrypted, never returned.
 */
const common = {
  name: z.string().trim().min(1).max(100).describe('A name the admins recognise, e.g. "Exchange Germany"'),
  maxConcurrency: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe('Most requests Tandem runs against this environment at once'),
  testMailbox: z.email().optional().describe('Mailbox the Test button reads'),
};
const certificate = z.object({
  privateKeyPem: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  thumbprint: z.string().regex(/^[0-9A-Fa-f]{40}$/, 'must be the SHA-1 thumbprint (40 hex digits)'),
});
const entraApp = {
  directoryId: z.string().min(1).max(200).describe('Entra ID tenant (directory) id or domain'),
  // Entra issues GUIDs; any non-empty id is accepted so emulators and test directories (client "demo-client") can be configured too.
  clientId: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('Application (client) id of the app registration (a GUID in Entra ID)'),
  clientSecret: z.string().min(1).optional().describe('Client secret (write-only)'),
  certificate: certificate.optional().describe('Certificate credential instead of a secret (write-only key)'),
  authorityHost: z.url().optional().describe('Identity endpoint; default https://login.microsoftonline.com'),
  caCertificate: z
    .string()
    .optional()
    .describe('Extra CA (PEM) to trust, e.g. for an emulator or a TLS-inspecting proxy'),
};

export const ewsOnPremInput = z.object({
  kind: z.literal('ews-onprem'),
  ...common,
  url: z.url().describe('EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx'),
  auth: z.enum(['basic', 'ntlm']).default('basic'),
  username: z.string().min(1).max(200).describe('Service account'),
  password: z.string().min(1).optional().describe('Service account password (write-only)'),
  domain: z.string().max(100).optional(),
  impersonation: z.boolean().default(true).describe('Act as each mailbox through ApplicationImpersonation'),
  serverVersion: z.enum(['Exchange2013', 'Exchange2013_SP1', 'Exchange2016', 'Exchange2019']).default('Exchange2016'),
  caCertificate: z.string().optional(),
});
export const ewsOnlineInput = z.object({
  kind: z.literal('ews-online'),
  ...common,
  ...entraApp,
  url: z.url().default('https://outlook.office365.com/EWS/Exchange.asmx'),
});
export const graphInput = z.object({
  kind: z.literal('graph'),
  ...common,
  ...entraApp,
  baseUrl: z.url().default('https://graph.microsoft.com/v1.0'),
});

export const environmentInput = z
  .discriminatedUnion('kind', [ewsOnPremInput, ewsOnlineInput, graphInput])
  .openapi('ExchangeEnvironmentInput');
export type EnvironmentInput = z.infer<typeof environmentInput>;

/** Keys that hold secrets; they go into the encrypted column, never into `connection`. */
export const SECRET_KEYS = ['password', 'clientSecret', 'certificate'] as const;

/**
 * Settings that decide where secrets are sent or who may answer: changing one needs the stored
 * secrets again (see updateEnvironment in environment-repository.ts).
 */
export const ENDPOINT_KEYS = ['url', 'baseUrl', 'authorityHost', 'directoryId', 'caCertificate'] as const;

export const environmentView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['ews-onprem', 'ews-online', 'graph']),
    connection: z.record(z.string(), z.unknown()).describe('Non-secret settings'),
    secretsSet: z.array(z.string()).describe('Which secrets are stored (their values are never returned)'),
    maxConcurrency: z.number().int(),
    testMailbox: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    retirement: z
      .object({
        blockedByDefaultFrom: z.iso.date().describe('Microsoft blocks EWS in Exchange Online by default from this day'),
        switchedOffOn: z.iso.date().describe('Microsoft switches EWS in Exchange Online off on this day'),
        moveTo: z.literal('graph').describe('The environment kind to move the users to'),
        message: z.string(),
      })
      .optional()
      .describe('Read-only, only on kind ews-online: the end of EWS in Exchange Online and where to move'),
  })
  .openapi('ExchangeEnvironment');
export type EnvironmentView = z.infer<typeof environmentView>;
