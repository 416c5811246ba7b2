import { z } from 'zod';
import { errorMessage } from '@arkive/shared';
import { defineRoute } from '../http/route';

const check = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
  detail: z.unknown().optional(),
});
export const healthResponse = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  timestamp: z.string(),
  checks: z.object({ redis: check, postgres: check, storage: check }),
});

async function timed(fn: () => Promise<unknown>) {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error('timed out after 3 s')), 3000);
    });
    const detail = await Promise.race([fn(), timeout]);
    return {
      ok: true,
      latencyMs: Date.now() - start,
      ...(detail && typeof detail === 'object' ? { detail } : {}),
    };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - start, error: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

export const health = defineRoute({
  method: 'get',
  path: '/api/health',
  summary: 'Liveness and reachability of Redis, PostgreSQL and storage',
  tags: ['system'],
  access: { kind: 'public' },
  response: healthResponse,
  raw: true,
  async handler({ deps, res }) {
    const [redis, postgres, storage] = await Promise.all([
      timed(async () => {
        await deps.redis.ping();
      }),
      timed(async () => {
        await deps.prisma.$queryRaw`SELECT 1`;
      }),
      timed(async () => {
        await deps.blobStore.check();
        return deps.blobStore.describe();
      }),
    ]);
    const healthy = redis.ok && postgres.ok && storage.ok;
    res.status(healthy ? 200 : 503).json({
      status: healthy ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      checks: { redis, postgres, storage },
    });
  },
});
