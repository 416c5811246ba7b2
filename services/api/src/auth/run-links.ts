import {
  canonicalLinkPath,
  roleAtLeast,
  runAccessOf,
  signedUrl,
  UnauthorizedError,
  verifySignedToken,
  type RunRoleName,
} from '@arkive/shared';
import type { AppDeps } from '../deps';

/**
 * Signed links of a run: each is a `signed_links` row, and its token names the row. A link works
 * only while the row is neither revoked nor expired and its minting user still holds
 * LINK_MINT_ROLE on the run (checked at every use, so removing or demoting a collaborator ends
 * every link they handed out). Owners list and revoke them (routes/runs/links.ts).
 */
export const LINK_MINT_ROLE: RunRoleName = 'collaborator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MintedLink {
  id: string;
  url: string;
  expiresAt: Date;
}

/** Records a link to `path` (a GET path of the run) for `ttlSeconds` and signs it. */
export async function mintRunLink(
  deps: Pick<AppDeps, 'config' | 'prisma'>,
  link: { runid: string; path: string; mintedBy: number; ttlSeconds: number; archiveName?: string },
): Promise<MintedLink> {
  // Whole seconds: the token carries its expiry in seconds, and the row must agree with it.
  const expiresAt = new Date(Math.floor((Date.now() + link.ttlSeconds * 1000) / 1000) * 1000);
  const row = await deps.prisma.signedLink.create({
    data: {
      runId: link.runid,
      path: canonicalLinkPath(link.path),
      archiveName: link.archiveName ?? null,
      mintedById: link.mintedBy,
      expiresAt,
    },
  });
  return {
    id: row.id,
    url: signedUrl(deps.config, link.path, link.ttlSeconds, { linkId: row.id, expiresAt }),
    expiresAt,
  };
}

const revoked = (why: string) => new UnauthorizedError(`This link no longer works: ${why}`, 'LINK_REVOKED');

/**
 * Admits a request by a link token for `runid`, for a route needing `role`; throws 401
 * LINK_INVALID / LINK_EXPIRED / LINK_REVOKED. Counts the use.
 */
export async function admitRunLink(
  deps: Pick<AppDeps, 'config' | 'prisma'>,
  token: string,
  requestPath: string,
  runid: string,
  role: RunRoleName,
): Promise<void> {
  const claims = verifySignedToken(deps.config, token, requestPath);
  if (!claims.linkId || !UUID.test(claims.linkId))
    throw new UnauthorizedError('This link is not valid; ask for a new one', 'LINK_INVALID');
  const link = await deps.prisma.signedLink.findUnique({
    where: { id: claims.linkId },
    include: { mintedBy: { select: { id: true, isAdmin: true } } },
  });
  // The token's MAC is ours, so a missing row was deleted with its run or its creator.
  if (!link) throw revoked('it was withdrawn');
  if (link.runId !== runid || link.path !== claims.path)
    throw new UnauthorizedError('This link is not valid', 'LINK_INVALID');
  if (link.revokedAt) throw revoked('it was revoked');
  if (link.expiresAt.getTime() <= Date.now())
    throw new UnauthorizedError('This link has expired; ask for a new one', 'LINK_EXPIRED');
  const { effectiveRole } = await runAccessOf(deps.prisma, link.mintedBy, runid);
  if (!roleAtLeast(effectiveRole, LINK_MINT_ROLE) || !roleAtLeast(effectiveRole, role))
    throw revoked('the person who shared it no longer has access to this run');
  await deps.prisma.signedLink.update({
    where: { id: link.id },
    data: { useCount: { increment: 1 }, lastUsedAt: new Date() },
  });
}

export type LinkStatus = 'active' | 'expired' | 'revoked' | 'creator_lost_access';

/** What a use of the link would meet now (same order of checks as admitRunLink). */
export function linkStatus(
  link: { revokedAt: Date | null; expiresAt: Date },
  creatorRole: RunRoleName | null,
): LinkStatus {
  if (link.revokedAt) return 'revoked';
  if (link.expiresAt.getTime() <= Date.now()) return 'expired';
  return roleAtLeast(creatorRole, LINK_MINT_ROLE) ? 'active' : 'creator_lost_access';
}
