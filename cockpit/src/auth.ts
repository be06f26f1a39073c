/**
 * Where the cockpit's credentials come from. Locally (AUTH_MODE=dev) a token arrives once as
 * `?token=` (the demo prints such a link) or is pasted, and is kept in sessionStorage for the tab.
 * On BTP the approuter holds the session and adds the token itself: requests then carry no
 * Authorization header, and writes need its CSRF token.
 */
export type Scope = 'Admin' | 'Support';
const STORAGE_KEY = 'tandem.cockpit.token';

export interface Session {
  /** Bearer token, or undefined when the approuter authenticates. */
  token?: string;
  scopes: Scope[];
  user: string;
}

/** Dev mode only: `web` with AUTH_MODE=dev listens on the loopback interface alone. */
const LOCAL_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Takes `?token=` off the address bar (it should not stay in history or be shared by copy-paste).
 * Accepted only when the cockpit runs locally (dev mode): elsewhere a link carrying someone
 * else's token would sign the victim into the sender's tenant, and the approuter holds the session.
 */
export function takeTokenFromUrl(): string | undefined {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (!token) return undefined;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.toString());
  if (!LOCAL_HOSTS.test(url.hostname)) return undefined;
  sessionStorage.setItem(STORAGE_KEY, token);
  return token;
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(STORAGE_KEY, token);
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Decodes (does not verify — the API does) a JWT's payload to learn the user's scopes and name. */
export function sessionFromToken(token: string): Session | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<
      string,
      unknown
    >;
    const raw = Array.isArray(payload.scope)
      ? payload.scope
      : typeof payload.scope === 'string'
        ? payload.scope.split(' ')
        : [];
    // XSUAA qualifies scopes with the xsappname (`tandem!t123.Admin`); only the local part matters here.
    const scopes = raw
      .map((s) => String(s).split('.').pop())
      .filter((s): s is Scope => s === 'Admin' || s === 'Support');
    return { token, scopes, user: String(payload.user_name ?? payload.sub ?? 'user') };
  } catch {
    return undefined;
  }
}
