import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TandemError } from '../../../src/errors/tandem-error.js';
import { parseS4EventRequest } from '../../../src/http/s4-events/routes.js';
import { S4_HEARTBEAT_TYPE } from '../../../src/inbox/s4-event.js';
import { ROOT, transpileAbap, type TranspiledAbap } from '../../support/abap.js';

/**
 * The S/4 half of Tandem (abap/, abapGit package ZTANDEM) is checked like the TypeScript half:
 * abaplint with the committed abaplint.json, its ABAP Unit tests run in Node through the
 * abaplint transpiler, and the CloudEvents its payload and batching classes produce must pass
 * the very validation POST /s4/events applies — so the two sides cannot drift apart.
 */
const run = promisify(execFile);

describe('abap/ package', () => {
  let abap: TranspiledAbap;
  beforeAll(async () => { abap = await transpileAbap(); }, 120_000);

  it('passes abaplint with 0 issues (release 7.55 / S/4HANA 2020, syntax, naming, obsolete statements)', async () => {
    const cli = join(ROOT, 'node_modules/@abaplint/cli/abaplint');
    const result = await run(process.execPath, [cli, 'abaplint.json', '-f', 'json'], { cwd: ROOT, maxBuffer: 10_000_000 })
      .catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const issues = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as Array<{ file: string; start: { row: number }; message: string; key: string }>;
    expect(issues.map((i) => `${i.file}:${i.start.row} ${i.message} (${i.key})`)).toEqual([]);
  }, 60_000);

  it('runs the ABAP Unit tests of ZCL_TANDEM_EVENT, ZCL_TANDEM_EVENT_BATCH, ZCL_TANDEM_TASK_MAP and ZCL_TANDEM_TASK_SERVICE', async () => {
    const output = await abap.runUnitTests();
    const ran = output.split('\n').filter((line) => line.includes(': running '));
    expect(ran.filter((l) => l.startsWith('ZCL_TANDEM_EVENT:')).length).toBeGreaterThanOrEqual(9);
    expect(ran.filter((l) => l.startsWith('ZCL_TANDEM_EVENT_BATCH:')).length).toBeGreaterThanOrEqual(7);
    expect(ran.filter((l) => l.startsWith('ZCL_TANDEM_TASK_MAP:')).length).toBeGreaterThanOrEqual(15);
    expect(ran.filter((l) => l.startsWith('ZCL_TANDEM_TASK_SERVICE:')).length).toBeGreaterThanOrEqual(15);
  }, 60_000);

  it('a failing ABAP Unit assertion fails the run (mutation: the back-off expectation changed)', async () => {
    const mutant = await transpileAbap((file, text) => file === 'zcl_tandem_event_batch.clas.testclasses.abap'
      ? text.replace('exp = 120 )', 'exp = 121 )') : text);
    await expect(mutant.runUnitTests()).rejects.toThrow(/ltcl_batch->retry_backs_off[\s\S]*expected <121> but was <120>/);
  }, 120_000);

  it('produces events and batches that POST /s4/events accepts, every type and action', async () => {
    const { events, batches } = await abap.produceEvents();
    const accepted = parseS4EventRequest(events, true);
    expect(accepted).toHaveLength(events.length);
    const types = new Set(accepted.map((e) => e.event.type));
    for (const object of ['appointment.v1.Appointment', 'task.v1.Task', 'businesspartner.v1.BusinessPartner', 'bprelationship.v1.BPRelationship']) {
      for (const action of ['Created', 'Changed', 'Deleted']) expect(types).toContain(`sap.s4.beh.${object}.${action}.v1`);
    }
    expect(types).toContain(S4_HEARTBEAT_TYPE);
    expect(accepted.find((e) => e.event.type.includes('Appointment'))!.subject).toBe('s4:appointment:d44eaae1-ab6f-442c-aeb4-64e2c35497cc');
    // Every batch body is a request POST /s4/events accepts as it stands, and together they carry every event once, in order.
    const batched = batches.flatMap((body) => parseS4EventRequest(JSON.parse(body), true).map((e) => e.event.id));
    expect(batches.length).toBe(Math.ceil(events.length / 7));
    expect(batched).toEqual(accepted.map((e) => e.event.id));
  }, 60_000);

  it('fails when the ABAP payload has a wrong field (mutation: ActivityUUID renamed)', async () => {
    const mutant = await transpileAbap((file, text) => file === 'zcl_tandem_event.clas.abap' ? text.replace('`ActivityUUID`', '`ActivityGUID`') : text);
    expect(mutant.dir).not.toBe(abap.dir);
    const { events } = await mutant.produceEvents();
    let failure: TandemError | undefined;
    try { parseS4EventRequest(events, true); } catch (error) { failure = error as TandemError; }
    expect(failure?.code).toBe('VALIDATION_FAILED');
    expect(failure?.fieldErrors?.map((f) => f.path)).toContain('0.data.ActivityUUID');
  }, 120_000);
});
