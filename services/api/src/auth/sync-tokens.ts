import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { NotFoundError, UnauthorizedError } from '@arkive/shared';
import type { AppDeps } from '../deps';

/** Sync tokens are recognisable by their prefix, so a session check never has to guess. */
export const SYNC_TOKEN_PREFIX = 'arks_';

export function newSyncToken(): string {
  return `${SYNC_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps: the SHA-256 of the token (it carries 256 random bits; no salt needed). */
export function hashSyncToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The sync token of a request (`Authorization: Bearer arks_...`), if it carries one. */
export function syncTokenOf(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (!auth || !/^bearer\s+/i.test(auth)) return undefined;
  const token = auth.replace(/^bearer\s+/i, '').trim();
  return token.startsWith(SYNC_TOKEN_PREFIX) ? token : undefined;
}

/**
 * Admits a sync token for `runid`'s export routes: 401 SYNC_TOKEN_INVALID / _REVOKED / _EXPIRED
 * for a token that cannot be used at all, 404 RUN_NOT_FOUND for a run outside its list or not
 * registered (a token holder learns nothing about other runs). Counts the use.
 */
export async function admitSyncToken(deps: AppDeps, token: string, runid: string): Promise<void> {
  const row = await deps.prisma.syncToken.findUnique({ where: { tokenHash: hashSyncToken(token) } });
  if (!row) throw new UnauthorizedError('The sync token is not valid', 'SYNC_TOKEN_INVALID');
  if (row.revokedAt) throw new UnauthorizedError('The sync token has been revoked', 'SYNC_TOKEN_REVOKED');
  if (row.expiresAt.getTime() <= Date.now())
    throw new UnauthorizedError('The sync token has expired', 'SYNC_TOKEN_EXPIRED');
  const notFound = new NotFoundError('RUN_NOT_FOUND', `Run ${runid} not found`);
  if (row.runs.length > 0 && !row.runs.includes(runid)) throw notFound;
  const run = await deps.prisma.run.findUnique({ where: { id: runid }, select: { id: true } });
  if (!run) throw notFound;
  await deps.prisma.syncToken.update({
    where: { id: row.id },
    data: { useCount: { increment: 1 }, lastUsedAt: new Date() },
  });
}
