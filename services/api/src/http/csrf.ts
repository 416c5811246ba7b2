import type { RequestHandler } from 'express';
import { AppError, ForbiddenError, headerValue, SESSION_COOKIE, sameSiteVerdict } from '@arkive/shared';
import type { RouteDef } from './route';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: a state-changing request that could authenticate with the session cookie (no
 * `Authorization: Bearer`) must come from our own pages (see shared/src/auth/site.ts): a
 * cross-site Origin or Sec-Fetch-Site is refused, and with the cookie present one of the two must
 * vouch for the request. Bearer requests are never sent by a browser on its own, so they pass.
 * Applies to the whole app (routes, bull-board), 403 CROSS_SITE_REQUEST.
 */
export function csrfGuard(allowedOrigins: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (SAFE.has(req.method) || /^bearer\s/i.test(req.header('authorization') ?? '')) return next();
    const hasCookie = (req.header('cookie') ?? '').includes(`${SESSION_COOKIE}=`);
    const verdict = sameSiteVerdict(
      {
        origin: headerValue(req.headers.origin),
        secFetchSite: headerValue(req.headers['sec-fetch-site']),
        // Express: X-Forwarded-Host from a trusted proxy (our web server), else Host.
        host: req.host,
      },
      allowedOrigins,
      hasCookie,
    );
    if (verdict.ok) return next();
    next(
      new ForbiddenError(
        `Cross-site request refused (${verdict.reason}): changes with the session cookie must come from Arkive's own pages; API clients send Authorization: Bearer`,
        'CROSS_SITE_REQUEST',
      ),
    );
  };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * A JSON API: a request body must be `application/json` (or `+json`), else 415
 * UNSUPPORTED_MEDIA_TYPE. This also closes the "simple request" path of CSRF (an HTML form can
 * only send urlencoded, multipart or text/plain). A route that needs another type declares it
 * in `bodyTypes`.
 */
export function bodyTypeGuard(routes: readonly RouteDef[]): RequestHandler {
  const exceptions = routes
    .filter((r) => r.bodyTypes?.length)
    .map((r) => ({ method: r.method.toUpperCase(), pattern: pathPattern(r.path), types: r.bodyTypes! }));
  return (req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (SAFE.has(req.method) || !hasBody) return next();
    const type = req.header('content-type') ?? '';
    if (JSON_TYPE.test(type)) return next();
    const base = type.split(';')[0].trim().toLowerCase();
    const declared = exceptions.find((e) => e.method === req.method && e.pattern.test(req.path));
    if (declared?.types.includes(base)) return next();
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the request body as application/json (got ${JSON.stringify(type.slice(0, 100) || 'no Content-Type')})`,
        415,
      ),
    );
  };
}

/** An Express path (`/api/runs/:runid/x`) as a regular expression over one segment per parameter. */
export function pathPattern(expressPath: string): RegExp {
  const body = expressPath
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}$`);
}
