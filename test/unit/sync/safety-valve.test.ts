import { describe, expect, it } from 'vitest';
import type { SyncAction } from '../../../src/sync/actions.js';
import { applySafetyValve, checkSafetyValve } from '../../../src/sync/safety-valve.js';

const limits = { maxDeletesPerMailbox: 3, maxDeletesPerTenant: 5, windowMinutes: 10 };
const NOW = '2026-03-01T12:00:00.000Z';
const ago = (min: number) => new Date(Date.parse(NOW) - min * 60_000).toISOString();
const del = (id: string): SyncAction[] => [
  { type: 'deleteExchangeItem', mailbox: 'a@x', itemId: id, journal: { outcome: 'deleted', reason: 'deleted.s4' } },
  { type: 'unlink', mailbox: 'a@x', tombstone: false, journal: { outcome: 'deleted', reason: 'deleted.s4' } },
];

describe('safety valve', () => {
  it('allows below the thresholds and trips at the mailbox threshold', () => {
    expect(checkSafetyValve(limits, { mailbox: [ago(1), ago(2)], tenant: [ago(1), ago(2)] }, NOW)).toEqual({
      allow: true,
    });
    expect(
      checkSafetyValve(limits, { mailbox: [ago(1), ago(2), ago(3)], tenant: [ago(1), ago(2), ago(3)] }, NOW),
    ).toEqual({ allow: false, scope: 'mailbox' });
  });

  it('trips at the tenant threshold across mailboxes', () => {
    expect(checkSafetyValve(limits, { mailbox: [], tenant: [ago(1), ago(1), ago(2), ago(3), ago(4)] }, NOW)).toEqual({
      allow: false,
      scope: 'tenant',
    });
  });

  it('releases as old actions leave the sliding window', () => {
    const full = [ago(9), ago(9.5), ago(9.9)];
    expect(checkSafetyValve(limits, { mailbox: full, tenant: full }, NOW).allow).toBe(false);
    const later = new Date(Date.parse(NOW) + 60_000).toISOString();
    expect(checkSafetyValve(limits, { mailbox: full, tenant: full }, later)).toEqual({ allow: true });
  });

  it('stays paused while deletions await an admin, even after the window passed', () => {
    expect(checkSafetyValve(limits, { mailbox: [], tenant: [], mailboxPending: true }, NOW)).toEqual({
      allow: false,
      scope: 'mailbox',
    });
    expect(checkSafetyValve(limits, { mailbox: [], tenant: [], tenantPending: true }, NOW)).toEqual({
      allow: false,
      scope: 'tenant',
    });
  });

  it('holds destructive actions beyond the threshold as pending deletions, with their unlink, and lets the rest proceed', () => {
    const actions: SyncAction[] = [
      ...del('1'),
      ...del('2'),
      { type: 'noop', reason: 'x', journal: { outcome: 'skipped', reason: 'x' } },
      ...del('3'),
    ];
    const r = applySafetyValve(actions, limits, { mailbox: [ago(1)], tenant: [ago(1)] }, NOW);
    expect(r.allowed).toBe(2);
    expect(r.held).toBe(1);
    expect(r.actions.map((a) => a.type)).toEqual([
      'deleteExchangeItem',
      'unlink',
      'deleteExchangeItem',
      'unlink',
      'noop',
      'pendingDeletion',
    ]);
    const p = r.actions[5] as Extract<SyncAction, { type: 'pendingDeletion' }>;
    expect(p).toMatchObject({
      scope: 'mailbox',
      action: { itemId: '3' },
      journal: { outcome: 'pending', reason: 'safetyValve.mailbox' },
    });
    expect(p.followUps.map((f) => f.type)).toEqual(['unlink']);
  });

  it('S/4 deletes and status changes count as destructive too', () => {
    const r = applySafetyValve(
      [
        { type: 'deleteS4', s4Key: 'k', etag: 'e', journal: { outcome: 'deleted', reason: 'deleted.exchange' } },
        {
          type: 'setS4Status',
          s4Key: 'k2',
          etag: 'e',
          status: 'E0003',
          journal: { outcome: 'deleted', reason: 'deleted.exchange.statusSet' },
        },
      ],
      { ...limits, maxDeletesPerMailbox: 1 },
      { mailbox: [], tenant: [] },
      NOW,
    );
    expect(r.actions.map((a) => a.type)).toEqual(['deleteS4', 'pendingDeletion']);
  });
});
