import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export { PrismaClient };
export { Prisma } from './generated/prisma/client';
export type {
  User,
  Run,
  RunMember,
  Operation,
  OperationLog,
  Archive,
  RunMigration,
  Gallery,
  GalleryImage,
  GalleryClient,
  GalleryArchive,
  GalleryArchiveEmail,
  SyncToken,
  RunSync,
  Host,
  PendingCopy,
} from './generated/prisma/client';
export * from './generated/prisma/enums';

/**
 * Splits Prisma's `?schema=` convention off a PostgreSQL URL: node-postgres does not know it,
 * so the schema becomes the connection's search_path instead.
 */
export function parseDatabaseUrl(databaseUrl: string): { connectionString: string; schema?: string } {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}

export function pgPoolConfig(databaseUrl: string, max = 10) {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  return {
    connectionString,
    max,
    ...(schema ? { options: `-c search_path="${schema.replace(/"/g, '')}"` } : {}),
  };
}

export function createPrisma(databaseUrl: string, max = 10): PrismaClient {
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(pgPoolConfig(databaseUrl, max), schema ? { schema } : undefined);
  return new PrismaClient({ adapter });
}
