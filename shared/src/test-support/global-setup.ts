import { Client } from 'pg';
import { Redis } from 'ioredis';
import { ensureDatabase } from '../migrate';
import { testDatabaseUrl, testRedisUrl } from './urls';

/** Fails the whole run early, with the fix, when the real services tests need are not up. */
export default async function globalSetup(): Promise<void> {
  // A fresh machine has the server but not the test database; each test file adds its own schema.
  await ensureDatabase(testDatabaseUrl()).catch(() => undefined); // a failure is reported just below
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
