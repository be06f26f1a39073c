import { TandemError } from '../errors/tandem-error.js';
import type { S4Target } from '../connectors/s4/types.js';
import { assertAllowedUrls, outboundPolicy } from '../security/outbound.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Tx } from '../store/transaction.js';
import { z } from '../validation/zod.js';
import { readS4ConnectionRecord, upsertS4ConnectionRecord } from './tenant-repository.js';

export const s4ConnectionInput = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('destination'),
      destinationName: z
        .string()
        .min(1)
        .max(200)
        .describe('BTP destination (proxy type OnPremise) in the subscriber subaccount'),
    }),
    z.object({
      kind: z.literal('url'),
      url: z
        .url()
        .describe('Base URL of the S/4HANA system, e.g. https://s4.example.com (outside BTP, tests and the demo)'),
      username: z.string().min(1).max(100).describe('Communication user'),
      password: z.string().min(1).optional().describe('Its password (write-only)'),
      sapClient: z
        .string()
        .regex(/^\d{3}$/, 'must be a three-digit client')
        .default('100'),
    }),
  ])
  .openapi('S4ConnectionInput');
export type S4ConnectionInput = z.infer<typeof s4ConnectionInput>;

export const s4ConnectionView = z
  .object({
    kind: z.enum(['destination', 'url']),
    destinationName: z.string().nullable(),
    url: z.string().nullable(),
    username: z.string().nullable(),
    sapClient: z.string().nullable(),
    passwordSet: z.boolean(),
    updatedAt: z.string(),
  })
  .openapi('S4Connection');

export async function readS4Connection(tx: Tx): Promise<z.infer<typeof s4ConnectionView> | undefined> {
  const r = await readS4ConnectionRecord(tx);
  return (
    r && {
      kind: r.kind,
      destinationName: r.destination_name,
      url: r.url,
      username: r.username,
      sapClient: r.sap_client,
      passwordSet: r.secret_ciphertext !== null,
      updatedAt: r.updated_at.toISOString(),
    }
  );
}

/** One S/4 connection per tenant: the row key is the tenant id. */
const s4PasswordBinding = (tenantId: string) => ({
  tenantId,
  table: 's4_connections',
  row: tenantId,
  field: 'secret_ciphertext',
});

export async function saveS4Connection(
  tx: Tx,
  tenantId: string,
  box: SecretBox,
  input: S4ConnectionInput,
): Promise<void> {
  if (input.kind === 'url') {
    if (outboundPolicy().destinationsOnly) {
      throw new TandemError('VALIDATION_FAILED', 'On SAP BTP, S/4HANA is reached through a destination', {
        fieldErrors: [
          {
            path: 'body.kind',
            message: 'use "destination" (a BTP destination, through the Cloud Connector for on-premise systems)',
          },
        ],
      });
    }
    assertAllowedUrls({ 'body.url': input.url });
  }
  const previous = await readS4ConnectionRecord(tx);
  // The stored password is kept only for the URL it was entered for: whoever moves it needs to know it.
  const kept =
    previous?.kind === 'url' && previous.url === (input.kind === 'url' ? input.url : undefined)
      ? previous.secret_ciphertext
      : null;
  const secret =
    input.kind === 'url' ? (input.password ? box.seal(input.password, s4PasswordBinding(tenantId)) : kept) : null;
  if (input.kind === 'url' && !secret) {
    const message = previous?.secret_ciphertext ? 'required again because url changed' : 'required the first time';
    throw new TandemError(
      'VALIDATION_FAILED',
      previous?.secret_ciphertext ? 'Changing url needs the password again' : 'A password is needed',
      { fieldErrors: [{ path: 'body.password', message }] },
    );
  }
  await upsertS4ConnectionRecord(tx, tenantId, {
    kind: input.kind,
    destination_name: input.kind === 'destination' ? input.destinationName : null,
    url: input.kind === 'url' ? input.url : null,
    username: input.kind === 'url' ? input.username : null,
    secret_ciphertext: secret,
    sap_client: input.kind === 'url' ? input.sapClient : null,
  });
}

/** The connector target; on BTP the subscriber's destination is looked up with the tenant's token (alwaysSubscriber). */
export async function s4TargetOf(tx: Tx, tenantId: string, box: SecretBox, jwt?: string): Promise<S4Target> {
  const r = await readS4ConnectionRecord(tx);
  if (!r) throw new TandemError('S4_DESTINATION_NOT_FOUND', 'No S/4HANA connection is configured for this tenant');
  if (r.kind === 'destination')
    return { kind: 'destination', destinationName: r.destination_name!, tenantId, ...(jwt ? { jwt } : {}) };
  return {
    kind: 'url',
    url: r.url!,
    username: r.username!,
    password: box.open(r.secret_ciphertext!, s4PasswordBinding(tenantId)),
    sapClient: r.sap_client ?? '100',
  };
}
