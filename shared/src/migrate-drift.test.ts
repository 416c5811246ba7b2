import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from './migrate';
import { testDatabaseUrl } from './test-support/urls';

/**
 * The committed SQL migrations must build exactly the database that prisma/schema.prisma
 * describes: apply them into one schema, apply Prisma's from-empty script for the current
 * schema into another, and compare the catalogs. Fails when someone edits schema.prisma
 * without adding a migration (npm run db:diff).
 */
const root = path.resolve(__dirname, '..', '..');
const a = `drift_m_${process.pid}`;
const b = `drift_s_${process.pid}`;
let client: Client;

beforeAll(async () => {
  client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  for (const s of [a, b]) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE; CREATE SCHEMA "${s}"`);
});
afterAll(async () => {
  for (const s of [a, b]) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
});

async function catalog(schema: string) {
  const cols = await client.query(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = $1 AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    [schema],
  );
  const idx = await client.query(
    `SELECT tablename, indexname, replace(indexdef, $1, 'S') AS def FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    [schema],
  );
  const enums = await client.query(
    `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text AS labels FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`,
    [schema],
  );
  const fks = await client.query(
    `SELECT conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND contype IN ('f','p','u','c') AND conname <> '_prisma_migrations_pkey' ORDER BY conname`,
    [schema],
  );
  const strip = (v: unknown) => (typeof v === 'string' ? v.replaceAll(`${schema}.`, '') : v);
  return {
    columns: cols.rows.map((r) => ({ ...r, column_default: strip(r.column_default) })),
    indexes: idx.rows,
    enums: enums.rows,
    constraints: fks.rows.map((r) => ({ ...r, def: String(r.def).replaceAll(`${schema}.`, '') })),
  };
}

test('committed migrations produce the database schema.prisma describes', async () => {
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', a);
  await applyMigrations(url.toString());
  const script = execFileSync(
    process.execPath,
    [
      require.resolve('prisma/build/index.js'),
      'migrate',
      'diff',
      '--config',
      'prisma/prisma.config.ts',
      '--from-empty',
      '--to-schema-datamodel',
      'prisma/schema.prisma',
      '--script',
    ],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
      encoding: 'utf8',
    },
  ).replace(/^Loaded Prisma config.*$/m, '');
  await client.query(`SET search_path TO "${b}"`);
  await client.query(script);
  await client.query('RESET search_path');
  const fromMigrations = await catalog(a);
  const fromSchema = await catalog(b);
  // The partial unique indexes are hand-written SQL (Prisma cannot express them): present only in migrations.
  const manual = fromMigrations.indexes.filter(
    (i) => i.indexname === 'operations_one_active_per_exclusive_key',
  );
  expect(manual).toHaveLength(1);
  expect(manual[0].def).toMatch(/WHERE .*status.*queued.*running/);
  // Galleries (issue 15): one live archive per image set.
  const galleryManual = fromMigrations.indexes.filter(
    (i) => i.indexname === 'gallery_archives_one_live_per_image_set',
  );
  expect(galleryManual).toHaveLength(1);
  expect(galleryManual[0].def).toMatch(/WHERE .*status.*pending.*processing.*completed/);
  const handWritten = new Set([
    'operations_one_active_per_exclusive_key',
    'gallery_archives_one_live_per_image_set',
  ]);
  fromMigrations.indexes = fromMigrations.indexes.filter((i) => !handWritten.has(i.indexname));
  expect(fromMigrations).toEqual(fromSchema);
}, 60000);
