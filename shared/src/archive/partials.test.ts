import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sweepDeadPartials, sweepDeadSnapshotTemps } from './create';
import { ownerState, ownerToken, ownerTokenOf } from './temp-owner';
import { tempDir } from './test-fixtures';

/** Temp files of snapshots carry their owner: only a provably dead process's are removed at once. */
describe('partial archives and their owners', () => {
  let root: string;
  let sleeper: ChildProcess;
  beforeAll(async () => {
    root = await tempDir();
    sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    await new Promise((r) => sleeper.once('spawn', r));
  });
  afterAll(async () => {
    sleeper.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
  });

  const deadPid = () => Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
  const me = ownerTokenOf(process.pid)!;
  const dead = me.replace(/-\d+-\d+$/, `-${deadPid()}-1`);
  const reused = me.replace(/-\d+$/, '-1'); // this pid, another start time: the pid was reused
  const foreignHost = `${'0'.repeat(12)}${me.slice(12)}`;
  const otherNamespace = me.replace(/^([0-9a-f]{12}-[0-9a-f]{8})-[0-9a-f]{8}/, '$1-00000000');
  const otherBoot = me.replace(/^([0-9a-f]{12})-[0-9a-f]{8}/, '$1-00000000');

  test('owner states', () => {
    expect(ownerState(ownerToken())).toBe('alive');
    expect(ownerState(ownerTokenOf(sleeper.pid!)!)).toBe('alive');
    expect(ownerState(dead)).toBe('gone');
    expect(ownerState(reused)).toBe('gone');
    expect(ownerState(otherBoot)).toBe('gone');
    expect(ownerState(foreignHost)).toBe('unknown');
    expect(ownerState(otherNamespace)).toBe('unknown');
    expect(ownerState(me, 'another-host-id')).toBe('unknown');
    expect(ownerState('not-a-token')).toBe('unknown');
  });

  test('a sweep removes dead owners’ groups at once; live, foreign and unowned files stay (the latter until idle 10 min)', async () => {
    const runs = path.join(root, 'runs');
    const dir = path.join(runs, 'r1', 'archives');
    await fs.mkdir(dir, { recursive: true });
    const files = {
      dead: [`.a.zip.partial-${dead}-00000001`, `.a.zip.partial-${dead}-00000001.central`],
      live: [`.b.zip.partial-${ownerTokenOf(sleeper.pid!)}-00000002`],
      foreign: [`.c.zip.partial-${foreignHost}-00000003`],
      legacy: ['.d.zip.partial-abcd'],
      legacyIdle: ['.e.zip.partial-abcd', '.e.zip.partial-abcd.manifest'],
      other: ['final.zip', '.hidden-user-file'],
    };
    for (const group of Object.values(files)) for (const f of group) await fs.writeFile(path.join(dir, f), f);
    const old = new Date(Date.now() - 11 * 60 * 1000);
    for (const f of [...files.live, ...files.legacyIdle]) await fs.utimes(path.join(dir, f), old, old);

    // service start: proven only
    const atStart = await sweepDeadSnapshotTemps(runs);
    expect(atStart.map((r) => r.path).sort()).toEqual(files.dead.map((f) => `r1/archives/${f}`).sort());
    // before a snapshot: also the unowned group idle for 10 minutes (as before owner tokens)
    const removed = await sweepDeadPartials(dir);
    expect(removed.map((r) => r.name).sort()).toEqual([...files.legacyIdle].sort());
    expect((await fs.readdir(dir)).sort()).toEqual(
      [...files.live, ...files.foreign, ...files.legacy, ...files.other].sort(),
    );
  });
});
