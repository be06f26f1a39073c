/**
 * Where Tandem's stamp lives on Graph items (SYNC.md "Stamp"). Events and contacts carry two
 * single-value extended properties in our own property set (a GUID that is Tandem's, so no other
 * app collides with it); To Do tasks cannot carry extended properties, so they get an open
 * extension (learn.microsoft.com/graph/extensibility-open-users).
 */
export const TANDEM_PROPERTY_SET = '8c2f3e61-5a7d-4b9e-9f1c-2d6a0b7e4c15';
export const S4_KEY_PROPERTY = `String {${TANDEM_PROPERTY_SET}} Name TandemS4Key`;
export const HASH_PROPERTY = `String {${TANDEM_PROPERTY_SET}} Name TandemHash`;
export const TASK_EXTENSION = 'com.tandem.stamp';

/** `$expand` clause that brings both stamp properties along. */
export const EXPAND_STAMP = `singleValueExtendedProperties($filter=id eq '${S4_KEY_PROPERTY}' or id eq '${HASH_PROPERTY}')`;

export function stampFilter(s4Key: string): string {
  return `singleValueExtendedProperties/Any(ep: ep/id eq '${S4_KEY_PROPERTY}' and ep/value eq '${s4Key.replace(/'/g, "''")}')`;
}
