import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defaultTenantSettings,
  parseTenantSettings,
  statusCodeFor,
  tenantSettingsSchema,
} from '../../../src/sync/settings.js';

describe('tenant settings', () => {
  it('defaults are the documented ones', () => {
    const s = defaultTenantSettings();
    expect(s.appointments).toMatchObject({
      enabled: true,
      processTypes: [],
      exchangeToS4: 'off',
      category: 'S/4HANA',
      syncTag: '#S4',
      syncPrivate: false,
      recurringToS4: 'off',
      partnerFunctions: { responsible: '00000014', contactPerson: '00000015', attendee: '00000032' },
      contactPersonsAs: 'attendees',
      onOutlookDelete: 'delete',
      statusMap: { E0001: 'open', E0002: 'inProcess', E0003: 'completed' },
    });
    expect(s.appointments.priorityMap['1']).toBe('high');
    expect(s.appointments.priorityMap['9']).toBe('low');
    expect(s.contacts).toEqual({
      enabled: true,
      customerContactRelationship: 'BUR001',
      viaContactPerson: { enabled: true, relationship: 'BUR011' },
      viaCustomer: { enabled: true, relationship: 'BUR011' },
    });
    expect(s.syncWindow).toEqual({ daysBack: 30, daysAhead: 365 });
    expect(s.safetyValve).toEqual({ maxDeletesPerMailbox: 50, maxDeletesPerTenant: 500, windowMinutes: 10 });
    expect(s.conflicts.policy).toBe('merge');
    expect(s.conflicts.fieldOwners).toMatchObject({
      subject: 'exchange',
      start: 'exchange',
      location: 'exchange',
      body: 'exchange',
      status: 's4',
      importance: 's4',
      attendees: 's4',
    });
  });

  it('settings saved with the one employee relationship type become both contact triggers, on, with that type', () => {
    const r = parseTenantSettings({
      contacts: { enabled: true, customerContactRelationship: 'ZCP001', employeeRelationship: 'ZEMP01' },
    });
    expect(r.ok && r.settings.contacts).toEqual({
      enabled: true,
      customerContactRelationship: 'ZCP001',
      viaContactPerson: { enabled: true, relationship: 'ZEMP01' },
      viaCustomer: { enabled: true, relationship: 'ZEMP01' },
    });
    // A trigger already in the new shape is kept as it is.
    const mixed = parseTenantSettings({
      contacts: { employeeRelationship: 'ZEMP01', viaCustomer: { enabled: false, relationship: 'ZCUS01' } },
    });
    expect(mixed.ok && mixed.settings.contacts.viaCustomer).toEqual({ enabled: false, relationship: 'ZCUS01' });
    expect(mixed.ok && mixed.settings.contacts.viaContactPerson).toEqual({ enabled: true, relationship: 'ZEMP01' });
  });

  it('a partial input keeps the other defaults', () => {
    const r = parseTenantSettings({
      appointments: { processTypes: [{ processType: 'ZVIS', textType: 'A002' }] },
      syncWindow: { daysAhead: 90 },
    });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.settings.appointments.processTypes).toEqual([{ processType: 'ZVIS', textType: 'A002' }]);
      expect(r.settings.syncWindow).toEqual({ daysBack: 30, daysAhead: 90 });
      expect(r.settings.appointments.attachments).toEqual({ enabled: false, maxSizeKb: 3072 });
    }
  });

  it('returns field errors with paths', () => {
    const r = parseTenantSettings({
      appointments: {
        processTypes: [
          { processType: 'ZVIS', textType: '' },
          { processType: 'ZVIS', textType: 'A002' },
        ],
        exchangeToS4: 'sometimes',
        partnerFunctions: { attendee: '32' },
      },
      tasks: { exchangeToS4: 'category', onOutlookDelete: 'setStatus' },
      safetyValve: { maxDeletesPerMailbox: 0 },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        'appointments.exchangeToS4',
        'appointments.partnerFunctions.attendee',
        'appointments.processTypes[0].textType',
        'safetyValve.maxDeletesPerMailbox',
      ].sort(),
    );
    expect(r.errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it('cross-field rules report at the field', () => {
    const r = parseTenantSettings({
      appointments: {
        processTypes: [
          { processType: 'ZVIS', textType: 'A002' },
          { processType: 'ZVIS', textType: 'A003' },
        ],
      },
      tasks: { exchangeToS4: 'category', onOutlookDelete: 'setStatus' },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: 'appointments.processTypes[1].processType', message: 'process type ZVIS is listed twice' },
        { path: 'tasks.defaultProcessType', message: 'required when exchangeToS4 is not off' },
        { path: 'tasks.deletedStatus', message: 'required when onOutlookDelete is setStatus' },
      ]),
    );
  });

  it('non-object input is an error at the root', () => {
    const r = parseTenantSettings('nope');
    expect(r).toEqual({ ok: false, errors: [expect.objectContaining({ path: '' })] });
  });

  it('every option has a description for the cockpit and OpenAPI', () => {
    const json = z.toJSONSchema(tenantSettingsSchema, { io: 'input' }) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      const props = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        if (typeof v.description !== 'string' || v.description === '') missing.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
        const items = v.items as Record<string, unknown> | undefined;
        if (items) walk(items, `${path}${k}[].`);
      }
    };
    walk(json, '');
    expect(missing).toEqual([]);
  });

  it('statusCodeFor picks the first code of a status', () => {
    expect(statusCodeFor({ E0009: 'completed', E0003: 'completed', E0001: 'open' }, 'completed')).toBe('E0009');
    expect(statusCodeFor({ E0001: 'open' }, 'completed')).toBeUndefined();
  });
});
