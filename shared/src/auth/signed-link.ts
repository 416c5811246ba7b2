import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';
import { UnauthorizedError } from '../errors';
import { derivedKey } from './secret';

type LinkConfig = Pick<Config, 'jwtSecret' | 'dataDir'>;

/** Canonical form of a URL path for signing: no query, percent-decoded, no trailing slash. */
export function canonicalLinkPath(p: string): string {
  const bare = p.split('?')[0].split('#')[0];
  let decoded = bare;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    /* keep as is: it will simply not match */
  }
  return decoded.length > 1 ? decoded.replace(/\/+$/, '') : decoded;
}

function sign(config: LinkConfig, body: string): string {
  return createHmac('sha256', derivedKey(config, 'signed-link')).update(body).digest('base64url');
}

export interface SignedLinkClaims {
  path: string;
  expiresAt: Date;
  /** The issued-link record (the API's `signed_links` row) that a use is checked against. */
  linkId?: string;
}

/**
 * An HMAC-signed token granting GET access to exactly one path until `expiresAt`, without a
 * session (links in e-mails). Use it as `?token=` on that path (see signedUrl). The API accepts
 * only tokens that name a `linkId` it issued (services/api/src/auth/run-links.ts), so a link can
 * be revoked and dies with its creator's access.
 */
export function createSignedToken(config: LinkConfig, link: SignedLinkClaims): string {
  const body = Buffer.from(
    JSON.stringify({
      p: canonicalLinkPath(link.path),
      e: Math.floor(link.expiresAt.getTime() / 1000),
      ...(link.linkId ? { l: link.linkId } : {}),
    }),
  ).toString('base64url');
  return `${body}.${sign(config, body)}`;
}

/** `path?token=…` for a path: valid for `ttlSeconds`, or until `claims.expiresAt` when given. */
export function signedUrl(
  config: LinkConfig,
  path: string,
  ttlSeconds: number,
  claims: { linkId?: string; expiresAt?: Date } = {},
): string {
  const expiresAt = claims.expiresAt ?? new Date(Date.now() + ttlSeconds * 1000);
  const token = createSignedToken(config, { path, expiresAt, linkId: claims.linkId });
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/**
 * Checks a link token for the requested path; throws 401 LINK_INVALID (forged, tampered, other
 * path) or LINK_EXPIRED. Returns its claims (the caller checks the link record, see createSignedToken).
 */
export function verifySignedToken(config: LinkConfig, token: string, requestPath: string): SignedLinkClaims {
  const invalid = () => new UnauthorizedError('This link is not valid', 'LINK_INVALID');
  const [body, mac, extra] = String(token).split('.');
  if (!body || !mac || extra !== undefined) throw invalid();
  const expected = Buffer.from(sign(config, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
  let claims: { p?: unknown; e?: unknown; l?: unknown };
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof claims.p !== 'string' || typeof claims.e !== 'number') throw invalid();
  if (claims.l !== undefined && typeof claims.l !== 'string') throw invalid();
  if (claims.p !== canonicalLinkPath(requestPath)) throw invalid();
  if (claims.e * 1000 <= Date.now())
    throw new UnauthorizedError('This link has expired; ask for a new one', 'LINK_EXPIRED');
  return {
    path: claims.p,
    expiresAt: new Date(claims.e * 1000),
    ...(claims.l !== undefined ? { linkId: claims.l } : {}),
  };
}
