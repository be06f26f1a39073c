import { XMLParser } from 'fast-xml-parser';
import { TandemError } from '../../errors/tandem-error.js';

/**
 * An OData V2 service's `$metadata` (EDMX 1.0 / CSDL 2.0) reduced to what Tandem compares: entity
 * sets with their properties (EDM type, MaxLength) and navigation properties (target entity set).
 * Parsed without DTDs or entities (a DTD is refused), as every XML Tandem reads.
 */
export interface EdmProperty {
  type: string;
  maxLength?: number;
  nullable: boolean;
}
export interface EdmEntitySet {
  name: string;
  entityType: string;
  properties: Map<string, EdmProperty>;
  /** Navigation property → entity set it leads to (undefined when the association names no set). */
  navigations: Map<string, string | undefined>;
}
export type EdmModel = Map<string, EdmEntitySet>;

const MAX_METADATA_BYTES = 20 * 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Attributes share names with elements (EntitySet/@EntityType): only elements become arrays.
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute &&
    [
      'Schema',
      'EntityType',
      'Property',
      'NavigationProperty',
      'Association',
      'End',
      'EntitySet',
      'AssociationSet',
      'EntityContainer',
    ].includes(name),
});

type Node = Record<string, unknown>;
const list = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);
const attr = (node: Node, name: string): string => (typeof node[name] === 'string' ? node[name] : '');
const local = (qualified: string): string => qualified.slice(qualified.lastIndexOf('.') + 1);

export function parseEdmx(xml: string): EdmModel {
  if (xml.length > MAX_METADATA_BYTES)
    throw new TandemError('PAYLOAD_TOO_LARGE', 'The $metadata document is larger than 20 MB');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new TandemError('BAD_REQUEST', 'The $metadata document declares a DTD or entities; refused');
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    throw new TandemError('BAD_REQUEST', 'The $metadata document is not well-formed XML', { cause: error });
  }
  const dataServices = ((doc.Edmx as Node | undefined)?.DataServices ?? {}) as Node;
  const schemas = list(dataServices.Schema);
  if (schemas.length === 0)
    throw new TandemError('BAD_REQUEST', 'Not an OData V2 $metadata document (no edmx:Edmx/DataServices/Schema)');

  const types = new Map<string, Node>();
  const associations = new Map<string, Node>();
  const setsByType = new Map<string, string>();
  const assocSets = new Map<string, Map<string, string>>();
  const sets: Node[] = [];
  for (const schema of schemas) {
    for (const type of list(schema.EntityType)) types.set(attr(type, 'Name'), type);
    for (const association of list(schema.Association)) associations.set(attr(association, 'Name'), association);
    for (const container of list(schema.EntityContainer)) {
      for (const set of list(container.EntitySet)) {
        sets.push(set);
        setsByType.set(local(attr(set, 'EntityType')), attr(set, 'Name'));
      }
      for (const assocSet of list(container.AssociationSet)) {
        assocSets.set(
          local(attr(assocSet, 'Association')),
          new Map(list(assocSet.End).map((end) => [attr(end, 'Role'), attr(end, 'EntitySet')])),
        );
      }
    }
  }

  const model: EdmModel = new Map();
  for (const set of sets) {
    const typeName = local(attr(set, 'EntityType'));
    const type = types.get(typeName) ?? {};
    const properties = new Map<string, EdmProperty>(
      list(type.Property).map((p) => {
        const maxLength = Number.parseInt(attr(p, 'MaxLength'), 10);
        return [
          attr(p, 'Name'),
          {
            type: attr(p, 'Type'),
            ...(Number.isFinite(maxLength) ? { maxLength } : {}),
            nullable: attr(p, 'Nullable') !== 'false',
          },
        ];
      }),
    );
    const navigations = new Map<string, string | undefined>(
      list(type.NavigationProperty).map((nav) => {
        const assocName = local(attr(nav, 'Relationship'));
        const toRole = attr(nav, 'ToRole');
        const viaSet = assocSets.get(assocName)?.get(toRole);
        const end = list(associations.get(assocName)?.End).find((e) => attr(e, 'Role') === toRole);
        return [attr(nav, 'Name'), viaSet || (end ? setsByType.get(local(attr(end, 'Type'))) : undefined)];
      }),
    );
    model.set(attr(set, 'Name'), { name: attr(set, 'Name'), entityType: typeName, properties, navigations });
  }
  return model;
}
