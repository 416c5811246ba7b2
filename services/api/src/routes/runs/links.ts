import { z } from 'zod';
import { signedUrl, ValidationError } from '@arkive/shared';
import { defineRoute, type RouteDef } from '../../http/route';
import { runIdParams } from './schemas';

function patternOf(expressPath: string): RegExp {
  const body = expressPath
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}$`);
}

/** The routes a signed link may open: GET run routes that declare `allowSignedLink`. */
function linkableRoutes(): RouteDef[] {
  // Lazy: the route table imports this file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { routes } = require('..') as typeof import('..');
  return routes.filter((r) => r.method === 'get' && r.access.kind === 'run' && r.access.allowSignedLink);
}

export const createRunLink = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/links',
  summary:
    'Mint a signed, expiring link (e.g. an archive download) that works without signing in, for e-mails',
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
  response: z.object({ url: z.string(), expires_at: z.string() }),
  status: 201,
  async handler({ deps, params, body, user }) {
    const p = body.path.split('?')[0];
    const runPrefix = `/api/runs/${encodeURIComponent(params.runid)}/`;
    const decoded = (() => {
      try {
        return decodeURIComponent(p);
      } catch {
        return '';
      }
    })();
    if (
      !p.startsWith(runPrefix) ||
      decoded.split('/').includes('..') ||
      !linkableRoutes().some((r) => patternOf(r.path).test(p))
    ) {
      throw new ValidationError(`path must be a GET path of run ${params.runid} that accepts signed links`);
    }
    const url = signedUrl(deps.config, p, body.ttl_seconds);
    deps.logger.info(
      { runid: params.runid, by: user?.id, path: p, ttl: body.ttl_seconds },
      'signed link created',
    );
    return { url, expires_at: new Date(Date.now() + body.ttl_seconds * 1000).toISOString() };
  },
});
