import { Client } from 'pg';
import { applyMigrations } from './migrate';
import { createTestWorld, type TestWorld } from './test-support/harness';

let world: TestWorld;
beforeAll(async () => {
  world = await createTestWorld();
});
afterAll(() => world.close());

test('migrations are recorded in _prisma_migrations and applying again is a no-op', async () => {
  const again = await applyMigrations(world.databaseUrl);
  expect(again.applied).toEqual([]);
  expect(again.alreadyApplied.length).toBeGreaterThan(0);
  const rows = await world.prisma.$queryRawUnsafe<
    { migration_name: string; finished_at: Date | null; checksum: string }[]
  >('SELECT migration_name, finished_at, checksum FROM "_prisma_migrations"');
  expect(rows.map((r) => r.migration_name)).toEqual(again.alreadyApplied);
  for (const r of rows) {
    expect(r.finished_at).toBeInstanceOf(Date);
    expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
  }
});

test('the database refuses a second active operation on the same exclusive key', async () => {
  const base = {
    kind: 'run-snapshot',
    queue: 'compress',
    scopeType: 'run' as const,
    scopeId: 'r1',
    exclusiveKey: 'run:r1',
  };
  const first = await world.prisma.operation.create({ data: base });
  await expect(world.prisma.operation.create({ data: base })).rejects.toThrow(/Unique constraint/);
  // once the first is finished, a new one may start
  await world.prisma.operation.update({ where: { id: first.id }, data: { status: 'succeeded' } });
  await expect(world.prisma.operation.create({ data: base })).resolves.toBeTruthy();
  // operations without a key are never limited
  await world.prisma.operation.create({ data: { ...base, exclusiveKey: null } });
  await world.prisma.operation.create({ data: { ...base, exclusiveKey: null } });
});

test('a failed migration is rolled back whole and reported', async () => {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = path.join(world.dataDir, 'bad-migrations');
  await fs.mkdir(path.join(dir, '0001_bad'), { recursive: true });
  await fs.writeFile(
    path.join(dir, '0001_bad', 'migration.sql'),
    'CREATE TABLE half_done (id int); SELECT no_such_function();',
  );
  await expect(applyMigrations(world.databaseUrl, dir)).rejects.toThrow(/0001_bad failed/);
  const c = new Client({ connectionString: world.databaseUrl.replace(/\?.*$/, '') });
  await c.connect();
  const { rowCount } = await c.query(
    "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'half_done'",
    [world.id],
  );
  await c.end();
  expect(rowCount).toBe(0);
});
