import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  createSnapshot,
  LOCK_FILE_SUFFIX,
  runLocksKey,
  runPath,
  runRestore,
  TERMINAL_EVENT_TYPES,
} from '@arkive/shared';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { runRestoreProcessor } from './processor';

let n = 0;

/** Everything in the run except archives/: path → type, mode and content hash (or link target). */
async function tree(runDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string, rel: string) {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && e.name === ARCHIVES_DIR) continue;
      const p = path.join(dir, e.name);
      const st = await fs.lstat(p);
      if (e.isSymbolicLink()) out[r] = `link:${await fs.readlink(p)}`;
      else if (e.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o777).toString(8)}`;
        await walk(p, r);
      } else
        out[r] = `file:${(st.mode & 0o777).toString(8)}:${createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex')}`;
    }
  }
  await walk(runDir, '');
  return out;
}

/** A run with content, one snapshot of it, then changed content (so a restore has work to do). */
async function runWithSnapshot(world: TestWorld) {
  const runid = `rest-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'wepp', 'output'), { recursive: true });
  await fs.mkdir(path.join(runDir, 'empty'));
  for (let i = 0; i < 10; i++)
    await fs.writeFile(path.join(runDir, 'wepp', 'output', `H${i}.dat`), `hillslope ${i}\n`.repeat(300));
  await fs.writeFile(path.join(runDir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fs.symlink('wepp/output/H0.dat', path.join(runDir, 'latest.dat'));
  const snap = await createSnapshot({ runDir });
  const archived = await tree(runDir);
  await fs.writeFile(path.join(runDir, 'wepp', 'output', 'H0.dat'), 'changed after the snapshot\n');
  await fs.rm(path.join(runDir, 'empty'), { recursive: true });
  await fs.writeFile(path.join(runDir, 'new-file.txt'), 'created after the snapshot\n');
  return { runid, runDir, archiveName: snap.name, archived };
}

describeServiceContract({
  name: 'restore',
  kind: runRestore,
  processors: () => [runRestoreProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  async setup(world) {
    const { runid, archiveName } = await runWithSnapshot(world);
    return { payload: { runid, archiveName, preRestoreSnapshot: true } };
  },
  async expectComplete({ world, payload, result }) {
    const runDir = runPath(world.config.runsRoot, payload.runid);
    expect(result.preRestoreArchive).toMatch(/^pre-restore-.*\.zip$/);
    expect(await fs.readFile(path.join(runDir, 'wepp', 'output', 'H0.dat'), 'utf8')).toBe(
      'hillslope 0\n'.repeat(300),
    );
  },
  capture: async (world, payload) => {
    const runDir = runPath(world.config.runsRoot, payload.runid);
    return {
      tree: await tree(runDir),
      archives: (await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort(),
    };
  },
});

describe('run-restore processor', () => {
  let world: TestWorld;
  let ww: WorkerWorld;

  beforeAll(async () => {
    ww = await startWorkerWorld('restore', [runRestoreProcessor]);
    ({ world } = ww);
  });
  afterAll(() => ww.close());

  const runJob = (payload: {
    runid: string;
    archiveName: string;
    preRestoreSnapshot?: boolean;
    allowEmpty?: boolean;
  }) => ww.runToEnd(runRestore, payload, 'bob');

  /**
   * Runs `fn` once, as soon as the restore's staging folder appears beside the run (the archive is
   * about to be extracted): what a simulation starting in the run meanwhile would do.
   */
  function whenStagingAppears(runid: string, runDir: string, fn: () => void) {
    let fired = false;
    const watcher = fsSync.watch(path.dirname(runDir), (_ev, name) => {
      if (fired || !String(name).startsWith(`.${runid}.restore-`)) return;
      fired = true;
      fn();
    });
    return {
      stop: () => {
        watcher.close();
        return fired;
      },
    };
  }

  /** A run whose archive has a few hundred files, so that extracting it takes many steps. */
  async function runWithBiggerSnapshot() {
    const r = await runWithSnapshot(world);
    await fs.mkdir(path.join(r.runDir, 'many'));
    for (let i = 0; i < 300; i++)
      await fs.writeFile(path.join(r.runDir, 'many', `m${i}.txt`), `${i}\n`.repeat(50));
    const snap = await createSnapshot({ runDir: r.runDir, label: 'bigger' });
    await fs.writeFile(path.join(r.runDir, 'new-file.txt'), 'changed after the snapshot\n');
    return { ...r, archiveName: snap.name };
  }

  test('restore returns the run to the archived content, with Restored file lines, RESTORE_COMPLETE and a pre-restore archive', async () => {
    const { runid, runDir, archiveName, archived } = await runWithSnapshot(world);
    const beforeRestore = await tree(runDir);
    const { events, op, operationId } = await runJob({ runid, archiveName });
    expect(op.status).toBe('succeeded');
    expect(await tree(runDir)).toEqual(archived);

    const result = op.result as { filesRestored: number; preRestoreArchive: string };
    expect(result.filesRestored).toBe(11);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ENQUEUED');
    expect(types.at(-1)).toBe('RESTORE_COMPLETE');
    expect(types.filter((t) => TERMINAL_EVENT_TYPES.has(t))).toEqual(['RESTORE_COMPLETE']);
    const restored = events.filter((e) => e.message.startsWith('Restored file '));
    expect(restored.length).toBeGreaterThan(0);
    expect(restored[0].progress).toMatchObject({ unit: 'bytes' });
    const percents = events.filter((e) => e.percent !== undefined).map((e) => e.percent as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    // the replaced content is kept as a pre-restore archive, listed in the Archive table
    expect(result.preRestoreArchive).toMatch(/^pre-restore-.*\.zip$/);
    expect((await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort()).toEqual(
      [archiveName, result.preRestoreArchive].sort(),
    );
    const row = await world.prisma.archive.findUniqueOrThrow({
      where: { runId_name: { runId: runid, name: result.preRestoreArchive } },
    });
    expect(row).toMatchObject({ kind: 'pre-restore', operationId });
    // and it really holds the content from before the restore
    const check = await fs.mkdtemp(path.join(world.dataDir, 'check-'));
    expect(
      spawnSync('unzip', ['-q', path.join(runDir, ARCHIVES_DIR, result.preRestoreArchive), '-d', check])
        .status,
    ).toBe(0);
    await fs.rm(path.join(check, '.arkive-manifest.jsonl'), { force: true });
    expect(await tree(check)).toEqual(beforeRestore);
  });

  test('a run with hundreds of files: Restored file lines are throttled but never silent, the last one names the last file', async () => {
    const { runid, runDir } = await runWithSnapshot(world);
    await fs.mkdir(path.join(runDir, 'many'));
    for (let i = 0; i < 600; i++)
      await fs.writeFile(path.join(runDir, 'many', `m${String(i).padStart(4, '0')}.txt`), `${i}\n`);
    const snap = await createSnapshot({ runDir, label: 'many' });
    const { op, events } = await runJob({ runid, archiveName: snap.name, preRestoreSnapshot: true });
    expect(op.status).toBe('succeeded');
    const restored = events.filter((e) => e.message.startsWith('Restored file '));
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.length).toBeLessThan(611);
    const lastLine = restored.at(-1)!;
    // the engine reports files in completion order; the last line sent is the last file restored
    expect(lastLine.progress?.current).toBe(Math.max(...restored.map((e) => e.progress?.current ?? 0)));
    expect(lastLine.progress!.current).toBeGreaterThan(lastLine.progress!.total - 100);
    const snapshotting = events.findIndex((e) => e.stage === 'pre-restore-snapshot');
    expect(events.indexOf(lastLine)).toBeLessThan(snapshotting);
  });

  test('preRestoreSnapshot: false restores without keeping the old content', async () => {
    const { runid, runDir, archiveName, archived } = await runWithSnapshot(world);
    const { op } = await runJob({ runid, archiveName, preRestoreSnapshot: false });
    expect(op.status).toBe('succeeded');
    expect(op.result).toEqual({ filesRestored: 11 });
    expect(await tree(runDir)).toEqual(archived);
    expect(await fs.readdir(path.join(runDir, ARCHIVES_DIR))).toEqual([archiveName]);
  });

  test('a hostile archive (entry escaping the run) ends in EXCEPTION with the engine reason; the run is untouched', async () => {
    const { runid, runDir } = await runWithSnapshot(world);
    const hostile = path.join(runDir, ARCHIVES_DIR, 'hostile.zip');
    const py = `import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1],'w') as z:\n  z.writestr('ok.txt','fine')\n  z.writestr('../escaped.txt','evil')\n`;
    expect(spawnSync('python3', ['-c', py, hostile]).status).toBe(0);
    const before = await tree(runDir);
    const { op, events } = await runJob({ runid, archiveName: 'hostile.zip' });
    expect(op.status).toBe('failed');
    expect(op.attempt).toBe(1);
    expect(op.error).toMatch(/Refusing archive/);
    expect(op.error).toContain('../escaped.txt');
    expect(events.at(-1)).toMatchObject({ type: 'EXCEPTION', message: op.error });
    expect(await tree(runDir)).toEqual(before);
    await expect(fs.stat(path.join(path.dirname(runDir), 'escaped.txt'))).rejects.toThrow();
    expect(await fs.readdir(path.join(runDir, ARCHIVES_DIR))).toHaveLength(2); // no pre-restore archive either
  });

  test('a corrupt archive ends in EXCEPTION with ARCHIVE_CORRUPT; the run is untouched', async () => {
    const { runid, runDir, archiveName } = await runWithSnapshot(world);
    const good = await fs.readFile(path.join(runDir, ARCHIVES_DIR, archiveName));
    await fs.writeFile(
      path.join(runDir, ARCHIVES_DIR, 'truncated.zip'),
      good.subarray(0, Math.floor(good.length / 2)),
    );
    const before = await tree(runDir);
    const { op, events } = await runJob({ runid, archiveName: 'truncated.zip' });
    expect(op.status).toBe('failed');
    expect(op.errorCode).toBe('ARCHIVE_CORRUPT');
    expect(op.error).toMatch(/corrupt/i);
    expect(events.at(-1)).toMatchObject({ type: 'EXCEPTION', message: op.error });
    expect(await tree(runDir)).toEqual(before);
  });

  test('a missing archive fails with ARCHIVE_NOT_FOUND', async () => {
    const { runid } = await runWithSnapshot(world);
    const { op } = await runJob({ runid, archiveName: 'nope.zip' });
    expect(op.status).toBe('failed');
    expect(op.errorCode).toBe('ARCHIVE_NOT_FOUND');
  });

  test('a lock file taken while the archive is extracted refuses the restore; files written meanwhile are kept', async () => {
    const { runid, runDir, archiveName } = await runWithBiggerSnapshot();
    const w = whenStagingAppears(runid, runDir, () => {
      fsSync.writeFileSync(path.join(runDir, `sim${LOCK_FILE_SUFFIX}`), '');
      fsSync.mkdirSync(path.join(runDir, 'results'), { recursive: true });
      fsSync.writeFileSync(path.join(runDir, 'results', 'new-output.dat'), 'new output\n');
    });
    const { op, events } = await runJob({ runid, archiveName, preRestoreSnapshot: false });
    expect(w.stop()).toBe(true);
    expect(op).toMatchObject({ status: 'failed', errorCode: 'RUN_LOCKED', attempt: 1 });
    expect(op.error).toContain(`sim${LOCK_FILE_SUFFIX}`);
    expect(events.at(-1)).toMatchObject({ type: 'EXCEPTION', message: op.error });
    expect(await fs.readFile(path.join(runDir, 'results', 'new-output.dat'), 'utf8')).toBe('new output\n');
    expect(await fs.readFile(path.join(runDir, 'new-file.txt'), 'utf8')).toBe('changed after the snapshot\n');
    expect(await fs.readdir(path.join(runDir, ARCHIVES_DIR))).toHaveLength(2); // no pre-restore archive
    expect((await fs.readdir(path.dirname(runDir))).filter((x) => x.startsWith(`.${runid}.`))).toEqual([]);
  });

  test('a Redis lock taken while the archive is extracted refuses the restore (pre-restore snapshot on); nothing is replaced', async () => {
    const { runid, runDir, archiveName } = await runWithBiggerSnapshot();
    const before = await tree(runDir);
    const archivesBefore = (await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort();
    const w = whenStagingAppears(runid, runDir, () => {
      void world.redis.hset(runLocksKey(world.config.redisPrefix, runid), 'watershed', 'worker-7');
    });
    const { op } = await runJob({ runid, archiveName, preRestoreSnapshot: true });
    expect(w.stop()).toBe(true);
    expect(op).toMatchObject({ status: 'failed', errorCode: 'RUN_LOCKED' });
    expect(op.error).toContain('Redis locks: watershed');
    expect(await tree(runDir)).toEqual(before);
    expect((await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort()).toEqual(archivesBefore);
    await world.redis.del(runLocksKey(world.config.redisPrefix, runid));
  });

  test('an archive without files needs allowEmpty: refused with ARCHIVE_EMPTY (run untouched), restored with it', async () => {
    const { runid, runDir } = await runWithSnapshot(world);
    // the smallest valid ZIP: an end-of-central-directory record and nothing else
    await fs.writeFile(
      path.join(runDir, ARCHIVES_DIR, 'empty.zip'),
      Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex'),
    );
    const before = await tree(runDir);
    const refused = await runJob({ runid, archiveName: 'empty.zip' });
    expect(refused.op).toMatchObject({ status: 'failed', errorCode: 'ARCHIVE_EMPTY', attempt: 1 });
    expect(refused.op.error).toMatch(/holds no files/);
    expect(await tree(runDir)).toEqual(before);
    const done = await runJob({ runid, archiveName: 'empty.zip', allowEmpty: true });
    expect(done.op.status).toBe('succeeded');
    expect(await tree(runDir)).toEqual({});
    expect(done.op.result).toMatchObject({
      filesRestored: 0,
      preRestoreArchive: expect.stringMatching(/^pre-restore-/),
    });
  });

  test('a locked run is refused (lock file, then Redis hash field) and left untouched', async () => {
    const { runid, runDir, archiveName } = await runWithSnapshot(world);
    await fs.writeFile(path.join(runDir, `climate${LOCK_FILE_SUFFIX}`), '');
    const before = await tree(runDir);
    const first = await runJob({ runid, archiveName });
    expect(first.op.errorCode).toBe('RUN_LOCKED');
    expect(first.op.error).toContain(`climate${LOCK_FILE_SUFFIX}`);
    expect(first.events.at(-1)?.type).toBe('EXCEPTION');
    expect(await tree(runDir)).toEqual(before);

    await fs.rm(path.join(runDir, `climate${LOCK_FILE_SUFFIX}`));
    await world.redis.hset(runLocksKey(world.config.redisPrefix, runid), 'watershed', 'worker-7');
    const before2 = await tree(runDir);
    const second = await runJob({ runid, archiveName });
    expect(second.op.errorCode).toBe('RUN_LOCKED');
    expect(second.op.error).toContain('Redis locks: watershed');
    expect(await tree(runDir)).toEqual(before2);
  });
});
