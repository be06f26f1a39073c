import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem, type SystemOptions } from '../../support/system.js';

/** What the end-to-end sync tests share: waiting for subscriptions, reading the journal and links, the admin API. */

/**
 * The maintenance run subscribes every user's calendar, tasks and contacts folders within seconds
 * (on Graph: calendar and contacts; To Do lists are polled, Graph refuses app-only To Do
 * subscriptions). Only `backend`'s subscriptions count when it is given.
 */
export async function waitForSubscriptions(system: RunningSystem, count = 6, backend?: 'ews' | 'graph'): Promise<void> {
  await waitFor(
    async () => {
      const n = await withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active' AND ($1::text IS NULL OR backend = $1)`,
              [backend ?? null],
            )
          ).rows[0]!.n,
        system.db.pool,
      );
      return n >= count || undefined;
    },
    `${count} active ${backend ?? ''} subscriptions`,
    60_000,
  );
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
  return withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<JournalRow>(
          `SELECT outcome, reason, direction, s4_key, exchange_item_id, mailbox_id, details FROM journal WHERE ${where} ORDER BY id`,
          params,
        )
      ).rows,
    system.db.pool,
  );
}

/**
 * Journal rows once `until` holds. A sync writes its journal entries when its transaction commits,
 * which is after its writes reached S/4 or Exchange: a test that saw the remote change must still wait.
 */
export async function journalEventually(
  system: RunningSystem,
  where: string,
  params: unknown[],
  until: (rows: JournalRow[]) => boolean,
  what: string,
): Promise<JournalRow[]> {
  return waitFor(async () => {
    const rows = await journalWhere(system, where, params);
    return until(rows) ? rows : undefined;
  }, what);
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
  return withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<LinkRow>(
          `SELECT id, kind, state, s4_key, exchange_item_id, mailbox_id FROM links WHERE ${where} ORDER BY id`,
          params,
        )
      ).rows,
    system.db.pool,
  );
}

export async function mailboxIdOf(system: RunningSystem, smtp: string): Promise<string> {
  return withTenant(
    'demo',
    async (tx) =>
      (await tx.query<{ id: string }>('SELECT id FROM mailboxes WHERE lower(smtp_address) = lower($1)', [smtp]))
        .rows[0]!.id,
    system.db.pool,
  );
}

/** The admin API as the cockpit calls it, with a dev token of the tenant's admin (the demo tenant's unless given). */
export function adminApi(
  system: RunningSystem,
  tenantId = 'demo',
): <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }> {
  let token: Promise<string> | undefined;
  return async <T>(method: string, path: string, body?: unknown) => {
    token ??= signDevToken(system.config.devTokenSecret, {
      tenantId,
      scopes: ['Admin', 'Support'],
      user: 'e2e-admin',
    });
    const response = await fetch(`${system.config.publicUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/**
 * Waits until nothing is in flight: every EWS push subscription has delivered its mailbox's last
 * event, S/4 has sent every event, and the inbox holds no open row. A test that then changes
 * something knows that what follows comes from that change, not from a late echo of an earlier
 * write (the echo of a contact Tandem created reads the partner again, and after a rename it
 * would carry the new name before the path under test got to it).
 */
export async function waitForQuiet(system: RunningSystem, what = 'no work in flight'): Promise<void> {
  await waitFor(async () => {
    const pushing = [...system.ews.push.subscriptions.values()].some(
      (sub) => sub.inFlight || sub.cursor < sub.mailbox.seq,
    );
    if (pushing) return undefined;
    const open = await openWork(system);
    return (open.inbox === 0 && open.s4Events === 0) || undefined;
  }, what);
}

/** Work still open anywhere: inbox rows not done, S/4 events not yet delivered. */
export async function openWork(system: RunningSystem): Promise<{ inbox: number; dead: number; s4Events: number }> {
  const counts = await withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<{ open: number; dead: number }>(
          `SELECT count(*) FILTER (WHERE status IN ('pending', 'queued', 'processing'))::int AS open,
                  count(*) FILTER (WHERE status = 'dead')::int AS dead FROM inbox`,
        )
      ).rows[0]!,
    system.db.pool,
  );
  const s4Events = system.s4Emulator.events().filter((entry) => entry.state === 'pending').length;
  return { inbox: counts.open, dead: counts.dead, s4Events };
}

/** Resolves after `ms`: only to prove that nothing more happens. */
export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo system with every user's folders subscribed: where each end-to-end sync test starts. */
export async function startSubscribedSystem(options?: SystemOptions): Promise<RunningSystem> {
  const system = await startSystem(options);
  await waitForSubscriptions(system);
  return system;
}

/**
 * The demo system on Exchange Online (the demo users in the Graph emulator), once both users'
 * calendar and contacts subscriptions are active: active only after the emulator's validation
 * handshake against /graph/notifications and /graph/lifecycle succeeded.
 */
export async function startGraphSystem(options?: Omit<SystemOptions, 'backend'>): Promise<RunningSystem> {
  const system = await startSystem({ ...options, backend: 'graph' });
  await waitForSubscriptions(system, 4, 'graph');
  return system;
}

/** An appointment a user makes in Outlook (EWS, impersonated, no invitations sent); returns its item id. */
export async function outlookAppointment(
  system: RunningSystem,
  mailbox: string,
  appointment: { subject: string; start: string; end: string; categories?: string[] },
): Promise<string> {
  const item = new ews.Appointment(makeService(system.ews, { impersonate: mailbox }));
  item.Subject = appointment.subject;
  item.Start = ews.DateTime.Parse(appointment.start);
  item.End = ews.DateTime.Parse(appointment.end);
  for (const category of appointment.categories ?? []) item.Categories.Add(category);
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return item.Id.UniqueId;
}

/** Settings as the admin API returns them (the parts the tests change are typed loosely). */
export type SettingsBody = Record<string, Record<string, unknown>>;

/**
 * Changes the tenant settings as an admin does in the cockpit (GET, change, PUT with the version)
 * and waits until every worker uses them: workers reuse settings for up to five seconds.
 */
export async function changeSettings(
  system: RunningSystem,
  change: (settings: SettingsBody) => void,
): Promise<SettingsBody> {
  const api = adminApi(system);
  const current = await api<{ settings: SettingsBody; version: number }>('GET', '/settings');
  const next = structuredClone(current.body.settings);
  change(next);
  const saved = await api<{ settings: SettingsBody }>('PUT', `/settings?expectedVersion=${current.body.version}`, next);
  if (saved.status !== 200) throw new Error(`settings refused: ${saved.status} ${JSON.stringify(saved.body)}`);
  await settle(6_000);
  return saved.body.settings;
}

/** An Outlook series a user makes (EWS, impersonated, no invitations); weekly on the start’s weekday in `timeZone` (IANA). */
export async function outlookSeries(
  system: RunningSystem,
  mailbox: string,
  series: { subject: string; start: string; end: string; timeZone: string; occurrences: number; categories?: string[] },
): Promise<string> {
  const service = makeService(system.ews, { impersonate: mailbox });
  const item = new ews.Appointment(service);
  item.Subject = series.subject;
  item.Start = ews.DateTime.Parse(series.start);
  item.End = ews.DateTime.Parse(series.end);
  const zone = ews.TimeZoneInfo.FindSystemTimeZoneById(series.timeZone);
  item.StartTimeZone = zone;
  item.EndTimeZone = zone;
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone: series.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'long',
  }).formatToParts(new Date(series.start));
  const part = (type: string) => local.find((p) => p.type === type)!.value;
  const day = ews.DayOfTheWeek[part('weekday') as keyof typeof ews.DayOfTheWeek] as number;
  // The library's typings omit the constructor arguments its runtime takes (start date, interval, days).
  const Weekly = (
    ews.Recurrence as unknown as {
      WeeklyPattern: new (start: ews.DateTime, interval: number, days: number[]) => ews.Recurrence;
    }
  ).WeeklyPattern;
  const pattern = new Weekly(ews.DateTime.Parse(`${part('year')}-${part('month')}-${part('day')}T00:00:00Z`), 1, [day]);
  pattern.NumberOfOccurrences = series.occurrences;
  item.Recurrence = pattern;
  for (const category of series.categories ?? []) item.Categories.Add(category);
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return item.Id.UniqueId;
}
