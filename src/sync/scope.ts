import type { Sensitivity, TimeWindow } from './model/exchange-items.js';
import type { TenantSettings } from './settings.js';

/**
 * Shared filter rules. Every verdict carries a stable reason code for the journal:
 * 'disabled', 'filtered.processType', 'filtered.private', 'filtered.category', 'filtered.tag',
 * 'filtered.recurring', 'filtered.notPartner', 'filtered.noResponsible', 'outOfWindow', 'exchangeToS4.off'.
 */
export interface ScopeVerdict {
  inScope: boolean;
  reason?: string;
}

export const IN_SCOPE: ScopeVerdict = { inScope: true };
export const out = (reason: string): ScopeVerdict => ({ inScope: false, reason });

/** The sync window around `now` (days before and after today, from the tenant settings): bounds initial loads and series expansion. */
export function syncWindow(settings: TenantSettings, now: string): TimeWindow {
  const t = Date.parse(now);
  return {
    start: new Date(t - settings.syncWindow.daysBack * 86_400_000).toISOString(),
    end: new Date(t + settings.syncWindow.daysAhead * 86_400_000).toISOString(),
  };
}

/** Overlap test; an item without times (a task without dates) is always inside. */
export function inWindow(start: string | undefined, end: string | undefined, w: TimeWindow): boolean {
  const s = start ?? end;
  const e = end ?? start;
  if (s === undefined || e === undefined) return true;
  return Date.parse(e) >= Date.parse(w.start) && Date.parse(s) < Date.parse(w.end);
}

/** The sync tag as a whole word of the subject, case-insensitively ("#S4" matches "Visit #s4", not "#S45"). */
export function hasSyncTag(subject: string, tag: string): boolean {
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(subject);
}

export function hasCategory(categories: readonly string[], category: string): boolean {
  const c = category.trim().toLowerCase();
  return categories.some((x) => x.trim().toLowerCase() === c);
}

export function isPrivateSensitivity(s: Sensitivity): boolean {
  return s === 'private' || s === 'confidential';
}

export interface ExchangeFilterSettings {
  exchangeToS4: 'off' | 'all' | 'category' | 'tag';
  category: string;
  syncTag: string;
  syncPrivate: boolean;
}

/** Whether an Outlook item goes to S/4 (setting exchangeToS4: off / all / category / tag; private items skipped unless enabled). */
export function exchangeItemQualifies(
  item: { subject: string; categories: readonly string[]; sensitivity: Sensitivity },
  s: ExchangeFilterSettings,
): ScopeVerdict {
  if (s.exchangeToS4 === 'off') return out('exchangeToS4.off');
  if (isPrivateSensitivity(item.sensitivity) && !s.syncPrivate) return out('filtered.private');
  if (s.exchangeToS4 === 'category' && !hasCategory(item.categories, s.category)) return out('filtered.category');
  if (s.exchangeToS4 === 'tag' && !hasSyncTag(item.subject, s.syncTag)) return out('filtered.tag');
  return IN_SCOPE;
}

/**
 * An item the user made private in Outlook while private items do not sync: it must neither reach
 * S/4 (as a private activity) nor, through the S/4 filter, be removed from the user's calendar.
 */
export function madePrivateInOutlook(
  syncPrivate: boolean,
  exchangePrivate: boolean,
  snapshotPrivate: boolean | undefined,
  s4Private: boolean | undefined,
): boolean {
  return !syncPrivate && exchangePrivate && snapshotPrivate === false && s4Private !== true;
}
