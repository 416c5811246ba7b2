import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  BaseWorker,
  LOCK_FILE_SUFFIX,
  enqueueOperation,
  replayEvents,
  runMigration,
  runMigrationDryRun,
  runMigrationValidate,
  TERMINAL_EVENT_TYPES,
} from '@arkive/shared';
import { legacyRunPaths, TRAITS, VERSION_FILE, type Trait } from '@arkive/shared/migration';
import { waitFor } from '@arkive/shared/test-support/harness';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { migrationProcessors } from '../processors';
import { killTraits } from '../test-support/kill-processors';
import { archivesOf, legacyRun, runContent } from '../test-support/runs';

/** Writes a file, then throws: a trait failing half way through the migration. */
const throwsHalfWay: Trait = {
  id: 'throws-half-way',
  description: 'writes, then fails',
  dependsOn: [legacyRunPaths.id],
  detect: async () => ({ detected: true, details: {}, blockers: [] }),
  async migrate(run) {
    await fs.writeFile(path.join(run.dir, 'ron.nodb'), '{"half": "written"}');
    throw new Error('disk on fire');
  },
  validate: async () => ({ ok: true, problems: [] }),
};

let ww: WorkerWorld;
beforeAll(async () => {
  ww = await startWorkerWorld('migration', [...migrationProcessors(TRAITS)]);
});
afterAll(() => ww.close());

const types = (events: { type: string }[]) => events.map((e) => e.type);

test('migrate: pre snapshot → traits in order with STATUS lines → validate → stamp → post snapshot → MIGRATION_COMPLETE', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  const started = new Date();
  const { op, events } = await ww.runToEnd(runMigration, { runid }, 'alice');
  expect(op.status).toBe('succeeded');
  // the run changed: its next backup is due (a move or turn-off backs it up first)
  const edited = await ww.world.prisma.run.findUniqueOrThrow({ where: { id: runid } });
  expect(edited.lastEditedAt!.getTime()).toBeGreaterThanOrEqual(started.getTime());
  expect(types(events)[0]).toBe('ENQUEUED');
  expect(types(events).at(-1)).toBe('MIGRATION_COMPLETE');
  const lines = events.map((e) => e.message);
  const order = ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'].map((id) =>
    lines.findIndex((m) => m.startsWith(`Running ${id}`)),
  );
  expect(order.every((i) => i > 0)).toBe(true);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(events.some((e) => e.type === 'PROGRESS' || e.progress)).toBe(true);
  expect(await fs.readFile(path.join(dir, VERSION_FILE), 'utf8')).toBe('1000\n');
  const result = op.result as { archiveBefore: string; archiveAfter: string; versionBefore: number };
  expect(result.versionBefore).toBe(0);
  expect(await archivesOf(dir)).toEqual([result.archiveAfter, result.archiveBefore].sort());
  const recorded = await ww.world.prisma.archive.findMany({
    where: { runId: runid },
    orderBy: { kind: 'asc' },
  });
  expect(recorded.map((a) => [a.kind, a.name])).toEqual([
    ['post-migration', result.archiveAfter],
    ['pre-migration', result.archiveBefore],
  ]);
  const children = await ww.world.prisma.operation.findMany({ where: { parentId: op.id } });
  expect(children.map((c) => [c.kind, c.status])).toEqual([
    ['migration-snapshot', 'succeeded'],
    ['migration-snapshot', 'succeeded'],
  ]);
  const row = await ww.world.prisma.runMigration.findUniqueOrThrow({ where: { runid } });
  expect(row).toMatchObject({
    lastStatus: 'succeeded',
    lastMigrationVersion: 1000,
    archiveBefore: result.archiveBefore,
    archiveAfter: result.archiveAfter,
    traitsDetected: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    isFixture: false,
  });

  // Again: nothing detected, the version is stamped and it says so; nothing in the run changes.
  const content = await runContent(dir);
  const again = await ww.runToEnd(runMigration, { runid }, 'alice');
  expect(again.op.status).toBe('succeeded');
  expect(again.op.result).toMatchObject({ versionBefore: 1000, version: 1000, traits: [] });
  expect(again.events.map((e) => e.message)).toContain('No traits detected; stamped version 1000');
  expect(await runContent(dir)).toEqual(content);
});

describe('failures restore the pre-migration snapshot: the run is byte-identical, the version unchanged', () => {
  let failing: WorkerWorld;
  beforeAll(async () => {
    failing = await startWorkerWorld('migration', migrationProcessors([...TRAITS, throwsHalfWay]));
  });
  afterAll(() => failing.close());

  test('a trait that throws half way', async () => {
    const { runid, dir } = await legacyRun(failing.world);
    const before = await runContent(dir);
    // as if the run had been backed up just now: the rollback puts back files with their old mtimes,
    // so only the recorded edit can tell that the backup no longer holds what the run holds
    await failing.world.prisma.run.upsert({
      where: { id: runid },
      create: { id: runid, createdBy: 'alice', lastBackupAt: new Date() },
      update: { lastBackupAt: new Date(), lastEditedAt: null },
    });
    const { op, events } = await failing.runToEnd(runMigration, { runid }, 'alice');
    const after = await failing.world.prisma.run.findUniqueOrThrow({ where: { id: runid } });
    expect(after.lastEditedAt!.getTime()).toBeGreaterThanOrEqual(after.lastBackupAt!.getTime());
    expect(op).toMatchObject({ status: 'failed', errorCode: 'MIGRATION_FAILED' });
    expect(op.error).toMatch(
      /^Migration failed in throws-half-way: disk on fire; the run was restored from pre-migration-/,
    );
    expect(await runContent(dir)).toEqual(before);
    expect(before[VERSION_FILE]).toBeUndefined();
    expect(types(events)).toContain('EXCEPTION');
    expect(types(events)).not.toContain('MIGRATION_COMPLETE');
    expect(await failing.world.prisma.runMigration.findUniqueOrThrow({ where: { runid } })).toMatchObject({
      lastStatus: 'rolled-back',
    });
  });
});

test('a validation failure (a /geodata/ value that is not a run path) rolls back the same way', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  await fs.writeFile(path.join(dir, 'soils.nodb'), JSON.stringify({ db: '/geodata/ssurgo/2024.db' }));
  const before = await runContent(dir);
  const { op, events } = await ww.runToEnd(runMigration, { runid }, 'alice');
  expect(op).toMatchObject({ status: 'failed', errorCode: 'MIGRATION_FAILED' });
  expect(op.error).toMatch(
    /^Migration failed in legacy-run-paths: validation failed: soils.nodb: 1 string value\(s\) still start with \/geodata\//,
  );
  expect(await runContent(dir)).toEqual(before);
  expect(types(events)).not.toContain('MIGRATION_COMPLETE');
});

test('a TopazID that is not a string of digits fails, naming the file and feature; the run is restored', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  const f = path.join(dir, 'dem', 'wbt', 'channels.geojson');
  const doc = JSON.parse(await fs.readFile(f, 'utf8'));
  doc.features[2].properties.TopazID = 'A7';
  await fs.writeFile(f, JSON.stringify(doc));
  const before = await runContent(dir);
  const { op } = await ww.runToEnd(runMigration, { runid }, 'alice');
  expect(op.error).toMatch(
    /^Migration failed in wbt-geojson-ids: dem\/wbt\/channels.geojson feature 2: TopazID "A7" is not a string of digits/,
  );
  expect(await runContent(dir)).toEqual(before);
});

test('a locked run is refused before anything is written', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  await fs.writeFile(path.join(dir, `ron${LOCK_FILE_SUFFIX}`), '');
  const before = await runContent(dir);
  const { op } = await ww.runToEnd(runMigration, { runid }, 'alice');
  expect(op).toMatchObject({ status: 'failed', errorCode: 'RUN_LOCKED' });
  expect(await runContent(dir)).toEqual(before);
  expect(await archivesOf(dir)).toEqual([]);
});

test('dry-run migrates a copy, reports the diff and leaves the run untouched', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  const before = await runContent(dir);
  const { op, events } = await ww.runToEnd(runMigrationDryRun, { runid }, 'alice');
  expect(op.status).toBe('succeeded');
  expect(op.result).toMatchObject({
    ok: true,
    version: 0,
    planned: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    diff: {
      added: [],
      removed: [],
      changed: [
        'dem/wbt/channels.geojson',
        'dem/wbt/subcatchments.geojson',
        'landuse.nodb',
        'landuse/landuse.parquet',
        'ron.nodb',
        'watershed.nodb',
      ],
    },
  });
  expect(types(events).at(-1)).toBe('COMPLETE');
  expect(await runContent(dir)).toEqual(before);
  expect(await archivesOf(dir)).toEqual([]);
  await expect(
    fs.readdir(path.join(ww.world.config.storageRoot, 'migration-dry-run', op.id)),
  ).rejects.toThrow();
});

test('validate: detects and validates without writing; lists what would change', async () => {
  const { runid, dir } = await legacyRun(ww.world);
  const before = await runContent(dir);
  const { op } = await ww.runToEnd(runMigrationValidate, { runid }, 'alice');
  expect(op.status).toBe('succeeded');
  const r = op.result as { traits: { id: string; detected: boolean; valid: boolean; details: unknown }[] };
  expect(r).toMatchObject({ version: 0, current_version: 1000, needsMigration: true });
  expect(r.traits.map((t) => [t.id, t.detected, t.valid])).toEqual([
    ['legacy-run-paths', true, false],
    ['wbt-geojson-ids', true, false],
    ['landuse-parquet-ids', true, false],
  ]);
  expect(r.traits[1].details).toEqual({
    files: ['dem/wbt/channels.geojson', 'dem/wbt/subcatchments.geojson'],
    features: 24,
  });
  expect(await runContent(dir)).toEqual(before);
});

describe('SIGKILL of the worker in the middle of the traits', () => {
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  test('after the retry the run is fully migrated (restored first, then migrated again)', async () => {
    const world = ww.world;
    const { runid, dir } = await legacyRun(world);
    const marker = path.join(world.config.dataDir, `kill-${runid}`);
    const shared = path.dirname(require.resolve('@arkive/shared/test-support/service-contract'));
    child = spawn(process.execPath, ['--import', 'tsx', path.join(shared, 'contract-worker-child.ts')], {
      env: {
        ...process.env,
        ...world.env,
        TSX_TSCONFIG_PATH: path.join(shared, 'tsconfig.child.json'),
        CONTRACT_MODULE: path.join(__dirname, '..', 'test-support', 'kill-processors.ts'),
        CONTRACT_KILL_AT: 'never',
        MIGRATION_KILL_MARKER: marker,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) =>
      child!.stdout!.on('data', (d: Buffer) => d.includes('ready') && resolve()),
    );
    const died = new Promise((resolve) => child!.once('exit', resolve));
    await ww.worker.close(100); // only the child takes the job
    const deps = { prisma: world.prisma, publisher: ww.publisher, queues: ww.queues, config: world.config };
    const { operationId, channel } = await enqueueOperation(
      deps,
      runMigration,
      { runid },
      { createdBy: 'alice' },
    );
    await died;
    // the killed worker had rewritten the .nodb files and written half-done.txt
    expect(await fs.readFile(path.join(dir, 'half-done.txt'), 'utf8')).toMatch(/killed/);
    const takeover = new BaseWorker({
      queue: 'migration',
      processors: migrationProcessors(killTraits),
      config: world.config,
      prisma: world.prisma,
      connection: world.redis,
      stalledIntervalMs: 1000,
      lockDurationMs: 1500,
    });
    takeover.start();
    try {
      const events = await waitFor(async () => {
        const evs = (await replayEvents(world.redis, world.prefix, channel)).filter(
          (e) => e.operationId === operationId,
        );
        return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
      }, 60000);
      expect(types(events).filter((t) => TERMINAL_EVENT_TYPES.has(t as never))).toEqual([
        'MIGRATION_COMPLETE',
      ]);
      expect(events.map((e) => e.message)).toContain(
        'Restored ' +
          (await world.prisma.runMigration.findUniqueOrThrow({ where: { runid } })).archiveBefore +
          '; the migration starts over',
      );
      expect(await fs.readFile(path.join(dir, VERSION_FILE), 'utf8')).toBe('1000\n');
      await expect(fs.stat(path.join(dir, 'half-done.txt'))).rejects.toThrow();
      const ron = JSON.parse(await fs.readFile(path.join(dir, 'ron.nodb'), 'utf8'));
      expect(ron.dem_fn).toBe('dem/dem.tif');
    } finally {
      await takeover.close(100);
    }
  });
});
