import { describe, expect, it } from 'vitest';
import { formatSubject, parseSubject, subjectScope, subjects, type InboxSubject } from '../../../src/inbox/subjects.js';

describe('subjectScope', () => {
  it('files inbox subjects under the object or mailbox the journal knows them by', () => {
    expect(subjectScope('s4:appointment:0a1b2c3d-0000-4000-8000-000000000001')).toEqual({
      objectKind: 'appointment',
      s4Key: '0a1b2c3d-0000-4000-8000-000000000001',
    });
    expect(subjectScope('s4:task:abc')).toEqual({ objectKind: 'task', s4Key: 'abc' });
    expect(subjectScope('s4:bp:1000042')).toEqual({ objectKind: 'contact', s4Key: '1000042' });
    expect(subjectScope('s4:bp-relationships:EMP001')).toEqual({ objectKind: 'contact', s4Key: 'EMP001' });
    expect(subjectScope('mailbox:6f1c0d4e-1111-4000-8000-000000000002:calendar')).toEqual({
      objectKind: 'mailbox',
      mailboxId: '6f1c0d4e-1111-4000-8000-000000000002',
    });
    expect(subjectScope('mailbox:6f1c0d4e-1111-4000-8000-000000000002:initial-load')).toEqual({
      objectKind: 'mailbox',
      mailboxId: '6f1c0d4e-1111-4000-8000-000000000002',
    });
    expect(subjectScope('something-else')).toEqual({});
  });
});

describe('inbox subjects', () => {
  const mailboxId = '6f1c0d4e-1111-4000-8000-000000000002';
  it('parse back to what built them', () => {
    const all: InboxSubject[] = [
      { kind: 's4Activity', object: 'appointment', uuid: '0a1b2c3d-0000-4000-8000-000000000001' },
      { kind: 's4Activity', object: 'task', uuid: '0a1b2c3d-0000-4000-8000-000000000001' },
      { kind: 's4BusinessPartner', partner: '1000042' },
      { kind: 's4Relationships', partner: 'EMP001' },
      { kind: 'mailboxFolder', mailboxId, folder: 'contacts' },
      { kind: 'initialLoad', mailboxId },
      { kind: 'seriesWindow', mailboxId },
    ];
    for (const subject of all) expect(parseSubject(formatSubject(subject))).toEqual(subject);
    expect(subjects.activity('appointment', 'ABC')).toBe('s4:appointment:abc');
  });

  it('refuse what Tandem does not write', () => {
    for (const text of [
      's4:appointment:',
      's4:order:1',
      `mailbox:${mailboxId}:inbox`,
      'mailbox:alice@x:calendar',
      'other',
    ])
      expect(parseSubject(text)).toBeUndefined();
  });
});
