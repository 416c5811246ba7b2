import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit, noop } from './flow';

/**
 * Makes everything written under `dir` durable before it is swapped in or renamed into place, so a
 * crash right after the swap cannot leave a run of empty or truncated files where its old content
 * was: one syncfs(2) of the file system that holds it (`sync --file-system`, GNU coreutils), which
 * costs the disk's write-back of what the restore wrote and nothing per file; where that command is
 * missing or fails, an fsync of every file and folder in the tree (slower, same guarantee).
 */
export async function syncTree(
  dir: string,
  opts: { syncCommand?: string } = {},
): Promise<'syncfs' | 'fsync'> {
  const ok = await new Promise<boolean>((resolve) =>
    execFile(opts.syncCommand ?? 'sync', ['--file-system', dir], { timeout: 600_000 }, (err) =>
      resolve(!err),
    ),
  );
  if (ok) return 'syncfs';
  await fsyncTree(dir);
  return 'fsync';
}

async function fsyncTree(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  await mapLimit(entries, 8, async (e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return fsyncTree(p);
    if (e.isFile()) return fsyncPath(p, false);
  });
  await fsyncPath(dir, true);
}

async function fsyncPath(p: string, folder: boolean): Promise<void> {
  const fh = await fs.open(p, 'r');
  try {
    // A file that cannot be made durable is an error; some file systems refuse fsync of a folder.
    await (folder ? fh.sync().catch(noop) : fh.sync());
  } finally {
    await fh.close();
  }
}
