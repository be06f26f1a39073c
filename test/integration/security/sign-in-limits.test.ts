import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { basicAuth, createTenant, testConfig } from '../../support/service.js';

/**
 * Failed sign-ins on /s4/events with TRUST_PROXY_HOPS=1, as on Cloud Foundry: the gorouter appends
 * the address it saw to X-Forwarded-For, and only that last entry is believed. These requests stand
 * in for what arrives behind the gorouter: the caller's own header, then the gorouter's entry.
 * Auth succeeds → 415 here (no CloudEvent sent: nothing is stored), fails → 401, limited → 429.
 */
const S4_ADDRESS = '203.0.113.7';
const ATTACKER = '198.51.100.9';
let db: TestDatabase;
let web: RunningWeb;
let credential: { username: string; password: string };

beforeAll(async () => {
  db = await createTestDatabase();
  web = await startWeb(testConfig(db, uniqueRedisPrefix('signin'), { TRUST_PROXY_HOPS: '1' }), {
    port: 0,
    host: '127.0.0.1',
  });
  credential = await createTenant(db.pool, 'tenant-l');
});
afterAll(async () => {
  await web?.stop();
  await db?.drop();
});

/** A request as the gorouter forwards it: `spoofed` is what the caller wrote, `real` what the gorouter appended. */
async function post(real: string, auth: { username: string; password: string }, spoofed?: string): Promise<number> {
  const response = await fetch(`${web.url}/s4/events`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(auth),
      'content-type': 'text/plain',
      'x-forwarded-for': spoofed ? `${spoofed}, ${real}` : real,
    },
    body: 'x',
  });
  await response.arrayBuffer();
  return response.status;
}

describe('failed sign-ins cannot be aimed at someone else', () => {
  it('a spoofed X-Forwarded-For does not lock out the real caller', async () => {
    const wrong = { username: credential.username, password: 'wrong' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await post(ATTACKER, wrong, S4_ADDRESS));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // S/4 itself, at the address the attacker named, with the right credential.
    expect(await post(S4_ADDRESS, credential)).toBe(415);
  });

  it('rotating the spoofed header does not lift the limit', async () => {
    const wrong = { username: credential.username, password: 'still wrong' };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await post(ATTACKER, wrong, `192.0.2.${i + 1}`));
    expect(new Set(statuses)).toEqual(new Set([429]));
  });

  it('limits one address trying many user names', async () => {
    const from = '198.51.100.20';
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push(await post(from, { username: `TANDEM_GUESS${i}`, password: 'x' }));
    expect(statuses.filter((s) => s === 401).length).toBe(20);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it('limits one user name tried from many addresses, and still lets the real caller in', async () => {
    const wrong = { username: credential.username, password: 'distributed guess' };
    let limited = 0;
    for (let i = 0; i < 105; i++)
      if ((await post(`198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`, wrong)) === 429) limited++;
    expect(limited).toBeGreaterThan(0);
    // A new address guessing this user name is refused without a password check…
    expect(await post('198.18.9.9', wrong)).toBe(429);
    // …while the caller who signed in from its address before is not.
    expect(await post(S4_ADDRESS, credential)).toBe(415);
  });
});
