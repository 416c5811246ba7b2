import { Client } from 'pg';
import { Redis } from 'ioredis';
import { testDatabaseUrl, testRedisUrl } from './urls';

/**
 * A fresh machine has the server but not the test database (each test file adds its own schema).
 * Not migrate.ts's ensureDatabase: global setup runs without jest's module mapping, so it cannot
 * load the Prisma client that module imports.
 */
async function createTestDatabase(): Promise<void> {
  const url = new URL(testDatabaseUrl());
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  url.searchParams.delete('schema');
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (name && !rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

/** Fails the whole run early, with the fix, when the real services tests need are not up. */
export default async function globalSetup(): Promise<void> {
  await createTestDatabase().catch(() => undefined); // a failure is reported just below
  const pg = new Client({ connectionString: testDatabaseUrl() });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `Tests need PostgreSQL at ${testDatabaseUrl()} (${(err as Error).message}). Start it or set TEST_DATABASE_URL.`,
      { cause: err },
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(testRedisUrl(), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Tests need Redis at ${testRedisUrl()} (${(err as Error).message}). Start it or set TEST_REDIS_URL.`,
      { cause: err },
    );
  } finally {
    redis.disconnect();
  }
}
