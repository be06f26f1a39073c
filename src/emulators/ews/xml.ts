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

/** The five entities XML predefines (XML 1.0 §4.6); any other named reference needs a DTD, which is refused. */
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9._:\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\r\n]*/y;
const XML_SCOPE: ReadonlyMap<string, string> = new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]);

interface Open {
  node: XNode;
  qname: string;
  scope: ReadonlyMap<string, string>;
}

/**
 * Parses a request body. DTDs and entity declarations are refused before parsing (no expansion attacks).
 *
 * One pass over the text, building namespace-resolved nodes directly and checking well-formedness on
 * the way (XML 1.0: one root, matching end tags, quoted and unique attributes, no `<` in attribute
 * values, only predefined or numeric character references). It replaced a validator pass, a generic
 * parser pass and a conversion pass, which together were a quarter of the emulator's CPU per request.
 */
export function parseXml(xml: string): XNode {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    throw new XmlRejected('DTDs and entity declarations are not accepted', 'dtd');
  const fail = (message: string, at: number): never => {
    let line = 1;
    for (let k = xml.indexOf('\n'); k !== -1 && k < at; k = xml.indexOf('\n', k + 1)) line++;
    throw new XmlRejected(`Malformed XML: ${message} (line ${line})`, 'malformed');
  };
  const stack: Open[] = [];
  let root: XNode | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const addText = (raw: string, at: number): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (/[^ \t\r\n]/.test(raw)) fail('text outside the root element', at);
      return;
    }
    top.node.text += decodeReferences(raw, at, fail);
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) {
      addText(xml.slice(i), i);
      break;
    }
    if (lt > i) addText(xml.slice(i, lt), i);
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x2f /* / */) {
      const gt = xml.indexOf('>', lt + 2);
      if (gt === -1) fail('unterminated end tag', lt);
      const qname = xml.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (!open) fail(`end tag </${qname}> without a start tag`, lt);
      if (open!.qname !== qname) fail(`expected </${open!.qname}>, found </${qname}>`, lt);
      i = gt + 1;
    } else if (next === 0x3f /* ? */) {
      const end = xml.indexOf('?>', lt + 2);
      if (end === -1) fail('unterminated processing instruction', lt);
      i = end + 2;
    } else if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end === -1) fail('unterminated comment', lt);
        i = end + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end === -1) fail('unterminated CDATA section', lt);
        const top = stack[stack.length - 1];
        if (!top) fail('CDATA outside the root element', lt);
        top!.node.text += xml.slice(lt + 9, end);
        i = end + 3;
      } else {
        fail('unexpected markup declaration', lt);
      }
    } else {
      i = startTag(xml, lt, stack, fail, (node) => {
        if (root) fail('more than one root element', lt);
        root = node;
      });
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.qname}> is not closed`, xml.length);
  if (!root) throw new XmlRejected('Empty document', 'malformed');
  return root;
}

/** Reads `<name attr="v" …>` or `<name …/>` at `lt`; returns the index after it. */
function startTag(
  xml: string,
  lt: number,
  stack: Open[],
  fail: (message: string, at: number) => never,
  setRoot: (node: XNode) => void,
): number {
  NAME.lastIndex = lt + 1;
  const qname = NAME.exec(xml)?.[0];
  if (!qname) return fail('invalid element name', lt);
  let i = lt + 1 + qname.length;
  const raw: Array<[string, string]> = [];
  let declares = false;
  for (;;) {
    SPACE.lastIndex = i;
    const spaced = SPACE.exec(xml)![0].length > 0;
    i += SPACE.lastIndex - i;
    const c = xml.charCodeAt(i);
    if (c === 0x3e /* > */ || (c === 0x2f /* / */ && xml.charCodeAt(i + 1) === 0x3e)) break;
    if (!spaced) fail(`expected whitespace, > or /> in <${qname}>`, i);
    NAME.lastIndex = i;
    const attr = NAME.exec(xml)?.[0];
    if (!attr) fail(`invalid attribute in <${qname}>`, i);
    i += attr!.length;
    SPACE.lastIndex = i;
    SPACE.exec(xml);
    i = SPACE.lastIndex;
    if (xml.charCodeAt(i) !== 0x3d /* = */) fail(`attribute ${attr} has no value`, i);
    SPACE.lastIndex = i + 1;
    SPACE.exec(xml);
    i = SPACE.lastIndex;
    const quote = xml[i];
    if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`, i);
    const close = xml.indexOf(quote!, i + 1);
    if (close === -1) fail(`attribute ${attr} is not closed`, i);
    const value = xml.slice(i + 1, close);
    if (value.includes('<')) fail(`< in the value of attribute ${attr}`, i);
    if (raw.some(([name]) => name === attr)) fail(`attribute ${attr} appears twice`, i);
    if (attr === 'xmlns' || attr!.startsWith('xmlns:')) declares = true;
    raw.push([attr!, decodeReferences(value, i, fail)]);
    i = close + 1;
  }
  const parent = stack[stack.length - 1];
  let scope = parent?.scope ?? XML_SCOPE;
  if (declares) {
    const local = new Map(scope);
    for (const [k, v] of raw) {
      if (k === 'xmlns') local.set('', v);
      else if (k.startsWith('xmlns:')) local.set(k.slice(6), v);
    }
    scope = local;
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of raw) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs[splitQName(k)[1]] = v;
  }
  const [prefix, name] = splitQName(qname);
  const node: XNode = { ns: scope.get(prefix) ?? '', name, attrs, children: [], text: '' };
  if (parent) parent.node.children.push(node);
  else setRoot(node);
  if (xml.charCodeAt(i) === 0x2f) return i + 2;
  stack.push({ node, qname, scope });
  return i + 1;
}

/** Replaces the predefined entity references and numeric character references; anything else is malformed. */
function decodeReferences(raw: string, at: number, fail: (message: string, at: number) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&<]{0,12})(;?)/g, (_match, body: string, semi: string) => {
    if (!semi) return fail('& that starts no reference (write &amp;)', at);
    const named = PREDEFINED[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}))$/.exec(body);
    const code = numeric ? (numeric[1] !== undefined ? Number(numeric[1]) : parseInt(numeric[2]!, 16)) : -1;
    if (code < 0x9 || code > 0x10ffff) return fail(`unknown reference &${body};`, at);
    return String.fromCodePoint(code);
  });
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

export function cloneNode(node: XNode): XNode {
  return {
    ns: node.ns,
    name: node.name,
    attrs: { ...node.attrs },
    text: node.text,
    children: node.children.map(cloneNode),
  };
}
