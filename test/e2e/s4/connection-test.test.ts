import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { adminApi } from '../sync/support.js';

/**
 * The S/4 connection Test as an administrator runs it (POST /api/v1/s4-connection/test) against the
 * S/4 emulator: passes when everything fits; names a property missing from a service's $metadata;
 * stops at the authentication step with a wrong password; names an entity set the communication
 * user may not read; and reports when the event sender has never posted a heartbeat.
 */
interface Step {
  step: string;
  name: string;
  service?: string;
  ok: boolean;
  message: string;
  problems?: string[];
}
interface Result {
  ok: boolean;
  steps: Step[];
}

let system: RunningSystem;
let api: ReturnType<typeof adminApi>;
const control = (path: string, body?: unknown, method = 'POST') =>
  fetch(`${system.s4Emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const runTest = async () => {
  const response = await api<Result>('POST', '/s4-connection/test');
  expect(response.status).toBe(200);
  return response.body;
};
const step = (result: Result, id: string, service?: string) =>
  result.steps.find((s) => s.step === id && (service === undefined || s.service === service))!;

beforeAll(async () => {
  system = await startSystem();
  api = adminApi(system);
});
afterAll(async () => system?.stop());

describe('S/4 connection Test (end to end against the S/4 emulator)', { timeout: 60_000 }, () => {
  it('with the events URL never called: every system step passes, the heartbeat step says no event was received', async () => {
    const result = await runTest();
    expect(result.steps.map((s) => [s.step, s.service ?? '', s.ok])).toEqual([
      ['reach', '', true],
      ['authenticate', '', true],
      ['metadata', 'API_BUSINESS_PARTNER', true],
      ['metadata', 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001', true],
      ['metadata', 'ZTANDEM_TASK_SRV', true],
      ['metadata', 'ZTANDEM_BP_SRV', true],
      ['read', 'API_BUSINESS_PARTNER', true],
      ['read', 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001', true],
      ['read', 'ZTANDEM_TASK_SRV', true],
      ['read', 'ZTANDEM_BP_SRV', true],
      ['heartbeat', '', false],
    ]);
    expect(result.ok).toBe(false);
    expect(step(result, 'heartbeat').message).toMatch(/^No event received yet — check the SM59 destination/);
  });

  it('passes once the event sender has posted its heartbeat', async () => {
    expect((await control('/events/heartbeat')).status).toBe(202);
    await system.s4Emulator.waitForEvents((entries) =>
      entries.some((e) => e.event.type === 'sap.s4.tandem.heartbeat.v1' && e.state === 'delivered'),
    );
    const result = await runTest();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(step(result, 'heartbeat').message).toMatch(
      /^Last heartbeat less than a minute ago from \/default\/sap\.s4\.beh\//,
    );
  });

  it("fails naming the property when a service's $metadata lacks one Tandem uses", async () => {
    expect(
      (await control('/metadata/hide', { entitySet: 'A_AppointmentActivity', property: 'ActivityExternalReference' }))
        .status,
    ).toBe(201);
    try {
      const result = await runTest();
      expect(result.ok).toBe(false);
      const metadata = step(result, 'metadata', 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001');
      expect(metadata.ok).toBe(false);
      expect(metadata.problems).toEqual([
        'OP_API_ACTIVITY_APPOINTMENT_SRV_0001: A_AppointmentActivity.ActivityExternalReference missing',
      ]);
      expect(result.steps.filter((s) => !s.ok).map((s) => s.name)).toEqual([
        'Services: OP_API_ACTIVITY_APPOINTMENT_SRV_0001 ($metadata)',
      ]);
    } finally {
      await control('/faults', undefined, 'DELETE');
    }
  });

  it('names the entity set the communication user may not read', async () => {
    await control('/faults', {
      status: 403,
      code: '/IWFND/CM_CONSUMER/101',
      message: 'No authorization',
      pathContains: 'A_BuPaIdentification',
      method: 'GET',
      count: 5,
    });
    try {
      const result = await runTest();
      const read = step(result, 'read', 'API_BUSINESS_PARTNER');
      expect(read.ok).toBe(false);
      expect(read.problems).toEqual([
        expect.stringMatching(
          /^API_BUSINESS_PARTNER\/A_BuPaIdentification: no authorization for TANDEM_COMM \(HTTP 403\)/,
        ),
      ]);
    } finally {
      await control('/faults', undefined, 'DELETE');
    }
  });

  it('with a wrong password fails at the authentication step and goes no further', async () => {
    const s4 = { kind: 'url', url: system.s4Emulator.url, username: 'TANDEM_COMM', sapClient: '100' };
    expect((await api('PUT', '/s4-connection', { ...s4, password: 'wrong-password' })).status).toBe(200);
    try {
      const result = await runTest();
      expect(result.ok).toBe(false);
      expect(step(result, 'reach').ok).toBe(true);
      expect(step(result, 'authenticate')).toMatchObject({
        ok: false,
        message: expect.stringMatching(/refused the logon of TANDEM_COMM \(HTTP 401\)/),
      });
      expect(
        result.steps
          .filter((s) => s.step === 'metadata')
          .every((s) => !s.ok && s.message.startsWith('Skipped because "Authenticate" failed')),
      ).toBe(true);
      expect(result.steps.some((s) => s.step === 'read')).toBe(false);
    } finally {
      expect((await api('PUT', '/s4-connection', { ...s4, password: 'demo-password' })).status).toBe(200);
    }
  });
});
