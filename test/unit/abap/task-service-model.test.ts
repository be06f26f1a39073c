import { beforeAll, describe, expect, it } from 'vitest';
import { parseEdmx } from '../../../src/connectors/s4/metadata.js';
import { partnerToOData, taskCreateToOData, taskHeaderToOData, textToOData } from '../../../src/connectors/s4/mapping.js';
import { REQUIRED_S4_SERVICES } from '../../../src/connectors/s4/required-model.js';
import { renderMetadata } from '../../../src/emulators/s4/metadata.js';
import { TASK_SERVICE, keyProperties, type ServiceDef } from '../../../src/emulators/s4/model.js';
import { transpileAbap, type AbapTaskModel } from '../../support/abap.js';

/**
 * ZTANDEM_TASK_SRV exists three times: as ABAP (ZCL_TANDEM_TASK_MAP=>MODEL, which the MPC_EXT
 * registers with Gateway), as the S/4 emulator's $metadata, and as what the connector reads and
 * writes. This test runs the transpiled ABAP model and compares it with the other two, so none of
 * them can drift: every difference is named (entity set and property).
 */
type Problem = string;

/** ABAP model against the emulator: same entity sets, properties, EDM types, lengths, keys, nullability, write flags, navigations. */
export function abapVersusEmulator(abap: AbapTaskModel, service: ServiceDef): Problem[] {
  const problems: Problem[] = [];
  const edm = parseEdmx(renderMetadata(service));
  const abapSets = new Set(abap.properties.map((p) => p.entitySet));
  for (const set of abapSets)
    if (!edm.has(set)) problems.push(`entity set ${set}: in the ABAP model, not in the emulator's $metadata`);
  for (const [setName, set] of edm) {
    if (!abapSets.has(setName)) {
      problems.push(`entity set ${setName}: in the emulator's $metadata, not in the ABAP model`);
      continue;
    }
    const def = service.entitySets.find((s) => s.name === setName)!;
    const keys = new Set(keyProperties(def).map((k) => k.name));
    const abapProps = new Map(abap.properties.filter((p) => p.entitySet === setName).map((p) => [p.name, p]));
    for (const name of abapProps.keys())
      if (!set.properties.has(name)) problems.push(`${setName}.${name}: in the ABAP model, not in the emulator's $metadata`);
    for (const [name, emulated] of set.properties) {
      const mine = abapProps.get(name);
      if (!mine) {
        problems.push(`${setName}.${name}: in the emulator's $metadata, not in the ABAP model`);
        continue;
      }
      const propDef = def.properties.find((p) => p.name === name)!;
      const differs = (what: string, a: unknown, e: unknown): void => {
        if (a !== e) problems.push(`${setName}.${name}: ${what} ${String(a)} in ABAP, ${String(e)} in the emulator`);
      };
      differs('type', mine.edmType, emulated.type);
      differs('MaxLength', mine.maxLength || undefined, emulated.maxLength);
      differs('key', mine.isKey, keys.has(name));
      differs('nullable', mine.nullable, emulated.nullable);
      // The emulator accepts every property on create but the computed ones (ActivityUUID is assigned by S/4).
      differs('creatable', mine.creatable, !propDef.computed);
      differs('updatable', mine.updatable, !(propDef.computed || propDef.key || propDef.createOnly));
      differs('ETag', mine.etag, def.changedAtProperty === name);
    }
    const abapNavs = new Map(abap.navigations.filter((n) => n.entitySet === setName).map((n) => [n.name, n.target]));
    for (const [name, target] of set.navigations) {
      if (abapNavs.get(name) !== target)
        problems.push(`${setName}.${name}: leads to ${abapNavs.get(name) ?? 'nothing'} in ABAP, to ${target ?? '?'} in the emulator`);
    }
    for (const name of abapNavs.keys())
      if (!set.navigations.has(name)) problems.push(`${setName}.${name}: navigation in the ABAP model, not in the emulator's $metadata`);
  }
  return problems;
}

/** What the connector reads (REQUIRED_S4_SERVICES) and writes (mapping.ts) must be in the ABAP model, writable where written. */
export function connectorVersusAbap(abap: AbapTaskModel): Problem[] {
  const problems: Problem[] = [];
  const prop = (set: string, name: string) => abap.properties.find((p) => p.entitySet === set && p.name === name);
  const required = REQUIRED_S4_SERVICES.find((s) => s.name === 'ZTANDEM_TASK_SRV')!;
  for (const [setName, set] of Object.entries(required.entitySets)) {
    for (const name of set.properties)
      if (!prop(setName, name)) problems.push(`${setName}.${name}: the connector reads it, the ABAP model lacks it`);
    for (const [nav, target] of Object.entries(set.navigations ?? {})) {
      const mine = abap.navigations.find((n) => n.entitySet === setName && n.name === nav);
      if (mine?.target !== target) problems.push(`${setName}.${nav}: the connector navigates to ${target}, the ABAP model does not`);
    }
  }
  const written = (setName: string, body: Record<string, unknown>, flag: 'creatable' | 'updatable'): void => {
    for (const name of Object.keys(body)) {
      if (name.startsWith('to_')) continue;
      const mine = prop(setName, name);
      if (!mine) problems.push(`${setName}.${name}: the connector writes it, the ABAP model lacks it`);
      else if (!mine[flag]) problems.push(`${setName}.${name}: the connector writes it, the ABAP model has it not ${flag}`);
    }
  };
  const text = { textType: 'A002', text: 'Notes', language: 'EN' };
  const partner = { partnerFunction: '00000014', businessPartner: 'EMP001', isMain: true };
  const full = {
    processType: 'ZTSK',
    subject: 'Send the offer',
    start: '2026-11-30T08:00:00Z',
    due: '2026-12-04T16:00:00Z',
    timeZone: 'Europe/Berlin',
    status: 'E0001',
    priority: '3',
    percentComplete: 40,
    isPrivate: true,
    externalReference: 'AAMkAGI2TG93AAA=',
    texts: [text],
    partners: [partner],
  };
  written('TaskActivity', taskCreateToOData(full), 'creatable');
  const { processType: _createOnly, ...changes } = full;
  written('TaskActivity', taskHeaderToOData(changes), 'updatable');
  written('TaskActivityPartner', partnerToOData(partner), 'creatable');
  written('TaskActivityText', textToOData(text), 'creatable');
  if (!('to_Partner' in taskCreateToOData(full)) || !abap.navigations.some((n) => n.name === 'to_Partner'))
    problems.push('TaskActivity.to_Partner: the connector creates partners through it, the ABAP model lacks it');
  return problems;
}

describe('ZTANDEM_TASK_SRV: ABAP model, S/4 emulator and connector agree', () => {
  let abap: AbapTaskModel;
  beforeAll(async () => {
    abap = await (await transpileAbap()).taskModel();
  }, 120_000);

  it('the ABAP model is there (the comparison cannot pass vacuously)', () => {
    expect(new Set(abap.properties.map((p) => p.entitySet))).toEqual(
      new Set(['TaskActivity', 'TaskActivityPartner', 'TaskActivityText']),
    );
    expect(abap.properties.length).toBeGreaterThanOrEqual(24);
    expect(abap.navigations.map((n) => n.name)).toEqual(['to_Partner', 'to_Text']);
  });

  it("the ABAP model equals the emulator's $metadata (properties, types, lengths, keys, nullability, write flags, ETag, navigations)", () => {
    expect(abapVersusEmulator(abap, TASK_SERVICE)).toEqual([]);
  });

  it('the ABAP model has everything the connector reads and writes', () => {
    expect(connectorVersusAbap(abap)).toEqual([]);
  });

  it('names the property when one side renames it (mutation: the emulator renames TaskDueDateTime)', () => {
    const renamed: ServiceDef = {
      ...TASK_SERVICE,
      entitySets: TASK_SERVICE.entitySets.map((set) => ({
        ...set,
        properties: set.properties.map((p) => (p.name === 'TaskDueDateTime' ? { ...p, name: 'TaskDueDate' } : p)),
      })),
    };
    expect(abapVersusEmulator(abap, renamed)).toEqual([
      "TaskActivity.TaskDueDateTime: in the ABAP model, not in the emulator's $metadata",
      "TaskActivity.TaskDueDate: in the emulator's $metadata, not in the ABAP model",
    ]);
  });

  it('names the property when the ABAP model renames it (mutation in the ABAP source: ActivityExternalReference)', async () => {
    const mutant = await transpileAbap((file, text) =>
      file === 'zcl_tandem_task_map.clas.abap'
        ? text.replace('iv_name = `ActivityExternalReference`', 'iv_name = `ActivityExternalRef`')
        : text,
    );
    const model = await mutant.taskModel();
    expect(abapVersusEmulator(model, TASK_SERVICE)).toEqual([
      "TaskActivity.ActivityExternalRef: in the ABAP model, not in the emulator's $metadata",
      "TaskActivity.ActivityExternalReference: in the emulator's $metadata, not in the ABAP model",
    ]);
    expect(connectorVersusAbap(model)).toEqual([
      'TaskActivity.ActivityExternalReference: the connector reads it, the ABAP model lacks it',
      'TaskActivity.ActivityExternalReference: the connector writes it, the ABAP model lacks it',
      'TaskActivity.ActivityExternalReference: the connector writes it, the ABAP model lacks it',
    ]);
  }, 120_000);

  it('names a write flag the connector needs (the ABAP model made ActivityDescription read-only)', () => {
    const readOnly: AbapTaskModel = {
      ...abap,
      properties: abap.properties.map((p) => (p.name === 'ActivityDescription' ? { ...p, updatable: false } : p)),
    };
    expect(connectorVersusAbap(readOnly)).toEqual([
      'TaskActivity.ActivityDescription: the connector writes it, the ABAP model has it not updatable',
    ]);
    expect(abapVersusEmulator(readOnly, TASK_SERVICE)).toEqual([
      'TaskActivity.ActivityDescription: updatable false in ABAP, true in the emulator',
    ]);
  });
});
