import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  LOCK_FILE_SUFFIX,
  runLocksKey,
  runPath,
  runSnapshot,
  TERMINAL_EVENT_TYPES,
  verifyArchive,
} from '@arkive/shared';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { runSnapshotProcessor } from './processor';

let n = 0;
async function makeRun(world: TestWorld, files = 12): Promise<{ runid: string; runDir: string }> {
  const runid = `snap-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'sub', 'deep'), { recursive: true });
  await fs.mkdir(path.join(runDir, 'empty'));
  for (let i = 0; i < files; i++)
    await fs.writeFile(path.join(runDir, 'sub', `f${i}.txt`), `file ${i}\n`.repeat(200 + i));
  await fs.writeFile(path.join(runDir, 'sub', 'deep', 'blob.bin'), randomBytes(256 * 1024));
  await fs.writeFile(path.join(runDir, 'readme.md'), '# run\n');
  return { runid, runDir };
}

const zipsIn = async (runDir: string) =>
  (await fs.readdir(path.join(runDir, ARCHIVES_DIR)).catch(() => [] as string[])).sort();

describeServiceContract({
  name: 'compress',
  kind: runSnapshot,
  processors: () => [runSnapshotProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  async setup(world) {
    const { runid } = await makeRun(world);
    return { payload: { runid, label: 'contract' } };
  },
  async expectComplete({ world, payload, result }) {
    const runDir = runPath(world.config.runsRoot, payload.runid);
    expect(await zipsIn(runDir)).toEqual([result.name]);
  },
  // The target: the run's archives/ folder (no archive, no partial file left behind by a cancel).
  capture: async (world, payload) => zipsIn(runPath(world.config.runsRoot, payload.runid)),
});

describe('run-snapshot processor', () => {
  let world: TestWorld;
  let ww: WorkerWorld;

  beforeAll(async () => {
    ww = await startWorkerWorld('compress', [runSnapshotProcessor]);
    ({ world } = ww);
  });
  afterAll(() => ww.close());

  const runJob = (payload: { runid: string; label?: string }) => ww.runToEnd(runSnapshot, payload, 'alice');

  test('a snapshot writes a valid archive, an Archive row and ordered events on <runid>:archive', async () => {
    const { runid, runDir } = await makeRun(world);
    const { events, op, channel, operationId } = await runJob({ runid, label: 'before upgrade' });
    expect(channel).toBe(`${runid}:archive`);
    expect(op.status).toBe('succeeded');
    const result = op.result as { name: string; size: number; sha256: string; fileCount: number };
    expect(result.fileCount).toBe(14);
    expect(result.name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z_before-upgrade\.zip$/);
    const zip = path.join(runDir, ARCHIVES_DIR, result.name);
    expect((await fs.stat(zip)).size).toBe(result.size);
    await expect(verifyArchive(zip)).resolves.toMatchObject({ ok: true });

    const row = await world.prisma.archive.findUniqueOrThrow({
      where: { runId_name: { runId: runid, name: result.name } },
    });
    expect(row).toMatchObject({
      sha256: result.sha256,
      fileCount: 14,
      kind: 'snapshot',
      operationId,
      localPath: zip,
      label: 'before upgrade',
    });
    expect(Number(row.size)).toBe(result.size);
    expect(row.verifiedAt).not.toBeNull();
    expect(await world.prisma.run.findUnique({ where: { id: runid } })).toMatchObject({
      id: runid,
      createdBy: 'alice',
    });

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ENQUEUED');
    expect(types.at(-1)).toBe('ARCHIVE_COMPLETE');
    expect(types.filter((t) => TERMINAL_EVENT_TYPES.has(t))).toEqual(['ARCHIVE_COMPLETE']);
    // 'Adding <path>' lines come at the engine's progress interval (100 ms), so a run archived
    // faster may have none; the summary line 'Added N files' always comes before completion.
    expect(events.some((e) => /^Added 14 files \(\d+ bytes\)/.test(e.message))).toBe(true);
    const adding = events.filter((e) => e.message.startsWith('Adding ') || /^Added 14 files/.test(e.message));
    expect(adding.length).toBeGreaterThan(0);
    expect(adding[0].progress).toMatchObject({ unit: 'bytes', total: expect.any(Number) });
    const firstAdding = events.indexOf(adding[0]);
    expect(firstAdding).toBeGreaterThan(0);
    expect(firstAdding).toBeLessThan(events.length - 1);
    const percents = events.filter((e) => e.percent !== undefined).map((e) => e.percent as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(events.at(-1)?.detail).toMatchObject({ name: result.name, sha256: result.sha256 });
  });

  test('a run locked by a lock file is refused with RUN_LOCKED naming the file; nothing is written', async () => {
    const { runid, runDir } = await makeRun(world, 2);
    await fs.writeFile(path.join(runDir, 'sub', `wepp${LOCK_FILE_SUFFIX}`), '');
    const { op, events } = await runJob({ runid });
    expect(op.status).toBe('failed');
    expect(op.attempt).toBe(1);
    expect(op.errorCode).toBe('RUN_LOCKED');
    expect(op.error).toContain(`sub/wepp${LOCK_FILE_SUFFIX}`);
    expect(events.at(-1)).toMatchObject({ type: 'EXCEPTION', message: op.error });
    expect(await zipsIn(runDir)).toEqual([]);
    expect(await world.prisma.archive.count({ where: { runId: runid } })).toBe(0);
  });

  test('a run locked in its Redis lock hash is refused with RUN_LOCKED naming the field', async () => {
    const { runid, runDir } = await makeRun(world, 2);
    await world.redis.hset(
      runLocksKey(world.config.redisPrefix, runid),
      'climate',
      '1',
      'soils_unlocked',
      '0',
    );
    const { op, events } = await runJob({ runid });
    expect(op.status).toBe('failed');
    expect(op.errorCode).toBe('RUN_LOCKED');
    expect(op.error).toMatch(/Redis locks: climate\b/);
    expect(op.error).not.toContain('soils_unlocked');
    expect(events.at(-1)?.type).toBe('EXCEPTION');
    expect(await zipsIn(runDir)).toEqual([]);
  });

  test('a missing run fails at once with RUN_NOT_FOUND', async () => {
    const { op, events } = await runJob({ runid: `missing-${randomBytes(3).toString('hex')}` });
    expect(op.status).toBe('failed');
    expect(op.attempt).toBe(1);
    expect(op.errorCode).toBe('RUN_NOT_FOUND');
    expect(events.at(-1)).toMatchObject({
      type: 'EXCEPTION',
      message: expect.stringContaining('does not exist'),
    });
  });
});
