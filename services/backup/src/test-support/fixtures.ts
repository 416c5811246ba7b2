import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR, runPath } from '@arkive/shared';
import type { TestWorld } from '@arkive/shared/test-support/harness';

let n = 0;

/**
 * Everything in a folder except the top-level archives/: path → type, mode, mtime (ms) and content
 * hash or link target. Folders' mtimes are left out (restic and cp set them after their content).
 */
export async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string, rel: string) {
    for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && e.name === ARCHIVES_DIR) continue;
      const p = path.join(dir, e.name);
      const st = await fs.lstat(p);
      if (e.isSymbolicLink()) out[r] = `link:${await fs.readlink(p)}`;
      else if (e.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o7777).toString(8)}`;
        await walk(p, r);
      } else
        out[r] = `file:${(st.mode & 0o7777).toString(8)}:${Math.floor(st.mtimeMs)}:${createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex')}`;
    }
  }
  await walk(root, '');
  return out;
}

/** A registered run with files, modes, an mtime set in the past, a symlink, an empty folder and some incompressible data. */
export async function makeRun(
  world: TestWorld,
  opts: { bigBytes?: number; members?: { userId: number; role: 'owner' | 'collaborator' | 'viewer' }[] } = {},
) {
  const runid = `bk-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'wepp', 'output'), { recursive: true });
  await fs.mkdir(path.join(runDir, 'empty'));
  await fs.mkdir(path.join(runDir, 'climate'));
  for (let i = 0; i < 8; i++)
    await fs.writeFile(path.join(runDir, 'wepp', 'output', `H${i}.dat`), `hillslope ${i}\n`.repeat(400));
  await fs.writeFile(path.join(runDir, 'climate', 'cli.txt'), 'climate\n'.repeat(100));
  await fs.writeFile(path.join(runDir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fs.chmod(path.join(runDir, 'run.sh'), 0o750);
  await fs.writeFile(path.join(runDir, 'noise.bin'), randomBytes(opts.bigBytes ?? 256 * 1024));
  const past = new Date('2024-03-01T10:00:00.123Z');
  await fs.utimes(path.join(runDir, 'climate', 'cli.txt'), past, past);
  await fs.symlink('wepp/output/H0.dat', path.join(runDir, 'latest.dat'));
  await fs.mkdir(path.join(runDir, ARCHIVES_DIR));
  await fs.writeFile(path.join(runDir, ARCHIVES_DIR, 'not-backed-up.zip'), 'x');
  await world.prisma.run.create({
    data: { id: runid, createdBy: 'bob', ...(opts.members ? { members: { create: opts.members } } : {}) },
  });
  return { runid, runDir };
}
