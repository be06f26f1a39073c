import { describe, expect, it } from 'vitest';
import {
  evaluate,
  ODataSyntaxError,
  parseFilter,
  parseKeyPredicateText,
  validateFilter,
} from '../../../src/emulators/s4/filter.js';
import { findEntitySet, BUSINESS_PARTNER_SERVICE } from '../../../src/emulators/s4/model.js';

const row = {
  FirstName: "O'Brien",
  LastName: 'Smith',
  Age: 41,
  Flag: true,
  When: Date.UTC(2027, 2, 28, 1),
  Id: 'ab7f0c2e-0000-4000-8000-000000000001',
  Empty: null,
};
const matches = (filter: string): boolean => evaluate(parseFilter(filter), row) === true;

describe('OData v2 $filter', () => {
  it('compares with eq/ne/gt/ge/lt/le and combines with and/or/not and parentheses', () => {
    expect(matches("LastName eq 'Smith'")).toBe(true);
    expect(matches("LastName ne 'Smith'")).toBe(false);
    expect(matches('Age gt 40 and Age lt 42')).toBe(true);
    expect(matches('Age ge 41 and Age le 41')).toBe(true);
    expect(matches("LastName eq 'X' or (Age eq 41 and Flag eq true)")).toBe(true);
    expect(matches("not (LastName eq 'Smith')")).toBe(false);
    // 'and' binds tighter than 'or'
    expect(matches("LastName eq 'X' and Age eq 1 or Flag eq true")).toBe(true);
    expect(matches("LastName eq 'X' and (Age eq 1 or Flag eq true)")).toBe(false);
  });

  it('handles quoted quotes, string functions and null', () => {
    expect(matches("FirstName eq 'O''Brien'")).toBe(true);
    expect(matches("substringof('Bri', FirstName)")).toBe(true);
    expect(matches("substringof('bri', FirstName)")).toBe(false);
    expect(matches("substringof('bri', tolower(FirstName)) eq true")).toBe(true);
    expect(matches("startswith(LastName, 'Sm') and endswith(LastName, 'th')")).toBe(true);
    expect(matches('length(LastName) eq 5')).toBe(true);
    expect(matches('Empty eq null')).toBe(true);
    expect(matches('Age eq null')).toBe(false);
  });

  it('parses datetime, datetimeoffset (with +offset) and guid literals', () => {
    expect(matches("When eq datetime'2027-03-28T01:00:00'")).toBe(true);
    expect(matches("When eq datetimeoffset'2027-03-28T03:00:00+02:00'")).toBe(true);
    expect(matches("When gt datetimeoffset'2027-03-28T01:00:00.0000001Z'")).toBe(false);
    expect(matches("Id eq guid'AB7F0C2E-0000-4000-8000-000000000001'")).toBe(true);
  });

  it('rejects malformed filters and unknown properties', () => {
    expect(() => parseFilter("LastName eq 'open")).toThrow(ODataSyntaxError);
    expect(() => parseFilter('LastName eq')).toThrow(ODataSyntaxError);
    expect(() => parseFilter('(Age eq 1')).toThrow(ODataSyntaxError);
    expect(() => parseFilter('frobnicate(Age)')).toThrow(/not supported/);
    expect(() => parseFilter("guid'nope' eq Id")).toThrow(/guid/);
    const set = findEntitySet(BUSINESS_PARTNER_SERVICE, 'A_BusinessPartner')!;
    expect(() => validateFilter(parseFilter("Nope eq 'x'"), set)).toThrow(/Property Nope not found/);
    expect(() => validateFilter(parseFilter("LastName eq 'x'"), set)).not.toThrow();
  });

  it('parses key predicates with one or several keys', () => {
    expect(parseKeyPredicateText("'10100001'")).toEqual({ '': '10100001' });
    expect(parseKeyPredicateText("guid'AB7F0C2E-0000-4000-8000-000000000001'")).toEqual({
      '': 'ab7f0c2e-0000-4000-8000-000000000001',
    });
    expect(parseKeyPredicateText("AddressID='1',Person='',OrdinalNumber='001'")).toEqual({
      AddressID: '1',
      Person: '',
      OrdinalNumber: '001',
    });
    expect(parseKeyPredicateText("A='x=y',B=datetime'9999-12-31T00:00:00'")).toEqual({
      A: 'x=y',
      B: Date.UTC(9999, 11, 31),
    });
  });
});
