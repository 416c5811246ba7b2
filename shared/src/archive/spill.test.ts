import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot } from './create';
import { restoreArchive } from './restore';
import { SpillBuffer } from './spill';
import { run, tempDir } from './test-fixtures';
import { treeState } from './tree-state';
import { verifyArchive } from './verify';

async function collect(s: SpillBuffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of s.chunks()) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

describe('SpillBuffer', () => {
  it('keeps order across memory blocks and the temp file, and removes the file on dispose', async () => {
    const root = await tempDir();
    const file = path.join(root, 'spill');
    const s = new SpillBuffer(file, 5000, 1024);
    const parts = Array.from({ length: 40 }, (_, i) => randomBytes(100 + i * 37));
    for (const p of parts) await s.append(p);
    expect(s.length).toBe(parts.reduce((a, p) => a + p.length, 0));
    expect((await fs.stat(file)).size).toBeGreaterThan(0);
    expect((await collect(s)).equals(Buffer.concat(parts))).toBe(true);
    await s.dispose();
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await fs.rm(root, { recursive: true, force: true });
  });

  it('never creates a file while under its limit', async () => {
    const root = await tempDir();
    const s = new SpillBuffer(path.join(root, 'spill'), 1 << 20);
    await s.append(Buffer.from('small'));
    expect((await collect(s)).toString()).toBe('small');
    expect(await fs.readdir(root)).toEqual([]);
    await s.dispose();
    await fs.rm(root, { recursive: true, force: true });
  });
});

describe('a snapshot whose central directory and manifest spill to temp files', () => {
  it('is a valid archive that restores exactly, and leaves no temp files', async () => {
    const root = await tempDir();
    const runDir = path.join(root, 'run-spill');
    for (let d = 0; d < 30; d++) {
      await fs.mkdir(path.join(runDir, `d${d}`), { recursive: true });
      for (let i = 0; i < 40; i++)
        await fs.writeFile(path.join(runDir, `d${d}`, `file-${i}.txt`), `content ${d}/${i}\n`.repeat(i));
    }
    await fs.symlink('d0/file-1.txt', path.join(runDir, 'link'));
    const before = await treeState(runDir, { mtimes: true });
    const snap = await createSnapshot({ runDir, spillAfterBytes: 4096 });
    expect(snap.entryCount).toBe(30 + 30 * 40 + 1 + 1); // folders, files, link, manifest
    expect((await fs.readdir(path.join(runDir, 'archives'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(run('unzip', ['-tq', snap.path]).status).toBe(0);
    expect(run('7z', ['t', snap.path]).status).toBe(0);
    await expect(verifyArchive(snap.path)).resolves.toMatchObject({ ok: true });
    await fs.rm(path.join(runDir, 'd3'), { recursive: true });
    await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: false });
    expect(await treeState(runDir, { mtimes: true, skipTop: ['archives'] })).toEqual(before);
    await fs.rm(root, { recursive: true, force: true });
  });
});
