import type { NextFunction, Request, Response, Router } from 'express';
import type { AppDeps } from '../deps';
import { authorize } from '../auth/authorize';
import type { RouteDef } from './route';
import { toJson } from './serialize';

/** Mounts a route table: authorize by the route's access rule, validate params/query/body with zod, run, answer JSON. */
export function mountRoutes(router: Router, routes: RouteDef[], deps: AppDeps): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const params = route.params ? route.params.parse(req.params) : req.params;
        const query = route.query ? route.query.parse(req.query) : req.query;
        await authorize(route.access, req, deps, params as Record<string, string>);
        const body = route.body ? route.body.parse(req.body ?? {}) : undefined;
        const result = await route.handler({ req, res, params, query, body, user: req.user, deps });
        if (route.raw || res.headersSent) return;
        if (result === undefined) res.status(route.status ?? 204).end();
        else res.status(route.status ?? 200).json(toJson(result));
      } catch (err) {
        next(err);
      }
    });
  }
}
