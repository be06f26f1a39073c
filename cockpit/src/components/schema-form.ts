import type { z } from 'zod';

/**
 * Reading the settings schema (src/contract/tenant-settings.ts, zod 4) to render it: the schema is the single
 * source of the options, their types, limits and one-line `.describe()` texts, so a new option
 * appears in the cockpit without a change here.
 */
export type Node =
  | { kind: 'object'; shape: Record<string, z.ZodType> }
  | { kind: 'boolean' }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'string' }
  | { kind: 'enum'; options: string[] }
  | { kind: 'array'; element: z.ZodType }
  | { kind: 'record'; value: z.ZodType }
  | { kind: 'unknown' };

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string>;
  in?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

export interface Described {
  node: Node;
  description?: string;
  optional: boolean;
}

/** Unwraps default/prefault/optional/pipe wrappers, keeping the outermost description. */
export function describeSchema(schema: z.ZodType): Described {
  let current = schema;
  let description: string | undefined;
  let optional = false;
  for (let i = 0; i < 10; i++) {
    description ??= current.description;
    const def = defOf(current);
    if (def.type === 'optional') optional = true;
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type) && def.innerType) {
      current = def.innerType;
      continue;
    }
    if (def.type === 'pipe' && def.in) {
      current = def.in;
      continue;
    }
    break;
  }
  const def = defOf(current);
  const node: Node = (() => {
    switch (def.type) {
      case 'object':
        return { kind: 'object', shape: def.shape ?? {} };
      case 'boolean':
        return { kind: 'boolean' };
      case 'number': {
        const n = current as unknown as { minValue?: number | null; maxValue?: number | null };
        return {
          kind: 'number',
          ...(Number.isFinite(n.minValue) ? { min: n.minValue! } : {}),
          ...(Number.isFinite(n.maxValue) ? { max: n.maxValue! } : {}),
        };
      }
      case 'string':
        return { kind: 'string' };
      case 'enum':
        return { kind: 'enum', options: Object.values(def.entries ?? {}) };
      case 'array':
        return def.element ? { kind: 'array', element: def.element } : { kind: 'unknown' };
      case 'record':
        return def.valueType ? { kind: 'record', value: def.valueType } : { kind: 'unknown' };
      default:
        return { kind: 'unknown' };
    }
  })();
  return { node, optional, ...(description ? { description } : {}) };
}

/** A value's default per the schema (what a new array row starts with). */
export function emptyValue(schema: z.ZodType): unknown {
  const result = (schema as unknown as { safeParse: (v: unknown) => { success: boolean; data?: unknown } }).safeParse(
    undefined,
  );
  if (result.success && result.data !== undefined) return result.data;
  const { node } = describeSchema(schema);
  if (node.kind === 'object')
    return Object.fromEntries(
      Object.entries(node.shape)
        .map(([k, s]) => [k, emptyValue(s)])
        .filter(([, v]) => v !== undefined),
    );
  if (node.kind === 'string') return '';
  if (node.kind === 'boolean') return false;
  if (node.kind === 'enum') return node.options[0];
  if (node.kind === 'array') return [];
  if (node.kind === 'record') return {};
  return undefined;
}

export type Path = Array<string | number>;

export function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (v, key) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined),
    value,
  );
}

/** Immutable set; `undefined` removes the key (an emptied optional field). */
export function setAt(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = setAt(copy[head as number], rest, next);
    return copy;
  }
  const copy = { ...((value ?? {}) as Record<string, unknown>) };
  const child = setAt(copy[head], rest, next);
  if (child === undefined) delete copy[head];
  else copy[head] = child;
  return copy;
}

export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/S4/g, 'S/4')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
