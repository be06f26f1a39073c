/**
 * Where Tandem's stamp lives on Graph items (docs/architecture.md, glossary "Stamp"). Events and contacts carry two
 * single-value extended properties; To Do tasks cannot carry extended properties, so they get an
 * open extension (learn.microsoft.com/graph/extensibility-open-users).
 *
 * The named properties are the ones the EWS backend writes (stamp-names.ts), so an item stamped
 * through EWS is found through Graph and vice versa (that is what keeps links when an environment
 * switches from EWS to Graph).
 */
import { HASH_PROPERTY_NAME, S4_KEY_PROPERTY_NAME, TANDEM_PROPERTY_SET_ID } from '../stamp-names.js';

export { HASH_PROPERTY_NAME, S4_KEY_PROPERTY_NAME };
export const S4_KEY_PROPERTY = `String {${TANDEM_PROPERTY_SET_ID}} Name ${S4_KEY_PROPERTY_NAME}`;
export const HASH_PROPERTY = `String {${TANDEM_PROPERTY_SET_ID}} Name ${HASH_PROPERTY_NAME}`;
export const TASK_EXTENSION = 'com.tandem.stamp';

/** `$expand` clause that brings both stamp properties along. */
export const EXPAND_STAMP = `singleValueExtendedProperties($filter=id eq '${S4_KEY_PROPERTY}' or id eq '${HASH_PROPERTY}')`;

export function stampFilter(s4Key: string): string {
  return `singleValueExtendedProperties/Any(ep: ep/id eq '${S4_KEY_PROPERTY}' and ep/value eq '${s4Key.replace(/'/g, "''")}')`;
}
