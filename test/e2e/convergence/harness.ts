import { sapTimeZoneToIana } from '../../../src/connectors/s4/time-zones.js';
import { withTenant } from '../../../src/store/transaction.js';
import { dateInZone } from '../../../src/sync/time/zone.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, linksWhere, mailboxIdOf, openWork, settle } from '../sync/support.js';
import {
  expectationOf,
  newModel,
  resolveContact,
  type ContactThing,
  recordWrite,
  resolveTarget,
  type Command,
  type Fault,
  type Field,
  type Kind,
  type ModelState,
  type Owner,
  type Side,
  type Thing,
} from './model.js';

/**
 * Drives the running system (test/support/system.ts, as every end-to-end test does) with a
 * command sequence of the model, acting as the users would: S/4 through OData (the S/4 connector
 * pointed at the emulator), Outlook through EWS with impersonation. Then waits for quiescence and
 * checks the oracle of model.ts.
 */

export const USERS: Record<Owner, { smtp: string; employee: string }> = {
  alice: { smtp: 'alice@demo.example', employee: 'EMP001' },
  bob: { smtp: 'bob@demo.example', employee: 'EMP002' },
};

/** How long a user waits for sync to bring an object to their side before the run counts as not converging. */
const COUNTERPART_TIMEOUT_MS = 45_000;

export interface World {
  system: RunningSystem;
  mailboxIds: Record<Owner, string>;
  /** Faults need the running system to act on (Redis prefix, worker restart); see faults.ts. */
  applyFault?: (fault: Fault) => Promise<void>;
}

export async function worldOf(system: RunningSystem, applyFault?: World['applyFault']): Promise<World> {
  return {
    system,
    mailboxIds: {
      alice: await mailboxIdOf(system, USERS.alice.smtp),
      bob: await mailboxIdOf(system, USERS.bob.smtp),
    },
    ...(applyFault ? { applyFault } : {}),
  };
}

/** One sequence's run: its subjects start with `tag` so its objects are told apart from other runs'. */
export class Run {
  readonly model: ModelState = newModel();
  private writes = 0;
  /** Every start this run writes is unique (the oracle tells values apart by equality). */
  private readonly day: string;

  constructor(
    readonly world: World,
    readonly tag: string,
    dayOffset: number,
  ) {
    this.day = inDays(dayOffset, 5);
  }

  private get system(): RunningSystem {
    return this.world.system;
  }

  private nextSubject(thing: Thing): string {
    return `${this.tag} ${thing.key}.${++this.writes}`;
  }

  /** An appointment's start (half-hour steps) or a task's due date (day steps), unique within the run. */
  private nextStart(kind: Kind): string {
    if (kind === 'task') return new Date(Date.parse(this.day) + ++this.writes * 86_400_000).toISOString().slice(0, 10);
    return new Date(Date.parse(this.day) + ++this.writes * 30 * 60_000).toISOString();
  }

  async execute(commands: readonly Command[]): Promise<void> {
    for (const command of commands) await this.step(command);
  }

  private async step(command: Command): Promise<void> {
    switch (command.op) {
      case 'create':
        return this.create(command.side, command.owner, command.kind ?? 'appointment');
      case 'editSubject':
      case 'move': {
        const thing = resolveTarget(this.model, command.target);
        if (!thing) return;
        return this.edit(thing, command.side, command.op === 'editSubject' ? 'subject' : 'start');
      }
      case 'delete': {
        const thing = resolveTarget(this.model, command.target);
        if (!thing) return;
        return this.remove(thing, command.side);
      }
      case 'contactAdd':
        return this.addContact(command.owner);
      case 'contactRename': {
        const contact = resolveContact(this.model, command.target);
        if (!contact) return;
        return this.renameContact(contact);
      }
      case 'contactUnrelate': {
        const contact = resolveContact(this.model, command.target);
        if (!contact) return;
        return this.unrelateContact(contact);
      }
      case 'pause':
        await settle(command.ms);
        return;
      case 'fault': {
        if (!this.world.applyFault) throw new Error('this suite runs without faults');
        const { op: _op, ...fault } = command;
        await this.world.applyFault(fault);
        return;
      }
    }
  }

  private async create(side: Side, owner: Owner, kind: Kind): Promise<void> {
    const thing: Thing = {
      key: this.model.things.length,
      kind,
      origin: side,
      owner,
      counterpartSeen: false,
      alive: true,
      writes: { subject: [], start: [] },
    };
    const subject = this.nextSubject(thing);
    const start = this.nextStart(kind);
    if (kind === 'task') await this.createTask(thing, subject, start);
    else if (side === 's4') {
      const created = await asUser(`create in S/4`, () =>
        this.system.s4.createAppointment({
          processType: 'ZVIS',
          subject,
          start,
          end: plusHour(start),
          timeZone: 'Europe/Berlin',
          partners: [{ partnerFunction: '00000014', businessPartner: USERS[owner].employee }],
        }),
      );
      thing.s4Uuid = created.uuid;
    } else {
      thing.itemId = await asUser('create in Outlook', async () => {
        const item = new ews.Appointment(makeService(this.system.ews, { impersonate: USERS[owner].smtp }));
        item.Subject = subject;
        item.Start = ews.DateTime.Parse(start);
        item.End = ews.DateTime.Parse(plusHour(start));
        item.Categories.Add('S/4HANA');
        await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
        return item.Id.UniqueId;
      });
    }
    thing.writes.subject.push({ side, value: subject, superseded: false });
    thing.writes.start.push({ side, value: start, superseded: false });
    this.model.things.push(thing);
  }

  /** A task with a due date: in S/4 with the owner responsible (ZTSK), in Outlook with the S/4HANA category. */
  private async createTask(thing: Thing, subject: string, due: string): Promise<void> {
    if (thing.origin === 's4') {
      const created = await asUser('create a task in S/4', () =>
        this.system.s4.createTask({
          processType: 'ZTSK',
          subject,
          due: dueInstant(due),
          timeZone: 'Europe/Berlin',
          partners: [{ partnerFunction: '00000014', businessPartner: USERS[thing.owner].employee }],
        }),
      );
      thing.s4Uuid = created.uuid;
      return;
    }
    thing.itemId = await asUser('create a task in Outlook', async () => {
      const task = new ews.Task(makeService(this.system.ews, { impersonate: USERS[thing.owner].smtp }));
      task.Subject = subject;
      task.DueDate = ews.DateTime.Parse(dueInstant(due));
      task.Categories.Add('S/4HANA');
      await task.Save(ews.WellKnownFolderName.Tasks);
      return task.Id.UniqueId;
    });
  }

  private async edit(thing: Thing, side: Side, field: Field): Promise<void> {
    const value = field === 'subject' ? this.nextSubject(thing) : this.nextStart(thing.kind);
    if (thing.kind === 'task') return this.editTask(thing, side, field, value);
    if (side === 's4') {
      const uuid = await this.s4KeyOf(thing);
      const seen = await asUser(`change ${field} in S/4`, async () => {
        const current = await this.system.s4.getAppointment(uuid);
        if (!current) throw new Error(`S/4 activity ${uuid} of #${thing.key} vanished while alive`);
        await this.system.s4.updateAppointment(
          uuid,
          current.etag,
          field === 'subject' ? { subject: value } : { start: value, end: plusHour(value) },
        );
        return field === 'subject' ? current.subject : iso(current.start);
      });
      recordWrite(thing, field, side, value, seen);
    } else {
      const itemId = await this.itemIdOf(thing);
      const seen = await asUser(`change ${field} in Outlook`, async () => {
        const service = makeService(this.system.ews, { impersonate: USERS[thing.owner].smtp });
        const item = await ews.Appointment.Bind(service, new ews.ItemId(itemId));
        const before = field === 'subject' ? item.Subject : iso(item.Start.ToISOString());
        if (field === 'subject') item.Subject = value;
        else {
          item.Start = ews.DateTime.Parse(value);
          item.End = ews.DateTime.Parse(plusHour(value));
        }
        await item.Update(
          ews.ConflictResolutionMode.AlwaysOverwrite,
          ews.SendInvitationsOrCancellationsMode.SendToNone,
        );
        return before;
      });
      recordWrite(thing, field, side, value, seen);
    }
  }

  private async editTask(thing: Thing, side: Side, field: Field, value: string): Promise<void> {
    if (side === 's4') {
      const uuid = await this.s4KeyOf(thing);
      const seen = await asUser(`change the task's ${field} in S/4`, async () => {
        const current = await this.system.s4.getTask(uuid);
        if (!current) throw new Error(`S/4 task ${uuid} of #${thing.key} vanished while alive`);
        await this.system.s4.updateTask(
          uuid,
          current.etag,
          field === 'subject' ? { subject: value } : { due: dueInstant(value) },
        );
        return field === 'subject' ? current.subject : current.due ? dateInZone(current.due, current.timeZone) : '';
      });
      recordWrite(thing, field, side, value, seen);
      return;
    }
    const itemId = await this.itemIdOf(thing);
    const seen = await asUser(`change the task's ${field} in Outlook`, async () => {
      const service = makeService(this.system.ews, { impersonate: USERS[thing.owner].smtp });
      const task = await ews.Task.Bind(service, new ews.ItemId(itemId));
      const before = field === 'subject' ? task.Subject : ewsDate(task.DueDate);
      if (field === 'subject') task.Subject = value;
      else task.DueDate = ews.DateTime.Parse(dueInstant(value));
      await task.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
      return before;
    });
    recordWrite(thing, field, side, value, seen);
  }

  private async remove(thing: Thing, side: Side): Promise<void> {
    if (thing.kind === 'task') await this.removeTask(thing, side);
    else if (side === 's4') {
      const uuid = await this.s4KeyOf(thing);
      await asUser('delete in S/4', async () => {
        const current = await this.system.s4.getAppointment(uuid);
        if (!current) throw new Error(`S/4 activity ${uuid} of #${thing.key} vanished while alive`);
        await this.system.s4.deleteAppointment(uuid, current.etag);
      });
    } else {
      const itemId = await this.itemIdOf(thing);
      await asUser('delete in Outlook', async () => {
        const service = makeService(this.system.ews, { impersonate: USERS[thing.owner].smtp });
        const item = await ews.Appointment.Bind(service, new ews.ItemId(itemId));
        await item.Delete(ews.DeleteMode.MoveToDeletedItems, ews.SendCancellationsMode.SendToNone);
      });
    }
    thing.alive = false;
    thing.deletedBy = side;
  }

  private async removeTask(thing: Thing, side: Side): Promise<void> {
    if (side === 's4') {
      const uuid = await this.s4KeyOf(thing);
      await asUser('delete the task in S/4', async () => {
        const current = await this.system.s4.getTask(uuid);
        if (!current) throw new Error(`S/4 task ${uuid} of #${thing.key} vanished while alive`);
        await this.system.s4.deleteTask(uuid, current.etag);
      });
      return;
    }
    const itemId = await this.itemIdOf(thing);
    await asUser('delete the task in Outlook', async () => {
      const service = makeService(this.system.ews, { impersonate: USERS[thing.owner].smtp });
      const task = await ews.Task.Bind(service, new ews.ItemId(itemId));
      await task.Delete(ews.DeleteMode.MoveToDeletedItems);
    });
  }

  /** A new contact person (the run's tag in the first name) related BUR011 to the owner's employee. */
  private async addContact(owner: Owner): Promise<void> {
    const key = this.model.contacts.length;
    const firstName = `${this.tag}c${key}`;
    const lastName = `L${++this.writes}`;
    await s4Ui(this.system, '/partners', { firstName, lastName });
    const partner = this.system.s4Emulator
      .list('A_BusinessPartner')
      .find((row) => row.FirstName === firstName && row.BusinessPartnerCategory === '1');
    if (!partner) throw new Error(`the contact person ${firstName} was not created in S/4`);
    const contact: ContactThing = {
      key,
      owner,
      partner: String(partner.BusinessPartner),
      firstName,
      lastName,
      related: true,
    };
    await s4Ui(this.system, '/relationships', {
      bp1: contact.partner,
      bp2: USERS[owner].employee,
      category: 'BUR011',
    });
    this.model.contacts.push(contact);
  }

  /** An S/4 user changes the contact person's last name. */
  private async renameContact(contact: ContactThing): Promise<void> {
    contact.lastName = `L${++this.writes}`;
    await s4Ui(this.system, `/partners/${contact.partner}`, {
      firstName: contact.firstName,
      lastName: contact.lastName,
    });
  }

  /** An S/4 user ends the BUR011 relationship: the contact must leave the owner's folder. */
  private async unrelateContact(contact: ContactThing): Promise<void> {
    const relationship = this.system.s4Emulator
      .list('BPRelationship')
      .find(
        (row) =>
          row.BusinessPartner1 === contact.partner &&
          row.BusinessPartner2 === USERS[contact.owner].employee &&
          row.RelationshipCategory === 'BUR011',
      );
    if (!relationship) throw new Error(`the relationship of contact ${contact.firstName} is gone`);
    await s4Ui(this.system, `/relationships/${String(relationship.RelationshipNumber)}/delete`);
    contact.related = false;
  }

  /** The S/4 activity of a thing; for one made in Outlook, the user waits until sync created it. */
  private async s4KeyOf(thing: Thing): Promise<string> {
    if (thing.s4Uuid) return thing.s4Uuid;
    const itemId = thing.itemId!;
    thing.s4Uuid = await waitFor(
      async () =>
        (
          await linksWhere(this.system, `kind = $1 AND exchange_item_id = $2 AND state = 'linked'`, [
            thing.kind,
            itemId,
          ])
        )[0]?.s4_key ?? undefined,
      `#${thing.key} (made in Outlook) to reach S/4`,
      COUNTERPART_TIMEOUT_MS,
    );
    thing.counterpartSeen = true;
    return thing.s4Uuid;
  }

  /** The Outlook item of a thing; for one made in S/4, the user waits until it is in their calendar. */
  private async itemIdOf(thing: Thing): Promise<string> {
    if (thing.itemId) return thing.itemId;
    const mailbox = USERS[thing.owner].smtp;
    thing.itemId = await waitFor(
      async () => {
        const id = await this.linkedItemOf(thing);
        return id &&
          this.system.ews.listItems(mailbox).some((item) => item.id === id && item.folder === folderOf(thing.kind))
          ? id
          : undefined;
      },
      `#${thing.key} (made in S/4) to reach ${mailbox}`,
      COUNTERPART_TIMEOUT_MS,
    );
    thing.counterpartSeen = true;
    return thing.itemId;
  }

  private async linkedItemOf(thing: Thing): Promise<string | undefined> {
    const links = await linksWhere(this.system, `kind = $1 AND s4_key = $2 AND mailbox_id = $3 AND state = 'linked'`, [
      thing.kind,
      thing.s4Uuid,
      this.world.mailboxIds[thing.owner],
    ]);
    return links[0]?.exchange_item_id ?? undefined;
  }

  // ---------------------------------------------------------------- the oracle against the system

  /** Everything the oracle finds wrong right now (empty when converged). */
  async problems(): Promise<string[]> {
    const found: string[] = [];
    const prefix = `${this.tag} `;
    const items = (Object.keys(USERS) as Owner[]).flatMap((owner) =>
      this.system.ews
        .listItems(USERS[owner].smtp)
        .filter((item) => (item.folder === 'calendar' || item.folder === 'tasks') && item.subject?.startsWith(prefix))
        .map((item) => ({
          ...item,
          owner,
          kind: (item.folder === 'tasks' ? 'task' : 'appointment') as Kind,
          // What the user sees: an appointment's start instant, a task's due day.
          start: item.folder === 'tasks' ? String(item.props.DueDate ?? '').slice(0, 10) : iso(item.start ?? ''),
        })),
    );
    // Read from the emulator's store, not through OData: the oracle must not use up injected faults.
    const activities = [
      ...this.system.s4Emulator.list('A_AppointmentActivity').map((row) => ({
        row,
        kind: 'appointment' as Kind,
        start: new Date(Number(row.AppointmentStartDateTime)).toISOString(),
      })),
      ...this.system.s4Emulator.list('TaskActivity').map((row) => ({
        row,
        kind: 'task' as Kind,
        start:
          row.TaskDueDateTime == null
            ? ''
            : dateInZone(
                new Date(Number(row.TaskDueDateTime)).toISOString(),
                sapTimeZoneToIana(row.ActivityTimeZone as string),
              ),
      })),
    ]
      .filter(({ row }) => String(row.ActivityDescription ?? '').startsWith(prefix))
      .map(({ row, kind, start }) => ({
        uuid: String(row.ActivityUUID),
        kind,
        subject: String(row.ActivityDescription),
        start,
        externalReference: String(row.ActivityExternalReference ?? ''),
      }));
    let expectedItems = 0;
    let expectedActivities = 0;
    for (const thing of this.model.things) {
      const expected = expectationOf(thing);
      const name = `#${thing.key} (${thing.origin}-born ${thing.kind}, ${thing.owner}${thing.alive ? '' : `, deleted in ${thing.deletedBy}`})`;
      const s4 =
        thing.origin === 's4'
          ? activities.filter((a) => a.uuid === thing.s4Uuid)
          : activities.filter((a) => a.externalReference === thing.itemId);
      const itemId = thing.origin === 'outlook' ? thing.itemId : await this.linkedItemOf(thing);
      const outlook = items.filter(
        (item) => item.id === itemId && item.owner === thing.owner && item.kind === thing.kind,
      );
      if (expected.s4 === 'present') expectedActivities++;
      if (expected.outlook === 'present') expectedItems++;
      if (s4.length !== (expected.s4 === 'present' ? 1 : 0))
        found.push(`${name}: ${s4.length} S/4 activities, expected ${expected.s4}`);
      if (outlook.length !== (expected.outlook === 'present' ? 1 : 0))
        found.push(`${name}: ${outlook.length} Outlook items, expected ${expected.outlook}`);
      if (expected.fields && s4.length === 1 && outlook.length === 1) {
        const values: Record<Field, [string, string]> = {
          subject: [s4[0]!.subject, outlook[0]!.subject ?? ''],
          start: [s4[0]!.start, outlook[0]!.start],
        };
        for (const field of ['subject', 'start'] as const) {
          const [inS4, inOutlook] = values[field];
          if (inS4 !== inOutlook) found.push(`${name}: ${field} differs: S/4 ${inS4}, Outlook ${inOutlook}`);
          else if (!expected.fields[field].includes(inS4))
            found.push(
              `${name}: ${field} ${inS4} is no value the users left (${expected.fields[field].join(' | ')}); journal: ${await this.journalOf(thing)}`,
            );
        }
      }
      found.push(...(await this.linkAndJournalProblems(thing, name)));
    }
    if (items.length !== expectedItems)
      found.push(`${items.length} Outlook items of this run, expected ${expectedItems}: ${subjects(items)}`);
    if (activities.length !== expectedActivities)
      found.push(
        `${activities.length} S/4 activities of this run, expected ${expectedActivities}: ${subjects(activities)}`,
      );
    found.push(...this.contactProblems());
    return found;
  }

  /** Each related contact person once in its owner's Tandem folder under its current name; nothing else of the run. */
  private contactProblems(): string[] {
    const found: string[] = [];
    for (const owner of Object.keys(USERS) as Owner[]) {
      const inFolder = this.system.ews
        .listItems(USERS[owner].smtp)
        .filter(
          (item) =>
            item.kind === 'Contact' &&
            item.folder === 'Tandem' &&
            String(item.props.DisplayName ?? '').startsWith(`${this.tag}c`),
        )
        .map((item) => String(item.props.DisplayName));
      const expected = this.model.contacts
        .filter((contact) => contact.owner === owner && contact.related)
        .map((contact) => `${contact.firstName} ${contact.lastName}`);
      const missing = expected.filter((name) => !inFolder.includes(name));
      const extra = inFolder.filter((name, at) => !expected.includes(name) || inFolder.indexOf(name) !== at);
      if (missing.length > 0 || extra.length > 0)
        found.push(
          `${owner}'s contacts: missing ${missing.join(', ') || 'none'}; not expected ${extra.join(', ') || 'none'}`,
        );
    }
    return found;
  }

  /**
   * The thing's journal as one line, for a failure's text: what Tandem decided, in order, each
   * entry with its time and correlation id — which job decided it, and which entries came from the
   * same job (two jobs reconciling one object at once is where lost updates hide).
   */
  private async journalOf(thing: Thing): Promise<string> {
    const rows = await withTenant(
      'demo',
      async (tx) =>
        (
          await tx.query<{
            at: string;
            correlation_id: string | null;
            direction: string;
            outcome: string;
            reason: string;
            details: unknown;
          }>(
            `SELECT to_char(at, 'HH24:MI:SS.MS') AS at, correlation_id, direction, outcome, reason, details
               FROM journal WHERE s4_key = $1 OR exchange_item_id = $2 ORDER BY id`,
            [thing.s4Uuid ?? null, thing.itemId ?? null],
          )
        ).rows,
      this.system.db.pool,
    );
    return rows
      .map(
        (row) =>
          `${row.at} ${row.correlation_id ?? '-'} ${row.direction} ${row.outcome} ${row.reason} ${JSON.stringify(row.details)}`,
      )
      .join(' / ');
  }

  /** Every object has its links and journal entries: linked while alive, a tombstone or none after a delete. */
  private async linkAndJournalProblems(thing: Thing, name: string): Promise<string[]> {
    const found: string[] = [];
    const byKey = thing.s4Uuid
      ? { where: `kind = $1 AND s4_key = $2`, param: thing.s4Uuid }
      : { where: `kind = $1 AND exchange_item_id = $2`, param: thing.itemId };
    const linked = (await linksWhere(this.system, `${byKey.where} AND state = 'linked'`, [thing.kind, byKey.param]))
      .length;
    if (thing.alive && linked !== 1) found.push(`${name}: ${linked} linked links, expected 1`);
    if (!thing.alive && linked !== 0) found.push(`${name}: still ${linked} linked link(s) after the delete`);
    const reasons = await withTenant(
      'demo',
      async (tx) =>
        (
          await tx.query<{ reason: string }>(
            `SELECT reason FROM journal WHERE s4_key = $1 OR exchange_item_id = $2 ORDER BY id`,
            [thing.s4Uuid ?? null, thing.itemId ?? null],
          )
        ).rows.map((row) => row.reason),
      this.system.db.pool,
    );
    const created = thing.origin === 's4' ? 'created.exchange' : 'created.s4';
    if ((thing.alive || thing.counterpartSeen) && !reasons.some((reason) => reason.startsWith(created)))
      found.push(`${name}: no ${created} in the journal (${reasons.join(', ') || 'empty'})`);
    if (!thing.alive && thing.counterpartSeen && !reasons.some((reason) => reason.startsWith('deleted.')))
      found.push(`${name}: the delete is not in the journal (${reasons.join(', ')})`);
    return found;
  }
}

/** The dead letters, each with what it was about and why it died (the suite's most useful failure text). */
async function deadLetters(system: RunningSystem): Promise<string> {
  const rows = await withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<{ type: string; subject: string; attempts: number; last_error: unknown }>(
          `SELECT type, subject, attempts, last_error FROM inbox WHERE status = 'dead' ORDER BY id`,
        )
      ).rows,
    system.db.pool,
  );
  return rows
    .map((row) => `${row.type} ${row.subject} after ${row.attempts} attempts: ${JSON.stringify(row.last_error)}`)
    .join('; ');
}

/**
 * Quiescence, then the oracle: polls until the oracle finds nothing (or `timeoutMs`), then waits
 * until no work is open and asks once more, so a late duplicate or a revert still fails the run.
 */
export async function awaitConvergence(run: Run, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problems = await run.problems();
  while (problems.length > 0 && Date.now() < deadline) {
    await settle(250);
    problems = await run.problems();
  }
  if (process.env.FC_VERBOSE)
    console.info(`${run.tag}: oracle satisfied after ${timeoutMs - (deadline - Date.now())} ms`);
  if (problems.length === 0) {
    await waitFor(
      async () => {
        const open = await openWork(run.world.system);
        return (open.inbox === 0 && open.s4Events === 0) || undefined;
      },
      'the inbox to drain',
      Math.max(5_000, deadline - Date.now()),
    ).catch(() => undefined);
    problems = await run.problems();
    const dead = (await openWork(run.world.system)).dead;
    if (dead > 0) problems.push(`${dead} inbox event(s) dead-lettered: ${await deadLetters(run.world.system)}`);
  }
  if (problems.length > 0) {
    // What was still in flight says whether sync was slow (open inbox rows, undelivered events) or stuck.
    const open = await openWork(run.world.system);
    problems.push(`open work: ${open.inbox} inbox rows not done, ${open.s4Events} S/4 events undelivered`);
    throw new Error(`no convergence for ${run.tag}:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * A user's action, retried as a user would when their system answers with an error (faults hit
 * the users too). Only failures before anything happened are injected, so a retry never doubles.
 */
async function asUser<T>(what: string, action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= 8) throw new Error(`${what} kept failing: ${describe(error)}`);
      await settle(300 * attempt);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const record = error as { message?: string; ErrorCode?: unknown };
  return String(record?.message ?? JSON.stringify(error));
}

/** An S/4 user's action on the emulator's browser page (the SAP GUI's stand-in; same OData engine and events). */
async function s4Ui(system: RunningSystem, path: string, form: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${system.s4Emulator.url}/ui${path}`, {
    method: 'POST',
    body: new URLSearchParams(form),
    redirect: 'manual',
  });
  await response.arrayBuffer();
  if (response.status !== 303) throw new Error(`S/4 ${path} answered HTTP ${response.status}`);
}

const folderOf = (kind: Kind) => (kind === 'task' ? 'tasks' : 'calendar');
/** A due day as the instant users enter it: noon UTC is that day in every zone within ±11 h. */
const dueInstant = (day: string) => `${day}T12:00:00.000Z`;
/** A task date as Outlook shows it: the wall date Exchange wrote, whatever offset (as the EWS connector reads it). */
const ewsDate = (value: { MomentDate: { utcOffset(): number }; TotalMilliSeconds: number } | null | undefined) =>
  value ? new Date(value.TotalMilliSeconds + value.MomentDate.utcOffset() * 60_000).toISOString().slice(0, 10) : '';
const plusHour = (instant: string) => new Date(Date.parse(instant) + 3_600_000).toISOString();
const iso = (instant: string) => (instant ? new Date(Date.parse(instant)).toISOString() : '');
const subjects = (list: { subject?: string | undefined }[]) => list.map((entry) => entry.subject ?? '?').join(', ');
