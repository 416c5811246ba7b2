import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { parseConfig } from '@arkive/shared';
import type { AppDeps } from '../deps';
import { errorHandler } from './error-handler';
import { mountRoutes } from './mount';
import { defineRoute } from './route';

const logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
} as unknown as AppDeps['logger'];

function appWith(nodeEnv: 'test' | 'production') {
  const deps = {
    config: parseConfig({ NODE_ENV: nodeEnv, JWT_SECRET: 'x'.repeat(32) }),
    logger,
  } as unknown as AppDeps;
  const app = express();
  const router = express.Router();
  mountRoutes(
    router,
    [
      defineRoute({
        method: 'get',
        path: '/good',
        summary: 'g',
        access: { kind: 'public' },
        response: z.object({ n: z.number() }),
        handler: async () => ({ n: 1 }),
      }),
      defineRoute({
        method: 'get',
        path: '/bad',
        summary: 'b',
        access: { kind: 'public' },
        response: z.object({ n: z.number() }),
        handler: async () => ({ n: 'one' }),
      }),
    ],
    deps,
  );
  app.use(router);
  app.use(errorHandler(logger));
  return app;
}

test('outside production a response that breaks its schema fails loudly', async () => {
  await request(appWith('test')).get('/good').expect(200, { n: 1 });
  const res = await request(appWith('test')).get('/bad').expect(500);
  expect(res.body.error.code).toBe('RESPONSE_INVALID');
  expect(res.body.error.details[0].path).toBe('n');
});

test('in production the check is skipped', async () => {
  await request(appWith('production')).get('/bad').expect(200, { n: 'one' });
});

test('a route table with a route lacking an access rule does not mount', () => {
  const deps = { config: parseConfig({ JWT_SECRET: 'x'.repeat(32) }), logger } as unknown as AppDeps;
  expect(() =>
    mountRoutes(
      express.Router(),
      [{ method: 'get', path: '/x', summary: 'x', handler: async () => 1 } as never],
      deps,
    ),
  ).toThrow(/no access rule/);
});
