import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Access, RouteDef } from '../http/route';

extendZodWithOpenApi(z);

type Doc = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi('Error', {
    description: 'Every error: a stable code, a message a person can act on, optional details',
  });

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParamNames(expressPath: string): string[] {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

function security(access: Access): Record<string, string[]>[] {
  switch (access.kind) {
    case 'public':
      return [];
    case 'cron':
      return [{ cronSecret: [] }];
    case 'run':
      return [
        { bearerAuth: [] },
        { sessionCookie: [] },
        ...(access.allowSignedLink ? [{ signedLink: [] }] : []),
      ];
    case 'user':
    case 'admin':
    case 'role':
    case 'operation':
      return [{ bearerAuth: [] }, { sessionCookie: [] }];
  }
}

function describeAccess(access: Access): string {
  switch (access.kind) {
    case 'public':
      return 'Public.';
    case 'user':
      return 'Any signed-in user.';
    case 'admin':
      return 'Administrators only.';
    case 'role':
      return `Users with the global role ${access.role} or admin (others get 403 ROLE_REQUIRED).`;
    case 'cron':
      return 'Authorization: Bearer <CRON_SECRET>.';
    case 'run':
      return `Run members with role ${access.role} or higher, and administrators (others get 404).${access.allowSignedLink ? ' Or a signed link: ?token= minted for exactly this path.' : ''}${access.allowSyncToken ? ' Or an admin-issued sync token (Authorization: Bearer arks_...) for this run.' : ''}`;
    case 'operation':
      return access.action === 'read'
        ? "Anyone who may see the operation's scope."
        : "Anyone who may change the operation's scope (run operations: collaborators; other people's folder jobs: operators and admins).";
  }
}

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBody } },
});

function routeConfig(route: RouteDef, withSchemas: boolean): RouteConfig {
  const names = pathParamNames(route.path);
  const paramsSchema =
    withSchemas && route.params instanceof z.ZodObject
      ? route.params
      : names.length
        ? z.object(Object.fromEntries(names.map((n) => [n, z.string()])))
        : undefined;
  const status = route.status ?? (route.response || route.raw ? 200 : 204);
  const responses: RouteConfig['responses'] = {
    [status]:
      route.response && withSchemas
        ? { description: 'Success', content: { 'application/json': { schema: route.response } } }
        : { description: status === 204 ? 'No content' : 'Success' },
    400: err('Invalid request (VALIDATION_FAILED)'),
    500: err('Internal error (no details; a reference to the server log)'),
  };
  if (route.access.kind !== 'public')
    responses[401] = err(
      'Not signed in, session expired or revoked, wrong cron secret, or an invalid/expired signed link',
    );
  if (route.access.kind !== 'public' && route.access.kind !== 'cron')
    responses[403] = err('Signed in but not allowed (or PASSWORD_CHANGE_REQUIRED)');
  if (names.length) responses[404] = err('Not found, or not visible to you');
  if (route.method !== 'get') responses[409] = err('Conflicts with the current state');
  return {
    method: route.method,
    path: openApiPath(route.path),
    summary: route.summary,
    description: `Access: ${describeAccess(route.access)}`,
    tags: route.tags,
    security: security(route.access),
    request: {
      ...(paramsSchema ? { params: paramsSchema as z.ZodObject } : {}),
      ...(withSchemas && route.query instanceof z.ZodObject ? { query: route.query as z.ZodObject } : {}),
      ...(withSchemas && route.body
        ? { body: { content: { 'application/json': { schema: route.body } }, required: true } }
        : {}),
    },
    responses,
    'x-access': route.access,
  } as RouteConfig;
}

function generate(configs: RouteConfig[]): Doc {
  const registry = new OpenAPIRegistry();
  registry.register('Error', errorBody);
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'access_token from POST /api/auth/login',
  });
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'arkive_session',
    description: 'Set by POST /api/auth/login (the web app)',
  });
  registry.registerComponent('securitySchemes', 'cronSecret', {
    type: 'http',
    scheme: 'bearer',
    description: 'CRON_SECRET',
  });
  registry.registerComponent('securitySchemes', 'signedLink', {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'Signed, expiring link token for exactly one path',
  });
  for (const c of configs) registry.registerPath(c);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Arkive API',
      version: '0.1.0',
      description:
        'Snapshot, verify and restore run directories, and archive NAS folders to cold storage (every route listed here exists). Errors: {error: {code, message, details?}}. Lists: ?limit=&offset= → {items, total, limit, offset}.',
    },
    servers: [{ url: '/' }],
  });
}

/**
 * The OpenAPI 3.1 document of a route table. A route whose schemas cannot be converted is still
 * listed (without them, marked `x-schema-error`) rather than breaking the whole document.
 */
export function buildOpenApiDocument(routes: RouteDef[]): Doc {
  const configs = routes.map((route) => {
    const full = routeConfig(route, true);
    try {
      generate([full]);
      return full;
    } catch (e) {
      return { ...routeConfig(route, false), 'x-schema-error': (e as Error).message } as RouteConfig;
    }
  });
  return generate(configs);
}
