/** The cockpit's screens; the path below /cockpit/ names one, so deep links and reloads work. */
export const SCREENS = [
  'overview',
  'settings',
  'environments',
  's4',
  'users',
  'journal',
  'dead-letters',
  'safety-valve',
  'credentials',
] as const;
export type ScreenKey = (typeof SCREENS)[number];
const BASE = '/cockpit/';

export function screenFromLocation(): ScreenKey {
  const key = window.location.pathname.startsWith(BASE)
    ? window.location.pathname.slice(BASE.length).split('/')[0]
    : '';
  return (SCREENS as readonly string[]).includes(key ?? '') ? (key as ScreenKey) : 'overview';
}

export function navigate(screen: ScreenKey, query?: Record<string, string>): void {
  const search = query ? `?${new URLSearchParams(query).toString()}` : '';
  window.history.pushState({}, '', `${BASE}${screen}${search}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
