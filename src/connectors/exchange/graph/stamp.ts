/**
 * Where Tandem's stamp lives on Graph items (SYNC.md "Stamp"). Events and contacts carry two
 * single-value extended properties; To Do tasks cannot carry extended properties, so they get an
 * open extension (learn.microsoft.com/graph/extensibility-open-users).
 *
 * The property set is PS_PUBLIC_STRINGS — the set types.ts names for the EWS backend
 * (DefaultExtendedPropertySet.PublicStrings) — with the names below, so an item stamped through EWS
 * is found through Graph and vice versa (that is what keeps links when an environment switches
 * from EWS to Graph). The "Tandem" prefix keeps the names clear of other apps in that shared set.
 */
export const PS_PUBLIC_STRINGS = '00020329-0000-0000-C000-000000000046';
export const S4_KEY_PROPERTY_NAME = 'TandemS4Key';
export const HASH_PROPERTY_NAME = 'TandemHash';
export const S4_KEY_PROPERTY = `String {${PS_PUBLIC_STRINGS}} Name ${S4_KEY_PROPERTY_NAME}`;
export const HASH_PROPERTY = `String {${PS_PUBLIC_STRINGS}} Name ${HASH_PROPERTY_NAME}`;
export const TASK_EXTENSION = 'com.tandem.stamp';

/** `$expand` clause that brings both stamp properties along. */
export const EXPAND_STAMP = `singleValueExtendedProperties($filter=id eq '${S4_KEY_PROPERTY}' or id eq '${HASH_PROPERTY}')`;

export function stampFilter(s4Key: string): string {
  return `singleValueExtendedProperties/Any(ep: ep/id eq '${S4_KEY_PROPERTY}' and ep/value eq '${s4Key.replace(/'/g, "''")}')`;
}
