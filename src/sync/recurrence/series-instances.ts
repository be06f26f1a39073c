import type { Appointment, TimeWindow } from '../model/exchange-items.js';
import { normalizeInstant } from '../canonical/normalize.js';
import { expandSeriesToOccurrences } from './expand-series.js';

const DAY_MS = 86_400_000;
/** The longest gap between two consecutive dates of a pattern, per step of its interval. */
const LONGEST_GAP_DAYS = {
  daily: 1,
  weekly: 7,
  absoluteMonthly: 31,
  relativeMonthly: 35,
  absoluteYearly: 366,
  relativeYearly: 371,
} as const;

/**
 * The range to ask the mailbox for a series' instances so that every occurrence whose original
 * start lies in the sync window is among them, even when it was moved out of the window: Exchange
 * refuses to move an occurrence across an adjacent one (the EWS response code
 * ErrorOccurrenceCrossingBoundary), so a moved occurrence stays within one pattern gap of where it was. The window is widened by that gap (interval × the pattern's longest
 * step) plus the occurrence's duration on both sides.
 */
export function instanceWindow(master: Appointment, window: TimeWindow): TimeWindow {
  const pattern = master.recurrence?.pattern;
  if (!pattern) return window;
  const gap = LONGEST_GAP_DAYS[pattern.type] * Math.max(1, pattern.interval || 1) * DAY_MS;
  const pad = gap + Math.max(0, Date.parse(master.end) - Date.parse(master.start));
  return {
    start: new Date(Date.parse(window.start) - pad).toISOString(),
    end: new Date(Date.parse(window.end) + pad).toISOString(),
  };
}

/**
 * The original starts of occurrences the pattern puts into the window but the mailbox no longer
 * lists among the series' instances: deleted occurrences. Graph v1.0 says nothing else about them
 * — its event resource has no list of cancelled occurrences (that is beta-only) and occurrence ids
 * are opaque — so the instances (learn.microsoft.com/graph/api/event-list-instances, each with its
 * `originalStart`) are the record. `instances` must come from `instanceWindow(master, window)`.
 *
 * Nothing is derived when an instance lacks its original start, or when instances exist but none
 * matches the pattern (the two expansions disagree, e.g. on a time zone): guessing then would
 * delete activities of occurrences that still exist.
 */
export function occurrencesMissingFromInstances(
  master: Appointment,
  instances: readonly Appointment[],
  window: TimeWindow,
): string[] {
  if (instances.some((i) => !i.originalStart)) return [];
  const listed = new Set(instances.map((i) => normalizeInstant(i.originalStart!)));
  const pattern = expandSeriesToOccurrences(master, [], [], window).map((o) => o.originalStart);
  if (listed.size > 0 && !pattern.some((start) => listed.has(start))) return [];
  return pattern.filter((start) => !listed.has(start));
}

/** The master with the occurrences missing from its instances added to its deleted occurrences. */
export function withDeletedFromInstances(
  master: Appointment,
  instances: readonly Appointment[],
  window: TimeWindow,
): Appointment {
  const missing = occurrencesMissingFromInstances(master, instances, window);
  if (missing.length === 0) return master;
  const known = master.deletedOccurrences ?? [];
  const seen = new Set(known.map(normalizeInstant));
  return { ...master, deletedOccurrences: [...known, ...missing.filter((m) => !seen.has(m))] };
}
