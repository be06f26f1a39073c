import { randomUUID } from 'node:crypto';
import { entitySetByName, keyProperties, type EntitySetDef } from './model.js';

/**
 * The emulator's in-memory database. Rows hold internal values: strings, numbers, booleans,
 * null, and date/times as milliseconds since epoch (UTC); Edm.Time as seconds of the day.
 * `__changed` (ms) is the row's change stamp, from which the ETag derives.
 */
export type Row = Record<string, unknown> & { __changed: number };

export interface ChangeRecord {
  set: string;
  action: 'created' | 'changed' | 'deleted';
  /** The row after the change (before it, for deletions). */
  row: Row;
}

interface StoreState {
  tables: Map<string, Map<string, Row>>;
  counters: Map<string, number>;
  /**
   * Secondary indexes, built on first use: set → field → value → the rows with that value, keyed
   * by row key, in the table's own order (so a lookup lists rows exactly as a scan would).
   */
  indexes: Map<string, Map<string, Map<unknown, Map<string, Row>>>>;
}

export class S4Store {
  private state: StoreState = { tables: new Map(), counters: new Map(), indexes: new Map() };
  private lastStamp = 0;
  private journal: ChangeRecord[] | undefined;
  private undo: (() => void)[] | undefined;
  private readonly listeners: ((changes: ChangeRecord[]) => void)[] = [];

  /** Called with the changes of every committed write (a single request or a whole changeset). */
  onCommit(listener: (changes: ChangeRecord[]) => void): void {
    this.listeners.push(listener);
  }

  /** A strictly increasing timestamp, so two quick changes never share an ETag. */
  nextStamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  /** Next number of a number range (activities, BPs, addresses, relationships). */
  nextNumber(range: string, start: number): number {
    const previous = this.state.counters.get(range);
    const next = (previous ?? start - 1) + 1;
    this.state.counters.set(range, next);
    this.undo?.push(() => {
      if (previous === undefined) this.state.counters.delete(range);
      else this.state.counters.set(range, previous);
    });
    return next;
  }

  newGuid(): string {
    return randomUUID();
  }

  table(set: string): Map<string, Row> {
    let table = this.state.tables.get(set);
    if (!table) {
      table = new Map();
      this.state.tables.set(set, table);
    }
    return table;
  }

  list(set: string): Row[] {
    const view = definition(set).view;
    if (view) return view((source) => this.list(source)) as Row[];
    return [...this.table(set).values()];
  }

  /**
   * The rows of `set` whose `field` equals `value` (===), in table order: what
   * `list(set).filter((row) => row[field] === value)` returns, without scanning the table.
   * Navigations (an appointment's partners and texts) are read this way on every expanded read,
   * and a scan made each read cost O(all partners in the system).
   */
  where(set: string, field: string, value: unknown): Row[] {
    if (definition(set).view) return this.list(set).filter((row) => row[field] === value);
    // A Map matches NaN to NaN; === never does.
    if (typeof value === 'number' && Number.isNaN(value)) return [];
    const matching = this.index(set, field).get(value);
    return matching ? [...matching.values()] : [];
  }

  private index(set: string, field: string): Map<unknown, Map<string, Row>> {
    let bySet = this.state.indexes.get(set);
    if (!bySet) {
      bySet = new Map();
      this.state.indexes.set(set, bySet);
    }
    let index = bySet.get(field);
    if (!index) {
      index = new Map();
      for (const [key, row] of this.table(set)) indexAdd(index, row[field], key, row);
      bySet.set(field, index);
    }
    return index;
  }

  get(set: string, keys: Record<string, unknown>): Row | undefined {
    const def = definition(set);
    if (def.view) {
      const wanted = rowKey(def, keys);
      return this.list(set).find((row) => rowKey(def, row) === wanted);
    }
    return this.table(set).get(rowKey(def, keys));
  }

  /**
   * Runs `fn` as one unit: every write inside commits together, or — if it throws — none does
   * (a $batch changeset is all-or-nothing). Nested calls join the outer unit. Rollback replays an
   * undo log, so a write costs O(rows it touches), not a copy of the database.
   */
  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    this.journal = [];
    this.undo = [];
    try {
      const result = fn();
      const changes = this.journal;
      this.journal = undefined;
      this.undo = undefined;
      if (changes.length > 0) for (const listener of this.listeners) listener(changes);
      return result;
    } catch (error) {
      const undo = this.undo ?? [];
      this.journal = undefined;
      this.undo = undefined;
      for (const step of undo.reverse()) step();
      throw error;
    }
  }

  insert(set: string, row: Omit<Row, '__changed'> & { __changed?: number }): Row {
    return this.transaction(() => {
      const stored = { ...row, __changed: row.__changed ?? this.nextStamp() } as Row;
      this.put(set, rowKey(definition(set), stored), stored);
      this.journal?.push({ set, action: 'created', row: stored });
      return stored;
    });
  }

  replace(set: string, before: Row, after: Record<string, unknown>): Row {
    return this.transaction(() => {
      const def = definition(set);
      const stored = { ...after, __changed: this.nextStamp() } as Row;
      this.put(set, rowKey(def, before), undefined);
      this.put(set, rowKey(def, stored), stored);
      this.journal?.push({ set, action: 'changed', row: stored });
      return stored;
    });
  }

  remove(set: string, row: Row): void {
    this.transaction(() => {
      this.put(set, rowKey(definition(set), row), undefined);
      this.journal?.push({ set, action: 'deleted', row });
    });
  }

  /** Sets (or with undefined deletes) one row, recording how to undo it. */
  private put(set: string, key: string, row: Row | undefined): void {
    const previous = this.table(set).get(key);
    this.undo?.push(() => this.write(set, key, previous));
    this.write(set, key, row);
  }

  /** The one place a table changes, so that its indexes change with it. */
  private write(set: string, key: string, row: Row | undefined): void {
    const table = this.table(set);
    const previous = table.get(key);
    const indexes = this.state.indexes.get(set);
    if (indexes) {
      for (const [field, index] of indexes) {
        if (previous && row && previous[field] !== row[field]) {
          // Overwritten in place with another value: the table keeps the row's position, which an
          // append to the new value's list would not; rebuild this index on its next use instead.
          indexes.delete(field);
          continue;
        }
        if (previous && !row) indexDelete(index, previous[field], key);
        else if (row) indexAdd(index, row[field], key, row);
      }
    }
    if (row) table.set(key, row);
    else table.delete(key);
  }

  /** Drops everything (used by reset before re-seeding). */
  clear(): void {
    this.state = { tables: new Map(), counters: new Map(), indexes: new Map() };
  }
}

function indexAdd(index: Map<unknown, Map<string, Row>>, value: unknown, key: string, row: Row): void {
  let rows = index.get(value);
  if (!rows) {
    rows = new Map();
    index.set(value, rows);
  }
  rows.set(key, row);
}

function indexDelete(index: Map<unknown, Map<string, Row>>, value: unknown, key: string): void {
  const rows = index.get(value);
  rows?.delete(key);
  if (rows?.size === 0) index.delete(value);
}

function definition(set: string): EntitySetDef {
  const found = entitySetByName(set);
  if (!found) throw new Error(`Unknown entity set ${set}`);
  return found.set;
}

/** The identity of a row within its set: its key values in key order. */
export function rowKey(set: EntitySetDef, row: Record<string, unknown>): string {
  return JSON.stringify(keyProperties(set).map((prop) => normaliseKeyValue(row[prop.name])));
}

function normaliseKeyValue(value: unknown): unknown {
  return typeof value === 'string' ? value : (value ?? null);
}
