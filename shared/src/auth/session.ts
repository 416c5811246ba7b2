import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config';
import { effectiveGlobalRole } from '../contracts/roles';
import type { PrismaClient } from '../db';
import { derivedKey } from './secret';
import type { AuthUser } from './types';

type SessionConfig = Pick<Config, 'jwtSecret' | 'dataDir' | 'jwtExpiresMinutes' | 'redisPrefix'>;
const ISSUER = 'arkive';
const AUDIENCE = 'arkive-session';

function sessionKey(config: SessionConfig): Uint8Array {
  return new Uint8Array(derivedKey(config, 'session'));
}

export function revokedKey(config: Pick<Config, 'redisPrefix'>, jti: string): string {
  return `${config.redisPrefix}auth:revoked:${jti}`;
}

export interface IssuedSession {
  token: string;
  jti: string;
  expiresAt: Date;
}

/** Signs an HS256 session token for a user, valid for config.jwtExpiresMinutes (override with `minutes`). */
export async function issueSessionToken(
  config: SessionConfig,
  user: Pick<AuthUser, 'id' | 'username' | 'isAdmin'>,
  minutes = config.jwtExpiresMinutes,
): Promise<IssuedSession> {
  const jti = randomUUID();
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const exp = now + Math.round(minutes * 60);
  // `iat` has whole seconds; `iatms` lets a password change end sessions issued in the same second.
  const token = await new SignJWT({ username: user.username, adm: user.isAdmin, iatms: nowMs })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setJti(jti)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(sessionKey(config));
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

export type SessionCheck =
  { ok: true; user: AuthUser } | { ok: false; reason: 'invalid' | 'expired' | 'revoked' };

/**
 * Verifies a session token: signature, expiry, not revoked (Redis deny-list) and, when `prisma`
 * is given, that the user still exists and has not changed password since — the user's current
 * admin flag and must-change-password flag then come from the database. Use this in every
 * process that accepts the session (API, web server socket relay).
 */
export async function checkSessionToken(
  config: SessionConfig,
  redis: Redis,
  token: string,
  prisma?: PrismaClient,
): Promise<SessionCheck> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, sessionKey(config), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    }));
  } catch (err) {
    return { ok: false, reason: err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
  }
  const id = Number(payload.sub);
  if (!Number.isInteger(id) || typeof payload.jti !== 'string' || typeof payload.exp !== 'number')
    return { ok: false, reason: 'invalid' };
  if (await redis.exists(revokedKey(config, payload.jti))) return { ok: false, reason: 'revoked' };
  let user: AuthUser = {
    id,
    username: String(payload.username ?? ''),
    isAdmin: payload.adm === true,
    jti: payload.jti,
    tokenExpiresAt: payload.exp * 1000,
  };
  if (prisma) {
    const row = await prisma.user.findUnique({
      where: { id },
      select: {
        username: true,
        isAdmin: true,
        role: true,
        mustChangePassword: true,
        passwordChangedAt: true,
      },
    });
    if (!row) return { ok: false, reason: 'revoked' };
    const issuedMs =
      typeof payload.iatms === 'number'
        ? payload.iatms
        : typeof payload.iat === 'number'
          ? payload.iat * 1000
          : undefined;
    if (row.passwordChangedAt && issuedMs !== undefined && issuedMs < row.passwordChangedAt.getTime()) {
      return { ok: false, reason: 'revoked' };
    }
    user = {
      ...user,
      username: row.username,
      isAdmin: row.isAdmin,
      role: effectiveGlobalRole(row),
      mustChangePassword: row.mustChangePassword,
    };
  }
  return { ok: true, user };
}

/** The session's user, or null for a missing, forged, expired or revoked token. */
export async function verifySessionToken(
  config: SessionConfig,
  redis: Redis,
  token: string | undefined | null,
  prisma?: PrismaClient,
): Promise<AuthUser | null> {
  if (!token) return null;
  const r = await checkSessionToken(config, redis, token, prisma);
  return r.ok ? r.user : null;
}

/** Puts a token id on the deny-list until the token would have expired anyway. */
export async function revokeSessionToken(
  config: SessionConfig,
  redis: Redis,
  jti: string,
  expiresAtMs: number,
): Promise<void> {
  const ttl = Math.ceil((expiresAtMs - Date.now()) / 1000);
  if (ttl > 0) await redis.set(revokedKey(config, jti), '1', 'EX', ttl);
}

/** Reads the session token from an `Authorization: Bearer` header or the `arkive_session` cookie header. */
export function sessionTokenFrom(headers: { authorization?: string; cookie?: string }): string | undefined {
  const auth = headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === 'arkive_session') {
      try {
        return decodeURIComponent(part.slice(i + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
