import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Redis } from 'ioredis';
import { parseConfig, type Config } from '../config';
import { createPrisma, type PrismaClient } from '../db';
import { applyMigrations } from '../migrate';
import { createWorkerRedis } from '../redis';
import { testDatabaseUrl, testRedisUrl } from './urls';

/**
 * An isolated world for one test file: its own Postgres schema (migrated), its own Redis key
 * prefix (also used as the BullMQ prefix), its own temp data directory, and a Config pointing at
 * all of them. `close()` drops the schema and deletes the keys and files.
 */
export interface TestWorld {
  id: string;
  config: Config;
  env: Record<string, string>;
  databaseUrl: string;
  prefix: string;
  dataDir: string;
  prisma: PrismaClient;
  redis: Redis;
  close(): Promise<void>;
}

export async function createTestWorld(extraEnv: Record<string, string> = {}): Promise<TestWorld> {
  const id = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const schema = id;
  const base = new URL(testDatabaseUrl());
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  base.searchParams.set('schema', schema);
  const databaseUrl = base.toString();
  await applyMigrations(databaseUrl);
  const prefix = `arkive-test:${id}:`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `arkive-${id}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(24).toString('hex'),
    CRON_SECRET: randomBytes(16).toString('hex'),
    ...extraEnv,
  };
  const config = parseConfig(env);
  const prisma = createPrisma(databaseUrl, 5);
  const redis = createWorkerRedis(testRedisUrl());
  return {
    id,
    config,
    env,
    databaseUrl,
    prefix,
    dataDir,
    prisma,
    redis,
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
      const c = new Client({ connectionString: testDatabaseUrl() });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 15000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`waitFor timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
