import { parseEdmDate, parseEdmTime } from './odata-values.js';
import type { EntitySetDef } from './model.js';

/**
 * OData v2 `$filter` (and key predicate literals) for the emulator: a tokenizer, a recursive
 * descent parser and an evaluator over rows. Covers what Gateway clients send in practice:
 * eq ne gt ge lt le, and or not, parentheses, substringof/startswith/endswith/tolower/toupper/
 * length/trim/indexof, and the typed literals datetime'…', datetimeoffset'…', guid'…', time'…'.
 */

export class ODataSyntaxError extends Error {}

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'prop'; name: string }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'call'; name: string; args: Expr[] };

type Token = { t: 'lit'; value: unknown } | { t: 'id'; value: string } | { t: 'punct'; value: '(' | ')' | ',' | '/' };

const TYPED_LITERAL = /^(datetime|datetimeoffset|guid|time|X|binary)'((?:[^']|'')*)'/i;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let rest = input;
  while (rest.length > 0) {
    const ws = /^\s+/.exec(rest);
    if (ws) {
      rest = rest.slice(ws[0].length);
      continue;
    }
    const ch = rest[0] as string;
    if (ch === '(' || ch === ')' || ch === ',' || ch === '/') {
      tokens.push({ t: 'punct', value: ch });
      rest = rest.slice(1);
      continue;
    }
    if (ch === "'") {
      const match = /^'((?:[^']|'')*)'/.exec(rest);
      if (!match) throw new ODataSyntaxError(`Unterminated string literal in '${input}'`);
      tokens.push({ t: 'lit', value: (match[1] as string).replace(/''/g, "'") });
      rest = rest.slice(match[0].length);
      continue;
    }
    const typed = TYPED_LITERAL.exec(rest);
    if (typed) {
      tokens.push({
        t: 'lit',
        value: typedLiteral((typed[1] as string).toLowerCase(), (typed[2] as string).replace(/''/g, "'")),
      });
      rest = rest.slice(typed[0].length);
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num && !/^[A-Za-z0-9_]/.test(rest.slice(num[0].length))) {
      tokens.push({ t: 'lit', value: Number(num[0].replace(/[mMdDfFlL]$/, '')) });
      rest = rest.slice(num[0].length);
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (id) {
      const word = id[0];
      if (word === 'true' || word === 'false') tokens.push({ t: 'lit', value: word === 'true' });
      else if (word === 'null') tokens.push({ t: 'lit', value: null });
      else tokens.push({ t: 'id', value: word });
      rest = rest.slice(word.length);
      continue;
    }
    throw new ODataSyntaxError(`Invalid token at '${rest.slice(0, 20)}'`);
  }
  return tokens;
}

function typedLiteral(type: string, raw: string): unknown {
  switch (type) {
    case 'datetime':
    case 'datetimeoffset': {
      const parsed = parseEdmDate(raw);
      if (!parsed) throw new ODataSyntaxError(`Invalid ${type} literal '${raw}'`);
      return parsed.ms;
    }
    case 'guid':
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw))
        throw new ODataSyntaxError(`Invalid guid literal '${raw}'`);
      return raw.toLowerCase();
    case 'time': {
      const seconds = parseEdmTime(raw);
      if (seconds === undefined) throw new ODataSyntaxError(`Invalid time literal '${raw}'`);
      return seconds;
    }
    default:
      throw new ODataSyntaxError(`Literal type ${type} not supported`);
  }
}

const COMPARISON = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['substringof', 'startswith', 'endswith', 'tolower', 'toupper', 'length', 'trim', 'indexof']);

export function parseFilter(input: string): Expr {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (word: string): boolean => {
    const tok = peek();
    return tok?.t === 'id' && tok.value === word;
  };
  const expectPunct = (value: string): void => {
    const tok = tokens[pos++];
    if (tok?.t !== 'punct' || tok.value !== value)
      throw new ODataSyntaxError(`Expected '${value}' in filter '${input}'`);
  };

  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isWord('or')) {
      pos++;
      left = { kind: 'binary', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseNot();
    while (isWord('and')) {
      pos++;
      left = { kind: 'binary', op: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Expr => {
    if (isWord('not')) {
      pos++;
      return { kind: 'not', operand: parseNot() };
    }
    return parseComparison();
  };
  const parseComparison = (): Expr => {
    const left = parsePrimary();
    const tok = peek();
    if (tok?.t === 'id' && COMPARISON.has(tok.value)) {
      pos++;
      return { kind: 'binary', op: tok.value, left, right: parsePrimary() };
    }
    return left;
  };
  const parsePrimary = (): Expr => {
    const tok = tokens[pos++];
    if (!tok) throw new ODataSyntaxError(`Unexpected end of filter '${input}'`);
    if (tok.t === 'lit') return { kind: 'literal', value: tok.value };
    if (tok.t === 'punct' && tok.value === '(') {
      const inner = parseOr();
      expectPunct(')');
      return inner;
    }
    if (tok.t === 'id') {
      const next = peek();
      if (next?.t === 'punct' && next.value === '(') {
        if (!FUNCTIONS.has(tok.value)) throw new ODataSyntaxError(`Function '${tok.value}' is not supported`);
        pos++;
        const args: Expr[] = [];
        if (!(peek()?.t === 'punct' && (peek() as { value: string }).value === ')')) {
          args.push(parseOr());
          while (peek()?.t === 'punct' && (peek() as { value: string }).value === ',') {
            pos++;
            args.push(parseOr());
          }
        }
        expectPunct(')');
        return { kind: 'call', name: tok.value, args };
      }
      if (next?.t === 'punct' && next.value === '/') {
        throw new ODataSyntaxError(`Navigation paths in $filter are not supported ('${tok.value}/…')`);
      }
      return { kind: 'prop', name: tok.value };
    }
    throw new ODataSyntaxError(`Unexpected '${String((tok as { value: unknown }).value)}' in filter '${input}'`);
  };

  const expr = parseOr();
  if (pos !== tokens.length) throw new ODataSyntaxError(`Unexpected token after position ${pos} in filter '${input}'`);
  return expr;
}

/** Checks that every property the expression names exists in the set (Gateway answers 400 otherwise). */
export function validateFilter(expr: Expr, set: EntitySetDef): void {
  switch (expr.kind) {
    case 'prop':
      if (!set.properties.some((prop) => prop.name === expr.name)) {
        throw new ODataSyntaxError(`Property ${expr.name} not found in type ${set.typeName}`);
      }
      return;
    case 'binary':
      validateFilter(expr.left, set);
      validateFilter(expr.right, set);
      return;
    case 'not':
      validateFilter(expr.operand, set);
      return;
    case 'call':
      expr.args.forEach((arg) => validateFilter(arg, set));
      return;
    default:
      return;
  }
}

export function evaluate(expr: Expr, row: Record<string, unknown>): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'prop':
      return row[expr.name] ?? null;
    case 'not':
      return !truthy(evaluate(expr.operand, row));
    case 'call':
      return call(
        expr.name,
        expr.args.map((arg) => evaluate(arg, row)),
      );
    case 'binary': {
      if (expr.op === 'and') return truthy(evaluate(expr.left, row)) && truthy(evaluate(expr.right, row));
      if (expr.op === 'or') return truthy(evaluate(expr.left, row)) || truthy(evaluate(expr.right, row));
      return compare(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
    }
  }
}

function truthy(value: unknown): boolean {
  return value === true;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === null || b === null) {
    if (op === 'eq') return a === b;
    if (op === 'ne') return a !== b;
    return false;
  }
  const [x, y] =
    typeof a === 'string' && typeof b === 'string' && looksLikeGuid(a) && looksLikeGuid(b)
      ? [a.toLowerCase(), b.toLowerCase()]
      : [a, b];
  switch (op) {
    case 'eq':
      return x === y;
    case 'ne':
      return x !== y;
    case 'gt':
      return (x as number) > (y as number);
    case 'ge':
      return (x as number) >= (y as number);
    case 'lt':
      return (x as number) < (y as number);
    case 'le':
      return (x as number) <= (y as number);
    default:
      throw new ODataSyntaxError(`Operator ${op} not supported`);
  }
}

function looksLikeGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value);
}

function str(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function call(name: string, args: unknown[]): unknown {
  const [a, b] = args;
  switch (name) {
    // OData v2 substringof(needle, haystack) — note the argument order, the reverse of v4 contains.
    case 'substringof':
      return str(b).includes(str(a));
    case 'startswith':
      return str(a).startsWith(str(b));
    case 'endswith':
      return str(a).endsWith(str(b));
    case 'tolower':
      return str(a).toLowerCase();
    case 'toupper':
      return str(a).toUpperCase();
    case 'trim':
      return str(a).trim();
    case 'length':
      return str(a).length;
    case 'indexof':
      return str(a).indexOf(str(b));
    default:
      throw new ODataSyntaxError(`Function '${name}' is not supported`);
  }
}

/**
 * Parses a key predicate body: `'10100001'`, `guid'…'` or `A='x',B=datetime'…'`.
 * Returns the values by property name (a single unnamed value under '').
 */
export function parseKeyPredicate(body: string): Record<string, unknown> {
  const tokens = tokenize(body);
  if (tokens.length === 1 && tokens[0]?.t === 'lit') return { '': tokens[0].value };
  const result: Record<string, unknown> = {};
  let pos = 0;
  while (pos < tokens.length) {
    const name = tokens[pos];
    const eq = tokens[pos + 1];
    const value = tokens[pos + 2];
    if (name?.t !== 'id' || eq?.t !== 'id' || value?.t !== 'lit') {
      // `A='x'` tokenizes the '=' as part of nothing; handled by the pre-split below.
      throw new ODataSyntaxError(`Invalid key predicate (${body})`);
    }
    result[name.value] = value.value;
    pos += 3;
    if (pos < tokens.length) {
      const comma = tokens[pos];
      if (comma?.t !== 'punct' || comma.value !== ',') throw new ODataSyntaxError(`Invalid key predicate (${body})`);
      pos++;
    }
  }
  return result;
}

/** Key predicates use '=' which the filter tokenizer does not know; rewrite it to a word first. */
export function parseKeyPredicateText(body: string): Record<string, unknown> {
  // Replace '=' outside string literals with ' eq '.
  let out = '';
  let inString = false;
  for (const ch of body) {
    if (ch === "'") inString = !inString;
    out += !inString && ch === '=' ? ' eq ' : ch;
  }
  return parseKeyPredicate(out);
}
