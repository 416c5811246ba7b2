/**
 * Is a browser request from our own pages? One rule for the API (state-changing requests that
 * carry the session cookie) and the web server (the socket.io handshake), decided from what the
 * browser itself writes and a page cannot forge:
 *
 * - `Sec-Fetch-Site: same-origin` → ours (every current browser sends it);
 * - otherwise an `Origin` header must name the host the browser addressed (`Host`, or
 *   `X-Forwarded-Host` from a trusted proxy) or an origin listed in CORS_ORIGINS;
 * - `Sec-Fetch-Site: cross-site | same-site` without such an Origin → not ours;
 * - neither header → not a browser (curl, the CLI, tests): refused only when `requireEvidence`
 *   (a cookie-authenticated state change, which only a browser would send on its own).
 */
export interface SiteHeaders {
  origin?: string;
  secFetchSite?: string;
  /** The host[:port] the client addressed. */
  host?: string;
}

export type SiteVerdict = { ok: true } | { ok: false; reason: string };

/** True when `origin` (scheme://host[:port]) names `host` as a browser would address it. */
function originIsHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    // Resolving the host with the origin's scheme drops the default port on both sides alike.
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

export function sameSiteVerdict(
  h: SiteHeaders,
  allowedOrigins: readonly string[],
  requireEvidence: boolean,
): SiteVerdict {
  const site = h.secFetchSite?.toLowerCase();
  if (site === 'same-origin') return { ok: true };
  if (h.origin !== undefined) {
    if (originIsHost(h.origin, h.host) || allowedOrigins.includes(h.origin)) return { ok: true };
    return { ok: false, reason: `Origin ${JSON.stringify(h.origin.slice(0, 200))} is not this site` };
  }
  if (site && site !== 'none') return { ok: false, reason: `Sec-Fetch-Site is ${site}` };
  if (requireEvidence) return { ok: false, reason: 'neither Origin nor Sec-Fetch-Site was sent' };
  return { ok: true };
}

/** The one header value of a Node request header (first of a repeated one). */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
