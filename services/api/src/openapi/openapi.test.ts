import request from 'supertest';
import { routes } from '../routes';
import { openApiPath } from './document';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(() => api.close());

test('GET /api/openapi.json is an OpenAPI 3.1 document listing every route of the table with its method', async () => {
  const res = await request(api.app).get('/api/openapi.json').expect(200);
  const doc = res.body;
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  expect(Object.keys(doc.components.securitySchemes)).toEqual(
    expect.arrayContaining(['bearerAuth', 'sessionCookie', 'cronSecret', 'signedLink']),
  );
  const schemaErrors: string[] = [];
  for (const r of routes) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method];
    expect({ route: `${r.method} ${r.path}`, present: Boolean(op) }).toEqual({
      route: `${r.method} ${r.path}`,
      present: true,
    });
    expect(op.summary).toBe(r.summary);
    expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    // Path parameters are all declared.
    const declared = (op.parameters ?? [])
      .filter((p: { in: string }) => p.in === 'path')
      .map((p: { name: string }) => p.name)
      .sort();
    expect(declared).toEqual([...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort());
    if (r.access.kind === 'public') expect(op.security).toEqual([]);
    else expect(op.security.length).toBeGreaterThan(0);
    if (op['x-schema-error']) schemaErrors.push(`${r.method} ${r.path}: ${op['x-schema-error']}`);
  }
  // Every path in the document comes from the table.
  const count = Object.values(doc.paths as Record<string, object>).reduce(
    (n, m) => n + Object.keys(m).length,
    0,
  );
  expect(count).toBe(routes.length);
  expect(schemaErrors).toEqual([]);
  // Request and response schemas are there, e.g. for login.
  const login = doc.paths['/api/auth/login'].post;
  expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty('username');
  expect(login.responses['200'].content['application/json'].schema.properties).toHaveProperty('access_token');
});

test('GET /api/docs renders a self-contained page listing every route', async () => {
  const res = await request(api.app).get('/api/docs').expect(200);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).not.toMatch(/<script|https?:\/\/cdn/i);
  for (const r of routes) expect(res.text).toContain(openApiPath(r.path).replace(/&/g, '&amp;'));
});
