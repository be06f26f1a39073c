import { escapeXml as x } from './xml-escape.js';
import type { Stamp } from '../types.js';
import { HASH_PROPERTY_NAME, S4_KEY_PROPERTY_NAME, TANDEM_PROPERTY_SET_ID } from '../stamp-names.js';
import { ExtendedPropertyDefinition, Guid, MapiPropertyType, type Item } from './ews-lib.js';

/**
 * Tandem's stamp on items it writes: two named string properties (stamp-names.ts). Named
 * properties are addressable in FindItem restrictions, which findByStamp uses.
 */
const propertySet = new Guid(TANDEM_PROPERTY_SET_ID);

export const S4_KEY_PROPERTY = new ExtendedPropertyDefinition(
  propertySet,
  S4_KEY_PROPERTY_NAME,
  MapiPropertyType.String,
);
export const HASH_PROPERTY = new ExtendedPropertyDefinition(propertySet, HASH_PROPERTY_NAME, MapiPropertyType.String);
export const STAMP_PROPERTIES = [S4_KEY_PROPERTY, HASH_PROPERTY];

export function writeStamp(item: Item, stamp: Stamp): void {
  item.SetExtendedProperty(S4_KEY_PROPERTY, x(stamp.s4Key));
  item.SetExtendedProperty(HASH_PROPERTY, x(stamp.hash));
}

export function readStamp(item: Item): Stamp | undefined {
  let s4Key: string | undefined;
  let hash: string | undefined;
  let properties: Array<{
    PropertyDefinition: { Name?: string; PropertySetId?: { ToString(): string } | string };
    Value: unknown;
  }>;
  try {
    properties = item.ExtendedProperties.GetEnumerator() as never;
  } catch {
    return undefined;
  }
  for (const property of properties) {
    const definition = property.PropertyDefinition;
    const setId = String(
      typeof definition.PropertySetId === 'object' && definition.PropertySetId
        ? definition.PropertySetId.ToString()
        : (definition.PropertySetId ?? ''),
    );
    if (setId.toLowerCase() !== TANDEM_PROPERTY_SET_ID) continue;
    if (definition.Name === S4_KEY_PROPERTY_NAME) s4Key = String(property.Value);
    if (definition.Name === HASH_PROPERTY_NAME) hash = String(property.Value);
  }
  return s4Key !== undefined ? { s4Key, hash: hash ?? '' } : undefined;
}
