import type { Stamp } from './model/exchange-items.js';
import type { JournalEntry } from './actions.js';
import { normalizeLine } from './canonical/normalize.js';

/**
 * Match before create (docs/sync-engine.md, "Initial load"): pair S/4 objects with items already in the
 * mailbox so that enabling a user never duplicates. The stamp decides first; then a deliberately
 * conservative heuristic — same normalised subject, start and end, and exactly one candidate on
 * each side. Anything ambiguous is never merged: the S/4 object is created and the ambiguity
 * journalled, the Outlook items are left as they are.
 */
export interface S4Candidate {
  key: string;
  subject: string;
  /** Canonical start/end (minute instants, or dates for all-day/tasks); undefined when the object has none. */
  start?: string;
  end?: string;
}

export interface ExchangeCandidate {
  id: string;
  subject: string;
  start?: string;
  end?: string;
  stamp?: Stamp;
}

export interface MatchPair {
  s4Key: string;
  exchangeId: string;
  by: 'stamp' | 'heuristic';
}

export interface InitialLoadMatch {
  pairs: MatchPair[];
  /** S/4 objects to create in the mailbox (journal carries 'ambiguous' where that was the reason). */
  createInExchange: { s4Key: string; journal: JournalEntry }[];
  /**
   * Outlook items with no S/4 partner. Only `mayCreateInS4` ones are candidates for Exchange → S/4
   * (under its filter): an ambiguous item may well be a copy of an S/4 object, and a stamped one
   * was written by Tandem — copying either to S/4 would duplicate.
   */
  exchangeOnly: { exchangeId: string; mayCreateInS4: boolean; journal: JournalEntry }[];
}

function matchKey(c: { subject: string; start?: string; end?: string }): string {
  return JSON.stringify([normalizeLine(c.subject).toLowerCase(), c.start ?? null, c.end ?? null]);
}

export function matchForInitialLoad(
  s4: readonly S4Candidate[],
  exchange: readonly ExchangeCandidate[],
): InitialLoadMatch {
  const pairs: MatchPair[] = [];
  const createInExchange: InitialLoadMatch['createInExchange'] = [];
  const exchangeOnly: InitialLoadMatch['exchangeOnly'] = [];
  const s4Keys = new Set(s4.map((o) => o.key));
  const pairedS4 = new Set<string>();

  // 1. Stamp: Tandem wrote the item. A second item with the same stamp (a copy) is never paired.
  const restEx: ExchangeCandidate[] = [];
  for (const e of [...exchange].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const key = e.stamp?.s4Key;
    if (key === undefined) {
      restEx.push(e);
      continue;
    }
    if (s4Keys.has(key) && !pairedS4.has(key)) {
      pairs.push({ s4Key: key, exchangeId: e.id, by: 'stamp' });
      pairedS4.add(key);
    } else {
      exchangeOnly.push({
        exchangeId: e.id,
        mayCreateInS4: false,
        journal: {
          outcome: 'skipped',
          reason: s4Keys.has(key) ? 'initialLoad.duplicateStamp' : 'initialLoad.stampWithoutObject',
        },
      });
    }
  }

  // 2. Heuristic on what is left, by (subject, start, end).
  const groups = new Map<string, { s4: S4Candidate[]; ex: ExchangeCandidate[] }>();
  const group = (k: string) => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { s4: [], ex: [] }));
    return g;
  };
  for (const o of s4) if (!pairedS4.has(o.key)) group(matchKey(o)).s4.push(o);
  for (const e of restEx) group(matchKey(e)).ex.push(e);
  for (const g of groups.values()) {
    if (g.s4.length === 1 && g.ex.length === 1) {
      pairs.push({ s4Key: g.s4[0]!.key, exchangeId: g.ex[0]!.id, by: 'heuristic' });
      continue;
    }
    const ambiguous = g.s4.length > 0 && g.ex.length > 0;
    for (const o of g.s4)
      createInExchange.push({
        s4Key: o.key,
        journal: ambiguous
          ? { outcome: 'ambiguous', reason: 'initialLoad.ambiguous' }
          : { outcome: 'synced', reason: 'initialLoad.noMatch' },
      });
    for (const e of g.ex) {
      exchangeOnly.push({
        exchangeId: e.id,
        mayCreateInS4: !ambiguous,
        journal: ambiguous
          ? { outcome: 'ambiguous', reason: 'initialLoad.ambiguous' }
          : { outcome: 'skipped', reason: 'initialLoad.noMatch' },
      });
    }
  }
  return { pairs, createInExchange, exchangeOnly };
}
