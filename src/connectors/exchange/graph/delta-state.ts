import { TandemError } from '../../../errors/tandem-error.js';
import type { TimeWindow } from '../types.js';

/**
 * The Graph backend's change-tracking state, stored opaquely by the caller.
 *
 * - `mode` "i": an initial round (everything listed is new); "d": a delta round (changes);
 *   "restart": the previous calendarView round ended and its window is stale — the next call starts
 *   a new round over the caller's current window.
 * - `url`: the nextLink or deltaLink to continue with (empty for "restart").
 * - `window`: calendarView only. Graph keeps the window of the first request in every link
 *   (learn.microsoft.com/graph/delta-query-events), so the round has to be restarted to move it.
 * - `newerThan`: calendarView only, in a restarted round: the end of the previous window. The
 *   previous round tracked everything before it, so only items ending after it are new to us.
 */
export interface GraphDeltaState {
  mode: 'i' | 'd' | 'restart';
  url: string;
  window?: TimeWindow;
  newerThan?: string;
}

const V1 = 'graph1:';
const V2 = 'graph2:';

export function encodeDeltaState(state: GraphDeltaState): string {
  if (!state.window && state.mode !== 'restart') return `${V1}${state.mode}:${state.url}`;
  return `${V2}${Buffer.from(JSON.stringify(state)).toString('base64url')}`;
}

export function decodeDeltaState(value: string): GraphDeltaState {
  const v1 = /^graph1:([id]):(.+)$/.exec(value);
  if (v1) return { mode: v1[1] as 'i' | 'd', url: v1[2]! };
  if (value.startsWith(V2)) {
    try {
      const parsed = JSON.parse(Buffer.from(value.slice(V2.length), 'base64url').toString('utf8')) as GraphDeltaState;
      if ((parsed.mode === 'i' || parsed.mode === 'd' || parsed.mode === 'restart') && typeof parsed.url === 'string')
        return parsed;
    } catch {
      // falls through to the error below
    }
  }
  throw new TandemError('EXCHANGE_INVALID_SYNC_STATE', 'Sync state was not written by the Graph backend');
}

/** The round's window is stale when the caller's window starts or ends on another day (it moves daily). */
export function windowMoved(round: TimeWindow | undefined, current: TimeWindow): boolean {
  if (!round) return true;
  return round.start.slice(0, 10) !== current.start.slice(0, 10) || round.end.slice(0, 10) !== current.end.slice(0, 10);
}
