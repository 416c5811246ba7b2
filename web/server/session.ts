import type { Config, SocketUser } from '@arkive/shared';

export const SESSION_COOKIE = 'arkive_session';

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

export type SessionVerifier = (token: string) => Promise<SocketUser | undefined>;

/**
 * Verifies a session by asking the API who the cookie belongs to (`GET /api/auth/me`), so the
 * web server applies exactly the API's rules (expiry, revocation on logout, deleted users)
 * without holding the JWT secret. Answers undefined for 401/403; throws when the API is down.
 */
export function apiSessionVerifier(config: Pick<Config, 'apiUrl'>): SessionVerifier {
  return async (token) => {
    const res = await fetch(new URL('/api/auth/me', config.apiUrl), {
      headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(token)}`, accept: 'application/json' },
    });
    if (res.status === 401 || res.status === 403) return undefined;
    if (!res.ok) throw new Error(`API answered ${res.status} to /api/auth/me`);
    const body = (await res.json()) as Record<string, unknown>;
    const u = (body.user && typeof body.user === 'object' ? body.user : body) as Record<string, unknown>;
    if (typeof u.id !== 'number' || typeof u.username !== 'string') return undefined;
    return { id: u.id, username: u.username, isAdmin: Boolean(u.is_admin ?? u.isAdmin) };
  };
}
