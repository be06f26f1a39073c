import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/emulators/s4/filter.js';
import { GatewayError } from '../../../src/emulators/s4/gateway-error.js';
import { checkTaskServiceList } from '../../../src/emulators/s4/task-service-lists.js';

/**
 * The S/4 emulator's ZTANDEM_TASK_SRV refuses the lists Tandem's ABAP data provider refuses
 * (ZCL_TANDEM_TASK_SERVICE, docs/s4-setup.md section 7), and accepts every query Tandem's connector
 * and S/4 Test send.
 */
function outcome(set: string, filter?: string, top?: number, skip?: number): string {
  try {
    checkTaskServiceList(set, filter === undefined ? undefined : parseFilter(filter), top, skip);
    return 'ok';
  } catch (error) {
    if (error instanceof GatewayError) return `${error.status} ${error.message}`;
    throw error;
  }
}

const from = "datetimeoffset'2026-12-01T00:00:00.000Z'";
const to = "datetimeoffset'2027-01-01T00:00:00.000Z'";

describe('ZTANDEM_TASK_SRV list rules (emulated as the ABAP service applies them)', () => {
  it("accepts the connector's queries and the S/4 Test's $top=1", () => {
    expect(outcome('TaskActivity', "ActivityExternalReference eq 'AAMkAGI2TG93AAA='")).toBe('ok');
    expect(outcome('TaskActivity', `LastChangeDateTime ge ${from}`, 100, 200)).toBe('ok');
    expect(
      outcome(
        'TaskActivity',
        `(ActivityUUID eq guid'd44eaae1-ab6f-442c-aeb4-64e2c35497cc' or ActivityUUID eq guid'0f5d2a8e-5b7c-4c1e-9a3f-2d8c6b1e4f70') and (TaskDueDateTime ge ${from} or TaskDueDateTime eq null) and (TaskStartDateTime lt ${to} or TaskStartDateTime eq null)`,
      ),
    ).toBe('ok');
    expect(
      outcome(
        'TaskActivityPartner',
        "BusinessPartner eq 'EMP001' and (PartnerFunction eq '00000014' or PartnerFunction eq '00000032')",
      ),
    ).toBe('ok');
    for (const set of ['TaskActivity', 'TaskActivityPartner', 'TaskActivityText'])
      expect(outcome(set, undefined, 1)).toBe('ok');
    expect(outcome('A_AppointmentActivity')).toBe('ok');
  });

  it('refuses a list that would scan every task (400)', () => {
    expect(outcome('TaskActivity')).toBe('400 TaskActivity without $filter: give $top (at most 100)');
    expect(outcome('TaskActivity', undefined, 100, 1)).toBe(
      '400 TaskActivity without $filter: give $top (at most 100)',
    );
    expect(outcome('TaskActivity', "ActivityPriority eq '5'")).toBe(
      '400 Filter TaskActivity by ActivityUUID, ActivityExternalReference (eq) or LastChangeDateTime (ge)',
    );
    expect(outcome('TaskActivity', `LastChangeDateTime le ${to}`)).toMatch(/^400 /);
    expect(outcome('TaskActivityPartner', "BusinessPartner eq 'EMP001' or BusinessPartner eq 'EMP002'")).toBe(
      '400 Filter TaskActivityPartner by one BusinessPartner (eq) or by ActivityUUID',
    );
    expect(outcome('TaskActivityText', "LongTextID eq 'A002'")).toMatch(/^400 /);
  });

  it('refuses a filter Gateway cannot pass as select options (501)', () => {
    const notSelectOptions = '501 This $filter on TaskActivity cannot be evaluated (not expressible as select options)';
    expect(outcome('TaskActivity', `ActivityExternalReference eq 'X' or LastChangeDateTime ge ${from}`)).toBe(
      notSelectOptions,
    );
    expect(outcome('TaskActivity', "substringof('offer', ActivityDescription)")).toBe(notSelectOptions);
    expect(outcome('TaskActivity', "not (ActivityExternalReference eq 'X')")).toBe(notSelectOptions);
  });
});
