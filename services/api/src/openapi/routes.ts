import type { RequestHandler } from 'express';
import type { RouteDef } from '../http/route';
import { buildOpenApiDocument } from './document';
import { renderDocsPage } from './docs-page';

/** GET /api/openapi.json and GET /api/docs (public, like the route table itself; built once). */
export function openApiHandlers(routes: RouteDef[]): { json: RequestHandler; docs: RequestHandler } {
  let doc: ReturnType<typeof buildOpenApiDocument> | undefined;
  let html: string | undefined;
  const get = () => (doc ??= buildOpenApiDocument(routes));
  return {
    json: (_req, res, next) => {
      try {
        res.json(get());
      } catch (err) {
        next(err);
      }
    },
    docs: (_req, res, next) => {
      try {
        html ??= renderDocsPage(get() as unknown as Record<string, unknown>);
        res.type('html').send(html);
      } catch (err) {
        next(err);
      }
    },
  };
}
