import type { Express } from 'express';
import { waitForRedis } from '@arkive/shared';
import { createTestWorld, type TestWorld } from '@arkive/shared/test-support/harness';
import { createApp } from '../app';
import { createDeps, type AppDeps } from '../deps';

/** A test world plus the API app wired to it (use with supertest). */
export interface ApiWorld {
  world: TestWorld;
  deps: AppDeps;
  app: Express;
  close(): Promise<void>;
}

export async function createApiWorld(
  extraEnv: Record<string, string> = {},
  overrides: Partial<AppDeps> = {},
): Promise<ApiWorld> {
  const world = await createTestWorld(extraEnv);
  const deps = createDeps(world.config, { prisma: world.prisma, ...overrides });
  await waitForRedis(deps.redis);
  const app = createApp(deps);
  return {
    world,
    deps,
    app,
    async close() {
      await deps.queues.closeAll();
      deps.redis.disconnect();
      await world.close();
    },
  };
}
