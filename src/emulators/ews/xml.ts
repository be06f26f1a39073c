import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A namespace-resolved XML element. EWS clients use arbitrary prefixes (ews-javascript-api writes
 * `soap:`, `m:`, `t:`; others write `s:` or default namespaces), so every element carries its
 * namespace URI and local name, never the prefix it happened to be written with.
 */
export interface XNode {
  ns: string;
  name: string;
  /** Attributes by local name (namespaced attributes other than xmlns keep only their local name). */
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

export class XmlRejected extends Error {
  constructor(
    message: string,
    readonly kind: 'dtd' | 'malformed',
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

type Ordered = Record<string, unknown>;

/** Parses a request body. DTDs and entity declarations are refused before parsing (no expansion attacks). */
export function parseXml(xml: string): XNode {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    throw new XmlRejected('DTDs and entity declarations are not accepted', 'dtd');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlRejected(`Malformed XML: ${valid.err.msg} (line ${valid.err.line})`, 'malformed');
  const ordered = parser.parse(xml) as Ordered[];
  const roots = convert(ordered, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  const root = roots.find(() => true);
  if (!root) throw new XmlRejected('Empty document', 'malformed');
  return root;
}

function convert(list: Ordered[], scope: Map<string, string>): XNode[] {
  const out: XNode[] = [];
  for (const entry of list) {
    const key = Object.keys(entry).find((k) => k !== ':@');
    if (!key || key === '#text' || key.startsWith('?') || key === '#comment') continue;
    const rawAttrs = (entry[':@'] ?? {}) as Record<string, string>;
    const local = new Map(scope);
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === 'xmlns') local.set('', v);
      else if (k.startsWith('xmlns:')) local.set(k.slice(6), v);
    }
    const [prefix, name] = splitQName(key);
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
      attrs[splitQName(k)[1]] = String(v);
    }
    const kids = (entry[key] ?? []) as Ordered[];
    const text = kids
      .filter((k) => '#text' in k)
      .map((k) => String(k['#text']))
      .join('');
    out.push({ ns: local.get(prefix) ?? '', name, attrs, children: convert(kids, local), text });
  }
  return out;
}

function splitQName(q: string): [string, string] {
  const i = q.indexOf(':');
  return i < 0 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
}

export function child(node: XNode | undefined, name: string): XNode | undefined {
  return node?.children.find((c) => c.name === name);
}

export function children(node: XNode | undefined, name?: string): XNode[] {
  if (!node) return [];
  return name ? node.children.filter((c) => c.name === name) : node.children;
}

export function childText(node: XNode | undefined, name: string): string | undefined {
  const c = child(node, name);
  return c ? c.text.trim() : undefined;
}

/** Follows a path of local names. */
export function path(node: XNode | undefined, ...names: string[]): XNode | undefined {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur;
}

export function esc(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

/** Serialises a stored element back in the types namespace (prefix `t:`), or `m:` for messages elements. */
export function serialize(node: XNode, prefix = 't'): string {
  const p = node.ns === NS.messages ? 'm' : prefix;
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  if (node.children.length === 0) {
    return node.text === ''
      ? `<${p}:${node.name}${attrs}/>`
      : `<${p}:${node.name}${attrs}>${esc(node.text)}</${p}:${node.name}>`;
  }
  return `<${p}:${node.name}${attrs}>${node.children.map((c) => serialize(c, prefix)).join('')}</${p}:${node.name}>`;
}

/** Builds a types-namespace node (used when the emulator itself sets a property). */
export function tnode(name: string, text = '', attrs: Record<string, string> = {}, kids: XNode[] = []): XNode {
  return { ns: NS.types, name, attrs, children: kids, text };
}

export function el(name: string, content: string | undefined, attrs: Record<string, string | undefined> = {}): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');
  return content === undefined || content === '' ? `<${name}${a}/>` : `<${name}${a}>${content}</${name}>`;
}

export function textEl(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;
}

export function cloneNode(node: XNode): XNode {
  return {
    ns: node.ns,
    name: node.name,
    attrs: { ...node.attrs },
    text: node.text,
    children: node.children.map(cloneNode),
  };
}
