import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, recoverInterruptedRestore, restoreArchive } from './index';
import { recoverRestoreLeftovers } from './restore';
import { ownerTokenOf } from './temp-owner';
import { tempDir } from './test-fixtures';
import { treeState } from './tree-state';

/**
 * A restore's staging folder, replaced tree and journal sit beside the run. Their names must be
 * unambiguous per run (run ids may contain dots and dashes), and a sweep removes only what a
 * provably dead restore of this very run left behind.
 */
describe('restore temp names and sweeps', () => {
  let root: string;
  let zip: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    root = await tempDir();
    const src = path.join(root, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.txt'), 'restored\n');
    zip = (await createSnapshot({ runDir: src, outDir: path.join(root, 'zips') })).path;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
  });

  async function makeRun(dir: string, tag: string) {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'data.txt'), `${tag}\n`);
  }
  async function makeDir(p: string, content: string) {
    await fs.mkdir(p, { recursive: true });
    await fs.writeFile(path.join(p, 'only-copy.txt'), content);
  }
  /** A token of a process that has exited (its pid is gone). */
  function deadToken(): string {
    const r = spawnSync('sh', ['-c', 'echo $$']);
    return ownerTokenOf(process.pid)!.replace(/-\d+-\d+$/, `-${r.stdout.toString().trim()}-1`);
  }
  async function liveToken(): Promise<string> {
    const c = spawn('sleep', ['120'], { stdio: 'ignore' });
    children.push(c);
    await new Promise((r) => c.once('spawn', r));
    return ownerTokenOf(c.pid!)!;
  }

  test('restoring run vic never touches the staging, replaced tree or journal of run vic.restore-x (names from before owner tokens too)', async () => {
    const base = path.join(root, 'names');
    const vic = path.join(base, 'vic');
    const other = path.join(base, 'vic.restore-x');
    await makeRun(vic, 'vic');
    await makeRun(other, 'vic.restore-x');
    const dead = deadToken();
    // vic.restore-x crashed mid-swap: its content is only in its replaced tree, the journal says so.
    const otherOld = path.join(base, `.vic.restore-x.old-${dead}-0a0b0c0d`);
    const otherStaging = path.join(base, `.vic.restore-x.restore-${dead}-01020304`);
    await makeDir(otherOld, 'the only copy of vic.restore-x');
    await makeDir(otherStaging, 'staging of vic.restore-x');
    await fs.rm(other, { recursive: true });
    await fs.writeFile(
      path.join(base, '.vic.restore-x.restore-journal.json'),
      JSON.stringify({ runDir: other, staging: otherStaging, old: otherOld }),
    );
    // and folders in the format written before owner tokens existed
    await makeDir(path.join(base, '.vic.restore-x.restore-0123456789ab'), 'legacy staging');
    await makeDir(path.join(base, '.vic.restore-x.old-0123456789ab'), 'legacy old copy');
    const before = await treeState(base, { skipTop: ['vic'] });

    await restoreArchive({ runDir: vic, archivePath: zip, preRestoreSnapshot: false });
    expect(await fs.readFile(path.join(vic, 'a.txt'), 'utf8')).toBe('restored\n');
    expect(await treeState(base, { skipTop: ['vic'] })).toEqual(before);

    // vic.restore-x's own recovery puts its content back
    expect(await recoverInterruptedRestore(other)).toBe('rolled-back');
    expect(await fs.readFile(path.join(other, 'only-copy.txt'), 'utf8')).toBe(
      'the only copy of vic.restore-x',
    );
  });

  test("a sweep removes this run's staging left by a dead restore, never a live restore's or another host's", async () => {
    const base = path.join(root, 'owners');
    const run = path.join(base, 'sim');
    await makeRun(run, 'sim');
    const dead = path.join(base, `.sim.restore-${deadToken()}-00000001`);
    const live = path.join(base, `.sim.restore-${await liveToken()}-00000002`);
    const foreign = path.join(
      base,
      `.sim.restore-${'f'.repeat(12)}${ownerTokenOf(process.pid)!.slice(12)}-00000003`,
    );
    const deadOld = path.join(base, `.sim.old-${deadToken()}-00000004`);
    for (const d of [dead, live, foreign, deadOld]) await makeDir(d, path.basename(d));

    await restoreArchive({ runDir: run, archivePath: zip, preRestoreSnapshot: false });
    const left = (await fs.readdir(base)).filter((x) => x.startsWith('.sim.')).sort();
    // the dead restore's staging and its finished swap's replaced tree (no journal) are gone
    expect(left).toEqual([path.basename(live), path.basename(foreign)].sort());
  });

  test('a journal of a live swap is not recovered under it; a dead one is, at service start', async () => {
    const base = path.join(root, 'journal');
    const run = path.join(base, 'r1');
    await makeRun(run, 'r1');
    const token = await liveToken();
    const staging = path.join(base, `.r1.restore-${token}-00000001`);
    const old = path.join(base, `.r1.old-${token}-00000002`);
    await makeDir(staging, 'new');
    const journal = path.join(base, '.r1.restore-journal.json');
    await fs.writeFile(journal, JSON.stringify({ version: 2, runDir: run, staging, old, owner: token }));
    await fs.rename(run, old); // the live process is between its two renames
    await expect(recoverInterruptedRestore(run)).rejects.toMatchObject({ code: 'RESTORE_IN_PROGRESS' });
    expect(await fs.readFile(path.join(old, 'data.txt'), 'utf8')).toBe('r1\n');

    // the same journal, left by a process that died
    const deadJ = { version: 2, runDir: run, staging, old, owner: deadToken() };
    await fs.writeFile(journal, JSON.stringify(deadJ));
    expect(await recoverRestoreLeftovers(base)).toEqual(['run r1: interrupted restore rolled-back']);
    expect(await fs.readFile(path.join(run, 'data.txt'), 'utf8')).toBe('r1\n');
    expect((await fs.readdir(base)).sort()).toEqual(['r1']);
  });

  test('a journal pointing at paths that are not this run’s own temp folders is refused and nothing is moved', async () => {
    const base = path.join(root, 'bad-journal');
    const run = path.join(base, 'r2');
    await makeRun(run, 'r2');
    const victim = path.join(base, 'r3');
    await makeRun(victim, 'r3');
    await fs.writeFile(
      path.join(base, '.r2.restore-journal.json'),
      JSON.stringify({ runDir: run, staging: victim, old: path.join(base, 'elsewhere') }),
    );
    await expect(recoverInterruptedRestore(run)).rejects.toMatchObject({ code: 'RESTORE_JOURNAL_INVALID' });
    expect(await fs.readFile(path.join(victim, 'data.txt'), 'utf8')).toBe('r3\n');
  });
});
