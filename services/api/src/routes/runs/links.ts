import { z } from 'zod';
import { NotFoundError, ValidationError, type RunRoleName } from '@arkive/shared';
import { defineRoute, type RouteDef } from '../../http/route';
import { pathPattern } from '../../http/csrf';
import { textProblem } from '../../http/input-guards';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { linkStatus, mintRunLink } from '../../auth/run-links';
import { runIdParams } from './schemas';

/** The routes a signed link may open: GET run routes that declare `allowSignedLink`. */
function linkableRoutes(): RouteDef[] {
  // Lazy: the route table imports this file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { routes } = require('..') as typeof import('..');
  return routes.filter((r) => r.method === 'get' && r.access.kind === 'run' && r.access.allowSignedLink);
}

/** The archive a link path names (`…/archives/:name/…`), if any. */
function archiveOf(route: RouteDef, p: string): string | undefined {
  const names = route.path.split('/');
  const i = names.indexOf(':name');
  if (i < 0 || names[i - 1] !== 'archives') return undefined;
  return decodeURIComponent(p.split('/')[i]);
}

export const createRunLink = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/links',
  summary:
    'Mint a signed, expiring link (e.g. an archive download) that works without signing in, for e-mails; it stops working when revoked or when you lose the collaborator role',
  tags: ['runs'],
  access: { kind: 'run', role: 'collaborator' },
  params: runIdParams,
  body: z.object({
    /** A GET path of this run that accepts signed links, e.g. /api/runs/<runid>/archives/<name>/download. */
    path: z.string().min(1).max(2048),
    ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(7 * 24 * 3600),
  }),
  response: z.object({ id: z.string(), url: z.string(), expires_at: z.string() }),
  status: 201,
  async handler({ deps, params, body, user }) {
    const p = body.path.split('?')[0];
    const runPrefix = `/api/runs/${encodeURIComponent(params.runid)}/`;
    const decoded = (() => {
      try {
        return decodeURIComponent(p);
      } catch {
        return undefined;
      }
    })();
    const route = linkableRoutes().find((r) => pathPattern(r.path).test(p));
    if (
      decoded === undefined ||
      textProblem(decoded) ||
      !p.startsWith(runPrefix) ||
      decoded.split('/').includes('..') ||
      !route
    ) {
      throw new ValidationError(`path must be a GET path of run ${params.runid} that accepts signed links`);
    }
    const link = await mintRunLink(deps, {
      runid: params.runid,
      path: p,
      mintedBy: user!.id,
      ttlSeconds: body.ttl_seconds,
      archiveName: archiveOf(route, p),
    });
    deps.logger.info(
      { runid: params.runid, by: user?.id, linkId: link.id, path: p, ttl: body.ttl_seconds },
      'signed link created',
    );
    return { id: link.id, url: link.url, expires_at: link.expiresAt.toISOString() };
  },
});

const linkSchema = z.object({
  id: z.string(),
  path: z.string(),
  archiveName: z.string().nullable(),
  mintedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  useCount: z.number().int(),
  lastUsedAt: z.string().nullable(),
  /** What a use meets now: active, expired, revoked, or creator_lost_access (its creator is no longer a collaborator). */
  status: z.enum(['active', 'expired', 'revoked', 'creator_lost_access']),
});

export const listRunLinks = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/links',
  summary:
    "The run's signed links, newest first, with their use counts and status (owners and administrators)",
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams,
  query: paginationQuery,
  response: pageSchema(linkSchema),
  async handler({ deps, params, query: q }) {
    const where = { runId: params.runid };
    const [rows, total] = await Promise.all([
      deps.prisma.signedLink.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: q.limit,
        skip: q.offset,
        include: {
          mintedBy: {
            select: {
              username: true,
              isAdmin: true,
              memberships: { where: { runId: params.runid }, select: { role: true } },
            },
          },
        },
      }),
      deps.prisma.signedLink.count({ where }),
    ]);
    const items = rows.map((l) => {
      const creatorRole: RunRoleName | null = l.mintedBy.isAdmin
        ? 'owner'
        : ((l.mintedBy.memberships[0]?.role as RunRoleName | undefined) ?? null);
      return {
        id: l.id,
        path: l.path,
        archiveName: l.archiveName,
        mintedBy: l.mintedBy.username,
        createdAt: l.createdAt.toISOString(),
        expiresAt: l.expiresAt.toISOString(),
        revokedAt: l.revokedAt?.toISOString() ?? null,
        useCount: l.useCount,
        lastUsedAt: l.lastUsedAt?.toISOString() ?? null,
        status: linkStatus(l, creatorRole),
      };
    });
    return page(items, total, q);
  },
});

export const revokeRunLink = defineRoute({
  method: 'delete',
  path: '/api/runs/:runid/links/:id',
  summary: 'Revoke a signed link of the run: it stops working at once (owners and administrators)',
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams.extend({ id: z.string().uuid({ message: 'link id must be a UUID' }) }),
  async handler({ deps, params, user }) {
    const link = await deps.prisma.signedLink.findFirst({
      where: { id: params.id, runId: params.runid },
      select: { id: true, revokedAt: true },
    });
    if (!link)
      throw new NotFoundError('LINK_NOT_FOUND', `Link ${params.id} not found in run ${params.runid}`);
    if (!link.revokedAt)
      await deps.prisma.signedLink.update({ where: { id: link.id }, data: { revokedAt: new Date() } });
    deps.logger.info({ runid: params.runid, by: user!.id, linkId: link.id }, 'signed link revoked');
    return undefined;
  },
});
