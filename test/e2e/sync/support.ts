import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem, type SystemOptions } from '../../support/system.js';

/** What the end-to-end sync tests share: waiting for subscriptions, reading the journal and links, the admin API. */

/** The maintenance run subscribes every user's calendar, tasks and contacts folders within seconds. */
export async function waitForSubscriptions(system: RunningSystem, count = 6): Promise<void> {
  await waitFor(async () => {
    const n = await withTenant('demo', async (tx) => (await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active'`)).rows[0]!.n, system.db.pool);
    return n >= count || undefined;
  }, `${count} active subscriptions`, 60_000);
}

/** A UTC instant `days` from now at `hour`:`minute`, on a full minute. */
export function inDays(days: number, hour: number, minute = 0): string {
  const date = new Date(Date.now() + days * 86_400_000);
  date.setUTCHours(hour, minute, 0, 0);
  return date.toISOString();
}

export interface JournalRow {
  outcome: string;
  reason: string;
  direction: string | null;
  s4_key: string | null;
  exchange_item_id: string | null;
  mailbox_id: string | null;
  details: Record<string, unknown>;
}

export async function journalWhere(system: RunningSystem, where: string, params: unknown[]): Promise<JournalRow[]> {
  return withTenant('demo', async (tx) => (await tx.query<JournalRow>(
    `SELECT outcome, reason, direction, s4_key, exchange_item_id, mailbox_id, details FROM journal WHERE ${where} ORDER BY id`, params)).rows, system.db.pool);
}

export interface LinkRow {
  id: number;
  kind: string;
  state: string;
  s4_key: string | null;
  exchange_item_id: string | null;
  mailbox_id: string;
}

export async function linksWhere(system: RunningSystem, where: string, params: unknown[]): Promise<LinkRow[]> {
  return withTenant('demo', async (tx) => (await tx.query<LinkRow>(
    `SELECT id, kind, state, s4_key, exchange_item_id, mailbox_id FROM links WHERE ${where} ORDER BY id`, params)).rows, system.db.pool);
}

export async function mailboxIdOf(system: RunningSystem, smtp: string): Promise<string> {
  return withTenant('demo', async (tx) => (await tx.query<{ id: string }>(
    'SELECT id FROM mailboxes WHERE lower(smtp_address) = lower($1)', [smtp])).rows[0]!.id, system.db.pool);
}

/** The admin API as the cockpit calls it, with a dev token of the demo tenant's admin. */
export function adminApi(system: RunningSystem): <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }> {
  let token: Promise<string> | undefined;
  return async <T>(method: string, path: string, body?: unknown) => {
    token ??= signDevToken(system.config.devTokenSecret, { tenantId: 'demo', scopes: ['Admin', 'Support'], user: 'e2e-admin' });
    const response = await fetch(`${system.config.publicUrl}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${await token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** Resolves after `ms`: only to prove that nothing more happens. */
export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo system with every user's folders subscribed: where each end-to-end sync test starts. */
export async function startSubscribedSystem(options?: SystemOptions): Promise<RunningSystem> {
  const system = await startSystem(options);
  await waitForSubscriptions(system);
  return system;
}

/** An appointment a user makes in Outlook (EWS, impersonated, no invitations sent); returns its item id. */
export async function outlookAppointment(system: RunningSystem, mailbox: string,
  appointment: { subject: string; start: string; end: string; categories?: string[] }): Promise<string> {
  const item = new ews.Appointment(makeService(system.ews, { impersonate: mailbox }));
  item.Subject = appointment.subject;
  item.Start = ews.DateTime.Parse(appointment.start);
  item.End = ews.DateTime.Parse(appointment.end);
  for (const category of appointment.categories ?? []) item.Categories.Add(category);
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return item.Id.UniqueId;
}
