import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseEdmx } from '../../../src/connectors/s4/metadata.js';
import { renderMetadata } from '../../../src/emulators/s4/metadata.js';
import { BUSINESS_PARTNER_SERVICE, findService } from '../../../src/emulators/s4/model.js';
import { compareWithRequired } from '../../../src/connectors/s4/connection-test.js';
import { REQUIRED_S4_SERVICES } from '../../../src/connectors/s4/required-model.js';

/**
 * The S/4 emulator's standard services offer nothing SAP's do not: its API_BUSINESS_PARTNER
 * $metadata is compared with SAP's published model of the service — the one SAP generates its
 * Cloud SDK client from (npm @sap/cloud-sdk-vdm-business-partner-service, CSN definition; SAP
 * Business Accelerator Hub "Business Partner (A2X)", API_BUSINESS_PARTNER). What Tandem needs
 * beyond it lives in Tandem's own ZTANDEM_BP_SRV.
 */
interface CsnElement {
  type: string;
  length?: number;
  target?: string;
  cardinality?: { max?: string };
}
const require = createRequire(import.meta.url);
const csn = require('@sap/cloud-sdk-vdm-business-partner-service/business-partner-service-csn.json') as {
  definitions: Record<string, { kind: string; elements?: Record<string, CsnElement> }>;
};
const PREFIX = 'API_BUSINESS_PARTNER.';
const sapSets = new Map(
  Object.entries(csn.definitions)
    .filter(([name, d]) => name.startsWith(PREFIX) && d.kind === 'entity')
    .map(([name, d]) => [name.slice(PREFIX.length), d.elements ?? {}]),
);

/** How SAP Gateway renders CDS types in OData V2 $metadata. */
const EDM: Record<string, string> = {
  'cds.String': 'Edm.String',
  'cds.LargeString': 'Edm.String',
  'cds.Boolean': 'Edm.Boolean',
  'cds.Date': 'Edm.DateTime',
  'cds.Timestamp': 'Edm.DateTimeOffset',
  'cds.DateTime': 'Edm.DateTimeOffset',
  'cds.Time': 'Edm.Time',
  'cds.UUID': 'Edm.Guid',
  'cds.Integer': 'Edm.Int32',
  'cds.Integer64': 'Edm.Int64',
  'cds.Decimal': 'Edm.Decimal',
  'cds.UInt8': 'Edm.Byte',
  'cds.Int16': 'Edm.Int16',
};

export function differencesFromSap(xml: string): string[] {
  const problems: string[] = [];
  for (const [setName, set] of parseEdmx(xml)) {
    const sap = sapSets.get(setName);
    if (!sap) {
      problems.push(`entity set ${setName}: not in SAP's API_BUSINESS_PARTNER`);
      continue;
    }
    for (const [name, property] of set.properties) {
      const element = sap[name];
      if (!element || element.type === 'cds.Association') {
        problems.push(`${setName}.${name}: no such property in SAP's model`);
        continue;
      }
      if (EDM[element.type] !== property.type)
        problems.push(`${setName}.${name}: type ${property.type}, SAP has ${EDM[element.type] ?? element.type}`);
      if (element.length !== undefined && property.maxLength !== undefined && property.maxLength > element.length) {
        problems.push(`${setName}.${name}: MaxLength ${property.maxLength}, SAP has ${element.length}`);
      }
    }
    for (const [name, target] of set.navigations) {
      const element = sap[name];
      if (element?.type !== 'cds.Association') {
        problems.push(`${setName}.${name}: no such navigation in SAP's model`);
        continue;
      }
      const sapTarget = element.target?.slice(PREFIX.length);
      if (target !== sapTarget)
        problems.push(`${setName}.${name}: leads to ${target ?? '?'}, SAP's to ${sapTarget ?? '?'}`);
    }
  }
  return problems;
}

describe("S/4 emulator standard services against SAP's published model", () => {
  it("SAP's model is there (the comparison cannot pass vacuously)", () => {
    expect(sapSets.size).toBeGreaterThan(30);
    expect(Object.keys(sapSets.get('A_BusinessPartner')!)).toEqual(
      expect.arrayContaining(['LastChangeDate', 'LastChangeTime', 'to_BusinessPartnerAddress']),
    );
  });

  it("API_BUSINESS_PARTNER: every entity set, property, type and navigation of the emulator exists in SAP's", () => {
    expect(differencesFromSap(renderMetadata(BUSINESS_PARTNER_SERVICE))).toEqual([]);
  });

  it('names what SAP lacks (the emulator as it was: A_BPRelationship, LastChangeDateTime, function/department names)', () => {
    const invented = renderMetadata({
      ...BUSINESS_PARTNER_SERVICE,
      entitySets: [
        ...BUSINESS_PARTNER_SERVICE.entitySets.map((set) =>
          set.name !== 'A_BusinessPartner'
            ? set
            : {
                ...set,
                properties: [
                  ...set.properties,
                  { name: 'LastChangeDateTime', type: 'Edm.DateTimeOffset' as const, label: 'Changed' },
                ],
              },
        ),
        {
          name: 'A_BPRelationship',
          typeName: 'A_BPRelationshipType',
          writable: true,
          navigations: [],
          properties: [{ name: 'RelationshipNumber', type: 'Edm.String' as const, key: true, label: 'No.' }],
        },
      ],
    });
    expect(differencesFromSap(invented)).toEqual([
      "A_BusinessPartner.LastChangeDateTime: no such property in SAP's model",
      "entity set A_BPRelationship: not in SAP's API_BUSINESS_PARTNER",
    ]);
  });
});

describe('what Tandem reads and writes (REQUIRED_S4_SERVICES) against the emulator', () => {
  it('every service of the emulator has every entity set, property and navigation the connector uses', () => {
    for (const service of REQUIRED_S4_SERVICES) {
      const def = findService(service.name);
      expect(def, service.name).toBeDefined();
      expect(compareWithRequired(service, parseEdmx(renderMetadata(def!)))).toEqual([]);
    }
  });

  it('names service, entity set and property of each mismatch', () => {
    const bp = REQUIRED_S4_SERVICES.find((s) => s.name === 'API_BUSINESS_PARTNER')!;
    const xml = renderMetadata({
      ...BUSINESS_PARTNER_SERVICE,
      entitySets: BUSINESS_PARTNER_SERVICE.entitySets
        .filter((set) => set.name !== 'A_BuPaIdentification')
        .map((set) =>
          set.name !== 'A_BusinessPartnerAddress'
            ? set
            : {
                ...set,
                properties: set.properties.filter((p) => p.name !== 'CityName'),
                navigations: set.navigations.filter((n) => n.name !== 'to_MobilePhoneNumber'),
              },
        ),
    });
    expect(compareWithRequired(bp, parseEdmx(xml))).toEqual([
      'API_BUSINESS_PARTNER: A_BusinessPartnerAddress.CityName missing',
      'API_BUSINESS_PARTNER: A_BusinessPartnerAddress.to_MobilePhoneNumber (navigation) missing',
      'API_BUSINESS_PARTNER: entity set A_BuPaIdentification missing',
    ]);
  });
});
