import type { Appointment } from '../../../src/connectors/exchange/types.js';
import type { S4Appointment } from '../../../src/connectors/s4/types.js';
import { partnerLookup, type PartnerInfo } from '../../../src/sync/directory.js';
import { parseTenantSettings, type TenantSettings } from '../../../src/sync/settings.js';

export const NOW = '2026-03-01T12:00:00.000Z';

export const PARTNERS: PartnerInfo[] = [
  {
    id: 'EMP001',
    email: 'alice@demo.example',
    name: 'Alice',
    isEmployee: true,
    user: { mailbox: 'alice@demo.example', kinds: ['appointment', 'task', 'contact'] },
  },
  {
    id: 'EMP002',
    email: 'bob@demo.example',
    name: 'Bob',
    isEmployee: true,
    user: { mailbox: 'bob@demo.example', kinds: ['appointment', 'task'] },
  },
  {
    id: 'EMP003',
    email: 'carol@demo.example',
    name: 'Carol',
    isEmployee: true,
    user: { mailbox: 'carol@demo.example', kinds: ['task'] },
  },
  { id: 'EMP004', email: 'dave@demo.example', name: 'Dave', isEmployee: true },
  { id: 'CP100', email: 'paula@customer.example', name: 'Paula Meier', isEmployee: false },
  { id: 'CP101', name: 'No Mail', isEmployee: false },
];
export const lookup = partnerLookup(PARTNERS);

export function settings(overrides: Record<string, unknown> = {}): TenantSettings {
  const base = {
    appointments: {
      processTypes: [{ processType: 'ZVIS', textType: 'A002' }],
      exchangeToS4: 'category',
      defaultProcessType: 'ZVIS',
      ...(overrides.appointments as object | undefined),
    },
    tasks: {
      processTypes: [{ processType: 'ZTSK', textType: 'A001' }],
      exchangeToS4: 'category',
      defaultProcessType: 'ZTSK',
      ...(overrides.tasks as object | undefined),
    },
    conflicts: overrides.conflicts,
  };
  const r = parseTenantSettings(base);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

export function s4Appt(over: Partial<S4Appointment> = {}): S4Appointment {
  return {
    uuid: 'S4-UUID-1',
    id: '4711',
    processType: 'ZVIS',
    subject: 'Visit ACME',
    start: '2026-03-10T09:00:00.000Z',
    end: '2026-03-10T10:00:00.000Z',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    status: 'E0001',
    priority: '5',
    isPrivate: false,
    location: 'ACME HQ',
    texts: [{ textType: 'A002', text: 'Discuss the offer' }],
    partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001', isMain: true }],
    etag: 'e1',
    changedAt: '2026-03-01T10:00:00.000Z',
    ...over,
  };
}

export function exAppt(over: Partial<Appointment> = {}): Appointment {
  return {
    id: 'EX-1',
    changeKey: 'ck1',
    type: 'single',
    subject: 'Visit ACME',
    body: { type: 'html', content: '<html><body><p>Discuss the offer</p></body></html>' },
    start: '2026-03-10T09:00:00.000Z',
    end: '2026-03-10T10:00:00.000Z',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    location: 'ACME HQ',
    categories: ['S/4HANA'],
    sensitivity: 'normal',
    importance: 'normal',
    attendees: [],
    hasAttachments: false,
    lastModified: '2026-03-01T10:00:00.000Z',
    ...over,
  };
}
