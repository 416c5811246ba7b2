import type { NextFunction, Request, Response, Router } from 'express';
import { AppError } from '@arkive/shared';
import type { AppDeps } from '../deps';
import { authorize } from '../auth/authorize';
import { assertAccessRules } from '../auth/access-check';
import type { RouteDef } from './route';
import { toJson } from './serialize';

/**
 * Mounts a route table: authorize by the route's access rule (before anything else, so a caller
 * without access learns nothing from validation errors), validate params/query/body with zod,
 * run, answer JSON. Outside production the answer is checked against `route.response` too.
 */
export function mountRoutes(router: Router, routes: RouteDef[], deps: AppDeps): void {
  assertAccessRules(routes);
  const checkResponses = deps.config.nodeEnv !== 'production';
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        await authorize(route.access, req, deps, req.params as Record<string, string>);
        const params = route.params ? route.params.parse(req.params) : req.params;
        const query = route.query ? route.query.parse(req.query) : req.query;
        const body = route.body ? route.body.parse(req.body ?? {}) : undefined;
        const result = await route.handler({ req, res, params, query, body, user: req.user, deps });
        if (route.raw || res.headersSent) return;
        if (result === undefined) {
          res.status(route.status ?? 204).end();
          return;
        }
        const json = toJson(result);
        if (checkResponses && route.response) {
          const checked = route.response.safeParse(json);
          if (!checked.success) {
            throw new AppError(
              'RESPONSE_INVALID',
              `${route.method.toUpperCase()} ${route.path} answered a body that does not match its response schema`,
              500,
              checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
            );
          }
        }
        res.status(route.status ?? 200).json(json);
      } catch (err) {
        next(err);
      }
    });
  }
}
