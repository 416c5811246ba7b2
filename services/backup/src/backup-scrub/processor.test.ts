import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { backupScrub, resticRepoFor, runBackup } from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun } from '../test-support/fixtures';
import { runBackupProcessor } from '../run-backup/processor';
import { backupScrubProcessor } from './processor';

let ww: WorkerWorld;

// a period of 2 days: two scrubs read every pack (1/2, then 2/2), the third starts over
beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, backupScrubProcessor], {
    BACKUP_PASSWORD: 'scrub-test',
    BACKUP_SCRUB_PERIOD_DAYS: '2',
  });
});
afterAll(() => ww.close());

/** The largest pack of the repository: the one holding the run's incompressible data. */
async function largestPack(location: string): Promise<string> {
  let best = { file: '', size: -1 };
  const data = path.join(location, 'data');
  for (const sub of await fs.readdir(data))
    for (const f of await fs.readdir(path.join(data, sub))) {
      const st = await fs.stat(path.join(data, sub, f));
      if (st.size > best.size) best = { file: path.join(data, sub, f), size: st.size };
    }
  return best.file;
}

test('a lock left by a killed restic process does not block the scrub (stale locks are removed, live ones waited for)', async () => {
  const { runid } = await makeRun(ww.world);
  expect((await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob')).op.error).toBeNull();
  const repo = resticRepoFor(ww.world.config, 'local');
  // a real restic backup holding its lock, then SIGKILLed: its lock stays, its process is gone
  const holder = spawn('restic', ['backup', '--stdin', '--stdin-filename', 'held.txt', '--host', 'arkive'], {
    env: { ...process.env, RESTIC_REPOSITORY: repo.location, RESTIC_PASSWORD: repo.password },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => holder.on('exit', resolve));
  // A real lock object (64 hex digits), not the temp file restic writes it through first: killed
  // between the two, no lock would be left and the test would prove nothing.
  const locks = async () =>
    (await fs.readdir(path.join(repo.location, 'locks'))).filter((f) => /^[0-9a-f]{64}$/.test(f));
  await waitFor(async () => ((await locks()).length > 0 ? true : null), 20000);
  holder.kill('SIGKILL');
  await exited;
  expect((await locks()).length).toBeGreaterThan(0);
  const { op } = await ww.runToEnd(backupScrub, { repoId: 'local' }, 'schedule');
  expect(op.error).toBeNull();
  expect(op.status).toBe('succeeded');
  expect(await fs.readdir(path.join(repo.location, 'locks'))).toEqual([]);
});

test('a good repository scrubs ok, the subset rotates k/n daily; a damaged pack fails the scrub and is recorded', async () => {
  const { runid } = await makeRun(ww.world, { bigBytes: 2 * 1024 * 1024 });
  const b = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
  expect(b.op.error).toBeNull();

  let row = await ww.world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } });
  const k = row.scrubNextSubset; // an earlier test may have moved the rotation
  const other = (k % 2) + 1;
  const first = await ww.runToEnd(backupScrub, { repoId: 'local' }, 'schedule');
  expect(first.op.status).toBe('succeeded');
  expect(first.op.result).toMatchObject({ ok: true, subset: `${k}/2` });
  row = await ww.world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } });
  expect(row).toMatchObject({ lastScrubOk: true, lastScrubSubset: `${k}/2`, scrubNextSubset: other });
  expect(row.lastScrubAt).not.toBeNull();

  const second = await ww.runToEnd(backupScrub, { repoId: 'local' }, 'schedule');
  expect(second.op.result).toMatchObject({ ok: true, subset: `${other}/2` });
  row = await ww.world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } });
  expect(row.scrubNextSubset).toBe(k);

  // Overwrite bytes in the middle of the data pack: the structure stays intact, the content does not.
  const pack = await largestPack(resticRepoFor(ww.world.config, 'local').location);
  await fs.chmod(pack, 0o600);
  const fh = await fs.open(pack, 'r+');
  await fh.write(Buffer.alloc(64, 0x58), 0, 64, Math.floor((await fh.stat()).size / 2));
  await fh.close();
  // whichever subset holds that pack, two scrubs read both halves: at least one fails
  const outcomes = [];
  for (let i = 0; i < 2; i++) {
    const r = await ww.runToEnd(backupScrub, { repoId: 'local' }, 'schedule');
    outcomes.push(r.op);
    if (r.op.status === 'failed') break;
  }
  const failed = outcomes.find((o) => o.status === 'failed');
  expect(failed).toBeDefined();
  expect(failed!.error).toMatch(/scrub of packs \d\/2 found damage/);
  row = await ww.world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } });
  expect(row.lastScrubOk).toBe(false);
  expect(row.lastScrubMessage).toMatch(/found damage/);
  // a failed subset is not skipped: the next scrub reads the same packs again
  const again = await ww.runToEnd(backupScrub, { repoId: 'local' }, 'schedule');
  expect(again.op.status).toBe('failed');
  expect(
    (await ww.world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } })).lastScrubSubset,
  ).toBe(row.lastScrubSubset);
});
