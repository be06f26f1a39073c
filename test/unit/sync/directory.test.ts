import { describe, expect, it } from 'vitest';
import { layeredLookup, partnerLookup } from '../../../src/sync/index.js';

describe('layeredLookup', () => {
  it("answers from the tenant's users first and from the object's partners otherwise, by id and by e-mail", () => {
    const users = partnerLookup([
      {
        id: 'EMP001',
        email: 'alice@demo.example',
        isEmployee: true,
        user: { mailbox: 'alice@demo.example', kinds: ['appointment'] },
      },
    ]);
    const partners = partnerLookup([
      { id: 'EMP001', email: 'stale@demo.example', isEmployee: true },
      { id: 'CP100', email: 'Ann@Customer.example', isEmployee: false, name: 'Ann' },
    ]);
    const lookup = layeredLookup(users, partners);
    expect(lookup.byId('EMP001')?.user?.mailbox).toBe('alice@demo.example');
    expect(lookup.byId('CP100')?.name).toBe('Ann');
    expect(lookup.byEmail('ann@customer.example')?.id).toBe('CP100');
    expect(lookup.byEmail('alice@demo.example')?.id).toBe('EMP001');
    expect(lookup.byId('NOPE')).toBeUndefined();
  });
});
