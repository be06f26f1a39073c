import { child, childText, cloneNode, esc, tnode, type XNode } from './xml.js';
import { INDEXED, PROPERTY_SETS } from './item-schema.js';
import { ItemError } from './soap.js';

/**
 * Property paths (FieldURI, IndexedFieldURI, ExtendedFieldURI) and how they read and write the
 * stored element map of an item.
 */
export type PropPath =
  | { kind: 'field'; uri: string; name: string }
  | { kind: 'indexed'; uri: string; dict: string; key: string; sub?: string }
  | { kind: 'extended'; key: string; uriNode: XNode };

/**
 * Named properties are identified by property set GUID + name (or id); a DistinguishedPropertySetId
 * and the GUID it stands for name the same property ("ExtendedFieldURI", EWS reference).
 */
export function extendedKey(uri: XNode): string {
  const a = uri.attrs;
  const type = a.PropertyType ?? '';
  if (a.PropertyTag) return `tag:${Number(a.PropertyTag).toString(16)}|${type}`;
  const setId = a.DistinguishedPropertySetId
    ? PROPERTY_SETS[a.DistinguishedPropertySetId]
    : a.PropertySetId?.toLowerCase();
  if (!setId)
    throw new ItemError(
      'ErrorInvalidExtendedProperty',
      'The extended property needs a property set or a property tag.',
    );
  if (a.PropertyName !== undefined) return `${setId}|name:${a.PropertyName}|${type}`;
  if (a.PropertyId !== undefined) return `${setId}|id:${Number(a.PropertyId)}|${type}`;
  throw new ItemError('ErrorInvalidExtendedProperty', 'The extended property needs PropertyName or PropertyId.');
}

export function parsePath(node: XNode): PropPath {
  if (node.name === 'FieldURI') {
    const uri = node.attrs.FieldURI ?? '';
    const name = uri.slice(uri.lastIndexOf(':') + 1);
    if (!name) throw new ItemError('ErrorInvalidPropertyRequest', `Invalid FieldURI '${uri}'.`);
    return { kind: 'field', uri, name };
  }
  if (node.name === 'IndexedFieldURI') {
    const uri = node.attrs.FieldURI ?? '';
    const [a = '', b = '', sub] = uri.split(':');
    const dict = INDEXED[`${a}:${b}`];
    if (!dict || !node.attrs.FieldIndex)
      throw new ItemError('ErrorInvalidPropertyRequest', `Invalid IndexedFieldURI '${uri}'.`);
    return sub
      ? { kind: 'indexed', uri, dict, key: node.attrs.FieldIndex, sub }
      : { kind: 'indexed', uri, dict, key: node.attrs.FieldIndex };
  }
  if (node.name === 'ExtendedFieldURI') return { kind: 'extended', key: extendedKey(node), uriNode: node };
  throw new ItemError('ErrorInvalidPropertyRequest', `Unknown property path element ${node.name}.`);
}

/** The first property path child of a change/restriction node. */
export function findPath(node: XNode): PropPath | undefined {
  const p = node.children.find(
    (c) => c.name === 'FieldURI' || c.name === 'IndexedFieldURI' || c.name === 'ExtendedFieldURI',
  );
  return p ? parsePath(p) : undefined;
}

export interface PropHolder {
  props: Map<string, XNode>;
  extended: Map<string, XNode>;
}

/** Reads a scalar value for restrictions (text of a field, a dictionary entry or an extended property). */
export function readValue(holder: PropHolder, p: PropPath, computed: () => Map<string, string>): string | undefined {
  if (p.kind === 'extended') {
    const ep = holder.extended.get(p.key);
    return ep ? (childText(ep, 'Value') ?? child(child(ep, 'Values'), 'Value')?.text) : undefined;
  }
  if (p.kind === 'indexed') {
    const entry = holder.props.get(p.dict)?.children.find((e) => e.attrs.Key === p.key);
    if (!entry) return undefined;
    return p.sub ? childText(entry, p.sub) : entry.text;
  }
  const node = holder.props.get(p.name);
  if (node) return node.children.length ? node.children.map((c) => c.text).join(' ') : node.text;
  return computed().get(p.name);
}

/** Parses the ExtendedProperty elements of an item into the keyed map. */
export function readExtended(itemNode: XNode, into: Map<string, XNode>): void {
  for (const ep of itemNode.children.filter((c) => c.name === 'ExtendedProperty')) {
    const uri = child(ep, 'ExtendedFieldURI');
    if (!uri) throw new ItemError('ErrorInvalidExtendedProperty', 'ExtendedProperty without ExtendedFieldURI.');
    if (!child(ep, 'Value') && !child(ep, 'Values'))
      throw new ItemError('ErrorInvalidExtendedPropertyValue', 'ExtendedProperty without a value.');
    into.set(extendedKey(uri), cloneNode(ep));
  }
}

/** SetItemField / AppendToItemField on a dictionary entry: merge by Key (and by sub-element for addresses). */
function mergeIndexed(holder: PropHolder, dict: string, incoming: XNode): void {
  const existing = holder.props.get(dict) ?? tnode(dict);
  for (const entry of incoming.children.filter((c) => c.name === 'Entry')) {
    const current = existing.children.find((e) => e.attrs.Key === entry.attrs.Key);
    if (!current) {
      existing.children.push(cloneNode(entry));
    } else if (entry.children.length === 0) {
      current.text = entry.text;
    } else {
      for (const sub of entry.children) {
        const i = current.children.findIndex((c) => c.name === sub.name);
        if (i >= 0) current.children[i] = cloneNode(sub);
        else current.children.push(cloneNode(sub));
      }
    }
  }
  holder.props.set(dict, existing);
}

export function setProperty(holder: PropHolder, p: PropPath, valueContainer: XNode, append: boolean): string[] {
  if (p.kind === 'extended') {
    const ep = valueContainer.children.find((c) => c.name === 'ExtendedProperty');
    if (!ep)
      throw new ItemError('ErrorIncorrectUpdatePropertyCount', 'The update must contain exactly one ExtendedProperty.');
    readExtended({ ...valueContainer, children: [ep] }, holder.extended);
    return ['ExtendedProperty'];
  }
  const name = p.kind === 'field' ? p.name : p.dict;
  const incoming = valueContainer.children.find((c) => c.name === name);
  if (!incoming)
    throw new ItemError(
      'ErrorIncorrectUpdatePropertyCount',
      `The update for ${p.uri} must contain the ${name} element.`,
    );
  if (p.kind === 'indexed') {
    mergeIndexed(holder, p.dict, incoming);
    return [name];
  }
  const current = holder.props.get(name);
  if (append && current) {
    // AppendToItemField: Body text is appended; list properties get the new members added.
    if (name === 'Body') current.text += incoming.text;
    else current.children.push(...incoming.children.map(cloneNode));
  } else {
    holder.props.set(name, cloneNode(incoming));
  }
  return [name];
}

export function deleteProperty(holder: PropHolder, p: PropPath): void {
  if (p.kind === 'extended') {
    holder.extended.delete(p.key);
    return;
  }
  if (p.kind === 'indexed') {
    const dict = holder.props.get(p.dict);
    if (!dict) return;
    const entry = dict.children.find((e) => e.attrs.Key === p.key);
    if (!entry) return;
    if (p.sub) entry.children = entry.children.filter((c) => c.name !== p.sub);
    if (!p.sub || entry.children.length === 0) dict.children = dict.children.filter((e) => e !== entry);
    if (dict.children.length === 0) holder.props.delete(p.dict);
    return;
  }
  holder.props.delete(p.name);
}

/** Body as requested by BodyType (Best = as stored); conversion is deliberately simple. */
export function renderBody(body: XNode, requested: string | undefined): string {
  const stored = body.attrs.BodyType ?? 'Text';
  let text = body.text;
  let type = stored;
  if (requested === 'Text' && stored === 'HTML') {
    text = text
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<[^>]+>/g, '')
      .trim();
    type = 'Text';
  } else if (requested === 'HTML' && stored === 'Text') {
    text = `<html><body>${esc(text).replace(/\n/g, '<br>')}</body></html>`;
    type = 'HTML';
  }
  return `<t:Body BodyType="${type}">${esc(text)}</t:Body>`;
}

/** xs:dateTime properties; Exchange stores them in UTC and returns them with a `Z` suffix. */
const DATE_TIME_PROPS = new Set([
  'Start',
  'End',
  'ReminderDueBy',
  'StartDate',
  'DueDate',
  'CompleteDate',
  'AssignedTime',
  'Birthday',
  'WeddingAnniversary',
  'AppointmentReplyTime',
  'DateTimeSent',
  'RecurrenceId',
]);

export function normalizeDateTimes(props: Map<string, XNode>): void {
  for (const name of DATE_TIME_PROPS) {
    const node = props.get(name);
    if (!node) continue;
    const t = node.text.trim();
    const ms = Date.parse(/([zZ]|[+-]\d\d:\d\d)$/.test(t) ? t : `${t}Z`);
    if (Number.isNaN(ms)) throw new ItemError('ErrorInvalidValueForProperty', `${name} is not a valid dateTime.`);
    props.set(name, { ...node, text: new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }
}
