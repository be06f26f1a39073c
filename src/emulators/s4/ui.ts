import { Router, type Request, type Response } from 'express';
import { SAP_TO_IANA, sapTimeZoneToIana, zonedWallTimeToMs, zoneOffsetMinutes } from './time-zones.js';
import type { ODataService } from './engine.js';
import { GatewayError } from './gateway-error.js';
import { PROCESS_TYPES } from './model.js';
import { DEMO } from './seed.js';
import type { Row, S4Store } from './store.js';

/**
 * The emulator's browser page — the stand-in for the SAP GUI: list, create, edit and delete
 * appointments, tasks, business partners and BUR011 relationships. Every action goes through the
 * same OData engine as API calls (user DEMO_UI), so it raises the same events.
 */
export function createUiRouter(services: Map<string, ODataService>, store: S4Store): Router {
  const router = Router();
  const odata = (service: string, method: string, path: string, body?: unknown): void => {
    (services.get(service) as ODataService).handle(
      {
        method,
        path,
        query: '',
        headers: { 'if-match': '*' },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      `/sap/opu/odata/sap/${service}`,
      'DEMO_UI',
      true,
    );
  };
  const act = (res: Response, fn: () => void): void => {
    try {
      fn();
      res.redirect(303, '/ui');
    } catch (error) {
      const message = error instanceof GatewayError ? error.message : (error as Error).message;
      res
        .status(error instanceof GatewayError ? error.status : 500)
        .type('html')
        .send(page('Error', `<p class="err">${esc(message)}</p><p><a href="/ui">Back</a></p>`));
    }
  };
  const APPT = 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001';
  const TASK = 'ZTANDEM_TASK_SRV';
  const BP = 'API_BUSINESS_PARTNER';
  const TANDEM_BP = 'ZTANDEM_BP_SRV';

  router.get('/', (_req, res) => {
    res.type('html').send(page('S/4HANA emulator', overview(store)));
  });

  router.get('/appointments/:uuid', (req, res) => {
    const row = store.get('A_AppointmentActivity', { ActivityUUID: req.params.uuid });
    if (!row) {
      res.status(404).send('not found');
      return;
    }
    res.type('html').send(page(`Appointment ${String(row.Activity)}`, appointmentForm(row, store)));
  });
  router.post('/appointments', (req, res) =>
    act(res, () =>
      odata(APPT, 'POST', 'A_AppointmentActivity', {
        ...appointmentHeader(req),
        ActivityProcessType: field(req, 'processType') || 'ZVIS',
        to_Partner: partnersFrom(req),
        to_Text: [{ LongTextID: 'A002', Language: 'EN', LongText: field(req, 'note') }],
      }),
    ),
  );
  router.post('/appointments/:uuid', (req, res) =>
    act(res, () => {
      const uuid = req.params.uuid as string;
      odata(APPT, 'MERGE', `A_AppointmentActivity(guid'${uuid}')`, appointmentHeader(req));
      upsertNote(odata, APPT, 'A_AppointmentActivityText', store, uuid, field(req, 'note'));
    }),
  );
  router.post('/appointments/:uuid/delete', (req, res) =>
    act(res, () => odata(APPT, 'DELETE', `A_AppointmentActivity(guid'${req.params.uuid as string}')`)),
  );

  router.get('/tasks/:uuid', (req, res) => {
    const row = store.get('TaskActivity', { ActivityUUID: req.params.uuid });
    if (!row) {
      res.status(404).send('not found');
      return;
    }
    res.type('html').send(page(`Task ${String(row.Activity)}`, taskForm(row, store)));
  });
  router.post('/tasks', (req, res) =>
    act(res, () =>
      odata(TASK, 'POST', 'TaskActivity', {
        ...taskHeader(req),
        ActivityProcessType: 'ZTSK',
        to_Partner: partnersFrom(req),
        to_Text: [{ LongTextID: 'A002', Language: 'EN', LongText: field(req, 'note') }],
      }),
    ),
  );
  router.post('/tasks/:uuid', (req, res) =>
    act(res, () => {
      const uuid = req.params.uuid as string;
      odata(TASK, 'MERGE', `TaskActivity(guid'${uuid}')`, taskHeader(req));
      upsertNote(odata, TASK, 'TaskActivityText', store, uuid, field(req, 'note'));
    }),
  );
  router.post('/tasks/:uuid/delete', (req, res) =>
    act(res, () => odata(TASK, 'DELETE', `TaskActivity(guid'${req.params.uuid as string}')`)),
  );

  router.post('/partners', (req, res) =>
    act(res, () => {
      const org = field(req, 'organization');
      odata(
        BP,
        'POST',
        'A_BusinessPartner',
        org
          ? { BusinessPartnerCategory: '2', OrganizationBPName1: org }
          : { BusinessPartnerCategory: '1', FirstName: field(req, 'firstName'), LastName: field(req, 'lastName') },
      );
    }),
  );
  router.post('/partners/:id', (req, res) =>
    act(res, () => {
      const id = req.params.id as string;
      const row = store.get('A_BusinessPartner', { BusinessPartner: id });
      odata(
        BP,
        'MERGE',
        `A_BusinessPartner('${id}')`,
        row?.BusinessPartnerCategory === '2'
          ? { OrganizationBPName1: field(req, 'organization') }
          : { FirstName: field(req, 'firstName'), LastName: field(req, 'lastName') },
      );
    }),
  );
  router.post('/partners/:id/delete', (req, res) =>
    act(res, () => odata(BP, 'DELETE', `A_BusinessPartner('${req.params.id as string}')`)),
  );
  router.post('/relationships', (req, res) =>
    act(res, () =>
      odata(TANDEM_BP, 'POST', 'BPRelationship', {
        BusinessPartner1: field(req, 'bp1'),
        BusinessPartner2: field(req, 'bp2'),
        RelationshipCategory: field(req, 'category') || 'BUR011',
      }),
    ),
  );
  router.post('/relationships/:number/delete', (req, res) =>
    act(res, () => {
      const rel = store.list('BPRelationship').find((r) => r.RelationshipNumber === req.params.number);
      if (!rel) throw new Error('Relationship not found');
      odata(
        TANDEM_BP,
        'DELETE',
        `BPRelationship(RelationshipNumber='${String(rel.RelationshipNumber)}',BusinessPartner1='${String(rel.BusinessPartner1)}',BusinessPartner2='${String(rel.BusinessPartner2)}',ValidityEndDate=datetime'${new Date(rel.ValidityEndDate as number).toISOString().slice(0, 19)}')`,
      );
    }),
  );
  return router;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

function wallToIso(value: string, sapZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  return new Date(zonedWallTimeToMs(sapTimeZoneToIana(sapZone), +m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!)).toISOString();
}

function msToWall(ms: unknown, sapZone: unknown): string {
  if (typeof ms !== 'number') return '';
  const zone = sapTimeZoneToIana(String(sapZone ?? 'UTC'));
  return new Date(ms + zoneOffsetMinutes(zone, ms) * 60_000).toISOString().slice(0, 16);
}

function appointmentHeader(req: Request): Record<string, unknown> {
  const tz = field(req, 'timeZone') || 'CET';
  return {
    ActivityDescription: field(req, 'subject'),
    ActivityTimeZone: tz,
    AppointmentStartDateTime: wallToIso(field(req, 'start'), tz),
    AppointmentEndDateTime: wallToIso(field(req, 'end'), tz),
    ActivityLocation: field(req, 'location'),
    ActivityStatus: field(req, 'status') || 'E0001',
    ActivityPriority: field(req, 'priority') || '5',
    ActivityIsPrivate: field(req, 'private') === 'on',
  };
}

function taskHeader(req: Request): Record<string, unknown> {
  const tz = field(req, 'timeZone') || 'CET';
  return {
    ActivityDescription: field(req, 'subject'),
    ActivityTimeZone: tz,
    TaskStartDateTime: wallToIso(field(req, 'start'), tz),
    TaskDueDateTime: wallToIso(field(req, 'due'), tz),
    TaskCompletionPercent: Number(field(req, 'percent') || '0'),
    ActivityStatus: field(req, 'status') || 'E0001',
    ActivityPriority: field(req, 'priority') || '5',
    ActivityIsPrivate: field(req, 'private') === 'on',
  };
}

function partnersFrom(req: Request): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    {
      PartnerFunction: DEMO.partnerFunctions.employeeResponsible,
      BusinessPartner: field(req, 'employee') || DEMO.employees.alice,
      IsMainPartner: true,
    },
  ];
  const contact = field(req, 'contact');
  if (contact)
    out.push({ PartnerFunction: DEMO.partnerFunctions.contactPerson, BusinessPartner: contact, IsMainPartner: true });
  return out;
}

function upsertNote(
  odata: (s: string, m: string, p: string, b?: unknown) => void,
  service: string,
  set: string,
  store: S4Store,
  uuid: string,
  note: string,
): void {
  const existing = store.get(set, { ActivityUUID: uuid, LongTextID: 'A002', Language: 'EN' });
  if (existing)
    odata(service, 'MERGE', `${set}(ActivityUUID=guid'${uuid}',LongTextID='A002',Language='EN')`, { LongText: note });
  else odata(service, 'POST', set, { ActivityUUID: uuid, LongTextID: 'A002', Language: 'EN', LongText: note });
}

function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:Arial,sans-serif;margin:1.5em;background:#f7f7f7}table{border-collapse:collapse;margin-bottom:1em;background:#fff}
td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}th{background:#dde6ee}form.inline{display:inline}
fieldset{background:#fff;margin-bottom:1em}label{display:inline-block;margin:2px 8px 2px 0}.err{color:#b00}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function tzOptions(selected: unknown): string {
  return Object.keys(SAP_TO_IANA)
    .map((code) => `<option${code === selected ? ' selected' : ''}>${code}</option>`)
    .join('');
}

function partnerText(store: S4Store, set: string, uuid: unknown): string {
  return store
    .list(set)
    .filter((p) => p.ActivityUUID === uuid)
    .map((p) => `${esc(p.PartnerFunction)}: ${esc(p.BusinessPartner)}`)
    .join('<br>');
}

function noteOf(store: S4Store, set: string, uuid: unknown): string {
  return String(store.list(set).find((t) => t.ActivityUUID === uuid && t.LongTextID === 'A002')?.LongText ?? '');
}

function overview(store: S4Store): string {
  const appts = store
    .list('A_AppointmentActivity')
    .map(
      (a) => `<tr><td><a href="/ui/appointments/${esc(a.ActivityUUID)}">${esc(a.Activity)}</a></td>
<td>${esc(a.ActivityProcessType)}</td><td>${esc(a.ActivityDescription)}</td><td>${esc(msToWall(a.AppointmentStartDateTime, a.ActivityTimeZone))}</td>
<td>${esc(msToWall(a.AppointmentEndDateTime, a.ActivityTimeZone))}</td><td>${esc(a.ActivityTimeZone)}</td><td>${partnerText(store, 'A_AppointmentActivityPartner', a.ActivityUUID)}</td>
<td><form class="inline" method="post" action="/ui/appointments/${esc(a.ActivityUUID)}/delete"><button>Delete</button></form></td></tr>`,
    )
    .join('');
  const tasks = store
    .list('TaskActivity')
    .map(
      (t) => `<tr><td><a href="/ui/tasks/${esc(t.ActivityUUID)}">${esc(t.Activity)}</a></td>
<td>${esc(t.ActivityDescription)}</td><td>${esc(msToWall(t.TaskDueDateTime, t.ActivityTimeZone))}</td><td>${esc(t.TaskCompletionPercent)} %</td>
<td>${partnerText(store, 'TaskActivityPartner', t.ActivityUUID)}</td>
<td><form class="inline" method="post" action="/ui/tasks/${esc(t.ActivityUUID)}/delete"><button>Delete</button></form></td></tr>`,
    )
    .join('');
  const bps = store
    .list('A_BusinessPartner')
    .map(
      (
        b,
      ) => `<tr><td>${esc(b.BusinessPartner)}</td><td>${b.BusinessPartnerCategory === '2' ? 'Organization' : 'Person'}</td>
<td><form class="inline" method="post" action="/ui/partners/${esc(b.BusinessPartner)}">${
        b.BusinessPartnerCategory === '2'
          ? `<input name="organization" value="${esc(b.OrganizationBPName1)}">`
          : `<input name="firstName" value="${esc(b.FirstName)}"><input name="lastName" value="${esc(b.LastName)}">`
      }<button>Save</button></form></td>
<td><form class="inline" method="post" action="/ui/partners/${esc(b.BusinessPartner)}/delete"><button>Delete</button></form></td></tr>`,
    )
    .join('');
  const rels = store
    .list('BPRelationship')
    .map(
      (
        r,
      ) => `<tr><td>${esc(r.RelationshipNumber)}</td><td>${esc(r.BusinessPartner1)}</td><td>${esc(r.RelationshipCategory)}</td>
<td>${esc(r.BusinessPartner2)}</td><td><form class="inline" method="post" action="/ui/relationships/${esc(r.RelationshipNumber)}/delete"><button>Delete</button></form></td></tr>`,
    )
    .join('');
  return `<p>System S4D, client 100. Times are shown in each activity's time zone.</p>
<h2>Appointments</h2><table><tr><th>ID</th><th>Type</th><th>Description</th><th>Start</th><th>End</th><th>TZ</th><th>Partners</th><th></th></tr>${appts}</table>
<fieldset><legend>New appointment</legend>${appointmentFields({ ActivityTimeZone: 'CET' }, '')}<input type="hidden"></fieldset>
<h2>Tasks</h2><table><tr><th>ID</th><th>Description</th><th>Due</th><th>Done</th><th>Partners</th><th></th></tr>${tasks}</table>
<fieldset><legend>New task</legend>${taskFields({ ActivityTimeZone: 'CET' }, '')}</fieldset>
<h2>Business partners</h2><table><tr><th>BP</th><th>Category</th><th>Name</th><th></th></tr>${bps}</table>
<fieldset><legend>New business partner</legend><form method="post" action="/ui/partners"><label>First name <input name="firstName"></label>
<label>Last name <input name="lastName"></label><label>or organization <input name="organization"></label><button>Create</button></form></fieldset>
<h2>Relationships</h2><table><tr><th>No.</th><th>BP 1</th><th>Category</th><th>BP 2</th><th></th></tr>${rels}</table>
<fieldset><legend>New relationship</legend><form method="post" action="/ui/relationships"><label>BP 1 (customer/contact) <input name="bp1"></label>
<label>Category <input name="category" value="BUR011"></label><label>BP 2 (employee) <input name="bp2" value="${DEMO.employees.alice}"></label><button>Create</button></form></fieldset>`;
}

function appointmentFields(row: Partial<Row>, note: string, action = '/ui/appointments'): string {
  const types = Object.keys(PROCESS_TYPES.appointment)
    .map((t) => `<option${t === row.ActivityProcessType ? ' selected' : ''}>${t}</option>`)
    .join('');
  return `<form method="post" action="${action}">
<label>Type <select name="processType">${types}</select></label><label>Description <input name="subject" maxlength="40" value="${esc(row.ActivityDescription)}"></label>
<label>Start <input type="datetime-local" name="start" value="${esc(msToWall(row.AppointmentStartDateTime, row.ActivityTimeZone))}"></label>
<label>End <input type="datetime-local" name="end" value="${esc(msToWall(row.AppointmentEndDateTime, row.ActivityTimeZone))}"></label>
<label>Time zone <select name="timeZone">${tzOptions(row.ActivityTimeZone)}</select></label><label>Location <input name="location" value="${esc(row.ActivityLocation)}"></label>
<label>Status <input name="status" size="5" value="${esc(row.ActivityStatus ?? 'E0001')}"></label><label>Priority <input name="priority" size="1" value="${esc(row.ActivityPriority ?? '5')}"></label>
<label>Private <input type="checkbox" name="private"${row.ActivityIsPrivate ? ' checked' : ''}></label>
${row.ActivityUUID ? '' : `<label>Employee <input name="employee" value="${DEMO.employees.alice}"></label><label>Contact <input name="contact" value="${DEMO.contacts.max}"></label>`}
<br><label>Note <textarea name="note" rows="2" cols="60">${esc(note)}</textarea></label><button>Save</button></form>`;
}

function taskFields(row: Partial<Row>, note: string, action = '/ui/tasks'): string {
  return `<form method="post" action="${action}">
<label>Description <input name="subject" maxlength="40" value="${esc(row.ActivityDescription)}"></label>
<label>Start <input type="datetime-local" name="start" value="${esc(msToWall(row.TaskStartDateTime, row.ActivityTimeZone))}"></label>
<label>Due <input type="datetime-local" name="due" value="${esc(msToWall(row.TaskDueDateTime, row.ActivityTimeZone))}"></label>
<label>Time zone <select name="timeZone">${tzOptions(row.ActivityTimeZone)}</select></label>
<label>Done % <input name="percent" size="3" value="${esc(row.TaskCompletionPercent ?? 0)}"></label>
<label>Status <input name="status" size="5" value="${esc(row.ActivityStatus ?? 'E0001')}"></label><label>Priority <input name="priority" size="1" value="${esc(row.ActivityPriority ?? '5')}"></label>
<label>Private <input type="checkbox" name="private"${row.ActivityIsPrivate ? ' checked' : ''}></label>
${row.ActivityUUID ? '' : `<label>Employee <input name="employee" value="${DEMO.employees.alice}"></label><label>Contact <input name="contact" value=""></label>`}
<br><label>Note <textarea name="note" rows="2" cols="60">${esc(note)}</textarea></label><button>Save</button></form>`;
}

function appointmentForm(row: Row, store: S4Store): string {
  return `${appointmentFields(row, noteOf(store, 'A_AppointmentActivityText', row.ActivityUUID), `/ui/appointments/${esc(row.ActivityUUID)}`)}
<p>Partners:<br>${partnerText(store, 'A_AppointmentActivityPartner', row.ActivityUUID)}</p><p><a href="/ui">Back</a></p>`;
}

function taskForm(row: Row, store: S4Store): string {
  return `${taskFields(row, noteOf(store, 'TaskActivityText', row.ActivityUUID), `/ui/tasks/${esc(row.ActivityUUID)}`)}
<p>Partners:<br>${partnerText(store, 'TaskActivityPartner', row.ActivityUUID)}</p><p><a href="/ui">Back</a></p>`;
}
