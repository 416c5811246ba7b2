import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR } from '../runs';
import { MANIFEST_NAME, parseComment } from './manifest';
import { ZipReader } from './reader';
import type { ArchiveListing } from './types';

/** The run's archives (newest first), described from each ZIP's comment; creates archives/ on demand. */
export async function listArchives(runDir: string): Promise<ArchiveListing[]> {
  const dir = path.join(path.resolve(runDir), ARCHIVES_DIR);
  await fs.mkdir(dir, { recursive: true });
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.zip') && !n.startsWith('.'));
  const out: ArchiveListing[] = [];
  for (const name of names) {
    const p = path.join(dir, name);
    const st = await fs.stat(p).catch(() => null);
    if (!st?.isFile()) continue;
    const item: ArchiveListing = {
      name,
      size: st.size,
      createdAt: st.mtime.toISOString(),
      kind: name.startsWith('pre-restore-') ? 'pre-restore' : 'snapshot',
    };
    const reader = await ZipReader.open(p).catch(() => null);
    if (reader) {
      const c = parseComment(reader.comment);
      await reader.close();
      if (c) {
        item.createdAt = c.createdAt;
        item.kind = c.kind;
        item.fileCount = c.fileCount;
        item.label = c.label;
        item.manifestSha256 = c.manifestSha256;
      }
    }
    out.push(item);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
}

/**
 * How many regular files an archive holds (its manifest excluded), from its central directory
 * only: cheap enough for the API to warn before a restore would empty a run. Throws
 * ARCHIVE_CORRUPT / ARCHIVE_NOT_FOUND like every reader.
 */
export async function countArchiveFiles(archivePath: string): Promise<{ files: number; entries: number }> {
  const reader = await ZipReader.open(archivePath);
  try {
    const c = parseComment(reader.comment);
    const last = reader.entries.at(-1);
    const ownManifest = c && last && last.name === (c.manifestName ?? MANIFEST_NAME);
    const data = ownManifest ? reader.entries.slice(0, -1) : reader.entries;
    return { files: data.filter((e) => !e.isDir && !e.isSymlink).length, entries: data.length };
  } finally {
    await reader.close();
  }
}
