import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, listArchives, recoverInterruptedRestore, restoreArchive } from './index';
import { ownerTokenOf } from './temp-owner';
import { ARCHIVE_INDEX, TSX_ARGS, tempDir, rejection } from './test-fixtures';
import { treeState } from './tree-state';

/** Start an engine operation in a child process and SIGKILL it once it reports `stage` with progress. */
async function killMidway(
  root: string,
  op: 'snapshot' | 'restore',
  args: Record<string, unknown>,
  stage: string,
): Promise<void> {
  const script = path.join(root, `child-${op}.ts`);
  await fs.writeFile(
    script,
    `const engine = require(${JSON.stringify(ARCHIVE_INDEX)});
const args = ${JSON.stringify(args)};
const onProgress = (p: { stage: string; bytesDone: number }) => {
  if (p.stage === ${JSON.stringify(stage)} && p.bytesDone > 0) process.stdout.write('MIDWAY\\n');
};
const fn = ${op === 'snapshot' ? 'engine.createSnapshot' : 'engine.restoreArchive'};
fn({ ...args, onProgress }).then(() => process.stdout.write('FINISHED\\n'));
`,
  );
  const child = spawn(process.execPath, [...TSX_ARGS, script], {
    cwd: path.resolve(__dirname, '../../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const outcome = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('MIDWAY')) {
        child.kill('SIGKILL');
        resolve('killed');
      } else if (out.includes('FINISHED')) resolve('finished');
    });
    child.on('exit', () => resolve(out.includes('MIDWAY') ? 'killed' : 'exited'));
  });
  await new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r),
  );
  expect(outcome).toBe('killed');
}

/** The pid of a process that has exited. */
const deadPid = () => Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());

async function bulkyRun(dir: string, tag: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'archives'), { recursive: true });
  for (let i = 0; i < 6; i++) {
    await fs.mkdir(path.join(dir, `d${i}`), { recursive: true });
    await fs.writeFile(
      path.join(dir, `d${i}/big.csv`),
      Array.from({ length: 500_000 }, (_, j) => `${tag},${i},${j},${(j * 7919) % 10007}`).join('\n'),
    );
    for (let k = 0; k < 50; k++)
      await fs.writeFile(path.join(dir, `d${i}/small${k}.txt`), `${tag} ${i} ${k}\n`);
  }
}

describe('crash safety', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a snapshot killed mid-write leaves no archive under a final name', async () => {
    const runDir = path.join(root, 'snap-run');
    await bulkyRun(runDir, 'a');
    await killMidway(root, 'snapshot', { runDir, name: 'final.zip' }, 'compressing');
    const names = await fs.readdir(path.join(runDir, 'archives'));
    expect(names.filter((n) => n.endsWith('.zip'))).toEqual([]);
    expect(await listArchives(runDir)).toEqual([]);
    // A later snapshot with the same name works. The killed writer's temp file goes at once (its
    // process is provably gone: no 10-minute wait); a fresh one without an owner token is kept.
    const partials = names.filter((n) => n.includes('.partial-'));
    expect(partials.length).toBe(1);
    await fs.writeFile(path.join(runDir, 'archives/.other.zip.partial-abcd'), 'live');
    const snap = await createSnapshot({ runDir, name: 'final.zip' });
    expect((await listArchives(runDir)).map((a) => a.name)).toEqual([snap.name]);
    expect((await fs.readdir(path.join(runDir, 'archives'))).sort()).toEqual([
      '.other.zip.partial-abcd',
      'final.zip',
    ]);
  }, 120_000);

  it('a restore killed mid-extraction leaves the run exactly as before', async () => {
    const source = path.join(root, 'source');
    await bulkyRun(source, 'new');
    const snap = await createSnapshot({ runDir: source, outDir: path.join(root, 'zips') });
    const runDir = path.join(root, 'victim');
    await bulkyRun(runDir, 'old');
    await fs.writeFile(path.join(runDir, 'archives/keep.zip'), 'x');
    const before = await treeState(runDir, { mtimes: true });
    await killMidway(
      root,
      'restore',
      { runDir, archivePath: snap.path, preRestoreSnapshot: false },
      'extracting',
    );
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    // Staging leftovers live beside the run (hidden), never inside it; the next restore sweeps them.
    const leftovers = (await fs.readdir(root)).filter((n) => n.startsWith('.victim.restore-'));
    expect(leftovers.length).toBeGreaterThan(0);
    await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: false });
    expect(await treeState(runDir, { skipTop: ['archives'] })).toEqual(
      await treeState(source, { skipTop: ['archives'] }),
    );
    expect(await fs.readFile(path.join(runDir, 'archives/keep.zip'), 'utf8')).toBe('x');
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.victim.'))).toEqual([]);
  }, 120_000);

  it('a crash between the swap renames is rolled back or completed from the journal', async () => {
    const runDir = path.join(root, 'swap');
    // (journal and names as written before owner tokens: recovery still handles them)
    const staging = path.join(root, '.swap.restore-0123456789ab');
    const old = path.join(root, '.swap.old-0123456789ab');
    await fs.mkdir(path.join(runDir, 'archives'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'old.txt'), 'old');
    await fs.writeFile(path.join(runDir, 'archives/a.zip'), 'a');
    const before = await treeState(runDir);
    const journal = path.join(root, '.swap.restore-journal.json');

    // Crash after the run was moved aside, before the staging folder took its place: roll back.
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, 'new.txt'), 'new');
    await fs.writeFile(journal, JSON.stringify({ runDir, staging, old }));
    await fs.rename(runDir, old);
    expect(await recoverInterruptedRestore(runDir)).toBe('rolled-back');
    expect(await treeState(runDir)).toEqual(before);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.swap'))).toEqual([]);

    // Crash after the staging folder took its place, before archives/ moved over: complete.
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, 'new.txt'), 'new');
    await fs.writeFile(journal, JSON.stringify({ runDir, staging, old }));
    await fs.rename(runDir, old);
    await fs.rename(staging, runDir);
    expect(await recoverInterruptedRestore(runDir)).toBe('completed');
    expect(Object.keys(await treeState(runDir)).sort()).toEqual(['archives', 'archives/a.zip', 'new.txt']);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.swap'))).toEqual([]);
  });

  it('after a crash mid-swap, a run path taken by something other than the staging folder is never "completed" over the only copy', async () => {
    const runDir = path.join(root, 'taken');
    const dead = ownerTokenOf(process.pid)!.replace(/-\d+-\d+$/, `-${deadPid()}-1`);
    const staging = path.join(root, `.taken.restore-${dead}-00000001`);
    const old = path.join(root, `.taken.old-${dead}-00000002`);
    await fs.mkdir(staging);
    await fs.mkdir(path.join(runDir, 'archives'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'only-copy.txt'), 'precious');
    const st = await fs.stat(staging);
    const journal = path.join(root, '.taken.restore-journal.json');
    await fs.writeFile(
      journal,
      JSON.stringify({
        version: 2,
        runDir,
        staging,
        old,
        owner: dead,
        stagingDev: st.dev,
        stagingIno: st.ino,
      }),
    );
    await fs.rename(runDir, old); // crash here; then a program recreates the run folder
    await fs.mkdir(runDir);
    await fs.writeFile(path.join(runDir, 'late.log'), 'written by a program');
    const err = await rejection(recoverInterruptedRestore(runDir));
    expect(err).toMatchObject({ code: 'RESTORE_INTERRUPTED' });
    expect(err.message).toContain(old);
    expect(await fs.readFile(path.join(old, 'only-copy.txt'), 'utf8')).toBe('precious');
    expect(await fs.readFile(path.join(runDir, 'late.log'), 'utf8')).toBe('written by a program');
    expect(await fs.readFile(journal, 'utf8')).toContain(old);
  });
});
